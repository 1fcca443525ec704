"""`harvest serve`'s quick page (site/quick.py): a story whose text alone was edited is rendered
at once from the last build, and is what the full rebuild then writes, byte for byte. Any other
change gives no quick page. Then the real server: the quick page is served during the rebuild,
and the browsers' reload poll never loops."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from conftest import copy_project, edit
from harvest.site import quick

ENV = {"HARVEST_TODAY": "2026-11-21", "SOURCE_DATE_EPOCH": "1795000000"}
SERVE_URL = "http://127.0.0.1:8000/"
FLOOD = "stories/2026/flood-drill.md"
KESTREL = "stories/2025/tenant-assembly-kestrel-row.md"
FLOOD_PAGE = "2026/flood-drill/index.html"
KESTREL_PAGE = "2025/tenant-assembly-kestrel-row/index.html"


def serve_build(project: Path, site: Path, startup: bool = False) -> None:
    """One build as `harvest serve` runs it (plugins kept between rebuilds, dirty builds)."""
    from mkdocs.commands.build import build

    from harvest.site.project import load_mkdocs_config

    config = load_mkdocs_config(project / "mkdocs.yml", site_dir=str(site))
    config.site_url = SERVE_URL
    if startup:
        config.plugins.on_startup(command="serve", dirty=True)
    build(config, serve_url=SERVE_URL, dirty=True)


@pytest.fixture
def served(tmp_path, monkeypatch):
    """A copy of the sample archive after one serve build: (project, site)."""
    for key, value in ENV.items():
        monkeypatch.setenv(key, value)
    project = copy_project(tmp_path / "archive")
    site = tmp_path / "served"
    quick.arm(None)
    serve_build(project, site, startup=True)
    yield project, site
    quick.arm(None)


def quick_pages() -> dict[str, bytes] | None:
    state = quick.take()
    assert state is not None, "a successful serve build leaves its objects for a quick page"
    return state.pages()


# (change, the quick pages expected, a text each must show, a text none may show)
TEXT_EDITS = {
    "a sentence added": (
        lambda p: edit(p, FLOOD, "Saltwick Yards sits below", "Saltwick Yards, QUICKWORD, sits below"),
        {FLOOD_PAGE},
        "QUICKWORD",
        None,
    ),
    "a passage redacted": (
        lambda p: edit(p, FLOOD, "Saltwick Yards sits below", "[[redact]]Saltwick Yards sits below[[/redact]]"),
        {FLOOD_PAGE},
        "harvest-withheld",
        "Saltwick Yards sits below",
    ),
    # Punctuation only: the same words, so the related stories stay the same (a change of words
    # may change them, and then the server reloads the browsers again: test_the_end_of_a_rebuild).
    "two stories, and an editor's swap file": (
        lambda p: (
            edit(p, FLOOD, "In March we ran", "In March, we ran"),
            edit(p, KESTREL, "in early March:", "in early March;"),
            (p / "stories/2026/.flood-drill.md.swp").write_bytes(b"\0swap"),
        ),
        {FLOOD_PAGE, KESTREL_PAGE},
        "In March, we ran",
        None,
    ),
}


@pytest.mark.parametrize("name", list(TEXT_EDITS))
def test_a_quick_page_is_what_the_rebuild_writes(served, name):
    project, site = served
    change, expected, shown, hidden = TEXT_EDITS[name]
    change(project)
    pages = quick_pages()
    assert pages is not None and set(pages) == expected
    assert shown.encode() in pages[FLOOD_PAGE]
    serve_build(project, site)
    for path, body in pages.items():
        assert body == (site / path).read_bytes(), path
    if hidden is not None:
        assert hidden.encode() not in pages[FLOOD_PAGE]
        assert hidden.encode() not in (site / FLOOD_PAGE).read_bytes()


def _symlinked(project: Path) -> None:
    elsewhere = project.parent / "elsewhere.md"
    shutil.copy(project / FLOOD, elsewhere)
    edit(project.parent, "elsewhere.md", "Saltwick Yards sits below", "Saltwick Yards sits well below")
    (project / FLOOD).unlink()
    (project / FLOOD).symlink_to(elsewhere)


NOT_QUICK = {
    "nothing changed": lambda p: None,
    "made private": lambda p: edit(p, FLOOD, "\ntitle:", "\nvisibility: private\ntitle:"),
    "title changed": lambda p: edit(p, FLOOD, "drill went sideways", "drill went very sideways"),
    "lessons changed": lambda p: edit(p, FLOOD, "\nlessons: [", "\nlessons: [mutual-care, "),
    "an unknown field": lambda p: edit(p, FLOOD, "\ntitle:", "\ntitel: typo\ntitle:"),
    "a near-miss of the redaction markup": lambda p: edit(
        p, FLOOD, "Saltwick Yards sits below", "[[redcat]]Saltwick Yards sits below"
    ),
    "text edited and contributors.yml changed": lambda p: (
        edit(p, FLOOD, "Saltwick Yards sits below", "Saltwick Yards sits well below"),
        (p / "stories/contributors.yml").write_text(
            (p / "stories/contributors.yml").read_text("utf-8") + "\n", "utf-8"
        ),
    ),
    "text edited and a story added": lambda p: (
        edit(p, FLOOD, "Saltwick Yards sits below", "Saltwick Yards sits well below"),
        shutil.copy(p / FLOOD, p / "stories/2026/flood-drill-copy.md"),
    ),
    "text edited and a story removed": lambda p: (
        edit(p, FLOOD, "Saltwick Yards sits below", "Saltwick Yards sits well below"),
        (p / KESTREL).unlink(),
    ),
    "a withheld story's text": lambda p: edit(p, "stories/2026/taller-interpretacion.md", "\n## ", "\nMore.\n\n## "),
    "replaced by a link to a file elsewhere": _symlinked,
}


@pytest.mark.parametrize("name", list(NOT_QUICK))
def test_any_other_change_gives_no_quick_page(served, name):
    project, _ = served
    NOT_QUICK[name](project)
    assert quick_pages() is None


def test_a_build_that_started_leaves_no_quick_page(served):
    """Each build disarms the last one's objects when it starts; a failed build arms nothing."""
    project, site = served
    edit(project, FLOOD, "\ntitle:", "\ntitel: typo\ntitle:")
    with pytest.raises(Exception):  # noqa: B017  (MkDocs' own abort, whatever its class)
        serve_build(project, site)
    assert quick.take() is None


