"""Python's cycle collector across `harvest serve`'s rebuilds.

A serve process keeps what it learnt between rebuilds (the stories read, their pages and cuts,
the search documents): at 5,000 stories each full collection walks all of it, ~1 s on a 2-core
machine. Python starts a full collection whenever enough objects have outlived the last one, and
a rebuild makes enough for 2-4 of them: 1.6-4.2 s of an 11-20 s rebuild, measured.
So, for each rebuild after the first:
- one full collection when it starts: the last build's cycles go (MkDocs' pages, files and
  navigation refer to each other), so memory stays what it was;
- no other full collection during it: the young generations are collected as always, and what
  this build leaves behind is collected when the next one starts;
- Python's own settings again when it ends, failed or not (for the terminal index's update in
  the background and whatever runs between rebuilds).
The first build is left alone: it starts with nothing to collect and grows its memory from
nothing, which is what Python's own settings are made for. Plain Python: no MkDocs here.
"""

from __future__ import annotations

import gc

# Generation-1 collections before a full one: none within a rebuild (one makes ~100).
NO_FULL_COLLECTION = 1_000_000


class RebuildCollector:
    """`build_starts` and `build_ends` around each build of one serve process."""

    def __init__(self) -> None:
        self._builds = 0
        self._saved: tuple[int, int, int] | None = None

    def build_starts(self) -> None:
        self.build_ends()  # (a build that ended unannounced: Python's settings first)
        self._builds += 1
        if self._builds == 1:
            return
        gc.collect()
        self._saved = gc.get_threshold()
        young, middle, _ = self._saved
        gc.set_threshold(young, middle, NO_FULL_COLLECTION)

    def build_ends(self) -> None:
        if self._saved is not None:
            gc.set_threshold(*self._saved)
            self._saved = None
