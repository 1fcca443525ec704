"""Digest pages for the site: one per period, and an index. Pure data for `harvest/digest*.html`."""

from __future__ import annotations

from harvest.core.archive import Archive
from harvest.digests.digest import Digest, DigestOptions
from harvest.digests.links import FORMATS, digest_uri, digests_index_uri, email_file, feed_file, lesson_feed_name
from harvest.digests.periods import human
from harvest.site.front import language_name
from harvest.site.pages import PageSpec, lesson_uri, person_uri

EMAIL_SUFFIXES = (".eml", ".html", ".txt")
EMAIL_LABELS = ("ready-to-send email (.eml)", "HTML", "plain text")
EVERY = {"monthly": "month", "weekly": "week (ISO weeks, Monday to Sunday)", "quarterly": "quarter"}


def _joined(parts: list[tuple[str, str | None]]) -> list[tuple[str, str | None, str]]:
    """(text, link, separator after it): "A, B and C"."""
    count = len(parts)
    return [
        (text, link, ", " if i < count - 2 else (" and " if i == count - 2 else ""))
        for i, (text, link) in enumerate(parts)
    ]


def digest_page(archive: Archive, digest: Digest, newer: Digest | None, older: Digest | None, emails: bool) -> PageSpec:
    lessons = archive.lessons
    groups = [
        (
            lesson,
            lesson_uri(lesson.id) if lesson.id else None,
            [
                (
                    story,
                    human(story.date),
                    archive.settings.event_kinds.get(story.event, story.event),
                    [
                        (lessons[other].title, lesson_uri(other))
                        for other in story.lessons
                        if other != lesson.id and other in lessons
                    ],
                    [
                        (language_name(v.lang), v.lang, v.path)
                        for v in digest.versions.get(story.id, [])
                        if v is not story
                    ],
                )
                for story in stories
            ],
        )
        for lesson, stories in digest.groups
    ]
    thanks: list[tuple[str, str | None]] = [(p.label, person_uri(p.key)) for p in digest.people]
    if digest.anonymous:
        thanks.append((f"{digest.anonymous} anonymous contribution" + ("s" if digest.anonymous > 1 else ""), None))
    count = len(digest.stories)
    data = {
        "digest": digest,
        "groups": groups,
        "thanks": _joined(thanks),
        "count": f"{count} {'story' if count == 1 else 'stories'}",
        "answers": [(story, section, human(story.date)) for story, section in digest.answers],
        "emails": [
            (label, email_file(digest.key, suffix)) for suffix, label in zip(EMAIL_SUFFIXES, EMAIL_LABELS, strict=True)
        ]
        if emails
        else [],
        "newer": (newer.period.label, digest_uri(newer.key)) if newer else None,
        "older": (older.period.label, digest_uri(older.key)) if older else None,
    }
    return PageSpec(
        digest_uri(digest.key),
        digest.title,
        digest.note + "\n" if digest.note else "",
        "harvest/digest.html",
        data,
        search=False,
    )


FEED_KINDS = (  # (feed name, what it is called, what a reader receives from it)
    ("stories", "New stories", "every story as it is published"),
    ("digests", "Digests", "one entry per digest, with its stories"),
)


def index_page(
    archive: Archive,
    digests: list[Digest],
    options: DigestOptions,
    feeds: bool,
    lesson_ids: list[str],
    emails: bool = False,
) -> PageSpec:
    every = "one per period listed in mkdocs.yml" if options.ranges else f"one per {EVERY[options.kind]}"
    intro = (
        f"The archive's newsletters, {every}: each gathers that period's stories by lesson, "
        "their answers to one harvest prompt, and thanks to the people who shared them."
    )
    spans = bool(options.ranges) or options.kind != "monthly"  # "November 2026" needs no dates beside it
    entries = [(digest_uri(d.key), d.period.label, d.period.span if spans else "", len(d.stories)) for d in digests]
    return PageSpec(
        digests_index_uri(),
        "Digests",
        intro,
        "harvest/digests.html",
        {"entries": entries, "subscribe": subscribe_block(archive, digests, feeds, lesson_ids, emails)},
        search=False,
    )


def subscribe_block(
    archive: Archive, digests: list[Digest], feeds: bool, lesson_ids: list[str], emails: bool
) -> dict | None:
    """Every way to follow the archive, for one explained "Subscribe" block (None: there is none):
    each feed as one row with its formats, lessons' feeds folded together, and the newest
    digest's email files."""

    def formats(name: str) -> list[tuple[str, str]]:
        return [(label, feed_file(name, fmt)) for fmt, (_, _, label) in FORMATS.items()]

    kinds = [(label, note, formats(name)) for name, label, note in FEED_KINDS] if feeds else []
    lessons = (
        [(archive.lessons[lesson].title, formats(lesson_feed_name(lesson))) for lesson in lesson_ids] if feeds else []
    )
    newest = digests[0] if emails and digests else None
    email = (
        {
            "label": newest.period.label,
            "files": [
                (label, email_file(newest.key, suffix))
                for suffix, label in zip(EMAIL_SUFFIXES, EMAIL_LABELS, strict=True)
            ],
        }
        if newest
        else None
    )
    if not kinds and not email:
        return None
    return {"kinds": kinds, "lessons": lessons, "email": email}
