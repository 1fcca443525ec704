"""A story page's rendered HTML, cut into its parts once per build.

The core keeps the cut for every story: the Answers pages show each section's HTML, the
read-aloud views show the parts, and feeds and emails take the text, without rendering or
splitting any story twice.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import pairwise
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from harvest.core.model import Story
    from harvest.core.prompts import Section

_H2_START = re.compile(r"<h2[\s>]")
_PERMALINK = re.compile(r'<a class="headerlink"[^>]*>.*?</a>', re.S)  # MkDocs toc's "¶" in each heading
_FIGURES = re.compile(r'(?:\s*<p>\s*<img\b[^>]*\bclass="harvest-image"[^>]*>\s*</p>)+\s*$')


@dataclass(frozen=True)
class StoryHtml:
    """A story page's rendered text (its header is not in it: the template writes that), cut
    where the read-aloud parts start."""
    parts: list[str]     # opening text (without title), then each prompt section (with its <h2>)
    figures: str         # the story's images, shown after the text, not in the read-aloud view

    def section(self, index: int) -> str | None:
        """The HTML of section `index` without its heading, if the cut matched the story's sections."""
        if index + 1 >= len(self.parts):
            return None
        chunk = self.parts[index + 1]
        end = chunk.find("</h2>")
        return chunk[end + 5:].strip() if end >= 0 else chunk

    def answer(self, story: Story, section: Section) -> str | None:
        """The HTML of one of `story`'s sections, when the cut matched its sections."""
        if len(self.parts) != len(story.sections) + 1:
            return None
        return self.section(story.sections.index(section))


def split_story_html(html: str, section_count: int) -> StoryHtml:
    """Cut a story page's HTML into its opening, one chunk per `<h2>` section, and figures.

    When the page's `<h2>`s do not match the story's sections (raw HTML headings, say)
    the whole text becomes a single part rather than a wrongly labelled one.
    """
    figures = _FIGURES.search(html)
    body, figures_html = (html[:figures.start()], html[figures.start():]) if figures else (html, "")
    starts = [m.start() for m in _H2_START.finditer(body)]
    if len(starts) != section_count:
        return StoryHtml([body.strip()], figures_html.strip())
    bounds = [0, *starts, len(body)]
    return StoryHtml([body[a:b].strip() for a, b in pairwise(bounds)], figures_html.strip())


def strip_permalinks(html: str) -> str:
    """Without the "¶" links MkDocs puts in headings: noise anywhere but on the page itself."""
    return _PERMALINK.sub("", html)
