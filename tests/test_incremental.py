"""Incremental work: `harvest search` without MkDocs, the terminal index kept current by file
stamps, and privacy when anything is reused from an earlier run."""

from __future__ import annotations

import argparse
import importlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import run_harvest
from harvest.cli import main as cli

TODAY = {"HARVEST_TODAY": "2026-11-21", "NO_COLOR": "1"}
FLOOD = "stories/2026/flood-drill.md"
FLOOD_ID = "2026-03-flood-drill"
RENT_STRIKE = "2025-08-rent-strike-phone-tree"


def search_ids(project: Path, *args: str) -> tuple[list[str], subprocess.CompletedProcess]:
    result = run_harvest("search", "--json", "-n", "50", *args, cwd=project, env=TODAY)
    assert result.returncode == 0, result.stderr
    return [r["id"] for r in json.loads(result.stdout)["results"]], result


def index(project: Path, *args: str) -> subprocess.CompletedProcess:
    result = run_harvest("index", *args, cwd=project, env=TODAY)
    assert result.returncode == 0, result.stderr
    return result


def rewrite(path: Path, change, keep_mtime: bool) -> None:
    """Change a file; with keep_mtime, put its old modification time back (as `cp -p` or an
    unpacked archive would), so only its inode change time tells."""
    before = path.stat()
    path.write_text(change(path.read_text("utf-8")), "utf-8")
    if keep_mtime:
        os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))


# --- the command line loads only what a command needs --------------------------------------------


def test_every_command_is_in_the_lazy_table():
    registered = {}
    for name in cli.COMMAND_MODULES:
        sub = argparse.ArgumentParser().add_subparsers()
        importlib.import_module(name).register(sub)
        registered.update({command: name for command in sub.choices})
    assert registered == cli.COMMANDS


HEAVY = ("mkdocs", "material", "yaml", "jsonschema", "markdown", "nh3", "jinja2", "asyncio", "urllib.request")


