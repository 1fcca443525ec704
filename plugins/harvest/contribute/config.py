"""The `harvest-contribute` plugin's options in mkdocs.yml: the page's title and where stories go.

Channels (any number, none is allowed and said plainly on the page):
`email` (a mailto: link with the story file in its body), `issue_form` (the forge's issue form
that `harvest forms` writes, with the answers filled in), `drop_point` (free text: "hand it to the
welcome desk"), and `forge` (a pull request adding the file). Every option is checked fail-closed:
an unknown key, a malformed address or URL stops the build with the option's name.
"""

from __future__ import annotations

import os
import re
from pathlib import PurePosixPath
from typing import TypeVar

from mkdocs.config import base
from mkdocs.config import config_options as c
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError

from harvest.core.archive import INBOX

FORGES = {"github": ("GitHub", "https://github.com"), "forgejo": ("Forgejo", None), "gitea": ("Gitea", None)}
_REPO = re.compile(r"[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+")
_BRANCH = re.compile(r"[^\s~^:?*\[\\]+")
# A plain address: no display name, no comments, no second address, nothing a mailto: would read
# as a header (`?`, `&`) or another recipient (`,`, `;`). Non-ASCII domains: write them in punycode.
_EMAIL = re.compile(
    r"[A-Za-z0-9.!#$%'*+/=^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+"
)
_TEMPLATE = re.compile(r"[A-Za-z0-9_.-]+\.ya?ml")
MAX_DROP_POINT = 300
WHERE = "mkdocs.yml, plugins → harvest-contribute"
Schema = TypeVar("Schema", bound=base.Config)


class ForgeConfig(base.Config):
    type = c.Choice(tuple(FORGES))
    url = c.Optional(c.URL())  # the forge's address; default https://github.com for github
    repo = c.Type(str)  # owner/name
    branch = c.Type(str, default="main")
    path = c.Optional(c.Type(str))  # the inbox folder in the repository (default: <docs_dir>/_inbox)
    public = c.Type(bool, default=True)  # a public repository: only offer public, unredacted stories


class IssueFormConfig(base.Config):
    type = c.Choice(tuple(FORGES))
    url = c.Optional(c.URL())
    repo = c.Type(str)
    template = c.Type(str, default="story.yml")  # .github/ISSUE_TEMPLATE/<template>, as `harvest forms` writes it
    public = c.Type(bool, default=True)


class ContributeConfig(base.Config):
    title = c.Type(str, default="Contribute a story")
    nav_title = c.Type(str, default="Contribute")
    forge = c.Optional(c.Type(dict))  # checked against ForgeConfig in `forge_settings`
    email = c.Optional(c.Type(str))  # checked in `channel_settings`
    issue_form = c.Optional(c.Type(dict))  # checked against IssueFormConfig in `channel_settings`
    drop_point = c.Optional(c.Type(str))


def _load(schema: type[Schema], options: object, where: str) -> Schema:
    """A sub-option checked like a plugin's own: unknown keys are errors, not warnings."""
    if not isinstance(options, dict):
        raise PluginError(f"{where}: expected a mapping (key: value lines), got {type(options).__name__}")
    loaded = schema()
    loaded.load_dict(options)
    errors, warnings = loaded.validate()
    # mkdocs reports unknown keys as warnings; a typo (`repos:`) would silently drop the channel
    unknown = [(name, warning) for name, warning in warnings if "Unrecognised configuration name" in str(warning)]
    if errors or unknown:
        raise PluginError(f"{where}: " + "; ".join(f"{name}: {error}" for name, error in [*errors, *unknown]))
    return loaded


def _forge_address(kind: str, url: str | None, repo: str, where: str) -> tuple[str, str]:
    name, default_url = FORGES[kind]
    address = (url or default_url or "").rstrip("/")
    if not address:
        raise PluginError(f"{where}: `url` is needed for {name} (e.g. url: https://codeberg.org)")
    if not address.startswith("https://") or any(ch in address for ch in "?#@ \t\n"):
        raise PluginError(
            f"{where}: url '{url}' should be the forge's https:// address "
            "(e.g. url: https://codeberg.org), without ?, # or a user name"
        )
    if not _REPO.fullmatch(repo) or ".." in repo:
        raise PluginError(f"{where}: repo '{repo}' should be owner/name (e.g. repo: our-group/archive)")
    return name, address


def forge_settings(options: dict | None, config: MkDocsConfig) -> dict | None:
    """What the page's script needs to build a forge's new-file link; errors name the option."""
    if not options:
        return None
    where = f"{WHERE} → forge"
    forge = _load(ForgeConfig, options, where)
    name, url = _forge_address(forge.type, forge.url, forge.repo, where)
    if not _BRANCH.fullmatch(forge.branch):
        raise PluginError(f"{where}: '{forge.branch}' is not a branch name")
    path = forge.path
    if path is None:
        project = os.path.dirname(config.config_file_path or ".") or "."
        path = PurePosixPath(os.path.relpath(config.docs_dir, project).replace(os.sep, "/"), INBOX).as_posix()
    path = path.strip("/")
    if not path or ".." in PurePosixPath(path).parts:
        raise PluginError(f"{where}: path '{forge.path}' should be a folder inside the repository")
    return {
        "type": forge.type,
        "name": name,
        "url": url,
        "repo": forge.repo,
        "branch": forge.branch,
        "path": path,
        "public": forge.public,
    }


def email_setting(value: str | None) -> str | None:
    if value is None:
        return None
    address = value.strip()
    if not _EMAIL.fullmatch(address) or len(address) > 254:
        raise PluginError(
            f"{WHERE} → email: '{value}' is not a plain e-mail address "
            "(write it as name@example.org, without a display name or a second address)"
        )
    return address


def issue_form_settings(options: dict | None) -> dict | None:
    if options is None:
        return None
    where = f"{WHERE} → issue_form"
    form = _load(IssueFormConfig, options, where)
    name, url = _forge_address(form.type, form.url, form.repo, where)
    if not _TEMPLATE.fullmatch(form.template):
        raise PluginError(
            f"{where}: template '{form.template}' should be a file name in .github/ISSUE_TEMPLATE/ "
            "(e.g. template: story.yml, as `harvest forms` writes it)"
        )
    return {
        "type": form.type,
        "name": name,
        "url": url,
        "repo": form.repo,
        "template": form.template,
        "public": form.public,
    }


def drop_point_setting(value: str | None) -> str | None:
    if value is None:
        return None
    text = " ".join(value.split())
    if not text:
        raise PluginError(
            f"{WHERE} → drop_point: empty; write where people can hand in a story "
            '(e.g. drop_point: "Hand it to the welcome desk"), or remove the option'
        )
    if len(text) > MAX_DROP_POINT:
        raise PluginError(f"{WHERE} → drop_point: {len(text)} characters, at most {MAX_DROP_POINT}")
    return text


def channel_settings(config: ContributeConfig, mkdocs_config: MkDocsConfig) -> dict:
    """Every configured channel, checked; an empty dict means the page has none (and says so)."""
    channels = {
        "email": email_setting(config.email),
        "issue_form": issue_form_settings(config.issue_form),
        "drop_point": drop_point_setting(config.drop_point),
        "forge": forge_settings(config.forge, mkdocs_config),
    }
    return {key: value for key, value in channels.items() if value}
