"""`harvest new`: a valid story from options or from answers typed one by one."""

from __future__ import annotations

import os
import select
import signal
import subprocess
import time
from pathlib import Path

import pytest

from conftest import harvest_interruptible, run_harvest
from harvest.core.parse import read_story
from harvest.core.storyfile import WINDOWS_DEVICES

TODAY = {"HARVEST_TODAY": "2026-05-20"}
OPTIONS = [
    "--yes",
    "--title",
    "Soup night",
    "--event",
    "mutual-aid",
    "--place",
    "Kestrel Row",
    "--lesson",
    "logistics",
    "--lesson",
    "Mutual care",
    "--summary",
    "We fed eighty people.",
    "--answer",
    "surprised=The queue went round the block.\\nTwice.",
]


def files(project: Path) -> set[Path]:
    return {p for p in (project / "stories").rglob("*") if p.is_file()}


def meta_of(path: Path) -> dict:
    raw, problems = read_story(path, str(path), 1_000_000)
    assert raw is not None, problems
    return raw.meta


def test_options_write_a_valid_story(project):
    result = run_harvest("new", *OPTIONS, cwd=project, env=TODAY)
    assert result.returncode == 0, result.stderr
    path = project / result.stdout.strip()
    assert result.stdout.strip() == "stories/2026/soup-night.md"  # stdout is only the path
    meta = meta_of(path)
    assert meta["date"] == "2026-05-20" and meta["id"].startswith("2026-05-soup-night-")
    assert meta["lessons"] == ["logistics", "mutual-care"] and meta["contributors"] == []
    assert path.read_text("utf-8") == (  # JSON-quoted values (valid YAML), a plain date
        f'---\nid: "{meta["id"]}"\ntitle: "Soup night"\ndate: 2026-05-20\nevent: "mutual-aid"\nplace: "Kestrel Row"\n'
        'contributors: []\nlessons: ["logistics", "mutual-care"]\nsummary: "We fed eighty people."\n'
        'visibility: "public"\n---\n\n## What surprised us?\n\nThe queue went round the block.\nTwice.\n'
    )
    check = run_harvest("check", cwd=project)
    assert check.returncode == 0 and "soup-night" not in check.stdout


def test_same_title_twice_never_overwrites(project):
    first = run_harvest("new", *OPTIONS, cwd=project, env=TODAY).stdout.strip()
    second = run_harvest("new", *OPTIONS, cwd=project, env=TODAY).stdout.strip()
    assert first != second and second.endswith("soup-night-2.md")
    assert meta_of(project / first)["id"] != meta_of(project / second)["id"]


def test_option_mistakes_are_reported_with_hints_and_nothing_is_written(project):
    before = files(project)
    result = run_harvest(
        "new", "--yes", "--title", "x", "--event", "festivl", "--lesson", "joyy", "--date", "2026-02-30", cwd=project
    )
    assert result.returncode == 1
    for expected in (
        "--event: unknown event kind 'festivl'",
        "did you mean 'festival'?",
        "--lesson: unknown lesson 'joyy'",
        "--date: '2026-02-30' is not a real date",
        "--place: missing",
        "--answer: no prompt is answered",
    ):
        assert expected in result.stderr
    assert "Traceback" not in result.stderr and files(project) == before
    bad = run_harvest("new", "--yes", "--answer", "surprise=x", cwd=project)
    assert bad.returncode == 2 and "did you mean 'surprised'?" in bad.stderr


def test_unregistered_contributor_is_a_warning(project):
    # (a registered pseudonym such as "Night Moth" is credited by its own key: see test_intake)
    result = run_harvest("new", *OPTIONS, "--contributor", "priya", "--contributor", "Ada Lowe", cwd=project, env=TODAY)
    assert result.returncode == 0, result.stderr
    assert meta_of(project / result.stdout.strip())["contributors"] == ["priya", "ada-lowe"]
    assert "'ada-lowe' is not in the contributors registry" in result.stderr


@pytest.mark.parametrize("into", ["../elsewhere", "/tmp", "stories/../..", "stories"])
def test_into_must_stay_inside_the_stories_folder(project, into):
    before = files(project)
    result = run_harvest("new", *OPTIONS, "--into", into, cwd=project)
    assert result.returncode == 2 and "--into must be a folder inside stories/" in result.stderr
    assert files(project) == before


def test_into_the_inbox(project):
    result = run_harvest("new", *OPTIONS, "--into", "stories/_inbox", cwd=project, env=TODAY)
    assert result.stdout.strip() == "stories/_inbox/soup-night.md"


