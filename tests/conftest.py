"""Shared fixtures: copies of the sample project in tmp_path, builds, and a real headless Chromium."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlparse

import pytest

PROJECT = Path(__file__).resolve().parents[1]
CHROMIUM = os.environ.get("HARVEST_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


# `python -m harvest.cli ARGS`, for a process a test stops with Ctrl-C (SIGINT) as a terminal
# would. A test run started in the background by a script (`make test &`, nohup, some CI runners)
# passes SIGINT on ignored, and Python then leaves it ignored: the test's SIGINT did nothing
# (`harvest new` failed its test after 60 s; `harvest collect` was killed after 15 s instead of
# stopping). Python sets this very handler itself when SIGINT is not ignored.
def harvest_interruptible(*args: str) -> list[str]:
    stop_on_ctrl_c = (
        "import runpy, signal; signal.signal(signal.SIGINT, signal.default_int_handler); "
        "runpy.run_module('harvest.cli', run_name='__main__', alter_sys=True)"
    )
    return [sys.executable, "-c", stop_on_ctrl_c, *args]


def _skip_inbox(folder: str, names: list[str]) -> list[str]:
    return ["_inbox"] if Path(folder) == PROJECT / "stories" else []


def copy_project(target: Path, stories: bool = True) -> Path:
    """A fresh archive folder: the repo's mkdocs.yml and overrides/, and its sample stories if asked."""
    target.mkdir(parents=True, exist_ok=True)
    shutil.copy(PROJECT / "mkdocs.yml", target / "mkdocs.yml")
    shutil.copytree(PROJECT / "overrides", target / "overrides")
    if stories:
        # Never the maintainer's review inbox: tests see the samples as committed, whatever waits for review.
        shutil.copytree(PROJECT / "stories", target / "stories", ignore=_skip_inbox)
    else:
        (target / "stories").mkdir()
    return target


def run_harvest(
    *args: str, cwd: Path, env: dict | None = None, input: str | None = None
) -> subprocess.CompletedProcess:
    """Run the real `harvest` command as a user would."""
    full_env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", **(env or {})}
    full_env.pop("HARVEST_PROFILE", None) if "HARVEST_PROFILE" not in (env or {}) else None
    return subprocess.run(
        [sys.executable, "-m", "harvest.cli", *args],
        cwd=cwd,
        env=full_env,
        input=input,
        capture_output=True,
        text=True,
        timeout=600,
    )


def edit(project: Path, path: str, old: str, new: str) -> None:
    """Replace the first `old` in the project's file `path` (which must hold it) by `new`."""
    file = project / path
    text = file.read_text("utf-8")
    assert old in text, f"{old!r} not in {path}"
    file.write_text(text.replace(old, new, 1), "utf-8")


def build(project: Path, *args: str, env: dict | None = None) -> Path:
    result = run_harvest("build", *args, cwd=project, env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    return project / "site"


def differing_files(left: Path, right: Path) -> list[str]:
    """Relative paths of the files two site folders do not share byte for byte (missing on a side,
    or other bytes)."""
    import filecmp

    names = {p.relative_to(left).as_posix() for p in left.rglob("*") if p.is_file()}
    names |= {p.relative_to(right).as_posix() for p in right.rglob("*") if p.is_file()}
    return sorted(
        n
        for n in names
        if not ((left / n).is_file() and (right / n).is_file() and filecmp.cmp(left / n, right / n, shallow=False))
    )


def browser_search_text(site: Path) -> str:
    """Everything the browser search index holds (Harvest's search/ script files), as text."""
    files = sorted((site / "search").rglob("*.js"))
    assert files, f"no browser search index in {site}"
    return "\n".join(f.read_text("utf-8") for f in files)


@pytest.fixture
def project(tmp_path) -> Path:
    return copy_project(tmp_path / "archive")


@pytest.fixture(autouse=True)
def pythons_cycle_collector():
    """A test that runs serve's rebuilds in this process without stopping serve (no on_shutdown)
    leaves full collections off (`site.rebuilds`): Python's settings back after each test."""
    import gc

    saved = gc.get_threshold()
    yield
    gc.set_threshold(*saved)


@pytest.fixture(scope="session")
def sample_site(tmp_path_factory) -> Path:
    """The sample archive built once (public profile) for read-only assertions."""
    return build(copy_project(tmp_path_factory.mktemp("sample") / "archive"))


# --- browser -------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium driven by PyPI playwright. Skips on a laptop without it; fails in CI."""
    reason = None
    if not Path(CHROMIUM).exists():
        reason = f"no Chromium at {CHROMIUM} (apt-get install chromium)"
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        reason = reason or "the playwright package is not installed"
    if reason:
        if os.environ.get("HARVEST_REQUIRE_BROWSER") == "1":
            pytest.fail(f"browser tests required but {reason}")
        pytest.skip(f"browser test skipped: {reason}")
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


class RequestLog:
    """Every request a page makes; anything not from file:// or this machine is an outside request."""

    def __init__(self):
        self.urls: list[str] = []

    def record(self, request) -> None:
        self.urls.append(request.url)

    @property
    def outside(self) -> list[str]:
        local = {"127.0.0.1", "localhost", "[::1]", "::1"}
        return [
            u
            for u in self.urls
            if urlparse(u).scheme not in ("file", "data", "blob", "about") and urlparse(u).hostname not in local
        ]


@pytest.fixture
def page(browser):
    """A fresh page whose requests are logged; requests to other hosts are blocked *and* recorded."""
    context = browser.new_context(accept_downloads=True)
    log = RequestLog()
    context.on("request", log.record)
    context.route(
        lambda url: (
            urlparse(url).scheme in ("http", "https") and urlparse(url).hostname not in ("127.0.0.1", "localhost")
        ),
        lambda route: route.abort(),
    )
    tab = context.new_page()
    tab.request_log = log
    yield tab
    context.close()


def open_search(page, site: Path, start: str, query: str) -> list[str]:
    """Open `start` in the site, search for `query` with Harvest's search box; -> result titles."""
    page.goto((site / start).as_uri())
    button = page.locator(".harvest-search__button")
    if button.is_visible():
        button.click()
    else:
        page.locator(".md-search__input").click()
    page.locator(".md-search__input").fill(query)
    page.wait_for_selector(".md-search-result__item")
    return page.locator(".md-search-result__item h1").all_inner_texts()


def generated_project(target: Path, stories: int) -> Path:
    """The repo's mkdocs.yml over `stories` generated stories (scripts/corpus.py, as the benchmark)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("harvest_bench_corpus", PROJECT / "scripts" / "corpus.py")
    assert spec is not None and spec.loader is not None
    corpus = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(corpus)
    project = copy_project(target, stories=False)
    corpus.generate_stories(project / "stories", stories)
    return project
