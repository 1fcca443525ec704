"""Clean HTML that came from stories: contributors' raw HTML must not run or load anything.

Uses nh3 (Rust's ammonia): an allow-list of the tags Markdown produces, no event
handlers, no scripts, iframes, forms or style attributes, and only local images.
"""
from __future__ import annotations

import nh3

TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "dd", "del", "details", "div", "dl", "dt", "em",
    "figcaption", "figure", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "ins", "kbd", "li",
    "mark", "ol", "p", "pre", "s", "small", "span", "strong", "sub", "summary", "sup", "table",
    "tbody", "td", "tfoot", "th", "thead", "time", "tr", "u", "ul",
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


# Classes that make Material's JavaScript fetch a library from a CDN (`<pre class="mermaid">`).
FETCHING_CLASSES = {"mermaid"}


def local_only(tag: str, attribute: str, value: str) -> str | None:
    """Images may only come from the archive itself: a remote one would tell a third party who reads."""
    if tag == "img" and attribute == "src" and ("//" in value or value.startswith(("data:", "javascript:"))):
        return None
    if attribute == "class" and FETCHING_CLASSES.intersection(value.split()):
        return " ".join(c for c in value.split() if c not in FETCHING_CLASSES) or None
    return value


def clean_html(html: str) -> str:
    return nh3.clean(
        html, tags=TAGS, attributes=ATTRIBUTES, url_schemes={"http", "https", "mailto"},
        attribute_filter=local_only, link_rel="noopener noreferrer", strip_comments=True,
    )
