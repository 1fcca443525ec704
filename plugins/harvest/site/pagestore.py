"""The page store: rendered pages kept between builds, under `.harvest/cache/pages/`. Plain Python.

    objects/ab/abcdef…   a page's bytes, named by their hash: never changed once written
    entries/12/1234….json  what a page key (site/pagecache.py) rendered to: the object's hash,
                           the page's title and metadata, and what its output was seen to read

Nothing in it is trusted: an entry that does not parse, is of another format, or names an
object whose bytes no longer hash to its name is ignored (and the page rendered again).
Deleting the folder at any time only costs a slower next build.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path

from harvest.core.fileio import atomic_write

FORMAT = "harvest-pages-1"
HASH_SIZE = 20  # bytes of blake2b: 40 hex digits


def content_hash(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=HASH_SIZE).hexdigest()


def _is_hex(text: object) -> bool:
    return isinstance(text, str) and len(text) == 2 * HASH_SIZE and all(c in "0123456789abcdef" for c in text)


class PageStore:
    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)

    def _entry_path(self, key: str) -> Path:
        return self.folder / "entries" / key[:2] / f"{key}.json"

    def object_path(self, digest: str) -> Path:
        return self.folder / "objects" / digest[:2] / digest

    def entry(self, key: str) -> dict | None:
        """The entry for `key`, if there is a sound one."""
        try:
            data = json.loads(self._entry_path(key).read_bytes())
        except (OSError, ValueError):
            return None
        if not isinstance(data, dict) or data.get("format") != FORMAT or data.get("key") != key:
            return None
        if not _is_hex(data.get("output")):
            return None
        return data

    def verified_object(self, digest: str) -> Path | None:
        """The object's path, when its bytes still hash to its name (else it is removed)."""
        if not _is_hex(digest):
            return None
        path = self.object_path(digest)
        try:
            with open(path, "rb") as handle:
                ok = hashlib.file_digest(handle, lambda: hashlib.blake2b(digest_size=HASH_SIZE)).hexdigest() == digest
        except OSError:
            return None
        if not ok:
            path.unlink(missing_ok=True)  # changed in place (e.g. through a hard link): never trusted again
            return None
        return path

    def put(self, key: str, entry: dict, output_file: Path, digest: str) -> None:
        """Keep `output_file` (bytes hashing to `digest`) as the object, and `entry` under `key`."""
        target = self.object_path(digest)
        if not target.exists():
            link_or_copy(output_file, target)
        atomic_write(self._entry_path(key), json.dumps({**entry, "format": FORMAT, "key": key, "output": digest}))


def link_or_copy(source: Path, target: Path) -> None:
    """Put `source`'s bytes at `target` in one step: a hard link where the file system allows,
    else a copy. Whatever was at `target` is replaced, never written into (it may be linked)."""
    target.parent.mkdir(parents=True, exist_ok=True)
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
