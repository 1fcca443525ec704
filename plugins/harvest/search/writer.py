"""whoosh's segment writer with its per-posting bookkeeping taken out; the index is the same.

Profiled on 5,000 stories (`harvest index --rebuild`, 4 million postings), most of the time was
whoosh's own bookkeeping, not analysis: a Token object per word through the analyzer chain, a
tuple per posting into a pool that sorts them all, spills sorted runs to disk and merges them
back, then one call per posting to the postings writer. Here:
- a text field of our own (`index.WordsField`: it says how its text becomes words) is indexed by
  grouping its words' positions per term, kept in memory as compact arrays per (field, term):
  nothing to sort but the terms, nothing spilled. The postings are then written a block at a
  time, encoded exactly as whoosh encodes them (`tests/test_search_writer.py` compares the
  files byte for byte). Past `limitmb` of such postings, or when a merge brings whoosh's own
  postings (`add_reader`), they go to whoosh's pool instead and whoosh writes everything.
- that pool spills runs in batches of postings (whoosh pickles each posting on its own), and
  writing postings asks each (document, field) length once, not once per posting.
- a segment copied into this one (`add_reader`: a merge, or a segment rewritten to drop its
  deleted documents) has its postings read a block at a time and kept as ours are, its live
  documents renumbered: they are already in order, so they need no pool either. Through
  whoosh's pool, rewriting a 5,000-story segment after a story was withdrawn took ~40 s.
"""

from __future__ import annotations

import pickle
import struct
import zlib
from array import array
from collections.abc import Iterable, Iterator
from itertools import accumulate, chain, repeat
from operator import itemgetter, mul, sub

from whoosh.codec.whoosh3 import W3LeafMatcher, W3TermInfo, W3TermsReader
from whoosh.filedb.filetables import OrderedHashReader
from whoosh.filedb.structfile import BufferFile
from whoosh.formats import Positions
from whoosh.reading import SegmentReader
from whoosh.util.numeric import length_to_byte
from whoosh.writing import PostingPool, SegmentWriter

from harvest.search.index import WordsField

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


_PACK_UINT = struct.Struct("!I").pack  # (whoosh.system.pack_uint)
_UNPACK_UINT = struct.Struct("!I").unpack_from
_DUMPS = pickle.dumps
# A block's data is pickled with protocol 3, not whoosh's 2: protocol 2 has no opcode for bytes
# and pickles each posting's value as a call to `_codecs.encode` of a str, 8x slower to write
# (and to read back) and twice the size. whoosh's reader unpickles any protocol.
_BLOCK_PROTOCOL = 3


class _Once(list):
    """The value of a word seen once in a field (`Positions.encode([position])`), by position:
    made once per position, shared by every such posting."""

    def upto(self, size: int) -> _Once:
        for position in range(len(self), size):
            self.append(_PACK_UINT(1) + _DUMPS([position], 2))
        return self


_ONCE = _Once()


def _positions_value(positions: list[int]) -> bytes:
    """`whoosh.formats.Positions.encode` of several positions: the count, then the pickled gaps."""
    return _PACK_UINT(len(positions)) + _DUMPS([positions[0], *map(sub, positions[1:], positions)], 2)


def _freqs(values) -> list[int]:
    """Each value's count of positions (its first four bytes)."""
    return list(map(itemgetter(0), map(_UNPACK_UINT, values)))


class _Other:
    """A term's postings in any other field (ids, dates): as the field's `index` gave them."""

    __slots__ = ("docs", "values", "weights")

    def __init__(self) -> None:
        self.docs = array("I")
        self.weights: list[float] = []
        self.values: list[bytes] = []

    def blocks(self, size: int, boost: float):
        for first in range(0, len(self.docs), size):
            values = [v for v in self.values[first : first + size] if v]  # (whoosh keeps no empty value)
            yield self.docs[first : first + size], self.weights[first : first + size], values

    def postings(self, boost: float):
        return zip(self.docs, self.weights, self.values, strict=True)

    def size(self) -> int:
        return 8 + 4 + 8 + 8 + 40


