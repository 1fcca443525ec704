"""Is the terminal index current, and what does a query need to know, without loading MkDocs?

`harvest search` is a new process each time; reading mkdocs.yml through MkDocs' config
machinery costs more than the query. So whenever the command line indexes, it leaves in
`.harvest/index/` the few settings a query needs (`harvest-settings.json`, keyed by the stamp
of mkdocs.yml), and every index records the stamps of what it was made from
(`harvest-sources.json`). A query trusts the index only when every stamp still matches;
otherwise it updates first. Anything unexpected (a file missing, another format, a config
that reads the environment or inherits another file) means: take the slow, exact path.

Plain Python: imports no MkDocs, no YAML, no whoosh.
"""

from __future__ import annotations

import json
import os
from array import array
from dataclasses import fields
from itertools import chain
from pathlib import Path

from harvest.core.filestamps import stamp, stamps_digest, tree_stamps
from harvest.core.settings import PROFILE_ENV, Prompt, Settings, today_from_env

try:  # BLAKE2 from its own built-in module: importing `hashlib` loads OpenSSL, ~4 ms of each search
    from _blake2 import blake2b
except ImportError:  # (a Python without it)
    from hashlib import blake2b

FORMAT = 1
SETTINGS_FILE = "harvest-settings.json"
SOURCES_FILE = "harvest-sources.json"
# A config whose meaning is not all in its own bytes: its stamp cannot vouch for it.
_UNSTAMPABLE = ("!ENV", "INHERIT", "!relative", "!!python")


def index_root(project_dir: Path) -> Path:
    return Path(project_dir) / ".harvest" / "index"


