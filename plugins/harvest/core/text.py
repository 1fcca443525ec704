"""Small text helpers shared by every output."""

from __future__ import annotations

import functools
import hashlib
import html
import re
import unicodedata

_NON_SLUG = re.compile(r"[^a-z0-9]+")


def slugify(value: str) -> str:
    """ASCII, lowercase, hyphenated; stable across machines (used in URLs and ids).

    Text with no Latin letters (e.g. a place written in another script) gets a short
    digest instead, so distinct names never share a page.
    """
    # The same few hundred places, lessons and people, asked for ~12 times per story in a build.
    return _slug(value) if type(value) is str else _slug_of(value)


@functools.lru_cache(maxsize=1 << 14)
def _slug(value: str) -> str:
    return _slug_of(value)


def _slug_of(value: object) -> str:
    text = unicodedata.normalize("NFKD", str(value)).encode("ascii", "ignore").decode("ascii").lower()
    slug = _NON_SLUG.sub("-", text).strip("-")[:80].strip("-")
    return slug or "x" + hashlib.sha1(str(value).encode("utf-8")).hexdigest()[:10]


def escape(value: object) -> str:
    """Escape text for HTML *and* neutralise Markdown link/emphasis syntax in generated Markdown."""
    text = html.escape(str(value), quote=True)
    return text.translate({ord(c): f"&#{ord(c)};" for c in "[]*_`\\|{}"})
