"""`harvest federation pull`: fetch a peer's bundle, verify it, store its stories.

Order of trust: the signature is checked against the key federation.yml gives for that peer
(`ssh-keygen -Y verify`, namespace harvest-federation), then the zip is read the way `harvest
verify` reads a copy (no symlinks, no traversal, bounded sizes, every entry in its manifest,
read in chunks), then the manifest is checked (ids and paths that stay in the peer's folder,
same archive as before, a sequence number never lower than the last one pulled). Only then is
anything written: the peer's folder stories/_federation/<peer>/ is rebuilt beside the old one
and swapped in whole, so a failure leaves the old one, and our own stories are never touched.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import subprocess
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from harvest.core.fileio import staged_tree
from harvest.core.images import MAX_IMAGE_BYTES
from harvest.core.parse import decode_text, parse_story_text
from harvest.core.problems import HarvestError, Problem
from harvest.core.settings import Settings
from harvest.core.storyfile import dump_story
from harvest.federation.bundle import (
    BUNDLE_NAME,
    LESSONS,
    NAMESPACE,
    STORIES,
    BundleManifest,
    BundleRefused,
    anonymous_count,
    read_manifest,
    read_member,
)
from harvest.federation.peers import Peer, load_peers

FEDERATION_DIR = "_federation"
STATE = "_pulled.json"  # what was last pulled from this peer (skipped by the story scan: `_` prefix)
PEER_LESSONS = "_lessons.yml"
MAX_BUNDLE_BYTES = 2 * 1024**3
MAX_SIG_BYTES = 64 * 1024


@dataclass
class PullResult:
    peer: str
    title: str
    new: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    withdrawn: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # "id: why", left out of this pull
    sequence: int = 0
    date: dt.date | None = None
    refused: str | None = None

    def summary(self) -> str:
        if self.refused:
            return f"{self.peer}: REFUSED: {self.refused}"
        return (
            f"{self.peer} ({self.title}, bundle {self.sequence} of {self.date}): {len(self.new)} new, "
            f"{len(self.updated)} updated, {len(self.withdrawn)} withdrawn, {len(self.unchanged)} unchanged"
            + (f", {len(self.skipped)} left out" if self.skipped else "")
        )


def peer_folder(settings: Settings, peer: str) -> Path:
    return settings.stories_dir / FEDERATION_DIR / peer


def pull(settings: Settings, names: list[str], dry_run: bool = False) -> list[PullResult]:
    peers, problems = load_peers(settings)
    if problems:
        raise HarvestError(problems)
    if not peers:
        raise HarvestError(
            [
                Problem(
                    settings.display_path(settings.stories_dir / "federation.yml"),
                    None,
                    "peers",
                    "no peers to pull from",
                    "list the archives you follow; see README → Federation",
                )
            ]
        )
    unknown = [n for n in names if n not in peers]
    if unknown:
        from harvest.core.problems import did_you_mean

        raise HarvestError(
            [
                Problem(
                    settings.display_path(settings.stories_dir / "federation.yml"),
                    None,
                    "peers",
                    f"no peer named '{n}'",
                    did_you_mean(n, peers),
                )
                for n in unknown
            ]
        )
    results = []
    for name in names or sorted(peers):
        peer = peers[name]
        result = PullResult(peer.name, peer.title)
        try:
            with tempfile.TemporaryDirectory(prefix="harvest-pull-") as tmp:
                _pull_one(settings, peer, Path(tmp), dry_run, result)
        except BundleRefused as refused:
            result.refused = str(refused)
        results.append(result)
    return results


# --- fetching -------------------------------------------------------------------------------------


def fetch(settings: Settings, peer: Peer, workdir: Path) -> Path:
    """Copy the peer's bundle (and its signature, if any) into `workdir`; -> the zip there."""
    source = peer.source
    if source.kind == "url":
        from harvest.federation.fetch_http import fetch_url

        return fetch_url(
            source.location, workdir, min(source.max_bytes, MAX_BUNDLE_BYTES), source.timeout, MAX_SIG_BYTES
        )
    if source.kind == "git":
        folder = _clone(settings, source.location, workdir / "repo") / source.path
    else:
        folder = settings.project_dir / Path(source.location).expanduser()
    bundle = folder if folder.suffix == ".zip" else folder / BUNDLE_NAME
    if not bundle.is_file():
        raise BundleRefused(f"no bundle at {bundle} (expected {BUNDLE_NAME}, made by `harvest export`)")
    if source.kind == "git" and (bundle.is_symlink() or Path(str(bundle) + ".sig").is_symlink()):
        raise BundleRefused("the bundle in the repository is a symbolic link: refused")
    if bundle.stat().st_size > MAX_BUNDLE_BYTES:
        raise BundleRefused(f"{bundle.name} is larger than {MAX_BUNDLE_BYTES} bytes: refused")
    local = workdir / BUNDLE_NAME
    shutil.copyfile(bundle, local)
    signature = Path(str(bundle) + ".sig")
    if signature.is_file() and signature.stat().st_size <= MAX_SIG_BYTES:
        shutil.copyfile(signature, workdir / (BUNDLE_NAME + ".sig"))
    return local


