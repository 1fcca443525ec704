"""README examples that name the samples must be true on the samples.

The commands are read out of README.md (so editing the README re-checks them) and run, as a reader
would, on a fresh copy of the project; what the README says they write must then exist.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from conftest import PROJECT, copy_project, run_harvest

README = (PROJECT / "README.md").read_text("utf-8")


def shell_lines() -> list[str]:
    """Every command line of the README's ```sh blocks, continuation lines joined."""
    lines = []
    for block in re.findall(r"```sh\n(.*?)```", README, re.S):
        for line in block.replace("\\\n", " ").splitlines():
            if line.strip() and not line.lstrip().startswith("#"):
                lines.append(line.strip())
    return lines


def readme_line(prefix: str) -> str:
    """The one README command line that starts with `prefix`."""
    found = [line for line in shell_lines() if line.startswith(prefix)]
    assert len(found) == 1, f"README.md has {len(found)} command lines starting {prefix!r}"
    return found[0]


def command(line: str) -> list[str]:
    """The arguments after `harvest`, without the trailing comment."""
    words = shlex.split(line, comments=True)
    assert words[0] == "harvest"
    return words[1:]


@pytest.fixture
def fresh(tmp_path) -> Path:
    return copy_project(tmp_path / "archive")


# (line prefix in README.md, files the README says it writes, relative to the project)
DIGESTS = [
    ("harvest digest 2026-03 ", ["dist/digests/2026-03.eml", "dist/digests/2026-03.html", "dist/digests/2026-03.txt"]),
    ("harvest digest 2026-W", ["dist/digests/{key}.eml", "dist/digests/{key}.html", "dist/digests/{key}.txt"]),
    ("harvest digest 2026-Q1 --profile members", ["dist/digests/2026-Q1.eml"]),
]


@pytest.mark.parametrize("prefix,written", DIGESTS, ids=[p for p, _ in DIGESTS])
def test_readme_digest_examples_write_a_digest(fresh, prefix, written):
    args = command(readme_line(prefix))
    key = args[1]
    result = run_harvest(*args, cwd=fresh)
    assert result.returncode == 0, result.stdout + result.stderr
    for name in written:
        assert (fresh / name.format(key=key)).is_file(), name.format(key=key)


def test_readme_digest_dates_example(fresh, tmp_path):
    home = tmp_path / "home"
    # the shell's part: `~/newsletter` is the reader's home folder
    args = [re.sub(r"^~/", f"{home}/", word) for word in command(readme_line("harvest digest --since"))]
    result = run_harvest(*args, cwd=fresh)
    assert result.returncode == 0, result.stdout + result.stderr
    assert (home / "newsletter" / "2026-03-01_2026-05-31.eml").is_file()


def test_readme_members_search_finds_the_members_only_heatwave_story(fresh):
    line = readme_line("harvest search --profile members heat")
    result = run_harvest(*command(line), cwd=fresh)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Heatwave drill at the Brambleford towers" in result.stdout  # visibility: members
    public = run_harvest("search", "heat", cwd=fresh)
    assert "Heatwave drill" not in public.stdout


def test_readme_harvest_new_writes_the_file_it_names(fresh):
    line = readme_line("harvest new --yes")
    said = re.search(r"writes (stories/\S+\.md)", README)
    assert said, "README.md says which file `harvest new --yes …` writes"
    result = run_harvest(*command(line), cwd=fresh)
    assert result.returncode == 0, result.stdout + result.stderr
    written = fresh / said[1]
    assert written.is_file()
    assert str(Path(said[1])) in result.stdout  # the path it prints is the one the README names
    assert '"Soup night"' in written.read_text("utf-8")
