"""What the old site's generator knew about itself: where its files were served from, under which
address, and where it looked for a page's images. Read once per import from the source folder
(never outside it: a config above the folder named is not read).

- Jekyll: the site root (the folder holding `_posts/`), `_config.yml` (`url`, `baseurl`); a
  `/images/x.png` is the file `images/x.png` under the root.
- Hugo: the project (the folder holding `content/`), `hugo.toml|yaml` or `config.toml|yaml`
  (`baseURL`); `/images/x.png` is `static/images/x.png` (or `assets/`), and a page bundle's
  images sit next to its `index.md`.
- MkDocs (Material blog): `mkdocs.yml` (`docs_dir`, `site_url`) when the folder named holds it,
  else the folder named is the docs folder; images are relative to the page or to `docs_dir`.
- `--assets DIR`: looked in first, for `/x.png` and `x.png` alike.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import yaml

from harvest.core.safepaths import leaves

CONFIG_FILES = {
    "jekyll": ("_config.yml", "_config.yaml"),
    "hugo": ("hugo.toml", "hugo.yaml", "hugo.yml", "config.toml", "config.yaml", "config.yml"),
    "material": ("mkdocs.yml", "mkdocs.yaml"),
}
MAX_CONFIG_BYTES = 1_000_000


@dataclass(frozen=True)
class OldSite:
    kind: str
    root: Path  # the generator's project folder
    boundary: Path  # nothing is read outside it (but --assets)
    image_roots: tuple[Path, ...]  # where `/x.png` is looked up, in order
    base_paths: tuple[str, ...] = ()  # URL path prefixes the site was served under ("/blog")
    hosts: tuple[str, ...] = ()  # the site's own host names (links written in full)
    assets: Path | None = None

    def site_path(self, url: str) -> str | None:
        """The path part of a link to the old site itself (`/2019/03/04/x.html`, without the
        base path), or None for a link to another site or a relative link."""
        parts = urlsplit(url)
        if parts.scheme or parts.netloc:
            if parts.scheme not in ("", "http", "https") or (parts.hostname or "").lower() not in self.hosts:
                return None
        elif not url.startswith("/"):
            return None
        path = parts.path or "/"
        for base in self.base_paths:
            if path == base or path.startswith(base + "/"):
                return path[len(base) :] or "/"
        return path


def _read_config(file: Path, boundary: Path) -> dict:
    """The config as a dict; {} when missing, unreadable or odd (it only refines link and image finding)."""
    try:
        if not file.is_file() or leaves(file, boundary) or file.stat().st_size > MAX_CONFIG_BYTES:
            return {}
        text = file.read_text("utf-8-sig", errors="replace")
        # mkdocs.yml uses !!python/name and !ENV tags: a safe loader that ignores them
        data = tomllib.loads(text) if file.suffix == ".toml" else yaml.load(text, Loader=_IgnoreTags)
    except (OSError, ValueError, yaml.YAMLError, RecursionError):
        return {}
    return data if isinstance(data, dict) else {}


class _IgnoreTags(yaml.SafeLoader):
    pass


_IgnoreTags.add_multi_constructor("", lambda loader, suffix, node: None)
_IgnoreTags.add_multi_constructor("tag:yaml.org,2002:python/", lambda loader, suffix, node: None)


def _url_parts(url) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(hosts, base paths) from a site address like https://example.org/blog/."""
    if not isinstance(url, str) or not url.strip():
        return (), ()
    parts = urlsplit(url.strip())
    path = parts.path.rstrip("/")
    return ((parts.hostname.lower(),) if parts.hostname else ()), ((path,) if path else ())


def old_site(kind: str, named: Path, posts_root: Path, assets: Path | None = None) -> OldSite:
    """The old site around `posts_root` (the folder story keys are relative to), read from `named`
    (the SOURCE the user gave) and below."""
    boundary = Path(os.path.abspath(named if named.is_dir() else named.parent))
    hosts: tuple[str, ...] = ()
    bases: tuple[str, ...] = ()
    if kind == "jekyll":
        root = posts_root.parent if posts_root.name == "_posts" else boundary
        config = _first_config(root, kind, boundary)
        hosts, _ = _url_parts(config.get("url"))
        baseurl = config.get("baseurl")
        bases = ("/" + baseurl.strip("/"),) if isinstance(baseurl, str) and baseurl.strip("/") else ()
        image_roots: tuple[Path, ...] = (root,)
    elif kind == "hugo":
        root = posts_root.parent if posts_root.name == "content" else boundary
        config = _first_config(root, kind, boundary)
        hosts, bases = _url_parts(config.get("baseURL") or config.get("baseurl"))
        image_roots = (root / "static", root / "assets")
    else:
        root = boundary
        config = _first_config(root, kind, boundary)
        docs = config.get("docs_dir", "docs") if config else None
        docs_dir = (root / docs) if isinstance(docs, str) else root
        hosts, bases = _url_parts(config.get("site_url"))
        image_roots = (docs_dir,)
    if assets is not None:
        image_roots = (assets, *image_roots)
    return OldSite(kind, root, boundary, tuple(r for r in image_roots if r.is_dir()), bases, hosts, assets)


def _first_config(root: Path, kind: str, boundary: Path) -> dict:
    for name in CONFIG_FILES.get(kind, ()):
        config = _read_config(root / name, boundary)
        if config:
            return config
    return {}
