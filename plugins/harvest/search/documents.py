"""One search document per published story: the plain-text fields every index is built from.

A document holds only what the story page shows to this profile: redacted text is
already gone (`Archive` did that), contributors are their *shown* labels (never
handles) and anonymous contributors are not named at all.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, fields
from functools import cached_property

from harvest.core.archive import Archive
from harvest.core.model import Story
from harvest.core.privacy import WITHHELD_MARK
from harvest.search.analysis import ANALYSIS_VERSION
from harvest.search.plaintext import markdown_to_text, one_line


@dataclass(frozen=True)
class SearchDocument:
    id: str
    page: str  # the story page without suffix: "2026/flood-drill"
    title: str
    summary: str
    body: str  # the whole story as plain text (prompt headings left out)
    answers: tuple[tuple[str, str], ...]  # (prompt id, plain-text answer)
    lessons: tuple[str, ...]  # lesson ids
    lesson_titles: tuple[str, ...]
    contributors: tuple[str, ...]  # shown labels, e.g. a pseudonym
    event: str  # event kind id
    event_label: str
    place: str
    lang: str
    date: dt.date
    withheld: int = 0  # passages withheld from this profile (their text is not here)
    # A story told in several languages is one story: every published version of it as
    # (id, lang, page, language name), the original first; empty for a story in one language.
    versions: tuple[tuple[str, str, str, str], ...] = ()
    archive: str = ""  # a peer archive's story: our name for the peer (federation.yml); "" for ours
    archive_name: str = ""  # and that archive's name ("Riverside Commune")

    @property
    def story(self) -> str:
        """The id that stands for the story in every language: its original's."""
        return self.versions[0][0] if self.versions else self.id

    @cached_property
    def fingerprint(self) -> str:
        """Hash of everything indexed: any change (text, a credit rule, a lesson title) re-indexes.
        Made once per document (the manifest and the index's stored fields both ask for it)."""
        data = [getattr(self, f.name) for f in fields(self)]  # (dataclasses.asdict deep-copies: slow)
        raw = json.dumps([ANALYSIS_VERSION, data], ensure_ascii=False, default=str)
        return hashlib.sha256(raw.encode("utf-8")).hexdigest()[:24]

    def answer(self, prompt_id: str) -> str:
        return dict(self.answers).get(prompt_id, "")


def page_of(story: Story) -> str:
    return story.path.removesuffix(".md")


# A story's text (opening; each section's heading, prompt and Markdown) -> (body, answers)
TextKey = tuple[str, tuple[tuple[str, str | None, str], ...]]
TextMemo = dict[TextKey, tuple[str, tuple[tuple[str, str], ...]]]


def _plain_text(story: Story) -> tuple[str, tuple[tuple[str, str], ...]]:
    parts = [markdown_to_text(story.intro)]
    answers = []
    for section in story.sections:
        text = markdown_to_text(section.markdown)
        if section.prompt_id is None:  # a heading of the writer's own is text the reader sees
            parts += [markdown_to_text(section.heading), text]
        else:
            answers.append((section.prompt_id, text))
            parts.append(text)
    return "\n\n".join(p for p in parts if p), tuple(answers)


def document(
    archive: Archive,
    story: Story,
    versions: dict[str, list[Story]] | None = None,
    memo: tuple[TextMemo, TextMemo] | None = None,
) -> SearchDocument:
    """`memo`: (texts known from before, texts of this run), keyed by the published text itself;
    a story's plain text is taken from either, else made, and kept in the second."""
    from harvest.site.front import language_name

    if memo is None:
        body, answers = _plain_text(story)
    else:
        key = (story.intro, tuple((s.heading, s.prompt_id, s.markdown) for s in story.sections))
        known, kept = memo
        found = kept.get(key) or known.get(key)
        if found is None:
            found = _plain_text(story)
        kept[key] = found
        body, answers = found
    people, _anonymous = archive.people_of(story)
    lessons = tuple(story.lessons)
    return SearchDocument(
        id=story.id,
        page=page_of(story),
        title=one_line(story.title),
        summary=one_line(story.summary),
        body=body,
        answers=answers,
        lessons=lessons,
        lesson_titles=tuple(
            archive.lessons[lesson].title if lesson in archive.lessons else lesson for lesson in lessons
        ),
        contributors=tuple(p.label for p in people),
        event=story.event,
        event_label=archive.settings.event_kinds.get(story.event, story.event),
        place=one_line(story.place),
        lang=story.lang,
        date=story.date,
        withheld=story.markdown.count(WITHHELD_MARK),
        versions=tuple((v.id, v.lang, page_of(v), language_name(v.lang)) for v in (versions or {}).get(story.id, ())),
        archive=story.origin.peer if story.origin else "",
        archive_name=story.origin.archive_name if story.origin else "",
    )


def documents(
    archive: Archive,
    memo: tuple[TextMemo, TextMemo] | None = None,
    versions: dict[str, list[Story]] | None = None,
) -> Iterator[SearchDocument]:
    """Documents for every published story, newest first, made one at a time (`memo`: see
    `document`; `versions`: `site.front.versions_of(archive)` when the caller has it)."""
    if versions is None:
        from harvest.site.front import versions_of  # (here: `harvest search` imports this module, not the site)

        versions = versions_of(archive)  # only published versions: a withheld original is no version
    for story in archive.stories:
        yield document(archive, story, versions, memo)
