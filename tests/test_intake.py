"""Contribution intake: answers -> story files, issue-form bodies, forge JSON, CSV, the inbox."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pytest

from conftest import PROJECT, browser_search_text, build, run_harvest
from harvest.core.parse import read_story
from harvest.core.storyfile import WINDOWS_DEVICES
from harvest.intake.check import check_story, load_vocabulary
from harvest.intake.compose import Composer, clean_line, clean_text, to_handle
from harvest.intake.inbox import take_in
from harvest.intake.issueform import parse_forge_json, parse_issue_body
from harvest.site.project import settings_from_file

FIXTURES = Path(__file__).parent / "fixtures" / "intake"


@pytest.fixture
def settings(project):
    return settings_from_file(project / "mkdocs.yml")


def inbox(project) -> list[Path]:
    return sorted((project / "stories" / "_inbox").glob("*.md"))


def front(path: Path) -> dict:
    raw, problems = read_story(path, str(path), 1_000_000)
    assert raw is not None, problems
    return raw.meta


# --- cleaning rules (the site's form repeats them in JavaScript: see test_contribute_form.py) ----


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("  A  title\twith\ttabs ", "A title with tabs"),
        ("line\nbreak\r\nand\u2028more", "line break and more"),
        ("nul\x00byte\x7fdel", "nul byte del"),
        ("bom\ufeffinside", "bom inside"),
        ("non\u00a0breaking\u3000space", "non breaking space"),
        ("émoji 🌊 stays", "émoji 🌊 stays"),
    ],
)
def test_clean_line(raw, expected):
    assert clean_line(raw) == expected


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("para one\r\n\r\npara two  ", "para one\n\npara two"),
        ("\n\nleading blank lines\n\n", "leading blank lines"),
        (
            "# Top\n## What surprised us?\n### kept\n####  kept too",
            "### Top\n### What surprised us?\n### kept\n####  kept too",
        ),
        ("   ## indented three\n    ## code block", "   ### indented three\n    ## code block"),
        ("##no space is not a heading", "##no space is not a heading"),
        ("tab\tkept\x00 nul dropped", "tab\tkept nul dropped"),
    ],
)
def test_clean_text(raw, expected):
    assert clean_text(raw) == expected


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("Night Moth", "night-moth"),
        ("@priya", "priya"),
        ("Joaquín Ferrer", "joaquin-ferrer"),
        ("bike_1.b", "bike_1.b"),
        ("../../etc", "etc"),
        ("Имя", ""),
        ("--x--", "x"),
    ],
)
def test_to_handle(raw, expected):
    assert to_handle(raw) == expected


# --- composing and checking ------------------------------------------------------------------

GOOD = {
    "title": "Soup night",
    "date": "2026-02-03",
    "event": "Mutual aid",
    "place": "Kestrel Row",
    "lessons": "Logistics, mutual-care",
    "summary": "We fed eighty people.",
    "contributors": "",
    "prompt:surprised": "The queue.",
}


def compose(settings, answers):
    vocabulary = load_vocabulary(settings)
    composer = Composer(settings, vocabulary.lessons, vocabulary.registry)
    meta, body, problems = composer.compose(answers, "test")
    return meta, body, problems, vocabulary


def test_good_answers_make_a_story_the_validator_accepts(settings):
    meta, body, problems, vocabulary = compose(settings, GOOD)
    assert problems == []
    assert meta["event"] == "mutual-aid" and meta["lessons"] == ["logistics", "mutual-care"]
    assert meta["contributors"] == [] and meta["visibility"] == "public"
    assert meta["date"] == dt.date(2026, 2, 3) and meta["id"].startswith("2026-02-soup-night-")
    text, problems = check_story(meta, body, settings, vocabulary, "test")
    assert problems == []
    assert "contributors: []\n" in text and "\ndate: 2026-02-03\n" in text


@pytest.mark.parametrize(
    "change, field, message",
    [
        ({"title": "  "}, "title", "missing"),
        ({"title": "x" * 201}, "title", "too long"),
        ({"date": "2026-02-30"}, "date", "not a real date"),
        ({"date": "3 February"}, "date", "not a date"),
        ({"event": "festivl"}, "event", "unknown event kind"),
        ({"lessons": ""}, "lessons", "at least one"),
        ({"lessons": "Logistics, Joyy"}, "lessons", "unknown lesson 'Joyy'"),
        ({"contributors": "Имя"}, "contributors", "cannot be used as a handle"),
        ({"visibility": "secret"}, "visibility", "unknown visibility"),
        ({"prompt:surprised": "_No response_"}, "answers", "no prompt is answered"),
        ({"prompt:surprised": "x" * 20_001}, "What surprised us?", "too long"),
        ({"summary": "y" * 200_000}, "summary", "over 100000 characters"),
    ],
)
def test_bad_answers_are_named(settings, change, field, message):
    meta, _body, problems, _ = compose(settings, {**GOOD, **change})
    assert meta is None
    assert any(p.field == field and message in p.message for p in problems), problems


def test_hostile_titles_make_safe_ids(settings):
    for title in ("../../etc/passwd", "/abs/path", "CON", ".hidden", "nul.md", "a\\b\\c", "…"):
        meta, _, problems, _ = compose(settings, {**GOOD, "title": title})
        assert meta is not None, problems
        stem = meta["id"]
        assert "/" not in stem and "\\" not in stem and not stem.startswith(".") and ".." not in stem


def test_lesson_titles_with_commas(project):
    (project / "stories" / "lessons.yml").write_text(
        "food:\n  title: Food, water and shelter\n  description: Basics.\njoy:\n  title: Joy\n  description: Fun.\n",
        "utf-8",
    )
    settings = settings_from_file(project / "mkdocs.yml")
    meta, _, problems, _ = compose(settings, {**GOOD, "lessons": "Food, water and shelter, Joy"})
    assert meta["lessons"] == ["food", "joy"], problems


# --- issue forms -----------------------------------------------------------------------------


def test_issue_body_is_read_field_by_field(settings):
    item = parse_issue_body((FIXTURES / "issue-body.md").read_text("utf-8"), settings, "issue.md")
    assert item.problems == []
    assert item.answers["title"] == "The generator that saved the pantry"
    assert item.answers["event"] == "Mutual aid"
    assert item.answers["prompt:stepped-forward"] == ""
    assert item.answers["contributors"] == ""
    # a `###` heading that is not a form label stays inside the answer
    assert "### Notes for the maintainers" in item.answers["prompt:missing"]


def test_unticked_consent_rejects_the_issue(settings):
    body = (FIXTURES / "issue-body.md").read_text("utf-8").replace("- [X] Everyone", "- [ ] Everyone")
    item = parse_issue_body(body, settings, "issue.md")
    assert [p.field for p in item.problems] == ["consent"]


def test_forge_json_issue_event_and_list(settings):
    issue = json.loads((FIXTURES / "forgejo-issue.json").read_text("utf-8"))
    for text in (json.dumps(issue), json.dumps({"action": "labeled", "issue": issue}), json.dumps([issue, issue])):
        items = parse_forge_json(text, settings, "x.json")
        assert all(i.source == "x.json issue #7" for i in items)
        assert items[0].answers["place"] == "Saltwick Yards"
        assert items[0].answers["prompt:missing"] == ""
    bad = parse_forge_json('{"title": "no body"}', settings, "x.json")
    assert bad[0].problems and "body" in bad[0].problems[0].message
    broken = parse_forge_json('{"body": ', settings, "x.json")
    assert "invalid JSON" in broken[0].problems[0].message


def test_intake_of_issue_body_and_json_writes_checked_files(project):
    result = run_harvest("intake", str(FIXTURES / "issue-body.md"), str(FIXTURES / "forgejo-issue.json"), cwd=project)
    assert result.returncode == 0, result.stdout + result.stderr
    files = inbox(project)
    assert len(files) == 2
    pantry = next(f for f in files if "generator" in f.name)
    meta = front(pantry)
    assert meta["event"] == "mutual-aid" and meta["lessons"] == ["logistics", "resources"]
    assert meta["contributors"] == []
    drill = front(next(f for f in files if "flood" in f.name))
    assert drill["contributors"] == ["bike-1", "night-moth"]
    # "Night Moth" is a registered pseudonym: credited by its key, not an unregistered handle (issue 17)
    assert "not in the contributors registry" not in result.stdout
    check = run_harvest("check", "--strict", cwd=project)
    assert check.returncode == 0, check.stdout


def test_intake_reads_stdin(project):
    body = (FIXTURES / "issue-body.md").read_text("utf-8")
    result = run_harvest("intake", "-", cwd=project, input=body)
    assert result.returncode == 0, result.stderr
    assert "from stdin" in result.stdout and len(inbox(project)) == 1


# --- spreadsheets ----------------------------------------------------------------------------


def test_csv_imports_good_rows_and_reports_bad_ones_by_row(project):
    result = run_harvest("intake", str(FIXTURES / "stories.csv"), cwd=project)
    assert result.returncode == 1
    out = result.stdout
    assert "ignored columns (never written): Timestamp, Email address" in out
    assert "stories.csv row 2" in out and "rejected" not in out.split("row 2")[0]
    assert "rejected " + str(FIXTURES / "stories.csv") + " row 3:\n  date: '2026-02-30' is not a real date" in out
    row4 = out.split("row 4:")[1].split("wrote")[0]
    for expected in ("title: missing", "did you mean 'festival'?", "did you mean 'joy'?", "summary: missing"):
        assert expected in row4
    assert "row 6" in out  # the blank row 5 is skipped, the multi-line cell keeps the numbering
    assert "intake: wrote 2 to stories/_inbox/, rejected 2" in out
    files = inbox(project)
    assert len(files) == 2
    texts = "".join(f.read_text("utf-8") for f in files)
    assert "someone@example.org" not in texts and "2026/03/02" not in texts  # unmapped columns never land
    comma = front(next(f for f in files if "comma" in f.name))
    assert comma["title"] == "Assembly, with a comma" and comma["summary"] == "We voted, finally."
    assert "Line one\n\nLine three" in next(f for f in files if "comma" in f.name).read_text("utf-8")
    assert run_harvest("check", cwd=project).returncode == 0


def test_csv_mapping_file(project):
    result = run_harvest(
        "intake", str(FIXTURES / "encuesta.csv"), "--mapping", str(FIXTURES / "encuesta.yml"), cwd=project
    )
    assert result.returncode == 0, result.stdout + result.stderr
    meta = front(inbox(project)[0])
    assert meta["date"] == "2026-06-14" and meta["event"] == "festival" and meta["place"] == "Valle Alegre"
    assert "Vino todo el barrio." in inbox(project)[0].read_text("utf-8")  # the prompt alias is a heading


@pytest.mark.parametrize(
    "mapping, message",
    [
        ("columns:\n  titel: Nombre\n", "columns.titel: not a field or prompt id"),
        ("colums:\n  title: Nombre\n", "colums: unknown mapping key"),
        ("columns:\n  title: Nome\n", "title: no column is headed 'Nome'"),
        ("columns: [a, b]\n", "columns: should be a list"),
        ("columns:\n  title: !!python/object:os.system x\n", "YAML tag not allowed"),
    ],
)
def test_bad_mapping_files_are_reported_before_anything_is_written(project, tmp_path, mapping, message):
    (tmp_path / "m.yml").write_text(mapping, "utf-8")
    result = run_harvest("intake", str(FIXTURES / "encuesta.csv"), "--mapping", str(tmp_path / "m.yml"), cwd=project)
    assert result.returncode == 1
    assert message in result.stderr and "Traceback" not in result.stderr
    assert inbox(project) == []


def test_csv_limits(project, tmp_path):
    rows = ["Title,Date,Kind of event,Place,Lessons,Summary,What surprised us?"]
    rows += [f"Story {n},2026-01-01,action,Town,joy,Fine.,Yes." for n in range(6)]
    (tmp_path / "many.csv").write_text("\n".join(rows) + "\n", "utf-8")
    result = run_harvest("intake", str(tmp_path / "many.csv"), "--max-rows", "5", cwd=project)
    assert result.returncode == 1 and "more than 5 rows" in result.stderr
    assert inbox(project) == []
    (tmp_path / "latin1.csv").write_bytes("Title\nCaf\xe9\n".encode("latin-1"))
    result = run_harvest("intake", str(tmp_path / "latin1.csv"), cwd=project)
    assert result.returncode == 1 and "CSV UTF-8" in result.stderr
    (tmp_path / "wide.csv").write_text('Title,Date\n"a","b","c"\n', "utf-8")
    result = run_harvest("intake", str(tmp_path / "wide.csv"), cwd=project)
    assert "3 cells but only 2 headings" in result.stdout


def test_semicolon_csv_from_a_european_spreadsheet(project, tmp_path):
    (tmp_path / "semi.csv").write_text(
        "\ufeffTitle;Date;Kind of event;Place;Lessons;Summary;What surprised us?\n"
        "Semicolons;2026-01-02;Festival;Town;Joy;Fine, really.;Yes.\n",
        "utf-8",
    )
    result = run_harvest("intake", str(tmp_path / "semi.csv"), cwd=project)
    assert result.returncode == 0, result.stdout + result.stderr
    assert front(inbox(project)[0])["summary"] == "Fine, really."


# --- hostile input ---------------------------------------------------------------------------


def test_traversal_and_device_names_stay_in_the_inbox(project, tmp_path):
    titles = [
        "../../../etc/passwd",
        "/etc/shadow",
        "..\\..\\windows\\system32",
        "CON",
        "nul",
        ".htaccess",
        "~/.ssh/authorized_keys",
        "a/../../b",
    ]
    rows = ["Title,Date,Kind of event,Place,Lessons,Summary,What surprised us?"]
    rows += [f'"{t}",2026-01-02,action,Town,joy,Fine.,Yes.' for t in titles]
    (tmp_path / "evil.csv").write_text("\n".join(rows) + "\n", "utf-8")
    before = {p for p in project.rglob("*")}
    result = run_harvest("intake", str(tmp_path / "evil.csv"), cwd=project)
    assert result.returncode == 0, result.stdout
    created = {p for p in project.rglob("*")} - before
    folder = project / "stories" / "_inbox"
    assert created - {folder} and all(p.parent == folder for p in created - {folder})
    for path in created - {folder}:
        assert not path.name.startswith(".") and path.suffix == ".md"
        assert path.name.split(".")[0].lower() not in WINDOWS_DEVICES  # 'con.md' is a device on Windows
    assert not (tmp_path.parent / "etc").exists()


def test_a_big_issue_body_is_refused(project, tmp_path):
    (tmp_path / "big.md").write_text("### Title\n\n" + "x" * 1_100_000, "utf-8")
    result = run_harvest("intake", str(tmp_path / "big.md"), cwd=project)
    assert result.returncode == 1 and "over the" in result.stderr and inbox(project) == []


# --- the inbox: checked, never built, published by moving a file out of it --------------------


def test_inbox_is_checked_but_not_built_until_moved(project):
    result = run_harvest("intake", str(FIXTURES / "issue-body.md"), cwd=project)
    assert result.returncode == 0, result.stdout
    story = inbox(project)[0]
    (project / "stories" / "_inbox" / "broken.md").write_text("---\ntitle: x\n---\n", "utf-8")
    check = run_harvest("check", cwd=project)
    assert check.returncode == 1 and "stories/_inbox/broken.md" in check.stdout  # check covers the inbox
    (project / "stories" / "_inbox" / "broken.md").unlink()

    site = build(project)
    assert not any(story.stem in str(p) for p in site.rglob("*"))
    assert "generator that saved the pantry" not in browser_search_text(site).lower()
    assert "generator that saved the pantry" not in (site / "index.html").read_text("utf-8").lower()

    shutil.move(story, project / "stories" / "2026" / story.name)
    site = build(project)
    page = site / "2026" / story.stem / "index.html"
    assert page.exists() and "The generator that saved the pantry" in page.read_text("utf-8")


def test_dry_run_writes_nothing(project):
    result = run_harvest("intake", "--dry-run", str(FIXTURES / "stories.csv"), cwd=project)
    assert "intake: would write 2" in result.stdout and inbox(project) == []


# --- the forge issue form --------------------------------------------------------------------


def test_committed_issue_form_matches_the_configuration():
    result = run_harvest("forms", "--check", cwd=PROJECT)
    assert result.returncode == 0, result.stderr + "\nrun `harvest forms` and commit the result"


def test_issue_form_follows_mkdocs_yml(project):
    config = project / "mkdocs.yml"
    config.write_text(config.read_text("utf-8").replace("mutual-aid: Mutual aid", "mutual-aid: Solidarity kitchen"))
    assert run_harvest("forms", "--check", cwd=project).returncode == 1
    assert run_harvest("forms", cwd=project).returncode == 0
    form = (project / ".github" / "ISSUE_TEMPLATE" / "story.yml").read_text("utf-8")
    assert "- Solidarity kitchen" in form
    import yaml

    data = yaml.safe_load(form)
    ids = [block.get("id") for block in data["body"] if block["type"] != "markdown"]
    assert all(ids) and len(ids) == len(set(ids))  # Forgejo/Gitea leave out fields without an id
    labels = [b["attributes"]["label"] for b in data["body"] if b["type"] != "markdown"]
    assert "What surprised us?" in labels and len(labels) == len(set(labels))


def test_issue_form_round_trip(settings):
    """A body written the way the forges render our form reads back into a valid story."""
    import yaml

    from harvest.intake.issueform import issue_form

    vocabulary = load_vocabulary(settings)
    form = yaml.safe_load(issue_form(settings, vocabulary))
    filled = {
        "story-title": "Round trip",
        "date": "2026-05-01",
        "event": "Festival",
        "place": "Town",
        "lessons": "Joy, Mutual care",
        "summary": "It works.",
        "answer-surprised": "It all came back.",
        "contributors": "",
    }
    parts = []
    for block in form["body"]:
        if block["type"] == "markdown":
            continue
        label = block["attributes"]["label"]
        if block["type"] == "checkboxes":
            value = "\n".join(f"- [x] {o['label']}" for o in block["attributes"]["options"])
        else:
            value = filled.get(block["id"]) or "_No response_"
        parts.append(f"### {label}\n\n{value}\n")
    item = parse_issue_body("\n".join(parts), settings, "round-trip")
    outcomes = take_in([item], settings, vocabulary, settings.stories_dir / "_inbox", dry_run=True)
    assert not outcomes[0].rejected, outcomes[0].problems


# --- pull requests and CI --------------------------------------------------------------------


def test_check_annotates_inbox_problems_for_ci(project):
    (project / "stories" / "_inbox").mkdir()
    (project / "stories" / "_inbox" / "broken.md").write_text("---\ntitle: x\ndate: 2026-02-30\n---\nText\n", "utf-8")
    result = run_harvest("check", "--format", "github", cwd=project)
    assert result.returncode == 1
    assert "::error file=stories/_inbox/broken.md,line=3::date: '2026-02-30' is not a real date" in result.stdout


def test_example_workflow_and_pull_request_template():
    import yaml

    workflow = yaml.safe_load((PROJECT / ".github" / "workflows" / "harvest.yml").read_text("utf-8"))
    runs = {job: " ".join(step.get("run", "") for step in spec["steps"]) for job, spec in workflow["jobs"].items()}
    assert "harvest check --format github" in runs["check"] and "harvest build" in runs["check"]
    assert "harvest forms --check" in runs["check"]
    assert 'harvest intake "$GITHUB_EVENT_PATH"' in runs["intake"]
    assert "${{" not in runs["intake"]  # issue text reaches the shell only through env/event file
    template = (PROJECT / ".github" / "pull_request_template.md").read_text("utf-8")
    assert "agreed to be named" in template and "No sensitive logistics" in template


def test_intake_of_a_story_file(project, tmp_path):
    good = (
        (project / "stories" / "2026" / "flood-drill.md")
        .read_text("utf-8")
        .replace("id: 2026-03-flood-drill", "id: 2026-03-flood-drill-copy")
    )
    (tmp_path / "good.md").write_text(good, "utf-8")
    (tmp_path / "bad.md").write_text(good.replace("id: 2026-03-flood-drill-copy", "id: ../../etc"), "utf-8")
    result = run_harvest("intake", str(tmp_path / "good.md"), str(tmp_path / "bad.md"), cwd=project)
    assert result.returncode == 1
    assert (project / "stories" / "_inbox" / "2026-03-flood-drill-copy.md").read_text("utf-8") == good
    assert "id: '../../etc' has characters that are not allowed here" in result.stdout
    assert len(inbox(project)) == 1
