"""What a build derives from the search documents, kept for the next build that has the same ones.

A repeat `harvest build` with no story changed made the whole corpus again (every story's plain
text and terms: 4 s at 5,000 stories) only to find that related stories (`RelatedMemo`) and the
browser index were the same. This file holds both, by keys that need no corpus:
`documents.documents_key` (a hash of every published story's document inputs: its text as
published, with every redaction applied, its shown credits, lesson titles, versions) and the
software. Related stories are kept by that key and the number asked for; the browser index by
that key, the story pages' addresses and the site's name.

One file per profile, `.harvest/cache/derived-<profile digest>.bin`: a header line as the story
cache's (format, Harvest's code, the documents key, the checksum of the rest), a line naming the
other keys and each part with its size, then the parts' bytes. It holds only what this profile
published (the key names the published text itself, so a story withheld or redacted since never
matches); it is written atomically, owner-only, and a file that is missing, foreign, truncated,
a symbolic link or fails any check is ignored and written anew: nothing in it is trusted, and
reading it runs no code. Deleting it costs the next build a few seconds.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from harvest.core.cache import cache_dir, checked_body, usable_folder
from harvest.core.fileio import staged_file

FORMAT = 1
NAMESPACE = "derived"
RELATED = "related.json"  # the part holding related stories: {story id: [story id, ...]}
BROWSER = "search/"  # parts named so are the browser index's files, by their path under it
_INDEX_FILE = re.compile(r"[a-z]+(?:/[a-z0-9_-]+)?\.js")  # the names `browser.build_browser_index` gives


def cache_file(project_dir: Path, profile: str) -> Path:
    part = hashlib.sha256(profile.encode("utf-8", "surrogatepass")).hexdigest()[:12]
    return cache_dir(project_dir) / f"{NAMESPACE}-{part}.bin"


def browser_key(documents: str, urls: dict[str, str], site_name: str) -> str:
    raw = json.dumps([documents, site_name, sorted(urls.items())], ensure_ascii=False)
    return hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()


@dataclass
class Derived:
    """The parts kept for one documents key (and the code that made them: `read`)."""

    documents: str
    count: int | None = None  # the number of related stories asked for
    related: dict[str, list[str]] | None = None
    browser: str | None = None  # `browser_key` of the browser index's files
    files: dict[str, bytes] = field(default_factory=dict)

    def related_for(self, count: int, published: list[str]) -> dict[str, list[str]] | None:
        """The related stories kept, when asked for `count` of exactly these published stories."""
        if self.count != count or self.related is None:
            return None
        return self.related if _related_ok(self.related, published, count) else None

    def browser_for(self, key: str) -> dict[str, bytes] | None:
        return dict(self.files) if self.browser == key and self.files else None


def read(file: Path, code: str, documents: str) -> Derived:
    """What `file` holds for these documents and this code, or nothing (an empty `Derived`)."""
    empty = Derived(documents)
    checked = checked_body(file, _header(code, documents))
    if checked is None:
        return empty
    first, _, blobs = checked[1].partition(b"\n")
    try:
        meta = json.loads(first)
    except (ValueError, RecursionError):
        return empty
    parts = _parts(meta.get("parts") if isinstance(meta, dict) else None, blobs)
    if parts is None:
        return empty
    derived = Derived(documents)
    count = meta.get("count")
    if RELATED in parts and type(count) is int:
        try:
            related = json.loads(parts.pop(RELATED))
        except (ValueError, RecursionError):
            related = None
        if isinstance(related, dict):
            derived.count, derived.related = count, related
    browser = meta.get("browser")
    if isinstance(browser, str):
        files = {name.removeprefix(BROWSER): data for name, data in parts.items() if name.startswith(BROWSER)}
        if files and all(_INDEX_FILE.fullmatch(name) for name in files):  # (never a path out of `search/`)
            derived.browser, derived.files = browser, files
    return derived


def write(file: Path, code: str, derived: Derived) -> None:
    """Keep `derived` in `file` (in place of whatever was there). A failure only costs time. The
    parts are written one by one: the browser index is 15 MB at 5,000 stories, not copied again."""
    parts: list[tuple[str, bytes]] = []
    if derived.related is not None:
        parts.append((RELATED, json.dumps(derived.related, separators=(",", ":"), sort_keys=True).encode()))
    if derived.browser is not None:
        parts += [(BROWSER + name, data) for name, data in sorted(derived.files.items())]
    meta = {"count": derived.count, "browser": derived.browser, "parts": [[name, len(data)] for name, data in parts]}
    body = [json.dumps(meta, sort_keys=True).encode() + b"\n", *(data for _, data in parts)]
    checksum = hashlib.sha256()
    for data in body:
        checksum.update(data)
    head = {**_header(code, derived.documents), "checksum": checksum.hexdigest()}
    try:
        if usable_folder(file.parent):
            # (owner-only: every profile's published text)
            with staged_file(file, mode=0o600) as tmp, open(tmp, "wb") as out:
                out.write(json.dumps(head, sort_keys=True).encode() + b"\n")
                out.writelines(body)
    except OSError:
        pass  # the cache is only a saving


def _header(code: str, documents: str) -> dict:
    """The head line's fields a file must have to be read (with the checksum of what follows)."""
    return {"format": FORMAT, "namespace": NAMESPACE, "code": code, "documents": documents}


def _parts(listed: object, body: bytes) -> dict[str, bytes] | None:
    """The body cut into its named parts, when the header lists them exactly."""
    if not isinstance(listed, list):
        return None
    parts: dict[str, bytes] = {}
    at = 0
    for item in listed:
        if not (isinstance(item, list) and len(item) == 2 and type(item[0]) is str and type(item[1]) is int):
            return None
        name, size = item
        if size < 0 or at + size > len(body) or name in parts:
            return None
        parts[name] = body[at : at + size]
        at += size
    return parts if at == len(body) else None


def _related_ok(found: dict, published: list[str], count: int) -> bool:
    """Related stories for exactly the published stories, each among them and not itself."""
    ids = set(published)
    if found.keys() != ids:
        return False
    return all(
        type(others) is list and len(others) <= count and all(type(o) is str and o in ids and o != key for o in others)
        for key, others in found.items()
    )
