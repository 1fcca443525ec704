"""Structure objects: lessons and stories as the rest of Harvest sees them."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Any

from harvest.core.prompts import Section

if TYPE_CHECKING:
    from harvest.core.privacy import RedactedSpan


@dataclass(frozen=True)
class Lesson:
    id: str
    title: str
    description: str


@dataclass(frozen=True)
class Origin:
    """Where a peer archive's story came from (federation): shown as "from <archive>", and its
    credit as the origin gave it (our contributors registry never applies to it)."""

    peer: str  # our name for the peer (federation.yml), its stories' id namespace
    archive_name: str
    archive_id: str
    origin_id: str  # the story's id in its own archive
    digest: str  # sha256 of the story file as the origin exported it
    credits: tuple[str, ...] = ()  # names as the origin's profile shows them
    anonymous: int = 0
    digests: bool = True  # may our digests and feeds include it (federation.yml)
    readings: bool = True  # may our reading sessions list it (federation.yml)
    reshare: bool = False  # may our own exports carry it, if public (federation.yml)
    profile: str = ""  # the profile the origin's bundle was made with
    first: tuple[tuple[str, str], ...] | None = None  # re-shared to us: (archive_id, archive, id, digest) items


@dataclass
class Story:
    id: str
    path: str  # relative to the stories folder, posix
    title: str
    date: dt.date
    event: str
    place: str
    contributors: tuple[str, ...]  # handles: shown only through privacy.Credits
    lessons: tuple[str, ...]
    summary: str
    lang: str
    visibility: str
    markdown: str  # the whole body; in a published Story, already redacted
    body_line: int  # file line where the body starts
    intro: str
    sections: list[Section]
    words: int
    content_hash: str  # of the source file: lets indexes skip unchanged stories
    embargo_until: dt.date | None = None
    images: tuple[str, ...] = ()
    translation_of: str | None = None
    redactions: tuple[RedactedSpan, ...] = ()  # over `markdown`; empty once published
    extra: dict[str, Any] = field(default_factory=dict)
    origin: Origin | None = None  # set for a peer archive's story (federation), None for our own

    @property
    def place_key(self) -> str:
        from harvest.core.text import slugify

        return slugify(self.place) if self.place.strip() else ""  # no place (an import that did not say)

    @property
    def month(self) -> str:
        return self.date.strftime("%Y-%m")

    def answer(self, prompt_id: str) -> Section | None:
        for section in self.sections:
            if section.prompt_id == prompt_id:
                return section
        return None


# What a story's text gives; every other field of `Story` comes from its front matter (or its
# path), and a change to any of those may change other stories' pages and documents, and the
# checks that compare stories with each other. Listed as the exceptions, so a field added to
# `Story` later counts as front matter by default.
TEXT_FIELDS = frozenset({"markdown", "body_line", "intro", "sections", "words", "content_hash", "redactions"})
_FRONT_FIELDS = tuple(f.name for f in fields(Story) if f.name not in TEXT_FIELDS)


def front_matter_same(old: Story, new: Story) -> bool:
    return all(getattr(old, name) == getattr(new, name) for name in _FRONT_FIELDS)


def front_matter_digest(story: Story) -> str:
    """A hash of everything but the text (`TEXT_FIELDS`), to tell later, without the old story at
    hand, that only its text changed. Two stories with a different front matter never share one;
    the same front matter read twice gives the same (a field whose `repr` is not stable, e.g. a
    set, only ever makes two the same stories differ: the caller then does the full work)."""
    raw = repr([(name, getattr(story, name)) for name in _FRONT_FIELDS])
    return hashlib.blake2b(raw.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()
