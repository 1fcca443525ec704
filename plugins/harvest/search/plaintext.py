"""Story Markdown to the plain text a reader sees: what search indexes and shows in snippets.

Markup must go: whoosh's tokenizer would index `**word**` as `**word`, and link
targets, HTML attributes and comments are not text anyone reads on the page. The
input is a *published* story (redactions already applied); the withheld marker becomes
`WITHHELD`, a symbol no tokenizer takes for a word, so "withheld" never becomes a search term
and a snippet can still say where a passage is withheld (`shown`), not leave a hole.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache

WITHHELD = "\ufffc"  # OBJECT REPLACEMENT CHARACTER: "something is left out here"; not a word character
WITHHELD_TEXT = "[withheld]"  # what a reader sees there, on the page and in snippets


@cache
def _rules() -> list[tuple[re.Pattern, str, str]]:
    """(pattern, replacement, characters of which one must be in the text for the pattern to match:
    most rules are skipped for most stories, which is most of the time saved). Made on first use:
    a query imports this module for `shown` and needs none of them."""
    from harvest.core.privacy import WITHHELD_MARK

    return [
        (re.compile(re.escape(WITHHELD_MARK)), f" {WITHHELD} ", "<"),
        (re.compile(r"<!--.*?(-->|$)", re.S), " ", "<"),  # comments are never shown
        (re.compile(r"<(script|style)\b.*?(</\1\s*>|$)", re.S | re.I), " ", "<"),
        (re.compile(r"</?[A-Za-z][^>]*>"), " ", "<"),  # tags (and their attributes)
        (re.compile(r"^[ \t]{0,3}\[[^\]]+\]:\s+\S.*$", re.M), " ", "]"),  # link reference definitions
        (re.compile(r"!\[([^\]]*)\]\([^)]*\)"), r"\1", "]"),  # images -> alt text
        (re.compile(r"\[([^\]]*)\]\([^)]*\)"), r"\1", "]"),  # links -> their text
        (re.compile(r"\[([^\]]*)\]\[[^\]]*\]"), r"\1", "]"),  # reference links
        (re.compile(r"\{\s*[:.#][^}\n]*\}"), " ", "{"),  # attr_list: { .class }
        (re.compile(r"^[ \t]{0,3}(#{1,6}\s+|>\s?|[-*+]\s+|\d+[.)]\s+)", re.M), "", ""),  # block markers
        (re.compile(r"^[ \t]{0,3}(`{3,}|~{3,}).*$", re.M), " ", "`~"),  # code fences (content stays)
        (re.compile(r"\\([\\`*_{}\[\]()#+\-.!|])"), r"\1", "\\"),  # backslash escapes
        (re.compile(r"\*+|`+|~~"), "", "*`~"),  # emphasis, code spans
        (re.compile(r"(?<!\w)_+|_+(?!\w)"), "", "_"),  # _emphasis_, not snake_case
    ]


_SPACE = re.compile(r"[ \t\r\f\v]{2,}|[\t\r\f\v]")  # (a single space is left alone: faster)
_BLANK = re.compile(r"\n\s*\n\s*")


def markdown_to_text(markdown: str) -> str:
    """Readable text with paragraphs kept as blank-line breaks."""
    text = markdown
    for pattern, replacement, needed in _rules():
        if not needed or any(char in text for char in needed):
            text = pattern.sub(replacement, text)
    if "&" in text:
        import html  # (a query uses only `shown`)

        text = html.unescape(text)
    text = _SPACE.sub(" ", text)
    return unicodedata.normalize("NFC", _BLANK.sub("\n\n", text).strip())


def one_line(text: str) -> str:
    return unicodedata.normalize("NFC", " ".join(text.split()))


def shown(text: str) -> str:
    """`text` as a reader sees it: each withheld passage as "[withheld]"."""
    return text.replace(WITHHELD, WITHHELD_TEXT)
