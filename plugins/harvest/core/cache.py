"""What `scan` made of each story file, kept under `.harvest/cache/` so the next run need not
parse, validate and split an unchanged story again.

Keyed by content: an entry holds the sha256 of the file's bytes, and is used only for those
bytes. Its file stamp (`filestamps`) only saves re-hashing a file whose stamp is unchanged and
was settled when it was read. Every cache file starts with a header line: the format, Harvest's
version, a digest of the core's code, the fingerprint of the settings that decide what `scan`
makes of a file (mkdocs.yml's options, lessons.yml and contributors.yml), and the checksum of
the body. A file that is missing, unreadable, truncated, foreign or fails any check is treated
as empty and written anew; nothing in it is trusted, nothing raises. JSON only: reading a
planted cache runs no code. Deleting `.harvest/cache/` at any time only costs the next run time.

Within one process (`harvest serve`'s rebuilds), a shard whose bytes are the ones this process
last read or wrote is not parsed or decoded again (`_SEEN_SHARDS`); each run gets its own copies.
A process that runs once (`harvest build`) turns this off (`keep_between_runs`): it would only
hold every scanned story to the end of the build.

Never cached: what a profile may publish. `archive.publish` decides visibility, embargoes,
redactions and credits from the scanned stories on every run.
"""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import json
import os
import shutil
import zlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from functools import lru_cache
from pathlib import Path
from typing import Any

from harvest.core.fileio import atomic_write
from harvest.core.filestamps import Stamp, digest, settled, stamp
from harvest.core.model import Story
from harvest.core.privacy import RedactedSpan
from harvest.core.problems import Problem
from harvest.core.prompts import Section
from harvest.core.settings import Settings

FORMAT = 1
SHARDS = "0123456789abcdef"  # one edit rewrites one shard, a sixteenth of the cache
# Settings that never change what `scan` makes of one of our files: chosen per run (`harvest pack`
# turns `federation` off: it decides whether peers' stories join, which are never cached).
_PER_RUN = ("profile", "today", "cache", "federation")
# Settings only the site and the commands read (its name and address, reading times, related
# stories): `scan` runs core/ code alone, which never reads them (tests/test_cache.py holds it to
# that). `harvest serve` sets its own site_url: were it in the key, every switch between serve and
# build or index would find the cache foreign and read every story again (6 s at 5,000 stories).
SITE_ONLY = ("site_name", "site_url", "words_per_minute_silent", "words_per_minute_aloud", "related_count")


def cache_dir(project_dir: Path) -> Path:
    return Path(project_dir) / ".harvest" / "cache"


@lru_cache(maxsize=1)
def code_version() -> str:
    """Harvest's version and a digest of the core's code and schema: a changed rule (even in a
    development copy whose version number stays) makes every entry foreign."""
    from importlib import metadata

    try:
        version = metadata.version("harvest-archive")
    except metadata.PackageNotFoundError:
        version = "unknown"
    package = Path(__file__).resolve().parents[1]
    sha = hashlib.sha256(version.encode())
    for source in sorted([*package.joinpath("core").glob("*.py"), *package.joinpath("schema").glob("*.json")]):
        sha.update(source.name.encode() + b"\0" + source.read_bytes())
    return f"{version}+{sha.hexdigest()[:16]}"


