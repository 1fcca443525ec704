"""`harvest.core.validate.build_story`: one parsed file -> a `Story`, or the exact problems.

Each case lists every problem the file gives (path, line, field, message, hint), written by hand,
and the happy cases every field of the Story (these tests back `make mutants`).
"""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from jsonschema import ValidationError

from harvest.core.model import Lesson
from harvest.core.parse import parse_story_text
from harvest.core.privacy import RedactedSpan, RegistryEntry
from harvest.core.problems import WARNING, Problem
from harvest.core.prompts import PromptMatcher
from harvest.core.settings import Settings
from harvest.core.validate import _schema_problem, build_story

P = "stories/2026/a.md"
LESSONS = {
    "care": Lesson("care", "Care", "Looking after each other."),
    "logistics": Lesson("logistics", "Logistics", "Moving things."),
}
REGISTRY = {"ana": RegistryEntry("ana", "Ana Ruiz", "named"), "ben": RegistryEntry("ben", "Ben", "anonymous")}
# Front-matter lines 2-8; a line added after them is line 9.
META = (
    "title: Soup\ndate: 2026-03-14\nevent: action\nplace: Riverside\n"
    "contributors: [ana]\nlessons: [care]\nsummary: We made soup.\n"
)
BODY = "Opening.\n\n## What surprised us?\n\nEverything.\n"


def settings(**overrides) -> Settings:
    return Settings.for_directory("/archive/stories", today=dt.date(2026, 12, 2), **overrides)


def check(meta: str = META, body: str = BODY, rel: str = "2026/a.md", **overrides):
    text = f"---\n{meta}---\n\n{body}"
    raw, problems = parse_story_text(text, P)
    assert problems == [], problems
    config = settings(**overrides)
    return build_story(raw, rel, P, config, LESSONS, REGISTRY, PromptMatcher(config.prompts))


def problems_of(meta: str = META, body: str = BODY, **overrides) -> list[Problem]:
    return check(meta, body, **overrides)[1]


# --- a good story -----------------------------------------------------------------------------------


def test_a_good_story_has_every_field():
    text = f"---\n{META}---\n\n{BODY}"
    story, problems = check()
    assert problems == []
    assert (story.id, story.path, story.title, story.date, story.event, story.place) == (
        "a",
        "2026/a.md",
        "Soup",
        dt.date(2026, 3, 14),
        "action",
        "Riverside",
    )
    assert (story.contributors, story.lessons, story.summary, story.lang, story.visibility) == (
        ("ana",),
        ("care",),
        "We made soup.",
        "en",
        "public",
    )
    assert (story.markdown, story.body_line, story.words) == ("\n" + BODY, 10, 2)
    assert story.intro.strip() == "Opening."
    assert [(s.heading, s.prompt_id, s.line, s.words) for s in story.sections] == [
        ("What surprised us?", "surprised", 13, 1)
    ]
    assert story.content_hash == hashlib.sha256(text.encode("utf-8")).hexdigest()
    assert (story.embargo_until, story.images, story.translation_of, story.redactions, story.extra) == (
        None,
        (),
        None,
        (),
        {},
    )


