"""Feeds and emails made again only when what they read changed.

Each output (a digest's three email files, one feed's three formats) is a `Job`: the site paths
it writes, a key, and how to make it. The key is a hash of exactly what its renderer reads: the
view or feed it renders, built the same way as for real but with each piece of story HTML stood
in for by a hash of what it is cleaned from (`render.sign`), plus the options and settings the
renderer reads and a digest of the code and templates. A story made private, embargoed or
redacted changes the views it was in (they are built from the published archive, every build),
so every output that showed it is made again.

Reuse, cheapest first:
- under `serve` (the plugin lives across rebuilds), a file this plugin wrote into the site
  folder for the same key, still there with the stamp it had once written: nothing to do;
- `.harvest/cache/digests/`: one file per output path (and configuration), a JSON header line
  (format, code digest, key, path, sha256 of the body) and the bytes. Anything that is not
  exactly what this build would have written (another key, a wrong checksum, a truncated or
  foreign file, a link) is ignored and the output made again. Owner-only, written atomically,
  safe to delete.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import metadata, resources
from pathlib import Path

from harvest.core.archive import Archive
from harvest.core.cache import cache_dir, code_version
from harvest.core.fileio import atomic_write
from harvest.core.filestamps import Stamp, stamp
from harvest.digests.digest import SOURCE_DATE_EPOCH, Digest
from harvest.digests.feeds import FeedMaker, render
from harvest.digests.links import FORMATS, Links, email_file, feed_file
from harvest.digests.mail import render_email
from harvest.digests.pages import EMAIL_SUFFIXES
from harvest.digests.render import Portable, StoryText, sign
from harvest.digests.view import digest_view

FORMAT = 1
NAMESPACE = "digests"
# Packages whose version can change an output's bytes.
_PACKAGES = ("nh3", "css-inline", "feedgen", "lxml", "jinja2", "markupsafe", "markdown")


@lru_cache(maxsize=1)
def code_digest() -> str:
    """The core's code version, every module and template of Harvest, and the versions of the
    packages that write its bytes."""
    root = Path(str(resources.files("harvest")))
    sha = hashlib.sha256(f"{code_version()}\0{sys.version}".encode())
    # Every module of the package, not a list of the ones renderers read today: when unsure, more goes in.
    sources = sorted(root.rglob("*.py"))
    sources += sorted(root.joinpath("templates", "harvest").rglob("*"))
    for source in sources:
        if source.is_file():
            sha.update(str(source.relative_to(root)).encode() + b"\0" + source.read_bytes() + b"\0")
    for name in _PACKAGES:
        try:
            sha.update(f"{name}={metadata.version(name)}\0".encode())
        except metadata.PackageNotFoundError:
            sha.update(f"{name}=none\0".encode())
    return sha.hexdigest()[:32]


def output_key(*parts: object) -> str:
    """A hash of plain values (strings, numbers, dates, tuples, dataclasses of them), by their repr."""
    return hashlib.sha256(repr((FORMAT, code_digest(), parts)).encode("utf-8", "surrogatepass")).hexdigest()


@dataclass(frozen=True)
class Job:
    kind: str  # "email" or "feed"
    paths: tuple[str, ...]  # site paths it writes, in order
    key: str
    make: Callable[[], Iterable[bytes]] = field(compare=False)  # one per path, in order (made one by one)


def email_jobs(
    archive: Archive, digests: list[Digest], links: Links, text: StoryText, portable: Portable, sender, to
) -> Iterator[Job]:
    for digest in digests:
        signed = digest_view(archive, digest, links.email_page, text, sign)

        def make(digest: Digest = digest) -> list[bytes]:
            email = render_email(digest_view(archive, digest, links.email_page, text, portable), sender, to)
            return [email.eml, email.html.encode("utf-8"), email.text.encode("utf-8")]

        paths = tuple(email_file(digest.key, suffix) for suffix in EMAIL_SUFFIXES)
        yield Job("email", paths, output_key("email", signed, sender, to), make)


def feed_jobs(
    archive: Archive, digests: list[Digest], links: Links, limit: int, text: StoryText, portable: Portable
) -> Iterator[Job]:
    """The stories' feed, each lesson's, then the digests' (as `feeds.feed_files` lists them)."""
    signer = FeedMaker(archive, links, limit, text, signing=True)
    maker = FeedMaker(archive, links, limit, text, portable)
    settings = archive.settings
    # What `render` reads besides the feed: settings, links, and the one timestamp a feed may carry.
    common = (settings.site_url, settings.site_name, settings.default_lang, links, os.environ.get(SOURCE_DATE_EPOCH))
    names: list[str | None] = [*signer.story_feed_names(), None]  # None: the digests' feed
    for name in names:
        signed = signer.story_feed(name) if name is not None else signer.digest_feed(digests)

        def make(name: str | None = name) -> Iterator[bytes]:
            feed = maker.story_feed(name) if name is not None else maker.digest_feed(digests)
            for fmt in FORMATS:
                yield render(feed, fmt, archive, links)

        paths = tuple(feed_file(signed.name, fmt) for fmt in FORMATS)
        yield Job("feed", paths, output_key("feed", signed, common), make)


