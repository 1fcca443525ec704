"""A story page's rendered HTML, cut into its parts once per build.

The core keeps the cut for every story: the Answers pages show each section's HTML, the
read-aloud views show the parts, and feeds and emails take the text, without rendering or
splitting any story twice.
"""

from __future__ import annotations

import html as htmllib
import re
import zlib
from collections.abc import Iterable, Sequence
from itertools import pairwise
from typing import TYPE_CHECKING

from harvest.site.htmltags import VOID, Node, Tag, Text, element_end, read_tags, replace_ranges, top_level

if TYPE_CHECKING:
    from harvest.core.model import Story
    from harvest.core.prompts import Section

PERMALINK_CLASS = "headerlink"  # MkDocs toc's "¶" link in each heading
FIGURE_CLASS = "harvest-image"  # the story's images (pages.story_markdown), after its text
_SEPARATOR = "\x00"  # between the parts when packed (HTML text never holds it: nh3 drops it)


class StoryHtml:
    """A story page's rendered text (its header is not in it: the template writes that), cut
    where the read-aloud parts start: the opening text (without title), then each prompt section
    (with its <h2>); and the story's images, shown after the text, not in the read-aloud view.

    The core keeps one for every story to the end of the build (~30 MB of HTML at 5,000 stories,
    alive while the biggest pages are rendered: the build's peak of memory), and reads each a
    few times: the text is kept compressed (zlib at its fastest level, ~3x smaller), and
    `parts` inflates it on each read."""

    __slots__ = ("_packed", "figures")
    _packed: bytes | tuple[str, ...]
    figures: str

    def __init__(self, parts: Sequence[str], figures: str) -> None:
        joined = _SEPARATOR.join(parts)
        if joined.count(_SEPARATOR) != len(parts) - 1 or not parts:  # (a part holding the separator)
            packed: bytes | tuple[str, ...] = tuple(parts)
        else:
            packed = zlib.compress(joined.encode("utf-8", "surrogatepass"), 1)
        object.__setattr__(self, "_packed", packed)
        object.__setattr__(self, "figures", figures)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("a StoryHtml does not change")

    @property
    def parts(self) -> list[str]:
        """The parts (a new list on each read)."""
        packed = self._packed
        if isinstance(packed, tuple):
            return list(packed)
        return zlib.decompress(packed).decode("utf-8", "surrogatepass").split(_SEPARATOR)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, StoryHtml) and (self.parts, self.figures) == (other.parts, other.figures)

    def __hash__(self) -> int:
        return hash((tuple(self.parts), self.figures))

    def __repr__(self) -> str:
        return f"StoryHtml(parts={self.parts!r}, figures={self.figures!r})"

    def section(self, index: int, parts: list[str] | None = None) -> str | None:
        """The HTML of section `index` without its heading, if the cut matched the story's sections."""
        parts = self.parts if parts is None else parts  # (inflated once per call)
        if index + 1 >= len(parts):
            return None
        chunk = parts[index + 1]
        end = chunk.find("</h2>")
        return chunk[end + 5 :].strip() if end >= 0 else chunk

    def answer(self, story: Story, section: Section) -> str | None:
        """The HTML of one of `story`'s sections, when the cut matched its sections."""
        parts = self.parts
        if len(parts) != len(story.sections) + 1:
            return None
        return self.section(story.sections.index(section), parts)


def split_story_html(html: str, section_count: int) -> StoryHtml:
    """Cut a story page's HTML into its opening, one chunk per top-level `<h2>` section, and figures.

    Only headings at the top level cut: an `<h2>` inside a `<details>` or a block quote stays in its
    part. When the page's `<h2>`s do not match the story's sections (raw HTML headings, or a
    section heading inside such a block) the whole text becomes a single part rather than a
    wrongly labelled one.
    """
    fast = _fast_cut(html)
    if fast is not None:
        starts, figures_at = fast
        body, figures_html = html[:figures_at], html[figures_at:].strip()
        if len(starts) != section_count:
            return StoryHtml([body.strip()], figures_html)
        bounds = [0, *starts, len(body)]
        return StoryHtml([body[a:b].strip() for a, b in pairwise(bounds)], figures_html)
    nodes = top_level(read_tags(html), len(html))
    figures_at = len(html)
    for node in reversed(nodes):  # the figures: the paragraphs of images the text ends with
        if isinstance(node.item, Text) and not html[node.start : node.end].strip():
            continue
        if not _is_figure(node, html):
            break
        figures_at = node.start
    body, figures_html = html[:figures_at], html[figures_at:].strip()
    starts = [
        node.start
        for node in nodes
        if node.start < figures_at and isinstance(node.item, Tag) and node.item.name == "h2"
    ]
    if len(starts) != section_count:
        return StoryHtml([body.strip()], figures_html)
    bounds = [0, *starts, len(body)]
    return StoryHtml([body[a:b].strip() for a, b in pairwise(bounds)], figures_html)


# A tag as the sanitiser (nh3) writes one: `<` in text is `&lt;`, a `>` only in a quoted value,
# no comments. Reading a page's few top-level blocks with it is several times faster than the
# HTML parser (every story page, every build); anything else goes to the parser.
_TAG = re.compile(r"""<(/?)([a-zA-Z][a-zA-Z0-9-]*)((?:[^>"']|"[^"]*"|'[^']*')*)>""")
_CLASS = re.compile(r'\sclass="([^"]*)"')


