"""Harvest settings: plain data shared by the CLI, the MkDocs plugins and tests.

The MkDocs plugin validates `mkdocs.yml` with typed config classes and builds a
`Settings` from them; nothing here imports MkDocs.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field, replace
from pathlib import Path

TYPE_CHECKING = False  # (as typing's: a new `harvest search` process spares importing typing, ~5 ms)
if TYPE_CHECKING:
    from typing import Any

DEFAULT_EVENT_KINDS = {
    "action": "Action",
    "crisis-sim": "Crisis simulation",
    "festival": "Festival",
    "assembly": "Assembly",
    "mutual-aid": "Mutual aid",
    "training": "Training",
}

DEFAULT_VISIBILITY_LEVELS = ("public", "members", "private")
# Profile name -> the most sensitive visibility level that profile may show.
DEFAULT_PROFILES = {"public": "public", "members": "members", "archive": "private"}
PROFILE_ENV = "HARVEST_PROFILE"
TODAY_ENV = "HARVEST_TODAY"  # pins "today" (embargoes) for tests and reproducible builds


@dataclass(frozen=True)
class Prompt:
    """One of the story prompts (a heading in the story), with the other titles it may have."""

    id: str
    title: str
    aliases: tuple[str, ...] = ()

    @property
    def headings(self) -> tuple[str, ...]:
        return (self.title, *self.aliases)


DEFAULT_PROMPTS = (
    Prompt("surprised", "What surprised us?", ("What surprised you?",)),
    Prompt("stepped-forward", "Who stepped forward?"),
    Prompt("missing", "What resource was missing?", ("What was missing?",)),
)


@dataclass(frozen=True)
class Settings:
    """Everything Harvest reads from mkdocs.yml, for one build profile."""

    stories_dir: Path
    lessons_file: Path
    contributors_file: Path
    event_kinds: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_EVENT_KINDS))
    prompts: tuple[Prompt, ...] = DEFAULT_PROMPTS
    visibility_levels: tuple[str, ...] = DEFAULT_VISIBILITY_LEVELS
    default_visibility: str = "public"
    profiles: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_PROFILES))
    profile: str = "public"
    site_name: str = "Harvest"
    site_url: str = ""
    default_lang: str = "en"
    words_per_minute_silent: int = 200
    words_per_minute_aloud: int = 130
    related_count: int = 5
    max_story_bytes: int = 1_000_000
    extra_fields: tuple[str, ...] = ()  # front-matter fields a project allows besides the schema's
    project_dir: Path = Path(".")
    federation: bool = True  # show the peers' stories pulled into stories/_federation/ (federation.yml)
    # Reuse what earlier runs made of unchanged story files (.harvest/cache/, `core.cache`). Off
    # unless asked: the plugin's `cache` option (on by default) and the command line set it.
    cache: bool = False
    today: dt.date = field(default_factory=lambda: today_from_env())

    @classmethod
    def for_directory(cls, stories_dir: Path | str, **overrides: Any) -> Settings:
        """Defaults for a stories folder (vocabularies inside it); handy for tests and scripts."""
        stories_dir = Path(stories_dir)
        base = cls(
            stories_dir=stories_dir,
            lessons_file=stories_dir / "lessons.yml",
            contributors_file=stories_dir / "contributors.yml",
            project_dir=stories_dir.parent,
        )
        return replace(base, **overrides)

    def with_profile(self, profile: str | None) -> Settings:
        return replace(self, profile=profile or self.profile)

    def display_path(self, path: Path) -> str:
        """A path as the user knows it: relative to the project when possible."""
        try:
            return Path(os.path.relpath(path, self.project_dir)).as_posix()
        except ValueError:
            return path.as_posix()

    @property
    def prompts_by_id(self) -> dict[str, Prompt]:
        return {p.id: p for p in self.prompts}

    @property
    def profile_level(self) -> str:
        return self.profiles[self.profile]

    @property
    def top_level(self) -> str:
        return self.visibility_levels[-1]


def today_from_env() -> dt.date:
    value = os.environ.get(TODAY_ENV)
    return dt.date.fromisoformat(value) if value else dt.date.today()


def profile_from_env(default: str = "public") -> str:
    return os.environ.get(PROFILE_ENV) or default
