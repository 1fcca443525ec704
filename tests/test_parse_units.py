"""`harvest.core.parse`, function by function: bytes -> text, text -> front matter + body.

Every expected value (text, line, field, message, hint) is written out by hand, so a change to
what a user is told, or on which line, fails here (these tests back `make mutants`).
"""

from __future__ import annotations

import pytest

from harvest.core.parse import (
    FRONT_MATTER_HINT,
    RawStory,
    decode_text,
    key_form,
    load_yaml_mapping,
    parse_story_text,
    read_story,
    split_front_matter,
)
from harvest.core.problems import Problem

P = "stories/a.md"
UTF8_HINT = "save the file as UTF-8 (in most editors: Save with encoding → UTF-8)"
BINARY = Problem(
    P,
    None,
    "file",
    "not a text file (it contains binary data)",
    "story files must be Markdown text; put images next to the story and list them under `images`",
)
UTF16 = Problem(P, 1, "file", "file is UTF-16 encoded", "save it as UTF-8")
YAML_HINT = "check indentation, and quote values that contain ': ' or start with a special character"
TAG_HINT = "remove the `!tag`; story fields are plain text, lists and dates"
NAMES_ARE_TEXT = ("field names must be text", "write each field as `name: value`")


# --- decode_text ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data, text",
    [
        (b"plain", "plain"),
        (b"a\r\nb\r\n", "a\nb\n"),
        (b"a\rb\r", "a\nb\n"),
        (b"a\r\nb\rc\n", "a\nb\nc\n"),
        (b"\xef\xbb\xbf---\n", "---\n"),  # a UTF-8 BOM is dropped, once
        (b"\xef\xbb\xbf\xef\xbb\xbfx", "\ufeffx"),
        ("Café ✓".encode(), "Café ✓"),
        (b"", ""),
        (b"x" * 2048, "x" * 2048),  # exactly the limit is fine
    ],
)
def test_decode_text_accepts(data, text):
    assert decode_text(data, P, max_bytes=2048) == (text, [])


@pytest.mark.parametrize(
    "data, problem",
    [
        (
            b"x" * 2049,
            Problem(
                P,
                None,
                "file",
                "file is 2 KB, over the 2 KB limit",
                "split it into several stories, or move large media out of the text",
            ),
        ),
        (
            b"x" * 5000,
            Problem(
                P,
                None,
                "file",
                "file is 4 KB, over the 2 KB limit",
                "split it into several stories, or move large media out of the text",
            ),
        ),
        (b"\xff\xfe-\x00-\x00", UTF16),
        (b"\xfe\xff\x00-\x00-", UTF16),
        (b"abc\x00def", BINARY),
        (b"\x00", BINARY),
        (b"\xef\xbb\xbfa\x00", BINARY),
        (b"caf\xe9", Problem(P, 1, "file", "not valid UTF-8 (byte 0xe9)", UTF8_HINT)),
        (b"a\nb\nc\xff\nd", Problem(P, 3, "file", "not valid UTF-8 (byte 0xff)", UTF8_HINT)),
        (b"\xef\xbb\xbf\n\n\x80", Problem(P, 3, "file", "not valid UTF-8 (byte 0x80)", UTF8_HINT)),
    ],
)
def test_decode_text_refuses(data, problem):
    assert decode_text(data, P, max_bytes=2048) == (None, [problem])


# --- split_front_matter -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, parts",
    [
        ("---\na: 1\n---\nbody", ("a: 1", "body", 4)),
        ("---\na: 1\nb: 2\n---\n\nText\n", ("a: 1\nb: 2", "\nText\n", 5)),
        ("---   \na: 1\n---  \nbody", ("a: 1", "body", 4)),  # spaces after the dashes
        ("---\na: 1\n...\nbody", ("a: 1", "body", 4)),  # YAML's document end marker
        ("---\n---\n", ("", "", 3)),
        ("---\na: 1\n---", ("a: 1", "", 4)),
        ("---\na: ---\n---\nx\n---\ny", ("a: ---", "x\n---\ny", 4)),  # the first closing line counts
    ],
)
def test_split_front_matter(text, parts):
    assert split_front_matter(text, P) == parts


