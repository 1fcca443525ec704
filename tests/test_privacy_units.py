"""`harvest.core.privacy`, function by function: redaction spans, what a profile may see, credits.

Offsets, marks and names below are counted and written by hand (these tests back `make mutants`).
"""

from __future__ import annotations

import datetime as dt

import pytest

from harvest.core.privacy import (
    WITHHELD_MARK,
    Credits,
    Person,
    RedactedSpan,
    RegistryEntry,
    apply_redactions,
    find_redactions,
    is_visible,
    strip_redaction_tags,
)
from harvest.core.problems import Problem
from harvest.core.settings import Settings

TODAY = dt.date(2026, 12, 2)
P = "stories/a.md"
LEVEL_HINT = "use [[redact]] (archive only) or [[redact LEVEL]] with LEVEL one of: members, private"
NEVER_CLOSED = "add [[/redact]] where the withheld passage ends; an open span would hide nothing"
NO_OPENING = "add [[redact]] where the withheld passage starts, or remove this tag"


def settings(profile: str = "public") -> Settings:
    return Settings.for_directory("stories", profile=profile, today=TODAY)


# --- find_redactions --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body, spans",
    [
        ("no marks at all", []),
        #  0         1         2
        #  0123456789012345678901234567
        ("A [[redact]]x[[/redact]] B", [RedactedSpan("private", 2, 24, (12, 13), 11)]),
        ("[[redact members]]ab[[/redact]]", [RedactedSpan("members", 0, 31, (18, 20), 11)]),
        ("[[redact private]][[/redact]]", [RedactedSpan("private", 0, 29, (18, 18), 11)]),
        ("[[redact \t members \t]]x[[/redact \t]]", [RedactedSpan("members", 0, 36, (22, 23), 11)]),
        ("a\nb\n[[redact]]c\n[[/redact]]", [RedactedSpan("private", 4, 27, (14, 16), 13)]),
        (
            "[[redact]]a[[/redact]] [[redact members]]b[[/redact]]",
            [RedactedSpan("private", 0, 22, (10, 11), 11), RedactedSpan("members", 23, 53, (41, 42), 11)],
        ),
        ("[[ redact]] [[redact]x[[/redact]", []),  # not the markup (nearmiss.py reports these)
    ],
)
def test_find_redactions(body, spans):
    assert find_redactions(body, 11, settings(), P) == (spans, [])


@pytest.mark.parametrize(
    "body, spans, problems",
    [
        (
            "x [[redact public]]y[[/redact]]",
            [RedactedSpan("private", 2, 31, (19, 20), 4)],
            [Problem(P, 4, "body", "unknown redaction level 'public'", LEVEL_HINT)],
        ),
        (
            "\n[[redact secret]]y[[/redact]]",
            [RedactedSpan("private", 1, 30, (18, 19), 5)],
            [Problem(P, 5, "body", "unknown redaction level 'secret'", LEVEL_HINT)],
        ),
        ("[[redact]]open\n\nmore", [], [Problem(P, 4, "body", "[[redact]] is never closed", NEVER_CLOSED)]),
        ("a\n[[redact members]]open", [], [Problem(P, 5, "body", "[[redact]] is never closed", NEVER_CLOSED)]),
        ("a\nb[[/redact]]", [], [Problem(P, 5, "body", "[[/redact]] without an opening [[redact]]", NO_OPENING)]),
        (
            "[[redact]]a\n[[redact members]]b[[/redact]]\nc[[/redact]]",
            [RedactedSpan("private", 0, 42, (10, 31), 4)],
            [
                Problem(
                    P,
                    5,
                    "body",
                    "redaction opened inside another redaction",
                    "close the span opened on line 4 with [[/redact]] first",
                ),
                Problem(P, 6, "body", "[[/redact]] without an opening [[redact]]", NO_OPENING),
            ],
        ),
    ],
)
def test_find_redactions_problems(body, spans, problems):
    assert find_redactions(body, 4, settings(), P) == (spans, problems)


def test_levels_come_from_the_settings():
    custom = Settings.for_directory(
        "stories", visibility_levels=("open", "crew", "core"), profiles={"open": "open", "all": "core"}, today=TODAY
    )
    spans, problems = find_redactions("[[redact crew]]a[[/redact]][[redact]]b[[/redact]]", 1, custom, P)
    assert ([s.level for s in spans], problems) == (["crew", "core"], [])
    _, problems = find_redactions("[[redact members]]a[[/redact]]", 1, custom, P)
    assert problems == [
        Problem(
            P,
            1,
            "body",
            "unknown redaction level 'members'",
            "use [[redact]] (archive only) or [[redact LEVEL]] with LEVEL one of: crew, core",
        )
    ]


# --- apply_redactions -------------------------------------------------------------------------------


def spans_of(body: str) -> list[RedactedSpan]:
    spans, problems = find_redactions(body, 1, settings(), P)
    assert problems == []
    return spans


MEMBERS_MARK = '<mark class="harvest-redacted" title="redacted below the members level">{}</mark>'
PRIVATE_MARK = '<mark class="harvest-redacted" title="redacted below the private level">{}</mark>'
BODY = "Met at [[redact members]]the hall[[/redact]], key from [[redact]]Sam[[/redact]]."