def loaded_modules(project: Path, *argv: str) -> set[str]:
    code = (
        "import sys, io, contextlib\nfrom harvest.cli.main import main\n"
        "with contextlib.redirect_stdout(io.StringIO()): code = main(sys.argv[1:])\n"
        "print('\\n'.join(sorted(sys.modules)), file=sys.stderr); sys.exit(code)"
    )
    env = {**os.environ, **TODAY, "NO_MKDOCS_2_WARNING": "1"}
    result = subprocess.run([sys.executable, "-c", code, *argv], cwd=project, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return set(result.stderr.split())


@pytest.mark.parametrize(
    "argv",
    [
        ("search", "flood"),
        ("search", "--json", "lesson:safety"),
        ("search", "--profile", "members", "flood"),
        ("index",),
    ],
)
def test_search_and_an_unchanged_index_load_no_mkdocs(project, argv):
    index(project)
    index(project, "--profile", "members")
    modules = loaded_modules(project, *argv)
    assert "whoosh" in modules or argv == ("index",)
    assert not [m for m in modules if m.split(".")[0] in HEAVY or m in HEAVY]


# What a search never uses, and a new `harvest search` process must not import (harvest.cli.lean,
# harvest.search): each was milliseconds of every search. (Stand-ins may be in sys.modules.)
NOT_FOR_A_SEARCH = (
    "inspect",
    "ipaddress",
    "bz2",
    "lzma",
    "queue",
    "tempfile",
    "random",
    "calendar",
    "typing",
    "html",
    "ctypes",
    "subprocess",
    "harvest.core.fileio",
    "hashlib",
    "whoosh.qparser",
    "whoosh.sorting",
    "whoosh.lang.porter",
    "whoosh.lang.dmetaphone",
)


@pytest.mark.parametrize(
    "argv",
    [
        ("search", "flood"),
        ("search", "Flood", "drills"),
        ("search", "flod"),
        ("search", "--profile", "members", "flood"),
    ],
)
def test_a_new_search_process_imports_only_what_a_search_needs(project, argv):
    index(project)
    index(project, "--profile", "members")
    code = (
        "import sys, io, contextlib\nfrom harvest.cli.main import main\n"
        "with contextlib.redirect_stdout(io.StringIO()) as out: code = main(sys.argv[1:])\n"
        "from harvest.cli.lean import loaded\n"
        "morph = sys.modules['whoosh.lang.morph_en']\n"
        "compiled = [p for p in morph._partitions if type(p).__name__ != '_Uncompiled' or p._pattern is not None]\n"
        "print('\\n'.join([m for m in sorted(sys.modules) if loaded(m)] + ['compiled'] * len(compiled)), file=sys.stderr)\n"
        "print(out.getvalue()); sys.exit(code)"
    )
    env = {**os.environ, **TODAY, "NO_MKDOCS_2_WARNING": "1"}
    result = subprocess.run([sys.executable, "-c", code, *argv], cwd=project, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "found for" in result.stdout
    modules = set(result.stderr.split())
    assert "whoosh.searching" in modules
    assert sorted(m for m in NOT_FOR_A_SEARCH if m in modules) == []
    assert "compiled" not in modules  # whoosh's English variants: our own rules, compiled one by one
    if argv == ("search", "flod"):
        assert "did you mean: flood" in result.stdout


@pytest.mark.parametrize("to_file", [True, False], ids=["stdout-a-file", "stdout-a-pipe"])
def test_a_search_process_ends_with_its_output_and_its_update_written(project, tmp_path, to_file):
    """`harvest search` ends its process without Python's shutdown: what it printed (block-buffered
    into a file) and the index update it made first must all be there, and its exit status kept."""
    index(project)
    rewrite(project / FLOOD, lambda text: text + "\nThe zeppelinwort grew by the pumps.\n", keep_mtime=False)
    env = {**os.environ, **TODAY, "NO_MKDOCS_2_WARNING": "1"}
    env.pop("PYTHONUNBUFFERED", None)  # (as a user's shell has it: output to a file waits in a buffer)
    argv = [sys.executable, "-m", "harvest.cli", "search", "--json", "zeppelinwort"]
    out = tmp_path / "out.json"
    with out.open("w") as sink:
        result = subprocess.run(argv, cwd=project, env=env, stdout=sink if to_file else subprocess.PIPE, text=True)
    assert result.returncode == 0
    printed = json.loads(out.read_text() if to_file else result.stdout)
    assert [r["id"] for r in printed["results"]] == [FLOOD_ID]
    assert "0 added, 0 changed, 0 removed" in index(project).stdout  # the update was committed whole

    bad = subprocess.run([*argv[:-1], "flood AND ("], cwd=project, env=env, capture_output=True, text=True)
    assert (bad.returncode, bad.stdout) == (2, "")
    assert bad.stderr == "harvest search: query: '(' is never closed with ')'\n"


def test_harvest_index_completes_a_manifest_head_an_earlier_harvest_left(project):
    index(project)
    head_file = project / ".harvest" / "index" / "public" / "harvest-manifest-head.json"
    head = json.loads(head_file.read_text("utf-8"))
    text = head.pop("schema_text")  # what a query compares instead of hashing (no OpenSSL to load)
    head_file.write_text(json.dumps(head), "utf-8")
    assert "unchanged" in index(project).stdout
    assert json.loads(head_file.read_text("utf-8"))["schema_text"] == text


def test_results_are_the_same_with_or_without_the_remembered_settings(project):
    index(project)
    for query in ("flood", "lesson:communication", "phone tree", "flod"):
        fast = run_harvest("search", query, cwd=project, env=TODAY)
        (project / ".harvest" / "index" / "harvest-settings.json").unlink()
        slow = run_harvest("search", query, cwd=project, env=TODAY)  # reads mkdocs.yml, writes them again
        assert (fast.returncode, fast.stdout) == (slow.returncode, slow.stdout)
        assert (project / ".harvest" / "index" / "harvest-settings.json").is_file()


@pytest.mark.parametrize(
    "edit,expected",
    [
        (
            lambda t: t.replace("site_url: https://archive.example.org/", "site_url: https://other.example.org/", 1),
            "https://other.example.org/2026/flood-drill/",
        ),
        (
            lambda t: t.replace("docs_dir: stories", "docs_dir: stories\nuse_directory_urls: false", 1),
            "https://archive.example.org/2026/flood-drill.html",
        ),
        (lambda t: t.replace("site_url: https://archive.example.org/", "", 1), "2026/flood-drill/"),
    ],
)
def test_a_changed_mkdocs_yml_is_read_again(project, edit, expected):
    index(project)
    rewrite(project / "mkdocs.yml", edit, keep_mtime=True)
    result = run_harvest("search", "--json", "boathouse", cwd=project, env=TODAY)
    assert json.loads(result.stdout)["results"][0]["url"] == expected


# --- a stale index never shows what is now withheld ----------------------------------------------


def make_private(t):
    return t.replace("lang: en\n---", "lang: en\nvisibility: private\n---")


def make_members(t):
    return t.replace("lang: en\n---", "lang: en\nvisibility: members\n---")


def embargo(t):
    return t.replace("lang: en\n---", "lang: en\nembargo_until: 2027-06-01\n---")


def redact(t):
    return t.replace("boathouse", "[[redact]]boathouse[[/redact]]")


WITHDRAWALS = {"private": make_private, "members": make_members, "embargoed": embargo, "redacted": redact}


@pytest.mark.parametrize("no_update", [False, True], ids=["auto-update", "no-update"])
@pytest.mark.parametrize("keep_mtime", [False, True], ids=["new-mtime", "old-mtime"])
@pytest.mark.parametrize("how", [*sorted(WITHDRAWALS), "moved-to-drafts", "deleted"])
def test_withdrawn_story_never_shown_by_a_stale_index(project, how, keep_mtime, no_update):
    assert search_ids(project, "boathouse")[0] == [FLOOD_ID]  # the probe works (and indexes)
    story = project / FLOOD
    if how in WITHDRAWALS:
        rewrite(story, WITHDRAWALS[how], keep_mtime)
    elif how == "moved-to-drafts":
        (project / "stories" / "_drafts").mkdir()
        shutil.move(story, project / "stories" / "_drafts" / story.name)
    else:
        story.unlink()
    found, result = search_ids(project, *(["--no-update"] if no_update else []), "boathouse")
    assert FLOOD_ID not in found, result.stderr
    if how != "redacted":  # (a redacted story stays, without the passage)
        found, _ = search_ids(project, "--no-update", "saltwick")  # any word of it
        assert FLOOD_ID not in found


@pytest.mark.parametrize("keep_mtime", [False, True], ids=["new-mtime", "old-mtime"])
def test_a_credit_rule_change_updates_even_with_no_update(project, keep_mtime):
    assert search_ids(project, "contributor:priya")[0]
    registry = project / "stories" / "contributors.yml"
    rewrite(
        registry,
        lambda t: t.replace("Priya Dandekar\n  credit: named", "Priya Dandekar\n  credit: anonymous"),
        keep_mtime,
    )
    found, result = search_ids(project, "--no-update", "contributor:priya")
    assert found == [] and "updating it despite --no-update" in result.stderr


def test_no_update_still_finds_unchanged_stories(project):
    index(project)
    rewrite(project / FLOOD, make_private, keep_mtime=False)
    found, result = search_ids(project, "--no-update", "phone tree")
    assert RENT_STRIKE in found and FLOOD_ID not in found
    assert "left out" in result.stderr and "updating" not in result.stderr