class Writer(SegmentWriter):
    """`ix.writer(...)` that indexes `WordsField`s itself (see the module's note), with the batched
    pool, whose postings ask each document length once."""

    def __init__(self, ix, limitmb: int = 128, wordsmb: int | None = None, **kwargs) -> None:
        """`limitmb`: whoosh's posting pool; `wordsmb` (default `limitmb`): our own postings,
        about a third of the memory for the same postings."""
        super().__init__(ix, limitmb=limitmb, **kwargs)
        self.pool = _BatchedPool(self._tempstorage, self.newsegment, limitmb=limitmb)
        self._limit = (limitmb if wordsmb is None else wordsmb) * 1024 * 1024
        self._size = 0
        self._terms: dict[str, dict] = {}  # fieldname -> {term (str, or bytes for _Other): postings}
        self._words: dict[str, dict] = {}  # the last document's words by `WordsField` (see `words`)
        # (vectors and separate spelling words: whoosh's own way, for every field)
        self._own = not any(f.vector or f.separate_spelling() for _n, f in self.schema.items())
        self._copied = False  # a segment's postings were copied in: further documents take whoosh's way

    def per_document_reader(self):
        # (whoosh asks for it only to write the postings of the new segment)
        return _LengthsOnce(super().per_document_reader())

    def add_document(self, **values) -> None:
        if not self._own or self._copied or any(name.endswith("boost") and name[0] == "_" for name in values):
            # (a boost: its words' weights are not their counts, and a term must be kept one
            # way only; Harvest's documents never have one)
            super().add_document(**values)
            return
        self._check_state()
        self._words = {}
        schema, perdocwriter, docnum = self.schema, self.perdocwriter, self.docnum
        docboost = self._doc_boost(values)
        names = sorted(name for name in values if not name.startswith("_"))
        self._check_fields(schema, names)
        perdocwriter.start_doc(docnum)
        try:
            for name in names:
                value = values[name]
                if value is None:
                    continue
                field = schema[name]
                length = 0
                if field.indexed:
                    boost = self._field_boost(values, name, docboost)
                    if isinstance(field, WordsField) and isinstance(value, str) and boost == 1.0:
                        length = self._add_words(name, field, value, docnum)
                    else:
                        length = self._add_other(name, field, value, docnum, boost)
                stored = values.get(f"_stored_{name}", value)
                perdocwriter.add_field(name, field, stored if field.stored else None, length)
                if field.column_type and stored is not None:
                    perdocwriter.add_column_value(name, field.column_type, field.to_column_value(stored))
        except Exception:
            perdocwriter.cancel_doc()
            raise
        perdocwriter.finish_doc()
        self._added = True
        self.docnum += 1
        if self._size > self._limit:
            self._to_pool()

    def _add_words(self, name: str, field: WordsField, value: str, docnum: int) -> int:
        seen: dict[str, list[int]] = {}
        words = field.words(value)
        for position, word in enumerate(words):
            found = seen.get(word)
            if found is None:
                seen[word] = [position]
            else:
                found.append(position)
        self._words[name] = seen
        terms = self._terms.get(name)
        if terms is None:
            terms = self._terms[name] = {}
        get, once = terms.get, _ONCE if len(_ONCE) >= len(words) else _ONCE.upto(len(words) + 1024)
        grown = 0
        # A term's postings: one flat list, each document's number then its value (a value made
        # now, not at the flush: a word seen once takes the value made once for its position).
        for word, positions in seen.items():
            postings = get(word)
            if postings is None:
                postings = terms[word] = []
                grown += 200  # (the term's list and its place in the dict)
            postings.append(docnum)
            if len(positions) == 1:
                postings.append(once[positions[0]])
            else:
                postings.append(_positions_value(positions))
                grown += 64  # (a value of its own)
        self._size += grown + 16 * len(seen)
        return len(words) if field.scorable else 0

    def words(self, name: str):
        """The distinct terms (`field.words`) of field `name` of the document added last, as a
        set-like view, or None when this writer did not index that field itself."""
        seen = self._words.get(name)
        return None if seen is None else seen.keys()

    def _add_other(self, name: str, field, value, docnum: int, boost: float) -> int:
        terms = self._terms.setdefault(name, {})
        length = 0
        for tbytes, freq, weight, vbytes in field.index(value):
            postings = terms.get(tbytes)
            if postings is None:
                postings = terms[tbytes] = _Other()
            postings.docs.append(docnum)
            postings.weights.append(weight * boost)
            postings.values.append(vbytes or b"")
            self._size += postings.size()
            if field.scorable:
                length += freq
        return length

    def add_reader(self, reader) -> None:
        """whoosh's `add_reader` (the documents' stored fields, lengths and columns its own way),
        with the postings copied a block at a time into this writer's own postings."""
        if not self._own or not isinstance(reader, SegmentReader):
            super().add_reader(reader)
            return
        self._check_state()
        start = self.docnum
        names = {name for name in reader.indexed_field_names() if name in self.schema}
        docmap = self.write_per_doc(set(self.schema.names()) | names, reader)  # (None: nothing deleted)
        # Equal values made one object (unpickled, each block has its own): a word seen once at
        # a given position has the same value in every story.
        shared: dict = {}
        for (name, tbytes), info in _term_items(reader):
            if name in self.schema:
                self._copy_term(_postings(reader, name, tbytes, info), name, tbytes, start, docmap, shared)
                if self._size > self._limit:
                    self._to_pool()
        self._copied = self._added = True

    def _copy_term(self, matcher, name: str, tbytes: bytes, start: int, docmap: dict | None, shared: dict) -> None:
        field = self.schema[name]
        docs: list = []
        weights: list[float] = []
        values: list = []
        known = len(shared)
        for ids, block_weights, block_values in _blocks(matcher):
            new_ids = list(map(start.__add__, ids)) if docmap is None else list(map(docmap.get, ids))
            block_values = list(map(shared.setdefault, block_values, block_values))
            if None not in new_ids:
                docs += new_ids
                weights += block_weights
                values += block_values
                continue
            for docnum, weight, value in zip(new_ids, block_weights, block_values, strict=True):
                if docnum is not None:  # (None: a deleted document)
                    docs.append(docnum)
                    weights.append(weight)
                    values.append(value)
        self._size += 64 * (len(shared) - known)
        if not docs:
            return  # every posting was a deleted document's: the term goes with them
        terms = self._terms.setdefault(name, {})
        boost = _boost(field)
        term = tbytes.decode("utf-8") if isinstance(field, WordsField) else None
        # Kept as a document's words are, when each weight is the one those would give.
        if (
            term is not None
            and tbytes not in terms
            and None not in values
            and all(map(float.__eq__, map(float, weights), map(mul, _freqs(values), repeat(boost))))
        ):
            postings = terms.get(term)
            if postings is None:
                postings = terms[term] = []
                self._size += 200
            flat = [None] * (2 * len(docs))  # (docnum, value, docnum, value, ...)
            flat[0::2], flat[1::2] = docs, values
            postings += flat
            self._size += 16 * len(docs)
            return
        other = terms.get(tbytes)
        if other is None:
            other = terms[tbytes] = _Other()
        if term is not None and term in terms:  # (that term's postings, kept as words before)
            kept = terms.pop(term)
            kept_values = kept[1::2]
            other.docs.extend(kept[0::2])
            other.weights += [freq * boost for freq in _freqs(kept_values)]
            other.values += kept_values
        other.docs.extend(docs)
        other.weights += weights
        other.values += [value or b"" for value in values]
        self._size += other.size() * len(docs)

    def _to_pool(self) -> None:
        """Hand every posting kept so far to whoosh's pool (which spills to disk as it fills)."""
        add = self.pool.add
        for name, terms in self._terms.items():
            boost = _boost(self.schema[name])
            for term, postings in terms.items():
                if isinstance(postings, list):  # a `WordsField`'s: [docnum, value, docnum, value, ...]
                    tbytes = term.encode("utf-8")
                    values = postings[1::2]
                    for docnum, freq, value in zip(postings[0::2], _freqs(values), values, strict=True):
                        add((name, tbytes, docnum, freq * boost, value))
                else:
                    for docnum, weight, value in postings.postings(boost):
                        add((name, term, docnum, weight, value))
        self._terms, self._size = {}, 0

    def _flush_segment(self) -> None:
        pool = self.pool
        if self._terms and (pool.fieldnames or pool.runs):  # a merge added whoosh's postings too
            self._to_pool()
        if not self._terms:
            super()._flush_segment()
            return
        self.perdocwriter.close()
        lengths = self.per_document_reader() if self.codec.length_stats else None
        writer = self.fieldwriter
        for name in sorted(self._terms):
            field = self.schema[name]
            boost = _boost(field)
            terms = self._terms[name]
            doc_length = None  # each document's length in this field (by docnum), read once
            if lengths is not None:
                doc_length = [lengths.doc_field_length(docnum, name) for docnum in range(self.docnum)]
            writer.start_field(name, field)
            keyed = sorted((term.encode("utf-8") if isinstance(term, str) else term, term) for term in terms)
            for tbytes, term in keyed:
                postings = terms[term]
                if isinstance(postings, list):
                    _write_words(writer, tbytes, postings, boost, doc_length)
                else:
                    writer.start_term(tbytes)
                    _write_postings(writer._postwriter, postings, boost, doc_length)
                    writer.finish_term()
            writer.finish_field()
        self._terms = {}
        writer.close()
        if lengths is not None:
            lengths.close()

    def cancel(self) -> None:
        self._terms = {}
        super().cancel()