def _fast_cut(html: str) -> tuple[list[int], int] | None:
    """(offsets of the top-level `<h2>`s before the figures, where the figures start), as
    `split_story_html` finds them with the HTML parser; None when `html` is not as the sanitiser
    writes it (a comment, a script, a stray or mismatched end tag, an element left open)."""
    if "<!" in html or "<?" in html:
        return None
    tops: list[tuple[int, str, str, str]] = []  # top-level (start, name or "" for text, attributes, content)
    stack: list[str] = []
    cursor = opened_at = content_at = 0
    attributes = top_name = ""
    for match in _TAG.finditer(html):
        if not stack and html[cursor : match.start()].strip():
            tops.append((cursor, "", "", ""))
        name = match.group(2).lower()
        if name in ("script", "style"):
            return None
        if match.group(1):
            if not stack or stack[-1] != name:
                return None
            stack.pop()
            if not stack:
                tops.append((opened_at, top_name, attributes, html[content_at : match.start()]))
        elif match.group(0).endswith("/>"):
            if name not in VOID:
                return None
            if not stack:
                tops.append((match.start(), name, "", ""))
        elif name in VOID:
            if not stack:
                tops.append((match.start(), name, "", ""))
        else:
            if not stack:
                opened_at, top_name, attributes, content_at = match.start(), name, match.group(3), match.end()
            stack.append(name)
        cursor = match.end()
    if stack:
        return None
    if html[cursor:].strip():
        tops.append((cursor, "", "", ""))
    figures_at = len(html)
    for start, name, attrs, content in reversed(tops):
        figure = _fast_figure(name, attrs, content)
        if figure is None:
            return None
        if not figure:
            break
        figures_at = start
    return [start for start, name, _, _ in tops if name == "h2" and start < figures_at], figures_at


def _fast_figure(name: str, attributes: str, content: str) -> bool | None:
    """Is this top-level element `<p><img class="harvest-image" …></p>` (None: ask the parser)?"""
    if name != "p" or attributes.strip():
        return False
    inside = list(_TAG.finditer(content))
    if len(inside) != 1 or inside[0].group(1) or inside[0].group(2).lower() != "img":
        return False
    image_attributes = inside[0].group(3)
    found = _CLASS.search(image_attributes)
    if found is None:
        return None if "class" in image_attributes else False
    classes = htmllib.unescape(found.group(1)).split()
    return FIGURE_CLASS in classes and not _TAG.sub("", content).strip()


def _is_figure(node: Node, html: str) -> bool:
    """`<p><img class="harvest-image" …></p>`, with nothing else in it but white space."""
    tag = node.item
    if not isinstance(tag, Tag) or tag.name != "p" or tag.attrs:
        return False
    images = [item for item in node.inside if isinstance(item, Tag)]
    text = "".join(html[item.start : item.end] for item in node.inside if isinstance(item, Text))
    return len(images) == 1 and images[0].name == "img" and FIGURE_CLASS in images[0].classes and not text.strip()


def permalink_ranges(items: list[Tag | Text], length: int) -> list[tuple[int, int]]:
    """Where the permalink anchors are: (start, end) of each `<a class="headerlink">…</a>`."""
    ranges: list[tuple[int, int]] = []
    for index, item in enumerate(items):
        if (
            isinstance(item, Tag)
            and item.name == "a"
            and not item.closing
            and PERMALINK_CLASS in item.classes
            and not (ranges and item.start < ranges[-1][1])
        ):
            ranges.append((item.start, element_end(items, index, length)))
    return ranges


def strip_permalinks(html: str) -> str:
    """Without the "¶" links MkDocs puts in headings: noise anywhere but on the page itself."""
    if PERMALINK_CLASS not in html:  # most text outside the story pages' headings has none
        return html
    return replace_ranges(html, [(a, b, "") for a, b in permalink_ranges(read_tags(html), len(html))])


class AnswerMemo:
    """`serve`: the HTML of each answer, cut from its story's cut once while that cut is the
    one shown. A rebuild after an edit renders the Answers pages again (each shows every
    story's answer to one prompt), and cutting every answer out of its compressed story again
    was most of the 0.9-1.4 s those pages' items took at 5,000 stories. A reused story page's cut
    is the very same object from rebuild to rebuild (`pagecache.CutMemo`), and a `StoryHtml`
    never changes: an answer is a function of that object, the number of the story's sections
    and the section's place among them. `keep` lets go of the answers of cuts a build no
    longer has."""

    def __init__(self) -> None:
        # (id(cut), sections, index) -> (cut, its answer): the cut held, so its id is not reused
        self._answers: dict[tuple[int, int, int], tuple[StoryHtml, str | None]] = {}

    def keep(self, cuts: Iterable[StoryHtml]) -> None:
        """Only the answers of these cuts (this build's, once every story page is rendered or reused)."""
        current = {id(cut) for cut in cuts}
        self._answers = {key: found for key, found in self._answers.items() if key[0] in current}

    def answer(self, cut: StoryHtml, story: Story, section: Section) -> str | None:
        """What `cut.answer(story, section)` gives."""
        key = (id(cut), len(story.sections), story.sections.index(section))
        found = self._answers.get(key)
        if found is None:
            found = self._answers[key] = (cut, cut.answer(story, section))
        return found[1]
