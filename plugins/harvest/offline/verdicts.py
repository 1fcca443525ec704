"""What the outside-request check (`offline.outside`) found in a file, remembered by the file's
content, so that a build judges each distinct content once.

Every build reads the site's CSS, scripts, JSON (the search index is megabytes) and one page per
template; most of them are byte for byte what an earlier build wrote. Hashing a file costs a
fraction of parsing it, so a file whose bytes were judged before by this very checker is not
parsed again. Kept in memory for the life of the process (`harvest serve`'s rebuilds) and under
`.harvest/cache/outside.json`, with `core.cache`'s rules: a header line with the format, a digest
of the checker's code (its module, the URL judge, Python's HTML parser, ada's version) and the
checksum of the body; written atomically, owner-only; a file that is missing, foreign, corrupt or
malformed anywhere is ignored, and a malformed entry is a miss. Only what a file was *cleared* of
is kept: a file that loads anything from another host is parsed again on every build (its
problems are reported as a cold build reports them). What is kept is what the check reports for a
clean file: its links out, the URLs its scripts name (judged against the pages' features on every
build) and the features a page has (a Mermaid block, a repository link...). A big page is also
remembered piece by piece (`outside.judge_in_pieces`, key kind `html-piece`).
"""

from __future__ import annotations

import hashlib
import sys
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from harvest.core.cache import cache_dir, read_cache_file, usable_folder, write_cache_file

FORMAT = 1
CAP = 200_000  # entries kept, the newest used: every page of a site (`pack`) and the markup in its JSON


@dataclass(frozen=True)
class Verdict:
    """What one clean file holds, without its name: (line, how, URL) of each link out and of each
    URL its scripts name, and the page's features. A piece of a page (`outside.judge_in_pieces`)
    also keeps the `src` of each of its scripts: whether a page loads Material's bundle without
    the polyfill is known only from all of its pieces."""

    links: tuple[tuple[int, str, str], ...] = ()
    scripts: tuple[tuple[int, str, str], ...] = ()
    features: frozenset[str] = frozenset()
    srcs: tuple[str, ...] = ()

    def to_json(self) -> list[Any]:
        found = [[list(f) for f in self.links], [list(f) for f in self.scripts], sorted(self.features)]
        return [*found, list(self.srcs)] if self.srcs else found

    @classmethod
    def from_json(cls, data: Any) -> Verdict:
        """Raises TypeError/ValueError on anything not shaped as `to_json` makes it."""
        if type(data) is not list or len(data) not in (3, 4):
            raise TypeError("malformed verdict")
        links, scripts, features, *rest = data
        srcs = rest[0] if rest else []
        for strings in (features, srcs):
            if type(strings) is not list or not all(type(f) is str for f in strings):
                raise TypeError("malformed verdict")
        if rest and not srcs:
            raise TypeError("malformed verdict")  # (to_json leaves out an empty list)
        return cls(_findings(links), _findings(scripts), frozenset(features), tuple(srcs))


def _findings(rows: Any) -> tuple[tuple[int, str, str], ...]:
    if type(rows) is not list:
        raise TypeError("malformed verdict")
    found = []
    for row in rows:
        if type(row) is not list or len(row) != 3:
            raise TypeError("malformed verdict")
        line, what, url = row
        if type(line) is not int or type(what) is not str or type(url) is not str:
            raise TypeError("malformed verdict")
        found.append((line, what, url))
    return tuple(found)


@lru_cache(maxsize=1)
def checker_version() -> str:
    """A digest of everything that decides a verdict: a changed rule makes every entry foreign."""
    import _markupbase
    import html
    import html.entities
    import html.parser
    from importlib import metadata

    from harvest.core import urls
    from harvest.offline import outside

    sha = hashlib.sha256(f"{FORMAT}\0{sys.version}\0".encode())
    try:
        sha.update(metadata.version("ada-url").encode())
    except metadata.PackageNotFoundError:
        sha.update(b"ada-url unknown")
    for module in (outside, urls, html, html.entities, html.parser, _markupbase, sys.modules[__name__]):
        source = getattr(module, "__file__", None)
        sha.update(f"\0{module.__name__}\0".encode())
        try:
            sha.update(Path(source).read_bytes() if source else b"(built in)")
        except OSError:
            sha.update(b"(unreadable)")
    return sha.hexdigest()[:32]


def content_key(kind: str, data: bytes) -> str:
    """The memo key of a file's bytes read as `kind` (html, css, js, json: one text, four judgements)."""
    return f"{kind}:{hashlib.sha256(data).hexdigest()}"


class Verdicts:
    """The verdicts of one project's cache folder (or of memory only, with no folder)."""

    namespace = "outside"

    def __init__(self, folder: Path | None):
        self.folder = folder
        self.header = {"format": FORMAT, "namespace": self.namespace, "checker": checker_version()}
        self._entries: dict[str, Verdict] = {}
        self._loaded = folder is None
        self._dirty = False
        self.hits = 0
        self.misses = 0

    def _file(self) -> Path | None:
        return None if self.folder is None else self.folder / f"{self.namespace}.json"

    def _load(self) -> None:
        self._loaded = True
        path = self._file()
        raw = read_cache_file(path, self.header) if path is not None else {}
        for key, value in raw.items():
            try:
                self._entries.setdefault(key, Verdict.from_json(value))
            except (TypeError, ValueError):
                continue  # a malformed entry: a miss

    def get(self, key: str) -> Verdict | None:
        if not self._loaded:
            self._load()
        found = self._entries.pop(key, None)
        if found is None:
            self.misses += 1
            return None
        self._entries[key] = found  # the newest used last: the oldest go first when over CAP
        self.hits += 1
        return found

    def put(self, key: str, verdict: Verdict) -> None:
        if not self._loaded:
            self._load()
        self._entries.pop(key, None)
        self._entries[key] = verdict
        self._dirty = True
        while len(self._entries) > CAP:
            del self._entries[next(iter(self._entries))]

    def save(self) -> bool:
        """Write the file when something was added; False when it could not be (only a saving)."""
        path = self._file()
        if path is None or not self._dirty or self.folder is None:
            return True
        try:
            if not usable_folder(self.folder):
                return False
            entries = {key: v.to_json() for key, v in self._entries.items()}
            write_cache_file(path, self.header, entries, sort_keys=False)  # (oldest used first)
        except OSError:
            return False
        self._dirty = False
        return True

    def __len__(self) -> int:
        return len(self._entries)


_PROJECTS: dict[Path, Verdicts] = {}


def verdicts_for(project_dir: Path) -> Verdicts:
    """The verdicts of a project, kept in this process across `serve` rebuilds (keyed by content
    and the checker's code, so never stale)."""
    folder = cache_dir(Path(project_dir).resolve())
    found = _PROJECTS.get(folder)
    if found is None or found.header["checker"] != checker_version():
        found = _PROJECTS[folder] = Verdicts(folder)
    return found