@pytest.mark.parametrize(
    "text, message, hint",
    [
        ("", "no front matter", FRONT_MATTER_HINT),
        ("# Title\n---\na: 1\n---\n", "no front matter", FRONT_MATTER_HINT),
        (" ---\na: 1\n---\n", "no front matter", FRONT_MATTER_HINT),
        ("----\na: 1\n----\n", "no front matter", FRONT_MATTER_HINT),
        ("---\na: 1\n", "front matter is not closed", "add a line '---' after the last field"),
        ("---\na: 1\n ---\nbody", "front matter is not closed", "add a line '---' after the last field"),
        ("---", "front matter is not closed", "add a line '---' after the last field"),
    ],
)
def test_split_front_matter_problems(text, message, hint):
    assert split_front_matter(text, P) == Problem(P, 1, "front matter", message, hint)


def test_front_matter_hint_reads_as_instructions():
    assert FRONT_MATTER_HINT == "start the file with a line '---', then the fields (title: …), then another '---'"


# --- key_form ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, form",
    [
        ("title", "title"),
        ("Title", "title"),
        ("  TITLE ", "title"),
        ("ti\u200btle", "title"),  # zero-width space (format character) removed
        ("\u200d title \ufeff", "title"),
        ("ｔｉｔｌｅ", "title"),  # full-width letters (NFKC)
        ("Straße", "strasse"),  # casefold, not lower
        ("embargo_until", "embargo_until"),
        ("a b", "a b"),
    ],
)
def test_key_form(name, form):
    assert key_form(name) == form


# --- load_yaml_mapping ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "source, first_line, data, lines",
    [
        ("title: Soup\ndate: 2026-03-14\n", 2, {"title": "Soup", "date": "2026-03-14"}, {"title": 2, "date": 3}),
        ("a: 1\n\n\nb: [x, y]\n", 10, {"a": 1, "b": ["x", "y"]}, {"a": 10, "b": 13}),
        ("when: 2026-03-14 10:00:00\n", 1, {"when": "2026-03-14 10:00:00"}, {"when": 1}),  # dates stay text
        ("a: {b: {c: 1}}\n", 1, {"a": {"b": {"c": 1}}}, {"a": 1}),
    ],
)
def test_load_yaml_mapping_reads_values_and_lines(source, first_line, data, lines):
    assert load_yaml_mapping(source, P, first_line=first_line) == (data, lines, [])


def nested(depth: int) -> str:
    return "v: " + "[" * depth + "x" + "]" * depth + "\n"


