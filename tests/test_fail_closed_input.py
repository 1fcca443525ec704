"""Fail closed on ambiguous input (issue 13, classes 1, 2, 8 and the YAML part of 7).

Each table holds variants of one class of mistake. Unit tests call the pure functions (`scan`,
`load_yaml_mapping`, the near-miss detectors); end-to-end tests run the real `harvest check`
(exit 1, `path:line: field:`) and `harvest build` (non-zero, and the story's canary text is
nowhere in the site folder) on a copy of the sample archive.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import copy_project, run_harvest
from harvest.core.archive import scan
from harvest.core.ids import read_ledger, record_ids
from harvest.core.parse import load_yaml_mapping
from harvest.core.problems import HarvestError
from harvest.core.settings import Settings

LESSONS = "care:\n  title: Care\n  description: Looking after each other.\n"
REGISTRY = "ana:\n  name: Ana Ruiz\n  credit: named\n"
META = (
    "title: Soup\ndate: 2026-03-14\nevent: action\nplace: Riverside\n"
    "contributors: [ana]\nlessons: [care]\nsummary: We made soup.\n"
)  # lines 2-8
BODY = "Opening.\n\n## What surprised us?\n\nEverything.\n"  # body starts on line 11


def story(meta: str = META, body: str = BODY) -> str:
    return f"---\n{meta}---\n\n{body}"


def archive(
    tmp_path: Path, files: dict[str, str], lessons: str = LESSONS, registry: str = REGISTRY, **settings
) -> Settings:
    stories = tmp_path / "stories"
    stories.mkdir(exist_ok=True)
    (stories / "lessons.yml").write_text(lessons, "utf-8")
    (stories / "contributors.yml").write_text(registry, "utf-8")
    for name, text in files.items():
        (stories / name).parent.mkdir(parents=True, exist_ok=True)
        (stories / name).write_text(text, "utf-8")
    return Settings.for_directory(stories, **settings)


def errors_of(settings: Settings) -> list[str]:
    return [p.format() for p in scan(settings, include_inbox=True).problems if p.is_error]


def assert_error(settings: Settings, expected: str, *fragments: str) -> None:
    found = errors_of(settings)
    matching = [m for m in found if m.startswith(expected) and all(f in m for f in fragments)]
    assert matching, f"wanted {expected!r} with {fragments}, got {found}"


# --- 1. ambiguous front matter ---------------------------------------------------------------------

# (extra front matter after META (it starts on line 9), expected "path:line: field:", fragments)
AMBIGUOUS_FRONT_MATTER = {
    "duplicate visibility": (
        "visibility: private\nvisibility: public\n",
        "stories/a.md:10: visibility:",
        ("given twice", "lines 9 and 10"),
    ),
    "duplicate far apart": (
        "visibility: private\nlang: en\nimages: []\nvisibility: public\n",
        "stories/a.md:12: visibility:",
        ("lines 9 and 12",),
    ),
    "duplicate quoted key": (
        'visibility: private\n"visibility": public\n',
        "stories/a.md:10: visibility:",
        ("given twice",),
    ),
    "duplicate title": ("title: Other\n", "stories/a.md:9: title:", ("lines 2 and 9",)),
    "case clash": (
        "visibility: private\nVisibility: public\n",
        "stories/a.md:10: Visibility:",
        ("clashes with 'visibility'", "lines 9 and 10"),
    ),
    "space clash": (
        'visibility: private\n" visibility ": public\n',
        "stories/a.md:10:  visibility :",
        ("clashes with 'visibility'",),
    ),
    "duplicate nested key": (
        "images: [{src: a.jpg, src: b.jpg}]\n",
        "stories/a.md:9: images[0].src:",
        ("given twice",),
    ),
    "merge key": ("<<: {visibility: public}\n", "stories/a.md:9: <<:", ("merge keys",)),
    "wrong case": ("Visibility: private\n", "stories/a.md:9: Visibility:", ("lowercase", "`visibility:`")),
    "fullwidth field name": (
        "ｖｉｓｉｂｉｌｉｔｙ: private\n",
        "stories/a.md:9: ｖｉｓｉｂｉｌｉｔｙ:",
        ("`visibility:`",),
    ),
    "private flag": ("private: true\n", "stories/a.md:9: private:", ("visibility:", "embargo_until")),
    "access": ("access: members\n", "stories/a.md:9: access:", ("visibility:",)),
    "published": ("published: false\n", "stories/a.md:9: published:", ("visibility:",)),
    "Published": ("Published: no\n", "stories/a.md:9: Published:", ("visibility:",)),
    "draft": ("draft: true\n", "stories/a.md:9: draft:", ("visibility:",)),
    "embargo": ("embargo: 2027-01-01\n", "stories/a.md:9: embargo:", ("embargo_until",)),
    "embargo_date": ("embargo_date: 2027-01-01\n", "stories/a.md:9: embargo_date:", ("embargo_until",)),
    "is_private": ("is_private: yes\n", "stories/a.md:9: is_private:", ("visibility:",)),
    "members_only": ("members_only: true\n", "stories/a.md:9: members_only:", ("visibility:",)),
    "hidden": ("hidden: true\n", "stories/a.md:9: hidden:", ("visibility:",)),
    "secret": ("secret: yes\n", "stories/a.md:9: secret:", ("visibility:",)),
    "typo of a field": ("summmary: typo\n", "stories/a.md:9: summmary:", ("unknown field", "did you mean 'summary'")),
    "unknown field": ("colour: red\n", "stories/a.md:9: colour:", ("unknown field", "extra_fields")),
}


@pytest.mark.parametrize("extra, expected, fragments", AMBIGUOUS_FRONT_MATTER.values(), ids=AMBIGUOUS_FRONT_MATTER)
def test_ambiguous_front_matter_is_an_error(tmp_path, extra, expected, fragments):
    assert_error(archive(tmp_path, {"a.md": story(META + extra)}), expected, *fragments)


@pytest.mark.parametrize(
    "source, line, field, fragment",
    [
        ("a: 1\nb:\n  c: 1\n  c: 2\n", 4, "b.c", "given twice (lines 3 and 4)"),
        ("a:\n  - x: 1\n    X: 2\n", 3, "a[0].X", "clashes with 'x'"),
        ("a: 1\na: 1\n", 2, "a", "given twice (lines 1 and 2)"),
        ("a: {b: [ {c: 1, c: 1} ]}\n", 1, "a.b[0].c", "given twice"),
    ],
)
def test_duplicate_keys_are_found_at_every_level(source, line, field, fragment):
    data, _, problems = load_yaml_mapping(source, "f.yml", first_line=1)
    assert data is None
    assert [(p.line, p.field) for p in problems] == [(line, field)] and fragment in problems[0].message


def test_allowed_extra_fields_pass_and_imported_fields_are_known(tmp_path):
    settings = archive(
        tmp_path,
        {"a.md": story(META + "author_url: https://example.org/a\nimported_from: json:x#1\nimport_digest: abc123\n")},
        extra_fields=("author_url",),
    )
    assert errors_of(settings) == []
    story_ = scan(settings).stories[0]
    assert story_.extra == {"author_url": "https://example.org/a"}


@pytest.mark.parametrize(
    "extras, fragment",
    [
        ("[is_private]", "'is_private' sounds like it controls who may see a story"),
        ("[Published]", "is not a field name"),
        ("[members_only, author_url]", "'members_only' sounds like"),
        ("[embargo_date]", "'embargo_date' sounds like"),
        ("[title]", "'title' is already a story field"),
    ],
)
def test_privacy_sounding_extra_fields_are_a_config_error(tmp_path, extras, fragment):
    project = copy_project(tmp_path / "archive")
    config = project / "mkdocs.yml"
    config.write_text(
        config.read_text("utf-8").replace(
            "      lessons: lessons.yml", f"      extra_fields: {extras}\n      lessons: lessons.yml"
        ),
        "utf-8",
    )
    result = run_harvest("check", cwd=project)
    assert result.returncode == 1 and fragment in result.stdout + result.stderr, result.stdout + result.stderr
    assert "Traceback" not in result.stderr


# --- 7 (YAML part). Hostile structure ----------------------------------------------------------------

DEEP = {
    "deep flow list in a field": "summary: " + "[" * 20000 + "]" * 20000 + "\n",
    "deep flow mapping in a field": "title: " + "{a: " * 20000 + "1" + "}" * 20000 + "\n",
    "deep list in an unknown field": "x: " + "[" * 5000 + "]" * 5000 + "\n",
    "21 levels": "x: " + "[" * 21 + "]" * 21 + "\n",
    "deep block lists": "x:\n" + "".join("  " * i + "-\n" for i in range(1, 40)),
}


@pytest.mark.parametrize("extra", DEEP.values(), ids=DEEP)
def test_deeply_nested_front_matter_is_refused(tmp_path, extra):
    assert_error(archive(tmp_path, {"a.md": story(META + extra)}), "stories/a.md:", "nested more than 20 levels")


def test_twenty_levels_are_still_fine():
    data, _, problems = load_yaml_mapping("x: " + "[" * 19 + "]" * 19 + "\n", "f.yml", first_line=1)
    assert problems == [] and data is not None


VOCABULARIES = {
    "duplicate lesson": (
        "lessons.yml",
        LESSONS + "care:\n  title: Other\n  description: Other.\n",
        "stories/lessons.yml:4: care:",
        "given twice (lines 1 and 4)",
    ),
    "duplicate key in a lesson": (
        "lessons.yml",
        "care:\n  title: Care\n  title: Other\n  description: D.\n",
        "stories/lessons.yml:3: care.title:",
        "given twice",
    ),
    "deep lessons": (
        "lessons.yml",
        "care: " + "[" * 20000 + "]" * 20000 + "\n",
        "stories/lessons.yml:1: front matter:",
        "nested more than 20 levels",
    ),
    "duplicate handle": (
        "contributors.yml",
        "ana:\n  credit: anonymous\nana:\n  name: Ana Ruiz\n  credit: named\n",
        "stories/contributors.yml:3: ana:",
        "given twice (lines 1 and 3)",
    ),
    "duplicate credit": (
        "contributors.yml",
        "ana:\n  name: Ana Ruiz\n  credit: anonymous\n  credit: named\n",
        "stories/contributors.yml:4: ana.credit:",
        "given twice",
    ),
    "case clash in an entry": (
        "contributors.yml",
        "ana:\n  name: Ana Ruiz\n  credit: anonymous\n  Credit: named\n",
        "stories/contributors.yml:4: ana.Credit:",
        "clashes with 'credit'",
    ),
    "unknown key in an entry": (
        "contributors.yml",
        "ana:\n  name: Ana Ruiz\n  credit: named\n  hidden: true\n",
        "stories/contributors.yml:1: ana.hidden:",
        "unknown field",
    ),
    "bidi in a name": (
        "contributors.yml",
        'ana:\n  name: "Ana \u202eziuR"\n  credit: named\n',
        "stories/contributors.yml:1: ana.name:",
        "bidirectional override",
    ),
    "bidi in a lesson title": (
        "lessons.yml",
        'care:\n  title: "Ca\u2067re"\n  description: D.\n',
        "stories/lessons.yml:1: care.title:",
        "bidirectional override",
    ),
}


@pytest.mark.parametrize("name, text, expected, fragment", VOCABULARIES.values(), ids=VOCABULARIES)
def test_vocabularies_are_read_as_strictly_as_stories(tmp_path, name, text, expected, fragment):
    files = {"lessons.yml": LESSONS, "contributors.yml": REGISTRY, name: text}
    settings = archive(tmp_path, {"a.md": story()}, lessons=files["lessons.yml"], registry=files["contributors.yml"])
    assert_error(settings, expected, fragment)


# --- 2. near-miss redaction marks and HTML comments ---------------------------------------------------

NEAR_MISS_MARKS = [
    "[[Redact]]secret[[/Redact]]",
    "[[REDACT]]secret[[/REDACT]]",
    "[[ redact ]]secret[[/redact]]",
    "[[redact]]secret[[/ redact]]",
    "[redact]secret[/redact]",
    "[[redact]secret[[/redact]",
    "{{redact}}secret{{/redact}}",
    "<redact>secret</redact>",
    "[[redacted]]secret[[/redacted]]",
    "[[redact:members]]secret[[/redact]]",
    "［［redact］］secret［［/redact］］",
    "[[re\u200bdact]]secret[[/re\u200bdact]]",
    "[[rеdact]]secret[[/rеdact]]",  # Cyrillic е
    "[[redcat]]secret[[/redcat]]",
    "⟦redact⟧secret⟦/redact⟧",
    "{% redact %}secret{% endredact %}",
    "((redact))secret((/redact))",
    "[[ｒｅｄａｃｔ]]secret[[/ｒｅｄａｃｔ]]",
    "[[r e d a c t]]secret[[/r e d a c t]]",
    "<!-- redact -->secret<!-- /redact -->",
]


@pytest.mark.parametrize("mark", NEAR_MISS_MARKS)
def test_near_miss_redaction_marks_are_errors(tmp_path, mark):
    body = BODY + f"\nWe met at {mark} today.\n"  # line 17
    assert_error(archive(tmp_path, {"a.md": story(body=body)}), "stories/a.md:17: body:", "looks like a redaction mark")


@pytest.mark.parametrize(
    "text",
    [
        "We had to redact names.",
        "The name (redacted) stayed out.",
        "- [ ] redact the minutes later",
        "[[redact]]x[[/redact]] and [[redact members]]y[[/redact]]",
        "She said “redact” twice.",
        "Built with [React](https://react.dev).",
        "The redaction policy.",
    ],
)
def test_prose_about_redaction_is_not_a_near_miss(text):
    from harvest.core.nearmiss import looks_like_redaction

    assert not looks_like_redaction(text)


@pytest.mark.parametrize(
    "field, value",
    [
        ("title", "Soup [[Redact]]x[[/Redact]]"),
        ("summary", "We met at [redact]x[/redact]."),
        ("place", "{{redact}}Riverside{{/redact}}"),
        ("title", "Soup [[ redact ]]"),
    ],
)
def test_near_miss_marks_in_fields_are_errors(tmp_path, field, value):
    meta = "".join(
        f'{field}: "{value}"\n' if line.startswith(field + ":") else line + "\n" for line in META.splitlines()
    )
    line = 2 + [row.split(":")[0] for row in META.splitlines()].index(field)
    assert_error(archive(tmp_path, {"a.md": story(meta)}), f"stories/a.md:{line}: {field}:", "redaction mark")


@pytest.mark.parametrize(
    "text, line, fragment",
    [
        ("Opening.\n<!-- a note that never ends\n\nsecret\n", 12, "never closed"),
        ("A <!-- closed --> and <!-- open\n", 11, "never closed"),
        ("<!- note ->\n", 11, "looks like an HTML comment"),
        ("<! -- note -->\n", 11, "looks like an HTML comment"),
        ("x\n<!— smart dashes —>\n", 12, "looks like an HTML comment"),
        ("<!–- en dash -->\n", 11, "looks like an HTML comment"),
        ("＜!-- fullwidth -->\n", 11, "looks like an HTML comment"),
    ],
)
def test_unclosed_and_near_miss_comments_are_errors(text, line, fragment):
    from harvest.core.nearmiss import comment_problems

    problems = comment_problems(text, 11, "s.md")
    assert [(p.line, p.field) for p in problems] == [(line, "body")] and fragment in problems[0].message


def test_a_closed_comment_is_fine():
    from harvest.core.nearmiss import comment_problems

    assert comment_problems("a <!-- note --> b\n<!--\nmulti\n-->\n", 11, "s.md") == []


# --- 8. check and build agree ----------------------------------------------------------------------------

RESERVED_PATHS = [
    "lessons.md",
    "index.md",
    "Lessons.md",
    "README.md",
    "feeds/x.md",
    "digests/x.md",
    "search.md",
    "assets/x.md",
    "404.md",
    "sitemap.xml.md",
    "contribute/x.md",
    "Places/x.md",
    "readings.md",
    "timeline.md",
    "ANSWERS/2026/x.md",
    "contributors.md",
    "events/x.md",
]


@pytest.mark.parametrize("path", RESERVED_PATHS)
def test_story_paths_used_by_harvest_pages_are_refused(tmp_path, path):
    assert_error(archive(tmp_path, {path: story()}), f"stories/{path}:1: file:", "used by Harvest's own pages")


@pytest.mark.parametrize(
    "first, second",
    [
        ("2026/a.md", "2026/a/index.md"),
        ("2026/a.md", "2026/A.md"),
        ("2026/index.md", "2026/README.md"),
        ("x/Flood.md", "X/flood.md"),
    ],
)
def test_stories_whose_pages_would_be_one_file_are_refused(tmp_path, first, second):
    files = {
        first: story(META.replace("title: Soup", "title: One")),
        second: story(META.replace("title: Soup", "title: Two")),
    }
    settings = archive(tmp_path, files)
    if len({p.name for p in settings.stories_dir.rglob("*.md")}) < 2 and first.casefold() == second.casefold():
        pytest.skip("case-insensitive file system")
    found = [m for m in errors_of(settings) if ": file: its page would be the same file" in m]
    assert len(found) == 1 and f"stories/{first}" in found[0] and f"stories/{second}" in found[0], found


INLINE_IMAGES = [
    "![](../../secret.png)",
    "![x](../../../elsewhere/photo.jpg)",
    '<img src="../../secret.png">',
    "<img src=../../secret.png>",
    "![x](<../../secret.png>)",
    "![x](..%2F..%2Fsecret.png)",
    "![x](..\\..\\secret.png)",
    "[pic]: ../../secret.png\n\n![x][pic]",
    '<img alt="" srcset="../../secret.png 2x">',
    "![x](missing.png)",
]


@pytest.mark.parametrize("ref", INLINE_IMAGES)
def test_inline_images_outside_the_stories_folder_are_errors(tmp_path, ref):
    (tmp_path / "secret.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    body = BODY + f"\n{ref}\n"  # line 17
    assert_error(
        archive(tmp_path, {"2026/a.md": story(body=body)}),
        "stories/2026/a.md:17: body:",
        "outside the stories folder" if "missing" not in ref else "not found",
    )


@pytest.mark.parametrize(
    "field, value, line",
    [
        ("id", '"soup\\n"', 9),
        ("translation_of", '"soup\\n"', 9),
        ("lang", '"en\\n"', 9),
        ("contributors", '["ana\\n"]', 6),
        ("id", '"other\\n"', 9),
        ("lang", '"es-ES\\n"', 9),
    ],
)
def test_patterns_match_the_whole_value(tmp_path, field, value, line):
    meta = "".join(row + "\n" for row in META.splitlines() if not row.startswith(field + ":")) + f"{field}: {value}\n"
    if field == "contributors":
        meta = META.replace("contributors: [ana]", f"contributors: {value}")
    files = {"a.md": story(meta), "b.md": story(META.replace("title: Soup", "title: Other") + "id: soup\n")}
    assert_error(archive(tmp_path, files), f"stories/a.md:{line}: {field}:")


@pytest.mark.parametrize(
    "field, value, fragment",
    [
        ("title", '"Soup\\nvisibility: public"', "line break"),
        ("title", '"Soup\\u202eputs"', "bidirectional override"),
        ("place", '"River\\u2066side"', "bidirectional override"),
        ("summary", '"We made\\u202a soup."', "bidirectional"),
        ("place", '"River\\x07side"', "control character"),
        ("summary", "|\n  Line one.\n  Line two.", "line break"),
        ("title", '"So\\u2069up"', "bidirectional override"),
    ],
)
def test_one_line_fields_refuse_line_breaks_controls_and_bidi(tmp_path, field, value, fragment):
    meta = "".join(f"{field}: {value}\n" if row.startswith(field + ":") else row + "\n" for row in META.splitlines())
    line = 2 + [row.split(":")[0] for row in META.splitlines()].index(field)
    assert_error(archive(tmp_path, {"a.md": story(meta)}), f"stories/a.md:{line}: {field}:", fragment)


def test_bidi_marks_stay_allowed_in_text(tmp_path):
    meta = META.replace("title: Soup", 'title: "שלום \u200fSoup"')
    assert errors_of(archive(tmp_path, {"a.md": story(meta)})) == []


@pytest.mark.parametrize(
    "name, fragment",
    [
        ("2026/bad\nname.md", "line break"),
        ("2026/tab\tname.md", "control character"),
        ("2026/rlo\u202eqm.md", "bidirectional"),
        ("20\x0126/x.md", "control character"),
        ("2026/zero\u200bwidth.md", "invisible"),
        ("2026/mark\u200fname.md", "bidirectional"),
        ("2026/bell\x07.md", "control character"),
    ],
)
def test_file_names_with_hidden_characters_are_refused(tmp_path, name, fragment):
    found = errors_of(archive(tmp_path, {name: story()}))
    assert any(": file: the name " in m and fragment in m for m in found), found
    assert all("\n" not in m.split("\n    hint")[0] for m in found)


def test_the_id_ledger_never_writes_a_broken_line(tmp_path):
    settings = archive(tmp_path, {"a.md": story()})
    collection = scan(settings)
    good = collection.stories[0]
    bad = type(good)(**{**good.__dict__, "id": "soup\nother 2020-01-01 x.md", "path": "b.md"})
    with pytest.raises(HarvestError, match="refusing to write"):
        record_ids(settings, [good, bad])
    assert not (settings.stories_dir / "ids.txt").exists()


def test_the_id_ledger_splits_lines_only_at_newlines(tmp_path):
    settings = archive(tmp_path, {})
    (settings.stories_dir / "ids.txt").write_text("soup 2026-03-14 2026/a\x0cb.md\n", "utf-8")
    entries, problems = read_ledger(settings)
    assert problems == [] and entries["soup"].path == "2026/a\x0cb.md"


# --- end to end: `harvest check` finds it, `harvest build` refuses it and publishes nothing -----------

SAMPLE_META = (
    "title: Canary story\ndate: 2026-04-01\nevent: action\nplace: Riverside\n"
    "contributors: [marisol]\nlessons: [communication]\nsummary: One sentence.\n"
)  # lines 2-8
CANARY = "Zanzibarcanary"


def sample_story(extra: str = "", body: str = "") -> str:
    return f"---\n{SAMPLE_META}{extra}---\n\nIntro {CANARY} text.\n\n## What surprised us?\n\n{body or 'Everything.'}\n"


# (files to write under stories/, expected "path:line: field:" in `harvest check`'s output)
END_TO_END = {
    "duplicate visibility": (
        {"2026/canary.md": sample_story("visibility: private\nvisibility: public\n")},
        "stories/2026/canary.md:10: visibility:",
    ),
    "wrong-case visibility": (
        {"2026/canary.md": sample_story("Visibility: private\n")},
        "stories/2026/canary.md:9: Visibility:",
    ),
    "private flag": ({"2026/canary.md": sample_story("private: true\n")}, "stories/2026/canary.md:9: private:"),
    "draft flag": ({"2026/canary.md": sample_story("draft: true\n")}, "stories/2026/canary.md:9: draft:"),
    "embargo": ({"2026/canary.md": sample_story("embargo: 2099-01-01\n")}, "stories/2026/canary.md:9: embargo:"),
    "deep nesting": (
        {"2026/canary.md": sample_story("x: " + "[" * 20000 + "]" * 20000 + "\n")},
        "stories/2026/canary.md:9: front matter:",
    ),
    "deep nesting in summary": (
        {
            "2026/canary.md": sample_story().replace(
                "summary: One sentence.", "summary: " + "{a: " * 20000 + "1" + "}" * 20000
            )
        },
        "stories/2026/canary.md:8: front matter:",
    ),
    "Redact": (
        {"2026/canary.md": sample_story(body=f"A [[Redact]]{CANARY}[[/Redact]] b.")},
        "stories/2026/canary.md:15: body:",
    ),
    "spaced redact": (
        {"2026/canary.md": sample_story(body=f"A [[ redact ]]{CANARY}[[/ redact ]] b.")},
        "stories/2026/canary.md:15: body:",
    ),
    "single brackets": (
        {"2026/canary.md": sample_story(body=f"A [redact]{CANARY}[/redact] b.")},
        "stories/2026/canary.md:15: body:",
    ),
    "fullwidth": (
        {"2026/canary.md": sample_story(body=f"A ［［redact］］{CANARY}［［/redact］］ b.")},
        "stories/2026/canary.md:15: body:",
    ),
    "near-miss comment": (
        {"2026/canary.md": sample_story(body=f"<!— {CANARY} —>")},
        "stories/2026/canary.md:15: body:",
    ),
    "unclosed comment": (
        {"2026/canary.md": sample_story(body=f"Text.\n\n<!-- {CANARY}")},
        "stories/2026/canary.md:17: body:",
    ),
    "lessons.md": ({"lessons.md": sample_story()}, "stories/lessons.md:1: file:"),
    "index.md": ({"index.md": sample_story()}, "stories/index.md:1: file:"),
    "Lessons.md": ({"Lessons.md": sample_story()}, "stories/Lessons.md:1: file:"),
    "README.md": ({"README.md": sample_story()}, "stories/README.md:1: file:"),
    "search folder": ({"search/x.md": sample_story()}, "stories/search/x.md:1: file:"),
    "contribute folder": ({"contribute/x.md": sample_story()}, "stories/contribute/x.md:1: file:"),
    "same page twice": (
        {"2026/canary.md": sample_story(), "2026/canary/index.md": sample_story()},
        "stories/2026/canary/index.md:1: file:",
    ),
    "image outside": (
        {"2026/canary.md": sample_story(body="![x](../../secret.png)")},
        "stories/2026/canary.md:15: body:",
    ),
    "html image outside": (
        {"2026/canary.md": sample_story(body='<img src="../../secret.png">')},
        "stories/2026/canary.md:15: body:",
    ),
    "id with a newline": ({"2026/canary.md": sample_story('id: "canary\\n"\n')}, "stories/2026/canary.md:9: id:"),
    "title with a newline": (
        {"2026/canary.md": sample_story().replace("title: Canary story", 'title: "Canary\\nstory"')},
        "stories/2026/canary.md:2: title:",
    ),
    "bidi in title": (
        {"2026/canary.md": sample_story().replace("title: Canary story", "title: Canary \u202estory")},
        "stories/2026/canary.md:2: title:",
    ),
    "bidi in place": (
        {"2026/canary.md": sample_story().replace("place: Riverside", "place: River\u2066side")},
        "stories/2026/canary.md:5: place:",
    ),
    "newline in file name": ({"2026/can\nary.md": sample_story()}, "stories/2026/can\\nary.md: file:"),
    "bidi in file name": ({"2026/can\u202eary.md": sample_story()}, "stories/2026/can\\u202eary.md: file:"),
    "registry duplicate": ({"contributors.yml": None}, "stories/contributors.yml:"),
}


def _write(project: Path, files: dict[str, str | None]) -> None:
    for name, text in files.items():
        target = project / "stories" / name
        if text is None:  # the registry case: marisol listed twice, anonymous first, then named
            text = target.read_text("utf-8").replace(
                "marisol:\n  name: Marisol Ibarra\n  credit: named\n",
                f"marisol:\n  credit: anonymous\nmarisol:\n  name: {CANARY} Ibarra\n  credit: named\n",
            )
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, "utf-8")


def canary_files(site: Path) -> list[str]:
    if not site.exists():
        return []
    return [str(f) for f in site.rglob("*") if f.is_file() and CANARY.encode() in f.read_bytes()]


@pytest.mark.parametrize("files, expected", END_TO_END.values(), ids=END_TO_END)
def test_check_reports_and_build_refuses(tmp_path, files, expected):
    project = copy_project(tmp_path / "archive")
    (tmp_path / "archive" / "secret.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    _write(project, files)
    check = run_harvest("check", cwd=project)
    assert check.returncode == 1, check.stdout + check.stderr
    assert expected in check.stdout, check.stdout
    assert "Traceback" not in check.stderr
    result = run_harvest("build", cwd=project)
    assert result.returncode != 0, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    assert canary_files(project / "site") == []


def test_samples_and_an_allowed_extra_field_still_build(tmp_path):
    project = copy_project(tmp_path / "archive")
    config = project / "mkdocs.yml"
    config.write_text(
        config.read_text("utf-8").replace(
            "      lessons: lessons.yml", "      extra_fields: [original_url]\n      lessons: lessons.yml"
        ),
        "utf-8",
    )
    _write(project, {"2026/canary.md": sample_story("original_url: https://example.org/x\n")})
    assert run_harvest("check", cwd=project).returncode == 0
    result = run_harvest("build", cwd=project)
    assert result.returncode == 0, result.stdout + result.stderr
    assert canary_files(project / "site")  # published: the extra field is allowed
    assert b"https://example.org/x" not in b"".join(
        f.read_bytes() for f in (project / "site").rglob("*.html")
    )  # extras are never rendered
