"""Atom, RSS 2.0 and JSON Feed of the stories, of the digests, and of each lesson.

XML comes from feedgen (dates: RFC 3339 in Atom, RFC 822 in RSS); JSON Feed 1.1 is a
dict dumped with `json`. Entry ids are `urn:uuid:`s derived from story ids and period
keys, so they survive a move to a new address. Nothing here reads the clock: a feed's
`updated` is SOURCE_DATE_EPOCH or its newest entry's date.
"""

from __future__ import annotations

import datetime as dt
import json
import posixpath
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from harvest.core.archive import Archive
from harvest.core.model import Lesson, Story
from harvest.core.sanitize import clean_html
from harvest.core.templating import template_env
from harvest.digests.digest import Digest, build_time, midnight
from harvest.digests.links import FORMATS, Links, digests_index_uri, feed_file, lesson_feed_name
from harvest.digests.render import Portable, StoryText, portable_html, sign
from harvest.digests.view import digest_view
from harvest.site.pages import lesson_uri

FEED_TEMPLATE = "harvest/digest-feed.html"
JSON_FEED_VERSION = "https://jsonfeed.org/version/1.1"
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")  # lxml refuses these


@dataclass(frozen=True)
class FeedEntry:
    id: str
    title: str
    url: str
    summary: str
    html: str
    date: dt.date
    authors: tuple[str, ...]
    categories: tuple[tuple[str, str], ...]  # (term, label)
    lang: str


@dataclass(frozen=True)
class Feed:
    name: str  # "stories", "digests", "lessons/<id>": where its files go under feeds/
    title: str
    description: str
    home: str  # src_uri of the page it mirrors
    entries: tuple[FeedEntry, ...]


def _uuid(kind: str, key: str) -> str:
    return uuid.uuid5(uuid.NAMESPACE_URL, f"harvest:{kind}/{key}").urn


def _xml(text: str) -> str:
    return _NOT_XML.sub("", text)


class FeedMaker:
    """Builds every feed of one archive; a story's HTML is fetched once however many feeds hold it."""

    def __init__(
        self,
        archive: Archive,
        links: Links,
        limit: int,
        text: StoryText | None = None,
        portable: Portable = portable_html,
        signing: bool = False,
    ):
        """`signing`: feeds whose HTML is stood in for by what it is made of (`render.sign`), for a
        cache key; cheap, and never rendered."""
        self.archive, self.links, self.limit, self.text = archive, links, limit, text or StoryText()
        self.portable: Portable = sign if signing else portable
        self.signing = signing
        self._html: dict[str, str] = {}
        self.site = archive.settings.site_url or archive.settings.site_name

    def _story_entry(self, story: Story, base: str) -> FeedEntry:
        if story.id not in self._html:
            self._html[story.id] = self.text.body(story)
        url = self.links.page(story.path, base)
        if story.origin is None:
            people, _ = self.archive.people_of(story)
            authors, summary = tuple(p.label for p in people), story.summary
        else:  # a peer's story: credit as its archive gave it, and where it comes from
            authors = story.origin.credits
            summary = f"{story.summary} (from {story.origin.archive_name})"
        lessons = self.archive.lessons
        return FeedEntry(
            _uuid("story", story.id),
            story.title,
            url,
            summary,
            self.portable(self._html[story.id], url),
            story.date,
            authors,
            tuple((lesson, lessons[lesson].title) for lesson in story.lessons if lesson in lessons),
            story.lang,
        )

    def _stories_feed(self, name: str, title: str, description: str, home: str, stories: list[Story]) -> Feed:
        base = posixpath.dirname(feed_file(name, "atom"))
        entries = tuple(self._story_entry(s, base) for s in stories[: self.limit])  # already newest first
        return Feed(name, title, description, home, entries)

    def story_feed_names(self) -> list[str]:
        return ["stories", *(lesson_feed_name(lesson.id) for lesson in lessons_with_feeds(self.archive))]

    def story_feed(self, name: str) -> Feed:
        """The feed `name` of `story_feed_names()`: the stories', or a lesson's."""
        site_name = self.archive.settings.site_name
        if name == "stories":
            return self._stories_feed(
                name, f"{site_name}: stories", f"The newest stories from {site_name}.", "index.md", self.archive.stories
            )
        lesson = self.archive.lessons[name.removeprefix(lesson_feed_name(""))]
        return self._stories_feed(
            name,
            f"{site_name}: {lesson.title}",
            lesson.description or f"Stories about {lesson.title}.",
            lesson_uri(lesson.id),
            self.archive.by_lesson[lesson.id],
        )

    def story_feeds(self) -> list[Feed]:
        return [self.story_feed(name) for name in self.story_feed_names()]

    def digest_feed(self, digests: list[Digest]) -> Feed:
        site_name = self.archive.settings.site_name
        base = posixpath.dirname(feed_file("digests", "atom"))
        template = template_env().get_template(FEED_TEMPLATE)
        entries = []
        for digest in digests[: self.limit]:
            view = digest_view(self.archive, digest, lambda uri: self.links.page(uri, base), self.text, self.portable)
            assert view.digest_url is not None  # `self.links.page` always makes one
            html = sign(repr(view), None) if self.signing else clean_html(template.render(view=view))
            titles = "; ".join(s.title for s in digest.stories[:5]) + ("; …" if len(digest.stories) > 5 else "")
            entries.append(
                FeedEntry(
                    _uuid("digest", f"{self.site}/{digest.key}"),
                    digest.title,
                    view.digest_url,
                    f"{digest.period.span} · {view.count}: {titles}",
                    html,
                    digest.newest,  # links already set
                    (),
                    (),
                    self.archive.settings.default_lang,
                )
            )
        return Feed(
            "digests",
            f"{site_name}: digests",
            f"Every digest of {site_name}, newest first.",
            digests_index_uri(),
            tuple(entries),
        )


