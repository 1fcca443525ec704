"""Work done in a second process while the build goes on: a build is CPU-bound Python, so a
thread would only take turns with it, while a forked child runs on another core.

Plain Python (no MkDocs): a plugin starts a job where its inputs are ready and collects the
result where its outputs must exist. The job's result and its errors come back through a pipe;
the child writes only what the job itself writes. Used only where a fork is safe and cheap:
Linux, no other thread alive (a lock held by another thread at fork time would stay held in the
child forever), not switched off (`HARVEST_BACKGROUND=0`). Elsewhere the job runs in place when
it is collected, with the same result.
"""

from __future__ import annotations

import contextlib
import gc
import os
import pickle
import signal
import sys
import threading
import traceback
from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

from harvest.core.problems import HarvestError

T = TypeVar("T")
Item = TypeVar("Item")

SWITCH = "HARVEST_BACKGROUND"  # "0": every job runs in place (same outputs; for comparing, debugging)

_running: dict[int, Job[object]] = {}  # pid -> its job: what `stop_all` ends


class BackgroundBug(RuntimeError):
    """The job failed in the child for a reason that is not a user's mistake (a traceback)."""


def can_fork() -> bool:
    return (
        sys.platform == "linux"
        and os.environ.get(SWITCH, "1") != "0"
        and threading.active_count() == 1
        and hasattr(os, "fork")
    )


class Job(Generic[T]):
    """`work` run in a forked child from now on if it can be, else in place on `result()`."""

    def __init__(self, work: Callable[[], T]):
        self._work: Callable[[], T] | None = work
        self._pid: int | None = None
        self._read_end: int | None = None
        self.forked = can_fork() and self._fork()

    def _fork(self) -> bool:
        """-> False when the system refuses a process or a pipe now (then the work runs in place)."""
        try:
            read_end, write_end = os.pipe()
        except OSError:
            return False
        parent = os.getpid()
        try:
            pid = os.fork()
        except OSError:  # (EAGAIN, ENOMEM: too many processes, or too little memory to copy the tables)
            os.close(read_end)
            os.close(write_end)
            return False
        if pid == 0:  # the child: never returns
            os.close(read_end)
            _run_child(self._work, write_end, parent)
        os.close(write_end)
        self._pid, self._read_end, self._work = pid, read_end, None
        _running[pid] = self  # type: ignore[assignment]
        return True

    def result(self) -> T:
        """The job's return value; its HarvestError raised here as it was raised there."""
        if not self.forked:
            work, self._work = self._work, None
            if work is None:
                raise RuntimeError("a background job's result was already taken")
            return work()
        if self._pid is None or self._read_end is None:
            raise RuntimeError("a background job's result was already taken")
        with os.fdopen(self._read_end, "rb") as pipe:  # (closes the read end)
            self._read_end = None
            payload = pipe.read()  # until the child exits: it writes everything, then ends
        status = self._reap()
        if not payload:
            raise BackgroundBug(f"the background process ended without a result ({_describe(status)})")
        kind, value = pickle.loads(payload)
        if kind == "error":
            raise HarvestError(value)
        if kind == "bug":
            raise BackgroundBug(f"the background process failed:\n{value}")
        result: T = value  # (what `work` returned, as pickle gives it back)
        return result

    def stop(self) -> None:
        """Ends the child, if it still runs (the build failed: nothing it writes is wanted)."""
        if self._pid is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.kill(self._pid, signal.SIGKILL)
        self._reap()
        if self._read_end is not None:
            os.close(self._read_end)
            self._read_end = None

    def _reap(self) -> int:
        pid, self._pid = self._pid, None
        assert pid is not None
        _running.pop(pid, None)
        while True:
            try:
                return os.waitpid(pid, 0)[1]
            except InterruptedError:
                continue
            except ChildProcessError:
                return 0


def in_halves(items: Sequence[Item], work: Callable[[Sequence[Item], int], T], at_least: int) -> list[T]:
    """[work(first half, 0), work(later half, its start)]: the later half in a second process
    while this one does the first, or [work(items, 0)] when there are fewer than `at_least`
    (a fork and the results' trip back would cost more than half the work saves)."""
    if len(items) < at_least:
        return [work(items, 0)]
    half = len(items) // 2
    later = Job(lambda: work(items[half:], half))
    try:
        first = work(items[:half], 0)
    except BaseException:
        later.stop()
        raise
    return [first, later.result()]


def stop_all() -> None:
    """Ends every child still running: a failed build removes its staging folder next, and no
    child may write into it afterwards."""
    for job in list(_running.values()):
        job.stop()


def _run_child(work: Callable[[], object] | None, write_end: int, parent: int) -> None:
    status = 1
    try:
        _die_with(parent)
        gc.disable()  # a short life: a collection would only walk (and copy) the parent's objects
        try:
            assert work is not None
            payload = pickle.dumps(("ok", work()), protocol=pickle.HIGHEST_PROTOCOL)
        except HarvestError as error:
            payload = pickle.dumps(("error", error.problems))
        except BaseException:  # noqa: BLE001 (reported to the parent, which raises it)
            payload = pickle.dumps(("bug", traceback.format_exc()))
        with os.fdopen(write_end, "wb") as pipe:
            pipe.write(payload)
        status = 0
    finally:
        os._exit(status)  # no atexit handlers, no flushing of the parent's buffers a second time


def _die_with(parent: int) -> None:
    """Killed if the parent dies first (Linux's PR_SET_PDEATHSIG), so that no child outlives a
    build that was stopped and goes on writing."""
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # 1: PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass  # (elsewhere than glibc: the parent's `stop_all` is the only guard)
    if os.getppid() != parent:  # the parent died before prctl took effect
        os._exit(1)


def _describe(status: int) -> str:
    if os.WIFSIGNALED(status):
        return f"killed by signal {os.WTERMSIG(status)}"
    return f"exit status {os.waitstatus_to_exitcode(status)}"
