"""`harvest verify`: is this offline copy exactly what was packed, and who packed it?

Three checks, each reported as OK, FAILED or SKIPPED:
- digest: the zip's sha256 matches its line in SHA256SUMS beside it;
- signature: with a key the reader trusts (an allowed_signers file, or `--key` with a public
  key), `ssh-keygen -Y verify` accepts `<zip>.sig`;
- manifest: every entry is a plain file or folder with a safe name, the sizes are bounded,
  every entry is listed in MANIFEST.sha256 inside the zip, none is missing, extra,
  duplicated or damaged, and each one's sha256 matches. Members are read in chunks, never
  whole, so a zip bomb costs time, not memory.

The digest and manifest only prove the copy is consistent: whoever can swap the zip can
swap SHA256SUMS too. Only the signature, checked against a key from somewhere else, says
who made it; `verdict` says which of the two the reader has.
"""

from __future__ import annotations

import hashlib
import posixpath
import re
import stat
import subprocess
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

from harvest.offline.pack import MANIFEST, NAMESPACE, SUMS, sha256_file, ssh_keygen

OK, FAILED, SKIPPED = "OK", "FAILED", "SKIPPED"
MAX_REPORTED = 20  # per check; the count says how many more
# Bounds on what a copy may hold. A real archive of 5,000 stories is ~200 MB and ~20,000 files.
MAX_ENTRIES = 200_000
MAX_TOTAL_BYTES = 2 * 1024**3  # uncompressed, declared and actually read
MAX_RATIO = 200  # uncompressed : compressed, for members above RATIO_FROM
RATIO_FROM = 4 * 1024**2
MAX_MANIFEST_BYTES = 64 * 1024**2
MAX_SUMS_BYTES = 1024**2
CHUNK = 1 << 20
_UNSAFE_CHAR = re.compile(r"[\x00-\x1f\x7f-\x9f\\]")
_DRIVE = re.compile(r"^[A-Za-z]:")


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


@dataclass(frozen=True)
class TrustedKey:
    """Where the reader's trust comes from: an allowed_signers file (theirs) or one public key."""

    allowed_signers: Path
    source: str  # how to name it to the reader
    principal: str | None = None  # the only principal in a file we wrote from --key


# What reading a damaged member raises: a bad CRC, a broken deflate stream, a cut-off file,
# a compression method that was tampered with, or an encrypted entry.
DAMAGED = (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, NotImplementedError, RuntimeError)


def verify(
    zip_path: Path, allowed_signers: Path | None = None, sums: Path | None = None, key: TrustedKey | Check | None = None
) -> list[Check]:
    zip_path = Path(zip_path)
    if key is None and allowed_signers is not None:
        key = TrustedKey(Path(allowed_signers), str(allowed_signers))
    return [
        check_digest(zip_path, sums or zip_path.with_name(SUMS)),
        check_signature(zip_path, key),
        check_manifest(zip_path),
    ]


def verdict(zip_path: Path, checks: list[Check], allow_unsigned: bool) -> tuple[str, int]:
    """The last line the reader sees, and the exit status: 0 only for a copy signed by a trusted key,
    or, with --allow-unsigned, for one that is at least consistent (and says it is not authenticated)."""
    failed = [c.name for c in checks if c.status == FAILED]
    if failed:
        return f"{zip_path.name}: NOT verified ({', '.join(failed)} failed)", 1
    signature = next(c for c in checks if c.name == "signature")
    if signature.status == OK:
        return f"VERIFIED: {zip_path.name} {signature.details[-1]}", 0
    if zip_path.with_name(zip_path.name + ".sig").is_file():
        ask = (
            f"Ask the sender for their public key (not from the same stick or message) and run "
            f"`harvest verify {zip_path.name} --key KEY` or `--allowed-signers FILE`"
        )
    else:
        ask = (
            "The copy is not signed: ask the sender for a signed one (harvest pack --sign-key) and for "
            "their public key, sent separately"
        )
    line = (
        f"NOT AUTHENTICATED: {zip_path.name} matches its {SUMS} and manifest, but nothing proves who made "
        f"it: anyone who could swap the zip could swap {SUMS} too. {ask}"
        + ("." if allow_unsigned else "; to use this copy anyway, add --allow-unsigned.")
    )
    return line, 0 if allow_unsigned else 1


def check_digest(zip_path: Path, sums: Path) -> Check:
    if not sums.is_file():
        return Check("digest", FAILED, [f"{sums} not found; copy it from where the zip came from"])
    if sums.stat().st_size > MAX_SUMS_BYTES:
        return Check("digest", FAILED, [f"{sums} is too large to be a {SUMS} file"])
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
    return Check("digest", OK, [f"sha256 {actual} matches {sums.name} (consistency only: it travels with the zip)"])


# --- signature --------------------------------------------------------------------------------


