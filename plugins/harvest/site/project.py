"""Read mkdocs.yml the way `mkdocs build` does, for commands that run outside a build (the CLI, `pack`)."""

from __future__ import annotations

import logging
from pathlib import Path

from harvest.core.problems import HarvestError, Problem
from harvest.core.settings import Settings


def load_mkdocs_config(config_file: Path, plugin_options: dict[str, dict] | None = None, **overrides):
    """mkdocs.yml as `mkdocs build` reads it, with `overrides` of top-level settings and
    `plugin_options` (plugin name -> options) set over the file's own, in the config itself:
    what a command asks of a plugin travels as that plugin's options, nothing else."""
    from mkdocs.config import load_config
    from mkdocs.exceptions import Abort, ConfigurationError

    config_file = Path(config_file)
    if not config_file.is_file():
        raise HarvestError(
            [
                Problem(
                    str(config_file),
                    None,
                    "file",
                    "not found",
                    "run harvest from the archive's folder, or pass -f path/to/mkdocs.yml",
                )
            ]
        )
    if plugin_options:
        overrides["plugins"] = plugins_with(config_file, plugin_options)
    try:
        return load_config(str(config_file), **overrides)
    except (ConfigurationError, Abort) as error:
        raise HarvestError(
            [
                Problem(
                    str(config_file), None, "config", str(error).strip(), "see the comments in mkdocs.yml and README.md"
                )
            ]
        ) from None


def plugins_with(config_file: Path, plugin_options: dict[str, dict]) -> list:
    """The file's `plugins:` list with `plugin_options` merged into the named plugins' options
    (a plugin the file does not list is added)."""
    from mkdocs.utils.yaml import yaml_load

    with open(config_file, "rb") as handle:
        data = yaml_load(handle) or {}
    entries = data.get("plugins") or []
    if isinstance(entries, dict):  # `plugins:` may be a mapping of name -> options too
        entries = [{name: options} for name, options in entries.items()]
    merged, seen = [], set()
    for entry in entries:
        name, options = (entry, {}) if isinstance(entry, str) else next(iter(entry.items()))
        if name in plugin_options:
            options = {**(options or {}), **plugin_options[name]}
            seen.add(name)
        merged.append({name: options or {}})
    merged += [{name: options} for name, options in plugin_options.items() if name not in seen]
    return merged


def log_to_console(verbose: bool = False) -> None:
    """Show MkDocs' (and our plugins') messages as `mkdocs build` would."""
    logger = logging.getLogger("mkdocs")
    if not any(h.get_name() == "harvest-console" for h in logger.handlers):
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(levelname)-7s -  %(message)s"))
        handler.set_name("harvest-console")  # added once, however often this is called
        logger.addHandler(handler)
    logger.setLevel(logging.DEBUG if verbose else logging.INFO)


def load_project(config_file: Path, profile: str | None = None):
    """-> (the MkDocs config, Harvest's settings), reading mkdocs.yml once, as the build would."""
    from harvest.site.config import HarvestConfig, find_plugin_config, settings_from

    config = load_mkdocs_config(config_file)
    plugin_config = find_plugin_config(config, HarvestConfig)
    if not isinstance(plugin_config, HarvestConfig):
        raise HarvestError(
            [
                Problem(
                    str(config_file),
                    None,
                    "plugins",
                    "the harvest plugin is not enabled",
                    "add `- harvest` under `plugins:`",
                )
            ]
        )
    return config, settings_from(plugin_config, config, profile)


def settings_from_file(config_file: Path, profile: str | None = None) -> Settings:
    return load_project(config_file, profile)[1]