_LENGTHS = struct.Struct("!ii")  # (whoosh.filedb.filetables._lengths: a key's and a value's length)


def _term_items(reader):
    """Every ((fieldname, term bytes), statistics) of the segment, in order. whoosh reads its
    term table a few bytes at a time, each a seek and a read of the file (~60 µs); the table is
    read here in one piece instead (a few MB at 5,000 stories)."""
    terms = reader._terms
    table = getattr(terms, "_tindex", None)
    if not isinstance(terms, W3TermsReader) or not isinstance(table, OrderedHashReader):
        yield from terms.items()
        return
    start = table.startofdata
    data = table.dbfile.get(start, table.endofdata - start)
    decode_key, decode_info = terms._keydecoder, W3TermInfo.from_bytes
    unpack, size = _LENGTHS.unpack_from, _LENGTHS.size
    position = 0
    while position < len(data):
        key_length, value_length = unpack(data, position)
        key = position + size
        value = key + key_length
        yield decode_key(data[key:value]), decode_info(data[value : value + value_length])
        position = value + value_length


def _postings(reader, name: str, tbytes: bytes, info):
    """A matcher of the term's postings (deleted documents included), read from the segment's
    file in one piece: whoosh reads each block's parts a few bytes at a time, a seek and a read
    in Python each."""
    format_ = reader.schema[name].format
    if not isinstance(info, W3TermInfo) or info.is_inlined():
        return reader._terms.matcher(name, tbytes, format_)
    offset, length = info.extent()
    if isinstance(length, tuple):  # (whoosh 2.7's `W3TermInfo.from_bytes` leaves it unpacked)
        (length,) = length
    return W3LeafMatcher(BufferFile(reader._terms._postfile.get(offset, length)), 0, length, format_)


