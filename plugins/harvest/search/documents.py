"""One search document per published story: the plain-text fields every index is built from.

A document holds only what the story page shows to this profile: redacted text is
already gone (`Archive` did that), contributors are their *shown* labels (never
handles) and anonymous contributors are not named at all.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import marshal
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, fields
from functools import cached_property
from typing import overload

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
Sections = tuple[tuple[str, str | None, str], ...]  # (heading, prompt id, Markdown)
TextKey = tuple[str, Sections]
TextMemo = dict[TextKey, tuple[str, tuple[tuple[str, str], ...]]]


def _plain_text(intro: str, sections: Sections) -> tuple[str, tuple[tuple[str, str], ...]]:
    """A story's opening and sections -> (body, answers) as plain text."""
    parts = [markdown_to_text(intro)]
    answers = []
    for heading, prompt_id, markdown in sections:
        text = markdown_to_text(markdown)
        if prompt_id is None:  # a heading of the writer's own is text the reader sees
            parts += [markdown_to_text(heading), text]
        else:
            answers.append((prompt_id, text))
            parts.append(text)
    return "\n\n".join(p for p in parts if p), tuple(answers)


# Everything `document` reads of a story and its archive, as plain values (`document_inputs`):
# (id, path, title, summary, intro, sections as (heading, prompt id, Markdown), lessons, lesson
# titles, shown contributor labels, event, event label, place, lang, date, passages withheld,
# versions, peer, peer's name). A document is made from these alone, so their hash
# (`documents_key`) stands for the documents without making them.
DocumentInputs = tuple


def document_inputs(archive: Archive, story: Story, versions: dict[str, list[Story]] | None = None) -> DocumentInputs:
    from harvest.site.front import language_name

    people, _anonymous = archive.people_of(story)
    lessons = tuple(story.lessons)
    return (
        story.id,
        story.path,
        story.title,
        story.summary,
        story.intro,
        tuple((s.heading, s.prompt_id, s.markdown) for s in story.sections),
        lessons,
        tuple(archive.lessons[lesson].title if lesson in archive.lessons else lesson for lesson in lessons),
        tuple(p.label for p in people),
        story.event,
        archive.settings.event_kinds.get(story.event, story.event),
        story.place,
        story.lang,
        story.date.isoformat(),
        story.markdown.count(WITHHELD_MARK),
        tuple((v.id, v.lang, page_of(v), language_name(v.lang)) for v in (versions or {}).get(story.id, ())),
        story.origin.peer if story.origin else "",
        story.origin.archive_name if story.origin else "",
    )


def documents_key(archive: Archive, versions: dict[str, list[Story]], code: str) -> str:
    """A hash of the inputs of every published story's document, in archive order, and of `code`
    (the software that makes and reads them): equal keys, equal documents. Milliseconds per
    hundred stories, where making the documents takes a second per thousand."""
    hasher = hashlib.blake2b(code.encode("utf-8", "surrogatepass"), digest_size=20)
    for story in archive.stories:
        # marshal format 0: no back-references or interning marks, so equal values give equal
        # bytes; and it writes each type its own way, so unequal values give unequal bytes.
        hasher.update(marshal.dumps(document_inputs(archive, story, versions), 0))
    return hasher.hexdigest()


def document(
    archive: Archive,
    story: Story,
    versions: dict[str, list[Story]] | None = None,
    memo: tuple[TextMemo, TextMemo] | None = None,
) -> SearchDocument:
    """`memo`: (texts known from before, texts of this run), keyed by the published text itself;
    a story's plain text is taken from either, else made, and kept in the second."""
    inputs = document_inputs(archive, story, versions)
    (story_id, path, title, summary, intro, sections, lessons, lesson_titles, labels, event, event_label) = inputs[:11]
    place, lang, _date, withheld, story_versions, peer, peer_name = inputs[11:]
    if memo is None:
        body, answers = _plain_text(intro, sections)
    else:
        key = (intro, sections)
        known, kept = memo
        found = kept.get(key) or known.get(key)
        if found is None:
            found = _plain_text(intro, sections)
        kept[key] = found
        body, answers = found
    return SearchDocument(
        id=story_id,
        page=path.removesuffix(".md"),
        title=one_line(title),
        summary=one_line(summary),
        body=body,
        answers=answers,
        lessons=lessons,
        lesson_titles=lesson_titles,
        contributors=labels,
        event=event,
        event_label=event_label,
        place=one_line(place),
        lang=lang,
        date=story.date,
        withheld=withheld,
        versions=story_versions,
        archive=peer,
        archive_name=peer_name,
    )


def documents(
    archive: Archive,
    memo: tuple[TextMemo, TextMemo] | None = None,
    versions: dict[str, list[Story]] | None = None,
) -> Documents:
    """Documents for every published story, newest first, made one at a time as they are read
    (`memo`: see `document`; `versions`: `site.front.versions_of(archive)` when the caller has it)."""
    if versions is None:
        from harvest.site.front import versions_of  # (here: `harvest search` imports this module, not the site)

        versions = versions_of(archive)  # only published versions: a withheld original is no version
    return Documents(archive, archive.stories, versions, memo)


class Documents(Sequence[SearchDocument]):
    """The documents of some of an archive's stories, each made when it is read; a slice is the
    same for fewer stories, made by whichever process reads it (`index.update_index` indexes
    half of them in a second process)."""

    def __init__(self, archive: Archive, stories: Sequence[Story], versions: dict, memo=None) -> None:
        self._archive, self._stories, self._versions, self._memo = archive, stories, versions, memo

    def __len__(self) -> int:
        return len(self._stories)

    @overload
    def __getitem__(self, index: int) -> SearchDocument: ...
    @overload
    def __getitem__(self, index: slice) -> Documents: ...
    def __getitem__(self, index: int | slice) -> SearchDocument | Documents:
        if isinstance(index, slice):
            return Documents(self._archive, self._stories[index], self._versions, self._memo)
        return document(self._archive, self._stories[index], self._versions, self._memo)

    def __iter__(self) -> Iterator[SearchDocument]:
        for story in self._stories:
            yield document(self._archive, story, self._versions, self._memo)
