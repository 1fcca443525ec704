"""Plain text from Markdown/HTML, for titles and summaries (one line, no markup)."""

from __future__ import annotations

import re

from harvest.importer.markup import fence_state

_PLAIN_DROP = re.compile(r"!\[[^\]]*\]\([^)]*\)|<[^>]+>|\{\{.*?\}\}|\{%.*?%\}|\[\[/?redact[^\]]*\]\]", re.S)
_PLAIN_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_SENTENCE = re.compile(r"^(.+?[.!?…])(?=\s+[^\s\da-z]|\s*$)", re.S)


def plain_text(markdown: str) -> str:
    """Markdown/HTML -> one line of plain text (for a summary)."""
    text = _PLAIN_DROP.sub(" ", markdown)
    text = _PLAIN_LINK.sub(r"\1", text)
    text = re.sub(r"[*_`]+|^\s*#+\s*|^\s*>\s?", " ", text, flags=re.M)
    return " ".join(text.split())


def first_paragraph(markdown: str) -> str:
    """The first paragraph of prose (not a heading, code, image-only line, list marker noise)."""
    fence = None
    paragraph: list[str] = []
    for line in markdown.split("\n"):
        was_fence = fence
        fence = fence_state(line, fence)
        if was_fence or fence or line.lstrip().startswith(("#", "|", "{:")):
            if paragraph:
                break
            continue
        if not line.strip():
            if paragraph and plain_text(" ".join(paragraph)):
                break
            paragraph = []
            continue
        paragraph.append(line)
    return plain_text(" ".join(paragraph))


def first_sentence(markdown: str, limit: int) -> str:
    paragraph = first_paragraph(markdown)
    match = _SENTENCE.match(paragraph)
    return shorten(match.group(1) if match else paragraph, limit)


def shorten(text: str, limit: int) -> str:
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0].rstrip(",;:")
    return cut + "…"
