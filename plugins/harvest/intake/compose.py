"""Answers -> front matter + body, one field at a time, with a clear problem per bad answer.

An *answers* dict maps field names (see `fields.FIELDS`) and `prompt:<id>` to what the
contributor typed: text, or a list for lessons and contributors. Each field has its own
normaliser so `harvest new` can re-ask one question; `compose` runs them all.

The site's form does the same in JavaScript (assets/contribute.js): keep the cleaning
rules (`clean_line`, `clean_text`, `to_handle`, `compose_body`) identical in both.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field

from harvest.core.model import Lesson
from harvest.core.privacy import RegistryEntry, is_registered
from harvest.core.problems import WARNING, Problem, did_you_mean
from harvest.core.settings import Settings
from harvest.core.storyfile import new_story_id
from harvest.core.text import slugify
from harvest.core.validate import story_schema
from harvest.intake.fields import FIELDS

MAX_ANSWER_CHARS = 20_000  # per prompt answer: a long story, still small enough to review
MAX_LIST_ITEMS = 20  # lessons or contributors
MAX_RAW_CHARS = 100_000  # anything longer is refused before any other work

# Single-line fields: controls, odd spaces and characters YAML cannot print become one space.
_LINE_JUNK = re.compile(
    "[\x00-\x20\x7f-\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ud800-\udfff\ufeff\ufffe\uffff\U0010ffff]+"
)
# Multi-line answers: the same characters are dropped, but tabs and line breaks stay.
_TEXT_JUNK = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufeff\ufffe\uffff\U0010ffff]")
_LINE_BREAKS = re.compile("\r\n|[\r\u2028\u2029\x85]")
# `#` and `##` headings in an answer would start a new prompt section: make them `###`.
_TOP_HEADING = re.compile(r"^( {0,3})#{1,2}(?=[ \t]|$)")
_HANDLE_JUNK = re.compile(r"[^a-z0-9_.-]+")
_HANDLE = re.compile(r"[a-z0-9][a-z0-9_.-]{0,63}")
_ISO_DATE = re.compile(r"(\d{4}-\d{2}-\d{2})(?:[ T].*)?")
_LIST_SPLIT = re.compile(r"[,;\n]")
NO_RESPONSE = ("_no response_", "no response", "n/a", "-")


class FieldProblem(Exception):
    def __init__(self, field: str, message: str, hint: str = ""):
        super().__init__(message)
        self.field, self.message, self.hint = field, message, hint


def clean_line(value) -> str:
    return _LINE_JUNK.sub(" ", str(value)).strip(" ")


def clean_text(value) -> str:
    text = _TEXT_JUNK.sub("", _LINE_BREAKS.sub("\n", str(value)))
    lines = [_TOP_HEADING.sub(r"\1###", line.rstrip(" \t")) for line in text.split("\n")]
    return "\n".join(lines).strip("\n")


def to_handle(value) -> str:
    """A contributor's handle from what they typed: 'Night Moth' -> 'night-moth'."""
    text = unicodedata.normalize("NFKD", str(value)).encode("ascii", "ignore").decode("ascii").lower()
    return _HANDLE_JUNK.sub("-", text).strip("-_.")[:64].strip("-_.")


def compose_body(answers: Mapping[str, str], settings: Settings) -> str:
    """`## prompt` sections in the configured order; unanswered prompts are left out."""
    sections = [f"## {p.title}\n\n{answers[p.id]}" for p in settings.prompts if answers.get(p.id)]
    return "\n\n".join(sections)


def is_blank(value) -> bool:
    if value is None:
        return True
    if isinstance(value, (list, tuple)):
        return not any(not is_blank(v) for v in value)
    return clean_line(value).lower() in ("", *NO_RESPONSE)


def _items(value) -> list[str]:
    if value is None:
        return []
    items = value if isinstance(value, (list, tuple)) else _LIST_SPLIT.split(str(value))
    return [clean_line(item) for item in items if not is_blank(item)]


def _match(value: str, choices: Mapping[str, str]) -> str | None:
    """An id from its id or its label, ignoring case and punctuation."""
    if value in choices:
        return value
    wanted = slugify(value)
    for key, label in choices.items():
        if wanted in (slugify(key), slugify(label)):
            return key
    return None


