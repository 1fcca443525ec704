"""The exchange bundle: its layout, its manifest, and reading one without trusting it.

`harvest-federation.zip` (reproducible, like `harvest pack`'s zips; `.sig` beside it):

    MANIFEST.sha256     sha256 of every other entry (checked by offline.verify.check_manifest)
    federation.json     archive name and id, sequence, date, profile, each story's id, path and
                        sha256, and the ids withdrawn (once shared, no longer)
    lessons.yml         the lesson vocabulary the shared stories use
    stories/<path>.md   each shared story as the profile shows it (redacted, credits as names)
    stories/<image>     the images those stories show, metadata stripped

Everything in a bundle comes from another archive: paths and ids are checked against a strict
pattern before anything is written, and nothing outside the listed entries is accepted.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import zipfile
from dataclasses import dataclass

from harvest.core.images import IMAGE_SUFFIXES

BUNDLE_NAME = "harvest-federation.zip"
NAMESPACE = "harvest-federation"  # ssh-keygen -n: an offline copy's signature never passes for a bundle
FORMAT = "harvest-federation/1"
MANIFEST_JSON = "federation.json"
LESSONS = "lessons.yml"
STORIES = "stories/"
MAX_MANIFEST_JSON = 32 * 1024**2
MAX_PATH = 240
MAX_DEPTH = 8
STORY_ID = re.compile(r"[a-z0-9][a-z0-9-]{0,79}")
ARCHIVE_ID = re.compile(r"[a-f0-9]{32}")
_SEGMENT = re.compile(r"[^\W_][\w.-]*")  # no leading dot or underscore (hidden, or Harvest's own folders)


@dataclass(frozen=True)
class SharedStory:
    id: str
    path: str  # relative to the bundle's stories/ (and to the peer's folder once pulled)
    sha256: str
    origin: dict[str, str] | None = None  # a re-shared story: archive_id, archive, id, digest at its origin


@dataclass(frozen=True)
class BundleManifest:
    archive_id: str
    archive_name: str
    sequence: int
    date: dt.date
    profile: str
    stories: tuple[SharedStory, ...]
    images: tuple[str, ...]  # relative to stories/
    withdrawn: tuple[str, ...]

    def to_json(self) -> bytes:
        data = {
            "format": FORMAT,
            "archive": {"id": self.archive_id, "name": self.archive_name},
            "sequence": self.sequence,
            "date": self.date.isoformat(),
            "profile": self.profile,
            "stories": [
                {"id": s.id, "path": s.path, "sha256": s.sha256, **({"origin": s.origin} if s.origin else {})}
                for s in self.stories
            ],
            "images": list(self.images),
            "withdrawn": list(self.withdrawn),
        }
        return (json.dumps(data, indent=1, sort_keys=True, ensure_ascii=False) + "\n").encode("utf-8")


class BundleRefused(Exception):
    """The bundle is not accepted; the message says why, in the reader's words."""


def unsafe_path(path: object, suffixes: tuple[str, ...]) -> str | None:
    """Why `path` (relative, from a bundle) could not be written inside a peer's folder, or None."""
    if not isinstance(path, str) or not path:
        return "an empty path"
    if len(path) > MAX_PATH:
        return "a path too long"
    parts = path.split("/")
    if path.startswith("/") or "\\" in path or ":" in path:
        return "an absolute path"
    if ".." in parts or "." in parts:
        return "a '..' path (it would leave the peer's folder)"
    if len(parts) > MAX_DEPTH or not all(_SEGMENT.fullmatch(part) for part in parts):
        return "a name Harvest does not accept (hidden, `_`-prefixed or with unusual characters)"
    if not path.lower().endswith(suffixes):
        return f"not a {' / '.join(suffixes)} file"
    return None


def parse_origin(value: object) -> dict[str, str] | None:
    """A re-shared story's first origin ({archive_id, archive, id, digest}), checked; else None."""
    if not isinstance(value, dict) or set(value) != {"archive_id", "archive", "id", "digest"}:
        return None
    archive_id, name, origin_id, digest = (value[k] for k in ("archive_id", "archive", "id", "digest"))
    if not (
        isinstance(archive_id, str)
        and ARCHIVE_ID.fullmatch(archive_id)
        and isinstance(name, str)
        and name.strip()
        and len(name) <= 200
        and not any(ord(c) < 32 for c in name)
        and isinstance(origin_id, str)
        and STORY_ID.fullmatch(origin_id)
        and isinstance(digest, str)
        and re.fullmatch(r"[0-9a-f]{64}", digest)
    ):
        return None
    return {"archive_id": archive_id, "archive": name.strip(), "id": origin_id, "digest": digest}


def anonymous_count(value: object) -> int:
    """A story's count of anonymous contributors as an origin gave it: a whole number 0-999, else 0
    (never a boolean: `true` would be shown as "True anonymous contributor")."""
    if not isinstance(value, int) or isinstance(value, bool):
        return 0
    return max(0, min(value, 999))


