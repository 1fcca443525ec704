"""Python's cycle collector across `harvest serve`'s rebuilds.

A serve process keeps what it learnt between rebuilds (the stories read, their pages and cuts,
the search documents): at 5,000 stories each full collection walks all of it, ~1 s on a 2-core
machine. Python starts a full collection whenever enough objects have outlived the last one, and
a rebuild makes enough for 2-4 of them: 1.6-3.6 s of a 10-22 s rebuild, measured. So, from the
first rebuild on:
- each rebuild starts with one full collection: the last build's cycles go (MkDocs' pages,
  files and navigation refer to each other), so memory stays what it was;
- Python makes no other full collection, neither during a rebuild nor between two (where the
  terminal index's update and the browsers' requests run: a full collection there holds up a
  browser's reload by as long): the young generations are collected as always, and what
  outlives them waits for the next rebuild's collection;
- when serve stops, Python's own settings come back.
The first build is left alone: it starts with nothing to collect and grows its memory from
nothing, which is what Python's own settings are made for. Plain Python: no MkDocs here.
"""

from __future__ import annotations

import gc

from harvest.core.memory import NO_FULL_COLLECTION


class RebuildCollector:
    """`build_starts` as each build of one serve process starts; `release` when serve stops."""

    def __init__(self) -> None:
        self._builds = 0
        self._saved: tuple[int, int, int] | None = None  # Python's settings, while ours hold

    def build_starts(self) -> None:
        self._builds += 1
        if self._builds == 1:
            return
        gc.collect()
        if self._saved is None:
            self._saved = gc.get_threshold()
            young, middle, _ = self._saved
            gc.set_threshold(young, middle, NO_FULL_COLLECTION)

    def release(self) -> None:
        if self._saved is not None:
            gc.set_threshold(*self._saved)
            self._saved = None
