"""`harvest serve`'s rebuilds and Python's cycle collector (`site.rebuilds`): one full collection
when a rebuild starts, none during it, Python's own settings again when it ends, failed or not."""

from __future__ import annotations

import gc
import weakref
from pathlib import Path

import pytest
from mkdocs.exceptions import Abort

from conftest import copy_project
from harvest.site.rebuilds import NO_FULL_COLLECTION, RebuildCollector
from test_page_cache import serve_build

ENV = {"HARVEST_TODAY": "2026-11-21", "SOURCE_DATE_EPOCH": "1795000000"}
PYTHONS = (700, 10, 10)  # Python's defaults, set by each test (another test may have changed them)


class Ring:
    """Garbage only the cycle collector frees: it refers to itself."""

    def __init__(self) -> None:
        self.me = self


@pytest.fixture
def collector_off():
    """No automatic collection during the test: whatever is collected, a test's code collected it."""
    saved, enabled = gc.get_threshold(), gc.isenabled()
    gc.set_threshold(*PYTHONS)
    gc.disable()
    yield
    gc.set_threshold(*saved)
    if enabled:
        gc.enable()


def ring() -> weakref.ref:
    return weakref.ref(Ring())  # (the ring itself is garbage at once)


def test_the_first_build_is_left_to_python(collector_off):
    collector, garbage = RebuildCollector(), ring()
    collector.build_starts()
    assert gc.get_threshold() == PYTHONS
    assert garbage() is not None  # not collected: the first build starts with nothing to collect
    collector.build_ends()
    assert gc.get_threshold() == PYTHONS


def test_a_rebuild_collects_first_then_no_full_collection_until_it_ends(collector_off):
    collector = RebuildCollector()
    collector.build_starts()
    collector.build_ends()
    garbage = ring()
    collector.build_starts()
    assert garbage() is None
    assert gc.get_threshold() == (700, 10, NO_FULL_COLLECTION)
    collector.build_ends()
    assert gc.get_threshold() == PYTHONS
    collector.build_ends()  # twice: nothing more
    assert gc.get_threshold() == PYTHONS


def test_a_build_that_never_said_it_ended_leaves_pythons_settings_behind(collector_off):
    collector = RebuildCollector()
    for _ in range(3):
        collector.build_starts()  # (the 2nd and 3rd are rebuilds; neither said it ended)
    assert gc.get_threshold() == (700, 10, NO_FULL_COLLECTION)
    collector.build_ends()
    assert gc.get_threshold() == PYTHONS  # not the raised setting the 3rd found


# --- in serve's rebuilds ------------------------------------------------------------------------


@pytest.fixture
def project(tmp_path, monkeypatch) -> Path:
    for key, value in ENV.items():
        monkeypatch.setenv(key, value)
    return copy_project(tmp_path / "archive")


def first_page(config) -> weakref.ref:
    """A page of that build: MkDocs' pages and files refer to each other (a cycle)."""
    page = next(f.page for f in config.plugins["harvest"].files if f.page is not None)
    return weakref.ref(page)


def test_serve_rebuild_starts_without_the_last_builds_pages(project, tmp_path, collector_off, monkeypatch):
    site = tmp_path / "site"
    last_page = first_page(serve_build(project, site, dirty=True, startup=True))
    assert last_page() is not None  # the collector is off: a cycle outlives its build
    assert gc.get_threshold() == PYTHONS
    raised: list[tuple] = []
    set_threshold = gc.set_threshold

    def noted(*values: int) -> None:
        raised.append((values, last_page() is None))
        set_threshold(*values)

    monkeypatch.setattr(gc, "set_threshold", noted)
    config = serve_build(project, site, dirty=True)
    # Raised once the last build's pages were collected (its plugin state let go in on_config),
    # then Python's own settings again.
    assert raised == [((700, 10, NO_FULL_COLLECTION), True), (PYTHONS, True)]
    assert gc.get_threshold() == PYTHONS
    assert (site / "index.html").is_file() and config.plugins["harvest"].files is not None


def test_a_failed_rebuild_gives_python_its_settings_back(project, tmp_path, collector_off, caplog):
    site = tmp_path / "site"
    serve_build(project, site, dirty=True, startup=True)
    story = project / "stories/2025/winter-soup-line.md"
    story.write_text(story.read_text("utf-8").replace("title:", "titel: Typo\ntitle:", 1), "utf-8")
    with pytest.raises(Abort):
        serve_build(project, site, dirty=True)
    assert "titel: unknown field" in caplog.text
    assert gc.get_threshold() == PYTHONS