@pytest.mark.parametrize(
    "meta_change, rel, overrides, attribute, value",
    [
        (("title: Soup", "title: '  Soup  '"), "2026/a.md", {}, "title", "Soup"),
        (("place: Riverside", "place: ' Riverside '"), "2026/a.md", {}, "place", "Riverside"),
        (("We made soup.", "'  We  made   soup.  '"), "2026/a.md", {}, "summary", "We made soup."),
        (("title: Soup", "id: soup-2026\ntitle: Soup"), "2026/a.md", {}, "id", "soup-2026"),
        (("", ""), "2026/Winter Soup.md", {}, "id", "winter-soup"),
        (("", ""), "winter.md", {}, "id", "winter"),
        (("", ""), "x/2026/Soup Day.md", {}, "id", "soup-day"),
        (
            ("title: Soup", 'title: "\\nSoup\\n"'),
            "2026/a.md",
            {},
            "title",
            "Soup",
        ),  # line breaks at the ends are trimmed
        (("", ""), "2026/a.md", {"default_lang": "es"}, "lang", "es"),
        (("title: Soup", "lang: fr\ntitle: Soup"), "2026/a.md", {"default_lang": "es"}, "lang", "fr"),
        (("", ""), "2026/a.md", {"default_visibility": "members"}, "visibility", "members"),
        (("title: Soup", "visibility: private\ntitle: Soup"), "2026/a.md", {}, "visibility", "private"),
        (
            ("title: Soup", "embargo_until: 2027-01-31\ntitle: Soup"),
            "2026/a.md",
            {},
            "embargo_until",
            dt.date(2027, 1, 31),
        ),
        (("contributors: [ana]", "contributors: [ana, ben]"), "2026/a.md", {}, "contributors", ("ana", "ben")),
        (("lessons: [care]", "lessons: [care, logistics]"), "2026/a.md", {}, "lessons", ("care", "logistics")),
        (("title: Soup", "translation_of: other-story\ntitle: Soup"), "2026/a.md", {}, "translation_of", "other-story"),
        (
            ("title: Soup", "source_url: x\nimported_from: 'jekyll: a'\ntitle: Soup"),
            "2026/a.md",
            {"extra_fields": ("source_url",)},
            "extra",
            {"source_url": "x"},
        ),
    ],
)
def test_story_fields(meta_change, rel, overrides, attribute, value):
    story, problems = check(META.replace(*meta_change), rel=rel, **overrides)
    assert problems == []
    assert getattr(story, attribute) == value


def test_images_and_redactions_are_kept(tmp_path):
    body = "Opening [[redact members]]Sam[[/redact]].\n"
    story, problems = check(META + "images: [a.jpg, b.png]\n", body)
    assert problems == []
    assert story.images == ("a.jpg", "b.png")
    assert story.redactions == (RedactedSpan("members", 9, 41, (27, 30), 12),)


def test_warnings_leave_the_story_usable():
    story, problems = check(META.replace("[ana]", "[anna]"), BODY + "\n## Who came?\n\nUs.\n")
    assert problems == [
        Problem(
            P,
            6,
            "contributors",
            "'anna' is not in the contributors registry, so they will be shown as anonymous",
            "did you mean 'ana'?; add them to stories/contributors.yml with their credit rule",
            WARNING,
            strict=False,
        ),
        Problem(
            P,
            17,
            "body",
            "unknown prompt heading '## Who came?'",
            "known values: What resource was missing?, What surprised us?, Who stepped forward? "
            "(prompts and their accepted variants are set in mkdocs.yml)",
            WARNING,
        ),
    ]
    assert story is not None and story.words == 3  # Opening, Everything, Us


def test_an_unknown_contributor_without_a_close_name():
    _, problems = check(META.replace("[ana]", "[zed]"))
    assert problems == [
        Problem(
            P,
            6,
            "contributors",
            "'zed' is not in the contributors registry, so they will be shown as anonymous",
            "add them to stories/contributors.yml with their credit rule",
            WARNING,
            strict=False,
        )
    ]


# --- errors -----------------------------------------------------------------------------------------


def add(line: str) -> str:
    return META + line + "\n"


def swap(old: str, new: str) -> str:
    assert old in META
    return META.replace(old, new)