@pytest.mark.parametrize(
    "source, first_line, problem",
    [
        ("", 2, Problem(P, 2, "front matter", "front matter is empty", FRONT_MATTER_HINT)),
        ("# only a comment\n", 5, Problem(P, 5, "front matter", "front matter is empty", FRONT_MATTER_HINT)),
        (
            "- a\n- b\n",
            2,
            Problem(P, 2, "front matter", "front matter must be a list of `field: value` lines", FRONT_MATTER_HINT),
        ),
        (
            "\n\njust text\n",
            2,
            Problem(P, 4, "front matter", "front matter must be a list of `field: value` lines", FRONT_MATTER_HINT),
        ),
        (
            "a: 1\nb: &x 2\n",
            2,
            Problem(
                P,
                3,
                "front matter",
                "YAML anchors and aliases (&name, *name) are not allowed",
                "write the value out in full",
            ),
        ),
        (
            "a: &x 1\n",
            7,
            Problem(
                P,
                7,
                "front matter",
                "YAML anchors and aliases (&name, *name) are not allowed",
                "write the value out in full",
            ),
        ),
        (
            "a: 1\n\nb: *x\n",
            2,
            Problem(
                P,
                4,
                "front matter",
                "YAML anchors and aliases (&name, *name) are not allowed",
                "write the value out in full",
            ),
        ),
        (
            "x: 1\n" + nested(20),
            2,
            Problem(
                P,
                3,
                "front matter",
                "values are nested more than 20 levels deep",
                "fields are plain text, dates and short lists: remove the extra brackets",
            ),
        ),
        ("1: a\n", 2, Problem(P, 2, "front matter", *NAMES_ARE_TEXT)),
        ("a: 1\nnull: b\n", 4, Problem(P, 4, "front matter", *NAMES_ARE_TEXT)),
        ("a: 1\n? [x, y]\n: 2\n", 2, Problem(P, 3, "front matter", *NAMES_ARE_TEXT)),
        ("a:\n  ? {x: 1}\n  : 2\n", 2, Problem(P, 3, "a", *NAMES_ARE_TEXT)),
        (
            "a: 1\n<<: {b: 2}\n",
            2,
            Problem(P, 3, "<<", "YAML merge keys (<<) are not allowed", "write each field out in full"),
        ),
        (
            "a:\n  !!merge m: {b: 2}\n",
            2,
            Problem(P, 3, "a.m", "YAML merge keys (<<) are not allowed", "write each field out in full"),
        ),
        (
            "a: 1\nb: 2\na: 3\n",
            2,
            Problem(
                P,
                4,
                "a",
                "is given twice (lines 2 and 4)",
                "keep one of them: YAML would silently use only the last one",
            ),
        ),
        (
            'Title: x\n" title ": y\n',
            2,
            Problem(
                P,
                3,
                " title ",
                "clashes with 'Title' (lines 2 and 3)",
                "keep one of them: YAML would silently use only the last one",
            ),
        ),
        (
            "a:\n  - x: 1\n  - y: 1\n    Y: 2\n",
            2,
            Problem(
                P,
                5,
                "a[1].Y",
                "clashes with 'y' (lines 4 and 5)",
                "keep one of them: YAML would silently use only the last one",
            ),
        ),
        (
            "a: 1\nb: !!python/name:os.system\n",
            2,
            Problem(
                P,
                3,
                "front matter",
                "YAML tag not allowed: could not determine a constructor for the tag "
                "'tag:yaml.org,2002:python/name:os.system'",
                TAG_HINT,
            ),
        ),
        (
            "a: 1\nb: [1, 2\nc: 3\n",
            2,
            Problem(P, 3, "front matter", "invalid YAML: did not find expected ',' or ']'", YAML_HINT),
        ),
        (
            "a: 1\n b: 2\n",
            2,
            Problem(P, 3, "front matter", "invalid YAML: mapping values are not allowed in this context", YAML_HINT),
        ),
        ("a: 'open\n", 2, Problem(P, 2, "front matter", "invalid YAML: found unexpected end of stream", YAML_HINT)),
        # a character YAML refuses to read at all (a reader error, without a line)
        (
            "a: b\x07\n",
            2,
            Problem(
                P,
                2,
                "front matter",
                "invalid YAML: unacceptable character #x0007: control characters "
                'are not allowed\n  in "<unicode string>", position 4',
                FRONT_MATTER_HINT,
            ),
        ),
        # libyaml's wording (CSafeLoader); the line is where the first document starts
        ("a: 1\n---\nb: 2\n", 2, Problem(P, 2, "front matter", "invalid YAML: but found another document", YAML_HINT)),
    ],
)
def test_load_yaml_mapping_problems(source, first_line, problem):
    assert load_yaml_mapping(source, P, first_line=first_line) == (None, {}, [problem])


def test_nesting_is_counted_per_branch():
    """Twenty levels are allowed, and closing a list gives its levels back."""
    twenty = "v: " + "[" * 19 + "x" + "]" * 19 + "\n"  # the mapping itself is level 1
    assert load_yaml_mapping(twenty, P, first_line=1)[2] == []
    siblings = "".join(f"k{i}: [[[[[x]]]]]\n" for i in range(10))
    data, _, problems = load_yaml_mapping(siblings, P, first_line=1)
    assert problems == [] and data["k9"] == [[[[["x"]]]]]


def test_a_closed_list_gives_its_levels_back_exactly():
    """After `[x]` closes, the next list is at level 3 again: 19 more brackets make 21 levels."""
    source = "v: [[x], " + "[" * 19 + "x" + "]" * 19 + "]\n"
    assert load_yaml_mapping(source, P, first_line=1)[2] == [
        Problem(
            P,
            1,
            "front matter",
            "values are nested more than 20 levels deep",
            "fields are plain text, dates and short lists: remove the extra brackets",
        )
    ]


