"""How text becomes search terms, shared by the whoosh index and the browser index.

The browser's JavaScript repeats `tokens` and `fold` exactly (see assets/search/search.js):
words are runs of letters and digits, lowercased, accents removed. Keeping both sides
on one definition is what makes the site and `harvest search` find the same words.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

WORD = re.compile(r"[^\W_]+")  # JS: /[\p{L}\p{N}]+/gu
ANALYSIS_VERSION = "1"  # bump when tokens or folding change: every index is rebuilt


@lru_cache(maxsize=200_000)
def fold(word: str) -> str:
    """Lowercase, then drop accents: 'Sorprendió' -> 'sorprendio'. JS: lower, NFD, strip \\p{M}."""
    decomposed = unicodedata.normalize("NFD", word.lower())
    return "".join(c for c in decomposed if not unicodedata.category(c).startswith("M"))


def tokens(text: str) -> list[str]:
    """The folded words of a text, in order."""
    if text.isascii():  # the common case, and 5x faster: nothing to normalize or strip
        return WORD.findall(text.lower())
    return [fold(w) for w in WORD.findall(unicodedata.normalize("NFC", text))]