def _blocks(matcher):
    """A term's postings, a block at a time: (document numbers, weights, values), deleted
    documents included. Any matcher but whoosh's on-disk one: a posting at a time."""
    if type(matcher) is not W3LeafMatcher or matcher._byteids:
        while matcher.is_active():
            yield [matcher.id()], [matcher.weight()], [matcher.value()]
            matcher.next()
        return
    while not matcher._atend:
        matcher._read_data()
        matcher._read_weights()
        matcher._read_values()
        # (whoosh's `_read_ids` undoes the gaps with a generator, a Python step per posting)
        yield list(accumulate(matcher._data[0])), matcher._weights, matcher._values
        matcher._next_block()


def _boost(field) -> float:
    return field.format.field_boost if isinstance(field.format, Positions) else 1.0


def _write_postings(postwriter, postings, boost: float, doc_length) -> None:
    """Fill whoosh's postings writer a block at a time, as its `add_posting` would posting by
    posting, leaving the last block for `finish_postings` (which marks it the last)."""
    size = postwriter._blocklimit
    blocks = list(postings.blocks(size, boost))
    for number, (docs, weights, values) in enumerate(blocks):
        if number:
            postwriter._write_block()
        postwriter._ids = array("I", docs)
        postwriter._weights = array("f", weights)
        postwriter._values = values
        postwriter._maxweight = max(0, *weights) if weights else 0
        if doc_length is not None:
            found = [n for n in map(doc_length.__getitem__, docs) if n]
            postwriter._minlength = min(found) if found else None
            postwriter._maxlength = max(found) if found else 0


