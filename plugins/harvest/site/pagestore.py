"""The page store: rendered pages kept between builds, under `.harvest/cache/pages/`. Plain Python.

    objects/ab/abcdef…   a page's bytes, named by their hash: never changed once written
    entries/12/1234….json  what a page key (site/pagecache.py) rendered to: the object's hash,
                           the page's title and metadata, and what its output was seen to read

Nothing in it is trusted: an entry that does not parse, is of another format, or names an
object whose bytes no longer hash to its name is ignored (and the page rendered again).
Deleting the folder at any time only costs a slower next build.

A store made with `remember=True` (`harvest serve`: one store for every rebuild of the process)
also keeps in memory the entries it read, and the stamp of every object whose bytes it
hashed: a later rebuild reads no entry file again, and hashes an object again only when its stamp
(size, times, inode) is no longer the one it had when it was verified.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
from pathlib import Path

from harvest.core.filestamps import Stamp, settled, stamp

FORMAT = "harvest-pages-1"
HASH_SIZE = 20  # bytes of blake2b: 40 hex digits


def content_hash(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=HASH_SIZE).hexdigest()


TEXT_CHUNK = 1 << 20  # characters encoded at a time by `output_hash`


def output_hash(text: str) -> str:
    """`content_hash` of the text as MkDocs writes it (UTF-8, `xmlcharrefreplace`), encoded a
    piece at a time: an Answers page at 5,000 stories is ~8 MB, and its whole encoding, made
    while the page and a plugin's copy of it are alive, was the build's peak of memory. (Each
    code point encodes alone, so the pieces' bytes are the whole text's.)"""
    hasher = hashlib.blake2b(digest_size=HASH_SIZE)
    for start in range(0, len(text), TEXT_CHUNK):
        hasher.update(text[start : start + TEXT_CHUNK].encode("utf-8", errors="xmlcharrefreplace"))
    return hasher.hexdigest()


def _is_hex(text: object) -> bool:
    return isinstance(text, str) and len(text) == 2 * HASH_SIZE and all(c in "0123456789abcdef" for c in text)


class PageStore:
    def __init__(self, folder: Path, remember: bool = False) -> None:
        self.folder = Path(folder)
        self._made: set[str] = set()  # shard folders made by this store (a build stores ~1 page per story)
        self.remember = remember
        self._entries: dict[str, dict] = {}  # key -> sound entry read by this store (never changed)
        self._verified: dict[str, Stamp] = {}  # object hash -> its stamp when its bytes were hashed

    def _entry_path(self, key: str) -> Path:
        return self.folder / "entries" / key[:2] / f"{key}.json"

    def object_path(self, digest: str) -> Path:
        return self.folder / "objects" / digest[:2] / digest

    def entry(self, key: str) -> dict | None:
        """The entry for `key`, if there is a sound one."""
        if self.remember and key in self._entries:
            return self._entries[key]
        try:
            data = json.loads(self._entry_path(key).read_bytes())
        except (OSError, ValueError):
            return None
        if not isinstance(data, dict) or data.get("format") != FORMAT or data.get("key") != key:
            return None
        if not _is_hex(data.get("output")):
            return None
        if self.remember:
            self._entries[key] = data
        return data

    def verified_object(self, digest: str) -> Path | None:
        """The object's path, when its bytes still hash to its name (else it is removed)."""
        if not _is_hex(digest):
            return None
        path = self.object_path(digest)
        if self.remember:
            known = self._verified.get(digest)
            if known is not None and stamp(path) == known:
                return path  # hashed by this store, untouched since (any write gives another stamp)
        before = stamp(path) if self.remember else None
        try:
            with open(path, "rb") as handle:
                ok = hashlib.file_digest(handle, lambda: hashlib.blake2b(digest_size=HASH_SIZE)).hexdigest() == digest
        except OSError:
            return None
        if not ok:
            path.unlink(missing_ok=True)  # changed in place (e.g. through a hard link): never trusted again
            return None
        # Remembered only when the stamp held while hashing and is old enough that a later write
        # must change it (filestamps.settled: no change hides in the same clock tick).
        if before is not None and settled(before) and stamp(path) == before:
            self._verified[digest] = before
        return path

    def place(self, path: Path, target: Path) -> None:
        """Put object `path` at `target` (a hard link, or a copy). A link changes the object's
        change time and nothing else, so one this store hashed stays known as hashed: else every
        page reused by `serve`'s first build was hashed again at its first rebuild (5,000 stories:
        every page). Only the change time may differ: a write in between gives another mtime (the
        remembered one is settled: old), and the object is hashed again. (A write that puts the
        old mtime back within the same clock tick as the link would go unseen: the racy case
        `filestamps.settled` keeps out elsewhere, here only by hand at that very moment.)"""
        known = self._verified.get(path.name) if self.remember else None
        before = stamp(path) if known is not None else None
        link_or_copy(path, target)
        if known is None or before != known:
            return
        after = stamp(path)
        if after is not None and (after[0], after[1], after[3]) == (known[0], known[1], known[3]):
            self._verified[path.name] = after

    def put(self, key: str, entry: dict, output_file: Path, digest: str) -> None:
        """Keep `output_file` (bytes that should hash to `digest`: checked when it is reused) as
        the object, and `entry` under `key`.

        The cheapest way a cold build can: the object is a hard link to the written page (no copy,
        no second hash here), made under its final name in one step; the entry is written to a
        temporary file and renamed. Shard folders are made once per store."""
        target = os.path.join(self._shard("objects", digest), digest)
        try:
            os.link(output_file, target)  # atomic: the name holds the whole file or is not made
        except FileExistsError:
            pass  # named by its hash: the same bytes (or, if changed since, refused when read)
        except OSError:
            link_or_copy(Path(output_file), Path(target))  # no hard links here: a copy, renamed into place
        data = json.dumps({**entry, "format": FORMAT, "key": key, "output": digest}).encode()
        _write_replacing(os.path.join(self._shard("entries", key), f"{key}.json"), data)
        self._entries.pop(key, None)  # (remembered as read back from the file, when next asked)

    def _shard(self, kind: str, name: str) -> str:
        folder = os.path.join(self.folder, kind, name[:2])
        if folder not in self._made:
            os.makedirs(folder, exist_ok=True)
            self._made.add(folder)
        return folder


def _write_replacing(path: str, data: bytes) -> None:
    """`data` under a temporary name beside `path` (this process's own), then renamed over `path`:
    a reader sees the old entry or the new one, never part of one."""
    tmp = f"{path}.{os.getpid()}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o644)
    try:
        with open(fd, "wb", closefd=True) as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def link_or_copy(source: Path, target: Path) -> None:
    """Put `source`'s bytes at `target` in one step: a hard link where the file system allows,
    else a copy. Whatever was at `target` is replaced, never written into (it may be linked)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        # Nothing there (a build's staging folder): the new name is made whole in one step. A
        # temporary name and a rename cost twice as much (~0.35 s for 5,000 pages here).
        os.link(source, target)
        return
    except OSError:
        pass  # something there (replaced below), or no hard links here (a copy)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    tmp.unlink(missing_ok=True)
    try:
        os.link(source, tmp)
    except OSError:
        shutil.copyfile(source, tmp)
    try:
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