# --- reuse -------------------------------------------------------------------------------------


class OutputStore:
    """`.harvest/cache/digests/`: the bytes of each output, by site path and configuration (`slot`:
    the profile and links, so two profiles built in turn do not evict each other's)."""

    def __init__(self, folder: Path, slot: str):
        self.folder = folder
        self.slot = slot
        self.header = {"format": FORMAT, "namespace": NAMESPACE, "code": code_digest()}

    @classmethod
    def for_project(cls, project_dir: Path, *slot_parts: object) -> OutputStore:
        slot = hashlib.sha256(repr(slot_parts).encode("utf-8", "surrogatepass")).hexdigest()[:12]
        return cls(cache_dir(project_dir) / NAMESPACE, slot)

    def _file(self, path: str) -> Path:
        name = hashlib.sha256(path.encode("utf-8", "surrogatepass")).hexdigest()[:32]
        return self.folder / f"{self.slot}-{name}.out"

    def get(self, path: str, key: str) -> bytes | None:
        """The stored bytes of `path` made for `key`, or None (missing, stale, damaged or foreign)."""
        try:
            fd = os.open(self._file(path), os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
            with os.fdopen(fd, "rb") as handle:
                data = handle.read()
        except OSError:
            return None
        first, newline, body = data.partition(b"\n")
        try:
            found = json.loads(first)
        except (ValueError, RecursionError):
            return None
        wanted = {**self.header, "key": key, "path": path, "checksum": hashlib.sha256(body).hexdigest()}
        if not newline or not isinstance(found, dict) or found != wanted:
            return None
        return body

    def usable(self) -> bool:
        """The folder, made if need be; never through a symbolic link (a planted one would have us
        write elsewhere)."""
        try:
            for folder in (self.folder.parent, self.folder):
                if folder.is_symlink():
                    return False
                if folder.exists() and not folder.is_dir():
                    folder.unlink()  # a file in place of the folder: ours to replace
            self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        except OSError:
            return False
        return True

    def put(self, path: str, key: str, data: bytes) -> None:
        head = {**self.header, "key": key, "path": path, "checksum": hashlib.sha256(data).hexdigest()}
        target = self._file(path)
        try:
            if target.is_symlink() or target.is_dir():
                return
            atomic_write(target, json.dumps(head, sort_keys=True).encode("ascii") + b"\n" + data, mode=0o600)
        except OSError:
            pass  # the cache is only a saving

    def prune(self, paths: Iterable[str]) -> None:
        """Drop this configuration's files for outputs this build did not have (a digest gone)."""
        keep = {self._file(path).name for path in paths}
        try:
            found = list(self.folder.glob(f"{self.slot}-*.out"))
        except OSError:
            return
        for file in found:
            if file.name not in keep:
                file.unlink(missing_ok=True)


@dataclass
class Written:
    """What this plugin wrote into a `serve` site folder: the key and the file's stamp once written."""

    key: str
    stamp: Stamp


class Outputs:
    """Writes every job's files into the site, making only those whose key is new."""

    def __init__(self, store: OutputStore | None, memo: dict[str, Written] | None):
        self.store = store if store is not None and store.usable() else None
        self.memo = memo  # dest path -> Written: only under `serve`, where the site folder stays
        self.counts = {"rendered": 0, "stored": 0, "in place": 0}
        self.rendered: list[str] = []  # site paths made this build

    def write(self, jobs: Iterable[Job], dest: Callable[[str], str | None]) -> set[str]:
        """Every job's files, at `dest(path)` (None: the build does not publish it). The paths done."""
        done: set[str] = set()
        for job in jobs:
            targets = [dest(path) for path in job.paths]
            if self.memo is not None and all(target is None or self._in_place(target, job.key) for target in targets):
                self.counts["in place"] += 1
                done.update(job.paths)
                continue
            contents: Iterable[bytes] | None = self._stored(job)
            made = contents is None
            if contents is None:
                contents = job.make()
                self.counts["rendered"] += 1
                self.rendered += job.paths
            else:
                self.counts["stored"] += 1
            # One file at a time: the digests' feed is three files of ~4 MB each at 5,000 stories.
            for path, target, data in zip(job.paths, targets, contents, strict=True):
                if made and self.store is not None:
                    self.store.put(path, job.key, data)
                if target is not None:
                    _write_file(data, target)
                    if self.memo is not None:
                        now = stamp(target)
                        if now is not None:
                            self.memo[target] = Written(job.key, now)
                del data  # let go of this file before the next is made
            done.update(job.paths)
        if self.store is not None:
            self.store.prune(done)
        return done

    def _in_place(self, target: str, key: str) -> bool:
        assert self.memo is not None
        written = self.memo.get(target)
        return written is not None and written.key == key and stamp(target) == written.stamp

    def _stored(self, job: Job) -> list[bytes] | None:
        if self.store is None:
            return None
        contents = []
        for path in job.paths:
            data = self.store.get(path, job.key)
            if data is None:
                return None
            contents.append(data)
        return contents


def _write_file(data: bytes, target: str) -> None:
    from mkdocs.utils import write_file

    if os.path.islink(target):  # never through a link left in the site folder
        os.unlink(target)
    write_file(data, target)
