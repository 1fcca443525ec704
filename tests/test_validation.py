"""Table-driven checks of `harvest check`: every kind of bad input gives file:line: field: message + hint."""

from __future__ import annotations

import pytest

from conftest import run_harvest
from harvest.core.archive import scan
from harvest.core.settings import Settings

LESSONS = "care:\n  title: Care\n  description: Looking after each other.\nlogistics:\n  title: Logistics\n  description: Moving things.\n"
REGISTRY = "ana:\n  name: Ana Ruiz\n  credit: named\n"
GOOD_META = (
    "title: Soup\ndate: 2026-03-14\nevent: action\nplace: Riverside\n"
    "contributors: [ana]\nlessons: [care]\nsummary: We made soup.\n"
)
GOOD_BODY = "Opening.\n\n## What surprised us?\n\nEverything.\n"


def story(meta: str = GOOD_META, body: str = GOOD_BODY) -> bytes:
    return f"---\n{meta}---\n\n{body}".encode()


def make_archive(tmp_path, files: dict[str, bytes], lessons: str = LESSONS, registry: str = REGISTRY) -> Settings:
    stories = tmp_path / "stories"
    stories.mkdir()
    (stories / "lessons.yml").write_text(lessons)
    (stories / "contributors.yml").write_text(registry)
    for name, data in files.items():
        (stories / name).parent.mkdir(parents=True, exist_ok=True)
        (stories / name).write_bytes(data)
    return Settings.for_directory(stories)


# (file content, expected line, field, message fragment, hint fragment)
BAD_INPUTS = {
    "malformed yaml": (story(GOOD_META + "place: [unclosed\n"), 9, "front matter", "invalid YAML", "indentation"),
    "no front matter": (b"# Just a heading\n\ntext\n", 1, "front matter", "no front matter", "start the file with"),
    "unclosed front matter": (b"---\ntitle: x\n", 1, "front matter", "not closed", "add a line '---'"),
    "missing field": (story(GOOD_META.replace("place: Riverside\n", "")), 1, "place", "missing", "place: Riverside"),
    "wrong type": (
        story(GOOD_META.replace("lessons: [care]", "lessons: care")),
        7,
        "lessons",
        "should be a list",
        "lessons: [",
    ),
    "impossible date": (
        story(GOOD_META.replace("2026-03-14", "2026-02-30")),
        3,
        "date",
        "is not a real date",
        "2026-03-14",
    ),
    "date in wrong form": (story(GOOD_META.replace("2026-03-14", "14/03/2026")), 3, "date", "YYYY-MM-DD", "2026-03-14"),
    "unknown lesson": (
        story(GOOD_META.replace("[care]", "[logistic]")),
        7,
        "lessons",
        "unknown lesson 'logistic'",
        "did you mean 'logistics'",
    ),
    "unknown event kind": (
        story(GOOD_META.replace("event: action", "event: acton")),
        4,
        "event",
        "unknown event kind 'acton'",
        "did you mean 'action'",
    ),
    "unknown visibility": (
        story(GOOD_META + "visibility: secretive\n"),
        9,
        "visibility",
        "unknown visibility",
        "known values",
    ),
    "empty body": (story(body="\n\n"), 10, "body", "no text", "## What surprised us?"),
    "non-utf8": (story(body="Caf\xe9\n").replace("Café".encode(), b"Caf\xe9"), 11, "file", "not valid UTF-8", "UTF-8"),
    "binary file": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", None, "file", "not a text file", "images"),
    "utf-16": ("---\ntitle: x\n---\n".encode("utf-16"), 1, "file", "UTF-16", "UTF-8"),
    "huge file": (story(body="word " * 300_000), None, "file", "over the", "split it"),
    "python tag": (
        story(GOOD_META + "extra: !!python/object/apply:os.system ['true']\n"),
        9,
        "front matter",
        "tag not allowed",
        "remove the",
    ),
    "yaml alias": (story(GOOD_META + "a: &x [care]\nb: *x\n"), 9, "front matter", "anchors and aliases", "in full"),
    "unbalanced redaction": (story(body="A [[redact]]secret place.\n"), 11, "body", "never closed", "[[/redact]]"),
    "stray closing redaction": (story(body="A place[[/redact]].\n"), 11, "body", "without an opening", "[[redact]]"),
    "nested redaction": (
        story(body="[[redact]]a [[redact members]]b[[/redact]] c[[/redact]]\n"),
        11,
        "body",
        "inside another",
        "close the span",
    ),
    "redaction in a field": (
        story(GOOD_META.replace("We made soup.", "We met at [[redact]]X[[/redact]].")),
        8,
        "summary",
        "only works in the story text",
        "visibility",
    ),
    "not a mapping": (
        b"---\n- a\n- b\n---\ntext\n",
        2,
        "front matter",
        "must be a list of `field: value`",
        "start the file",
    ),
    "bad id": (story("id: Not An Id\n" + GOOD_META), 2, "id", "not allowed", "lowercase"),
    "missing translation": (
        story(GOOD_META + "translation_of: nowhere\n"),
        1,
        "translation_of",
        "no story has the id",
        "",
    ),
    "missing image": (story(GOOD_META + "images: [gone.jpg]\n"), 9, "images", "not found", "relative to the story"),
    "image outside": (
        story(GOOD_META + "images: [../../etc/passwd]\n"),
        9,
        "images",
        "outside the stories folder",
        "inside",
    ),
}


