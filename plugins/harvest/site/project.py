"""Read mkdocs.yml the way `mkdocs build` does, for commands that run outside a build."""
from __future__ import annotations

import logging
from pathlib import Path

from harvest.core.problems import HarvestError, Problem
from harvest.core.settings import Settings


def load_mkdocs_config(config_file: Path, **overrides):
    from mkdocs.config import load_config
    from mkdocs.exceptions import ConfigurationError

    config_file = Path(config_file)
    if not config_file.is_file():
        raise HarvestError([Problem(str(config_file), None, "file", "not found",
                                    "run harvest from the archive's folder, or pass -f path/to/mkdocs.yml")])
    try:
        return load_config(str(config_file), **overrides)
    except ConfigurationError as error:
        raise HarvestError([Problem(str(config_file), None, "config", str(error).strip(),
                                    "see the comments in mkdocs.yml and README.md")]) from None


def log_to_console(verbose: bool = False) -> None:
    """Show MkDocs' (and our plugins') messages as `mkdocs build` would."""
    logger = logging.getLogger("mkdocs")
    if not any(getattr(h, "_harvest", False) for h in logger.handlers):
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(levelname)-7s -  %(message)s"))
        handler._harvest = True
        logger.addHandler(handler)
    logger.setLevel(logging.DEBUG if verbose else logging.INFO)


def load_project(config_file: Path, profile: str | None = None):
    """-> (the MkDocs config, Harvest's settings), reading mkdocs.yml once, as the build would."""
    from mkdocs.exceptions import PluginError
    from harvest.site.plugin import HarvestPlugin, settings_from

    config = load_mkdocs_config(config_file)
    plugin = next((p for p in config.plugins.values() if isinstance(p, HarvestPlugin)), None)
    if plugin is None:
        raise HarvestError([Problem(str(config_file), None, "plugins", "the harvest plugin is not enabled",
                                    "add `- harvest` under `plugins:`")])
    try:
        return config, settings_from(plugin.config, config, profile)
    except PluginError as error:
        message = str(error).removeprefix("mkdocs.yml, plugins → harvest:").strip()
        raise HarvestError([Problem(str(config_file), None, "plugins → harvest", message)]) from None


def settings_from_file(config_file: Path, profile: str | None = None) -> Settings:
    return load_project(config_file, profile)[1]