def parse_manifest(data: bytes) -> BundleManifest:
    """federation.json -> BundleManifest, refusing anything malformed, any id or path that could
    leave the peer's folder, and duplicates."""
    try:
        raw = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as error:
        raise BundleRefused(f"{MANIFEST_JSON} is not valid JSON ({error})") from None
    if not isinstance(raw, dict) or raw.get("format") != FORMAT:
        raise BundleRefused(f"{MANIFEST_JSON}: not a {FORMAT} manifest")
    archive = raw.get("archive") or {}
    if not isinstance(archive, dict):
        raise BundleRefused(f"{MANIFEST_JSON}: archive id missing or malformed")
    archive_id, name = archive.get("id"), archive.get("name")
    if not isinstance(archive_id, str) or not ARCHIVE_ID.fullmatch(archive_id):
        raise BundleRefused(f"{MANIFEST_JSON}: archive id missing or malformed")
    if not isinstance(name, str) or not name.strip() or len(name) > 200 or any(ord(c) < 32 for c in name):
        raise BundleRefused(f"{MANIFEST_JSON}: archive name missing or malformed")
    sequence = raw.get("sequence")
    if not isinstance(sequence, int) or isinstance(sequence, bool) or sequence < 1:
        raise BundleRefused(f"{MANIFEST_JSON}: sequence number missing or malformed")
    date_text = raw.get("date")
    try:
        date = dt.date.fromisoformat(date_text) if isinstance(date_text, str) else None
    except ValueError:
        date = None
    if date is None:
        raise BundleRefused(f"{MANIFEST_JSON}: export date missing or malformed")
    listed_stories, listed_images = raw.get("stories") or [], raw.get("images") or []
    if not isinstance(listed_stories, list) or not isinstance(listed_images, list):
        raise BundleRefused(f"{MANIFEST_JSON}: the stories or images are not a list")
    stories: list[SharedStory] = []
    seen_ids: set[str] = set()
    seen_paths: set[str] = set()
    for entry in listed_stories:
        if not isinstance(entry, dict):
            raise BundleRefused(f"{MANIFEST_JSON}: a story entry is not a mapping")
        story_id, path, digest = entry.get("id"), entry.get("path"), entry.get("sha256")
        if not isinstance(story_id, str) or not STORY_ID.fullmatch(story_id):
            raise BundleRefused(
                f"story id {story_id!r} is not a plain id: refused (an id may not leave the peer's namespace)"
            )
        why = unsafe_path(path, (".md",))
        if why or not isinstance(path, str):  # (a path that is not text has its `why` too)
            raise BundleRefused(f"story {story_id}: path {path!r} is {why}: refused")
        if not isinstance(digest, str) or not re.fullmatch(r"[0-9a-f]{64}", digest):
            raise BundleRefused(f"story {story_id}: sha256 missing or malformed")
        if story_id in seen_ids or path.casefold() in seen_paths:
            raise BundleRefused(f"story {story_id}: listed twice (id or path)")
        origin = entry.get("origin")
        if origin is not None and parse_origin(origin) is None:
            raise BundleRefused(f"story {story_id}: origin malformed (archive_id, archive, id, digest)")
        seen_ids.add(story_id)
        seen_paths.add(path.casefold())
        stories.append(SharedStory(story_id, path, digest, parse_origin(origin) if origin is not None else None))
    images: list[str] = []
    for path in listed_images:
        why = unsafe_path(path, tuple(IMAGE_SUFFIXES))
        if why or not isinstance(path, str):
            raise BundleRefused(f"image path {path!r} is {why}: refused")
        if path.casefold() in seen_paths:
            raise BundleRefused(f"image {path!r}: listed twice")
        seen_paths.add(path.casefold())
        images.append(path)
    withdrawn = raw.get("withdrawn") or []
    if not isinstance(withdrawn, list) or not all(isinstance(w, str) and STORY_ID.fullmatch(w) for w in withdrawn):
        raise BundleRefused(f"{MANIFEST_JSON}: withdrawals malformed")
    if seen_ids & set(withdrawn):
        raise BundleRefused(
            f"{MANIFEST_JSON}: a story is both shared and withdrawn: " + ", ".join(sorted(seen_ids & set(withdrawn)))
        )
    profile = raw.get("profile")
    if not isinstance(profile, str) or not STORY_ID.fullmatch(profile):
        raise BundleRefused(f"{MANIFEST_JSON}: profile missing or malformed")
    return BundleManifest(
        archive_id, name.strip(), sequence, date, profile, tuple(stories), tuple(images), tuple(withdrawn)
    )


def read_manifest(archive: zipfile.ZipFile) -> BundleManifest:
    """The manifest of an open bundle whose entries are exactly the ones it lists."""
    from harvest.offline.pack import MANIFEST

    try:
        info = archive.getinfo(MANIFEST_JSON)
    except KeyError:
        raise BundleRefused(f"{MANIFEST_JSON} is missing: not a federation bundle") from None
    if info.file_size > MAX_MANIFEST_JSON:
        raise BundleRefused(f"{MANIFEST_JSON} is too large")
    with archive.open(info) as member:
        manifest = parse_manifest(member.read(MAX_MANIFEST_JSON + 1))
    expected = {
        MANIFEST,
        MANIFEST_JSON,
        LESSONS,
        *(STORIES + s.path for s in manifest.stories),
        *(STORIES + p for p in manifest.images),
    }
    names = {i.filename for i in archive.infolist() if not i.is_dir()}
    extra, missing = sorted(names - expected), sorted(expected - names - {LESSONS})
    if extra:
        raise BundleRefused(f"entries not listed in {MANIFEST_JSON}: {', '.join(extra[:5])}: refused")
    if missing:
        raise BundleRefused(f"entries listed in {MANIFEST_JSON} but missing: {', '.join(missing[:5])}")
    return manifest


def read_member(archive: zipfile.ZipFile, name: str, limit: int) -> bytes:
    info = archive.getinfo(name)
    if info.file_size > limit:
        raise BundleRefused(f"{name}: {info.file_size} bytes, over the {limit}-byte limit")
    with archive.open(info) as member:
        data = member.read(limit + 1)
    if len(data) > limit:
        raise BundleRefused(f"{name}: larger than its header says: refused")
    return data
