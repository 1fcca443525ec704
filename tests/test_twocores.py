"""A build's pages on two cores: the later half of the pages keyed in a forked second process
(`site/pagecache.py`), and the pages `harvest build` must render shared with one
(`site/twocores.py`: from either end until they meet). The site and the page store are what one
process makes; what goes wrong there (a warning, a plugin's error, a bug) is reported here as it
would have been, and nothing is published."""

from __future__ import annotations

import multiprocessing
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import differing_files, generated_project, run_harvest
from harvest.core import background
from harvest.site import twocores

ENV = {"HARVEST_TODAY": "2026-11-21", "SOURCE_DATE_EPOCH": "1795000000"}
SHARED = "of those rendered were rendered by a second process"
STORIES = 80  # 80 story pages and the index pages: more than twocores.AT_LEAST to render
LINUX = pytest.mark.skipif(sys.platform != "linux", reason="the second process is a fork: Linux only")

# `harvest build` with one of Harvest's per-page hooks made to misbehave on every page the second
# process renders (`child`), or on every story page (`story`): the plumbing is tested, not the hook.
PATCHED_BUILD = """
import logging, os, sys
from mkdocs.exceptions import PluginError
from harvest.readaloud.plugin import ReadAloudPlugin

MAIN, HOW, WHERE = os.getpid(), sys.argv[1], sys.argv[2]
if HOW == "noshm":  # a system without POSIX semaphores (no /dev/shm)
    import multiprocessing

    def refused(*args, **kwargs):
        raise OSError(38, "Function not implemented")

    multiprocessing.Lock = refused
real = ReadAloudPlugin.on_page_context

def on_page_context(self, context, *, page, config, nav):
    story = "/story-" in page.file.src_uri
    if HOW not in ("none", "noshm") and (os.getpid() != MAIN if WHERE == "child" else story):
        if HOW == "warn":
            logging.getLogger("mkdocs.plugins.test").warning(f"odd page {page.file.src_uri}")
        elif HOW == "refuse":
            raise PluginError(f"cannot show {page.file.src_uri}")
        else:
            raise KeyError("no such section")
    return real(self, context, page=page, config=config, nav=nav)

on_page_context.mkdocs_priority = getattr(real, "mkdocs_priority", 0)
ReadAloudPlugin.on_page_context = on_page_context
if sys.argv[3:] == ["mkdocs"]:  # MkDocs' own command: strict as mkdocs.yml says
    from mkdocs.__main__ import cli
    sys.argv = ["mkdocs", "build", "--dirty"]
    cli()
from harvest.cli.main import main
sys.argv = ["harvest", "build"]
sys.exit(main())
"""


def _published(log: str) -> int:
    """The story pages of the build: the corpus makes some stories members-only."""
    found = re.search(r"profile 'public': (\d+) stories published, (\d+) withheld", log)
    assert found and int(found.group(2)) > 0 and int(found.group(1)) + int(found.group(2)) == STORIES, log
    return int(found.group(1))


def _story_pages(site: Path) -> list[Path]:
    return sorted(p for p in site.rglob("index.html") if "story-" in p.parent.name)


def _patched_build(project: Path, how: str, where: str, *command: str):
    script = project.parent / "patched_build.py"
    script.write_text(PATCHED_BUILD, "utf-8")
    return subprocess.run(
        [sys.executable, str(script), how, where, *command],
        cwd=project,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1", **ENV},
        capture_output=True,
        text=True,
        timeout=600,
    )


@pytest.fixture(autouse=True)
def forks_allowed(monkeypatch):
    monkeypatch.delenv(background.SWITCH, raising=False)


@LINUX
def test_pages_keyed_in_two_processes_have_the_keys_one_process_gives(tmp_path):
    """The later half of the pages is keyed in a second process (`pagecache.KEYS_APART_AT_LEAST`):
    a build that keys every page in one process finds each page stored under its own key."""
    project = generated_project(tmp_path / "archive", STORIES)
    first = run_harvest("build", cwd=project, env=ENV)
    assert first.returncode == 0, first.stderr
    again = run_harvest("build", cwd=project, env={**ENV, background.SWITCH: "0"})
    assert again.returncode == 0, again.stderr
    reused = re.search(r"page cache: (\d+) pages reused, 0 rendered", again.stderr)
    assert reused and int(reused.group(1)) > STORIES, again.stderr
    shutil.move(project / "site", tmp_path / "reused")
    clean = run_harvest("build", "--no-cache", cwd=project, env={**ENV, background.SWITCH: "0"})
    assert clean.returncode == 0, clean.stderr
    assert differing_files(tmp_path / "reused", project / "site") == []  # each page is its own


@LINUX
def test_pages_rendered_in_two_processes_are_the_pages_one_process_renders(tmp_path):
    project = generated_project(tmp_path / "archive", STORIES)
    sites, logs = {}, {}
    for switch in ("0", "1"):
        shutil.rmtree(project / ".harvest", ignore_errors=True)
        result = run_harvest("build", cwd=project, env={**ENV, background.SWITCH: switch})
        assert result.returncode == 0, result.stderr
        sites[switch], logs[switch] = tmp_path / f"site-{switch}", result.stderr
        shutil.move(project / "site", sites[switch])
    assert SHARED not in logs["0"]
    shared = re.search(rf"pages: (\d+) {SHARED}", logs["1"])
    rendered = re.search(r"page cache: 0 pages reused, (\d+) rendered \((\d+) stored\)", logs["1"])
    assert shared and rendered, logs["1"]
    total = int(rendered.group(1))
    assert f"page cache: 0 pages reused, {total} rendered ({total} stored)" in logs["0"]  # each page once
    assert total > STORIES  # every story page, and the index pages
    assert int(rendered.group(2)) == total  # the second process stored its pages too
    assert 0 < int(shared.group(1)) < total  # each took pages until they met
    assert differing_files(sites["0"], sites["1"]) == []
    assert len(_story_pages(sites["1"])) == _published(logs["1"])

    again = run_harvest("build", cwd=project, env=ENV)  # every page from the store, both processes'
    assert again.returncode == 0, again.stderr
    assert f"page cache: {total} pages reused, 0 rendered" in again.stderr
    assert SHARED not in again.stderr  # nothing to render: no second process
    assert differing_files(sites["1"], project / "site") == []


