"""Work on the terminal index that `harvest serve` does after a build, not during it.

A `serve` rebuild ends when its pages are written, and only then do the browsers reload. The
terminal index (`.harvest/index/`) is not part of the site: bringing it up to date can wait
until the pages are out. At 5,000 stories that update takes ~0.7 s when little changed and
~15-20 s when a story is withdrawn (its segment is rewritten so its text leaves the disk).

One update at a time, in order: each new one waits, in its own thread, for the last, and one
still waiting when a newer one is asked for is dropped (the newer one does all it would). The
thread is not a daemon, and `serve`'s shutdown waits for it: a `serve` stopped meanwhile
finishes the update before the process exits.
"""

from __future__ import annotations

import logging
import sys
import threading
from collections.abc import Callable

LOGGER = "harvest.index-update"


class AfterBuild:
    """The terminal index updates asked for by the builds, running, waiting or done."""

    def __init__(self) -> None:
        self._latest: threading.Thread | None = None

    def start(self, work: Callable[[], None]) -> None:
        """Run `work` in its own thread, once the previous update has finished: the caller (a
        build's end) never waits for it. An update still waiting when a newer one is asked for
        is dropped: each brings the index in line with its whole build, so the newer one does
        all the older would (a withdrawn story is still absent from it, and purged). `work`
        reports its own problems (the build that asked for it is over: nothing left to fail)."""
        previous = self._latest

        def after_previous() -> None:
            if previous is not None:
                previous.join()
            if self._latest is threading.current_thread():
                work()

        thread = threading.Thread(target=after_previous, name="harvest-index-update", daemon=False)
        self._latest = thread
        thread.start()

    def wait(self) -> None:
        """Until every update asked for is done (a no-op when there is none)."""
        if self._latest is not None:
            self._latest.join()

    @property
    def running(self) -> bool:
        return self._latest is not None and self._latest.is_alive()


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
