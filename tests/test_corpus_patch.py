"""`harvest serve`'s corpus after stories are added, removed or changed (search/corpus.py,
`_patch_moved`): the last postings renumbered and patched are exactly the postings assembled
anew, and an array no change reaches is kept as the very same object."""

from __future__ import annotations

from array import array

import pytest

from harvest.search.corpus import PATCH_AT_MOST, Analysis, _assemble, _patch_moved


def analysis(*terms: str) -> Analysis:
    """A document's analysis: each term with a code of its own (its length), no frequent words."""
    return Analysis(tuple(terms), array("i", [len(t) for t in terms]), [])


A = analysis("flood", "drill", "pumps")
B = analysis("flood", "soup")
C = analysis("soup", "bread", "drill")
D = analysis("heat", "water")
E = analysis("water", "flood", "bread")
NEW = analysis("flood", "sandbags")
OTHER_NEW = analysis("soup", "quokka")
EDITED_B = analysis("flood", "soup", "kitchen")
LAST = [A, B, C, D, E]

CHANGES = [
    ("a story added first (the newest)", [NEW, A, B, C, D, E]),
    ("a story added in the middle", [A, B, NEW, C, D, E]),
    ("a story added last (the oldest)", [A, B, C, D, E, NEW]),
    ("the first story removed", [B, C, D, E]),
    ("a story in the middle removed", [A, B, D, E]),
    ("the last story removed", [A, B, C, D]),
    ("the only story with a word removed", [A, B, C, E]),
    ("a story edited", [A, EDITED_B, C, D, E]),
    ("one added, another removed", [A, NEW, B, C, E]),
    ("two added apart, one removed", [NEW, A, C, D, OTHER_NEW, E]),
    ("all but one removed", [C]),
    ("two added that share words", [NEW, A, B, C, D, E, analysis("flood", "sandbags", "levee")]),
]


@pytest.mark.parametrize(("why", "now"), CHANGES, ids=[c[0] for c in CHANGES])
def test_patched_postings_are_the_assembled_ones(why, now):
    last = _assemble([f"doc{n}" for n in range(len(LAST))], LAST)  # type: ignore[list-item]
    docs = [f"new{n}" for n in range(len(now))]
    patched = _patch_moved(last, docs, now)  # type: ignore[arg-type]
    assert patched is not None
    cold = _assemble(docs, now)  # type: ignore[arg-type]
    assert patched.postings == cold.postings
    assert sorted(patched.postings) == sorted(cold.postings)  # (no term left behind with no pair)
    assert patched.docs == docs and patched.analyses == now


def test_by_hand_a_story_added_first():
    last = _assemble(["a", "b", "c"], [A, B, C])  # type: ignore[list-item]
    patched = _patch_moved(last, ["new", "a", "b", "c"], [NEW, A, B, C])  # type: ignore[list-item]
    assert patched is not None
    # [doc, code, ...]: every document one further; the new one first
    assert patched.postings["flood"].tolist() == [0, 5, 1, 5, 2, 5]
    assert patched.postings["sandbags"].tolist() == [0, 8]
    assert patched.postings["soup"].tolist() == [2, 4, 3, 4]
    assert patched.postings["drill"].tolist() == [1, 5, 3, 5]


def test_by_hand_a_story_removed():
    last = _assemble(["a", "b", "c"], [A, B, C])  # type: ignore[list-item]
    patched = _patch_moved(last, ["a", "c"], [A, C])  # type: ignore[list-item]
    assert patched is not None
    assert patched.postings["soup"].tolist() == [1, 4]
    assert patched.postings["flood"].tolist() == [0, 5]
    assert "pumps" in patched.postings and patched.postings["bread"].tolist() == [1, 5]


def test_arrays_no_change_reaches_are_kept():
    last = _assemble([f"doc{n}" for n in range(5)], LAST)  # type: ignore[list-item]
    patched = _patch_moved(last, [f"doc{n}" for n in range(6)], [*LAST, NEW])  # type: ignore[list-item]
    assert patched is not None
    for term in ("pumps", "heat", "bread", "water", "soup", "drill"):  # not in NEW, no document moved
        assert patched.postings[term] is last.postings[term]
    assert patched.postings["flood"] is not last.postings["flood"]
    assert last.postings["flood"].tolist() == [0, 5, 1, 5, 4, 5]  # the last corpus's arrays as they were


def test_documents_kept_in_another_order_are_assembled_anew():
    last = _assemble([f"doc{n}" for n in range(5)], LAST)  # type: ignore[list-item]
    assert _patch_moved(last, [f"doc{n}" for n in range(5)], [A, C, B, D, E]) is None  # type: ignore[arg-type]


def test_too_many_changes_are_assembled_anew():
    many = [analysis(f"word{n}") for n in range(PATCH_AT_MOST + 1)]
    last = _assemble(["a"], [A])  # type: ignore[list-item]
    assert _patch_moved(last, ["a", *map(str, range(len(many)))], [A, *many]) is None  # type: ignore[arg-type]
    assert _patch_moved(last, ["a", *map(str, range(len(many) - 1))], [A, *many[1:]]) is not None  # type: ignore[arg-type]