@pytest.mark.parametrize(
    "title",
    ["../../../etc/passwd", "/etc/shadow", "CON", "nul.md", ".hidden", "..", "a\\..\\..\\b", "\u202e", "\t\u3000"],
)
def test_hostile_titles_make_safe_file_names(project, title):
    options = list(OPTIONS)
    options[options.index("Soup night")] = title
    result = run_harvest("new", *options, cwd=project, env=TODAY)
    if result.returncode:  # a title with nothing printable is missing; a bidi override is refused
        assert "--title: missing" in result.stderr or "title: contains a bidirectional override" in result.stderr
        return
    path = (project / result.stdout.strip()).resolve()
    assert path.parent == (project / "stories" / "2026").resolve()
    assert not path.name.startswith(".") and path.name.split(".")[0].lower() not in WINDOWS_DEVICES


# --- interactive -----------------------------------------------------------------------------

ANSWERS = (
    "\n".join(
        [
            "Soup night",  # title
            "2026-02-30",  # an impossible date: asked again
            "2026-02-03",
            "42",  # not a number on the list: asked again
            "5",  # mutual-aid
            "Kestrel Row",
            "1 nope",  # an unknown lesson: asked again
            "2, Mutual care",  # a number and a title
            "",  # anonymous
            "We fed eighty people.",
            "2",  # members
            "The queue.",
            "It went round the block.",
            "",  # first prompt, ended by an empty line
            ".",  # second prompt skipped
            "A bigger pot.",
            ".",  # third prompt, ended by '.'
        ]
    )
    + "\n"
)


def test_prompts_on_stdin(project):
    result = run_harvest("new", cwd=project, input=ANSWERS, env=TODAY)
    assert result.returncode == 0, result.stderr
    assert "'2026-02-30' is not a real date" in result.stderr
    assert "unknown event kind '42'" in result.stderr and "unknown lesson 'nope'" in result.stderr
    assert "1. Mutual care (mutual-care)" in result.stderr  # the numbered vocabulary
    path = project / result.stdout.strip()
    meta = meta_of(path)
    assert meta["event"] == "mutual-aid" and meta["lessons"] == ["logistics", "mutual-care"]
    assert meta["visibility"] == "members" and meta["contributors"] == []
    text = path.read_text("utf-8")
    assert (
        "## What surprised us?\n\nThe queue.\nIt went round the block.\n\n## What resource was missing?\n\nA bigger pot.\n"
        in text
    )
    assert "Who stepped forward" not in text
    assert run_harvest("check", cwd=project).returncode == 0


def test_options_fill_in_questions(project):
    result = run_harvest(
        "new",
        "--title",
        "Soup night",
        "--event",
        "action",
        "--place",
        "Town",
        "--lesson",
        "joy",
        "--summary",
        "Fine.",
        cwd=project,
        input="\n\n\nIt rained.\n\n\n\n",
        env=TODAY,
    )
    assert result.returncode == 0, result.stderr
    assert "Title:" not in result.stderr and "Date (YYYY-MM-DD) [2026-05-20]:" in result.stderr
    assert meta_of(project / result.stdout.strip())["date"] == "2026-05-20"


def test_no_answer_at_all_is_asked_again(project):
    head = "Soup night\n\n1\nTown\n1\n\nFine.\n\n"
    result = run_harvest("new", cwd=project, input=head + "\n\n\n" + "At last.\n\n\n\n", env=TODAY)
    assert result.returncode == 0, result.stderr
    assert "Please answer at least one prompt." in result.stderr


def test_end_of_input_leaves_nothing_behind(project):
    before = files(project)
    result = run_harvest("new", cwd=project, input="Soup night\n2026-02-03\n")
    assert result.returncode == 1 and "nothing was written" in result.stderr
    assert files(project) == before and "Traceback" not in result.stderr


def test_ctrl_c_leaves_nothing_behind(project):
    before = files(project)
    process = subprocess.Popen(
        harvest_interruptible("new"),
        cwd=project,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
    )
    try:
        process.stdin.write(b"Soup night\n")
        process.stdin.flush()
        seen, deadline = b"", time.monotonic() + 60
        while b"Date" not in seen and time.monotonic() < deadline:  # wait until it asks the next question
            if select.select([process.stderr], [], [], 1)[0]:
                seen += os.read(process.stderr.fileno(), 4096)
        assert b"Date" in seen, seen
        process.send_signal(signal.SIGINT)
        # Waited for with its input still open: closing it first (communicate) races the signal,
        # and a loaded machine then lets the command read the end of its input instead.
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:  # (say what it printed)
            process.kill()
            pytest.fail(f"still running 60 s after SIGINT; it printed: {seen + process.stderr.read()!r}")
        err = seen + process.stderr.read()
    finally:
        process.kill()
    assert process.returncode == 130 and b"nothing was written" in err and b"Traceback" not in err, err
    assert files(project) == before
