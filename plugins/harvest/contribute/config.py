"""The `harvest-contribute` plugin's options in mkdocs.yml: the page's title and an optional forge."""
from __future__ import annotations

import os
import re
from pathlib import PurePosixPath

from mkdocs.config import base
from mkdocs.config import config_options as c
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError

from harvest.core.archive import INBOX

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


