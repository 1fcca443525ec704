"""One analysis pass over a published archive, shared by everything search builds.

`corpus_of(archive)` turns each story into a `SearchDocument` and its terms; the search
plugin does it once per build and keeps the result for related stories, the browser
index and the whoosh update. Postings are compact arrays, so 5,000 stories stay small.

Under `harvest serve` the plugin keeps a `CorpusMemo` between rebuilds: each story's plain
text and each document's terms, keyed by their content, and the last corpus. A rebuild then
analyses only the stories whose document changed, and when the published stories are the same
ones in the same order, patches the last postings for the terms those documents use instead of
assembling them again. The result is the corpus a cold `corpus_of` makes (tests/test_related_memo.py).
The memo only ever holds what this build published: what a story no longer published had is
dropped at the next rebuild.
"""

from __future__ import annotations

from array import array
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from harvest.core.archive import Archive
from harvest.search.analysis import tokens
from harvest.search.documents import SearchDocument, TextMemo, documents

# Where a term occurs: one bit per field (the browser script uses the same bits),
# above them how often it occurs in the story's text (capped).
TITLE, SUMMARY, LESSON, CONTRIBUTOR, PLACE, EVENT, TEXT = (1 << i for i in range(7))
FIELD_BITS = 7
MAX_TF = 255
KEY_CANDIDATES = 24  # per story, its most frequent words: where key terms are chosen
PATCH_AT_MOST = 64  # documents changed since the last corpus beyond which it is assembled anew


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


def analyze(docs: Iterable[SearchDocument]) -> Corpus:
    postings: dict[str, array] = {}  # (arrays from the start: lists of int objects cost ~100 MB at 5,000)
    frequent = []
    kept = []
    get = postings.get
    for number, doc in enumerate(docs):
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
    """Analyse a published archive: one pass, whose result the caller keeps as long as it needs."""
    return analyze(documents(archive))


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
        corpus = self._patch(last, docs, analyses) if last is not None else None
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
            values = array("i", postings.get(term, ()))  # a copy: C speed, whatever its length
            for number in changed:
                lo, hi = 0, len(values) // 2  # binary search over the pairs' doc numbers
                while lo < hi:
                    mid = (lo + hi) // 2
                    if values[2 * mid] < number:
                        lo = mid + 1
                    else:
                        hi = mid
                at = 2 * lo
                here = at < len(values) and values[at] == number
                if number in new:
                    values[at : at + 2 if here else at] = array("i", (number, new[number]))
                elif here:
                    del values[at : at + 2]
            if values:
                postings[term] = values
            else:
                postings.pop(term, None)
        frequent = [a.frequent for a in analyses]
        return Corpus(docs, postings, frequent, analyses)


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
