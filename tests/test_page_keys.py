"""The page cache's keys and lookups in plain Python (site/fingerprint.py, site/pagecache.py):
the marshal-based fingerprint tells apart every pair of values a page could show differently,
`needs_arguments` answers as `inspect.signature` does, and the cached path lookup answers as
MkDocs' `Files.get_file_from_path` does."""

from __future__ import annotations

import datetime as dt
import functools
import inspect
import sys
from dataclasses import dataclass, field
from pathlib import PurePath, PurePosixPath, PureWindowsPath

import pytest
from markupsafe import Markup
from mkdocs.structure.files import File, Files

from harvest.core.model import Story
from harvest.core.prompts import Section
from harvest.site.fingerprint import Fingerprinter, needs_arguments
from harvest.site.pagecache import file_lookup, normal_uri


@dataclass
class Note:
    text: str
    tags: list = field(default_factory=list)


@dataclass
class Other:
    text: str
    tags: list = field(default_factory=list)


def _story(**changes) -> Story:
    values = dict(
        id="s1",
        path="2026/s1.md",
        title="A title",
        date=dt.date(2026, 3, 14),
        event="action",
        place="Saltwick Yards",
        contributors=("priya",),
        lessons=("joy", "safety"),
        summary="What happened.",
        lang="en",
        visibility="public",
        markdown="Intro.\n\n## What surprised us?\n\nThe phone tree.\n",
        body_line=12,
        intro="Intro.",
        sections=[Section("What surprised us?", "surprised", "The phone tree.", 14, 3)],
        words=4,
        content_hash="ab" * 32,
    )
    values.update(changes)
    return Story(**values)  # type: ignore[arg-type]


def _built(text: str) -> str:
    return "".join(list(text))  # equal text, another (never interned) object


SECTION = Section("What surprised us?", "surprised", "The phone tree.", 14, 3)

SAME = [
    ("an interned and a built string", ["hello_world"], [_built("hello_world")]),
    ("a short tuple and list", (1, "x", None), [1, "x", None]),
    ("a long tuple and list", tuple(range(20)), list(range(20))),
    ("equal stories", _story(), _story()),
    ("equal stories, text built apart", _story(), _story(markdown=_built(_story().markdown))),
    (
        "a dict and its copy",
        {"a": [1, 2], "b": {"c": dt.date(2026, 1, 2)}},
        {"a": [1, 2], "b": {"c": dt.date(2026, 1, 2)}},
    ),
    # Small values are written in place (no node of their own): by value all the same.
    ("a (story, answer) pair as tuple and list", [(_story(), SECTION)], [[_story(), SECTION]]),
    ("sections built apart", [SECTION, SECTION], [Section(*vars(SECTION).values()), SECTION]),
    ("a small dict and a long one's copy", [{"a": 1}, dict.fromkeys(range(9))], [{"a": 1}, dict.fromkeys(range(9))]),
]

DIFFERENT = [
    ("int, bool, float", [1], [True]),
    ("int and float", [1], [1.0]),
    ("zero and minus zero", [0.0], [-0.0]),
    ("str and bytes", ["ab"], [b"ab"]),
    ("None and the text None", [None], ["None"]),
    ("a list of 8 or 9 items", list(range(8)), list(range(9))),
    ("nesting", [[1, 2], [3]], [[1], [2, 3]]),
    ("a tuple that looks like a tag and a date", (1, "date", "2026-01-02"), dt.date(2026, 1, 2)),
    ("a date and a datetime", dt.date(2026, 1, 2), dt.datetime(2026, 1, 2)),
    ("a path and its text", PurePosixPath("a/b"), "a/b"),
    ("text and text marked safe", "<b>", Markup("<b>")),
    ("two dataclasses with the same fields", Note("x"), Other("x")),
    ("a set and a list", {1}, [1]),
    ("a set with another item", {1, 2}, {1, 3}),
    ("a mapping's values", {"a": 1}, {"a": 2}),
    ("a mapping and its pairs", {"a": 1}, [("a", 1)]),
    ("a story's text", _story(), _story(markdown="Intro.\n\n## What surprised us?\n\nThe phone tree!\n")),
    ("a story's summary", _story(), _story(summary="What happened next.")),
    (
        "a story's answer",
        _story(),
        _story(sections=[Section("What surprised us?", "surprised", "The phone tree!", 14, 3)]),
    ),
    ("a story's word count", _story(), _story(words=5)),
    ("a story's lessons", _story(), _story(lessons=("joy",))),
    ("a story's extra field", _story(), _story(extra={"pronouns": "they"})),
    ("a story's embargo", _story(), _story(embargo_until=dt.date(2027, 1, 1))),
    ("a list of stories, one changed", [_story(), _story(id="s2")], [_story(), _story(id="s2", title="B")]),
    # In place or a node of its own, a value stays apart from every other.
    ("a list in a list and its items", [[1, 2]], [1, 2]),
    ("a list of 8 lists or 9", [[1]] * 8, [[1]] * 9),
    ("a dict of 8 items or 9", dict.fromkeys(range(8)), dict.fromkeys(range(9))),
    ("an empty dict and an empty list", [{}], [[]]),
    ("a small dict and its pairs' items", [{"a": 1}], [["a", 1]]),
    ("a dict's value, in place", [{"a": 1}], [{"a": 2}]),
    ("a section and its fields", [SECTION], [list(vars(SECTION).values())]),
    ("a section and a dataclass with its fields", [SECTION], [Note(SECTION.heading)]),
    ("an answer's text", [SECTION], [Section("What surprised us?", "surprised", "The phone tree!", 14, 3)]),
    (
        "a heading marked safe",
        [SECTION],
        [Section(Markup("What surprised us?"), "surprised", "The phone tree.", 14, 3)],
    ),
    ("a section seen first or later", [Note("x"), SECTION], [Note("x"), Section("What", None, "", 1, 0)]),
    ("a pair's story", [(_story(), SECTION)], [(_story(id="s2"), SECTION)]),
    ("a pair and its reverse", [(_story(), SECTION)], [(SECTION, _story())]),
]


