"""`harvest serve`'s rebuilds and Python's cycle collector (`site.rebuilds`): one full collection
when a rebuild starts, none made by Python itself from the first rebuild until serve stops, and
Python's own settings again then."""

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
    collector.release()
    assert gc.get_threshold() == PYTHONS


def test_each_rebuild_collects_first_and_python_makes_no_full_collection_until_release(collector_off):
    collector = RebuildCollector()
    collector.build_starts()
    for _ in range(2):
        garbage = ring()
        collector.build_starts()
        assert garbage() is None
        assert gc.get_threshold() == (700, 10, NO_FULL_COLLECTION)  # (between rebuilds too)
    collector.release()
    assert gc.get_threshold() == PYTHONS  # not the raised setting the second rebuild found
    collector.release()  # twice: nothing more
    assert gc.get_threshold() == PYTHONS


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


def test_serve_rebuild_starts_without_the_last_builds_pages(project, tmp_path, collector_off, monkeypatch, caplog):
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
    # (its plugin state let go in on_config, the last build's pages are collected, then the
    # threshold is raised; a failed rebuild changes nothing to that)
    story = project / "stories/2025/winter-soup-line.md"
    story.write_text(story.read_text("utf-8").replace("title:", "titel: Typo\ntitle:", 1), "utf-8")
    with pytest.raises(Abort):
        serve_build(project, site, dirty=True)
    assert "titel: unknown field" in caplog.text
    assert raised == [((700, 10, NO_FULL_COLLECTION), True)]
    story.write_text(story.read_text("utf-8").replace("titel: Typo\n", "", 1), "utf-8")
    config = serve_build(project, site, dirty=True)
    assert raised == [((700, 10, NO_FULL_COLLECTION), True)] and gc.get_threshold() == (700, 10, NO_FULL_COLLECTION)
    assert (site / "index.html").is_file()
    config.plugins.on_shutdown()  # serve stops
    assert raised[1:] == [(PYTHONS, True)] and gc.get_threshold() == PYTHONS