@pytest.mark.parametrize("case", BAD_INPUTS, ids=list(BAD_INPUTS))
def test_bad_input_is_reported_with_location_field_and_hint(tmp_path, case):
    content, line, field, message, hint = BAD_INPUTS[case]
    settings = make_archive(tmp_path, {"2026/bad.md": content, "2026/good.md": story()})
    collection = scan(settings)
    errors = [p for p in collection.problems if p.is_error]
    assert errors, f"{case}: no error reported"
    match = [p for p in errors if p.field == field and message in p.message]
    assert match, f"{case}: got {[p.format() for p in errors]}"
    problem = match[0]
    assert problem.path == "stories/2026/bad.md"
    assert problem.line == line
    assert hint in problem.hint
    assert [s.path for s in collection.stories if s.path == "2026/good.md"], "a good story is still loaded"


@pytest.mark.parametrize("variant", ["bom", "crlf", "bom+crlf", "quoted date", "cr only"])
def test_harmless_encodings_are_accepted(tmp_path, variant):
    data = story()
    if "bom" in variant:
        data = b"\xef\xbb\xbf" + data
    if "crlf" in variant:
        data = data.replace(b"\n", b"\r\n")
    if variant == "cr only":
        data = data.replace(b"\n", b"\r")
    if variant == "quoted date":
        data = data.replace(b"2026-03-14", b'"2026-03-14"')
    collection = scan(make_archive(tmp_path, {"a.md": data}))
    assert [p.format() for p in collection.problems] == []
    [loaded] = collection.stories
    assert loaded.sections[0].prompt_id == "surprised" and "\r" not in loaded.markdown


def test_duplicate_ids_and_output_paths(tmp_path):
    files = {
        "2025/soup.md": story("id: same\n" + GOOD_META),
        "2026/other.md": story("id: same\n" + GOOD_META),
        "a/dup.md": story(),
        "b/dup.md": story(),
    }
    problems = scan(make_archive(tmp_path, files)).problems
    messages = [p.format() for p in problems if p.field == "id"]
    assert any("duplicate id 'same'" in m and "stories/2025/soup.md" in m for m in messages), messages
    assert any("duplicate id 'dup'" in m for m in messages), messages