LESSONS_HINT = " (lessons are defined in stories/lessons.yml)"
ERRORS = {
    "missing field": (swap("place: Riverside\n", ""), [Problem(P, 1, "place", "missing", "add `place: Riverside`")]),
    "two missing fields": (
        swap("place: Riverside\n", "").replace("summary: We made soup.\n", ""),
        [
            Problem(P, 1, "place", "missing", "add `place: Riverside`"),
            Problem(
                P, 1, "summary", "missing", "add `summary: One sentence saying what happened and what we learned.`"
            ),
        ],
    ),
    "title not text": (
        swap("title: Soup", "title: [a]"),
        [
            Problem(
                P, 2, "title", "should be text, not list ['a']", "e.g. `title: The night the river drill went sideways`"
            )
        ],
    ),
    "lessons not a list": (
        swap("lessons: [care]", "lessons: care"),
        [Problem(P, 7, "lessons", "should be a list, not str 'care'", "e.g. `lessons: [communication, logistics]`")],
    ),
    "contributors a mapping": (
        swap("contributors: [ana]", "contributors: {a: 1}"),
        [Problem(P, 6, "contributors", "should be a list, not dict {'a': 1}", "e.g. `contributors: [ana, ben]`")],
    ),
    "date a number": (
        swap("date: 2026-03-14", "date: 20260314"),
        [Problem(P, 3, "date", "20260314 is not a date in YYYY-MM-DD form", "e.g. `date: 2026-03-14`")],
    ),
    "date in another form": (
        swap("date: 2026-03-14", "date: 14/03/2026"),
        [Problem(P, 3, "date", "'14/03/2026' is not a date in YYYY-MM-DD form", "e.g. `date: 2026-03-14`")],
    ),
    "impossible date": (
        swap("date: 2026-03-14", "date: 2026-02-30"),
        [Problem(P, 3, "date", "'2026-02-30' is not a real date", "check the month and day; e.g. `date: 2026-03-14`")],
    ),
    "impossible embargo": (
        add("embargo_until: 2027-13-01"),
        [
            Problem(
                P,
                9,
                "embargo_until",
                "'2027-13-01' is not a real date",
                "check the month and day; e.g. `embargo_until: 2027-01-31`",
            )
        ],
    ),
    "embargo in another form": (
        add("embargo_until: soon"),
        [Problem(P, 9, "embargo_until", "'soon' is not a date in YYYY-MM-DD form", "e.g. `embargo_until: 2027-01-31`")],
    ),
    "id with capitals": (
        add("id: Soup"),
        [
            Problem(
                P,
                9,
                "id",
                "'Soup' has characters that are not allowed here",
                "use lowercase letters, digits and hyphens; e.g. `id: 2026-03-flood-drill`",
            )
        ],
    ),
    "id ending in a line break": (
        add('id: "soup\\n"'),
        [
            Problem(
                P,
                9,
                "id",
                "'soup\\n' has characters that are not allowed here",
                "use lowercase letters, digits and hyphens; e.g. `id: 2026-03-flood-drill`",
            )
        ],
    ),
    "no lessons": (
        swap("lessons: [care]", "lessons: []"),
        [Problem(P, 7, "lessons", "must list at least one value", "e.g. `lessons: [communication, logistics]`")],
    ),
    "a lesson twice": (
        swap("lessons: [care]", "lessons: [care, care]"),
        [Problem(P, 7, "lessons", "lists the same value twice", "remove the repeated value")],
    ),
    "empty title": (
        swap("title: Soup", "title: ''"),
        [Problem(P, 2, "title", "is empty", "e.g. `title: The night the river drill went sideways`")],
    ),
    "title too long": (
        swap("title: Soup", "title: " + "x" * 201),
        [Problem(P, 2, "title", "is too long (201 characters, at most 200)", "shorten it")],
    ),
    "place too long": (
        swap("place: Riverside", "place: " + "y" * 121),
        [Problem(P, 5, "place", "is too long (121 characters, at most 120)", "shorten it")],
    ),
    "unknown event": (
        swap("event: action", "event: acton"),
        [Problem(P, 4, "event", "unknown event kind 'acton'", "did you mean 'action'?")],
    ),
    "unknown lesson": (
        swap("lessons: [care]", "lessons: [cares]"),
        [Problem(P, 7, "lessons", "unknown lesson 'cares'", "did you mean 'care'?" + LESSONS_HINT)],
    ),
    "two unknown lessons": (
        swap("lessons: [care]", "lessons: [zzz, care, yyy]"),
        [
            Problem(P, 7, "lessons", "unknown lesson 'zzz'", "known values: care, logistics" + LESSONS_HINT),
            Problem(P, 7, "lessons", "unknown lesson 'yyy'", "known values: care, logistics" + LESSONS_HINT),
        ],
    ),
    "misspelt visibility": (
        add("visibility: pubic"),
        [Problem(P, 9, "visibility", "unknown visibility 'pubic'", "did you mean 'public'?")],
    ),
    "unknown visibility": (
        add("visibility: secret"),
        [Problem(P, 9, "visibility", "unknown visibility 'secret'", "known values: members, private, public")],
    ),
    "line break in the title": (
        swap("title: Soup", 'title: "So\\nup"'),
        [
            Problem(
                P,
                2,
                "title",
                "contains a line break or tab (U+000A); this field is one line",
                "write it as plain text on one line",
            )
        ],
    ),
    "bidi override in the place": (
        swap("place: Riverside", 'place: "River\\u202eside"'),
        [
            Problem(
                P,
                5,
                "place",
                "contains a bidirectional override character (U+202E "
                "RIGHT-TO-LEFT OVERRIDE), which can make text display differently from what it is",
                "write it as plain text on one line",
            )
        ],
    ),
    "control character in an image name": (
        add('images: ["a\\u0007.jpg", b.jpg]'),
        [
            Problem(
                P,
                9,
                "images",
                "'a\\x07.jpg' contains a control character (U+0007)",
                "rename the image file using visible letters, digits, '-' and '_'",
            )
        ],
    ),
    "empty body": (
        META,
        [
            Problem(
                P,
                10,
                "body",
                "the story has no text",
                "write the story below the front matter, with a `## What surprised us?` section",
            )
        ],
    ),
}
BODIES = {"empty body": "  \n\n"}


