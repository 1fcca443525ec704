"""The site's search index made under `harvest serve` (search/browser.py's `BrowserMemo`) is,
after every kind of change, byte for byte what a cold build writes; what did not change is
not made again."""

from __future__ import annotations

import pytest

from harvest.search.browser import BrowserMemo, build_browser_index
from harvest.search.corpus import CorpusMemo, corpus_of
from test_related_memo import CHANGES, FLOOD_ID, load


def urls_of(archive) -> dict[str, str]:
    return {story.id: story.path.removesuffix(".md") + "/" for story in archive.stories}


def cold(archive) -> dict[str, bytes]:
    return build_browser_index(corpus_of(archive), urls_of(archive), "Harvest")


@pytest.mark.parametrize("change", list(CHANGES))
def test_serve_index_equals_a_cold_one(project, change):
    corpus_memo, memo = CorpusMemo(), BrowserMemo()

    def served():
        archive = load(project)
        return archive, build_browser_index(corpus_memo.corpus(archive), urls_of(archive), "Harvest", memo)

    archive, first = served()
    assert first == cold(archive)
    archive, again = served()  # nothing changed: every file is the one made before
    assert again == first
    assert all(again[name] is first[name] for name in first if name != "manifest.js")
    CHANGES[change](project)
    archive, changed = served()
    assert changed == cold(archive)


@pytest.mark.parametrize(
    ("pairs", "delta"),
    [
        ([], []),
        ([5, 9], [5, 9]),  # one document: its number as it is
        ([0, 1, 3, 2, 10, 7], [0, 1, 3, 2, 7, 7]),  # documents 0, 3, 10: gaps 3 and 7; codes kept
        ([2, 1, 3, 1, 4, 1, 9, 1], [2, 1, 1, 1, 1, 1, 5, 1]),
    ],
)
def test_a_term_shard_stores_gaps_between_documents(pairs, delta):
    from array import array

    from harvest.search.browser import _delta

    assert _delta(array("i", pairs)) == delta


@pytest.mark.parametrize(("change", "new_term"), [("edit text", "quokka"), ("change lessons", "resources")])
def test_an_edit_keeps_the_arrays_of_the_terms_it_did_not_change(project, change, new_term):
    """A term whose postings an edit left as they were keeps the very array of the last corpus,
    so the browser index's shards of those terms are not made again (`_same_arrays`)."""
    memo = CorpusMemo()
    before = memo.corpus(load(project))
    CHANGES[change](project)
    after = memo.corpus(load(project))
    assert memo.patched and memo.analysed == 1
    changed = {
        term
        for term in before.postings.keys() | after.postings.keys()
        if before.postings.get(term) != after.postings.get(term)
    }
    assert new_term in changed
    edited = next(n for n, doc in enumerate(after.docs) if doc.id == FLOOD_ID)
    untouched = set(after.analyses[edited].terms) - changed  # the edited story's words still placed as they were
    assert len(untouched) > 20
    assert all(after.postings[term] is before.postings[term] for term in after.postings.keys() - changed)