def config_stamp(config_file: Path) -> list | None:
    """The config's stamp, or None when the stamp alone cannot tell that its meaning is unchanged."""
    value = stamp(config_file)
    if value is None:
        return None
    try:
        text = Path(config_file).read_text("utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    if any(marker in text for marker in _UNSTAMPABLE):
        return None
    return [os.path.abspath(config_file), *value]


def _inputs(settings: Settings, config_file: Path | None) -> tuple[dict, list]:
    """(story-folder stamps, everything else an index depends on)."""
    stamps = tree_stamps(settings.stories_dir)
    context = [
        FORMAT,
        settings.profile,
        settings.today.isoformat(),
        None if config_file is None else stamp(config_file),
        stamp(settings.lessons_file),
        stamp(settings.contributors_file),
    ]
    return stamps, context


def sources_signature(settings: Settings, config_file: Path | None = None) -> tuple[str, dict]:
    """-> (the signature of everything the profile's index is made from, the detail to store).
    A stat per file: milliseconds, where a re-scan takes seconds."""
    stamps, context = _inputs(settings, config_file)
    story_stamps = {rel: value for rel, value in stamps.items() if rel.endswith(".md")}
    others = {rel: value for rel, value in stamps.items() if not rel.endswith(".md")}
    signature = digest(tree_digest(stamps), context)
    return signature, {"context": digest(context), "stories": story_stamps, "others": others}


def current_signature(settings: Settings, config_file: Path | None = None) -> str:
    """`sources_signature` without the detail (what a query compares with the index's)."""
    stamps, context = _inputs(settings, config_file)
    return digest(tree_digest(stamps), context)


def digest(*parts: object) -> str:
    """A short hash of JSON-like parts (as `filestamps.digest`, with BLAKE2)."""
    return blake2b(repr(parts).encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


def tree_digest(stamps: dict) -> str:
    """A hash of every (path, stamp): the paths joined by NUL (which no path holds), then each
    stamp's four integers packed in path order. Hashing `repr` of the items says the same thing
    (`filestamps.stamps_digest`, the fallback for an integer beyond 64 bits), 3-4x slower: this
    runs before every `harvest search`."""
    names = sorted(stamps)
    try:
        packed = array("q", chain.from_iterable(map(stamps.__getitem__, names))).tobytes()
    except OverflowError:
        return "r" + stamps_digest(stamps)
    hashed = blake2b("\0".join(names).encode("utf-8", "surrogatepass"), digest_size=16)
    hashed.update(b"\0\0")
    hashed.update(packed)
    return hashed.hexdigest()


def write_sources(folder: Path, signature: str, detail: dict) -> None:
    _write_json(folder / SOURCES_FILE, {"format": FORMAT, "signature": signature, **detail})


def changed_stories(folder: Path, settings: Settings, config_file: Path | None, signature: str) -> set[str] | None:
    """Story files (relative paths) changed since the index in `folder` was made with `signature`,
    or None when something besides story files changed (or nothing can be told): update first."""
    data = _read_json(folder / SOURCES_FILE)
    if not data or data.get("format") != FORMAT or data.get("signature") != signature:
        return None
    stamps, context = _inputs(settings, config_file)
    if data.get("context") != digest(context):
        return None
    then = {rel: tuple(value) for rel, value in data.get("stories", {}).items()}
    now = {rel: value for rel, value in stamps.items() if rel.endswith(".md")}
    return {rel for rel in set(then) | set(now) if then.get(rel) != now.get(rel)}


def _read_by_scan(rel: str) -> bool:
    """Can a change to this entry change what `scan` reads? Folders starting with `_` or `.` hold
    other things (the inbox, reading sessions), except the peers' stories in `_federation/`."""
    parts = rel.split("/")
    return parts[0] == "_federation" or not any(part.startswith(("_", ".")) for part in parts[:-1])


def changed_story_files(folder: Path, settings: Settings, now: dict, signature: str) -> set[str] | None:
    """Our own story files (relative paths) changed between the index in `folder`, made with
    `signature`, and the sources `now` (the detail of `sources_signature`); None when anything
    else the archive is read from may have changed (settings, vocabularies, the date, an image,
    the id ledger, a peer's story): then every story counts."""
    data = _read_json(folder / SOURCES_FILE)
    if not data or data.get("format") != FORMAT or data.get("signature") != signature:
        return None
    if data.get("context") != now["context"] or not isinstance(data.get("others"), dict):
        return None
    then = {rel: tuple(value) for rel, value in (*data.get("stories", {}).items(), *data["others"].items())}
    stamps = {**now["stories"], **now["others"]}
    changed = {rel for rel in set(then) | set(stamps) if then.get(rel) != stamps.get(rel) and _read_by_scan(rel)}
    stories = set()
    for rel in changed:
        if rel.endswith(".md") and rel.split("/")[0] != "_federation":
            stories.add(rel)
        elif not os.path.isdir(os.path.join(settings.stories_dir, rel)):
            return None  # a file besides our stories (or a folder now gone): read everything
    return stories


# --- the settings a query needs -------------------------------------------------------------------

_NOT_KEPT = ("profile", "today")  # chosen per run: --profile / $HARVEST_PROFILE, $HARVEST_TODAY


def settings_data(settings: Settings) -> dict:
    """Settings as JSON data (paths absolute), without the per-run profile and date."""
    data = {}
    for item in fields(Settings):
        if item.name in _NOT_KEPT:
            continue
        value = getattr(settings, item.name)
        if isinstance(value, Path):
            value = os.path.abspath(value)
        elif item.name == "prompts":
            value = [[p.id, p.title, list(p.aliases)] for p in value]
        elif isinstance(value, tuple):
            value = list(value)
        data[item.name] = value
    return data


def settings_of(data: dict, profile: str) -> Settings:
    values = {}
    for item in fields(Settings):
        if item.name in _NOT_KEPT:
            continue
        value = data[item.name]
        if item.name in ("stories_dir", "lessons_file", "contributors_file", "project_dir"):
            value = Path(value)
        elif item.name == "prompts":
            value = tuple(Prompt(i, t, tuple(a)) for i, t, a in value)
        elif isinstance(value, list):
            value = tuple(value)
        values[item.name] = value
    return Settings(**values, profile=profile, today=today_from_env())


def write_query_settings(
    settings: Settings, config_file: Path, directory_urls: bool, profile_option: str | None
) -> None:
    """Leave the settings beside the index, tied to mkdocs.yml's stamp."""
    key = config_stamp(config_file)
    root = index_root(settings.project_dir)
    if key is None or not root.is_dir():
        return
    _write_json(
        root / SETTINGS_FILE,
        {
            "format": FORMAT,
            "config": key,
            "profile_option": profile_option,
            "directory_urls": directory_urls,
            "settings": settings_data(settings),
        },
    )


def read_query_settings(config_file: Path, profile: str | None) -> tuple[Settings, bool] | None:
    """(Settings, use_directory_urls) as mkdocs.yml gives them, or None: read mkdocs.yml instead."""
    key = config_stamp(config_file)
    if key is None:
        return None
    data = _read_json(index_root(Path(config_file).parent) / SETTINGS_FILE)
    if not data or data.get("format") != FORMAT or data.get("config") != key:
        return None
    try:
        profile = profile or data["profile_option"] or os.environ.get(PROFILE_ENV) or "public"
        settings = settings_of(data["settings"], profile)
        if profile not in settings.profiles:
            return None  # the slow path says what is wrong
        return settings, bool(data["directory_urls"])
    except (KeyError, TypeError, ValueError):
        return None


def _read_json(path: Path) -> dict | None:
    try:
        data = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _write_json(path: Path, data: dict) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data, sort_keys=True, separators=(",", ":")), "utf-8")
    os.replace(tmp, path)
