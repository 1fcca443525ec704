"""Reading sessions: `stories/_readings/<name>.yml` lists stories to read aloud, in order, and who reads.

    title: December assembly            # required
    date: 2026-12-05                    # optional
    description: One line shown under the title.   # optional
    stories: [2026-03-flood-drill, ...] # story ids, in reading order (required)
    readers: [priya, marisol]           # optional; assigned in rotation
    visibility: members                 # optional; default: the archive's default visibility
    embargo_until: 2026-12-06           # optional; publish only after the assembly

Privacy: readers are shown the way the contributors registry allows (a handle with
`credit: named` shows the name; anyone else is "Reader N" outside the archive
profile). A session that lists a story the build profile may not see is left out of
that build as a whole: dropping the story would silently change the running order
and the reader rotation, and a gap would reveal that something is withheld.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, replace
from pathlib import Path

import yaml

from harvest.core.archive import Archive
from harvest.core.model import Story
from harvest.core.parse import FRONT_MATTER_HINT, FrontMatterLoader, decode_text, load_yaml_mapping
from harvest.core.privacy import is_visible
from harvest.core.problems import Problem, did_you_mean
from harvest.core.settings import Settings
from harvest.readaloud.parts import Part, story_parts, total_seconds

FIELDS = ("title", "date", "description", "stories", "readers", "visibility", "embargo_until")
_NAME = re.compile(r"[a-z0-9][a-z0-9-]{0,79}")
_FORMAT_HINT = "see README.md, section 'Reading aloud at assemblies'"


@dataclass(frozen=True)
class SessionFile:
    """A session file as written, checked for form but not yet against the archive."""

    name: str  # file stem: the page is readings/<name>/
    path: str  # as the user knows it
    title: str
    date: dt.date | None
    description: str
    stories: tuple[tuple[str, int | None], ...]  # (story id, line)
    readers: tuple[str, ...]
    visibility: str
    embargo_until: dt.date | None


@dataclass(frozen=True)
class SessionItem:
    story: Story
    reader: str | None  # the label to show, already through the consent rules
    parts: tuple[Part, ...]
    seconds: int


@dataclass(frozen=True)
class Session:
    name: str
    title: str
    date: dt.date | None
    description: str
    items: tuple[SessionItem, ...]
    reader_count: int

    @property
    def src_uri(self) -> str:
        return session_uri(self.name)

    @property
    def seconds(self) -> int:
        return sum(item.seconds for item in self.items)


def session_uri(name: str) -> str:
    return f"readings/{name}.md"


def assign_readers(count: int, readers: list[str] | tuple[str, ...]) -> list[str | None]:
    """Reader for each of `count` stories, in rotation: with readers A, B and three stories, A B A."""
    if not readers:
        return [None] * count
    return [readers[i % len(readers)] for i in range(count)]


def session_files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.suffix in (".yml", ".yaml") and not p.name.startswith("."))


def load_session_files(folder: Path, settings: Settings) -> tuple[list[SessionFile], list[Problem]]:
    sessions, problems = [], []
    names: dict[str, str] = {}
    for file in session_files(folder):
        session, file_problems = read_session_file(file, settings)
        problems += file_problems
        if session is None:
            continue
        if session.name in names:
            problems.append(
                Problem(
                    session.path,
                    None,
                    "file",
                    f"{names[session.name]} has the same name",
                    "keep one of `name.yml` and `name.yaml`",
                )
            )
            continue
        names[session.name] = session.path
        sessions.append(session)
    return sessions, problems


def read_session_file(file: Path, settings: Settings) -> tuple[SessionFile | None, list[Problem]]:
    display = settings.display_path(file)
    if not _NAME.fullmatch(file.stem):
        return None, [
            Problem(
                display,
                None,
                "file",
                "the file name is used in the page address",
                "name it with lowercase letters, digits and hyphens, e.g. 2026-12-assembly.yml",
            )
        ]
    try:
        text, problems = decode_text(file.read_bytes(), display, max_bytes=1_000_000)
    except OSError as exc:
        return None, [Problem(display, None, "file", f"cannot read file: {exc.strerror}")]
    if text is None:
        return None, problems
    data, lines, problems = load_yaml_mapping(text, display, first_line=1)
    # The YAML reader speaks of a story's "front matter"; here the whole file is the YAML.
    problems = [
        replace(
            p,
            field="file",
            message=p.message.replace("front matter", "the file"),
            hint=_FORMAT_HINT if p.hint == FRONT_MATTER_HINT else p.hint,
        )
        if p.field == "front matter"
        else p
        for p in problems
    ]
    if data is None:
        return None, problems or [Problem(display, None, "file", "the file is empty", _FORMAT_HINT)]

    def problem(field: str, message: str, hint: str = "", line: int | None = None) -> None:
        problems.append(Problem(display, line or lines.get(field), field, message, hint))

    for key in data:
        if key not in FIELDS:
            problem(key, "unknown field", did_you_mean(key, FIELDS))
    title = data.get("title")
    if not isinstance(title, str) or not title.strip():
        problem("title", "missing or not text", "give the session a title, e.g. `title: December assembly`")
    description = data.get("description") or ""
    if not isinstance(description, str):
        problem("description", "must be text")
    date = _date(data, "date", problem)
    embargo = _date(data, "embargo_until", problem)
    visibility = data.get("visibility", settings.default_visibility)
    if visibility not in settings.visibility_levels:
        problem(
            "visibility",
            f"unknown visibility '{visibility}'",
            did_you_mean(str(visibility), settings.visibility_levels),
        )
    stories = _id_list(data.get("stories"), _item_lines(text, "stories"), lines.get("stories"), problem)
    readers = data.get("readers") or []
    if not isinstance(readers, list) or not all(isinstance(r, str) and r.strip() for r in readers):
        problem("readers", "must be a list of names or contributor handles", "e.g. `readers: [priya, marisol]`")
        readers = []
    if problems or not isinstance(title, str):  # a title that is not text is one of the problems
        return None, problems
    return SessionFile(
        file.stem,
        display,
        title.strip(),
        date,
        description.strip(),
        tuple(stories),
        tuple(r.strip() for r in readers),
        visibility,
        embargo,
    ), []


def _date(data: dict, field: str, problem) -> dt.date | None:
    value = data.get(field)
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        problem(field, f"'{value}' is not a date", "write it as YYYY-MM-DD, e.g. 2026-12-05")
        return None


def _id_list(value, item_lines: list[int], field_line: int | None, problem) -> list[tuple[str, int | None]]:
    if value is None:
        problem("stories", "missing", "list the story ids to read, in order: `stories: [2026-03-flood-drill, ...]`")
        return []
    if not isinstance(value, list) or not value:
        problem(
            "stories", "must be a list of story ids", "e.g. `stories: [2026-03-flood-drill, 2025-11-generator-pantry]`"
        )
        return []
    result, seen = [], set()
    for index, story_id in enumerate(value):
        line = item_lines[index] if index < len(item_lines) else field_line
        if not isinstance(story_id, str) or not story_id.strip():
            problem(
                "stories", f"item {index + 1} is not a story id", "write each story's `id:` as it is in its file", line
            )
            continue
        story_id = story_id.strip()
        if story_id in seen:
            problem("stories", f"'{story_id}' is listed twice", "list each story once", line)
            continue
        seen.add(story_id)
        result.append((story_id, line))
    return result


def _item_lines(text: str, field: str) -> list[int]:
    """1-based lines of the items of a top-level list, for error messages (the YAML is already known safe)."""
    node = yaml.compose(text, Loader=FrontMatterLoader)
    for key, value in node.value if isinstance(node, yaml.MappingNode) else []:
        if key.value == field and isinstance(value, yaml.SequenceNode):
            return [item.start_mark.line + 1 for item in value.value]
    return []


def plan_sessions(
    files: list[SessionFile], archive: Archive, known_ids: frozenset[str] | set[str]
) -> tuple[list[Session], list[Problem], list[str]]:
    """-> (sessions this profile shows, errors, notes for the build log).

    Unknown ids are errors in every profile; withheld sessions and sessions that list
    withheld stories are left out, with a note naming only the file.
    """
    settings = archive.settings
    sessions, problems, notes = [], [], []
    for file in files:
        missing = [(sid, line) for sid, line in file.stories if sid not in known_ids]
        for story_id, line in missing:
            problems.append(
                Problem(
                    file.path, line, "stories", f"no story has the id '{story_id}'", did_you_mean(story_id, known_ids)
                )
            )
        theirs = [
            (sid, line, story.origin.archive_name)
            for sid, line in file.stories
            if (story := archive.story(sid)) is not None and story.origin is not None and not story.origin.readings
        ]
        for story_id, line, name in theirs:
            problems.append(
                Problem(
                    file.path,
                    line,
                    "stories",
                    f"'{story_id}' comes from {name}, whose stories are not in our reading sessions",
                    "take it out of the session, or set `readings: true` for them in stories/federation.yml",
                )
            )
        if missing or theirs:
            continue
        if not is_visible(file.visibility, file.embargo_until, settings):
            notes.append(f"{file.path}: not in profile '{settings.profile}' (visibility or embargo)")
            continue
        stories = [story for sid, _ in file.stories if (story := archive.story(sid)) is not None]
        if len(stories) < len(file.stories):
            notes.append(
                f"{file.path}: left out of profile '{settings.profile}': it lists a story this profile does not show"
            )
            continue
        sessions.append(make_session(file, stories, archive))
    sessions.sort(key=lambda s: (s.date or dt.date.min, s.name), reverse=True)
    return sessions, problems, notes


def make_session(file: SessionFile, stories: list[Story], archive: Archive) -> Session:
    wpm = archive.settings.words_per_minute_aloud
    labels = {handle: reader_label(handle, index, archive) for index, handle in enumerate(file.readers)}
    items = []
    for story, reader in zip(stories, assign_readers(len(stories), file.readers), strict=True):
        parts = tuple(story_parts(story, wpm))
        items.append(SessionItem(story, labels[reader] if reader else None, parts, total_seconds(list(parts))))
    return Session(file.name, file.title, file.date, file.description, tuple(items), len(file.readers))


def reader_label(handle: str, index: int, archive: Archive) -> str:
    """A reader as this profile may show them: through the contributors registry, else 'Reader N'."""
    person = archive.credits.person(handle)
    return person.label if person else f"Reader {index + 1}"
