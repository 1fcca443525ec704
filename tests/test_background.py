"""Work in a second process (`core.background`): the story scan's parsing and the digests' feeds and
emails run beside the build on another core. Same outputs as in place, errors reported as in
place, and no child left running when a build stops."""

from __future__ import annotations

import os
import shutil
import threading
import time

import pytest

from conftest import differing_files, generated_project, run_harvest
from harvest.core import background
from harvest.core.problems import HarvestError, Problem

ENV = {"HARVEST_TODAY": "2026-11-21", "SOURCE_DATE_EPOCH": "1795000000"}
LINUX = pytest.mark.skipif(not background.can_fork(), reason="a fork is only used on Linux with no other thread")


@pytest.fixture(autouse=True)
def forks_allowed(monkeypatch):
    monkeypatch.delenv(background.SWITCH, raising=False)


# --- the job -------------------------------------------------------------------------------------


@LINUX
def test_a_job_runs_in_another_process_and_its_value_comes_back():
    job = background.Job(lambda: {"pid": os.getpid(), "words": ["soup", "kitchen"], "bytes": b"\x00\xff" * 40000})
    assert job.forked
    value = job.result()
    assert value["pid"] != os.getpid()
    assert value["words"] == ["soup", "kitchen"]
    assert value["bytes"] == b"\x00\xff" * 40000  # more than a pipe's buffer: read while the child writes


@LINUX
def test_a_users_mistake_found_there_is_raised_here_with_its_problems():
    problem = Problem("stories/2025/a.md", 3, "date", "not a date", "write it as 2025-04-01")

    def fails():
        raise HarvestError([problem])

    with pytest.raises(HarvestError) as raised:
        background.Job(fails).result()
    assert raised.value.problems == [problem]


@LINUX
def test_a_bug_there_is_reported_here_with_its_traceback():
    def fails():
        raise KeyError("no such section")

    with pytest.raises(background.BackgroundBug, match="KeyError: 'no such section'"):
        background.Job(fails).result()


@LINUX
def test_a_child_that_dies_without_a_result_is_a_failure():
    job = background.Job(lambda: os._exit(3))
    with pytest.raises(background.BackgroundBug, match=r"without a result \(exit status 3\)"):
        job.result()


@pytest.mark.parametrize(
    "switch, other_thread, forked",
    [
        ("1", False, background.can_fork()),  # (False where no fork is used at all)
        ("0", False, False),  # switched off: in place
        ("1", True, False),  # another thread alive: in place (it may hold a lock the child needs)
    ],
)
def test_when_a_job_is_forked(monkeypatch, switch, other_thread, forked):
    monkeypatch.setenv(background.SWITCH, switch)
    gate = threading.Event()
    thread = threading.Thread(target=gate.wait, args=(10,), daemon=True)
    if other_thread:
        thread.start()
    try:
        job = background.Job(os.getpid)
        assert job.forked is forked
        assert (job.result() != os.getpid()) is forked
    finally:
        gate.set()
        if other_thread:
            thread.join()


def test_a_result_is_taken_once():
    job = background.Job(lambda: 7)
    assert job.result() == 7
    with pytest.raises(RuntimeError, match="already taken"):
        job.result()


@LINUX
def test_a_stopped_job_ends_at_once():
    job = background.Job(lambda: time.sleep(60))
    pid = job._pid
    start = time.monotonic()
    job.stop()
    assert time.monotonic() - start < 5
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)  # gone, and reaped (no zombie left)
    background.stop_all()  # nothing left to stop


# --- builds ----------------------------------------------------------------------------------------


def test_a_build_in_two_processes_writes_what_a_build_in_one_writes(tmp_path):
    """80 stories: enough for the scan to share its parsing (64 or more to parse), and every
    monthly digest's email and the feeds made in the background."""
    project = generated_project(tmp_path / "archive", 80)
    sites = {}
    for switch in ("0", "1"):
        result = run_harvest("build", "--no-cache", cwd=project, env={**ENV, background.SWITCH: switch})
        assert result.returncode == 0, result.stderr
        sites[switch] = tmp_path / f"site-{switch}"
        shutil.move(project / "site", sites[switch])
    forked = sites["1"]
    assert differing_files(sites["0"], forked) == []
    emails = sorted((forked / "digests").rglob("*.eml"))
    feeds = sorted((forked / "feeds").rglob("*.xml")) + sorted((forked / "feeds").rglob("*.json"))
    assert len(emails) >= 2 and feeds
    for made in emails + feeds:  # written whole, not the placeholders MkDocs saw
        assert made.stat().st_size > 500, made
    assert "Subject:" in emails[0].read_text("utf-8")
    assert (forked / "feeds" / "stories.atom.xml").read_text("utf-8").rstrip().endswith("</feed>")
    assert (forked / "feeds" / "stories.rss.xml").read_text("utf-8").rstrip().endswith("</rss>")


