"""Digests: a period's stories from a published `Archive`, grouped for a newsletter.

Built only from the `Archive` (never from story files), so whatever a profile may not
see, a digest cannot show. A digest is derived data: the next build recomputes it.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field
from pathlib import Path

from harvest.core.archive import Archive
from harvest.core.model import Lesson, Story
from harvest.core.parse import decode_text, load_yaml_mapping, split_front_matter
from harvest.core.privacy import Person, apply_redactions, find_redactions, is_visible
from harvest.core.problems import HarvestError, Problem, did_you_mean
from harvest.core.prompts import Section
from harvest.core.settings import Settings
from harvest.digests.periods import Period, group
from harvest.site.front import versions_of

NOTES_DIR = "_digests"  # stories/_digests/<period key>.md: an editor's note (not a story)
NO_LESSON = Lesson("", "Other stories", "")
SOURCE_DATE_EPOCH = "SOURCE_DATE_EPOCH"


@dataclass(frozen=True)
class DigestOptions:
    kind: str = "monthly"  # monthly | weekly | quarterly (ignored when `ranges` is set)
    ranges: tuple[Period, ...] = ()  # explicit ranges replace the calendar periods
    answers_prompt: str | None = "missing"  # the prompt whose answers a digest gathers


@dataclass
class Digest:
    period: Period
    stories: list[Story]  # oldest first: the order things happened
    groups: list[tuple[Lesson, list[Story]]]  # each story once, under its first lesson
    answers: list[tuple[Story, Section]]  # answers to `answers_prompt`, oldest first
    answers_title: str  # that prompt's title ("What resource was missing?")
    people: list[Person]  # credited, in order of first appearance
    anonymous: int  # anonymous contributions, counted per story
    note: str = ""  # the editor's note (Markdown), already redacted
    versions: dict[str, list[Story]] = field(default_factory=dict)  # story id -> its language versions (2+)

    @property
    def key(self) -> str:
        return self.period.key

    @property
    def title(self) -> str:
        return f"Digest: {self.period.label}"

    @property
    def newest(self) -> dt.date:
        return max(story.date for story in self.stories)

    @property
    def first_story(self) -> Story:
        """The first story a reader meets: where "read aloud" starts."""
        return self.groups[0][1][0]

    def thanks(self) -> str:
        return thanks_line([p.label for p in self.people], self.anonymous)


def thanks_line(labels: list[str], anonymous: int) -> str:
    """ "Thanks to A, B and 2 anonymous contributions." — or "" when nobody is listed.

    Anonymous contributions are counted story by story on purpose: counting distinct
    anonymous people would reveal that two stories came from the same hidden person.
    """
    parts = list(labels)
    if anonymous:
        parts.append(f"{anonymous} anonymous contribution" + ("s" if anonymous > 1 else ""))
    return f"Thanks to {_and(parts)}." if parts else ""


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def one_version_each(
    stories: list[Story], versions: dict[str, list[Story]]
) -> tuple[list[Story], dict[str, list[Story]]]:
    """A story told in several languages is one story: `stories` with one version of each (the
    original when it is among them, else the first), in order; and, per kept story, the versions
    of it among `stories` (its anonymous contributions are counted once, not once per language)."""
    kept: dict[str, Story] = {}  # the original's id -> the version shown
    told: dict[str, list[Story]] = {}
    for story in stories:
        group = versions.get(story.id)
        key = group[0].id if group else story.id
        told.setdefault(key, []).append(story)
        if key not in kept or story.id == key:
            kept[key] = story
    return list(kept.values()), {kept[key].id: members for key, members in told.items()}


def make_digest(
    archive: Archive,
    period: Period,
    stories: list[Story],
    options: DigestOptions,
    notes: dict[str, str] | None = None,
    versions: dict[str, list[Story]] | None = None,
) -> Digest | None:
    """The digest of `stories` (all inside `period`), or None when there are none."""
    if not stories:
        return None
    versions = versions_of(archive) if versions is None else versions
    stories, told = one_version_each(sorted(stories, key=lambda s: (s.date, s.id)), versions)
    by_lesson: dict[str, list[Story]] = {}
    for story in stories:
        primary = next((lesson for lesson in story.lessons if lesson in archive.lessons), "")
        by_lesson.setdefault(primary, []).append(story)
    order = {lesson: index for index, lesson in enumerate(archive.lessons)}
    groups = [
        (archive.lessons.get(lesson, NO_LESSON), members)
        for lesson, members in sorted(by_lesson.items(), key=lambda item: order.get(item[0], len(order)))
    ]
    prompt = archive.settings.prompts_by_id.get(options.answers_prompt or "")
    answers = []
    if prompt is not None:
        for story in stories:
            section = story.answer(prompt.id)
            if section is not None and section.markdown.strip():
                answers.append((story, section))
    people: dict[str, Person] = {}
    anonymous = 0
    for story in stories:
        hidden_most = 0  # a story's anonymous contributions, once whatever the number of its languages
        for version in told[story.id]:
            shown, hidden = archive.people_of(version)
            hidden_most = max(hidden_most, hidden)
            for person in shown:  # a translator credited by name is thanked too
                people.setdefault(person.key, person)
        anonymous += hidden_most
    return Digest(
        period,
        stories,
        groups,
        answers,
        prompt.title if prompt else "",
        list(people.values()),
        anonymous,
        (notes or {}).get(period.key, ""),
        {story.id: versions[story.id] for story in stories if story.id in versions},
    )


def build_digests(archive: Archive, options: DigestOptions, notes: dict[str, str] | None = None) -> list[Digest]:
    """Every period's digest, newest first. One pass over the stories."""
    periods = group(archive.stories, lambda s: s.date, options.kind, options.ranges)
    versions = versions_of(archive)
    digests = (make_digest(archive, period, stories, options, notes, versions) for period, stories in periods)
    return [digest for digest in digests if digest is not None]  # none is: `group` makes no empty period


