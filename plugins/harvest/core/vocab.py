"""The archive's vocabularies: lessons (what stories are tagged with) and the contributors registry."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from harvest.core.model import Lesson
from harvest.core.parse import decode_text, load_yaml_mapping
from harvest.core.privacy import CREDIT_RULES, RegistryEntry
from harvest.core.problems import Problem, did_you_mean
from harvest.core.safepaths import is_within, linked_out
from harvest.core.settings import Settings
from harvest.core.text import slugify
from harvest.core.textchars import unsafe_char

_ID_HINT = "use lowercase letters, digits and hyphens, e.g. mutual-care"
LESSON_KEYS = ("title", "description")
REGISTRY_KEYS = ("name", "credit", "pseudonym")


def _entry_problems(
    value: dict[Any, Any], allowed: tuple[str, ...], key: str, line: int | None, display: str
) -> list[Problem]:
    """Unknown keys (`Credit:`, `hidden: true`) would be ignored: refuse them. Text shown on pages
    holds no control or bidi-override characters."""
    problems = []
    for name, item in value.items():
        if name not in allowed:
            problems.append(Problem(display, line, f"{key}.{name}", "unknown field", did_you_mean(str(name), allowed)))
        elif isinstance(item, str) and (reason := unsafe_char(item.strip())):
            problems.append(
                Problem(display, line, f"{key}.{name}", f"contains {reason}", "write it as plain text on one line")
            )
    return problems


def _load_mapping(
    file: Path, settings: Settings, required: bool
) -> tuple[dict[Any, Any] | None, dict[str, int], list[Problem], str]:
    display = settings.display_path(file)
    # A vocabulary file may not be a link out of its folder (the stories folder when it is inside).
    root = settings.stories_dir if is_within(file.parent, settings.stories_dir) else file.parent
    if file.is_symlink() and (
        problem := linked_out(file, root, display, root_display=f"its folder ({settings.display_path(root)})")
    ):
        return None, {}, [problem], display
    if not file.exists():
        if required:
            return (
                None,
                {},
                [Problem(display, None, "file", "file not found", "create it; see README.md, section 'Story format'")],
                display,
            )
        return {}, {}, [], display
    try:
        data = file.read_bytes()
    except OSError as exc:
        return None, {}, [Problem(display, None, "file", f"cannot read file: {exc.strerror}")], display
    text, problems = decode_text(data, display, max_bytes=5_000_000)
    if text is None:
        return None, {}, problems, display
    if not text.strip():
        return {}, {}, [], display
    mapping, lines, problems = load_yaml_mapping(text, display, first_line=1)
    return mapping, lines, problems, display


def load_lessons(settings: Settings) -> tuple[dict[str, Lesson], list[Problem]]:
    mapping, lines, problems, display = _load_mapping(settings.lessons_file, settings, required=True)
    lessons: dict[str, Lesson] = {}
    for key, value in (mapping or {}).items():
        line = lines.get(key)
        if not _is_slug(key):
            problems.append(Problem(display, line, key, "lesson id is not a simple name", _ID_HINT))
            continue
        if not isinstance(value, dict):
            problems.append(
                Problem(
                    display,
                    line,
                    key,
                    "a lesson needs `title:` and `description:`",
                    "indent two lines under the id: `title: …` and `description: …`",
                )
            )
            continue
        entry_problems = _entry_problems(value, LESSON_KEYS, key, line, display)
        if entry_problems:
            problems += entry_problems
            continue
        title, description = value.get("title"), value.get("description")
        if not isinstance(title, str) or not title.strip():
            problems.append(
                Problem(display, line, f"{key}.title", "missing or not text", "give the lesson a short title")
            )
            continue
        if not isinstance(description, str) or not description.strip() or "\n" in description.strip():
            problems.append(
                Problem(
                    display,
                    line,
                    f"{key}.description",
                    "needs a one-line description",
                    "one sentence saying what the lesson is about",
                )
            )
            continue
        lessons[key] = Lesson(key, title.strip(), description.strip())
    if mapping is not None and not lessons and not problems:
        problems.append(Problem(display, None, "file", "no lessons defined", "add at least one lesson"))
    return lessons, problems


def load_registry(settings: Settings) -> tuple[dict[str, RegistryEntry], list[Problem]]:
    mapping, lines, problems, display = _load_mapping(settings.contributors_file, settings, required=False)
    registry: dict[str, RegistryEntry] = {}
    for handle, value in (mapping or {}).items():
        line = lines.get(handle)
        if not isinstance(value, dict):
            problems.append(
                Problem(
                    display,
                    line,
                    handle,
                    "an entry needs `credit:` (and `name:` or `pseudonym:`)",
                    "e.g. credit: pseudonym / pseudonym: Kitchen Crew",
                )
            )
            continue
        entry_problems = _entry_problems(value, REGISTRY_KEYS, str(handle), line, display)
        if entry_problems:
            problems += entry_problems
            continue
        credit = value.get("credit", "anonymous")
        name = str(value.get("name") or "").strip()
        pseudonym = str(value.get("pseudonym") or "").strip()
        if credit not in CREDIT_RULES:
            problems.append(
                Problem(
                    display,
                    line,
                    f"{handle}.credit",
                    f"unknown credit rule '{credit}'",
                    did_you_mean(str(credit), CREDIT_RULES),
                )
            )
            continue
        if credit == "named" and not name:
            problems.append(
                Problem(
                    display,
                    line,
                    f"{handle}.name",
                    "credit is `named` but no name is given",
                    "add `name:`, or choose `credit: pseudonym` or `anonymous`",
                )
            )
            continue
        if credit == "pseudonym" and not pseudonym:
            problems.append(
                Problem(
                    display,
                    line,
                    f"{handle}.pseudonym",
                    "credit is `pseudonym` but no pseudonym is given",
                    "add `pseudonym:` (several people may share one collective pseudonym)",
                )
            )
            continue
        registry[str(handle)] = RegistryEntry(str(handle), name, credit, pseudonym)
    for entry in registry.values():
        # a pseudonym's slug credits the pseudonym (privacy.pseudonym_keys); one that is another
        # person's handle would credit that person instead
        other = registry.get(slugify(entry.pseudonym)) if entry.credit == "pseudonym" else None
        if other is not None and other.handle != entry.handle and other.pseudonym != entry.pseudonym:
            problems.append(
                Problem(
                    display,
                    lines.get(entry.handle),
                    f"{entry.handle}.pseudonym",
                    f"pseudonym '{entry.pseudonym}' reads as the handle '{other.handle}' of another entry",
                    "choose a pseudonym that is not someone else's handle",
                )
            )
    return registry, problems


def _is_slug(value: object) -> bool:
    import re

    return isinstance(value, str) and re.fullmatch(r"[a-z0-9][a-z0-9-]{0,63}", value) is not None
