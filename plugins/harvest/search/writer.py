"""whoosh's segment writer with two costs of a full index taken out; the index is the same.

Profiled on 5,000 stories (`harvest index --rebuild`, 4 million postings), most of the time was
whoosh's own bookkeeping, not analysis (and the posting pool's per-posting assertions):
- its posting pool spills sorted runs to disk one `pickle.dump` per posting and reads them back
  one `pickle.load` per posting: the per-call overhead was a fifth of the run. Here a run is
  written and read in batches of postings (same postings, same order).
- writing the postings asks, for every posting, the length of its field in its document from
  the on-disk lengths column: another seventh. Here each (document, field) is asked once.
"""

from __future__ import annotations

import pickle
from collections.abc import Iterable, Iterator

from whoosh.writing import PostingPool, SegmentWriter

BATCH = 20_000  # postings per pickle in a spilled run (a few MB)


class _BatchedPool(PostingPool):
    def add(self, item: tuple) -> None:
        # whoosh's estimate of the posting's size, without its per-posting type assertions (our
        # own analyzer makes every posting): (fieldname, term bytes, docnum, weight, value bytes)
        self.fieldnames.add(item[0])
        self.currentsize += 150 + len(item[0]) + 2 * len(item[1]) + len(item[4] or b"")
        if self.currentsize > self.limit:
            self.save()
        self.current.append(item)

    def _write_run(self, f, items: Iterable) -> None:
        batch: list = []
        for item in items:
            batch.append(item)
            if len(batch) >= BATCH:
                pickle.dump(batch, f, pickle.HIGHEST_PROTOCOL)
                batch = []
        if batch:
            pickle.dump(batch, f, pickle.HIGHEST_PROTOCOL)
        f.close()

    def _read_run(self, path) -> Iterator:
        f = self._open_run(path)
        try:
            while True:
                try:
                    batch = pickle.load(f)  # our own run file, written just now by _write_run
                except EOFError:
                    return
                yield from batch
        finally:
            f.close()
            self._remove_run(path)


class _LengthsOnce:
    """A document-lengths reader that reads each (document, field) once."""

    def __init__(self, lengths):
        self._lengths = lengths
        self._known: dict[tuple[int, str], int] = {}

    def doc_field_length(self, docnum: int, fieldname: str, default: int = 0) -> int:
        key = (docnum, fieldname)
        value = self._known.get(key)
        if value is None:
            value = self._known[key] = self._lengths.doc_field_length(docnum, fieldname, default)
        return value

    def __getattr__(self, name: str):
        return getattr(self._lengths, name)


class Writer(SegmentWriter):
    """`ix.writer(...)` with the batched pool, whose postings ask each document length once."""

    def __init__(self, ix, limitmb: int = 128, **kwargs) -> None:
        super().__init__(ix, limitmb=limitmb, **kwargs)
        self.pool = _BatchedPool(self._tempstorage, self.newsegment, limitmb=limitmb)

    def per_document_reader(self):
        # (whoosh asks for it only to write the postings of the new segment)
        return _LengthsOnce(super().per_document_reader())
