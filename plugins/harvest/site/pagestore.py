"""The page store: rendered pages kept between builds, under `.harvest/cache/pages/`. Plain Python.

    objects/ab/abcdef…   a page's bytes, named by their hash: never changed once written
    entries.sqlite       a row per page key (site/pagecache.py): what it rendered to, as JSON
                         (the object's hash, the page's title and metadata, and what its
                         output was seen to read)

The entries are rows of one SQLite table, not a file each: creating a file was the dearest
thing a cold build did per page on the ext4 disk measured (~0.8 ms, against ~10 µs for the
object's hard link; 4 s at 5,000 stories), and reading a file each cost a build that reuses
every page ~0.5 s. Two processes of one build (site/twocores.py) write rows at once: each opens
its own connection (none is used across a fork), and SQLite's locks order their writes.

Nothing in it is trusted: an entry that does not parse, is of another format, or names an
object whose bytes no longer hash to its name is ignored (and the page rendered again); a
damaged database is removed and made anew. Deleting the folder at any time only costs a slower
next build.

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
import sqlite3
import urllib.parse
from pathlib import Path

from harvest.core.filestamps import Stamp, settled, stamp

FORMAT = "harvest-pages-1"
HASH_SIZE = 20  # bytes of blake2b: 40 hex digits
ENTRIES = "entries.sqlite"
TABLE = "CREATE TABLE IF NOT EXISTS entries (key TEXT PRIMARY KEY, data BLOB NOT NULL) WITHOUT ROWID"
# Seconds a connection waits for another's write (the two processes of one build, or two builds)
# before it gives up: the page is then rendered, or not stored, and nothing is removed.
BUSY_SECONDS = 60.0
# sqlite3's errors for a file that is not a database, or a damaged one (SQLITE_NOTADB,
# SQLITE_CORRUPT): not its OperationalError (busy, locked, cannot open), a subclass of it.
DAMAGED = sqlite3.DatabaseError
# Connections opened before a fork, in the child: never used, and never closed there either (a
# close may checkpoint the parent's write-ahead log and remove it under the parent's feet).
_INHERITED: list[sqlite3.Connection] = []


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
        self._db: sqlite3.Connection | None = None  # the entries, opened by process `_db_pid`
        self._db_pid = 0
        self._verified: dict[str, Stamp] = {}  # object hash -> its stamp when its bytes were hashed

    def _entries_db(self) -> sqlite3.Connection | None:
        """This process's connection to the entries (None where SQLite cannot open them)."""
        db, pid = self._db, os.getpid()
        if db is not None:
            if self._db_pid == pid:
                return db
            _INHERITED.append(db)  # (a forked child: see _INHERITED)
            self._db = None
        for _attempt in range(2):
            db = None
            try:
                self.folder.mkdir(parents=True, exist_ok=True)
                self._unlink_links()
                db = sqlite3.connect(  # (nofollow: a link put there after the check is refused too)
                    f"file:{urllib.parse.quote(str(self.folder / ENTRIES))}?nofollow=1",
                    uri=True,
                    timeout=BUSY_SECONDS,
                    isolation_level=None,
                    check_same_thread=False,
                )
                # A cache: a write lost in a crash only costs a render (every entry is checked).
                db.execute("PRAGMA synchronous=OFF")
                with contextlib.suppress(sqlite3.OperationalError):  # (a file system without shared memory)
                    db.execute("PRAGMA journal_mode=WAL")
                db.execute(TABLE)
            except (sqlite3.OperationalError, OSError):  # busy, or cannot be opened here: left as it is
                if db is not None:
                    db.close()
                return None
            except DAMAGED:  # not a database, or damaged: made anew
                if db is not None:
                    db.close()
                self._remove_entries()
                continue
            except sqlite3.Error:
                return None
            self._db, self._db_pid = db, pid
            return db
        return None

    def _unlink_links(self) -> None:
        """A symbolic link in the database's place (or its log's) is never followed: SQLite would
        write into whatever it leads to. The link goes, and the entries are made anew here (as
        the story cache does with its files)."""
        for suffix in ("", "-wal", "-shm"):
            path = self.folder / f"{ENTRIES}{suffix}"
            if path.is_symlink():
                path.unlink()

    def _remove_entries(self) -> None:
        if self._db is not None:
            with contextlib.suppress(sqlite3.Error):
                self._db.close()
            self._db = None
        for suffix in ("", "-wal", "-shm"):
            with contextlib.suppress(OSError):
                (self.folder / f"{ENTRIES}{suffix}").unlink()

    def object_path(self, digest: str) -> Path:
        return self.folder / "objects" / digest[:2] / digest

    def entry(self, key: str) -> dict | None:
        """The entry for `key`, if there is a sound one."""
        if self.remember and key in self._entries:
            return self._entries[key]
        db = self._entries_db()
        if db is None:
            return None
        try:
            row = db.execute("SELECT data FROM entries WHERE key = ?", (key,)).fetchone()
            data = json.loads(row[0]) if row is not None else None
        except sqlite3.OperationalError:  # (busy: this page is rendered)
            return None
        except DAMAGED:
            self._remove_entries()  # damaged: nothing in it is used; the next write makes it anew
            return None
        except (sqlite3.Error, ValueError, TypeError):
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
        no second hash here), made under its final name in one step; the entry is a row, written
        in one transaction. Shard folders are made once per store. Raises OSError when the store
        cannot take it (the build goes on without)."""
        target = os.path.join(self._shard("objects", digest), digest)
        try:
            os.link(output_file, target)  # atomic: the name holds the whole file or is not made
        except FileExistsError:
            pass  # named by its hash: the same bytes (or, if changed since, refused when read)
        except OSError:
            link_or_copy(Path(output_file), Path(target))  # no hard links here: a copy, renamed into place
        data = json.dumps({**entry, "format": FORMAT, "key": key, "output": digest}).encode()
        db = self._entries_db()
        if db is None:
            raise OSError(f"the page store's entries cannot be opened in {self.folder}")
        try:
            db.execute("INSERT OR REPLACE INTO entries (key, data) VALUES (?, ?)", (key, data))
        except sqlite3.OperationalError as error:  # (busy: not stored this time)
            raise OSError(f"the page store's entries: {error}") from None
        except DAMAGED as error:
            self._remove_entries()
            raise OSError(f"the page store's entries were damaged and are made anew: {error}") from None
        except sqlite3.Error as error:
            raise OSError(f"the page store's entries: {error}") from None
        self._entries.pop(key, None)  # (remembered as read back, when next asked)

    def _shard(self, kind: str, name: str) -> str:
        folder = os.path.join(self.folder, kind, name[:2])
        if folder not in self._made:
            os.makedirs(folder, exist_ok=True)
            self._made.add(folder)
        return folder


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
