"""Under `serve`, the terminal index is updated once the build is over, in a thread of its own
(`search.later`): the browsers reload without waiting for it, and nothing is lost by it."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import pytest

from conftest import copy_project, run_harvest
from harvest.search import plugin as search_plugin
from harvest.search.later import AfterBuild
from test_page_cache import serve_build

ENV = {"HARVEST_TODAY": "2026-11-21", "SOURCE_DATE_EPOCH": "1795000000"}
SOUP = "stories/2025/winter-soup-line.md"


# --- the thread ------------------------------------------------------------------------------------


def test_updates_run_one_after_another_outside_the_caller():
    after, events = AfterBuild(), []
    gate = threading.Event()

    def first():
        events.append(("first starts", threading.current_thread().name))
        gate.wait(10)
        events.append(("first ends", None))

    after.start(first)
    assert after.running
    after.start(lambda: events.append(("second", None)))  # returns at once: it waits in its own thread
    time.sleep(0.2)
    assert events == [("first starts", "harvest-index-update")]  # the second waits for the first
    gate.set()
    after.wait()
    assert events == [("first starts", "harvest-index-update"), ("first ends", None), ("second", None)]
    assert not after.running
    after.wait()  # nothing left: returns at once


def test_an_update_still_waiting_gives_way_to_a_newer_one():
    """Three builds end while the first's update runs: the second's, made stale by the third's
    (which covers everything it would do), is dropped; the first and the third run."""
    after, done = AfterBuild(), []
    gate = threading.Event()
    after.start(lambda: (gate.wait(10), done.append("first")))
    after.start(lambda: done.append("second"))
    after.start(lambda: done.append("third"))
    gate.set()
    after.wait()
    assert done == ["first", "third"]
    after.start(lambda: done.append("fourth"))  # nothing waiting: it runs
    after.wait()
    assert done == ["first", "third", "fourth"]


def test_the_thread_is_not_a_daemon():
    """A `serve` stopped during an update finishes it before the process exits."""
    after, seen = AfterBuild(), []
    after.start(lambda: seen.append(threading.current_thread().daemon))
    after.wait()
    assert seen == [False]


# --- serve builds ------------------------------------------------------------------------------------


def _serve_build(project: Path, site: Path, startup: bool = False):
    """One build as `harvest serve` runs it; -> its harvest-search plugin."""
    return serve_build(project, site, dirty=True, startup=startup).plugins["harvest-search"]


def _index_bytes(project: Path) -> bytes:
    folder = project / ".harvest" / "index" / "public"
    return b"".join(p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()).lower()


@pytest.fixture
def project(tmp_path, monkeypatch):
    for key, value in ENV.items():
        monkeypatch.setenv(key, value)
    project = copy_project(tmp_path / "archive")
    assert run_harvest("index", cwd=project, env=ENV).returncode == 0  # `whoosh: auto` updates it
    return project


def test_serve_build_ends_before_the_index_update(project, tmp_path, monkeypatch):
    gate, real = threading.Event(), search_plugin._update_terminal_index
    monkeypatch.setattr(search_plugin, "_update_terminal_index", lambda *a: (gate.wait(30), real(*a))[1])
    story = project / "stories" / "2026" / "flood-drill.md"
    story.write_text(story.read_text().replace("boathouse", "harbourmaster's boathouse"))
    plugin = _serve_build(project, tmp_path / "served", startup=True)
    try:
        assert plugin.after_build.running  # the build is over; its index update waits for the gate
        assert (tmp_path / "served" / "2026" / "flood-drill" / "index.html").is_file()
        assert b"harbourmaster" not in _index_bytes(project)
    finally:
        gate.set()
        plugin.wait_for_index()
    assert b"harbourmaster" in _index_bytes(project)
    found = run_harvest("search", "--no-update", "--json", "harbourmaster", cwd=project, env=ENV)
    assert '"id": "2026-03-flood-drill"' in found.stdout


def test_a_story_removed_under_serve_leaves_the_index(project, tmp_path):
    site = tmp_path / "served"
    plugin = _serve_build(project, site, startup=True)
    plugin.wait_for_index()
    assert b"chickpea" in _index_bytes(project)  # the probe: a word only the soup line's story has
    (project / SOUP).unlink()
    plugin = _serve_build(project, site)
    plugin.on_shutdown()  # as when `serve` stops: the update is finished first
    assert not plugin.after_build.running
    assert b"chickpea" not in _index_bytes(project)
    result = run_harvest("search", "--json", "soup", cwd=project, env=ENV)
    assert "updating the search index first" not in result.stderr  # it is current
    assert "2025-02-winter-soup-line" not in result.stdout


def test_a_failed_update_is_told_without_failing_the_next_build(project, tmp_path, monkeypatch, capsys):
    from harvest.core.problems import HarvestError, Problem

    def refuse(*args):
        time.sleep(0.2)
        raise HarvestError(
            [Problem(".harvest/index/public", None, "index", "another harvest command is updating this index", "wait")]
        )

    monkeypatch.setattr(search_plugin, "_update_terminal_index", refuse)
    plugin = _serve_build(project, tmp_path / "served", startup=True)
    plugin.wait_for_index()
    assert "the terminal search index was not updated" in capsys.readouterr().err
    monkeypatch.undo()
    for key, value in ENV.items():
        monkeypatch.setenv(key, value)
    story = project / "stories" / "2026" / "flood-drill.md"
    story.write_text(story.read_text().replace("boathouse", "harbourmaster's boathouse"))
    plugin = _serve_build(project, tmp_path / "served")  # the next build, and its update, go on
    plugin.wait_for_index()
    assert "search index updated: 0 added, 1 changed" in capsys.readouterr().err
    assert b"harbourmaster" in _index_bytes(project)


def test_build_still_updates_the_index_before_it_ends(project):
    """`harvest build` is one process: its update is part of it, as before."""
    (project / SOUP).unlink()
    result = run_harvest("build", cwd=project, env=ENV)
    assert result.returncode == 0, result.stderr
    assert "1 removed" in result.stderr
    assert b"chickpea" not in _index_bytes(project)


def _watch_pages(monkeypatch, also=None) -> list:
    """What the search plugin holds while each page renders: (its corpus, the documents kept for
    the terminal index, the ids of those left out)."""
    from harvest.site.plugin import HarvestPlugin

    seen, real = [], HarvestPlugin.on_page_context

    def on_page_context(self, context, *, page, config, nav):
        search = config.plugins["harvest-search"]
        seen.append((search.corpus, [d.id for d in search.index_docs or ()], sorted(search.index_same or ())))
        if also is not None:
            also()
        return real(self, context, page=page, config=config, nav=nav)

    monkeypatch.setattr(HarvestPlugin, "on_page_context", on_page_context)
    return seen


def _one_build(project: Path, site: Path) -> None:
    """A build as `harvest build` runs it (MkDocs keeps plugins that have `on_startup` from one
    config to the next in a process: an earlier test's serve build would otherwise still be on)."""
    from mkdocs.commands.build import build

    from harvest.site.project import load_mkdocs_config

    config = load_mkdocs_config(project / "mkdocs.yml", site_dir=str(site))
    config.plugins.on_startup(command="build", dirty=False)
    build(config)


def _manifest(project: Path) -> dict:
    return json.loads((project / ".harvest" / "index" / "public" / "harvest-manifest.json").read_text())


def test_pages_render_with_only_the_changed_documents(project, tmp_path, monkeypatch):
    """Related stories and the browser index are made in `on_files`: the corpus is let go before
    the pages render (the build's peak at 5,000 stories), and of the documents only those the
    terminal index does not hold as they are stay for its update after the build."""
    seen = _watch_pages(monkeypatch)
    story = project / "stories" / "2026" / "flood-drill.md"
    story.write_text(story.read_text().replace("boathouse", "harbourmaster's boathouse"))
    indexed = _manifest(project)["documents"]
    _one_build(project, tmp_path / "site")
    assert seen
    corpus, kept, left_out = seen[0]
    assert corpus is None
    assert kept == ["2026-03-flood-drill"]
    assert left_out == sorted(set(indexed) - {"2026-03-flood-drill"})
    assert all(entry == seen[0] for entry in seen)
    assert b"harbourmaster" in _index_bytes(project)
    after = _manifest(project)["documents"]
    assert after.keys() == indexed.keys()
    assert after["2026-03-flood-drill"][0] != indexed["2026-03-flood-drill"][0]
    assert {k: v for k, v in after.items() if k != "2026-03-flood-drill"} == {
        k: v for k, v in indexed.items() if k != "2026-03-flood-drill"
    }


def test_an_index_changed_during_the_build_is_updated_from_every_document(project, tmp_path, monkeypatch):
    """Another `harvest index` may write the index while the pages render: what it holds is
    checked again before the update, and when a document left out is no longer as it was, every
    document is made again (never an entry kept that no longer says what is indexed)."""
    manifest_file = project / ".harvest" / "index" / "public" / "harvest-manifest.json"
    truth = _manifest(project)["documents"]
    other = sorted(truth)[0]

    def meddle():
        data = json.loads(manifest_file.read_text())
        if data["documents"][other][0] != "changed meanwhile":
            data["documents"][other][0] = "changed meanwhile"
            manifest_file.write_text(json.dumps(data))

    seen = _watch_pages(monkeypatch, also=meddle)
    _one_build(project, tmp_path / "site")
    assert seen and seen[0][1] == []  # nothing changed when the pages started
    assert _manifest(project)["documents"] == truth


def test_a_damaged_index_is_made_again_from_every_document(project, tmp_path):
    """The manifest says every document is indexed, but the index itself is gone: the update
    cannot keep them (it needs them all), so every document is made again and indexed."""
    folder = project / ".harvest" / "index" / "public"
    truth = _manifest(project)["documents"]
    for part in folder.iterdir():
        if part.suffix in (".seg", ".toc"):
            part.unlink()
    _one_build(project, tmp_path / "site")
    assert _manifest(project)["documents"] == truth
    result = run_harvest("search", "--no-update", "--json", "soup", cwd=project, env=ENV)
    assert result.returncode == 0, result.stderr
    assert '"id": "2025-02-winter-soup-line"' in result.stdout