@LINUX
def test_a_warning_there_fails_the_strict_build_here(tmp_path):
    """Every story page warns, in whichever process renders it: each warning is counted."""
    project = generated_project(tmp_path / "archive", STORIES)
    result = _patched_build(project, "warn", "story")
    assert result.returncode == 1, result.stderr
    assert SHARED in result.stderr  # (strict mode fails the build once it is over)
    published = _published(result.stderr)
    assert len(re.findall(r"WARNING .*odd page ", result.stderr)) == published
    assert f"Aborted with {published} warnings in strict mode!" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (project / "site").exists()


@LINUX
@pytest.mark.parametrize("where", ["child", "story"], ids=["the second process's", "every story page"])
def test_a_page_that_warned_is_not_stored(tmp_path, where):
    """Not strict (`mkdocs build --dirty`: `harvest build` is always strict): the pages that warned
    are not stored, and are rendered again next time. Either process stores its pages as it goes
    (`PageCache.keep_rendered`, as the next page starts): the warning of each page comes first."""
    project = generated_project(tmp_path / "archive", STORIES)
    config = project / "mkdocs.yml"
    config.write_text(config.read_text("utf-8").replace("strict: true", "strict: false", 1), "utf-8")
    first = _patched_build(project, "warn", where, "mkdocs")
    assert first.returncode == 0, first.stderr
    warned = re.findall(r"WARNING .*odd page (\S+)", first.stderr)
    shared = re.search(rf"pages: (\d+) {SHARED}", first.stderr)
    assert shared and int(shared.group(1)) > 0, first.stderr
    if where == "child":
        assert len(warned) == int(shared.group(1)), first.stderr  # those it rendered
    else:
        assert len(warned) == _published(first.stderr) and len(set(warned)) == len(warned), first.stderr
    again = _patched_build(project, "none", "child", "mkdocs")  # (the same build: the same configuration)
    assert again.returncode == 0, again.stderr
    assert re.search(rf"page cache: \d+ pages reused, {len(warned)} rendered", again.stderr), again.stderr
    assert "odd page" not in again.stderr


@LINUX
@pytest.mark.parametrize(
    "how, said",
    [
        ("refuse", r"cannot show \S+\.md"),  # a plugin's error: MkDocs' own message, no traceback
        ("bug", r"rendering pages in the second process failed:(.|\n)*KeyError: 'no such section'"),
    ],
)
def test_a_failure_there_fails_the_build_and_publishes_nothing(tmp_path, how, said):
    project = generated_project(tmp_path / "archive", STORIES)
    (project / "site").mkdir()
    (project / "site" / "old.html").write_text("the last good site", "utf-8")
    result = _patched_build(project, how, "child")
    assert result.returncode != 0
    assert re.search(said, result.stderr), result.stderr
    assert re.search(r"Error building page '\S+\.md'", result.stderr)  # which page, as MkDocs says it
    if how == "refuse":
        assert result.returncode == 1 and "Traceback" not in result.stderr
        assert "nothing was written" in result.stderr
    assert sorted(p.name for p in (project / "site").iterdir()) == ["old.html"]
    assert [p.name for p in project.iterdir() if p.name.startswith(".site")] == []  # no staging folder left


@LINUX
def test_no_second_process_beside_another_plugins_page_hooks(tmp_path):
    """A hook of the user's own may gather something from every page: one process renders them."""
    project = generated_project(tmp_path / "archive", STORIES)
    (project / "hook.py").write_text("def on_post_page(output, page, config):\n    return output\n", "utf-8")
    config = project / "mkdocs.yml"
    config.write_text(config.read_text("utf-8") + "\nhooks: [hook.py]\n", "utf-8")
    result = run_harvest("build", cwd=project, env=ENV)
    assert result.returncode == 0, result.stderr
    assert SHARED not in result.stderr
    assert len(_story_pages(project / "site")) == _published(result.stderr)


@LINUX
def test_without_shared_memory_one_process_renders_every_page(tmp_path):
    project = generated_project(tmp_path / "archive", STORIES)
    result = _patched_build(project, "noshm", "child")
    assert result.returncode == 0, result.stderr
    assert SHARED not in result.stderr and "Traceback" not in result.stderr
    assert len(_story_pages(project / "site")) == _published(result.stderr)


# (claims made in turn: (page, who); what each is answered)
CLAIMS = [
    ([(0, twocores.HERE), (0, twocores.HERE)], [True, True]),  # asked again: still this one's
    ([(0, twocores.HERE), (0, twocores.THERE)], [True, False]),
    ([(1, twocores.THERE), (1, twocores.HERE), (1, twocores.THERE)], [True, False, True]),
    ([(0, twocores.HERE), (1, twocores.THERE)], [True, True]),
]


@pytest.mark.parametrize("claims, answers", CLAIMS, ids=["again", "taken", "the other's", "two pages"])
def test_a_page_is_claimed_once_and_stays_its_claimant_s(claims, answers):
    shared = twocores.SecondProcess.__new__(twocores.SecondProcess)
    shared._claims, shared._lock = multiprocessing.RawArray("b", 2), multiprocessing.Lock()
    assert [shared._claim(number, who) for number, who in claims] == answers
