"""Where the command's output goes, when it goes nowhere: a reader that goes away (`harvest search
water | head -3`) stops the command quietly (no traceback, no "Exception ignored" at exit, and the
status a shell gives a command stopped by SIGPIPE); a stdout the caller closed discards it."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from conftest import run_harvest

TODAY = {"HARVEST_TODAY": "2026-12-02"}


@pytest.mark.parametrize(
    "args",
    [
        # one line, still buffered when the command ends: the pipe breaks at the last flush
        ["check"],
        # ~3.5 KB of text, also still buffered at the end (a search then ends its process itself)
        ["search", "--no-update", "-n", "100", "the"],
        # ~9 KB of JSON: more than the 8 KB buffer, so the pipe breaks while the command writes
        ["search", "--no-update", "--json", "-n", "100", "the"],
    ],
    ids=["check", "search", "search as JSON"],
)
def test_a_reader_gone_stops_the_command_quietly(project, args):
    indexed = run_harvest("index", cwd=project, env=TODAY)
    assert indexed.returncode == 0, indexed.stderr
    full = run_harvest(*args, cwd=project, env=TODAY)
    assert full.returncode == 0 and full.stdout.strip(), full.stderr  # there is output to lose

    reader, writer = os.pipe()
    os.close(reader)  # the reader is gone before the command writes anything
    try:
        result = subprocess.run(
            [sys.executable, "-m", "harvest.cli", *args],
            cwd=project,
            # Buffered, as a user's terminal session has it (a test runner may set PYTHONUNBUFFERED).
            env={
                **{k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"},
                "NO_MKDOCS_2_WARNING": "1",
                **TODAY,
            },
            stdout=writer,
            stderr=subprocess.PIPE,
            text=True,
            timeout=120,
        )
    finally:
        os.close(writer)
    assert result.returncode == 141, result.stderr
    assert "Traceback" not in result.stderr
    assert "BrokenPipe" not in result.stderr
    assert "Exception ignored" not in result.stderr


def _with_closed(redirect: str, project, *args: str) -> subprocess.CompletedProcess:
    """`harvest ARGS` started by a shell with one of its streams closed (`>&-`, `<&-`)."""
    return subprocess.run(
        ["sh", "-c", f'exec "$@" {redirect}', "sh", sys.executable, "-m", "harvest.cli", *args],
        cwd=project,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1", **TODAY},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize("args", [["check"], ["search", "--no-update", "the"]], ids=["check", "search"])
def test_a_closed_stdout_discards_the_output(project, args):
    """`harvest check >&-` (a scheduler may start a command so): Python has no sys.stdout then;
    the command does its work and its output goes nowhere, without a traceback."""
    indexed = run_harvest("index", cwd=project, env=TODAY)
    assert indexed.returncode == 0, indexed.stderr
    result = _with_closed(">&-", project, *args)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr


def test_a_closed_stdin_reads_as_empty(project):
    """`harvest new <&-`: Python has no sys.stdin then; the command reads its input as ended, as
    it does from /dev/null, and writes nothing."""
    before = sorted(p.relative_to(project) for p in (project / "stories").rglob("*"))
    result = _with_closed("<&-", project, "new")
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert "input ended before the story was finished; nothing was written" in result.stdout + result.stderr
    assert sorted(p.relative_to(project) for p in (project / "stories").rglob("*")) == before
