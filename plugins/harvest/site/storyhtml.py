"""A story page's rendered HTML, cut into its parts once per build.

The core keeps the cut for every story: the Answers pages show each section's HTML, the
read-aloud views show the parts, and feeds and emails take the text, without rendering or
splitting any story twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import TYPE_CHECKING

from harvest.site.htmltags import Node, Tag, Text, element_end, read_tags, replace_ranges, top_level

if TYPE_CHECKING:
    from harvest.core.model import Story
    from harvest.core.prompts import Section

PERMALINK_CLASS = "headerlink"  # MkDocs toc's "¶" link in each heading
FIGURE_CLASS = "harvest-image"  # the story's images (pages.story_markdown), after its text


@dataclass(frozen=True)
class StoryHtml:
    """A story page's rendered text (its header is not in it: the template writes that), cut
    where the read-aloud parts start."""

    parts: Sequence[str]  # opening text (without title), then each prompt section (with its <h2>)
    figures: str  # the story's images, shown after the text, not in the read-aloud view

    def section(self, index: int) -> str | None:
        """The HTML of section `index` without its heading, if the cut matched the story's sections."""
        if index + 1 >= len(self.parts):
            return None
        chunk = self.parts[index + 1]
        end = chunk.find("</h2>")
        return chunk[end + 5 :].strip() if end >= 0 else chunk

    def answer(self, story: Story, section: Section) -> str | None:
        """The HTML of one of `story`'s sections, when the cut matched its sections."""
        if len(self.parts) != len(story.sections) + 1:
            return None
        return self.section(story.sections.index(section))


def split_story_html(html: str, section_count: int) -> StoryHtml:
    """Cut a story page's HTML into its opening, one chunk per top-level `<h2>` section, and figures.

    Only headings at the top level cut: an `<h2>` inside a `<details>` or a block quote stays in its
    part. When the page's `<h2>`s do not match the story's sections (raw HTML headings, or a
    section heading inside such a block) the whole text becomes a single part rather than a
    wrongly labelled one.
    """
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
