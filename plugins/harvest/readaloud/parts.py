"""Read-aloud mode: how long each part of a story takes to read aloud, and the story's HTML cut into parts.

A story is read in parts: the opening (title and the text before the first prompt),
then one part per prompt answer. Word counts come from the published `Story`
(already redacted), never from the browser; the view's script only shows them.
Plain Python (only MkDocs' URL helper): the `harvest-readaloud` plugin adapts this to pages.
"""

from __future__ import annotations

import math
import posixpath
import re
from dataclasses import dataclass

from mkdocs.utils import get_relative_url

from harvest.core.model import Story
from harvest.core.prompts import count_words
from harvest.site.htmltags import Tag, read_tags, replace_ranges, start_tag
from harvest.site.storyhtml import permalink_ranges

URL_ATTRS = ("href", "src")
HEADINGS = {f"h{n}": f"h{n + 1}" for n in range(1, 6)}  # h6 stays: there is no h7


@dataclass(frozen=True)
class Part:
    """One screen of the read-aloud view."""

    heading: str  # plain text: the story title for the opening, else the prompt heading as written
    words: int
    seconds: int


def aloud_seconds(words: int, per_minute: int) -> int:
    return math.ceil(words * 60 / per_minute) if words > 0 else 0


def format_duration(seconds: int) -> str:
    """'45 s', '2 min 10 s', '14 min': rounded up to 5 s, and to whole minutes from 10 minutes on."""
    if seconds <= 0:
        return "0 s"
    seconds = math.ceil(seconds / 5) * 5
    if seconds < 60:
        return f"{seconds} s"
    if seconds >= 600:
        return f"{math.ceil(seconds / 60)} min"
    minutes, rest = divmod(seconds, 60)
    return f"{minutes} min {rest} s" if rest else f"{minutes} min"


def story_parts(story: Story, per_minute: int) -> list[Part]:
    """The opening (title + text before the first prompt), then one part per section; headings are read too."""
    texts = [(story.title, count_words(story.title) + count_words(story.intro))]
    texts += [(s.heading, count_words(s.heading) + s.words) for s in story.sections]
    return [Part(heading, words, aloud_seconds(words, per_minute)) for heading, words in texts]


def total_seconds(parts: list[Part]) -> int:
    return sum(p.seconds for p in parts)


def rebase_url(url: str, from_page: str, to_page: str) -> str:
    """A relative link written for the page at `from_page` (a site URL), as seen from `to_page`."""
    if not url or url.startswith(("#", "/")) or re.match(r"[a-zA-Z][a-zA-Z0-9+.-]*:", url):
        return url
    tail = re.search(r"[?#]", url)
    path, rest = (url[: tail.start()], url[tail.start() :]) if tail else (url, "")
    base = from_page if from_page.endswith("/") or not from_page else posixpath.dirname(from_page)
    target = posixpath.normpath(posixpath.join(base, path)) + ("/" if path.endswith("/") else "")
    return get_relative_url(target.lstrip("/"), to_page) + rest


def for_other_page(html: str, from_page: str, to_page: str, id_prefix: str) -> str:
    """A chunk of a story page made fit for another page (a reading session's):
    relative links rebased, headings one level down, ids made unique, permalink marks dropped.

    Tags are read with an HTML parser and only the ones that change are written anew, so text
    that merely looks like an attribute (` id="x"` in a paragraph) or a tag inside a quoted
    value (`title="<h2>"`) is left alone."""
    items = read_tags(html)
    dropped = permalink_ranges(items, len(html))
    edits = [(start, end, "") for start, end in dropped]
    for item in items:
        if not isinstance(item, Tag) or any(start <= item.start < end for start, end in dropped):
            continue
        name = HEADINGS.get(item.name, item.name)
        if item.closing:
            if name != item.name:
                edits.append((item.start, item.end, f"</{name}>"))
            continue
        attrs = [(key, _moved(key, value, from_page, to_page, id_prefix)) for key, value in item.attrs]
        if name != item.name or attrs != item.attrs:
            edits.append((item.start, item.end, start_tag(name, attrs)))
    return replace_ranges(html, sorted(edits))


def _moved(key: str, value: str | None, from_page: str, to_page: str, id_prefix: str) -> str | None:
    if value is None:
        return value
    if key == "id":
        return id_prefix + value
    if key in URL_ATTRS:
        return _rebase_or_anchor(value, from_page, to_page, id_prefix)
    return value


def _rebase_or_anchor(url: str, from_page: str, to_page: str, id_prefix: str) -> str:
    if url.startswith("#") and len(url) > 1:
        return "#" + id_prefix + url[1:]
    return rebase_url(url, from_page, to_page)