@pytest.mark.parametrize("case", ERRORS, ids=list(ERRORS))
def test_errors(case):
    meta, expected = ERRORS[case]
    story, problems = check(meta, BODIES.get(case, BODY))
    assert problems == expected
    assert story is None


def test_a_field_with_a_schema_error_is_not_checked_again():
    """One problem per mistake: a mistyped field gets no second 'unknown …' or 'not a real date'."""
    meta = (
        swap("event: action", "event: [x]")
        .replace("lessons: [care]", "lessons: care")
        .replace("contributors: [ana]", "contributors: zed")
        .replace("date: 2026-03-14", "date: 2026-99-99x")
        + "visibility: [a]\nembargo_until: 5\n"
    )
    _, problems = check(meta)
    assert [(p.line, p.field) for p in problems] == [
        (6, "contributors"),
        (3, "date"),
        (10, "embargo_until"),
        (4, "event"),
        (7, "lessons"),
        (9, "visibility"),
    ]


@pytest.mark.parametrize(
    "line, message",
    [
        ("images: a.jpg", "should be a list, not str 'a.jpg'"),
        ('images: "a\\u0007.jpg"', "should be a list, not str 'a\\x07.jpg'"),  # not read letter by letter
    ],
)
def test_a_bad_image_list_is_not_read_for_characters(line, message):
    _, problems = check(add(line))
    assert problems == [Problem(P, 9, "images", message, "e.g. `images: [photos/kitchen.jpg]`")]


def test_every_one_line_field_is_read_after_a_mistyped_one():
    _, problems = check(swap("title: Soup", "title: [a]").replace("place: Riverside", 'place: "a\\u0007"'))
    assert [(p.line, p.field, p.message) for p in problems] == [
        (2, "title", "should be text, not list ['a']"),
        (5, "place", "contains a control character (U+0007)"),
    ]


def test_a_mistyped_one_line_field_is_not_read_for_characters():
    _, problems = check(swap("title: Soup", "title: ''").replace("place: Riverside", "place: 12"))
    assert [(p.field, p.message) for p in problems] == [("place", "should be text, not int 12"), ("title", "is empty")]


def test_redaction_problems_in_the_body_are_errors():
    story, problems = check(body=BODY + "\nA [[redact]]secret.\n")
    assert problems == [
        Problem(
            P,
            17,
            "body",
            "[[redact]] is never closed",
            "add [[/redact]] where the withheld passage ends; an open span would hide nothing",
        )
    ]
    assert story is None


