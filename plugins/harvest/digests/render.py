"""Story text as HTML and as plain text, for outputs read away from the site (feeds, emails).

In a build the text comes from the story pages MkDocs has already rendered (the core
keeps each one cut into parts), so no story is converted twice; elsewhere (the
`harvest digest` command) its Markdown is rendered here. Either way it is cleaned with
the site's sanitiser rules, and images are dropped: a mail client or feed reader would
fetch them from wherever it is read (telling a third party who reads what), or show a
broken box. Links are made absolute against the page they came from, or unwrapped when
there is no address to make them absolute with.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import markdown
import nh3

from harvest.core.model import Story
from harvest.core.prompts import Section
from harvest.core.sanitize import ATTRIBUTES, TAGS, clean_html, filter_attribute
from harvest.site.storyhtml import StoryHtml, strip_permalinks

EXTENSIONS = ["attr_list", "md_in_html", "tables", "fenced_code", "sane_lists"]
PORTABLE_TAGS = TAGS - {"img"}
WIDTH = 72  # plain-text email lines


class StoryText:
    """Each story's text (without its header) and prompt answers as clean HTML: cut from its
    rendered page when `pages` has it, else rendered from its Markdown.

    One per build or command: it owns its Markdown converter (building one costs more than
    converting a story) and remembers what it rendered (a digest's answers are shown in its
    email and its feed entry)."""

    def __init__(
        self,
        pages: Mapping[str, StoryHtml] | None = None,
        answer: Callable[[Story, Section], str | None] | None = None,
    ):
        self.pages = pages or {}
        self._answer = answer  # a build's `BuildContext.story_answer` (under serve, each cut once)
        self._converter: markdown.Markdown | None = None
        self._rendered: dict[str, str] = {}

    def markdown_html(self, text: str) -> str:
        html = self._rendered.get(text)
        if html is None:
            if self._converter is None:
                self._converter = markdown.Markdown(extensions=EXTENSIONS, output_format="html")
            html = self._rendered[text] = clean_html(self._converter.reset().convert(text))
        return html

    def body(self, story: Story) -> str:
        cut = self.pages.get(story.id)
        return "\n".join(cut.parts) if cut else self.markdown_html(story.markdown)

    def answer(self, story: Story, section: Section) -> str:
        if self._answer is not None:
            html = self._answer(story, section)
        else:
            cut = self.pages.get(story.id)
            html = cut.answer(story, section) if cut else None
        return html if html is not None else self.markdown_html(section.markdown)


Portable = Callable[[str, "str | None"], str]  # (HTML, the address its links are relative to) -> portable HTML


def portable_html(html: str, base_url: str | None) -> str:
    """Clean HTML with no images, whose links work from a mail client or feed reader.
    One sanitiser pass with the site's rules (`clean_html`) minus images, plus link rewriting."""

    def rewrite(tag: str, attribute: str, value: str) -> str | None:
        if tag == "a" and attribute == "href":
            if urlsplit(value).scheme:
                return value
            return urljoin(base_url, value) if base_url else None
        return filter_attribute(tag, attribute, value)

    return nh3.clean(
        strip_permalinks(html),
        tags=PORTABLE_TAGS,
        attributes=ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        attribute_filter=rewrite,
        link_rel="noopener noreferrer",
        strip_comments=True,
    )


def sign(html: str, base_url: str | None) -> str:
    """What `portable_html(html, base_url)` depends on, as a short string: stands in for it in
    the views a cache key is made of (the key then covers every input without cleaning any HTML)."""
    return "\0portable:" + hashlib.sha256(f"{base_url!r}\0{html}".encode("utf-8", "surrogatepass")).hexdigest()


