"""The front-door options (welcome, featured, licence, offline_copy) judged and read, once per build."""

from __future__ import annotations

from pathlib import Path

from mkdocs.exceptions import PluginError

from harvest.core.problems import HarvestError, Problem, did_you_mean
from harvest.core.safepaths import linked_out
from harvest.core.settings import Settings
from harvest.site.config import WHERE
from harvest.site.front import FrontOptions

WELCOME_FILE = "_welcome.md"  # in the stories folder; `_` keeps it from being read as a story


def welcome_text(plugin_config, settings: Settings) -> str:
    """The option when set, else stories/_welcome.md; a link out of the stories folder is refused."""
    if plugin_config.welcome.strip():
        return plugin_config.welcome
    file = settings.stories_dir / WELCOME_FILE
    display = settings.display_path(file)
    problem = linked_out(file, settings.stories_dir, display)
    if problem is None and file.is_symlink():
        problem = Problem(display, None, "file", "is a symbolic link", "put the welcome text in the file itself")
    if problem is not None:
        raise PluginError(HarvestError([problem]).report())
    if not file.is_file():
        return ""
    try:
        return file.read_text("utf-8")
    except UnicodeDecodeError:
        raise PluginError(
            HarvestError([Problem(display, None, "file", "is not UTF-8 text", "save it as UTF-8")]).report()
        ) from None


def front_options(plugin_config, settings: Settings, known_story_ids: frozenset[str]) -> FrontOptions:
    featured = plugin_config.featured
    if featured is not None and featured not in known_story_ids:
        # A typo is refused; a withheld story is known, and quietly gives way to the newest one.
        config_file = Path(settings.project_dir / "mkdocs.yml").name
        raise PluginError(
            HarvestError(
                [
                    Problem(
                        config_file,
                        None,
                        f"{WHERE} → featured",
                        f"no story has the id '{featured}'",
                        did_you_mean(featured, known_story_ids),
                    )
                ]
            ).report()
        )
    return FrontOptions(
        welcome=welcome_text(plugin_config, settings),
        featured=featured,
        offline_copy=plugin_config.offline_copy.strip(),
    )


def footer_globals(plugin_config, config) -> dict:
    """What the archive's footer (templates/partials/copyright.html) shows on every page."""
    return {
        "name": config.site_name,
        "licence": plugin_config.licence.strip() or (config.copyright or ""),
        "offline_copy": plugin_config.offline_copy.strip(),
    }