def test_a_near_miss_redaction_in_a_field_is_an_error():
    _, problems = check(swap("summary: We made soup.", "summary: 'We met at [redact]X[/redact].'"))
    assert [(p.path, p.line, p.field) for p in problems] == [(P, 8, "summary")]
    assert problems[0].message.startswith("this looks like a redaction mark")


@pytest.mark.parametrize(
    "body, line, start",
    [
        ("Opening.\n\nWe met at [redact]X[/redact].\n", 13, "this looks like a redaction mark"),
        ("Opening.\n<!-- a note never closed\n", 12, "this HTML comment is never closed"),
        ("Opening.\n\n\n<!- a note ->\n", 14, "this looks like an HTML comment"),
    ],
)
def test_near_misses_in_the_body_are_errors(body, line, start):
    story, problems = check(body=body)
    assert [(p.path, p.line, p.field, p.is_error) for p in problems] == [(P, line, "body", True)]
    assert problems[0].message.startswith(start) and story is None


def test_an_error_with_a_warning_still_stops_the_story():
    story, problems = check(swap("event: action", "event: acton").replace("[ana]", "[zed]"))
    assert [(p.field, p.severity) for p in problems] == [("event", "error"), ("contributors", WARNING)]
    assert story is None


def test_custom_vocabularies():
    overrides = {
        "event_kinds": {"drill": "Drill"},
        "visibility_levels": ("open", "closed"),
        "default_visibility": "open",
        "profiles": {"open": "open"},
    }
    story, problems = check(swap("event: action", "event: drill"), **overrides)
    assert (problems, story.event, story.visibility) == ([], "drill", "open")
    _, problems = check(META + "visibility: public\n", **overrides)
    assert problems == [
        Problem(P, 4, "event", "unknown event kind 'action'", "known values: drill"),
        Problem(P, 9, "visibility", "unknown visibility 'public'", "known values: closed, open"),
    ]


def test_a_field_without_an_example_gets_no_hint():
    _, problems = check(add("imported_from: 5"))
    assert problems == [Problem(P, 9, "imported_from", "should be text, not int 5", "")]


RAW = parse_story_text(f"---\n{META}---\n\n{BODY}", P)[0]


@pytest.mark.parametrize(
    "error, expected",
    [
        # What the schema does not use today still reads well: jsonschema's own message, the field's line.
        (
            ValidationError(
                "'x' is not one of ['a']", validator="enum", path=["event"], instance="x", validator_value=["a"]
            ),
            Problem(P, 4, "event", "'x' is not one of ['a']", "e.g. `event: crisis-sim`"),
        ),
        (
            ValidationError("too many", validator="maxItems", path=["source_url"], instance=[1, 2], validator_value=1),
            Problem(P, 1, "source_url", "too many", ""),
        ),
        (
            ValidationError("not an object", validator="type", path=[], instance=[], validator_value="object"),
            Problem(P, 1, "front matter", "should be a mapping, not list []", ""),
        ),
        (
            ValidationError("not a boolean", validator="type", path=["title"], instance="x", validator_value="boolean"),
            Problem(
                P, 2, "title", "should be boolean, not str 'x'", "e.g. `title: The night the river drill went sideways`"
            ),
        ),
    ],
)
def test_schema_errors_of_other_kinds(error, expected):
    assert _schema_problem(error, RAW, P) == expected


def test_a_misspelt_prompt_heading_gets_a_suggestion():
    _, problems = check(body=BODY + "\n## What surprized us?\n\nx\n")
    assert problems == [
        Problem(
            P,
            17,
            "body",
            "unknown prompt heading '## What surprized us?'",
            "did you mean 'What surprised us?'? (prompts and their accepted variants are set in mkdocs.yml)",
            WARNING,
        )
    ]


def test_an_unknown_field_names_the_file_and_line():
    _, problems = check(add("colour: red"))
    assert [(p.path, p.line, p.field, p.is_error) for p in problems] == [(P, 9, "colour", True)]
