"""The `harvest` plugin's options in mkdocs.yml, and the plain `Settings` made from them.

Importable without the plugin: the command line reads the same options through here.
Mistakes come back as `HarvestError` problems naming the option; the plugin turns them
into MkDocs' `PluginError`, the command line prints them as they are.
"""

from __future__ import annotations

from pathlib import Path

from mkdocs.config import base
from mkdocs.config import config_options as c
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.plugins import SomeConfig

from harvest.core.fieldnames import extra_fields_config_problems
from harvest.core.problems import HarvestError, Problem
from harvest.core.settings import (
    DEFAULT_EVENT_KINDS,
    DEFAULT_PROFILES,
    DEFAULT_PROMPTS,
    DEFAULT_VISIBILITY_LEVELS,
    Prompt,
    Settings,
    profile_from_env,
    today_from_env,
)
from harvest.core.validate import story_schema

WHERE = "plugins → harvest"


class PromptConfig(base.Config):
    id = c.Type(str)
    title = c.Type(str)
    aliases = c.ListOfItems(c.Type(str), default=[])


class HarvestConfig(base.Config):
    lessons = c.Type(str, default="lessons.yml")  # relative to docs_dir (the stories folder)
    contributors = c.Type(str, default="contributors.yml")
    event_kinds = c.DictOfItems(c.Type(str), default=dict(DEFAULT_EVENT_KINDS))
    prompts = c.ListOfItems(
        c.SubConfig(PromptConfig),
        default=[{"id": p.id, "title": p.title, "aliases": list(p.aliases)} for p in DEFAULT_PROMPTS],
    )
    visibility_levels = c.ListOfItems(c.Type(str), default=list(DEFAULT_VISIBILITY_LEVELS))
    default_visibility = c.Type(str, default="public")
    profiles = c.DictOfItems(c.Type(str), default=dict(DEFAULT_PROFILES))
    profile = c.Optional(c.Type(str))  # else $HARVEST_PROFILE, else "public"
    words_per_minute_aloud = c.Type(int, default=130)
    words_per_minute_silent = c.Type(int, default=200)
    related_count = c.Type(int, default=5)
    max_story_bytes = c.Type(int, default=1_000_000)
    extra_fields = c.ListOfItems(c.Type(str), default=[])  # story fields allowed besides Harvest's own
    # Read the built site for requests to other hosts (stylesheets, scripts, data, one page per
    # template). The offline build turns it off: `harvest pack` reads every page of its copy.
    check_site = c.Type(bool, default=True)
    # Show the stories of the archives we follow (stories/federation.yml). `harvest pack` turns it
    # off unless asked (`--federation`).
    federation = c.Type(bool, default=True)
    # The front door (README "Customising"): a welcome paragraph in Markdown (else stories/_welcome.md),
    # the story shown first on the home page (else the newest), the footer's licence line and the
    # address of the published offline copy (a "Take the offline copy" link when set).
    welcome = c.Type(str, default="")
    featured = c.Optional(c.Type(str))
    licence = c.Type(str, default="")
    offline_copy = c.Type(str, default="")
    cache = c.Type(bool, default=True)  # reuse .harvest/cache between runs; false: a clean build


def find_plugin_config(config: MkDocsConfig, config_class: type[SomeConfig]) -> SomeConfig | None:
    """The options of the plugin whose config is of `config_class` (no plugin class needed)."""
    for plugin in config.plugins.values():
        if isinstance(plugin.config, config_class):
            return plugin.config
    return None


def settings_from(plugin_config: HarvestConfig, config: MkDocsConfig, profile: str | None = None) -> Settings:
    """Harvest's plain settings from a validated mkdocs.yml; every mistake reported at once."""
    stories = Path(config.docs_dir)
    prompts = tuple(Prompt(p.id, p.title, tuple(p.aliases)) for p in plugin_config.prompts)
    levels = tuple(plugin_config.visibility_levels)
    profile = profile or plugin_config.profile or profile_from_env()
    config_file = config.config_file_path or "mkdocs.yml"
    problems = []

    def problem(option: str, message: str, hint: str = "") -> None:
        problems.append(Problem(Path(config_file).name, None, f"{WHERE} → {option}", message, hint))

    if profile not in plugin_config.profiles:
        problem("profile", f"unknown profile '{profile}'", "choose one of: " + ", ".join(plugin_config.profiles))
    for name, level in plugin_config.profiles.items():
        if level not in levels:
            problem(f"profiles.{name}", f"'{level}' is not one of visibility_levels ({', '.join(levels)})")
    if plugin_config.default_visibility not in levels:
        problem("default_visibility", f"'{plugin_config.default_visibility}' is not one of {', '.join(levels)}")
    for message in extra_fields_config_problems(plugin_config.extra_fields, story_schema()["properties"]):
        problem("extra_fields", message.removeprefix("extra_fields: "))
    if len({p.id for p in prompts}) != len(prompts):
        problem("prompts", "two prompts share an id", "give each prompt its own id")
    try:
        today = today_from_env()
    except ValueError:
        problems.append(Problem("HARVEST_TODAY", None, "environment", "not a date", "write it like 2026-11-21"))
    if problems:
        raise HarvestError(problems)
    return Settings(
        stories_dir=stories,
        lessons_file=stories / plugin_config.lessons,
        contributors_file=stories / plugin_config.contributors,
        event_kinds=dict(plugin_config.event_kinds),
        prompts=prompts,
        visibility_levels=levels,
        default_visibility=plugin_config.default_visibility,
        profiles=dict(plugin_config.profiles),
        profile=profile,
        site_name=config.site_name,
        site_url=config.site_url or "",
        default_lang=(config.theme.get("language") or "en"),
        words_per_minute_silent=plugin_config.words_per_minute_silent,
        words_per_minute_aloud=plugin_config.words_per_minute_aloud,
        related_count=plugin_config.related_count,
        max_story_bytes=plugin_config.max_story_bytes,
        extra_fields=tuple(plugin_config.extra_fields),
        project_dir=Path(config_file).parent,
        today=today,
        federation=plugin_config.federation,
        cache=plugin_config.cache,
    )