def _clone(settings: Settings, location: str, target: Path) -> Path:
    if location.startswith(("/", "./", "../")):
        location = (settings.project_dir / location).resolve().as_uri()
    git = shutil.which("git")
    if not git:
        raise BundleRefused("git is needed for git sources; install it")
    env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "GIT_CONFIG_NOSYSTEM": "1"}
    result = subprocess.run(
        [
            git,
            "-c",
            "protocol.ext.allow=never",
            "-c",
            "core.symlinks=false",
            "clone",
            "--quiet",
            "--depth",
            "1",
            "--no-tags",
            "--",
            location,
            str(target),
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=900,
    )
    if result.returncode != 0:
        raise BundleRefused(f"git could not fetch {location}: {result.stderr.strip()[:300]}")
    return target


# --- verifying ------------------------------------------------------------------------------------


def verify_bundle(zip_path: Path, peer: Peer, workdir: Path) -> None:
    from harvest.offline.verify import OK, check_manifest, check_signature, trusted_key

    signature = zip_path.with_name(zip_path.name + ".sig")
    if not signature.is_file():
        raise BundleRefused("the bundle is not signed (no .sig beside it): refused; ask them to export with --sign-key")
    key = trusted_key(peer.key, workdir, NAMESPACE)
    check = check_signature(zip_path, key, NAMESPACE)
    if check.status != OK:
        raise BundleRefused(
            f"signature: not signed by the key federation.yml gives for '{peer.name}', or the "
            f"bundle was changed after signing: refused ({check.details[0][:200]})"
        )
    check = check_manifest(zip_path)
    if check.status != OK:
        raise BundleRefused("unsafe or damaged bundle: " + "; ".join(check.details[:3]))


def read_state(folder: Path) -> dict | None:
    """What was pulled last (None: never). Unreadable is an error, not "never": forgetting the last
    sequence number would let a replayed older bundle in."""
    file = folder / STATE
    if not file.exists():
        return None
    try:
        state = json.loads(file.read_text("utf-8"))
    except (OSError, ValueError) as error:
        raise BundleRefused(
            f"{file.name} in stories/{FEDERATION_DIR}/{folder.name}/ is unreadable ({error}); "
            "restore it from your history (git)"
        ) from None
    if not isinstance(state, dict):
        raise BundleRefused(f"{file.name} in stories/{FEDERATION_DIR}/{folder.name}/ is not a mapping; restore it")
    return state


def _check_order(manifest: BundleManifest, bundle_sha: str, state: dict | None, peer: Peer) -> bool:
    """-> True when this is exactly the bundle pulled last time. Refuses a different archive, and a
    bundle older than (or as old as, but different from) the last one: a replay would undo withdrawals."""
    if state is None:
        return False
    if state.get("archive_id") != manifest.archive_id:
        raise BundleRefused(
            f"this bundle is from another archive ({manifest.archive_name}, id "
            f"{manifest.archive_id}) than the one pulled as '{peer.name}' before: refused; "
            f"if they really started over, remove stories/{FEDERATION_DIR}/{peer.name}/ first"
        )
    last, last_date = int(state.get("sequence", 0)), state.get("date", "")
    if manifest.sequence < last or manifest.date.isoformat() < last_date:
        raise BundleRefused(
            f"bundle {manifest.sequence} of {manifest.date} is older than bundle {last} of "
            f"{last_date}, pulled before: refused (a replayed bundle would bring back "
            "withdrawn stories)"
        )
    if manifest.sequence == last:
        if state.get("bundle_sha256") != bundle_sha:
            raise BundleRefused(
                f"bundle {manifest.sequence} differs from the bundle {last} pulled before: "
                "refused (one sequence number, two contents)"
            )
        return True
    return False


# --- storing --------------------------------------------------------------------------------------


def _pull_one(settings: Settings, peer: Peer, workdir: Path, dry_run: bool, result: PullResult) -> None:
    zip_path = fetch(settings, peer, workdir)
    verify_bundle(zip_path, peer, workdir)
    from harvest.offline.pack import sha256_file

    bundle_sha = sha256_file(zip_path)
    folder = peer_folder(settings, peer.name)
    if folder.is_symlink() or (folder / STATE).is_symlink():
        raise BundleRefused(f"stories/{FEDERATION_DIR}/{peer.name} (or its {STATE}) is a symbolic link: refused")
    state = read_state(folder)
    try:
        with zipfile.ZipFile(zip_path) as archive:
            manifest = read_manifest(archive)
            same = _check_order(manifest, bundle_sha, state, peer)
            result.sequence, result.date = manifest.sequence, manifest.date
            before = dict((state or {}).get("stories") or {})
            files, stored = {}, {}
            own_id = _own_archive_id(settings)
            for shared in manifest.stories:
                if shared.origin is not None and shared.origin["archive_id"] == own_id:
                    result.skipped.append(f"{shared.id}: one of our own stories, re-shared back to us")
                    continue
                try:
                    data = read_member(archive, STORIES + shared.path, settings.max_story_bytes)
                    if hashlib.sha256(data).hexdigest() != shared.sha256:
                        raise BundleRefused("its sha256 differs from federation.json")
                    files[shared.path] = with_provenance(data, shared.id, shared.sha256, peer, manifest, shared.origin)
                except BundleRefused as why:
                    result.skipped.append(f"{shared.id}: {why}")
                    continue
                stored[shared.id] = shared.sha256
                if shared.id not in before:
                    result.new.append(shared.id)
                elif before[shared.id] != shared.sha256:
                    result.updated.append(shared.id)
                else:
                    result.unchanged.append(shared.id)
            result.withdrawn = sorted(set(before) - set(stored))
            if same or dry_run:
                return
            lessons = read_member(archive, LESSONS, 5_000_000) if LESSONS in archive.namelist() else b""
            state = {
                "archive_id": manifest.archive_id,
                "archive_name": manifest.archive_name,
                "sequence": manifest.sequence,
                "date": manifest.date.isoformat(),
                "profile": manifest.profile,
                "bundle_sha256": bundle_sha,
                "stories": dict(sorted(stored.items())),
            }
            with staged_tree(folder) as new:
                (new / STATE).write_text(json.dumps(state, indent=1, sort_keys=True) + "\n", "utf-8")
                (new / PEER_LESSONS).write_bytes(lessons)
                for path, text in files.items():
                    _write_inside(new, path, text.encode("utf-8"))
                for path in manifest.images:
                    _write_inside(new, path, read_member(archive, STORIES + path, MAX_IMAGE_BYTES))
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        raise BundleRefused(f"the bundle could not be read: {error}") from None


def _write_inside(folder: Path, rel: str, data: bytes) -> None:
    target = folder / rel
    if not target.resolve().is_relative_to(folder.resolve()):  # unsafe_path has refused this already
        raise BundleRefused(f"{rel}: would leave the peer's folder: refused")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)