def test_warnings_unknown_heading_contributor_and_field_typo(tmp_path):
    body = GOOD_BODY + "\n## What suprised us?\n\nmore\n"
    meta = GOOD_META.replace("[ana]", "[anna]") + "summmary: typo\n"
    problems = scan(make_archive(tmp_path, {"a.md": story(meta, body)})).problems
    formatted = {p.field: p for p in problems}
    assert [p.field for p in problems if p.is_error] == ["summmary"], [p.format() for p in problems]
    assert "did you mean 'What surprised us?'" in formatted["body"].hint
    assert "did you mean 'ana'" in formatted["contributors"].hint
    # An unknown field is an error (fail closed: a misspelt field is never silently ignored).
    assert "did you mean 'summary'" in formatted["summmary"].hint


@pytest.mark.parametrize(
    "lessons, field, message",
    [
        ("care: just text\n", "care", "needs `title:`"),
        ("care:\n  title: Care\n", "care.description", "one-line description"),
        ("Bad Id:\n  title: x\n  description: y\n", "Bad Id", "not a simple name"),
        ("care: [unclosed\n", "front matter", "invalid YAML"),
    ],
)
def test_vocabulary_problems(tmp_path, lessons, field, message):
    problems = scan(make_archive(tmp_path, {}, lessons=lessons)).problems
    assert any(p.field == field and message in p.message and p.path == "stories/lessons.yml" for p in problems), [
        p.format() for p in problems
    ]


@pytest.mark.parametrize(
    "registry, field, message",
    [
        ("ana:\n  credit: famous\n", "ana.credit", "unknown credit rule"),
        ("ana:\n  credit: named\n", "ana.name", "no name"),
        ("ana:\n  credit: pseudonym\n  name: A\n", "ana.pseudonym", "no pseudonym"),
    ],
)
def test_registry_problems(tmp_path, registry, field, message):
    problems = scan(make_archive(tmp_path, {}, registry=registry)).problems
    assert any(p.field == field and message in p.message for p in problems), [p.format() for p in problems]


def test_harvest_check_cli_reports_all_problems_and_exit_status(project):
    bad = project / "stories" / "2026" / "broken.md"
    bad.write_text(
        "---\ntitle: Broken\ndate: 2026-13-01\nevent: picnic\nplace: Here\ncontributors: []\n"
        "lessons: [joyy]\nsummary: x\n---\n\nText [[redact]]open\n"
    )
    result = run_harvest("check", cwd=project)
    out = result.stdout
    assert result.returncode == 1
    for expected in (
        "stories/2026/broken.md:3: date:",
        "stories/2026/broken.md:4: event: unknown event kind 'picnic'",
        "stories/2026/broken.md:7: lessons: unknown lesson 'joyy'",
        "hint: did you mean 'joy'?",
        "stories/2026/broken.md:11: body: [[redact]] is never closed",
    ):
        assert expected in out, out
    assert "Traceback" not in result.stderr
    bad.unlink()
    clean = run_harvest("check", cwd=project)
    assert clean.returncode == 0 and clean.stdout.strip().endswith("0 error(s), 0 warning(s)"), clean.stdout


def test_check_github_annotations(project):
    (project / "stories" / "bad.md").write_text("---\ntitle: x\n---\ntext\n")
    result = run_harvest("check", "--format", "github", cwd=project)
    assert result.returncode == 1
    assert "::error file=stories/bad.md,line=1::date: missing" in result.stdout


def test_bad_config_is_a_clear_error(project):
    config = project / "mkdocs.yml"
    config.write_text(config.read_text().replace("  - harvest:\n", "  - harvest:\n      related_count: many\n"))
    result = run_harvest("check", cwd=project)
    assert result.returncode == 1 and "related_count" in result.stderr and "Traceback" not in result.stderr
    result = run_harvest("build", "--profile", "nobody", cwd=copy_ok(project))
    assert result.returncode == 1 and "unknown profile 'nobody'" in result.stderr, result.stderr


def copy_ok(project):
    config = project / "mkdocs.yml"
    config.write_text(config.read_text().replace("      related_count: many\n", ""))
    return project
