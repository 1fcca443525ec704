"""Where things live on the site, as URLs an email or a feed reader can follow.

MkDocs decides page URLs from source paths; the same rule is mirrored here so
`harvest digest` (which runs outside a build) links exactly where the build puts pages.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urljoin

FEEDS_DIR = "feeds"
DIGESTS_DIR = "digests"
FORMATS = {  # format -> (file suffix, media type, label)
    "atom": (".atom.xml", "application/atom+xml", "Atom"),
    "rss": (".rss.xml", "application/rss+xml", "RSS"),
    "json": (".json", "application/feed+json", "JSON Feed"),
}
READ_ALOUD_HASH = "#read-aloud"  # the read-aloud view of a story page


def page_url(src_uri: str, use_directory_urls: bool = True) -> str:
    """Site-relative URL of the page built from `src_uri`, as MkDocs computes it."""
    stem, _ = posixpath.splitext(src_uri)
    folder, name = posixpath.split(stem)
    if not use_directory_urls:
        return stem + ".html"
    if name in ("index", "README"):
        return folder + "/" if folder else ""
    return stem + "/"


def digest_uri(key: str) -> str:
    return f"{DIGESTS_DIR}/{key}.md"


def digests_index_uri() -> str:
    return f"{DIGESTS_DIR}/index.md"


def email_file(key: str, suffix: str) -> str:
    return f"{DIGESTS_DIR}/{key}/{key}{suffix}"


def feed_file(name: str, fmt: str) -> str:
    return f"{FEEDS_DIR}/{name}{FORMATS[fmt][0]}"


def lesson_feed_name(lesson: str) -> str:
    return f"lessons/{lesson}"


@dataclass(frozen=True)
class Links:
    """Turns site paths into links. With `site_url` every link is absolute; without it links
    are relative to `base` (the folder of the file that holds them), or absent where only an
    absolute link would work (an email read in a mail client)."""

    site_url: str = ""
    use_directory_urls: bool = True

    @property
    def absolute(self) -> bool:
        return bool(self.site_url)

    def site(self, path: str = "", base: str = "") -> str:
        """`path` (site-relative URL) as seen from a file in folder `base`."""
        return _site_link(self.site_url, path, base)

    def page(self, src_uri: str, base: str = "") -> str:
        return self.site(page_url(src_uri, self.use_directory_urls), base)

    def email_page(self, src_uri: str, fragment: str = "") -> str | None:
        """An email can only link to a site it knows the address of."""
        return self.page(src_uri) + fragment if self.site_url else None


@lru_cache(maxsize=1 << 16)
def _site_link(site_url: str, path: str, base: str) -> str:
    """`Links.site`, remembered: every digest view and feed entry asks it again (urljoin is slow)."""
    if site_url:
        return urljoin(site_url.rstrip("/") + "/", path)
    target = posixpath.relpath(path or ".", base or ".")
    if target == ".":
        return "./"
    return target + "/" if (not path or path.endswith("/")) else target