@pytest.mark.parametrize(("why", "one", "other"), SAME, ids=[c[0] for c in SAME])
def test_equal_values_have_one_key(why, one, other):
    assert Fingerprinter().digest(one) == Fingerprinter().digest(other)


@pytest.mark.parametrize(("why", "one", "other"), DIFFERENT, ids=[c[0] for c in DIFFERENT])
def test_values_a_page_shows_differently_have_different_keys(why, one, other):
    assert Fingerprinter().digest(one) != Fingerprinter().digest(other)


def test_a_shared_story_is_hashed_once_and_still_seen_changed():
    """The memo is by identity within one Fingerprinter (one build): a story changed before the
    next build (a new Fingerprinter) gets another key."""
    story = _story()
    before = Fingerprinter().digest([story, story])
    story.sections[0] = Section("What surprised us?", "surprised", "Something else.", 14, 2)
    assert Fingerprinter().digest([story, story]) != before


def _plain(a, b=1): ...
def _keyword(*, a): ...
def _keyword_default(*, a=1): ...
def _varargs(*args, **kwargs): ...
def _positional_only(a, /): ...
def _nothing(): ...
def _defaults(a=1, b=2): ...


@functools.wraps(_plain)
def _wrapper(*args, **kwargs):
    return _plain(*args, **kwargs)


def _with_signature(*args): ...


_with_signature.__signature__ = inspect.signature(_plain)  # type: ignore[attr-defined]

FUNCTIONS = [
    (_plain, True),
    (_keyword, True),
    (_keyword_default, False),
    (_varargs, False),
    (_positional_only, True),
    (_nothing, False),
    (_defaults, False),
    (lambda: 1, False),
    (lambda x: x, True),
    (lambda x=1: x, False),
    (_wrapper, True),  # follows __wrapped__: calling it bare would fail
    (_with_signature, True),
]


@pytest.mark.parametrize(("function", "expected"), FUNCTIONS, ids=[f.__name__ for f, _ in FUNCTIONS])
def test_needs_arguments_as_inspect_says(function, expected):
    signature = inspect.signature(function)
    by_signature = any(
        p.default is p.empty and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)
        for p in signature.parameters.values()
    )
    assert needs_arguments(function) is expected is by_signature


# --- the file lookup ------------------------------------------------------------------------------

PATHS = [
    "index.md",
    "2026/flood-drill.md",
    "2026//flood-drill.md",
    "./2026/flood-drill.md",
    "2026/./flood-drill.md",
    "2026/flood-drill.md/",
    "2026/../2026/flood-drill.md",
    "/2026/flood-drill.md",
    "missing.md",
    "",
    ".",
    "lessons/joy.md",
    "assets/harvest/harvest.css",
]
if sys.platform == "win32":  # pragma: no cover
    PATHS += ["2026\\flood-drill.md", "lessons\\joy.md"]


def _files() -> Files:
    uris = ["index.md", "2026/flood-drill.md", "lessons/joy.md", "assets/harvest/harvest.css"]
    return Files([File(uri, src_dir="/docs", dest_dir="/site", use_directory_urls=True) for uri in uris])


@pytest.mark.parametrize("path", PATHS)
def test_the_lookup_answers_as_mkdocs_does(path):
    files = _files()
    assert file_lookup(files)(path) is Files.get_file_from_path(files, path)


def test_the_lookup_sees_files_added_and_removed_later():
    files = _files()
    lookup = file_lookup(files)
    added = File("places/x.md", src_dir="/docs", dest_dir="/site", use_directory_urls=True)
    files.append(added)
    assert lookup("places/x.md") is added
    files.remove(added)
    assert lookup("places/x.md") is None


@pytest.mark.parametrize(
    ("path", "posix"),
    [("a//b", "a/b"), ("./a", "a"), ("a/./b/", "a/b"), ("a/../b", "a/../b"), ("", "."), ("a/b.md", "a/b.md")],
)
def test_normal_uri_is_purepath_as_posix(path, posix):
    assert normal_uri(path) == posix == PurePath(path).as_posix()
    assert PurePosixPath(path).as_posix() == posix
    assert PureWindowsPath(path).as_posix() == posix