@pytest.mark.parametrize(
    "profile, expected",
    [
        ("public", f"Met at {WITHHELD_MARK}, key from {WITHHELD_MARK}."),
        ("members", f"Met at {MEMBERS_MARK.format('the hall')}, key from {WITHHELD_MARK}."),
        ("archive", f"Met at {MEMBERS_MARK.format('the hall')}, key from {PRIVATE_MARK.format('Sam')}."),
    ],
)
def test_apply_redactions(profile, expected):
    assert apply_redactions(BODY, spans_of(BODY), settings(profile)) == expected


def test_the_withheld_mark():
    assert WITHHELD_MARK == '<span class="harvest-withheld">[withheld]</span>'


def test_a_passage_of_paragraphs_is_kept_as_a_block():
    body = "Before.\n\n[[redact members]]\nOne.\n\nTwo.\n[[/redact]]\n\nAfter."
    expected = (
        'Before.\n\n\n<div class="harvest-redacted" title="redacted below the members level" markdown="1">'
        "\n\nOne.\n\nTwo.\n\n</div>\n\n\nAfter."
    )
    assert apply_redactions(body, spans_of(body), settings("members")) == expected
    assert apply_redactions(body, spans_of(body), settings("public")) == f"Before.\n\n{WITHHELD_MARK}\n\nAfter."


def test_one_paragraph_with_line_breaks_stays_inline():
    body = "[[redact members]] a\nb [[/redact]]"
    assert apply_redactions(body, spans_of(body), settings("members")) == MEMBERS_MARK.format(" a\nb ")


def test_no_spans_leaves_the_text_as_it_is():
    body = "Text with [[redact]] but no span list"
    assert apply_redactions(body, [], settings("public")) is body


@pytest.mark.parametrize(
    "text, expected",
    [
        ("a [[redact members]]b[[/redact]] c", "a b c"),
        ("[[redact]][[/redact]]", ""),
        ("[[redact  ]]x[[/redact]]", "x"),
        ("plain", "plain"),
    ],
)
def test_strip_redaction_tags(text, expected):
    assert strip_redaction_tags(text) == expected


# --- is_visible -------------------------------------------------------------------------------------

LATER, EARLIER = TODAY + dt.timedelta(days=1), TODAY - dt.timedelta(days=1)


@pytest.mark.parametrize(
    "profile, visibility, embargo, visible",
    [
        ("public", "public", None, True),
        ("public", "members", None, False),
        ("public", "private", None, False),
        ("members", "public", None, True),
        ("members", "members", None, True),
        ("members", "private", None, False),
        ("archive", "private", None, True),
        ("public", "public", LATER, False),
        ("public", "public", TODAY, True),  # the embargo ends on its day
        ("public", "public", EARLIER, True),
        ("members", "members", LATER, False),
        ("members", "public", LATER, False),
        ("archive", "public", LATER, True),  # the archivists' own copy shows embargoed stories
        ("archive", "private", LATER, True),
        ("public", "members", EARLIER, False),
    ],
)
def test_is_visible(profile, visibility, embargo, visible):
    assert is_visible(visibility, embargo, settings(profile)) is visible


# --- Credits ----------------------------------------------------------------------------------------

REGISTRY = {
    "ana": RegistryEntry("ana", "Ana Ruiz", "named"),
    "bo": RegistryEntry("bo", "Bo Real", "pseudonym", "Night Moth"),
    "cy": RegistryEntry("cy", "Cy Hidden", "anonymous"),
    "eve": RegistryEntry("eve", "", "named"),
    "ana2": RegistryEntry("ana2", "Ana Ruiz", "named"),
}


@pytest.mark.parametrize(
    "profile, handle, person",
    [
        ("public", "ana", Person("ana-ruiz", "Ana Ruiz")),
        ("public", "bo", Person("night-moth", "Night Moth")),
        ("public", "cy", None),
        ("public", "dee", None),  # not in the registry: anonymous
        ("members", "ana", Person("ana-ruiz", "Ana Ruiz")),
        ("members", "bo", Person("night-moth", "Night Moth")),
        ("members", "cy", None),
        ("archive", "ana", Person("ana", "Ana Ruiz")),
        ("archive", "bo", Person("bo", "Bo Real")),
        ("archive", "cy", Person("cy", "Cy Hidden")),
        ("archive", "dee", Person("dee", "dee")),
        ("archive", "eve", Person("eve", "eve")),
        ("archive", "Dee Two", Person("dee-two", "Dee Two")),
    ],
)
def test_person(profile, handle, person):
    assert Credits(REGISTRY, settings(profile)).person(handle) == person


@pytest.mark.parametrize(
    "profile, handles, shown, anonymous",
    [
        ("public", ["ana", "cy", "bo", "dee"], [Person("ana-ruiz", "Ana Ruiz"), Person("night-moth", "Night Moth")], 2),
        ("public", ["ana", "ana2", "ana"], [Person("ana-ruiz", "Ana Ruiz")], 0),  # one person, shown once
        ("public", ["cy", "cy"], [], 2),
        ("public", [], [], 0),
        (
            "archive",
            ["ana", "ana2", "cy"],
            [Person("ana", "Ana Ruiz"), Person("ana2", "Ana Ruiz"), Person("cy", "Cy Hidden")],
            0,
        ),
    ],
)
def test_people(profile, handles, shown, anonymous):
    assert Credits(REGISTRY, settings(profile)).people(handles) == (shown, anonymous)