class PortableMemo:
    """`portable_html`, each (HTML, base) cleaned once however many outputs show it (a story is in
    its digest's email and feed entry, the stories feed and its lessons' feeds). Kept by the plugin
    across `serve` rebuilds (`across_builds`); `new_build` forgets what the last build did not use.
    `end_build` (the build's feeds and emails are written) lets go of what no later build of this
    process can use: a process that builds once (`harvest build`) keeps nothing, as holding every
    story's portable HTML to the end of the build only costs memory (tens of MB at 5,000 stories)."""

    def __init__(self, across_builds: bool = True) -> None:
        self.across_builds = across_builds
        self._kept: dict[str, str] = {}
        self._used: dict[str, str] = {}
        self.made = 0

    def new_build(self) -> None:
        self._kept, self._used = self._used, {}
        self.made = 0

    def end_build(self) -> None:
        self._kept = {}  # (what this build did not use is not kept for the next one either)
        if not self.across_builds:
            self._used = {}

    def __call__(self, html: str, base_url: str | None) -> str:
        key = sign(html, base_url)
        found = self._used.get(key)
        if found is None:
            found = self._kept.get(key)
            if found is None:
                found = portable_html(html, base_url)
                self.made += 1
            self._used[key] = found
        return found


_BLOCKS = {
    "p",
    "div",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "li",
    "blockquote",
    "pre",
    "tr",
    "table",
    "ul",
    "ol",
    "dl",
    "dt",
    "dd",
    "figure",
    "figcaption",
    "hr",
    "br",
    "details",
    "summary",
}


class _TextExtractor(HTMLParser):
    """HTML -> paragraphs of plain text; list items start with "- ", links keep their address."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.paragraphs: list[str] = []
        self._words: list[str] = []
        self._links: list[str | None] = []

    def _flush(self):
        text = " ".join("".join(self._words).split())
        if text and text != "-":
            self.paragraphs.append(text)
        self._words = []

    def handle_starttag(self, tag, attrs):
        if tag in _BLOCKS:
            self._flush()
        if tag == "li":
            self._words.append("- ")
        elif tag == "a":
            self._links.append(dict(attrs).get("href"))

    def handle_endtag(self, tag):
        if tag == "a" and self._links:
            href = self._links.pop()
            if href and urlsplit(href).scheme in ("http", "https", "mailto"):
                self._words.append(f" <{href}>")
        if tag in _BLOCKS:
            self._flush()

    def handle_data(self, data):
        self._words.append(data)

    def close(self):
        super().close()
        self._flush()


def html_paragraphs(html: str) -> list[str]:
    parser = _TextExtractor()
    parser.feed(html)
    parser.close()
    return parser.paragraphs


def wrap(text: str, indent: str = "", hang: str | None = None, width: int = WIDTH) -> str:
    """One paragraph wrapped at `width` columns; a word longer than a line (an address) keeps its own line.
    Continuation lines get `hang` (default: `indent`, plus two spaces under a "- " list item)."""
    if hang is None:
        hang = indent + ("  " if text.startswith("- ") else "")
    # Greedy filling, as textwrap.fill(break_long_words=False, break_on_hyphens=False) does
    # with runs of whitespace read as one space; a digest wraps thousands of paragraphs.
    lines, line = [], indent
    fresh = True  # nothing but the indent on this line yet
    for word in text.split():
        if fresh:
            line += word
            fresh = False
        elif len(line) + 1 + len(word) <= width:
            line += " " + word
        else:
            lines.append(line)
            line, fresh = hang + word, False
    if not fresh:
        lines.append(line)
    return "\n".join(lines) or indent.rstrip()


def html_text(html: str, indent: str = "") -> str:
    """Portable HTML as wrapped plain-text paragraphs separated by blank lines."""
    paragraphs = html_paragraphs(html)
    out = ""
    for index, paragraph in enumerate(paragraphs):
        if index:  # list items stay together; other paragraphs get a blank line between them
            both_items = paragraph.startswith("- ") and paragraphs[index - 1].startswith("- ")
            out += "\n" if both_items else "\n\n"
        out += wrap(paragraph, indent)
    return out
