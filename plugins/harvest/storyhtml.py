"""A story page's rendered HTML, cut into its parts once per build.

The core keeps the cut for every story: the Answers pages show each section's HTML and the
read-aloud views show the parts, without rendering or splitting any story twice.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .model import Story
    from .prompts import Section

_H2_START = re.compile(r"<h2[\s>]")
_HEADER_END = re.compile(r'<p class="harvest-(?:times|translation)"[^>]*>.*?</p>', re.S)
_FIGURES = re.compile(r'(?:\s*<p>\s*<img\b[^>]*\bclass="harvest-image"[^>]*>\s*</p>)+\s*$')


@dataclass(frozen=True)
class StoryHtml:
    """A story page's rendered HTML, cut where the read-aloud parts start."""
    header: str          # title, summary, date, place, credits, lessons, times
    parts: list[str]     # opening text (without title), then each prompt section (with its <h2>)
    figures: str         # the story's images, shown after the text, not in the read-aloud view

    def section(self, index: int) -> str | None:
        """The HTML of section `index` without its heading, if the cut matched the story's sections."""
        if index + 1 >= len(self.parts):
            return None
        chunk = self.parts[index + 1]
        end = chunk.find("</h2>")
        return chunk[end + 5:].strip() if end >= 0 else chunk

    def answer(self, story: "Story", section: "Section") -> str | None:
        """The HTML of one of `story`'s sections, when the cut matched its sections."""
        if len(self.parts) != len(story.sections) + 1:
            return None
        return self.section(story.sections.index(section))


def split_story_html(html: str, section_count: int) -> StoryHtml:
    """Cut a story page's HTML into header, opening, one chunk per `<h2>` section, and figures.

    When the page's `<h2>`s do not match the story's sections (raw HTML headings, say)
    the whole text becomes a single part rather than a wrongly labelled one.
    """
    figures = _FIGURES.search(html)
    body, figures_html = (html[:figures.start()], html[figures.start():]) if figures else (html, "")
    starts = [m.start() for m in _H2_START.finditer(body)]
    prelude_end = starts[0] if starts else len(body)
    header_ends = [m.end() for m in _HEADER_END.finditer(body, 0, prelude_end)]
    header_end = header_ends[-1] if header_ends else 0
    header = body[:header_end]
    if len(starts) != section_count:
        return StoryHtml(header, [body[header_end:].strip()], figures_html.strip())
    bounds = starts + [len(body)]
    parts = [body[header_end:prelude_end].strip()] + [body[a:b].strip() for a, b in zip(bounds, bounds[1:])]
    return StoryHtml(header, parts, figures_html.strip())
