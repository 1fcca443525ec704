"""What a digest shows, flattened for the email and feed templates (plain strings and links).

`url_for(src_uri)` decides the links: absolute ones for an email or a feed when the
site's address is known, relative ones for a feed without it, or None (no link).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from harvest.core.archive import Archive
from harvest.core.model import Story
from harvest.digests.digest import Digest
from harvest.digests.links import READ_ALOUD_HASH, digest_uri
from harvest.digests.periods import human
from harvest.digests.render import Portable, StoryText, portable_html
from harvest.site.front import language_name

UrlFor = Callable[[str], "str | None"]


@dataclass(frozen=True)
class StoryView:
    title: str
    url: str | None
    summary: str
    meta: str  # "Crisis simulation · Saltwick Yards · 14 March 2026"
    also: str  # "Also about: Logistics, Safety", or ""
    place: str
    date: str
    lang: str
    languages: tuple[tuple[str, str, str | None], ...] = ()  # other language versions: (name, code, url)
    origin: str = ""  # a peer archive's story: "from Riverside Commune" (also at the end of `meta`)


@dataclass(frozen=True)
class DigestView:
    site_name: str
    title: str
    span: str
    count: str  # "4 stories"
    lang: str
    digest_url: str | None
    home_url: str | None
    note_html: str
    read_aloud_url: str | None
    first_title: str
    groups: list[tuple[str, list[StoryView]]]
    answers_title: str
    answers: list[tuple[StoryView, str]]  # (story, its answer as portable HTML)
    thanks: str


def story_view(
    archive: Archive, story: Story, url_for: UrlFor, primary: str | None = None, versions: list[Story] | None = None
) -> StoryView:
    settings = archive.settings
    others = [
        archive.lessons[lesson].title for lesson in story.lessons if lesson != primary and lesson in archive.lessons
    ]
    origin = f"from {story.origin.archive_name}" if story.origin else ""
    meta = " · ".join(
        p for p in (settings.event_kinds.get(story.event, story.event), story.place, human(story.date), origin) if p
    )
    return StoryView(
        story.title,
        url_for(story.path),
        story.summary,
        meta,
        ("Also about: " + ", ".join(others)) if others else "",
        story.place,
        human(story.date),
        story.lang,
        tuple((language_name(v.lang), v.lang, url_for(v.path)) for v in versions or () if v is not story),
        origin,
    )


def digest_view(
    archive: Archive,
    digest: Digest,
    url_for: UrlFor,
    text: StoryText | None = None,
    portable: Portable = portable_html,
) -> DigestView:
    """`text` gives the stories' HTML (a build passes the pages it rendered); default: from Markdown.
    `portable` makes each piece of it portable (a build passes its memo, or `sign` for a cache key)."""
    settings = archive.settings
    text = text or StoryText()
    groups = [
        (lesson.title, [story_view(archive, s, url_for, lesson.id, digest.versions.get(s.id)) for s in stories])
        for lesson, stories in digest.groups
    ]
    answers = []
    for story, section in digest.answers:
        view = story_view(archive, story, url_for)
        answers.append((view, portable(text.answer(story, section), view.url)))
    first = digest.first_story
    first_url = url_for(first.path)
    count = len(digest.stories)
    return DigestView(
        site_name=settings.site_name,
        title=digest.title,
        span=digest.period.span,
        count=f"{count} {'story' if count == 1 else 'stories'}",
        lang=settings.default_lang,
        digest_url=url_for(digest_uri(digest.key)),
        home_url=url_for("index.md"),
        note_html=portable(text.markdown_html(digest.note), url_for(digest_uri(digest.key))) if digest.note else "",
        read_aloud_url=first_url + READ_ALOUD_HASH if first_url else None,
        first_title=first.title,
        groups=groups,
        answers_title=digest.answers_title,
        answers=answers,
        thanks=digest.thanks(),
    )
