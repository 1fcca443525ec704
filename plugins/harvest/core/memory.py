"""Big blocks of memory given back to the system when freed (glibc's malloc).

glibc gives a block of at least its "mmap threshold" a mapping of its own, unmapped when freed;
smaller blocks come from the heap, which only shrinks from its top. By default the threshold
starts at 128 KB and rises to the size of each such block freed (up to 32 MB). A build renders
pages of megabytes (an Answers page at 5,000 stories: 8 MB of HTML, 16 MB as a Python string,
its encoding and a plugin's copy): after the first is freed, the next ones come from the heap,
whose holes they leave behind, and the process's memory rose ~8 MB with each such page. A fixed
threshold keeps every block of 1 MB or more in its own mapping (a few hundred a build).
Plain Python: nothing MkDocs-specific.
"""

from __future__ import annotations

import os
import sys

M_MMAP_THRESHOLD = -3  # (glibc <malloc.h>)
BIG_BLOCK = 1 << 20


def give_back_big_blocks() -> bool:
    """Fix the threshold at `BIG_BLOCK`; True when glibc took it. Nothing happens on another
    system or C library, or when the user set `MALLOC_MMAP_THRESHOLD_` (theirs wins)."""
    if not sys.platform.startswith("linux") or "MALLOC_MMAP_THRESHOLD_" in os.environ:
        return False
    try:
        import ctypes

        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return False
    return bool(mallopt(M_MMAP_THRESHOLD, BIG_BLOCK))
