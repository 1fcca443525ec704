"""One analysis pass over a published archive, shared by everything search builds.

`corpus_of(archive)` turns each story into a `SearchDocument` and its terms; the search
plugin does it once per build and keeps the result for related stories, the browser
index and the whoosh update. Postings are compact arrays, so 5,000 stories stay small.

Under `harvest serve` the plugin keeps a `CorpusMemo` between rebuilds: each story's plain
text and each document's terms, keyed by their content, and the last corpus. A rebuild then
analyses only the stories whose document changed, and patches the last postings instead of
assembling them again: for the terms those documents use when the published stories are the
same ones in the same order; else, when a few stories were added or removed, every array that
holds a document after the first one added or removed is renumbered (a document's number is its
place in the archive, newest first: a new story is often number 0). The result is the corpus a
cold `corpus_of` makes (tests/test_related_memo.py, tests/test_corpus_patch.py).
The memo only ever holds what this build published: what a story no longer published had is
dropped at the next rebuild.
"""

from __future__ import annotations

from array import array
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from harvest.core import background
from harvest.core.archive import Archive
from harvest.core.model import Story
from harvest.search.analysis import tokens
from harvest.search.documents import SearchDocument, TextMemo, document, documents

# Where a term occurs: one bit per field (the browser script uses the same bits),
# above them how often it occurs in the story's text (capped).
TITLE, SUMMARY, LESSON, CONTRIBUTOR, PLACE, EVENT, TEXT = (1 << i for i in range(7))
FIELD_BITS = 7
MAX_TF = 255
KEY_CANDIDATES = 24  # per story, its most frequent words: where key terms are chosen
PATCH_AT_MOST = 64  # documents changed since the last corpus beyond which it is assembled anew
# Fewer stories than this are analysed in one process (a fork and the results' trip back cost
# more than half of the analysis saves).
PARALLEL_AT_LEAST = 64


@dataclass
class Corpus:
    docs: list[SearchDocument]  # archive order: newest first; a doc's number is its index
    postings: dict[str, array]  # term -> [doc, code, doc, code, ...], docs ascending
    frequent: list[list[tuple[str, int]]]  # per doc: its most frequent text words with counts
    # per doc: its analysis (kept only by a CorpusMemo, to patch the postings next time)
    analyses: list[Analysis] = field(default_factory=list, repr=False)

    def document_frequency(self, term: str) -> int:
        return len(self.postings.get(term, ())) // 2


@dataclass(frozen=True, eq=False)
class Analysis:
    """One document's terms: each with its code (fields and capped count), and its most frequent words."""

    terms: tuple[str, ...]
    codes: array
    frequent: list[tuple[str, int]]


def _term_codes(doc: SearchDocument) -> tuple[dict[str, int], Counter]:
    counts = Counter(tokens(doc.body))
    text_bit, shift = TEXT, FIELD_BITS
    codes = {term: text_bit | ((count if count < MAX_TF else MAX_TF) << shift) for term, count in counts.items()}
    for bit, text in (
        (TITLE, doc.title),
        (SUMMARY, doc.summary),
        (PLACE, doc.place),
        (LESSON, " ".join(doc.lesson_titles + doc.lessons)),
        (CONTRIBUTOR, " ".join(doc.contributors)),
        (EVENT, doc.event_label),
    ):
        for term in tokens(text):
            codes[term] = codes.get(term, 0) | bit
    return codes, counts


def _frequent(counts: Counter) -> list[tuple[str, int]]:
    return [(t, c) for t, c in counts.most_common(KEY_CANDIDATES + 8) if len(t) > 2][:KEY_CANDIDATES]


def analyze(docs: Iterable[SearchDocument], start: int = 0) -> Corpus:
    """The corpus of `docs`, numbered from `start` (a part of a corpus: see `corpus_of`)."""
    postings: dict[str, array] = {}  # (arrays from the start: lists of int objects cost ~100 MB at 5,000)
    frequent = []
    kept = []
    get = postings.get
    for number, doc in enumerate(docs, start):
        kept.append(doc)
        codes, counts = _term_codes(doc)
        for term, code in codes.items():
            found = get(term)
            if found is None:
                postings[term] = array("i", (number, code))
            else:
                found.append(number)
                found.append(code)
        frequent.append(_frequent(counts))
    return Corpus(kept, postings, frequent)