def _own_archive_id(settings: Settings) -> str | None:
    """Our archive's id, if we ever exported (a story of ours re-shared back to us is left out)."""
    from harvest.federation.ledger import ledger_file, read_ledger

    if not ledger_file(settings).is_file():
        return None
    try:
        return read_ledger(settings).archive_id
    except HarvestError:
        return None


def with_provenance(
    data: bytes,
    origin_id: str,
    digest: str,
    peer: Peer,
    manifest: BundleManifest,
    first: dict[str, str] | None = None,
) -> str:
    """The story file as we keep it: the origin's fields and text, with `federation:` saying where it
    came from (origin archive and id, digest) and the credit as the origin gave it."""
    text, problems = decode_text(data, origin_id, 1 << 30)
    raw, more = parse_story_text(text, origin_id) if text is not None else (None, [])
    if raw is None:
        raise BundleRefused("unreadable: " + "; ".join(p.message for p in problems + more)[:200])
    meta = dict(raw.meta)
    given = meta.pop("federation", None)
    given = given if isinstance(given, dict) else {}
    given_credits, given_anonymous = given.get("credits"), given.get("anonymous")
    credits = given_credits if isinstance(given_credits, list) else []
    meta["id"] = origin_id
    meta["federation"] = {
        "peer": peer.name,
        "archive": manifest.archive_name,
        "archive_id": manifest.archive_id,
        "id": origin_id,
        "digest": digest,
        "credits": [str(c) for c in credits if isinstance(c, str)][:50],
        "anonymous": anonymous_count(given_anonymous),
    }
    if first is not None:  # re-shared by this peer: where it first came from (as their signed manifest says)
        meta["federation"]["origin"] = dict(first)
    return dump_story(meta, raw.body)
