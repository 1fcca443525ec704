"""The tags of an HTML fragment with their places in the source, read by the standard library's
HTML parser: post-processing (cutting a story page into parts, dropping permalinks, rewriting ids
and links for another page) edits exact source ranges and leaves every other byte as it was.

The fragments are what the sanitiser serialised (core/sanitize.py): every element is closed, so
nesting depth can be tracked from start and end tags. A `<` in text or code is `&lt;`, and a `>` or
`<h2>` inside a quoted attribute value stays inside that tag, as a browser reads it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser

_NEWLINE = re.compile("\n")
_ATTRIBUTE_ESCAPES = str.maketrans({"&": "&amp;", "\xa0": "&nbsp;", '"': "&quot;", "<": "&lt;", ">": "&gt;"})
VOID = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source", "track", "wbr"}
)


@dataclass(slots=True)  # thousands per build: slots are cheaper to make
class Tag:
    name: str  # lower case
    attrs: list[tuple[str, str | None]]  # values with entities decoded; None for a bare attribute
    start: int  # offset of its "<"
    end: int  # offset just past its ">"
    closing: bool = False  # </name>
    depth: int = 0  # elements open around it (0: top level of the fragment)

    def attr(self, name: str) -> str | None:
        return next((value for key, value in self.attrs if key == name), None)

    @property
    def classes(self) -> list[str]:
        return (self.attr("class") or "").split()


@dataclass(slots=True)
class Text:
    start: int
    end: int
    depth: int


class _Reader(HTMLParser):
    def __init__(self, html: str):
        super().__init__(convert_charrefs=False)
        self.html = html
        # getpos() counts lines by "\n" only (not the other breaks str.splitlines knows)
        self.line_starts = [0, *(match.end() for match in _NEWLINE.finditer(html))]
        self.items: list[Tag | Text] = []
        self.open: list[str] = []

    def _offset(self) -> int:
        line, column = self.getpos()
        return self.line_starts[line - 1] + column

    def handle_starttag(self, tag, attrs):
        start = self._offset()
        raw = self.get_starttag_text() or ""
        self.items.append(Tag(tag, attrs, start, start + len(raw), depth=len(self.open)))
        if tag not in VOID:
            self.open.append(tag)

    def handle_startendtag(self, tag, attrs):  # <br/>: opens nothing
        start = self._offset()
        raw = self.get_starttag_text() or ""
        self.items.append(Tag(tag, attrs, start, start + len(raw), depth=len(self.open)))

    def handle_endtag(self, tag):
        start = self._offset()
        if tag in self.open:  # a stray end tag closes nothing
            while self.open and self.open.pop() != tag:
                pass
        self.items.append(Tag(tag, [], start, self.html.index(">", start) + 1, closing=True, depth=len(self.open)))

    # Text, `&name;` and `&#n;` (convert_charrefs=False) all extend one run of text.
    def handle_data(self, data: str) -> None:
        self._text()

    def handle_entityref(self, name: str) -> None:
        self._text()

    def handle_charref(self, name: str) -> None:
        self._text()

    def _text(self) -> None:  # text runs until the next tag (read_tags sets its end)
        if not (self.items and isinstance(self.items[-1], Text) and self.items[-1].end < 0):
            self.items.append(Text(self._offset(), -1, len(self.open)))


def read_tags(html: str) -> list[Tag | Text]:
    """Every tag and run of text of `html`, in order, with offsets and nesting depth."""
    reader = _Reader(html)
    reader.feed(html)
    reader.close()
    items = reader.items
    for index, item in enumerate(items):
        if isinstance(item, Text):
            following = items[index + 1].start if index + 1 < len(items) else len(html)
            items[index] = Text(item.start, following, item.depth)
    return items


@dataclass(slots=True)
class Node:
    """One top-level piece of a fragment: an element (its start tag, the items inside it) or text."""

    item: Tag | Text
    end: int  # offset just past the element's end tag (or the text)
    inside: list[Tag | Text]

    @property
    def start(self) -> int:
        return self.item.start


def top_level(items: list[Tag | Text], length: int) -> list[Node]:
    """The fragment's top-level elements and text runs, in order (`length`: the fragment's size)."""
    nodes: list[Node] = []
    opened: Tag | None = None
    inside: list[Tag | Text] = []
    for item in items:
        if item.depth != 0:
            inside.append(item)
        elif isinstance(item, Text):
            nodes.append(Node(item, item.end, []))
        elif not item.closing:
            if item.name in VOID:
                nodes.append(Node(item, item.end, []))
            else:
                opened, inside = item, []
        elif opened is not None and item.name == opened.name:
            nodes.append(Node(opened, item.end, inside))
            opened = None
    if opened is not None:
        nodes.append(Node(opened, length, inside))
    return nodes


def element_end(items: list[Tag | Text], index: int, default: int) -> int:
    """The offset just past the end tag matching the start tag items[index] (`default` if none)."""
    opening = items[index]
    assert isinstance(opening, Tag)
    for item in items[index + 1 :]:
        if isinstance(item, Tag) and item.closing and item.name == opening.name and item.depth == opening.depth:
            return item.end
    return default


def replace_ranges(html: str, edits: list[tuple[int, int, str]]) -> str:
    """`html` with each (start, end) range replaced; ranges in order and not overlapping."""
    if not edits:
        return html
    out, cursor = [], 0
    for start, end, text in edits:
        out.append(html[cursor:start])
        out.append(text)
        cursor = end
    out.append(html[cursor:])
    return "".join(out)


def start_tag(name: str, attrs: list[tuple[str, str | None]]) -> str:
    """A start tag written as the sanitiser (html5ever) writes one: values in double quotes."""
    parts = [name]
    for key, value in attrs:
        if value is None:
            parts.append(key)
        else:
            escaped = value.translate(_ATTRIBUTE_ESCAPES)
            parts.append(f'{key}="{escaped}"')
    return "<" + " ".join(parts) + ">"