def render(feed: Feed, fmt: str, archive: Archive, links: Links) -> bytes:
    if fmt == "json":
        return _json_feed(feed, archive, links)
    base = posixpath.dirname(feed_file(feed.name, fmt))
    updated = build_time(e.date for e in feed.entries)
    from feedgen.feed import FeedGenerator

    settings = archive.settings
    generator = FeedGenerator()
    generator.id(_uuid("feed", f"{settings.site_url or settings.site_name}/{feed.name}"))
    generator.title(_xml(feed.title))
    generator.subtitle(_xml(feed.description))  # also RSS <description>
    generator.author({"name": _xml(settings.site_name)})
    generator.language(settings.default_lang)
    generator.generator("Harvest")
    generator.link(href=links.site(feed_file(feed.name, fmt), base), rel="self", type=FORMATS[fmt][1])
    generator.link(href=links.page(feed.home, base), rel="alternate", type="text/html")  # last: RSS <link>
    generator.updated(updated)
    generator.lastBuildDate(updated)
    for entry in feed.entries:
        item = generator.add_entry(order="append")
        item.id(entry.id)
        item.title(_xml(entry.title))
        item.link(href=entry.url, rel="alternate", type="text/html")
        item.summary(_xml(entry.summary))
        item.content(_xml(entry.html), type="html")
        moment = midnight(entry.date)
        item.published(moment)
        item.updated(moment)
        for name in entry.authors:
            item.author({"name": _xml(name)})
        for term, label in entry.categories:
            item.category(term=term, label=_xml(label))
    return generator.atom_str(pretty=True) if fmt == "atom" else generator.rss_str(pretty=True)


def _json_feed(feed: Feed, archive: Archive, links: Links) -> bytes:
    settings = archive.settings
    data: dict = {"version": JSON_FEED_VERSION, "title": feed.title}
    if links.absolute:  # JSON Feed wants full URLs here; without site_url they are left out
        data["home_page_url"] = links.page(feed.home)
        data["feed_url"] = links.site(feed_file(feed.name, "json"))
    data.update(
        {
            "description": feed.description,
            "language": settings.default_lang,
            "authors": [{"name": settings.site_name}],
            "items": [],
        }
    )
    for entry in feed.entries:
        item: dict[str, Any] = {
            "id": entry.id,
            "url": entry.url,
            "title": entry.title,
            "summary": entry.summary,
            "content_html": entry.html,
            "date_published": midnight(entry.date).isoformat(),
            "language": entry.lang,
        }
        if entry.authors:
            item["authors"] = [{"name": name} for name in entry.authors]
        if entry.categories:
            item["tags"] = [label for _, label in entry.categories]
        data["items"].append(item)
    return (json.dumps(data, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def lessons_with_feeds(archive: Archive) -> list[Lesson]:
    """Like the lesson pages: a lesson only has a feed once a story may show it."""
    return [lesson for lesson in archive.lessons.values() if archive.by_lesson.get(lesson.id)]


def feed_files(archive: Archive) -> list[str]:
    """The site path of every feed file `feed_outputs` writes for this archive."""
    if not archive.stories:
        return []
    names = ["stories", *(lesson_feed_name(lesson.id) for lesson in lessons_with_feeds(archive)), "digests"]
    return [feed_file(name, fmt) for name in names for fmt in FORMATS]


def feed_outputs(
    archive: Archive, digests: list[Digest], links: Links, limit: int, text: StoryText | None = None
) -> Iterator[tuple[str, bytes]]:
    """Every feed file, one at a time: (site path, bytes)."""
    maker = FeedMaker(archive, links, limit, text)
    for feed in [*maker.story_feeds(), maker.digest_feed(digests)]:
        for fmt in FORMATS:
            yield feed_file(feed.name, fmt), render(feed, fmt, archive, links)