def corpus_of(archive: Archive) -> Corpus:
    """Analyse a published archive: one pass, whose result the caller keeps as long as it needs.
    Many stories are shared with a second process (`core.background`): the later half's
    documents and postings are made there and continue the first half's here (the corpus
    `analyze` of all of them makes)."""
    stories = archive.stories
    if len(stories) < PARALLEL_AT_LEAST:
        return analyze(documents(archive))
    from harvest.site.front import versions_of

    versions = versions_of(archive)

    def analysed(part: Sequence[Story], start: int) -> Corpus:
        return analyze((document(archive, story, versions) for story in part), start)

    first, later = background.in_halves(stories, analysed, PARALLEL_AT_LEAST)
    return _joined(first, later)


def _joined(first: Corpus, later: Corpus) -> Corpus:
    """`later`'s documents (numbered from the end of `first`'s) after `first`'s: each array of
    `first` continues with `later`'s for the same term, and terms new in `later` come after
    the others, in the order they first occur there, as `analyze` of all of them has them."""
    postings = first.postings
    get = postings.get
    for term, more in later.postings.items():
        found = get(term)
        if found is None:
            postings[term] = more
        else:
            found.extend(more)
    return Corpus(first.docs + later.docs, postings, first.frequent + later.frequent)


class CorpusMemo:
    """What the last build's analysis made, for the next `serve` rebuild (see the module's note).
    Not for `harvest build`: one build gains nothing, and the per-document terms cost memory."""

    def __init__(self) -> None:
        self.texts: TextMemo = {}
        self.analyses: dict[SearchDocument, Analysis] = {}
        self.last: Corpus | None = None
        self.terms: dict[str, str] = {}  # one string object per term, shared by every analysis
        self.analysed = 0  # documents analysed by the last `corpus` (the others were reused)
        self.patched = False  # did the last `corpus` patch the postings of the one before?

    def corpus(self, archive: Archive) -> Corpus:
        texts: TextMemo = {}
        docs = list(documents(archive, memo=(self.texts, texts)))
        known, analyses = self.analyses, []
        kept: dict[SearchDocument, Analysis] = {}
        self.analysed = 0
        for doc in docs:
            found = kept.get(doc) or known.get(doc)
            if found is None:
                found = self._analyse(doc)
            kept[doc] = found
            analyses.append(found)
        # Only this build's published documents stay: a story withheld since is forgotten.
        self.texts, self.analyses = texts, kept
        last, self.last = self.last, None
        corpus = None
        if last is not None:
            corpus = self._patch(last, docs, analyses) or _patch_moved(last, docs, analyses)
        self.patched = corpus is not None
        if corpus is None:
            corpus = _assemble(docs, analyses)
        self.last = corpus
        self.terms = {term: term for term in corpus.postings}  # no word of a story no longer published
        return corpus

    def forget(self) -> None:
        self.__init__()  # type: ignore[misc]

    def _analyse(self, doc: SearchDocument) -> Analysis:
        self.analysed += 1
        codes, counts = _term_codes(doc)
        intern = self.terms.setdefault
        terms = tuple(intern(term, term) for term in codes)
        return Analysis(terms, array("i", codes.values()), _frequent(counts))

    def _patch(self, last: Corpus, docs: list[SearchDocument], analyses: list[Analysis]) -> Corpus | None:
        """The last corpus with the postings of changed documents replaced, when the documents
        are the same stories in the same order; else None."""
        if len(last.docs) != len(docs) or len(last.analyses) != len(analyses):
            return None
        changed = [n for n, (a, b) in enumerate(zip(last.analyses, analyses, strict=True)) if a is not b]
        if len(changed) > PATCH_AT_MOST or any(last.docs[n].id != docs[n].id for n in changed):
            return None
        postings = dict(last.postings)  # the last corpus's arrays are left as they were
        touched: dict[str, dict[int, int]] = {}  # term -> {doc: its new code}
        for number in changed:
            for term in last.analyses[number].terms:
                touched.setdefault(term, {})
            for term, code in zip(analyses[number].terms, analyses[number].codes, strict=True):
                touched.setdefault(term, {})[number] = code
        for term, new in touched.items():
            old = postings.get(term)
            values = array("i", old or ())  # a copy: C speed, whatever its length
            for number in changed:
                at = 2 * _pair_at(values, number, 0, len(values) // 2)
                here = at < len(values) and values[at] == number
                if number in new:
                    values[at : at + 2 if here else at] = array("i", (number, new[number]))
                elif here:
                    del values[at : at + 2]
            if not values:
                postings.pop(term, None)
            elif values != old:
                postings[term] = values
            # else: the very array of the last corpus stays (a story edited where this term's
            # place and count did not change): the browser index keeps its shard's bytes
            # (`BrowserMemo` tells an unchanged shard by its arrays' identity).
        frequent = [a.frequent for a in analyses]
        return Corpus(docs, postings, frequent, analyses)


def _patch_moved(last: Corpus, docs: list[SearchDocument], analyses: list[Analysis]) -> Corpus | None:
    """The last corpus with documents added, removed or changed since (at most PATCH_AT_MOST in
    all): the others keep their postings, renumbered (a document's number is its place in the
    archive), and the added and changed ones' are put in. None when there are more, or when the
    documents kept are not in the same order (a cold assembly then)."""
    if len(last.analyses) != len(last.docs):
        return None
    moves = _moves(last.analyses, analyses)
    if moves is None:
        return None
    pieces, fresh = moves
    kept = sum(hi - lo for lo, hi, _ in pieces)
    if len(last.analyses) - kept + len(fresh) > PATCH_AT_MOST:
        return None
    # From this old number on, a document moved or is gone: an array whose documents are all
    # before it is kept as it is (the very object: BrowserMemo tells an unchanged shard by it).
    first_touched = _first_touched(pieces)
    postings: dict[str, array] = {}
    made: set[str] = set()  # terms whose array is made here (the last corpus's are never changed)
    for term, values in last.postings.items():
        if values[-2] >= first_touched:
            values = _renumbered(values, pieces)
            made.add(term)
        if values:
            postings[term] = values
    for number in fresh:  # ascending: each pair goes in after those of documents before it
        for term, code in zip(analyses[number].terms, analyses[number].codes, strict=True):
            values = postings.get(term, array("i"))
            if term not in made:
                values = array("i", values)
                made.add(term)
            at = 2 * _pair_at(values, number, 0, len(values) // 2)
            values[at:at] = array("i", (number, code))
            postings[term] = values
    return Corpus(docs, postings, [a.frequent for a in analyses], analyses)


def _moves(last: list[Analysis], now: list[Analysis]) -> tuple[list[tuple[int, int, int]], list[int]] | None:
    """-> (pieces, fresh): the runs of documents in both (the very same analysis) as (first old
    number, end, shift to the new number), and the new numbers of the others (added, changed);
    None when those in both are not in the same order."""
    old_number = {id(a): n for n, a in enumerate(last)}
    pieces: list[tuple[int, int, int]] = []
    fresh: list[int] = []
    previous = -1
    for number, analysis in enumerate(now):
        old = old_number.get(id(analysis))
        if old is None or last[old] is not analysis:
            fresh.append(number)
            continue
        if old <= previous:
            return None
        previous = old
        if pieces and pieces[-1][1] == old and pieces[-1][2] == number - old:
            pieces[-1] = (pieces[-1][0], old + 1, number - old)
        else:
            pieces.append((old, old + 1, number - old))
    return pieces, fresh


def _first_touched(pieces: list[tuple[int, int, int]]) -> int:
    """The first old number that moved or is gone (the number of documents kept when none)."""
    expected = 0
    for lo, hi, shift in pieces:
        if lo != expected or shift:
            return expected
        expected = hi
    return expected


def _renumbered(values: array, pieces: list[tuple[int, int, int]]) -> array:
    """`values` ([doc, code, ...], docs ascending, in old numbers) in new numbers: each pair whose
    document is in a piece shifted by it; the pairs of documents gone left out."""
    out = array("i")
    count = len(values) // 2
    at = 0  # a pair's index
    for lo, hi, shift in pieces:
        if at >= count:
            break
        start = _pair_at(values, lo, at, count)
        end = _pair_at(values, hi, start, count)
        if start < end:
            part = values[2 * start : 2 * end]
            if shift:
                part[0::2] = array("i", [doc + shift for doc in part[0::2]])
            out.extend(part)
        at = end
    return out


def _pair_at(values: array, number: int, lo: int, hi: int) -> int:
    """The index of the first pair among pairs lo..hi-1 of `values` whose document is >= number."""
    while lo < hi:
        mid = (lo + hi) // 2
        if values[2 * mid] < number:
            lo = mid + 1
        else:
            hi = mid
    return lo


def _assemble(docs: list[SearchDocument], analyses: list[Analysis]) -> Corpus:
    postings: dict[str, array] = {}
    get = postings.get
    for number, analysis in enumerate(analyses):
        for term, code in zip(analysis.terms, analysis.codes, strict=True):
            found = get(term)
            if found is None:
                postings[term] = array("i", (number, code))
            else:
                found.append(number)
                found.append(code)
    return Corpus(docs, postings, [a.frequent for a in analyses], analyses)
