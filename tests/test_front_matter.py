"""`model.front_matter_digest` / `front_matter_same`: what tells "only the text changed", on which
`harvest index` (`search/edited.py`) and `harvest serve`'s quick page read one story alone."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from harvest.core.model import TEXT_FIELDS, Origin, Story, front_matter_digest, front_matter_same
from harvest.core.privacy import RedactedSpan
from harvest.core.prompts import Section

BASE = Story(
    id="2026-03-flood-drill",
    path="2026/flood-drill.md",
    title="The night the flood drill went sideways",
    date=dt.date(2026, 3, 14),
    event="crisis-sim",
    place="Saltwick",
    contributors=("hanne", "priya"),
    lessons=("safety", "communication"),
    summary="A drill.",
    lang="en",
    visibility="public",
    markdown="We met at the boathouse.\n",
    body_line=12,
    intro="We met at the boathouse.",
    sections=[],
    words=5,
    content_hash="a" * 64,
)

# Every front-matter field, changed: each must give another digest.
FRONT_CHANGES = {
    "id": "2026-03-flood-drill-two",
    "path": "2027/flood-drill.md",
    "title": "The night the flood drill went well",
    "date": dt.date(2026, 3, 15),
    "event": "action",
    "place": "Tannery Reach",
    "contributors": ("hanne",),
    "lessons": ("communication", "safety"),  # the order is shown: it counts
    "summary": "A drill that went sideways.",
    "lang": "es",
    "visibility": "members",
    "embargo_until": dt.date(2027, 1, 1),
    "images": ("boathouse.jpg",),
    "translation_of": "2026-03-simulacro",
    "extra": {"mood": "sunny"},
    "origin": Origin("riverside", "Riverside", "rc", "2026-03-flood-drill", "b" * 64),
}

# Every text field, changed: the digest stays.
TEXT_CHANGES = {
    "markdown": "We met at the old boathouse.\n",
    "body_line": 13,
    "intro": "We met at the old boathouse.",
    "sections": [Section("What surprised us?", "surprised", "The tide.", 15, 2)],
    "words": 6,
    "content_hash": "c" * 64,
    "redactions": (RedactedSpan("members", 0, 10, (5, 8), 12),),
}


def test_every_field_is_either_text_or_front_matter_in_these_tables():
    """A field added to `Story` must be added here: front matter by default (`TEXT_FIELDS` lists
    the exceptions), so a new field can never let a front-matter edit pass as a text edit."""
    names = {f.name for f in dataclasses.fields(Story)}
    assert set(FRONT_CHANGES) | set(TEXT_CHANGES) == names
    assert set(TEXT_CHANGES) == TEXT_FIELDS


@pytest.mark.parametrize("field", list(FRONT_CHANGES))
def test_a_front_matter_change_gives_another_digest(field):
    changed = dataclasses.replace(BASE, **{field: FRONT_CHANGES[field]})
    assert front_matter_digest(changed) != front_matter_digest(BASE)
    assert not front_matter_same(BASE, changed)


@pytest.mark.parametrize("field", list(TEXT_CHANGES))
def test_a_text_change_keeps_the_digest(field):
    changed = dataclasses.replace(BASE, **{field: TEXT_CHANGES[field]})
    assert front_matter_digest(changed) == front_matter_digest(BASE)
    assert front_matter_same(BASE, changed)


def test_the_digest_is_the_same_for_the_same_story_read_again():
    again = dataclasses.replace(BASE, contributors=tuple(BASE.contributors), extra=dict(BASE.extra))
    assert front_matter_digest(again) == front_matter_digest(BASE)
    assert len(front_matter_digest(BASE)) == 32 and int(front_matter_digest(BASE), 16) >= 0
