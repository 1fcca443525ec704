"""Where files really are: symlinks that lead out of their folder, and outputs that would land
inside what gets published (or eat the stories).

Paths are compared by what they resolve to (symlinks, `..`) and, for folders that exist, by
identity (`os.path.samefile`), so a different spelling on a case-insensitive disk is the same
folder too.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Protocol

from harvest.core.problems import HarvestError, Problem
from harvest.core.settings import Settings


class _Theme(Protocol):
    @property
    def custom_dir(self) -> str | None: ...


class SiteConfig(Protocol):
    """What these checks read of an MkDocs config (the core does not import MkDocs)."""

    @property
    def docs_dir(self) -> str: ...
    @property
    def config_file_path(self) -> str | None: ...
    @property
    def theme(self) -> _Theme | None: ...


LINK_HINT = "replace the link with the file itself (copy it into the folder), or remove it"


def real(path: Path) -> Path:
    """The path with every symlink and `..` resolved; a loop resolves to itself (and so stays put)."""
    try:
        return Path(path).resolve()
    except (OSError, RuntimeError):  # a symlink loop
        return Path(os.path.abspath(path))


def is_within(path: Path, folder: Path) -> bool:
    """Is `path` (which may not exist yet) `folder` itself or inside it, once both are resolved?"""
    path, folder = real(path), real(folder)
    if path.is_relative_to(folder):
        return True
    if not folder.exists():
        return False
    for candidate in (path, *path.parents):
        try:
            if candidate.exists() and os.path.samefile(candidate, folder):
                return True
        except OSError:
            continue
    return False


def leaves(path: Path, root: Path) -> bool:
    """Does `path` resolve to somewhere outside `root` (a symlink, or a `..`, leading out)?"""
    return not is_within(path, root)


def link_target(path: Path) -> str:
    try:
        return os.readlink(path)
    except OSError:
        return "?"


# --- symlinks under the stories folder -----------------------------------------------------------


def symlink_problems(settings: Settings, skip: tuple[Path, ...] = ()) -> list[Problem]:
    """Every symlink under the stories folder that Harvest would follow out of it, and every story
    file or story folder that is a symlink at all.

    A link out would publish (or feed a page with) a file from anywhere on the machine. A story file
    or folder linked from inside the folder is refused too: it could publish a story from the inbox
    or a hidden folder, and a review of the change shows only the link, not the text. Other links
    that stay inside (e.g. an image shared by two stories) are harmless: images are judged by where
    they really are. `os.walk` does not follow folder links; each is looked at here instead.
    """
    root = settings.stories_dir
    skipped = {os.path.abspath(p) for p in skip}
    problems: list[Problem] = []
    for folder, dirs, files in os.walk(root):
        for name in sorted(dirs + files):
            entry = Path(folder) / name
            if not entry.is_symlink() or os.path.abspath(entry) in skipped:
                continue
            problem = _link_problem(entry, settings, story_path=_is_story_path(entry.relative_to(root)))
            if problem:
                problems.append(problem)
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and not (Path(folder) / d).is_symlink())
    return problems


def _is_story_path(rel: Path) -> bool:
    """Would the scan read this as a story file or a folder of stories (the inbox included)?"""
    *folders, name = rel.parts
    if folders and folders[0] == "_inbox":
        folders = folders[1:]
    elif not folders and name == "_inbox":
        return True
    return not any(part.startswith((".", "_")) for part in (*folders, name))


def _link_problem(entry: Path, settings: Settings, story_path: bool) -> Problem | None:
    display = settings.display_path(entry)
    kind = "folder" if entry.is_dir() else "file"
    if leaves(entry, settings.stories_dir):
        return Problem(
            display,
            None,
            "file",
            f"this {kind} is a symbolic link to '{link_target(entry)}', outside the stories folder; "
            "nothing outside it is ever read or published",
            LINK_HINT,
        )
    if story_path and (entry.is_dir() or entry.name.endswith(".md")):
        return Problem(
            display,
            None,
            "file",
            f"this {kind} is a symbolic link (to '{link_target(entry)}'); stories must be real files "
            "and folders, so what is published is what a review sees",
            LINK_HINT,
        )
    return None


def linked_out(file: Path, root: Path, display: str, field: str = "file", root_display: str = "") -> Problem | None:
    """A Problem when `file` is reached through a symlink (or `..`) that leads outside `root`."""
    if os.path.lexists(file) and leaves(file, root):
        how = f"a symbolic link to '{link_target(file)}'" if Path(file).is_symlink() else f"'{real(file)}'"
        return Problem(
            display,
            None,
            field,
            f"is {how}, outside {root_display or root}; Harvest reads nothing outside it",
            LINK_HINT,
        )
    return None


def named_file_problem(path: Path, display: str, field: str = "file") -> Problem | None:
    """A file named on the command line may be a link only to a file in its own folder: a link
    elsewhere is refused (the folder it is named in is its root). A folder named on the command line
    is the user's explicit choice, wherever it really is."""
    if Path(path).is_symlink() and not Path(path).is_dir():
        parent = Path(os.path.abspath(path)).parent
        return linked_out(path, parent, display, field, f"its folder ({parent})")
    return None


