"""`harvest verify`: is this offline copy exactly what was packed (and signed)?

Three checks, each reported as OK, FAILED or SKIPPED:
- digest: the zip's sha256 matches its line in SHA256SUMS beside it;
- signature: with an allowed_signers file, `ssh-keygen -Y verify` accepts `<zip>.sig`;
- manifest: every entry is listed in MANIFEST.sha256 inside the zip, none is missing,
  extra, duplicated or damaged, and each one's sha256 matches.
"""
from __future__ import annotations

import hashlib
import posixpath
import subprocess
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

from harvest.offline.pack import MANIFEST, NAMESPACE, SUMS, sha256_file, ssh_keygen

OK, FAILED, SKIPPED = "OK", "FAILED", "SKIPPED"
MAX_REPORTED = 20  # per check; the count says how many more


@dataclass
class Check:
    name: str
    status: str
    details: list[str]

    def format(self) -> str:
        shown = self.details[:MAX_REPORTED]
        more = [f"... and {len(self.details) - MAX_REPORTED} more"] if len(self.details) > MAX_REPORTED else []
        head, *rest = shown + more if shown else [""]
        return "\n".join([f"{self.status:<8}{self.name}: {head}", *(f"          {line}" for line in rest)])


# What reading a damaged member raises: a bad CRC, a broken deflate stream, a cut-off file,
# or a compression method that was tampered with.
DAMAGED = (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, NotImplementedError)


def verify(zip_path: Path, allowed_signers: Path | None = None, sums: Path | None = None) -> list[Check]:
    zip_path = Path(zip_path)
    return [check_digest(zip_path, sums or zip_path.with_name(SUMS)),
            check_signature(zip_path, allowed_signers),
            check_manifest(zip_path)]


def check_digest(zip_path: Path, sums: Path) -> Check:
    if not sums.is_file():
        return Check("digest", FAILED, [f"{sums} not found; copy it from where the zip came from"])
    expected = None
    for line in sums.read_text("utf-8", errors="replace").splitlines():
        parts = line.split(maxsplit=1)
        if len(parts) == 2 and parts[1].lstrip("*") == zip_path.name:
            expected = parts[0].lower()
    if expected is None:
        return Check("digest", FAILED, [f"{sums.name} has no line for {zip_path.name}"])
    actual = sha256_file(zip_path)
    if actual != expected:
        return Check("digest", FAILED, [f"the zip was changed: its sha256 is {actual}, {sums.name} says {expected}"])
    return Check("digest", OK, [f"sha256 {actual} matches {sums.name}"])


def check_signature(zip_path: Path, allowed_signers: Path | None) -> Check:
    signature = zip_path.with_name(zip_path.name + ".sig")
    if allowed_signers is None:
        note = (f"{signature.name} is there; pass --allowed-signers FILE to check it" if signature.is_file()
                else "the copy is not signed")
        return Check("signature", SKIPPED, [note])
    if not Path(allowed_signers).is_file():
        return Check("signature", FAILED, [f"allowed signers file {allowed_signers} not found"])
    if not signature.is_file():
        return Check("signature", FAILED, [f"{signature.name} not found next to the zip"])
    keygen = ssh_keygen()
    found = subprocess.run([keygen, "-Y", "find-principals", "-s", str(signature), "-f", str(allowed_signers)],
                           capture_output=True, text=True)
    principals = found.stdout.split() if found.returncode == 0 else []
    if not principals:
        return Check("signature", FAILED, [f"no key in {allowed_signers} made {signature.name} "
                                           "(signed by someone else, or the signature was changed)"])
    with open(zip_path, "rb") as data:
        result = subprocess.run([keygen, "-Y", "verify", "-f", str(allowed_signers), "-I", principals[0],
                                 "-n", NAMESPACE, "-s", str(signature)], stdin=data, capture_output=True)
    said = (result.stdout + result.stderr).decode("utf-8", "replace").strip()
    if result.returncode != 0:
        return Check("signature", FAILED, [f"the signature does not match this zip: {said}"])
    return Check("signature", OK, [said])


def check_manifest(zip_path: Path) -> Check:
    try:
        archive = zipfile.ZipFile(zip_path)
    except (zipfile.BadZipFile, OSError) as error:
        return Check("manifest", FAILED, [f"not a readable zip: {error}"])
    problems: list[str] = []
    with archive:
        names = archive.namelist()
        seen: set[str] = set()
        for name in names:
            if name in seen:
                problems.append(f"{name}: appears twice in the zip")
            seen.add(name)
            if name.startswith("/") or ".." in posixpath.normpath(name).split("/") or "\\" in name:
                problems.append(f"{name}: unsafe path (would unpack outside the folder)")
        if MANIFEST not in seen:
            return Check("manifest", FAILED, [f"{MANIFEST} is missing from the zip", *problems])
        listed, manifest_problems = _read_manifest(archive)
        problems += manifest_problems
        for name in sorted(seen - {MANIFEST}):
            if name.endswith("/"):
                continue
            if name not in listed:
                problems.append(f"{name}: not in {MANIFEST} (added after packing)")
                continue
            try:
                digest = hashlib.sha256(archive.read(name)).hexdigest()
            except DAMAGED as error:
                problems.append(f"{name}: damaged ({error})")
                continue
            if digest != listed[name]:
                problems.append(f"{name}: changed (sha256 differs from {MANIFEST})")
        problems += [f"{name}: listed in {MANIFEST} but missing from the zip" for name in sorted(set(listed) - seen)]
    if problems:
        return Check("manifest", FAILED, problems)
    return Check("manifest", OK, [f"{len(listed)} files present and unchanged"])


def _read_manifest(archive: zipfile.ZipFile) -> tuple[dict[str, str], list[str]]:
    try:
        text = archive.read(MANIFEST).decode("utf-8")
    except (*DAMAGED, UnicodeDecodeError) as error:
        return {}, [f"{MANIFEST}: damaged ({error})"]
    listed, problems = {}, []
    for number, line in enumerate(text.splitlines(), 1):
        digest, sep, name = line.partition("  ")
        if not sep or len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
            problems.append(f"{MANIFEST}:{number}: not a 'sha256  path' line")
            continue
        listed[name] = digest
    return listed, problems