def digest_between(
    archive: Archive, period: Period, options: DigestOptions, notes: dict[str, str] | None = None
) -> Digest | None:
    """The digest of one period (or ad-hoc range), or None when no published story falls in it."""
    return make_digest(archive, period, [s for s in archive.stories if s.date in period], options, notes)


def load_notes(settings: Settings) -> tuple[dict[str, str], list[Problem]]:
    """Editors' notes, `stories/_digests/<period key>.md`, as the profile may see them.

    A note may start with front matter holding `visibility:` (default: the archive's
    default visibility) and may use the same `[[redact]]` markup as stories.
    """
    folder = settings.stories_dir / NOTES_DIR
    notes: dict[str, str] = {}
    problems: list[Problem] = []
    if not folder.is_dir():
        return notes, problems
    for file in sorted(folder.glob("*.md")):
        if file.name.startswith("."):
            continue
        display = settings.display_path(file)
        note, note_problems = _read_note(file, display, settings)
        problems += note_problems
        if note is not None:
            notes[file.stem] = note
    return notes, problems


def _read_note(file: Path, display: str, settings: Settings) -> tuple[str | None, list[Problem]]:
    try:
        data = file.read_bytes()
    except OSError as exc:
        return None, [Problem(display, None, "file", f"cannot read file: {exc.strerror}")]
    text, problems = decode_text(data, display, settings.max_story_bytes)
    if text is None:
        return None, problems
    visibility, body, body_line = settings.default_visibility, text, 1
    if text.startswith("---"):
        parts = split_front_matter(text, display)
        if isinstance(parts, Problem):
            return None, [parts]
        source, body, body_line = parts
        meta, lines, problems = load_yaml_mapping(source, display, first_line=2) if source.strip() else ({}, {}, [])
        if meta is None:
            return None, problems
        for name in meta:
            if name != "visibility":
                return None, [
                    Problem(
                        display,
                        lines.get(name),
                        name,
                        "unknown field in a digest note",
                        "a note's front matter may only set `visibility`",
                    )
                ]
        visibility = str(meta.get("visibility", visibility))
        if visibility not in settings.visibility_levels:
            return None, [
                Problem(
                    display,
                    lines.get("visibility"),
                    "visibility",
                    f"unknown level '{visibility}'",
                    did_you_mean(visibility, settings.visibility_levels),
                )
            ]
    spans, problems = find_redactions(body, body_line, settings, display)
    if problems:
        return None, problems
    if not is_visible(visibility, None, settings):
        return None, []
    return apply_redactions(body, spans, settings).strip(), []


def build_time(dates) -> dt.datetime:
    """The one timestamp outputs may carry: SOURCE_DATE_EPOCH if set, else the newest date given
    (midnight UTC), else the epoch. Never the clock, so the same stories build the same bytes."""
    value = os.environ.get(SOURCE_DATE_EPOCH, "").strip()
    if value:
        try:
            return dt.datetime.fromtimestamp(int(value), dt.UTC)
        except (ValueError, OverflowError, OSError):
            raise HarvestError(
                f"{SOURCE_DATE_EPOCH} must be a whole number of seconds since 1970, not '{value}'"
            ) from None
    newest = max(dates, default=None)
    return midnight(newest) if newest else dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def midnight(date: dt.date) -> dt.datetime:
    """A story's date as a moment: midnight UTC of that same calendar date (never shifted a day)."""
    return dt.datetime(date.year, date.month, date.day, tzinfo=dt.UTC)
