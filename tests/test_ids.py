"""The id ledger (stories/ids.txt): a removed story's id is never given to another story."""

from __future__ import annotations

import pytest

from conftest import run_harvest
from digest_helpers import write_story
from harvest.core.archive import scan
from harvest.core.ids import ledger_file, read_ledger
from harvest.site.project import settings_from_file

FLOOD = "2026/flood-drill.md"  # a sample story: id 2026-03-flood-drill, dated 2026-03-14


def id_problems(project):
    settings = settings_from_file(project / "mkdocs.yml")
    return [p for p in scan(settings, include_inbox=True).problems if p.field in ("id", "ids")]


def test_the_samples_ship_with_every_id_recorded(project):
    assert id_problems(project) == []
    result = run_harvest("ids", cwd=project)
    assert result.returncode == 0, result.stderr
    assert "0 id(s) added, 0 updated" in result.stdout


@pytest.mark.parametrize(
    "case, rel, front, expected",
    [
        (
            "new file takes a removed story's id",
            "2027/other.md",
            {"id": "2026-03-flood-drill", "date": "2027-01-05"},
            ("error", "belonged to another story (2026/flood-drill.md, 2026-03-14)"),
        ),
        (
            "new story under the old file name and id",
            FLOOD,
            {"id": "2026-03-flood-drill", "date": "2027-01-05"},
            ("error", "belonged to another story"),
        ),
        (
            "no id: the old file name gives the old id",
            "2025/old-name.md",
            {"id": None, "date": "2027-01-05"},
            ("error", "'old-name' belonged to another story (2025/old-name.md, 2024-05-01)"),
        ),
        (
            "the story moved and was renamed",
            "2026/moved/drill.md",
            {"id": "2026-03-flood-drill", "date": "2026-03-14"},
            None,
        ),
        (
            "its date was corrected (its ledger line too)",
            FLOOD,
            {"id": "2026-03-flood-drill", "date": "2026-03-15"},
            ("error", "belonged to another story"),
        ),
        ("a new id", "2027/new.md", {"id": "2027-01-new", "date": "2027-01-05"}, None),
        ("a new id in the inbox", "_inbox/new.md", {"id": "2027-01-new", "date": "2027-01-05"}, None),
    ],
)
def test_reuse_is_refused_and_moves_are_not(project, case, rel, front, expected):
    (project / "stories" / FLOOD).unlink()
    ledger = project / "stories" / "ids.txt"  # a removed story that had no `id:`, filed as 2025/old-name.md
    ledger.write_text(ledger.read_text("utf-8") + "old-name 2024-05-01 2025/old-name.md\n", "utf-8")
    path = write_story(project, rel, id=front["id"] or "placeholder", title="Another story", date=front["date"])
    if front["id"] is None:  # no id: it comes from the file name, as the removed story's did
        path.write_text(path.read_text("utf-8").replace("id: placeholder\n", ""), "utf-8")
    problems = id_problems(project)
    if expected is None:
        assert problems == [], case
        return
    severity, message = expected
    [problem] = problems
    assert problem.severity == severity and message in problem.message, case
    assert problem.path == f"stories/{rel}" and problem.line == 1 and "ids.txt" in problem.hint


def test_a_reused_id_stops_check_and_build_and_ids_refuses_it(project):
    (project / "stories" / FLOOD).unlink()
    write_story(project, "2027/flood-drill.md", id="2026-03-flood-drill", title="Another", date="2027-01-05")
    check = run_harvest("check", cwd=project)
    assert check.returncode == 1
    assert "stories/2027/flood-drill.md:1: id: '2026-03-flood-drill' belonged to another story" in check.stdout
    build = run_harvest("build", cwd=project)
    assert build.returncode == 1 and "belonged to another story" in build.stderr + build.stdout
    assert "Traceback" not in build.stderr
    before = ledger_file(settings_from_file(project / "mkdocs.yml")).read_text("utf-8")
    ids = run_harvest("ids", cwd=project)
    assert ids.returncode == 1 and "1 story id(s) refused" in ids.stdout
    after = ledger_file(settings_from_file(project / "mkdocs.yml")).read_text("utf-8")
    assert after == before  # the removed story keeps its line; the newcomer gets none


def test_ids_creates_the_ledger_and_records_new_stories(project):
    settings = settings_from_file(project / "mkdocs.yml")
    ledger_file(settings).unlink()
    assert id_problems(project) == []  # no ledger: nothing to check against
    result = run_harvest("ids", cwd=project)
    assert result.returncode == 0, result.stderr
    entries, problems = read_ledger(settings)
    every_story = scan(settings).stories  # withheld ones too: their ids are taken as well
    assert problems == [] and set(entries) == {s.id for s in every_story}
    write_story(project, "2027/new.md", id="2027-01-new", title="New", date="2027-01-05")
    check = run_harvest("check", "--strict", cwd=project)  # a new story is no problem, only a reminder
    assert check.returncode == 0 and "0 warning(s); 1 new id(s) to record with `harvest ids`" in check.stdout
    assert "1 id(s) added" in run_harvest("ids", cwd=project).stdout
    assert "new id" not in run_harvest("check", cwd=project).stdout
    (project / "stories" / "2027" / "new.md").rename(project / "stories" / "2027" / "renamed.md")
    assert "0 id(s) added, 1 updated" in run_harvest("ids", cwd=project).stdout
    assert read_ledger(settings)[0]["2027-01-new"].path == "2027/renamed.md"  # follows the move
    (project / "stories" / "2027" / "renamed.md").unlink()
    assert "2027-01-new" in read_ledger(settings)[0]  # removed stories keep their line


@pytest.mark.parametrize(
    "line, message",
    [
        ("just-an-id", "not an 'id date file' line"),
        ("an-id 14/03/2026 2026/x.md", "not an 'id date file' line"),
        ("2026-03-flood-drill 2026-03-14 2026/flood-drill.md", "listed twice"),
    ],
)
def test_a_broken_ledger_line_is_named(project, line, message):
    settings = settings_from_file(project / "mkdocs.yml")
    path = ledger_file(settings)
    path.write_text(path.read_text("utf-8") + line + "\n", "utf-8")
    number = len(path.read_text("utf-8").splitlines())
    [problem] = [p for p in id_problems(project) if p.field == "ids"]
    assert problem.path == "stories/ids.txt" and problem.line == number and message in problem.message
    result = run_harvest("ids", cwd=project)
    assert result.returncode == 1 and f"stories/ids.txt:{number}: ids:" in result.stderr
