"""The `harvest-contribute` MkDocs plugin: a "Contribute a story" page built from the archive's config.

The page's fields come from the same configuration as `harvest new` and the issue form
(prompts, event kinds, lessons, visibility levels). Its script (assets/contribute.js)
assembles the story file in the browser; the page itself sends nothing anywhere.
"""
from __future__ import annotations

import json
import os
import re
from importlib import resources
from pathlib import PurePosixPath

from mkdocs.config import base
from mkdocs.config import config_options as c
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin
from mkdocs.structure.files import File, Files, InclusionLevel

from .archive import INBOX
from .intake.compose import MAX_ANSWER_CHARS
from .intake.fields import CONSENT_OPTIONS, FIELDS_BY_NAME, VISIBILITY_HELP
from .mkdocs_plugin import add_nav_entry, harvest_plugin
from .pages import PageSpec
from .validate import story_schema

PAGE_URI = "contribute/index.md"
ASSETS = ("contribute.js", "contribute.css")
FORGES = {"github": ("GitHub", "https://github.com"), "forgejo": ("Forgejo", None), "gitea": ("Gitea", None)}
_REPO = re.compile(r"[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+")
_BRANCH = re.compile(r"[^\s~^:?*\[\\]+")


class ForgeConfig(base.Config):
    type = c.Choice(tuple(FORGES))
    url = c.Optional(c.URL())              # the forge's address; default https://github.com for github
    repo = c.Type(str)                     # owner/name
    branch = c.Type(str, default="main")
    path = c.Optional(c.Type(str))         # the inbox folder in the repository (default: <docs_dir>/_inbox)
    public = c.Type(bool, default=True)    # a public repository: only offer public, unredacted stories


class ContributeConfig(base.Config):
    title = c.Type(str, default="Contribute a story")
    nav_title = c.Type(str, default="Contribute")
    forge = c.Optional(c.Type(dict))      # checked against ForgeConfig in `forge_settings`


def forge_settings(options: dict | None, config: MkDocsConfig) -> dict | None:
    """What the page's script needs to build a forge's new-file link; errors name the option."""
    if not options:
        return None
    where = "mkdocs.yml, plugins → harvest-contribute → forge"
    forge = ForgeConfig()
    forge.load_dict(options)
    errors, _warnings = forge.validate()
    if errors:
        raise PluginError(f"{where}: " + "; ".join(f"{name}: {error}" for name, error in errors))
    name, default_url = FORGES[forge.type]
    url = (forge.url or default_url or "").rstrip("/")
    if not url:
        raise PluginError(f"{where}: `url` is needed for {name} (e.g. url: https://codeberg.org)")
    if not _REPO.fullmatch(forge.repo):
        raise PluginError(f"{where}: repo '{forge.repo}' should be owner/name (e.g. repo: our-group/archive)")
    if not _BRANCH.fullmatch(forge.branch):
        raise PluginError(f"{where}: '{forge.branch}' is not a branch name")
    path = forge.path
    if path is None:
        project = os.path.dirname(config.config_file_path or ".") or "."
        path = PurePosixPath(os.path.relpath(config.docs_dir, project).replace(os.sep, "/"), INBOX).as_posix()
    path = path.strip("/")
    if not path or ".." in PurePosixPath(path).parts:
        raise PluginError(f"{where}: path '{forge.path}' should be a folder inside the repository")
    return {"type": forge.type, "name": name, "url": url, "repo": forge.repo, "branch": forge.branch,
            "path": path, "public": forge.public}


def page_data(archive, forge: dict | None, title: str) -> dict:
    settings = archive.settings
    levels = list(settings.visibility_levels)
    lengths = {name: story_schema()["properties"][name]["maxLength"] for name in ("title", "place", "summary")}
    script = {
        "prompts": [{"id": p.id, "title": p.title} for p in settings.prompts],
        "publicLevel": levels[0], "defaultVisibility": settings.default_visibility,
        "maxLength": lengths, "maxAnswer": MAX_ANSWER_CHARS, "forge": forge,
    }
    return {
        "fields": FIELDS_BY_NAME, "prompts": settings.prompts, "event_kinds": settings.event_kinds,
        # the archive's lessons are those its published stories use: one only withheld stories use
        # would say what they are about
        "lessons": list(archive.lessons.values()),
        "levels": [(level, VISIBILITY_HELP.get(level, "")) for level in levels],
        "default_visibility": settings.default_visibility, "max_length": lengths, "max_answer": MAX_ANSWER_CHARS,
        "consent": CONSENT_OPTIONS, "forge": forge, "title": title,
        # inside <script type="application/json">: no '<' may close it, and no '&' entity games
        "script_json": json.dumps(script, ensure_ascii=False, sort_keys=True)
        .replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"),
    }


class ContributePlugin(BasePlugin[ContributeConfig]):
    supports_multiple_instances = False

    def on_config(self, config: MkDocsConfig) -> MkDocsConfig:
        self.forge = forge_settings(self.config.forge, config)
        add_nav_entry(config, self.config.nav_title, PAGE_URI)
        return config

    def on_files(self, files: Files, *, config: MkDocsConfig) -> Files:
        core = harvest_plugin(config)
        data = page_data(core.archive, self.forge, self.config.title)
        core.add_page(PageSpec(PAGE_URI, self.config.title, "", "harvest/contribute.html", data), config)
        for name in ASSETS:
            content = resources.files("harvest").joinpath(f"assets/{name}").read_bytes()
            files.append(File.generated(config, f"assets/harvest/{name}", content=content,
                                        inclusion=InclusionLevel.NOT_IN_NAV))
        return files
