"""Links between imported posts: which imported story a link in the old site led to, and, once
the run knows which stories were written where, the relative link to that story's file (MkDocs
resolves it to the page, and the strict build checks it).

A link is matched the ways the old generators made addresses, most specific first:
the post's own `permalink`/`url`/`aliases`; its source path (`../posts/x.md`, Hugo's
`{{< ref "x.md" >}}` and `/posts/x/`, Jekyll's `{% link _posts/x.md %}` and `{% post_url %}`);
then its last address segment (the slug: front-matter `slug`, the file name, or, for a
Material blog, the title as Material slugifies it), with the date in the address deciding
between posts that share a slug. A link that matches no post, or several, is not guessed.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import PurePosixPath
from urllib.parse import unquote, urlsplit

from harvest.core.text import slugify
from harvest.importer.markup import HUGO_REF, POST_URL, SITE_FILE, STORY_LINK
from harvest.importer.oldsite import OldSite

_DATE_IN_PATH = re.compile(r"(?:^|/)(\d{4})/(\d{1,2})(?:/(\d{1,2}))?(?:/|$)")
_STORY_LINK = re.compile(r"\[((?:[^\[\]]|\[[^\[\]]*\])*)\]\(" + re.escape(STORY_LINK) + r"([a-z0-9-]+)\)")
PAGE_SUFFIXES = (".md", ".markdown", ".mdown", ".mkd", ".html", ".htm")


@dataclass(frozen=True)
class Post:
    key: str  # relative to the posts folder (posix)
    story_id: str
    date: str | None  # ISO
    slugs: tuple[str, ...]
    permalinks: tuple[str, ...]


def _clean_path(path: str) -> str:
    """`/2019/03/04/x.html`, `/posts/x/`, `posts/x/index.md` -> `2019/03/04/x`, `posts/x`, `posts/x`."""
    path = unquote(path.split("#")[0].split("?")[0]).strip().strip("/")
    for suffix in PAGE_SUFFIXES:
        if path.lower().endswith(suffix):
            path = path[: -len(suffix)]
            break
    for index_name in ("index", "_index"):
        if path == index_name or path.endswith("/" + index_name):
            path = path[: -len(index_name)].rstrip("/")
    return path.lower()


class LinkIndex:
    def __init__(self, posts: list[Post], site: OldSite | None):
        self.site = site
        self.by_key: dict[str, str] = {}
        self.by_name: dict[str, list[Post]] = {}  # file name without suffix (Jekyll post_url)
        self.by_permalink: dict[str, str] = {}
        self.by_slug: dict[str, list[Post]] = {}
        for post in posts:
            self.by_key.setdefault(_clean_path(post.key), post.story_id)
            name = PurePosixPath(post.key).name
            self.by_name.setdefault(_clean_path(name), []).append(post)
            for link in post.permalinks:
                self.by_permalink.setdefault(_clean_path(link), post.story_id)
            for slug in dict.fromkeys(post.slugs):
                self.by_slug.setdefault(slug, []).append(post)

    def resolve(self, url: str, from_key: str) -> str | None:
        """The story id `url` (written in the post whose key is `from_key`) leads to, or None."""
        url = url.strip()
        if not url or url.startswith("#"):
            return None
        here = posixpath.dirname(from_key)
        for kind in (POST_URL, HUGO_REF, SITE_FILE):
            if url.startswith(kind):
                return self._generator_link(kind, url[len(kind) :], here)
        if self.site is not None and (path := self.site.site_path(url)) is not None:
            return self._site_address(path)
        parts = urlsplit(url)
        if parts.scheme or parts.netloc:
            return None
        # A relative link: to a source file (`../posts/x.md`) or to the page's address (`../x/`).
        joined = posixpath.normpath(posixpath.join(here, unquote(parts.path)))
        return self.by_key.get(_clean_path(joined)) or self._slug(_clean_path(parts.path).rsplit("/", 1)[-1], "")

    def _generator_link(self, kind: str, target: str, here: str) -> str | None:
        target = unquote(target).strip()
        if kind == POST_URL:  # a post's file name without its suffix, maybe in a sub-folder of _posts
            name = _clean_path(target)
            return self.by_key.get(name) or self._unique(self.by_name.get(name.rsplit("/", 1)[-1], []))
        if kind == SITE_FILE:  # a path from the site root: _posts/x.md
            path = _clean_path(target)
            for prefix in ("_posts/", "content/", "docs/"):
                if path.startswith(prefix):
                    path = path[len(prefix) :]
                    break
            return self.by_key.get(path)
        # Hugo ref/relref: from the content root when it starts with "/", else from this page, else by name.
        path = _clean_path(target)
        if target.startswith("/"):
            return self.by_key.get(path)
        return (
            self.by_key.get(_clean_path(posixpath.join(here, target)))
            or self.by_key.get(path)
            or self._unique(self.by_name.get(path.rsplit("/", 1)[-1], []))
            or self._unique(
                [
                    p
                    for p in self.by_slug.get(path.rsplit("/", 1)[-1], [])
                    if PurePosixPath(p.key).name.startswith("index")
                ]
            )
        )

    def _site_address(self, path: str) -> str | None:
        cleaned = _clean_path(path)
        if not cleaned:
            return None
        found = self.by_permalink.get(cleaned) or self.by_key.get(cleaned)
        if found:
            return found
        for prefix in ("posts/", "post/", "blog/", "content/"):
            if cleaned.startswith(prefix) and (found := self.by_key.get(cleaned[len(prefix) :])):
                return found
        return self._slug(cleaned.rsplit("/", 1)[-1], cleaned)

    def _slug(self, slug: str, path: str) -> str | None:
        candidates = self.by_slug.get(slug, [])
        if len(candidates) > 1 and (date := _DATE_IN_PATH.search(path)):
            year, month, day = date.groups()
            candidates = [
                p
                for p in candidates
                if p.date
                and p.date[:4] == year
                and int(p.date[5:7]) == int(month)
                and (day is None or int(p.date[8:10]) == int(day))
            ]
        return self._unique(candidates)

    @staticmethod
    def _unique(posts: list[Post]) -> str | None:
        ids = {p.story_id for p in posts}
        return ids.pop() if len(ids) == 1 else None


def post_slugs(stem: str, meta: dict, title: str | None, kind: str) -> tuple[str, ...]:
    """The last segment of the addresses the old site gave this post."""
    slugs = []
    for name in ("slug", "Slug"):
        if isinstance(meta.get(name), str) and meta[name].strip():
            slugs.append(slugify(meta[name]))
    slugs.append(slugify(stem))
    if title and kind in ("material", "hugo"):  # Material: the title, slugified; Hugo: :title permalinks
        slugs.append(slugify(title))
    return tuple(s for s in slugs if s)


def post_permalinks(meta: dict) -> tuple[str, ...]:
    links = []
    for name in ("permalink", "url", "aliases", "redirect_from"):
        value = next((v for k, v in meta.items() if str(k).casefold() == name), None)
        for link in value if isinstance(value, list) else [value]:
            if isinstance(link, str) and link.strip() and ":" not in link:  # `/:year/:title/` is a pattern
                links.append(link.strip())
    return tuple(links)


def write_story_links(body: str, target_of: Callable[[str], str | None]) -> tuple[str, list[str]]:
    """Links to imported stories -> their relative path (`target_of(id)`), or plain text when that
    story was not written; -> (body, ids of the stories that were not)."""
    missing: list[str] = []

    def replace(match: re.Match) -> str:
        text, story_id = match.groups()
        target = target_of(story_id)
        if target is None:
            missing.append(story_id)
            return text
        return f"[{text}]({target})"

    return (_STORY_LINK.sub(replace, body) if STORY_LINK in body else body), missing