def test_a_broken_story_among_many_fails_the_build_with_its_line(tmp_path):
    """The story is parsed in the second process (the later half): its problem is reported as
    in place, with file, line and field, and nothing is published."""
    project = generated_project(tmp_path / "archive", 80)
    last = sorted((project / "stories").rglob("story-*.md"))[-1]
    text = last.read_text("utf-8")
    last.write_text(text.replace("\ndate: ", "\ndate: 2025-02-30\n# was: ", 1), "utf-8")
    result = run_harvest("build", "--no-cache", cwd=project, env=ENV)
    assert result.returncode == 1, result.stdout
    shown = last.relative_to(project).as_posix()
    assert f"{shown}:4: date: '2025-02-30' is not a real date" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (project / "site").exists()


# --- the search corpus -------------------------------------------------------------------------------


def test_a_later_part_of_a_corpus_continues_the_first():
    from array import array

    from harvest.search.corpus import Corpus, _joined

    first = Corpus(["d0", "d1"], {"soup": array("i", [0, 9, 1, 3]), "rota": array("i", [1, 1])}, [[("soup", 2)], []])
    later = Corpus(["d2"], {"rota": array("i", [2, 5]), "kettle": array("i", [2, 1])}, [[("kettle", 4)]])
    joined = _joined(first, later)
    assert joined.docs == ["d0", "d1", "d2"]
    assert list(joined.postings) == ["soup", "rota", "kettle"]  # a term new in the later part comes last
    assert joined.postings == {
        "soup": array("i", [0, 9, 1, 3]),
        "rota": array("i", [1, 1, 2, 5]),
        "kettle": array("i", [2, 1]),
    }
    assert joined.frequent == [[("soup", 2)], [], [("kettle", 4)]]


def test_a_corpus_made_in_two_processes_is_the_one_made_in_one(tmp_path, monkeypatch):
    from dataclasses import replace

    from harvest.core.archive import publish, scan
    from harvest.search.corpus import analyze, corpus_of
    from harvest.search.documents import documents
    from harvest.site.project import settings_from_file

    project = generated_project(tmp_path / "archive", 70)
    settings = replace(settings_from_file(project / "mkdocs.yml", None), cache=False)
    archive = publish(scan(settings))
    assert len(archive.stories) >= 64  # (5% are members-only: all but a few are published)
    jobs = []
    real_job = background.Job

    def recorded(work):
        jobs.append(real_job(work))
        return jobs[-1]

    monkeypatch.setattr(background, "Job", recorded)
    shared = corpus_of(archive)
    assert len(jobs) == 1 and jobs[0].forked is background.can_fork()
    alone = analyze(documents(archive))
    assert [d.id for d in shared.docs] == [s.id for s in archive.stories]
    assert shared.docs == alone.docs
    assert list(shared.postings) == list(alone.postings)  # the same terms, in the same order
    assert shared.postings == alone.postings
    assert shared.frequent == alone.frequent


def test_a_refused_fork_runs_the_work_in_place(monkeypatch):
    """Too many processes or too little memory (EAGAIN, ENOMEM): the build goes on in one process."""

    def refuse():
        raise BlockingIOError(11, "Resource temporarily unavailable")

    monkeypatch.setattr(os, "fork", refuse)
    job = background.Job(os.getpid)
    assert not job.forked
    assert job.result() == os.getpid()
    assert background._running == {}


@pytest.mark.parametrize(
    "items, at_least, parts",
    [
        ([], 4, [([], 0)]),
        (["a", "b", "c"], 4, [(["a", "b", "c"], 0)]),  # fewer than at_least: one part, in place
        (["a", "b", "c", "d"], 4, [(["a", "b"], 0), (["c", "d"], 2)]),
        (["a", "b", "c", "d", "e"], 4, [(["a", "b"], 0), (["c", "d", "e"], 2)]),  # the later half is the larger
    ],
)
def test_work_in_halves(items, at_least, parts):
    assert background.in_halves(items, lambda part, start: (list(part), start), at_least) == parts