def inbox_problem(folder: Path, settings: Settings) -> Problem | None:
    """The review inbox must be a real folder in the stories folder: through a link, contributions
    would be written elsewhere (outside it, or straight into a published folder)."""
    if folder.is_symlink():
        return Problem(
            settings.display_path(folder),
            None,
            "file",
            f"the review inbox is a symbolic link (to '{link_target(folder)}'); nothing is written through it",
            "make stories/_inbox a real folder (remove the link, then mkdir it)",
        )
    return None


def refuse(problem: Problem | None) -> None:
    if problem:
        raise HarvestError([problem])


# --- output paths ----------------------------------------------------------------------------------


def published_folders(config: SiteConfig) -> list[tuple[Path, str]]:
    """(folder, what it is) for the folders a build publishes from: the stories and the theme overrides."""
    folders = [(Path(config.docs_dir), "the stories folder (docs_dir)")]
    custom = config.theme.custom_dir if config.theme else None
    if custom:
        folders.append((Path(custom), "the theme overrides folder (custom_dir)"))
    return folders


OUTPUT_HINT = "write it outside the stories, overrides and site folders, e.g. into dist/"


def refuse_output(
    path: Path, option: str, forbidden: list[tuple[Path, str]], display: str | None = None, hint: str = OUTPUT_HINT
) -> None:
    """Refuse an output path inside any of the `forbidden` folders (resolved: symlinks, `..`, case)."""
    for folder, what in forbidden:
        if is_within(path, folder):
            raise HarvestError(
                [
                    Problem(
                        display or str(path),
                        None,
                        option,
                        f"is inside {what}, which is published: what is written there would go out with the next build",
                        hint,
                    )
                ]
            )


SITE_HINT = "build the site into a folder of its own, e.g. site/ (the default)"


def refuse_site_dir(site_dir: Path, config: SiteConfig, option: str = "site_dir", shown: str | None = None) -> None:
    """A site folder is emptied and replaced on every build: it may not hold the stories, the theme
    overrides or mkdocs.yml, nor lie inside what is published."""
    project = Path(os.path.abspath(config.config_file_path or "mkdocs.yml")).parent
    shown = shown or os.path.relpath(site_dir, project)
    refuse_output(site_dir, option, published_folders(config), shown, SITE_HINT)
    keep = [(project, "the project folder (it holds mkdocs.yml)"), *published_folders(config)]
    for folder, what in keep:
        if is_within(folder, site_dir):
            raise HarvestError(
                [
                    Problem(
                        shown,
                        None,
                        option,
                        f"holds {what}; a build replaces the whole site folder, so it would delete it",
                        SITE_HINT,
                    )
                ]
            )
