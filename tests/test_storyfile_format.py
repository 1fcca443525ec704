"""The story file every contribution path writes: JSON-quoted values (valid YAML), plain dates.

Expected files are written out by hand. The contribute form writes the same bytes with
JSON.stringify (checked in a real Chromium in test_contribute_form.py).
"""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest

from harvest.core.parse import parse_story_text
from harvest.core.storyfile import dump_story
from harvest.importer.run import edited_since_import

BODY = "## What surprised us?\n\nThe queue.\n"

CASES = {
    "harvest new": (
        {
            "id": "2026-05-soup-night-1a2b",
            "title": "Soup night",
            "date": dt.date(2026, 5, 20),
            "event": "mutual-aid",
            "place": "Kestrel Row",
            "contributors": [],
            "lessons": ["logistics", "mutual-care"],
            "summary": "We fed eighty people.",
            "visibility": "members",
        },
        '---\nid: "2026-05-soup-night-1a2b"\ntitle: "Soup night"\ndate: 2026-05-20\nevent: "mutual-aid"\n'
        'place: "Kestrel Row"\ncontributors: []\nlessons: ["logistics", "mutual-care"]\n'
        'summary: "We fed eighty people."\nvisibility: "members"\n---\n\n## What surprised us?\n\nThe queue.\n',
    ),
    "field order, empties dropped, embargo a date": (
        {
            "visibility": "public",
            "title": "T",
            "id": "t",
            "images": [],
            "lang": "",
            "embargo_until": dt.date(2027, 1, 2),
            "translation_of": None,
            "date": dt.date(2026, 1, 1),
            "contributors": ["ana"],
        },
        '---\nid: "t"\ntitle: "T"\ndate: 2026-01-01\ncontributors: ["ana"]\nvisibility: "public"\n'
        "embargo_until: 2027-01-02\n---\n\n## What surprised us?\n\nThe queue.\n",
    ),
    "YAML's special words stay text": (
        {"title": "yes", "place": "null", "event": "123", "summary": "~", "lessons": ["no", "1.5", "2026-01-01"]},
        '---\ntitle: "yes"\nevent: "123"\nplace: "null"\nlessons: ["no", "1.5", "2026-01-01"]\nsummary: "~"\n'
        "---\n\n## What surprised us?\n\nThe queue.\n",
    ),
    "quotes, backslashes, colons, hashes": (
        {"title": 'Night: "yes" #1', "place": "C:\\path's end", "summary": "- [x] {a: b} & *c | >d"},
        '---\ntitle: "Night: \\"yes\\" #1"\nplace: "C:\\\\path\'s end"\nsummary: "- [x] {a: b} & *c | >d"\n'
        "---\n\n## What surprised us?\n\nThe queue.\n",
    ),
    "line breaks and controls escaped, letters and emoji kept": (
        {"title": "é 🌊 字", "summary": "one\ntwo\tthree\u2028four\x85five\x7f\x01"},
        '---\ntitle: "é 🌊 字"\nsummary: "one\\ntwo\\tthree\\u2028four\\u0085five\\u007f\\u0001"\n'
        "---\n\n## What surprised us?\n\nThe queue.\n",
    ),
    "import: a date as text, extra fields last, an odd key quoted": (
        {"id": "imp-x-1", "date": "2019-03-05", "imported_from": "json:x#1", "odd key:": "v", "count": 3},
        '---\nid: "imp-x-1"\ndate: 2019-03-05\nimported_from: "json:x#1"\n"odd key:": "v"\ncount: 3\n'
        "---\n\n## What surprised us?\n\nThe queue.\n",
    ),
    "a date field that is not a date is quoted": (
        {"date": "14/03/2026", "embargo_until": "2026-3-4"},
        '---\ndate: "14/03/2026"\nembargo_until: "2026-3-4"\n---\n\n## What surprised us?\n\nThe queue.\n',
    ),
}


@pytest.mark.parametrize("meta, expected", CASES.values(), ids=CASES.keys())
def test_story_file_bytes(meta, expected):
    assert dump_story(meta, "\n  " + BODY + "\n\n") == expected


READ_BACK = {  # what the fail-closed parser reads from each written file (dates stay text)
    "harvest new": {
        "id": "2026-05-soup-night-1a2b",
        "title": "Soup night",
        "date": "2026-05-20",
        "event": "mutual-aid",
        "place": "Kestrel Row",
        "contributors": [],
        "lessons": ["logistics", "mutual-care"],
        "summary": "We fed eighty people.",
        "visibility": "members",
    },
    "YAML's special words stay text": {
        "title": "yes",
        "event": "123",
        "place": "null",
        "lessons": ["no", "1.5", "2026-01-01"],
        "summary": "~",
    },
    "quotes, backslashes, colons, hashes": {
        "title": 'Night: "yes" #1',
        "place": "C:\\path's end",
        "summary": "- [x] {a: b} & *c | >d",
    },
    "line breaks and controls escaped, letters and emoji kept": {
        "title": "é 🌊 字",
        "summary": "one\ntwo\tthree\u2028four\x85five\x7f\x01",
    },
}


@pytest.mark.parametrize("name", READ_BACK)
def test_the_fail_closed_parser_reads_back_the_same_values(name):
    raw, problems = parse_story_text(CASES[name][1], "a.md")
    assert problems == [] and raw is not None
    assert raw.meta == READ_BACK[name]
    assert raw.line_of("title") == 2 + list(READ_BACK[name]).index("title")


@pytest.mark.parametrize(
    "front, field",
    [
        ('title: "A"\ntitle: "B"\n', "title"),  # a duplicate key, both quoted
        ('title: "A"\n"title": "B"\n', "title"),  # the same key, once quoted
        ('lessons: ["a"]\nlessons: ["b"]\n', "lessons"),
    ],
)
def test_duplicate_keys_in_this_form_are_still_refused(front, field):
    raw, problems = parse_story_text(f"---\n{front}---\n\nText\n", "a.md")
    assert raw is None
    assert (
        problems[0].field == field and problems[0].line == 3 and problems[0].message == "is given twice (lines 2 and 3)"
    )


def test_a_story_imported_before_the_change_is_still_known_unedited():
    old = (
        "---\nid: imp-x-1\ntitle: A\ndate: '2019-01-01'\nevent: action\nplace: P\ncontributors: []\n"
        "lessons: [joy]\nsummary: S.\nimported_from: json:x#1\n---\n\nBody text.\n"
    )
    digest = hashlib.sha256(old.encode("utf-8")).hexdigest()[:16]
    with_digest = old.replace("json:x#1\n", f"json:x#1\nimport_digest: {digest}\n")
    assert not edited_since_import(with_digest)
    assert edited_since_import(with_digest.replace("Body text.", "Body, edited."))
