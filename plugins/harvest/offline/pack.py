"""`harvest pack`: a reproducible, verifiable zip of the archive that works from a USB stick.

Layout of `<site>-<profile>-<date>.zip` (entries sorted, every timestamp the archive's
date, permissions 0644, so the same stories and config give the same bytes):

    MANIFEST.sha256   sha256 of every other entry (`sha256sum -c` format)
    README.txt        plain words: how to open it, how to check it
    START-HERE.html   opens site/index.html
    site/...          the site, built for file://

Beside it: `SHA256SUMS` and, with a signing key, `<zip>.sig` (`ssh-keygen -Y sign`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import shutil
import subprocess
import tempfile
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from harvest.core.fileio import atomic_write, staged_file
from harvest.core.problems import HarvestError, Problem
from harvest.core.safepaths import published_folders, refuse_output
from harvest.core.settings import Settings
from harvest.core.templating import render
from harvest.core.text import slugify
from harvest.offline.build import build_offline
from harvest.offline.outside import OutsideReport, scan_site

NAMESPACE = "harvest-archive"  # ssh-keygen -n: a signature made for this cannot be replayed elsewhere
SITE_FOLDER = "site"
MANIFEST = "MANIFEST.sha256"
SUMS = "SHA256SUMS"
FILE_MODE = 0o100644
PRIVATE_KEY_MARK = b"PRIVATE KEY-----"


@dataclass
class Packed:
    zip_path: Path
    sha256: str
    size: int
    entries: int
    date: dt.date
    report: OutsideReport
    signature: Path | None = None
    allowed_signers_line: str | None = None
    fingerprint: str | None = None


def archive_name(settings: Settings, date: dt.date) -> str:
    return f"{slugify(settings.site_name)}-{settings.profile}-{date.isoformat()}.zip"


def default_signer(settings: Settings) -> str:
    return slugify(settings.site_name)


def pack(
    config_file: Path,
    out_dir: Path,
    profile: str | None = None,
    sign_key: Path | None = None,
    signer: str | None = None,
    federation: bool = False,
) -> Packed:
    from harvest.site.project import load_mkdocs_config, settings_from_file

    config_file = Path(config_file)
    settings = settings_from_file(config_file, profile)  # a bad config or profile fails here, before building
    signer = signer or default_signer(settings)
    config = load_mkdocs_config(config_file)
    refuse_output(out_dir, "--out", [*published_folders(config), (Path(config.site_dir), "the site folder (site_dir)")])
    if sign_key is not None:
        _check_key_location(
            Path(sign_key), settings, [Path(config.docs_dir), Path(config.theme.custom_dir or config.docs_dir), out_dir]
        )
    with tempfile.TemporaryDirectory(prefix="harvest-pack-") as tmp:
        site = Path(tmp) / SITE_FOLDER
        assets = build_offline(config_file, site, settings.profile, federation)
        report = scan_site(site)
        if report.loads:
            raise HarvestError(
                [
                    Problem(
                        f"{SITE_FOLDER}/{f.file}",
                        f.line,
                        "offline",
                        f"{f.what} loads {f.url}" + (f" (and in {files - 1} more files)" if files > 1 else ""),
                        f"because of {f.because}"
                        if f.because
                        else "an offline copy may not fetch anything from another host; "
                        "ship the file inside the site or remove it",
                    )
                    for f, files in report.grouped_loads()
                ]
            )
        settings = settings.with_profile(assets.profile)  # name the copy after what was built
        date = dt.datetime.fromtimestamp(assets.epoch, dt.UTC).date()
        name = archive_name(settings, date)
        entries = _entries(site, settings, name, date, signer if sign_key else None)
        _refuse_private_keys(entries)
        target = out_dir / name
        signature = target.with_name(target.name + ".sig")
        # The zip and its signature are made under temporary names and put in place together, only
        # once both exist: a failure leaves the folder as it was (no new zip, no stale sums or .sig).
        with staged_file(target) as zip_tmp:
            _write_zip(entries, assets.epoch, zip_tmp)
            digest = sha256_file(zip_tmp)
            if sign_key is not None:
                with staged_file(signature) as sig_tmp:
                    _sign(zip_tmp, Path(sign_key), sig_tmp)
    if sign_key is None and signature.exists():
        signature.unlink()  # a signature of an earlier zip would only confuse the recipient
    _update_sums(out_dir, name, digest)
    packed = Packed(target, digest, target.stat().st_size, len(entries) + 1, date, report)
    if sign_key is not None:
        packed.signature = signature
        packed.allowed_signers_line, packed.fingerprint = _public_key(Path(sign_key), signer)
    return packed


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


# --- contents ---------------------------------------------------------------------------------


def _entries(site: Path, settings: Settings, name: str, date: dt.date, signer: str | None) -> dict[str, Path | bytes]:
    entries: dict[str, Path | bytes] = {
        "START-HERE.html": start_here(settings).encode("utf-8"),
        "README.txt": readme(settings, name, date, signer).replace("\n", "\r\n").encode("utf-8"),
    }
    for path in sorted(site.rglob("*")):
        rel = path.relative_to(site).as_posix()
        if path.is_file() and not _left_out(rel, site):
            entries[f"{SITE_FOLDER}/{rel}"] = path
    return entries


def _left_out(rel: str, site: Path) -> bool:
    """Files a reader of the copy never needs (about 1.5 MB at 1,000 stories): source maps, which only
    developer tools fetch, and Material's JSON search index when the offline build inlined it as a
    script (search from file:// reads search_index.js; the JSON is only fetched over http)."""
    if rel.endswith(".map"):
        return True
    return rel == "search/search_index.json" and (site / "search" / "search_index.js").is_file()


def start_here(settings: Settings) -> str:
    return render("harvest/start-here.html", title=settings.site_name, lang=settings.default_lang, folder=SITE_FOLDER)


def readme(settings: Settings, name: str, date: dt.date, signer: str | None) -> str:
    level = settings.profile_level
    lines = [
        f"{settings.site_name}",
        f"Offline copy dated {date.isoformat()} ({settings.profile} edition).",
        "",
        "HOW TO READ IT",
        "Open START-HERE.html with a web browser (double-click it). No internet is needed,",
        "and the copy never contacts any website: not even to load fonts or search.",
        f"Keep START-HERE.html and the {SITE_FOLDER} folder together when you copy it.",
        "",
    ]
    if level != "public":
        lines += [
            "WHO MAY READ IT",
            f"This copy holds stories marked '{level}'. Share it only with people who may read them.",
            "",
        ]
    lines += [
        "HOW TO CHECK NOBODY CHANGED IT",
        f"Next to {name} you should have SHA256SUMS" + (f" and {name}.sig." if signer else "."),
        "In a terminal, in that folder:",
        "",
        "    sha256sum -c --ignore-missing SHA256SUMS",
        "",
        f"(Windows PowerShell: Get-FileHash {name} and compare with SHA256SUMS.)",
        "",
    ]
    if signer:
        lines += [
            "Get the collective's allowed_signers file from a source you trust (not from this",
            "stick), then:",
            "",
            f"    ssh-keygen -Y verify -f allowed_signers -I {signer} -n {NAMESPACE} -s {name}.sig < {name}",
            "",
            'It must say: Good "harvest-archive" signature for ...',
            "",
        ]
    lines += [
        "After unzipping, to check every file (in this folder):",
        "",
        f"    sha256sum -c {MANIFEST}",
        "",
        "With Harvest installed: harvest verify "
        + name
        + (" --allowed-signers allowed_signers" if signer else " --allow-unsigned"),
        "",
    ]
    if not signer:  # SHA256SUMS travels with the zip: it shows damage, not who made the copy
        lines += ["This copy is not signed: these checks find damage, but cannot prove who made it.", ""]
    return "\n".join(lines)


def manifest(entries: Mapping[str, Path | bytes]) -> bytes:
    lines = []
    for entry, source in sorted(entries.items()):
        data = source if isinstance(source, bytes) else source.read_bytes()
        lines.append(f"{hashlib.sha256(data).hexdigest()}  {entry}\n")
    return "".join(lines).encode("utf-8")


def _refuse_private_keys(entries: Mapping[str, Path | bytes]) -> None:
    for entry, source in sorted(entries.items()):
        data = source if isinstance(source, bytes) else source.read_bytes()
        if PRIVATE_KEY_MARK in data:
            raise HarvestError(
                [
                    Problem(
                        entry,
                        None,
                        "file",
                        "holds a private key; nothing was written",
                        "keep keys out of the stories and overrides folders",
                    )
                ]
            )


def _check_key_location(key: Path, settings: Settings, published: list[Path]) -> None:
    if not key.is_file():
        raise HarvestError(
            [
                Problem(
                    str(key),
                    None,
                    "sign-key",
                    "not found",
                    "make one with: ssh-keygen -t ed25519 -f ~/.ssh/harvest_archive",
                )
            ]
        )
    resolved = key.resolve()
    for folder in published:
        if resolved.is_relative_to(folder.resolve()):
            raise HarvestError(
                [
                    Problem(
                        settings.display_path(key),
                        None,
                        "sign-key",
                        f"the signing key is inside {settings.display_path(folder)}, "
                        "which is published or copied with the archive",
                        "move the key out of the archive folder, e.g. to ~/.ssh/",
                    )
                ]
            )


# --- zip --------------------------------------------------------------------------------------


def _write_zip(entries: Mapping[str, Path | bytes], epoch: int, target: Path) -> None:
    """Sorted entries, one timestamp, fixed permissions and compression: the same bytes every run.
    `target` is a staging file (see `pack`)."""
    stamp = dt.datetime.fromtimestamp(epoch, dt.UTC).timetuple()[:6]
    everything = {MANIFEST: manifest(entries), **entries}
    with open(target, "wb") as stream, zipfile.ZipFile(stream, "w") as archive:
        for entry, source in sorted(everything.items()):
            info = zipfile.ZipInfo(entry, date_time=stamp)
            info.create_system = 3  # unix, so external_attr holds the mode
            info.external_attr = FILE_MODE << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            data = source if isinstance(source, bytes) else source.read_bytes()
            archive.writestr(info, data, compresslevel=9)


def _update_sums(out_dir: Path, name: str, digest: str) -> None:
    """SHA256SUMS lists every zip in the folder: ours replaced, vanished ones dropped."""
    sums = out_dir / SUMS
    kept = {}
    if sums.exists():
        for line in sums.read_text("utf-8").splitlines():
            parts = line.split(maxsplit=1)
            if len(parts) == 2:
                other = parts[1].lstrip("*")
                if other != name and (out_dir / other).is_file():
                    kept[other] = parts[0]
    kept[name] = digest
    atomic_write(sums, "".join(f"{h}  {n}\n" for n, h in sorted(kept.items())).encode("utf-8"))


# --- signature --------------------------------------------------------------------------------


def ssh_keygen() -> str:
    found = shutil.which("ssh-keygen")
    if not found:
        raise HarvestError(
            "ssh-keygen (OpenSSH) is needed to sign or check signatures; "
            "install openssh-client (Debian/Ubuntu) or Git for Windows"
        )
    return found


def _sign(target: Path, key: Path, signature: Path, namespace: str = NAMESPACE) -> Path:
    """Sign `target` into `signature` (a staging file, see `pack`). The namespace says what was
    signed (an offline copy, a federation bundle): a signature made for one never passes for another."""
    with open(target, "rb") as data, open(signature, "wb") as out:
        result = subprocess.run(
            [ssh_keygen(), "-Y", "sign", "-f", str(key), "-n", namespace],
            stdin=data,
            stdout=out,
            stderr=subprocess.PIPE,
            text=False,
        )
    if result.returncode != 0:
        message = result.stderr.decode("utf-8", "replace").strip()
        raise HarvestError(
            [
                Problem(
                    str(key),
                    None,
                    "sign-key",
                    f"ssh-keygen could not sign: {message}",
                    "use an OpenSSH private key (ssh-keygen -t ed25519)",
                )
            ]
        )
    return signature


def _public_key(key: Path, signer: str, namespace: str = NAMESPACE) -> tuple[str | None, str | None]:
    """The allowed_signers line to publish, and the key's fingerprint (never the private key)."""
    public = key.with_name(key.name + ".pub")
    if public.is_file():
        text = public.read_text("utf-8").strip()
    else:
        result = subprocess.run([ssh_keygen(), "-y", "-f", str(key)], capture_output=True, text=True)
        text = result.stdout.strip() if result.returncode == 0 else ""
    if not text:
        return None, None
    key_type, blob = text.split()[:2]
    line = f'{signer} namespaces="{namespace}" {key_type} {blob}'
    result = subprocess.run(
        [ssh_keygen(), "-l", "-f", "-"], input=f"{key_type} {blob}\n", capture_output=True, text=True
    )
    fingerprint = result.stdout.split()[1] if result.returncode == 0 and result.stdout.split()[1:] else None
    return line, fingerprint
