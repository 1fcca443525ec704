"""Validate one story's front matter and body, and build a `Story` from it.

Structure comes from the published JSON Schema (schema/story.schema.json), the
same file editors and external checkers use; meaning (real dates, known lessons,
known event kinds, prompts, redaction) is checked here.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Iterator, Mapping
from functools import lru_cache
from importlib import resources
from typing import Any

import jsonschema
from jsonschema.protocols import Validator

from harvest.core.fieldnames import field_name_problems
from harvest.core.model import Lesson, Story
from harvest.core.nearmiss import comment_problems, near_miss_redactions
from harvest.core.parse import RawStory
from harvest.core.privacy import RegistryEntry, find_redactions, is_registered
from harvest.core.problems import WARNING, Problem, did_you_mean
from harvest.core.prompts import PromptMatcher, count_words, split_sections
from harvest.core.settings import Settings
from harvest.core.text import slugify
from harvest.core.textchars import unsafe_char

EXAMPLES = {
    "id": "id: 2026-03-flood-drill",
    "title": "title: The night the river drill went sideways",
    "date": "date: 2026-03-14",
    "event": "event: crisis-sim",
    "place": "place: Riverside",
    "contributors": "contributors: [ana, ben]",
    "lessons": "lessons: [communication, logistics]",
    "summary": "summary: One sentence saying what happened and what we learned.",
    "lang": "lang: es",
    "visibility": "visibility: members",
    "embargo_until": "embargo_until: 2027-01-31",
    "images": "images: [photos/kitchen.jpg]",
    "translation_of": "translation_of: 2026-03-flood-drill",
}
DATE_FIELDS = ("date", "embargo_until")
ONE_LINE_FIELDS = ("title", "place", "summary", "imported_from", "import_digest")
TYPE_NAMES = {"string": "text", "array": "a list", "object": "a mapping", "integer": "a whole number"}


@lru_cache(maxsize=1)
def story_schema() -> dict[str, Any]:
    schema: dict[str, Any] = json.loads(
        resources.files("harvest").joinpath("schema/story.schema.json").read_text("utf-8")
    )
    return schema


def _whole_text_pattern(
    validator: Validator, pattern: str, instance: object, schema: object
) -> Iterator[jsonschema.ValidationError]:
    """JSON Schema patterns are ECMA-262 regexes, where `$` is the end of the text; Python's `$` also
    matches before a final newline, so `id: "x\\n"` would pass `^[a-z0-9-]+$` (and split a line of
    ids.txt). Here the pattern must match the whole text."""
    if isinstance(instance, str) and not re.search(pattern.removesuffix("$") + r"\Z", instance):
        yield jsonschema.ValidationError(f"{instance!r} does not match {pattern!r}")


_StoryValidator: type[Validator] = jsonschema.validators.extend(
    jsonschema.Draft202012Validator, {"pattern": _whole_text_pattern}
)


@lru_cache(maxsize=1)
def _schema_validator() -> Validator:
    return _StoryValidator(story_schema())


def _example(name: str) -> str:
    return f"e.g. `{EXAMPLES[name]}`" if name in EXAMPLES else ""


def _schema_problem(error: jsonschema.ValidationError, raw: RawStory, path: str) -> Problem:
    # Set on every error a validator yields (jsonschema types them as possibly unset).
    rule: Any = error.validator_value
    value: Any = error.instance
    name = str(error.absolute_path[0]) if error.absolute_path else "front matter"
    line = raw.line_of(name)
    if name in DATE_FIELDS and error.validator in ("type", "pattern"):
        return Problem(path, line, name, f"{value!r} is not a date in YYYY-MM-DD form", _example(name))
    if error.validator == "type":
        expected = TYPE_NAMES.get(rule, rule)
        return Problem(path, line, name, f"should be {expected}, not {type(value).__name__} {value!r}", _example(name))
    if error.validator == "pattern":
        return Problem(
            path,
            line,
            name,
            f"{value!r} has characters that are not allowed here",
            "use lowercase letters, digits and hyphens; " + _example(name),
        )
    if error.validator == "minItems":
        return Problem(path, line, name, "must list at least one value", _example(name))
    if error.validator == "uniqueItems":
        return Problem(path, line, name, "lists the same value twice", "remove the repeated value")
    if error.validator == "minLength":
        return Problem(path, line, name, "is empty", _example(name))
    if error.validator == "maxLength":
        return Problem(path, line, name, f"is too long ({len(value)} characters, at most {rule})", "shorten it")
    return Problem(path, line, name, error.message, _example(name))


def _parse_date(raw: RawStory, name: str, path: str, problems: list[Problem]) -> dt.date | None:
    value = raw.meta.get(name)
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except (TypeError, ValueError):
        problems.append(
            Problem(
                path,
                raw.line_of(name),
                name,
                f"{value!r} is not a real date",
                "check the month and day; " + _example(name),
            )
        )
        return None


def _text_problems(meta: Mapping[Any, Any], raw: RawStory, path: str, bad_fields: set[str]) -> list[Problem]:
    """One-line text fields hold no line breaks, control or bidi-override characters, and nothing
    that looks like a redaction mark (redaction works only in the story text)."""
    problems = []
    for name in ONE_LINE_FIELDS:
        value = meta.get(name)
        if name in bad_fields or not isinstance(value, str):
            continue
        reason = unsafe_char(value.strip())
        if reason:
            problems.append(
                Problem(path, raw.line_of(name), name, f"contains {reason}", "write it as plain text on one line")
            )
        else:
            problems += near_miss_redactions(value, raw.line_of(name), path, name)
    for image in meta.get("images") or () if "images" not in bad_fields else ():
        reason = unsafe_char(image) if isinstance(image, str) else None
        if reason:
            problems.append(
                Problem(
                    path,
                    raw.line_of("images"),
                    "images",
                    f"{image!r} contains {reason}",
                    "rename the image file using visible letters, digits, '-' and '_'",
                )
            )
    return problems


def _place_left_open(error: jsonschema.ValidationError, meta: Mapping[Any, Any]) -> bool:
    """`place: ""` in an imported story: the source did not say where, and the pages say nothing
    rather than "Unknown". A story written here must still name its place."""
    return (
        error.validator == "minLength"
        and list(error.absolute_path) == ["place"]
        and isinstance(meta.get("imported_from"), str)
    )


def build_story(
    raw: RawStory,
    rel_path: str,
    display: str,
    settings: Settings,
    lessons: Mapping[str, Lesson],
    registry: Mapping[str, RegistryEntry],
    matcher: PromptMatcher,
) -> tuple[Story | None, list[Problem]]:
    """Check one parsed file; -> (Story, problems). The Story is None when an error makes it unusable."""
    meta = raw.meta
    schema_errors = sorted(
        (e for e in _schema_validator().iter_errors(meta) if not _place_left_open(e, meta)),
        key=lambda e: list(e.absolute_path),
    )
    # One problem per missing field: jsonschema raises one `required` error per field, naming none.
    problems = [
        Problem(display, 1, name, "missing", "add " + _example(name).removeprefix("e.g. "))
        for name in story_schema()["required"]
        if name not in meta
    ]
    problems += [_schema_problem(error, raw, display) for error in schema_errors if error.validator != "required"]
    bad_fields = {p.field for p in problems}

    known = story_schema()["properties"]
    problems += field_name_problems(meta, known, settings.extra_fields, raw.line_of, display)
    problems += _text_problems(meta, raw, display, bad_fields)

    date = None if "date" in bad_fields else _parse_date(raw, "date", display, problems)
    embargo = None if "embargo_until" in bad_fields else _parse_date(raw, "embargo_until", display, problems)

    event = meta.get("event")
    if "event" not in bad_fields and event is not None and event not in settings.event_kinds:
        problems.append(
            Problem(
                display,
                raw.line_of("event"),
                "event",
                f"unknown event kind '{event}'",
                did_you_mean(event, settings.event_kinds),
            )
        )
    if "lessons" not in bad_fields:
        for lesson in meta.get("lessons") or ():
            if lesson not in lessons:
                problems.append(
                    Problem(
                        display,
                        raw.line_of("lessons"),
                        "lessons",
                        f"unknown lesson '{lesson}'",
                        did_you_mean(lesson, lessons) + f" (lessons are defined in "
                        f"{settings.display_path(settings.lessons_file)})",
                    )
                )
    if "contributors" not in bad_fields:
        for handle in meta.get("contributors") or ():
            if not is_registered(handle, registry):
                hint = did_you_mean(handle, registry)
                problems.append(
                    Problem(
                        display,
                        raw.line_of("contributors"),
                        "contributors",
                        f"'{handle}' is not in the contributors registry, so they will be shown as anonymous",
                        (hint + "; " if hint.startswith("did") else "")
                        + f"add them to {settings.display_path(settings.contributors_file)} with their credit rule",
                        WARNING,
                        strict=False,
                    )
                )
    visibility = meta.get("visibility", settings.default_visibility)
    if "visibility" not in bad_fields and visibility not in settings.visibility_levels:
        problems.append(
            Problem(
                display,
                raw.line_of("visibility"),
                "visibility",
                f"unknown visibility '{visibility}'",
                did_you_mean(visibility, settings.visibility_levels),
            )
        )

    if not raw.body.strip():
        problems.append(
            Problem(
                display,
                raw.body_line,
                "body",
                "the story has no text",
                "write the story below the front matter, with a `## What surprised us?` section",
            )
        )
    spans, redaction_problems = find_redactions(raw.body, raw.body_line, settings, display)
    problems += redaction_problems
    problems += near_miss_redactions(raw.body, raw.body_line, display)
    problems += comment_problems(raw.body, raw.body_line, display)
    intro, sections = split_sections(raw.body, raw.body_line, matcher)
    for section in sections:
        if section.prompt_id is None:
            problems.append(
                Problem(
                    display,
                    section.line,
                    "body",
                    f"unknown prompt heading '## {section.heading}'",
                    did_you_mean(section.heading, [p.title for p in settings.prompts])
                    + " (prompts and their accepted variants are set in mkdocs.yml)",
                    WARNING,
                )
            )

    if any(p.is_error for p in problems):
        return None, problems
    # Both are required: a story without them has an error above.
    assert date is not None and event is not None
    story_id = meta.get("id") or slugify(rel_path.rsplit("/", 1)[-1].removesuffix(".md"))
    story = Story(
        id=story_id,
        path=rel_path,
        title=meta["title"].strip(),
        date=date,
        event=event,
        place=meta["place"].strip(),
        contributors=tuple(meta["contributors"]),
        lessons=tuple(meta["lessons"]),
        summary=" ".join(meta["summary"].split()),
        lang=meta.get("lang") or settings.default_lang,
        visibility=visibility,
        markdown=raw.body,
        body_line=raw.body_line,
        intro=intro,
        sections=sections,
        words=count_words(intro) + sum(sec.words for sec in sections),
        content_hash=hashlib.sha256(raw.text.encode("utf-8")).hexdigest(),
        embargo_until=embargo,
        images=tuple(meta.get("images") or ()),
        translation_of=meta.get("translation_of"),
        redactions=tuple(spans),
        extra={k: v for k, v in meta.items() if k in settings.extra_fields},
    )
    return story, problems
