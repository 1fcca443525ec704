"""Work on the terminal index that `harvest serve` does after a build, not during it.

A `serve` rebuild ends when its pages are written, and only then do the browsers reload. The
terminal index (`.harvest/index/`) is not part of the site: bringing it up to date can wait
until the pages are out. At 5,000 stories that update takes ~0.7 s when little changed and
~15-20 s when a story is withdrawn (its segment is rewritten so its text leaves the disk).

One update at a time, in order: each new one waits, in its own thread, for the last. The thread is not a daemon,
so a `serve` stopped meanwhile finishes the update before the process exits (an index is never
left half-written by us; an interrupted whoosh commit is dropped by whoosh).
"""

from __future__ import annotations

import logging
import sys
import threading
from collections.abc import Callable

LOGGER = "harvest.index-update"


class AfterBuild:
    """The terminal index update of the last build, running or done."""

    def __init__(self) -> None:
        self._thread: threading.Thread | None = None

    def start(self, work: Callable[[], None]) -> None:
        """Run `work` in its own thread, once the previous update has finished: the caller (a
        build's end) never waits for it. `work` reports its own problems (the build that asked
        for it is over: there is nothing left to fail)."""
        previous = self._thread

        def after_previous() -> None:
            if previous is not None:
                previous.join()
            work()

        thread = threading.Thread(target=after_previous, name="harvest-index-update", daemon=False)
        self._thread = thread
        thread.start()

    def wait(self) -> None:
        """Until every update asked for is done (a no-op when there is none)."""
        thread, self._thread = self._thread, None
        if thread is not None:
            thread.join()

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()


def later_logger() -> logging.Logger:
    """A logger of its own, written to stderr as MkDocs writes its messages."""
    logger = logging.getLogger(LOGGER)
    if not logger.handlers:
        handler = _Stderr()
        handler.setFormatter(logging.Formatter("%(levelname)-7s -  %(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        logger.propagate = False
    return logger


class _Stderr(logging.StreamHandler):
    """To the `sys.stderr` of the moment (replaced by whoever captures the output)."""

    def emit(self, record: logging.LogRecord) -> None:
        self.stream = sys.stderr
        super().emit(record)