def test_unignorable_names():
    assert quick.ignorable("2026/.flood-drill.md.swp")
    assert quick.ignorable(".git/index")
    assert quick.ignorable("2026/flood-drill.md~")
    assert quick.ignorable("2026/#flood-drill.md#")
    assert not quick.ignorable("2026/flood-drill.md")
    assert not quick.ignorable("lessons.yml")
    assert not quick.ignorable("2026/photo.jpg")
    assert not quick.ignorable("2026/flood#drill.md")


@pytest.mark.parametrize(("written", "reloads_again"), [(b"<p>same</p>", False), (b"<p>other</p>", True)])
def test_the_end_of_a_rebuild(tmp_path, written, reloads_again):
    """What was served early and what the rebuild wrote: the same, and the browsers showing it
    stay; different, and the site's epoch moves past the quick page's (every browser reloads)."""
    (tmp_path / "story").mkdir()
    (tmp_path / "story/index.html").write_bytes(written)
    server = quick.QuickServer(lambda: None, host="127.0.0.1", port=0, root=str(tmp_path))
    try:
        server._early, server._early_epoch = {"story/index.html": b"<p>same</p>"}, server._wanted_epoch + 5
        server._end_early()
        assert server._early == {}
        assert (server._wanted_epoch > server._early_epoch) is reloads_again
        assert server._wanted_epoch >= server._early_epoch
    finally:
        server.server_close()


def test_a_request_waiting_for_the_rebuild_gets_the_quick_page(tmp_path):
    """A request made after the rebuild started but before the quick page was out is answered
    with the quick page, not held to the rebuild's end; another page is still held."""
    server = quick.QuickServer(lambda: None, host="127.0.0.1", port=0, root=str(tmp_path))
    server._wanted_epoch = server._visible_epoch + 1  # a rebuild is running

    def request(path: str) -> list:
        answer: list = []
        body = server._serve_request({"PATH_INFO": path}, lambda status, headers: answer.append(status))
        return [*answer, b"".join(body or [])]

    try:
        story, other = Background(request, "/story/"), Background(request, "/lessons/")
        time.sleep(0.3)
        assert not story.done() and not other.done()
        server._publish_early({"story/index.html": b"<html><body>quick</body></html>"})
        status, body = story.result(timeout=5)
        assert status.startswith("200") and b"quick" in body
        time.sleep(0.3)
        assert not other.done()
        with server._epoch_cond:
            server._visible_epoch = server._wanted_epoch  # the rebuild's end
            server._epoch_cond.notify_all()
        assert other.result(timeout=5) == [b""]  # now answered: not found (no site on disk here)
    finally:
        server.server_close()


