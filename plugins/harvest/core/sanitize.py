"""Clean HTML that came from stories: contributors' raw HTML must not run, load or take over anything.

Uses nh3 (Rust's ammonia): an allow-list of the tags Markdown produces, no event
handlers, no scripts, iframes, forms or style attributes. On top of that:

- the only URL a story may make the browser load (an image's src) must be a reference to
  the site itself, judged as the browser reads it (`harvest.core.urls`), on the web and offline;
- ids are namespaced, as forges do: every id becomes `user-content-…` and in-page links
  (`#x`, the table of contents, permalinks, footnotes) follow, so no story element can
  stand in for one the theme or Harvest's scripts look up (`__config`, `__search`,
  `read-aloud`…). A deny-list would have to know every name every theme version uses;
  a namespace does not. Heading ids Markdown makes from the text are namespaced too: a
  heading "__config" gets the id `__config`;
- classes are kept only from the short list the Markdown pipeline and Harvest produce
  (and the theme styles); any other class is namespaced the same way.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from functools import partial
from typing import Protocol

import nh3
from pygments.token import STANDARD_TYPES

from harvest.core.urls import stays_in_site


class TocEntry(Protocol):
    """An entry of MkDocs' table of contents (`AnchorLink`); the core does not import MkDocs."""

    id: str
    title: str

    @property
    def children(self) -> Sequence[TocEntry]: ...


TAGS = {
    "a",
    "abbr",
    "b",
    "blockquote",
    "br",
    "code",
    "dd",
    "del",
    "details",
    "div",
    "dl",
    "dt",
    "em",
    "figcaption",
    "figure",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "i",
    "img",
    "ins",
    "kbd",
    "li",
    "mark",
    "ol",
    "p",
    "pre",
    "s",
    "small",
    "span",
    "strong",
    "sub",
    "summary",
    "sup",
    "table",
    "tbody",
    "td",
    "tfoot",
    "th",
    "thead",
    "time",
    "tr",
    "u",
    "ul",
}
COMMON = {"class", "id", "lang", "title", "dir"}
ATTRIBUTES = {
    "*": COMMON,
    "a": COMMON | {"href"},
    "img": COMMON | {"src", "alt", "width", "height", "loading"},
    "time": COMMON | {"datetime"},
    "td": COMMON | {"colspan", "rowspan", "align"},
    "th": COMMON | {"colspan", "rowspan", "align", "scope"},
    "ol": COMMON | {"start"},
    "details": COMMON | {"open"},
}
# Attributes in the allow-list whose URL the browser fetches by itself when the page loads.
LOADING = {("img", "src")}

NAMESPACE = "user-content-"
# Material's admonition kinds (`!!! note`): their class names are kept, so imported admonitions
# keep their colour and icon (importer/pymdown.py converts to these).
ADMONITION_KINDS = frozenset(
    {
        "note",
        "abstract",
        "summary",
        "tldr",
        "info",
        "todo",
        "tip",
        "hint",
        "important",
        "success",
        "check",
        "done",
        "question",
        "help",
        "faq",
        "warning",
        "caution",
        "attention",
        "failure",
        "fail",
        "missing",
        "danger",
        "error",
        "bug",
        "example",
        "quote",
        "cite",
    }
)
# Classes the pipeline puts into story HTML: Harvest's own, Python-Markdown's toc, footnotes and
# admonitions, code highlighting (Pygments' token classes). No script looks them up to act.
SAFE_CLASSES = ADMONITION_KINDS | frozenset(
    {
        "harvest-image",
        "harvest-redacted",
        "harvest-withheld",
        "headerlink",
        "toc",
        "toctitle",
        "toclink",
        "footnote",
        "footnote-ref",
        "footnote-backref",
        "admonition",
        "admonition-title",
        "highlight",
        "codehilite",
        "hll",
        "linenos",
    }
    | {name for name in STANDARD_TYPES.values() if name}
)
_LANGUAGE_CLASS = re.compile(r"language-[A-Za-z0-9_+#.-]+")  # fenced code: ```python
# Classes that make Material's JavaScript fetch a library from a CDN (`<pre class="mermaid">`): dropped.
FETCHING_CLASSES = {"mermaid"}


def namespaced(name: str) -> str:
    """A story's id as published; idempotent, so HTML cleaned twice keeps its links."""
    return name if name.startswith(NAMESPACE) else NAMESPACE + name


def _classes(value: str) -> str | None:
    kept = [
        name if name in SAFE_CLASSES or _LANGUAGE_CLASS.fullmatch(name) else namespaced(name)
        for name in value.split()
        if name not in FETCHING_CLASSES
    ]
    return " ".join(kept) or None


def filter_attribute(tag: str, attribute: str, value: str, namespace: bool = True) -> str | None:
    """nh3's attribute filter: loads stay on the site; ids, in-page links and classes are namespaced."""
    if (tag, attribute) in LOADING:
        return value if stays_in_site(value) else None
    if attribute == "class":
        return _classes(value) if namespace else " ".join(c for c in value.split() if c not in FETCHING_CLASSES) or None
    if not namespace:
        return value
    if attribute == "id":
        return namespaced(value)
    if attribute == "href" and value.startswith("#") and len(value) > 1:
        return "#" + namespaced(value[1:])
    return value


def clean_html(html: str, *, namespace: bool = True) -> str:
    """Story HTML fit to publish. `namespace=False` keeps ids and classes as written (for Markdown
    sources being imported: the build namespaces them when it publishes)."""
    return nh3.clean(
        html,
        tags=TAGS,
        attributes=ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        attribute_filter=partial(filter_attribute, namespace=namespace),
        link_rel="noopener noreferrer",
        strip_comments=True,
    )


def clean_toc(toc: Iterable[TocEntry]) -> None:
    """Namespace the ids of MkDocs' table of contents (page.toc) as `clean_html` did the headings',
    and keep its titles text: the theme prints them unescaped in the sidebar."""
    for item in toc:
        item.id = namespaced(item.id)
        item.title = nh3.clean(item.title, tags=set())
        clean_toc(item.children)