def trusted_key(value: str, workdir: Path, namespace: str = NAMESPACE) -> TrustedKey | Check:
    """`--key`: a public key file, or the key itself ("ssh-ed25519 AAAA… comment"), written to a
    one-line allowed_signers file in `workdir`. A Check (FAILED) when it is not a usable public key."""
    path = Path(value)
    try:
        is_file = path.is_file()
    except (OSError, ValueError):
        is_file = False
    if is_file:
        if path.stat().st_size > 64 * 1024:
            return Check("signature", FAILED, [f"--key {value}: too large to be a public key"])
        text, source = path.read_text("utf-8", errors="replace"), f"--key {value}"
    else:
        text, source = value, "--key"
    if "PRIVATE KEY" in text:
        return Check(
            "signature",
            FAILED,
            [
                f"{source}: this is a private key; give the public one "
                "(the .pub file, or its one line) and keep the private key secret"
            ],
        )
    fields = [line.split() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    if len(fields) != 1 or len(fields[0]) < 2 or not _is_public_key(fields[0][0], fields[0][1]):
        return Check(
            "signature",
            FAILED,
            [f"{source}: not an OpenSSH public key (expected one line like `ssh-ed25519 AAAA… name`)"],
        )
    principal = "key-given-with-key"
    signers = workdir / "allowed_signers"
    signers.write_text(f'{principal} namespaces="{namespace}" {fields[0][0]} {fields[0][1]}\n', "utf-8")
    return TrustedKey(signers, source, principal)


def _is_public_key(key_type: str, blob: str) -> bool:
    """OpenSSH's wire format: the base64 blob starts with the key type, length-prefixed."""
    import base64
    import binascii

    try:
        data = base64.b64decode(blob, validate=True)
    except (binascii.Error, ValueError):
        return False
    length = int.from_bytes(data[:4], "big")
    return len(data) > 4 + length and data[4 : 4 + length] == key_type.encode("ascii", "replace")


def check_signature(zip_path: Path, key: TrustedKey | Check | None, namespace: str = NAMESPACE) -> Check:
    signature = zip_path.with_name(zip_path.name + ".sig")
    if isinstance(key, Check):
        return key
    if key is None:
        note = (
            f"{signature.name} is there, but no trusted key was given (--key or --allowed-signers); "
            "a key that came with the copy would prove nothing"
            if signature.is_file()
            else "the copy is not signed"
        )
        return Check("signature", SKIPPED, [note])
    if not key.allowed_signers.is_file():
        return Check("signature", FAILED, [f"allowed signers file {key.source} not found"])
    if not signature.is_file():
        return Check(
            "signature", FAILED, [f"{signature.name} not found next to the zip, so nothing proves who made it"]
        )
    keygen = ssh_keygen()
    if key.principal:
        principals = [key.principal]
    else:
        found = subprocess.run(
            [keygen, "-Y", "find-principals", "-s", str(signature), "-f", str(key.allowed_signers)],
            capture_output=True,
            text=True,
        )
        principals = found.stdout.split() if found.returncode == 0 else []
    if not principals:
        return Check(
            "signature",
            FAILED,
            [f"no key in {key.source} made {signature.name} (signed by someone else, or the signature was changed)"],
        )
    with open(zip_path, "rb") as data:
        result = subprocess.run(
            [
                keygen,
                "-Y",
                "verify",
                "-f",
                str(key.allowed_signers),
                "-I",
                principals[0],
                "-n",
                namespace,
                "-s",
                str(signature),
            ],
            stdin=data,
            capture_output=True,
        )
    said = (result.stdout + result.stderr).decode("utf-8", "replace").strip()
    if result.returncode != 0:
        who = "the key given with --key" if key.principal else key.source
        return Check("signature", FAILED, [f"the signature does not match this zip, or was not made by {who}: {said}"])
    key_match = re.search(r"key (SHA256:[A-Za-z0-9+/=]+)", said)
    fingerprint = key_match.group(1) if key_match else "fingerprint unknown"
    who = (
        f"by the key given with {key.source} ({fingerprint})"
        if key.principal
        else f"by {principals[0]} (key {fingerprint}) from {key.source}"
    )
    return Check("signature", OK, [said, f"was signed {who}"])


# --- manifest ---------------------------------------------------------------------------------


def _unsafe_name(name: str) -> str | None:
    if not name:
        return "an empty name"
    if _UNSAFE_CHAR.search(name):
        return "a backslash or control character in the name"
    if name.startswith("/") or _DRIVE.match(name):
        return "an absolute path"
    if ".." in name.split("/") or ".." in posixpath.normpath(name).split("/"):
        return "a '..' path (would unpack outside the folder)"
    return None


def _entry_problems(info: zipfile.ZipInfo) -> list[str]:
    name = info.filename
    problems = []
    why = _unsafe_name(name)
    if why:
        problems.append(f"{name!r}: unsafe entry: {why}")
    mode = info.external_attr >> 16
    if stat.S_IFMT(mode) not in (0, stat.S_IFREG, stat.S_IFDIR):  # 0: no type recorded (a plain file)
        kind = (
            "a symbolic link"
            if stat.S_ISLNK(mode)
            else "a device"
            if stat.S_ISCHR(mode) or stat.S_ISBLK(mode)
            else "a fifo"
            if stat.S_ISFIFO(mode)
            else "a socket"
            if stat.S_ISSOCK(mode)
            else "not a plain file"
        )
        problems.append(f"{name!r}: unsafe entry: {kind} (a copy holds only plain files)")
    if info.file_size > RATIO_FROM and info.file_size > MAX_RATIO * max(info.compress_size, 1):
        problems.append(
            f"{name!r}: compressed more than {MAX_RATIO}:1 ({info.compress_size} bytes unpack to "
            f"{info.file_size}): refused as a zip bomb"
        )
    return problems


def _entry_count(zip_path: Path) -> int | None:
    """Entries the zip declares, read from its end record before the directory is loaded."""
    try:
        with open(zip_path, "rb") as stream:
            record = zipfile._EndRecData(stream)  # type: ignore[attr-defined]  # private, stable since Python 2; no public API
    except (OSError, ValueError, zipfile.BadZipFile):
        return None
    return record[zipfile._ECD_ENTRIES_TOTAL] if record else None  # type: ignore[attr-defined]  # as above


def _stream_digest(archive: zipfile.ZipFile, info: zipfile.ZipInfo, budget: list[int]) -> str:
    """sha256 of one member, read in chunks; stops (ValueError) past the member's declared size,
    its ratio or the copy's total budget, whatever the headers said."""
    digest, read = hashlib.sha256(), 0
    with archive.open(info) as member:
        for chunk in iter(lambda: member.read(CHUNK), b""):
            read += len(chunk)
            budget[0] -= len(chunk)
            if budget[0] < 0:
                raise _TooLarge(f"the copy unpacks to more than {MAX_TOTAL_BYTES} bytes: refused as a zip bomb")
            if read > info.file_size or (read > RATIO_FROM and read > MAX_RATIO * max(info.compress_size, 1)):
                raise _TooLarge(
                    f"unpacks to more than its header says ({info.file_size} bytes from "
                    f"{info.compress_size}): refused as a zip bomb"
                )
            digest.update(chunk)
    return digest.hexdigest()


class _TooLarge(Exception):
    pass


def check_manifest(zip_path: Path) -> Check:
    count = _entry_count(zip_path)
    if count is not None and count > MAX_ENTRIES:
        return Check("manifest", FAILED, [f"the zip holds {count} entries, more than {MAX_ENTRIES}: refused"])
    try:
        archive = zipfile.ZipFile(zip_path)
    except (*DAMAGED, MemoryError) as error:
        return Check("manifest", FAILED, [f"not a readable zip: {error}"])
    problems: list[str] = []
    with archive:
        infos = archive.infolist()
        if len(infos) > MAX_ENTRIES:
            return Check("manifest", FAILED, [f"the zip holds {len(infos)} entries, more than {MAX_ENTRIES}: refused"])
        seen: dict[str, zipfile.ZipInfo] = {}
        for info in infos:
            name = info.filename
            if name in seen:
                problems.append(f"{name!r}: appears twice in the zip")
            seen.setdefault(name, info)
            problems += _entry_problems(info)
        declared = sum(info.file_size for info in infos)
        if declared > MAX_TOTAL_BYTES:
            problems.append(
                f"the copy declares {declared} bytes unpacked, more than {MAX_TOTAL_BYTES}: refused as a zip bomb"
            )
        if problems:  # nothing of a hostile zip is read
            return Check("manifest", FAILED, problems)
        if MANIFEST not in seen:
            return Check("manifest", FAILED, [f"{MANIFEST} is missing from the zip"])
        listed, manifest_problems = _read_manifest(archive, seen[MANIFEST])
        problems += manifest_problems
        budget = [MAX_TOTAL_BYTES]
        for name in sorted(set(seen) - {MANIFEST}):
            info = seen[name]
            if info.is_dir():
                if info.file_size:
                    problems.append(f"{name}: a folder entry with contents")
                continue
            if name not in listed:
                problems.append(f"{name}: not in {MANIFEST} (added after packing)")
                continue
            try:
                digest = _stream_digest(archive, info, budget)
            except _TooLarge as error:
                problems.append(f"{name}: {error}")
                break
            except DAMAGED as error:
                problems.append(f"{name}: damaged ({error})")
                continue
            if digest != listed[name]:
                problems.append(f"{name}: changed (sha256 differs from {MANIFEST})")
        problems += [
            f"{name}: listed in {MANIFEST} but missing from the zip" for name in sorted(set(listed) - set(seen))
        ]
    if problems:
        return Check("manifest", FAILED, problems)
    return Check("manifest", OK, [f"{len(listed)} files present and unchanged"])


def _read_manifest(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> tuple[dict[str, str], list[str]]:
    if info.file_size > MAX_MANIFEST_BYTES:
        return {}, [f"{MANIFEST}: {info.file_size} bytes, too large to be a manifest"]
    try:
        with archive.open(info) as member:
            data = member.read(MAX_MANIFEST_BYTES + 1)
        if len(data) > MAX_MANIFEST_BYTES:
            return {}, [f"{MANIFEST}: too large to be a manifest"]
        text = data.decode("utf-8")
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
