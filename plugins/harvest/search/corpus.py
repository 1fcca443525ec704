"""One analysis pass over a published archive, shared by everything search builds.

`corpus_of(archive)` turns each story into a `SearchDocument` and its terms; the search
plugin does it once per build and keeps the result for related stories, the browser
index and the whoosh update. Postings are compact arrays, so 5,000 stories stay small.
"""

from __future__ import annotations

from array import array
from collections import Counter
from dataclasses import dataclass

from harvest.core.archive import Archive
from harvest.search.analysis import tokens
from harvest.search.documents import SearchDocument, documents

# Where a term occurs: one bit per field (the browser script uses the same bits),
# above them how often it occurs in the story's text (capped).
TITLE, SUMMARY, LESSON, CONTRIBUTOR, PLACE, EVENT, TEXT = (1 << i for i in range(7))
FIELD_BITS = 7
MAX_TF = 255
KEY_CANDIDATES = 24  # per story, its most frequent words: where key terms are chosen


@dataclass
class Corpus:
    docs: list[SearchDocument]  # archive order: newest first; a doc's number is its index
    postings: dict[str, array]  # term -> [doc, code, doc, code, ...], docs ascending
    frequent: list[list[tuple[str, int]]]  # per doc: its most frequent text words with counts

    def document_frequency(self, term: str) -> int:
        return len(self.postings.get(term, ())) // 2


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


def analyze(docs) -> Corpus:
    postings: dict[str, array] = {}
    frequent = []
    kept = []
    for number, doc in enumerate(docs):
        kept.append(doc)
        codes, counts = _term_codes(doc)
        for term, code in codes.items():
            found = postings.get(term)
            if found is None:
                postings[term] = array("i", (number, code))
            else:
                found.append(number)
                found.append(code)
        frequent.append([(t, c) for t, c in counts.most_common(KEY_CANDIDATES + 8) if len(t) > 2][:KEY_CANDIDATES])
    return Corpus(kept, postings, frequent)


def corpus_of(archive: Archive) -> Corpus:
    """Analyse a published archive: one pass, whose result the caller keeps as long as it needs."""
    return analyze(documents(archive))
