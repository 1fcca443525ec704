"""Harvest prompts: split a story body into its opening and its `## prompt` sections."""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from harvest.core.settings import Prompt

_FENCE = re.compile(r"^\s{0,3}(`{3,}|~{3,})")
_H2 = re.compile(r"^##\s+(.+?)\s*#*\s*$")
_WORD = re.compile(r"\w+(?:['’-]\w+)*")
_PUNCT = "¿?¡!.:;,…\"'“”"


@dataclass(frozen=True)
class Section:
    heading: str  # as written
    prompt_id: str | None  # None: a heading that is not a configured prompt
    markdown: str
    line: int  # file line of the heading
    words: int


def normalize_heading(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).casefold().strip().strip(_PUNCT).strip()
    return " ".join(text.split())


class PromptMatcher:
    def __init__(self, prompts: Iterable[Prompt]):
        self._by_heading: dict[str, str] = {}
        for prompt in prompts:
            for heading in prompt.headings:
                self._by_heading.setdefault(normalize_heading(heading), prompt.id)

    def match(self, heading: str) -> str | None:
        return self._by_heading.get(normalize_heading(heading))

    @property
    def known_headings(self) -> list[str]:
        return list(self._by_heading)


def count_words(markdown: str) -> int:
    return len(_WORD.findall(markdown))


def minutes(words: int, per_minute: int) -> int:
    """Whole minutes to read `words`, at least 1 for any text."""
    return max(1, math.ceil(words / per_minute)) if words else 0


def split_sections(body: str, body_line: int, matcher: PromptMatcher) -> tuple[str, list[Section]]:
    """-> (opening Markdown before the first `##`, sections). Headings inside code fences don't count."""
    intro: list[str] = []
    sections: list[tuple[str, int, list[str]]] = []
    fence: str | None = None
    for offset, line in enumerate(body.split("\n")):
        fence_match = _FENCE.match(line)
        if fence_match:
            marker = fence_match.group(1)
            if fence is None:
                fence = marker[0] * 3
            elif marker.startswith(fence):
                fence = None
        heading_match = None if fence else _H2.match(line)
        if heading_match:
            sections.append((heading_match.group(1).strip(), body_line + offset, []))
        elif sections:
            sections[-1][2].append(line)
        else:
            intro.append(line)
    result = []
    for heading, line_no, lines in sections:
        text = "\n".join(lines).strip("\n")
        result.append(Section(heading, matcher.match(heading), text, line_no, count_words(text)))
    return "\n".join(intro).strip("\n"), result
