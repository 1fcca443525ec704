"""The first `make` says what it is doing while it installs (scripts/install_venv.py), and why it failed."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from conftest import PROJECT

SCRIPT = PROJECT / "scripts" / "install_venv.py"

PIP_OK = """Obtaining file:///archive
Collecting mkdocs==1.6.1 (from harvest-archive==0.1)
  Using cached mkdocs-1.6.1-py3-none-any.whl (3.9 MB)
Collecting whoosh-reloaded==2.7.5 (from harvest-archive==0.1)
  Downloading whoosh_reloaded-2.7.5-py3-none-any.whl (551 kB)
Installing collected packages: whoosh-reloaded, mkdocs, harvest-archive
Successfully installed harvest-archive-0.1 mkdocs-1.6.1 whoosh-reloaded-2.7.5
"""
PIP_FAILS = """Collecting mkdocs==1.6.1 (from harvest-archive==0.1)
ERROR: Could not find a version that satisfies the requirement mkdocs==1.6.1
"""


def fake_venv(tmp_path, output: str, status: int):
    """A venv whose python, asked to run pip, prints `output` and exits with `status`."""
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    (tmp_path / "pip-output.txt").write_text(output)
    python = venv / "bin" / "python"
    python.write_text(f"#!/bin/sh\ncat {tmp_path / 'pip-output.txt'}\nexit {status}\n")
    python.chmod(0o755)
    return venv


@pytest.mark.parametrize(
    "output,status,shown,log_has",
    [
        (
            PIP_OK,
            0,
            ["   1  mkdocs==1.6.1", "   2  whoosh-reloaded==2.7.5", "unpacking", "2 packages installed"],
            "Using cached",
        ),
        (PIP_FAILS, 1, ["   1  mkdocs==1.6.1", "Installing failed", "ERROR: Could not find a version"], "ERROR"),
    ],
)
def test_install_prints_one_line_per_package_and_keeps_the_log(tmp_path, output, status, shown, log_has):
    venv = fake_venv(tmp_path, output, status)
    result = subprocess.run(
        [sys.executable, str(SCRIPT), str(venv)], capture_output=True, text=True, cwd=tmp_path, timeout=60
    )
    assert result.returncode == status
    said = result.stdout + result.stderr
    for text in shown:
        assert text in said
    assert "Downloading whoosh" not in result.stdout  # pip's detail stays in the log
    assert log_has in (venv / "install.log").read_text()


def test_make_runs_the_talking_installer():
    recipe = (PROJECT / "Makefile").read_text()
    assert re.search(r"^\t@\$\(PYTHON\) scripts/install_venv\.py \$\(VENV\)$", recipe, re.M)
    assert "pip install --quiet" not in recipe.split("$(MUTANTS_STAMP)")[0]
