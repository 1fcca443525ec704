"""The site's search index made under `harvest serve` (search/browser.py's `BrowserMemo`) is,
after every kind of change, byte for byte what a cold build writes; what did not change is
not made again."""

from __future__ import annotations

import pytest

from harvest.search.browser import BrowserMemo, build_browser_index
from harvest.search.corpus import CorpusMemo, corpus_of
from test_related_memo import CHANGES, load


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