@pytest.mark.parametrize(
    "source, found",
    [
        ("a:\n  - {x: 1, x: 2}\n  - {y: 1, y: 2}\n", [(2, "a[0].x"), (3, "a[1].y")]),
        ("<<: {b: 2}\na: 1\na: 2\n", [(1, "<<"), (3, "a")]),
        ("a:\n  <<: {b: 2}\n  c: 1\n  C: 2\n", [(2, "a.<<"), (4, "a.C")]),
    ],
)
def test_one_problem_does_not_hide_the_next(source, found):
    _, _, problems = load_yaml_mapping(source, P, first_line=1)
    assert [(p.line, p.field) for p in problems] == found


def test_every_duplicate_is_reported_in_one_pass():
    source = "a: 1\na: 2\nb:\n  c: 1\n  C: 2\n"
    _, _, problems = load_yaml_mapping(source, P, first_line=2)
    assert [(p.line, p.field, p.message) for p in problems] == [
        (3, "a", "is given twice (lines 2 and 3)"),
        (6, "b.C", "clashes with 'c' (lines 5 and 6)"),
    ]


def test_a_non_text_key_does_not_stop_the_other_checks():
    source = "? [x]\n: 1\na: 1\na: 2\n"
    _, _, problems = load_yaml_mapping(source, P, first_line=1)
    assert [(p.line, p.field, p.message) for p in problems] == [
        (1, "front matter", "field names must be text"),
        (4, "a", "is given twice (lines 3 and 4)"),
    ]


# --- read_story / parse_story_text ------------------------------------------------------------------


def test_parse_story_text_returns_every_part():
    text = "---\ntitle: Soup\n\nplace: Here\n---\n\nBody line.\n"
    raw, problems = parse_story_text(text, P)
    assert problems == []
    assert raw == RawStory(
        meta={"title": "Soup", "place": "Here"},
        body="\nBody line.\n",
        body_line=6,
        field_lines={"title": 2, "place": 4},
        text=text,
    )
    assert (raw.line_of("place"), raw.line_of("title"), raw.line_of("nothing")) == (4, 2, 1)


@pytest.mark.parametrize(
    "text, problem",
    [
        ("no front matter\n", Problem(P, 1, "front matter", "no front matter", FRONT_MATTER_HINT)),
        (
            "---\ntitle: x\n",
            Problem(P, 1, "front matter", "front matter is not closed", "add a line '---' after the last field"),
        ),
        (
            "---\ntitle: x\ntitle: y\n---\n",
            Problem(
                P,
                3,
                "title",
                "is given twice (lines 2 and 3)",
                "keep one of them: YAML would silently use only the last one",
            ),
        ),
        ("---\n---\nbody\n", Problem(P, 2, "front matter", "front matter is empty", FRONT_MATTER_HINT)),
    ],
)
def test_parse_story_text_problems(text, problem):
    assert parse_story_text(text, P) == (None, [problem])


def test_read_story_decodes_then_parses(tmp_path):
    file = tmp_path / "a.md"
    file.write_bytes(b"\xef\xbb\xbf---\r\ntitle: Soup\r\n---\r\nText\r\n")
    raw, problems = read_story(file, P, max_bytes=1000)
    assert problems == []
    assert (raw.meta, raw.body, raw.body_line, raw.text) == (
        {"title": "Soup"},
        "Text\n",
        4,
        "---\ntitle: Soup\n---\nText\n",
    )


@pytest.mark.parametrize(
    "make, problem",
    [
        (lambda d: d / "missing.md", Problem(P, None, "file", "cannot read file: No such file or directory")),
        (lambda d: d, Problem(P, None, "file", "cannot read file: Is a directory")),
        (
            lambda d: d / "big.md",
            Problem(
                P,
                None,
                "file",
                "file is 1 KB, over the 1 KB limit",
                "split it into several stories, or move large media out of the text",
            ),
        ),
        (lambda d: d / "bin.md", BINARY),
    ],
)
def test_read_story_problems(tmp_path, make, problem):
    (tmp_path / "big.md").write_bytes(b"---\n" + b"x" * 2000)
    (tmp_path / "bin.md").write_bytes(b"---\n\x00")
    assert read_story(make(tmp_path), P, max_bytes=1024) == (None, [problem])
