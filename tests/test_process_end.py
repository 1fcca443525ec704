"""How a one-shot command's process spends its memory and ends: no full collections during a build
(`core.memory.no_full_collections`), and no Python shutdown after it (`cli.main._end_process`),
yet every byte of output written and every exit handler run."""

from __future__ import annotations

import gc
import os
import subprocess
import sys

import pytest

from harvest.core.memory import NO_FULL_COLLECTION, no_full_collections

TODAY = {"HARVEST_TODAY": "2026-12-02"}


def _generations_collected(work) -> list[int]:
    seen: list[int] = []

    def callback(phase: str, info: dict) -> None:
        if phase == "start":
            seen.append(info["generation"])

    gc.callbacks.append(callback)
    try:
        work()
    finally:
        gc.callbacks.remove(callback)
    return seen


def _keep_many_objects() -> list:
    # Long-lived objects, as a build keeps its stories: Python's own settings collect them fully
    # a few times on the way.
    return [[i] for i in range(600_000)]


def test_without_full_collections_only_the_young_generations_are_collected():
    gc.set_threshold(700, 10, 10)  # Python's defaults (the autouse fixture sets back what was)
    assert 2 in _generations_collected(_keep_many_objects)  # the control: full collections happen

    with no_full_collections():
        assert gc.get_threshold() == (700, 10, NO_FULL_COLLECTION)
        seen = _generations_collected(_keep_many_objects)
    assert 0 in seen and 1 in seen  # the young garbage is still collected
    assert 2 not in seen
    assert gc.get_threshold() == (700, 10, 10)


def test_python_s_settings_come_back_after_a_failure():
    gc.set_threshold(500, 7, 9)
    with pytest.raises(ValueError), no_full_collections():
        raise ValueError("a build that failed")
    assert gc.get_threshold() == (500, 7, 9)


# The command as `harvest` runs it (main() reading sys.argv), with an exit handler registered and
# an object whose finaliser runs only if Python tears the modules down at exit.
COMMAND = """
import atexit, sys, threading, time
from pathlib import Path
atexit.register(lambda: sys.stderr.write("exit handler ran\\n"))
class Teardown:
    def __del__(self):
        sys.stderr.write("torn down\\n")
kept = Teardown()
if "--late-thread" in sys.argv:
    sys.argv.remove("--late-thread")
    def late():
        time.sleep(1.0)
        Path("late.txt").write_text("written after the command returned")
    threading.Thread(target=late).start()
from harvest.cli.main import main
sys.exit(main())
"""


def _run(project, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", COMMAND, *args],
        cwd=project,
        # Buffered, as a user's terminal session has it: what is still buffered must reach the pipe.
        env={
            **{k: v for k, v in os.environ.items() if k not in ("PYTHONUNBUFFERED", "HARVEST_PROFILE")},
            "NO_MKDOCS_2_WARNING": "1",
            **TODAY,
        },
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_a_build_ends_its_process_without_python_s_shutdown(project):
    result = _run(project, "build")
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"built {project / 'site'} (profile public)\n"  # buffered, flushed before the end
    assert result.stderr.endswith("exit handler ran\n")
    assert "torn down" not in result.stderr  # no teardown of every module and object
    assert (project / "site" / "index.html").is_file()


def test_a_failed_build_ends_with_its_status(project):
    result = _run(project, "build", "--profile", "nonesuch")
    assert result.returncode == 1
    assert "nonesuch" in result.stderr
    assert "exit handler ran" in result.stderr
    assert "torn down" not in result.stderr
    assert not (project / "site").exists()


def test_a_thread_still_running_is_waited_for(project):
    result = _run(project, "--late-thread", "index")
    assert result.returncode == 0, result.stderr
    assert "search index rebuilt" in result.stdout
    assert (project / "late.txt").read_text() == "written after the command returned"
    assert "torn down" in result.stderr  # the usual exit: Python's shutdown


def test_a_profiler_gets_its_report(project):
    """`python -m cProfile -o FILE -m harvest.cli …` writes FILE once the command returns: the
    usual exit then."""
    result = subprocess.run(
        [sys.executable, "-m", "cProfile", "-o", "index.prof", "-m", "harvest.cli", "index"],
        cwd=project,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1", **TODAY},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr
    assert "search index rebuilt" in result.stdout
    assert (project / "index.prof").stat().st_size > 0
