"""Memory of one build: big blocks given back to the system (glibc's malloc), and Python's
cycle collector kept from walking everything a build keeps.

Big blocks.

glibc gives a block of at least its "mmap threshold" a mapping of its own, unmapped when freed;
smaller blocks come from the heap, which only shrinks from its top. By default the threshold
starts at 128 KB and rises to the size of each such block freed (up to 32 MB). A build renders
pages of megabytes (an Answers page at 5,000 stories: 8 MB of HTML, 16 MB as a Python string,
its encoding and a plugin's copy): after the first is freed, the next ones come from the heap,
whose holes they leave behind, and the process's memory rose ~8 MB with each such page. A fixed
threshold keeps every block of 1 MB or more in its own mapping (a few hundred a build).

Full collections. A build keeps what it reads to its end (5,000 stories, their pages, MkDocs'
files and navigation: millions of objects), and Python starts a full collection whenever enough
objects outlived the last one: 10-12 a build at 5,000 stories, each walking all of it, ~1 s of
a build that reuses every page (~15%) and ~1.3 s of a cold one, measured. The garbage a build
makes is young (a page's template context, its Markdown tree): the young generations, collected
as always, free it, and the peak of memory was the same without the full collections (288 MB
against 289 at 5,000 stories, cold; 248 against 248 warm).
Plain Python: nothing MkDocs-specific.
"""

from __future__ import annotations

import gc
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager

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


# Generation-1 collections before a full one: never, in practice (a build makes a few hundred).
NO_FULL_COLLECTION = 1_000_000


@contextmanager
def no_full_collections() -> Iterator[None]:
    """Only the young generations collected within; Python's settings back afterwards."""
    saved = gc.get_threshold()
    gc.set_threshold(saved[0], saved[1], NO_FULL_COLLECTION)
    try:
        yield
    finally:
        gc.set_threshold(*saved)