def _file_digest(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


def settings_fingerprint(settings: Settings) -> str:
    """Every setting and vocabulary that decides what `scan` makes of a story file. Paths count as
    the user sees them (relative to the project), so a copied project keeps its cache."""
    values: list[tuple[str, Any]] = []
    for item in fields(Settings):
        if item.name in _PER_RUN or item.name in SITE_ONLY or item.name == "project_dir":
            continue
        value = getattr(settings, item.name)
        if isinstance(value, Path):
            value = settings.display_path(value)
        elif isinstance(value, dict):  # (the order of a mapping in mkdocs.yml decides nothing here)
            value = sorted(value.items())
        values.append((item.name, value))
    return digest(values, _file_digest(settings.lessons_file), _file_digest(settings.contributors_file))


# --- entries: a scanned file as JSON, and back ------------------------------------------------------


@dataclass(frozen=True)
class Scanned:
    """What `scan` made of one file's bytes: the story (None when unusable), its problems and the
    line of each front-matter field (later checks name them)."""

    story: Story | None
    problems: tuple[Problem, ...]
    field_lines: Mapping[str, int]

    def line_of(self, name: str) -> int:
        return self.field_lines.get(name, 1)


def _date(value: dt.date | None) -> str | None:
    return None if value is None else value.isoformat()


def encode(scanned: Scanned) -> dict[str, Any]:
    story = scanned.story
    data: dict[str, Any] = {
        "problems": [[p.path, p.line, p.field, p.message, p.hint, p.severity, p.strict] for p in scanned.problems],
        "lines": dict(scanned.field_lines),
        "story": None,
    }
    if story is not None:
        if story.origin is not None:
            raise ValueError("a peer archive's story is not ours to cache")
        spans = _Spans(story.markdown)
        data["story"] = {
            **{name: getattr(story, name) for name in _PLAIN},
            "intro": spans.of(story.intro),
            "date": _date(story.date),
            "embargo_until": _date(story.embargo_until),
            "contributors": list(story.contributors),
            "lessons": list(story.lessons),
            "images": list(story.images),
            "sections": [[s.heading, s.prompt_id, spans.of(s.markdown), s.line, s.words] for s in story.sections],
            "redactions": [[r.level, r.start, r.end, list(r.inner), r.line] for r in story.redactions],
            "extra": story.extra,
        }
    return data


_PLAIN = (
    "id path title event place summary lang visibility markdown body_line words content_hash translation_of"
).split()


class _Spans:
    """The opening and the sections are parts of the story's text: kept as offsets into it, which
    halves the cache (and the time to read it)."""

    def __init__(self, markdown: str):
        self.markdown = markdown
        self.cursor = 0

    def of(self, text: str) -> list[int] | str:
        start = self.markdown.find(text, self.cursor)
        if start < 0:
            return text
        self.cursor = start + len(text)
        return [start, self.cursor]


def _text(markdown: str, value: Any) -> str:
    if isinstance(value, str):
        return value
    start, end = value
    return markdown[int(start) : int(end)]


_TEXTS = "id path title event place summary lang visibility markdown content_hash".split()
_LISTS = ("contributors", "lessons", "images")
_PROBLEM = (str, (int, type(None)), str, str, str, str, bool)
_SECTION = (str, (str, type(None)), (str, list), int, int)
_REDACTION = (str, int, int, list, int)


def _shaped(row: Any, kinds: tuple[Any, ...]) -> Any:
    """`row` when it is a list of values of these types (as `scan` makes them), else TypeError."""
    if type(row) is not list or len(row) != len(kinds) or not all(map(isinstance, row, kinds)):
        raise TypeError("malformed cache entry")
    return row


def _check_story(raw: Any) -> None:
    """Types as a scan makes them: an entry shaped otherwise (damaged, or not ours) is a miss,
    never a Story handed on to code that trusts one."""
    texts = [raw[name] for name in _TEXTS]
    lists = [item for name in _LISTS for item in raw[name]]
    if (
        not all(type(value) is str for value in texts + lists)
        or not all(type(raw[name]) is list for name in _LISTS)
        or type(raw["body_line"]) is not int
        or type(raw["words"]) is not int
        or not isinstance(raw["translation_of"], (str, type(None)))
        or type(raw["extra"]) is not dict
    ):
        raise TypeError("malformed cache entry")


def decode(data: Any) -> Scanned:
    """An entry back into objects; raises (KeyError, TypeError, ValueError...) on anything malformed."""
    problems = tuple(Problem(*_shaped(p, _PROBLEM)) for p in data["problems"])
    lines = {str(k): int(v) for k, v in data["lines"].items()}
    raw = data["story"]
    if raw is None:
        return Scanned(None, problems, lines)
    _check_story(raw)
    embargo, markdown = raw["embargo_until"], raw["markdown"]
    story = Story(
        **{name: raw[name] for name in _PLAIN},
        date=dt.date.fromisoformat(raw["date"]),
        embargo_until=None if embargo is None else dt.date.fromisoformat(embargo),
        contributors=tuple(raw["contributors"]),
        lessons=tuple(raw["lessons"]),
        images=tuple(raw["images"]),
        intro=_text(markdown, raw["intro"]),
        sections=[
            Section(h, p, _text(markdown, m), line, w)
            for h, p, m, line, w in (_shaped(row, _SECTION) for row in raw["sections"])
        ],
        redactions=tuple(
            RedactedSpan(lv, s, e, (int(i[0]), int(i[1])), line)
            for lv, s, e, i, line in (_shaped(row, _REDACTION) for row in raw["redactions"])
        ),
        extra=raw["extra"],
    )
    return Scanned(story, problems, lines)


def _same(a: Any, b: Any) -> bool:
    """Equal and of the same types all the way down (JSON would turn a tuple into a list, 1 == True)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same(v, b[k]) for k, v in a.items())
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


def round_trips(scanned: Scanned, data: dict[str, Any]) -> bool:
    """Does the entry give back exactly what was scanned? (A front-matter value JSON cannot hold
    exactly, e.g. a mapping with number keys, is simply not cached.)"""
    try:
        back = decode(json.loads(json.dumps(data)))
    except (KeyError, TypeError, ValueError, IndexError):
        return False
    if back != scanned:
        return False
    return back.story is None or _same(back.story.extra, scanned.story.extra if scanned.story else None)


# --- the files -------------------------------------------------------------------------------------


def checked_body(path: Path, header: Mapping[str, Any]) -> tuple[str, bytes] | None:
    """(checksum, body) of one cache file whose header is exactly what this run would write and
    whose body has that checksum; None for anything else."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        with os.fdopen(fd, "rb") as handle:
            data = handle.read()
    except OSError:
        return None
    first, _, body = data.partition(b"\n")
    try:
        found = json.loads(first)
    except (ValueError, RecursionError):  # (UnicodeDecodeError and JSONDecodeError are ValueErrors)
        return None
    if not isinstance(found, dict) or any(found.get(k) != v for k, v in header.items()):
        return None
    checksum = hashlib.sha256(body).hexdigest()
    return (checksum, body) if found.get("checksum") == checksum else None


def _entries(body: bytes) -> dict[str, Any]:
    try:
        entries = json.loads(body)
    except (ValueError, RecursionError):
        return {}
    return entries if isinstance(entries, dict) else {}


def read_cache_file(path: Path, header: Mapping[str, Any]) -> dict[str, Any]:
    """The body of one cache file, or {} when it is not exactly what this run would have written."""
    checked = checked_body(path, header)
    return {} if checked is None else _entries(checked[1])


def write_cache_file(path: Path, header: Mapping[str, Any], entries: Mapping[str, Any], sort_keys: bool = True) -> str:
    """Write the file (atomically, owner-only); its body's checksum."""
    body = json.dumps(entries, separators=(",", ":"), sort_keys=sort_keys).encode("ascii")
    checksum = hashlib.sha256(body).hexdigest()
    head = json.dumps({**header, "checksum": checksum}, sort_keys=True).encode("ascii")
    if path.is_dir() and not path.is_symlink():  # something else took the name: the folder is ours
        shutil.rmtree(path)
    atomic_write(path, head + b"\n" + body, mode=0o600)  # every profile's text: the owner's only
    return checksum


def usable_folder(folder: Path) -> bool:
    """The cache folder, made if need be; never through a symbolic link (a planted link would
    have us write elsewhere)."""
    if folder.parent.is_symlink() or folder.is_symlink():
        return False
    if folder.exists() and not folder.is_dir():
        folder.unlink()  # a file in place of the folder: ours to replace
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return True


@dataclass(frozen=True)
class _Shard:
    """One shard file's content as this process read or wrote it: its entries as parsed (never
    changed in place: an entry that changes is replaced) and what was decoded of them, each with
    the very entry it was decoded from."""

    entries: dict[str, Any]
    decoded: dict[str, tuple[Any, Scanned]]


# (shard file, checksum of its body) -> what was made of those bytes: a shard a run finds byte for
# byte as the last run of this process left it (`harvest serve` rebuilds: all but the edited
# story's) costs a read and a hash, no JSON parsing and no decoding. Keyed by the bytes, so a
# changed, planted or corrupt file is never answered from here.
_SEEN_SHARDS: dict[tuple[str, str], _Shard] = {}
_SEEN_LIMIT = 4 * len(SHARDS)
_KEEP_SEEN = [True]  # off in a process that runs once: see `keep_between_runs`


def keep_between_runs(keep: bool) -> None:
    """Whether this process keeps the shards it reads and writes for its next run (on by default:
    `harvest serve`'s rebuilds, tests). A process that runs once (`harvest build`) gains nothing
    from them, and they hold every story scanned (withheld ones too) to the end of its build."""
    _KEEP_SEEN[0] = keep
    if not keep:
        _SEEN_SHARDS.clear()


def _keep_shard(path: Path, checksum: str, shard: _Shard) -> None:
    for key in [key for key in _SEEN_SHARDS if key[0] == str(path)]:
        del _SEEN_SHARDS[key]
    _SEEN_SHARDS[(str(path), checksum)] = shard
    for key in list(_SEEN_SHARDS)[: max(0, len(_SEEN_SHARDS) - _SEEN_LIMIT)]:
        del _SEEN_SHARDS[key]


def _fresh(scanned: Scanned) -> Scanned:
    """A copy no later change can reach back from: what a run is handed is its own (the strings,
    dates and frozen parts are shared, every mutable container is new)."""
    story = scanned.story
    if story is not None:
        kept = story
        story = Story.__new__(Story)  # (a field-for-field copy: `replace` costs ten times more)
        story.__dict__.update(kept.__dict__)
        story.sections = list(kept.sections)
        story.extra = copy.deepcopy(kept.extra) if kept.extra else {}
    return Scanned(story, scanned.problems, dict(scanned.field_lines))


class StoryCache:
    """The `stories` cache of one project: relative story path -> entry."""

    namespace = "stories"

    def __init__(self, folder: Path, fingerprint: str):
        self.folder = folder
        self.header = {
            "format": FORMAT,
            "namespace": self.namespace,
            "harvest": code_version(),
            "settings": fingerprint,
        }
        self._shards: dict[str, dict[str, Any]] = {}
        self._decoded: dict[str, dict[str, tuple[Any, Scanned]]] = {}
        self._checksums: dict[str, str] = {}  # shards read from a valid file, unchanged since
        self._dirty: set[str] = set()
        self.reused = 0
        self.read = 0

    @classmethod
    def for_settings(cls, settings: Settings) -> StoryCache:
        return cls(cache_dir(settings.project_dir), settings_fingerprint(settings))

    def _shard_of(self, rel: str) -> tuple[str, dict[str, Any]]:
        name = SHARDS[zlib.crc32(rel.encode("utf-8", "surrogatepass")) % len(SHARDS)]
        if name not in self._shards:
            path = self._file(name)
            checked = checked_body(path, {**self.header, "shard": name})
            seen = None if checked is None else _SEEN_SHARDS.get((str(path), checked[0]))
            if checked is None:
                self._shards[name], self._decoded[name] = {}, {}
            elif seen is not None:
                self._shards[name], self._decoded[name] = dict(seen.entries), dict(seen.decoded)
                self._checksums[name] = checked[0]
            else:
                self._shards[name], self._decoded[name] = _entries(checked[1]), {}
                self._checksums[name] = checked[0]
        return name, self._shards[name]

    def _file(self, shard: str) -> Path:
        return self.folder / f"{self.namespace}-{shard}.json"

    def _entry(self, rel: str, check: str, value: Any) -> Scanned | None:
        name, shard = self._shard_of(rel)
        entry = shard.get(rel)
        if not isinstance(entry, dict) or entry.get(check) != value:
            return None
        decoded = self._decoded[name].get(rel)
        if decoded is not None and decoded[0] is entry:
            found = decoded[1]
        else:
            try:
                found = decode(entry["scanned"])
            except (KeyError, TypeError, ValueError, IndexError, AttributeError, RecursionError):
                return None
            self._decoded[name][rel] = (entry, found)
        self.reused += 1
        return _fresh(found)

    def by_stamp(self, rel: str, now: Stamp | None) -> Scanned | None:
        """The entry of a file whose stamp is the one recorded when it was read (no read at all)."""
        return None if now is None else self._entry(rel, "stamp", list(now))

    def by_content(self, rel: str, sha: str, now: Stamp | None) -> Scanned | None:
        """The entry for these bytes; records the new stamp (a `touch`, a `cp`) for next time."""
        found = self._entry(rel, "sha", sha)
        if found is not None and now is not None and settled(now):
            name, shard = self._shard_of(rel)
            entry = shard[rel] = {**shard[rel], "stamp": list(now)}  # (a new entry: never changed in place)
            self._decoded[name][rel] = (entry, self._decoded[name][rel][1])
            self._dirty.add(name)
        return found

    def remember(self, rel: str, sha: str, stamp_read: Stamp | None, scanned: Scanned) -> None:
        """Keep what was made of these bytes; `stamp_read` only if it held while reading and was settled."""
        self.read += 1
        name, shard = self._shard_of(rel)
        data = encode(scanned) if scanned.story is None or scanned.story.origin is None else None
        if data is None or not round_trips(scanned, data):
            if shard.pop(rel, None) is not None:
                self._dirty.add(name)
            return
        kept = list(stamp_read) if stamp_read is not None and settled(stamp_read) else None
        entry = shard[rel] = {"sha": sha, "stamp": kept, "scanned": data}
        self._decoded[name][rel] = (entry, _fresh(scanned))  # (round_trips: what decoding it gives)
        self._dirty.add(name)

    def save(self, stories_dir: Path, seen: Iterable[str] = ()) -> bool:
        """Write the shards that changed, leaving out files that no longer exist. False when the
        cache could not be written (the run goes on: the cache is only a saving). Each shard as
        it now is on disk is kept in memory for the next run of this process."""
        seen = set(seen)
        for name, shard in self._shards.items():
            gone = [rel for rel in shard if rel not in seen and not os.path.lexists(stories_dir / rel)]
            for rel in gone:
                del shard[rel]
            if gone:
                self._dirty.add(name)
        for name in set(self._checksums) - self._dirty:
            self._keep(name, self._checksums[name])
        if not self._dirty:
            return True
        try:
            if not usable_folder(self.folder):
                return False
            for name in sorted(self._dirty):
                checksum = write_cache_file(self._file(name), {**self.header, "shard": name}, self._shards[name])
                self._keep(name, checksum)
                self._dirty.discard(name)
        except OSError:
            return False
        return True

    def _keep(self, name: str, checksum: str) -> None:
        if not _KEEP_SEEN[0]:
            return
        entries = dict(self._shards[name])
        decoded = {rel: found for rel, found in self._decoded[name].items() if entries.get(rel) is found[0]}
        _keep_shard(self._file(name), checksum, _Shard(entries, decoded))


def read_stamped(file: Path) -> tuple[bytes, Stamp | None]:
    """The file's bytes and its stamp when the stamp held from before the read to after it (else
    None: the file changed while being read). Raises OSError as reading does."""
    before = stamp(file)
    data = file.read_bytes()
    return data, before if before is not None and stamp(file) == before else None
