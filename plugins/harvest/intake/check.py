"""Check a story before it is written, with the same validator `harvest check` uses.

`check_story(meta, body, ...)` is the reusable step for anything that creates story
files (the terminal, intake, imports): it dumps the story exactly as it will be
written and runs `validate.build_story` on that text, so nothing reaches the disk
that `harvest check` would refuse.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from harvest.core.model import Lesson
from harvest.core.parse import parse_story_text
from harvest.core.privacy import RegistryEntry
from harvest.core.problems import HarvestError, Problem
from harvest.core.prompts import PromptMatcher
from harvest.core.settings import Settings
from harvest.core.storyfile import dump_story, write_new_story
from harvest.core.validate import build_story
from harvest.core.vocab import load_lessons, load_registry


@dataclass
class StoryVocabulary:
    lessons: dict[str, Lesson]
    registry: dict[str, RegistryEntry]


def load_vocabulary(settings: Settings) -> StoryVocabulary:
    """The lessons and contributors registry; a broken vocabulary stops everything."""
    lessons, problems = load_lessons(settings)
    registry, registry_problems = load_registry(settings)
    problems += registry_problems
    if any(p.is_error for p in problems):
        raise HarvestError(problems)
    return StoryVocabulary(lessons, registry)


def check_story(
    meta: Mapping,
    body: str,
    settings: Settings,
    vocabulary: StoryVocabulary,
    source: str,
    rel_path: str = "_inbox/new.md",
) -> tuple[str, list[Problem]]:
    """-> (the file's text, problems). Problems name `source` (e.g. 'data.csv row 4'), not the text's lines."""
    text = dump_story(dict(meta), body)
    return text, check_text(text, settings, vocabulary, source, rel_path)[1]


def check_text(
    text: str, settings: Settings, vocabulary: StoryVocabulary, source: str, rel_path: str = "_inbox/new.md"
) -> tuple[dict | None, list[Problem]]:
    """Validate a whole story file's text; -> (its front matter or None, problems naming `source`)."""
    size = len(text.encode("utf-8"))
    if size > settings.max_story_bytes:
        return None, [
            Problem(
                source,
                None,
                "file",
                f"the story is {size // 1024} KB, over the {settings.max_story_bytes // 1024} KB limit",
                "shorten it, or split it",
            )
        ]
    raw, problems = parse_story_text(text, source)
    if raw is None:
        return None, [_relocate(p, source) for p in problems]
    data = raw.meta
    story, problems = build_story(
        raw, rel_path, source, settings, vocabulary.lessons, vocabulary.registry, PromptMatcher(settings.prompts)
    )
    return (data if story else None), [_relocate(p, source) for p in problems]


def _relocate(problem: Problem, source: str) -> Problem:
    return replace(problem, path=source, line=None)


def write_story(folder: Path, stem: str, text: str) -> Path:
    """Write a checked story under a safe, unused name (see `storyfile.write_new_story`)."""
    return write_new_story(folder, stem, text)