_BLOCK_MAGIC = b"W3Bl"  # (whoosh.codec.whoosh3.WHOOSH3_HEADER_MAGIC)
_PACK_INT = struct.Struct("!i").pack  # (whoosh.system.pack_int)
_PACK_USHORT = struct.Struct("!H").pack  # (whoosh.system.pack_ushort)


def _write_words(fieldwriter, tbytes: bytes, postings: list, boost: float, doc_length) -> None:
    """One term of a `WordsField` (`postings`: docnum, value, docnum, value, ...), written as
    whoosh's `W3FieldWriter` writes a term posting by posting: blocks of `_blocklimit` postings
    (the last marked by a negative length) after a header, and the term's statistics in the term
    index. The same blocks, made from whole slices: no call per posting."""
    codec, docs, values = fieldwriter._codec, postings[0::2], postings[1::2]
    freqs, total = _freqs(values), len(docs)
    if total < codec._inlinelimit:  # (whoosh keeps such a term's postings in the term index)
        fieldwriter.start_term(tbytes)
        for docnum, freq, value in zip(docs, freqs, values, strict=True):
            length = doc_length[docnum] if doc_length is not None else None
            fieldwriter.add(docnum, freq * boost, value, length)
        fieldwriter.finish_term()
        return
    postfile, size, compression = fieldwriter._postfile, codec._blocklimit, codec._compression
    info = W3TermInfo()
    info._minid, info._maxid, info._df = docs[0], docs[-1], total
    chunks = [_BLOCK_MAGIC]
    weight_sum = 0.0
    for first in range(0, total, size):
        last = first + size >= total
        ids = docs[first : first + size]
        weights = list(map(mul, freqs[first : first + size], repeat(boost)))
        low, high = min(weights), max(weights)
        weight_sum += sum(weights)
        if high > info._maxweight:
            info._maxweight = high
        minlength, maxlength = None, 0
        if doc_length is not None:
            found = list(filter(None, map(doc_length.__getitem__, ids)))
            if found:
                minlength, maxlength = min(found), max(found)
                if info._minlength is None or minlength < info._minlength:
                    info._minlength = minlength
                if maxlength > info._maxlength:
                    info._maxlength = maxlength
        # whoosh's `_mini_ids`, `_mini_weights`, `_mini_values` (positions are not of a fixed size)
        mini_weights = None if low == high == 1.0 else low if low == high else tuple(weights)
        data = _DUMPS(
            (tuple(map(sub, ids, chain((0,), ids))), mini_weights, tuple(values[first : first + size])),
            _BLOCK_PROTOCOL,
        )
        if compression:
            data = zlib.compress(data, compression)
        head = _DUMPS((len(ids), ids[-1], high, compression, length_to_byte(minlength), length_to_byte(maxlength)), 2)
        length = len(head) + len(data)
        chunks += (_PACK_INT(-length if last else length), head, data)
    info._weight = weight_sum
    start = postfile.tell()
    postfile.write(b"".join(chunks))
    info.set_extent(start, postfile.tell() - start)
    fieldwriter._tindex.add(_PACK_USHORT(fieldwriter._fieldid) + tbytes, info.to_bytes())
