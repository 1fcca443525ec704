"""Writing files and folders so that a failure, crash or Ctrl-C never leaves a half-written one
behind: everything is written under a temporary name beside its target, then renamed into place.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import os
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

STAGING_PREFIX = ".harvest-"


def atomic_write(path: Path, data: bytes | str, mode: int = 0o644) -> None:
    """Write to a temporary file beside `path`, then rename it over `path` in one step."""
    with staged_file(path, mode) as tmp:
        tmp.write_bytes(_as_bytes(data))


@contextmanager
def staged_file(path: Path, mode: int = 0o644) -> Iterator[Path]:
    """A temporary file beside `path` to write; renamed over `path` only if the block succeeds."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = _temp_file(path.parent)
    try:
        yield tmp
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_files(folder: Path, contents: dict[str, bytes], mode: int = 0o644) -> list[Path]:
    """Write every file under a temporary name first, then rename them all: a failure while
    writing leaves none of them changed."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    staged: list[tuple[Path, Path]] = []
    try:
        for name, content in contents.items():
            tmp = _temp_file(folder)
            staged.append((tmp, folder / name))
            tmp.write_bytes(content)
            os.chmod(tmp, mode)
        for tmp, target in staged:
            os.replace(tmp, target)
    except BaseException:
        for tmp, _ in staged:
            tmp.unlink(missing_ok=True)
        raise
    return [target for _, target in staged]


def write_new(folder: Path, names: Iterable[str], data: bytes | str, mode: int = 0o644) -> Path:
    """Write `data` complete under the first of `names` that is free in `folder`, never replacing
    a file: the staged file is hard-linked to the name, which fails if the name exists, even when
    another process took it a moment ago. Returns the path written."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    tmp = _temp_file(folder)
    try:
        tmp.write_bytes(_as_bytes(data))
        os.chmod(tmp, mode)
        for name in names:
            try:
                os.link(tmp, folder / name)
            except FileExistsError:
                continue
            return folder / name
    finally:
        tmp.unlink(missing_ok=True)
    raise FileExistsError(errno.EEXIST, "no free file name", str(folder))


def _temp_file(folder: Path) -> Path:
    """A new, empty file in `folder`: on the target's file system, so renaming it is one step."""
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=STAGING_PREFIX, suffix=".tmp")
    os.close(fd)
    return Path(tmp)


def _as_bytes(data: bytes | str) -> bytes:
    return data.encode("utf-8") if isinstance(data, str) else data


# --- whole folders ---------------------------------------------------------------------------------


@contextmanager
def staged_tree(target: Path) -> Iterator[Path]:
    """A new, empty folder beside `target` (same file system) to build into; swapped into place
    only if the block succeeds, else removed. `target` is the real folder: a symlinked site
    folder is followed, so the link itself stays."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    _recover(target)
    new = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}{STAGING_PREFIX}new-"))
    try:
        os.chmod(new, 0o777 & ~_umask())  # mkdtemp makes it private; a site folder is read by a web server
        yield new
        swap_in(new, target)
    except BaseException:
        shutil.rmtree(new, ignore_errors=True)
        raise


def published_name(folder: Path) -> Path:
    """The folder a staging folder will become (`.site.harvest-new-x1y2` -> `site`); any
    other folder is itself. Messages name the folder the user knows."""
    name = folder.name
    marker = STAGING_PREFIX + "new-"
    if name.startswith(".") and marker in name:
        return folder.with_name(name[1 : name.rindex(marker)])
    return folder


def swap_in(new: Path, target: Path) -> None:
    """Put folder `new` at `target`, removing whatever was there. On Linux the two are exchanged in
    one step (renameat2 RENAME_EXCHANGE); elsewhere the old folder is renamed aside first, and a
    crash in between is undone by `_recover` on the next run. Either way a reader of `target` sees
    the old folder or the new one, never a mix."""
    if not os.path.lexists(target):
        os.rename(new, target)
        return
    if not target.is_dir() or target.is_symlink():
        raise NotADirectoryError(errno.ENOTDIR, "not a folder", str(target))
    if _exchange(new, target):
        shutil.rmtree(new)  # now holds the old folder
        return
    old = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}{STAGING_PREFIX}old-"))
    os.rmdir(old)
    os.rename(target, old)
    try:
        os.rename(new, target)
    except BaseException:
        os.rename(old, target)
        raise
    shutil.rmtree(old, ignore_errors=True)


def _recover(target: Path) -> None:
    """Undo what a crash during an earlier swap left: put the old folder back if the target is
    missing, and remove leftover staging folders."""
    for leftover in sorted(target.parent.glob(f".{target.name}{STAGING_PREFIX}*")):
        if leftover.name.startswith(f".{target.name}{STAGING_PREFIX}old-") and not os.path.lexists(target):
            os.rename(leftover, target)
        else:
            shutil.rmtree(leftover, ignore_errors=True)


_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _exchange(a: Path, b: Path) -> bool:
    """Atomically exchange two paths (Linux renameat2); False where the system cannot."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    result = renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    if result == 0:
        return True
    error = ctypes.get_errno()
    if error in (errno.EINVAL, errno.ENOSYS, errno.EPERM, errno.ENOTSUP):
        return False  # the file system cannot exchange: fall back to two renames
    raise OSError(error, os.strerror(error), str(b))


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def make_folders(folders: Iterable[str]) -> int:
    """Make each folder (and its parents) that is missing; -> how many were asked for. A folder
    that cannot be made is left to whoever writes into it next (who then says why)."""
    made = 0
    for folder in sorted(set(folders)):
        try:
            os.makedirs(folder, exist_ok=True)
            made += 1
        except OSError:
            continue
    return made
