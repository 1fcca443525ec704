"""Cheap signatures of files: tell "unchanged" from "changed" with a stat, not a read.

A stamp is (size, mtime_ns, ctime_ns, inode). The ctime cannot be set from user space, so a
file rewritten with its old mtime restored (`cp -p`, `touch -d`, an unpacked archive) still
gets a new stamp. A file changed in the same clock tick as it was read could keep its stamp;
`settled` says whether a stamp is old enough to be trusted later (git's "racy" rule).
Plain Python, no Harvest imports: `harvest search` loads this before anything else.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

Stamp = tuple[int, int, int, int]
RACY_NS = 200_000_000  # a stamp this close to "now" may hide a change in the same tick


def stamp(path: Path | str) -> Stamp | None:
    """The file's stamp (the link itself, never its target), or None when it does not exist."""
    try:
        st = os.lstat(path)
    except OSError:
        return None
    return (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)


def settled(value: Stamp | None, now_ns: int | None = None) -> bool:
    """Is the stamp old enough that any later change must give another stamp?"""
    if value is None:
        return False
    now_ns = time.time_ns() if now_ns is None else now_ns
    return max(value[1], value[2]) < now_ns - RACY_NS


def tree_stamps(folder: Path) -> dict[str, Stamp]:
    """Every entry under `folder` (files, links, folders: a deletion changes its folder), by path
    relative to it. Links are stamped, never followed."""
    found: dict[str, Stamp] = {}
    root = str(folder)
    if not os.path.isdir(root):
        return found
    stack = [""]
    while stack:
        rel = stack.pop()
        full = os.path.join(root, rel) if rel else root
        try:
            entries = list(os.scandir(full))
        except OSError:
            continue
        st = os.lstat(full)
        found[rel or "."] = (0, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)
        for entry in entries:
            name = f"{rel}/{entry.name}" if rel else entry.name
            try:
                st = entry.stat(follow_symlinks=False)
            except OSError:
                continue
            if entry.is_dir(follow_symlinks=False):
                stack.append(name)
            else:
                found[name] = (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)
    return found


def digest(*parts: object) -> str:
    """A short hash of JSON-like parts (stamps, names, settings)."""
    import hashlib  # (here: `harvest search` hashes without it, see `search.freshness`)

    raw = repr(parts).encode("utf-8", "surrogatepass")
    return hashlib.sha256(raw).hexdigest()[:32]


def stamps_digest(stamps: dict[str, Stamp]) -> str:
    return digest(sorted(stamps.items()))