class Background:
    """A call on a daemon thread: a request the server never answers fails the test, not hangs it."""

    def __init__(self, call, *args) -> None:
        self._result: list = []
        self._thread = threading.Thread(target=lambda: self._result.append(call(*args)), daemon=True)
        self._thread.start()

    def done(self) -> bool:
        return not self._thread.is_alive()

    def result(self, timeout: float):
        self._thread.join(timeout)
        assert self._result, f"no answer within {timeout} s"
        return self._result[0]


# -- the real server -------------------------------------------------------------------------

EPOCH = re.compile(rb"livereload\((\d+), \d+\)")
SLOW = 6  # seconds added to each build of the server test


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str, timeout: float) -> bytes:
    with urllib.request.urlopen(url, timeout=timeout) as response:  # (127.0.0.1 only)
        return response.read()


def _until(what, seconds: float, step: float = 0.05):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            found = what()
        except OSError:
            found = None
        if found:
            return found
        time.sleep(step)
    raise AssertionError(f"not within {seconds} s")


def test_the_server_shows_the_quick_page_then_settles(tmp_path):
    """`harvest serve` on 127.0.0.1: after a text edit the browsers' poll answers, the story page
    has the new text, and once the rebuild is done a poll with the newest epoch waits (no loop)."""
    project = copy_project(tmp_path / "archive")
    # Every build takes 6 s longer (an MkDocs hook; not a per-page one, so pages stay quick): the
    # quick page must be out while the rebuild still runs.
    (project / "slow.py").write_text("import time\n\ndef on_post_build(config):\n    time.sleep(SLOW)\n")
    edit(project, "slow.py", "SLOW", str(SLOW))
    (project / "mkdocs.yml").write_text((project / "mkdocs.yml").read_text("utf-8") + "\nhooks: [slow.py]\n", "utf-8")
    port = _free_port()
    base = f"http://127.0.0.1:{port}/"
    env = {**os.environ, **ENV, "PYTHONUNBUFFERED": "1"}
    log = (tmp_path / "serve.log").open("wb")
    server = subprocess.Popen(
        [sys.executable, "-m", "harvest.cli", "serve", "-a", f"127.0.0.1:{port}"],
        cwd=project,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        first = _until(lambda: _get(base + FLOOD_PAGE.removesuffix("index.html"), 5), 180, 0.2)
        epoch = int(EPOCH.search(first)[1])
        time.sleep(1.0)  # the watcher's first look at the folder
        edit(project, FLOOD, "Saltwick Yards sits below", "Saltwick Yards, QUICKWORD, sits below")
        edited = time.monotonic()
        newer = int(_get(f"{base}livereload/{epoch}/1", 70))
        assert newer > epoch
        other = ThreadPoolExecutor(1).submit(lambda: (_get(base + "lessons/", 120), time.monotonic())[1])
        page = _get(base + FLOOD_PAGE.removesuffix("index.html"), 120)
        shown = time.monotonic()
        assert b"QUICKWORD" in page
        assert not other.done(), "another page is served only after the rebuild"
        assert shown - edited < SLOW
        page_epoch = int(EPOCH.search(page)[1])
        assert other.result() - edited >= SLOW  # the rebuild's end: every page is served again
        latest = _get(base + FLOOD_PAGE.removesuffix("index.html"), 30)
        assert b"QUICKWORD" in latest
        settled = int(EPOCH.search(latest)[1])
        assert settled >= page_epoch
        with pytest.raises(OSError):  # no answer: nothing newer than the page, so no reload loop
            _get(f"{base}livereload/{settled}/2", 2)
    finally:
        server.terminate()
        server.wait(30)
        log.close()
    assert b"Traceback" not in (tmp_path / "serve.log").read_bytes()