@dataclass
class Composer:
    """Normalises answers against one archive's configuration and vocabularies."""

    settings: Settings
    lessons: Mapping[str, Lesson]
    registry: Mapping[str, RegistryEntry]
    date_format: str | None = None  # e.g. "%d/%m/%Y" for a spreadsheet's own dates
    warnings: list[tuple[str, str, str]] = field(default_factory=list)

    def _max(self, name: str) -> int:
        return story_schema()["properties"][name].get("maxLength", 10_000)

    def _line(self, name: str, value, example: str) -> str:
        if is_blank(value):
            raise FieldProblem(name, "missing", f"e.g. {example}")
        text = clean_line(value)
        if len(text) > self._max(name):
            raise FieldProblem(name, f"is too long ({len(text)} characters, at most {self._max(name)})", "shorten it")
        return text

    def title(self, value) -> str:
        return self._line("title", value, "'The night the flood drill went sideways'")

    def place(self, value) -> str:
        return self._line("place", value, "'Saltwick Yards' (a town or neighbourhood, never an address)")

    def summary(self, value) -> str:
        return self._line("summary", value, "one sentence saying what happened and what we learned")

    def date(self, value) -> dt.date:
        if isinstance(value, dt.date):
            return value
        if is_blank(value):
            raise FieldProblem("date", "missing", "e.g. 2026-03-14")
        text = clean_line(value)
        if self.date_format:
            try:
                return dt.datetime.strptime(text, self.date_format).date()
            except ValueError:
                pass
        match = _ISO_DATE.fullmatch(text)
        try:
            if match:
                return dt.date.fromisoformat(match.group(1))
        except ValueError:
            raise FieldProblem("date", f"'{text}' is not a real date", "check the month and day") from None
        hint = "write it as YYYY-MM-DD, e.g. 2026-03-14"
        if self.date_format:
            hint += f" (or as the mapping's date_format {self.date_format!r})"
        raise FieldProblem("date", f"'{text[:40]}' is not a date", hint)

    def event(self, value) -> str:
        kinds = self.settings.event_kinds
        if is_blank(value):
            raise FieldProblem("event", "missing", "one of: " + ", ".join(kinds))
        text = clean_line(value)
        kind = _match(text, kinds)
        if kind is None:
            raise FieldProblem("event", f"unknown event kind '{text[:60]}'", did_you_mean(slugify(text), kinds))
        return kind

    def lessons_of(self, value) -> list[str]:
        choices = {key: lesson.title for key, lesson in self.lessons.items()}
        tokens, chosen = _items(value), []
        if not tokens:
            raise FieldProblem("lessons", "choose at least one lesson", "known lessons: " + ", ".join(choices))
        if len(tokens) > MAX_LIST_ITEMS * 4:
            raise FieldProblem("lessons", f"too many values ({len(tokens)})", f"choose at most {MAX_LIST_ITEMS}")
        start = 0
        while start < len(tokens):
            # Lesson titles may contain commas: try the longest run of items first.
            for end in range(len(tokens), start, -1):
                lesson = _match(", ".join(tokens[start:end]), choices)
                if lesson:
                    break
            else:
                raise FieldProblem(
                    "lessons", f"unknown lesson '{tokens[start][:60]}'", did_you_mean(slugify(tokens[start]), choices)
                )
            if lesson not in chosen:
                chosen.append(lesson)
            start = end
        if len(chosen) > MAX_LIST_ITEMS:
            raise FieldProblem("lessons", f"too many lessons ({len(chosen)})", f"choose at most {MAX_LIST_ITEMS}")
        return chosen

    def contributors(self, value) -> list[str]:
        handles: list[str] = []
        for item in _items(value or []):
            handle = to_handle(item)
            if not _HANDLE.fullmatch(handle):
                raise FieldProblem(
                    "contributors",
                    f"'{item[:60]}' cannot be used as a handle",
                    "use Latin letters, digits, '-', '_' or '.', or leave it empty to stay anonymous",
                )
            if handle not in handles:
                handles.append(handle)
        if len(handles) > MAX_LIST_ITEMS:
            raise FieldProblem("contributors", f"too many contributors ({len(handles)})", f"at most {MAX_LIST_ITEMS}")
        for handle in handles:
            if not is_registered(handle, self.registry):
                self.warnings.append(
                    (
                        "contributors",
                        f"'{handle}' is not in the contributors registry, so they will be shown as anonymous",
                        "a maintainer adds them to "
                        f"{self.settings.display_path(self.settings.contributors_file)} "
                        "with their credit rule",
                    )
                )
        return handles

    def visibility(self, value) -> str:
        levels = self.settings.visibility_levels
        if is_blank(value):
            return self.settings.default_visibility
        text = clean_line(value)
        for level in levels:
            if text.casefold() == level.casefold():
                return level
        raise FieldProblem("visibility", f"unknown visibility '{text[:40]}'", did_you_mean(text, levels))

    def answer(self, prompt_id: str, value) -> str:
        if is_blank(value):
            return ""
        text = clean_text(value)
        if len(text) > MAX_ANSWER_CHARS:
            raise FieldProblem(
                f"prompt:{prompt_id}",
                f"answer is too long ({len(text)} characters, at most {MAX_ANSWER_CHARS})",
                "shorten it, or split it into two stories",
            )
        return text

    def compose(self, answers: Mapping, source: str) -> tuple[dict | None, str, list[Problem]]:
        """-> (meta, body, problems); meta is None when any answer is unusable."""
        problems: list[Problem] = []
        self.warnings = []
        meta: dict = {}
        too_big = [k for k, v in answers.items() if len(str(v)) > MAX_RAW_CHARS]
        for key in too_big:
            problems.append(Problem(source, None, key, f"is over {MAX_RAW_CHARS} characters", "shorten it"))
        steps = [(f.name, getattr(self, "lessons_of" if f.name == "lessons" else f.name)) for f in FIELDS]
        for name, normalise in steps:
            if name in too_big:
                continue
            try:
                meta[name] = normalise(answers.get(name))
            except FieldProblem as problem:
                problems.append(Problem(source, None, problem.field, problem.message, problem.hint))
        texts = {}
        for prompt in self.settings.prompts:
            key = f"prompt:{prompt.id}"
            if key in too_big:
                continue
            try:
                texts[prompt.id] = self.answer(prompt.id, answers.get(key))
            except FieldProblem as problem:
                problems.append(Problem(source, None, prompt.title, problem.message, problem.hint))
        body = compose_body(texts, self.settings)
        if not body and not too_big:
            problems.append(
                Problem(
                    source,
                    None,
                    "answers",
                    "no prompt is answered",
                    "answer at least one of: " + "; ".join(p.title for p in self.settings.prompts),
                )
            )
        problems += [Problem(source, None, f, m, h, WARNING) for f, m, h in self.warnings]
        if any(p.is_error for p in problems):
            return None, body, problems
        meta = {"id": new_story_id(meta["date"].isoformat(), meta["title"]), **meta}
        return meta, body, problems
