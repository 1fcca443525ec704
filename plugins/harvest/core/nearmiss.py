"""Markup that looks like it hides text but does not: near-miss redaction marks and HTML comments.

Only `[[redact]]`, `[[redact LEVEL]]` and `[[/redact]]` withhold text, and only `<!-- … -->` is an
editor's note. A writer who types `[[Redact]]`, `[[ redact ]]`, `{{redact}}`, fullwidth brackets,
or `<!— note —>` (an editor's smart dashes) means to hide something; published as typed, it would
show. So anything near a mark that the strict parser did not take is an error. This applies to the
whole text, code blocks included, as the redaction marks themselves do (they are not Markdown).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from harvest.core.problems import Problem

REDACT_HINT = "write exactly [[redact]] or [[redact LEVEL]] … [[/redact]] (lowercase, no spaces inside the brackets)"
COMMENT_HINT = "an editor's note is written <!-- like this --> (two hyphens each side); otherwise it is published"
# Letters from other scripts that look like the Latin ones in "redact" (NFKC leaves them alone).
_LOOKALIKES = str.maketrans(
    {
        "а": "a",
        "е": "e",
        "с": "c",
        "ԁ": "d",
        "г": "r",
        "т": "t",
        "ɑ": "a",
        "ᴀ": "a",
        "ꭱ": "r",
        "ᴅ": "d",
        "ᴇ": "e",
        "ᴛ": "t",
        "ϲ": "c",
        "ε": "e",
        "α": "a",
        "τ": "t",
    }
)
_OPEN = "[{<"  # plus every Unicode opening bracket (category Ps) except a single "(";
_CLOSE = "]}>"  # quotation marks are prose: “redact” is a word, not a mark
_WORD = re.compile(r"[^\W\d_](?:[\s\-_.·'’]?[^\W\d_]){3,11}")
_EXACT = re.compile(r"\[\[/?redact(?:[ \t]+[^\]\s]+)?[ \t]*\]\]")  # privacy.REDACT_TAG, without importing it
_DASH = "[-\u2010-\u2015\u2212\ufe58\ufe63\uff0d]"
# `<`, `!`, a dash (fullwidth and typographic forms too), maybe a second: anything but `<!--` is a near miss.
# The brackets of `_tables()` that are ASCII: `[]{}<>`, and round ones doubled.
_ASCII_BRACKETS = re.compile(r"[\[\]{}<>]|\(\(|\)\)")
_COMMENT_NEAR = re.compile(rf"[<\uff1c\ufe64][ \t]*[!\uff01\ufe57][ \t]*{_DASH}(?:[ \t]*{_DASH})?")


@lru_cache(maxsize=1)
def _tables() -> tuple[re.Pattern[str], re.Pattern[str]]:
    """(any bracket: a line can hold a mark only if it has one, invisible characters to drop).
    Built once, on first use: the planes that hold brackets and format characters."""
    brackets, invisible = [], []
    for code in (*range(0x20000), *range(0xE0000, 0xE1000)):
        category = unicodedata.category(chr(code))
        if category in ("Ps", "Pe") and chr(code) not in "()":
            brackets.append(chr(code))
        elif category == "Cf":
            invisible.append(chr(code))
    return (
        re.compile("[" + re.escape("".join(brackets) + "<>") + r"]|\(\(|\)\)"),
        re.compile("[" + re.escape("".join(invisible)) + "]"),
    )


def _normal(text: str) -> str:
    """Fold what a reader would not tell apart: width, case, invisible characters, look-alike letters."""
    return _tables()[1].sub("", unicodedata.normalize("NFKC", text)).casefold().translate(_LOOKALIKES)


def _is_open(text: str, i: int) -> bool:
    ch = text[i]
    if ch == "(":  # one round bracket is prose: "(redacted)"; two are markup
        return text[i + 1 : i + 2] == "(" or (i > 0 and text[i - 1] == "(")
    return ch in _OPEN or unicodedata.category(ch) == "Ps"


def _is_close(text: str, i: int) -> bool:
    ch = text[i]
    if ch == ")":
        return text[i + 1 : i + 2] == ")" or (i > 0 and text[i - 1] == ")")
    return ch in _CLOSE or unicodedata.category(ch) == "Pe"


def _distance(a: str, b: str) -> int:
    """Edit distance with swaps (optimal string alignment); inputs are a few letters."""
    d = [[i + j if i * j == 0 else 0 for j in range(len(b) + 1)] for i in range(len(a) + 1)]
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] != b[j - 1]))
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
    return d[-1][-1]


def _near_redact(word: str) -> bool:
    letters = "".join(ch for ch in word if ch.isalpha())
    if letters.startswith(("redact", "unredact")):
        return True
    if len(letters) < 6 or sum(ch in "redact" for ch in letters[:7]) < 5:  # cheap: most words are far
        return False
    return any(_distance(letters[:n], "redact") <= 1 for n in (6, 7) if len(letters) >= n)


def looks_like_redaction(line: str) -> bool:
    """Does this line hold something bracket-like around a word near "redact"? (Exact marks aside.)"""
    return _near_mark(_normal(_EXACT.sub(" ", line)))


def _near_mark(text: str) -> bool:
    if not _tables()[0].search(text):
        return False
    for match in _WORD.finditer(text):
        if not _near_redact(match.group()):
            continue
        before = match.start() - 1
        while (
            before >= 0 and not text[before].isalnum() and not _is_close(text, before) and match.start() - before <= 6
        ):
            if _is_open(text, before):
                return True
            before -= 1
        after = match.end()
        while (
            after < len(text) and not text[after].isalnum() and not _is_open(text, after) and after - match.end() <= 6
        ):
            if _is_close(text, after):
                return True
            after += 1
    return False


def near_miss_redactions(text: str, first_line: int, path: str, field: str = "body") -> list[Problem]:
    # NFKC never adds or removes a "\n", so lines keep their numbers; only lines with a bracket
    # (after NFKC, which turns fullwidth brackets into ASCII ones) are folded further and read.
    if text.isascii() and not _ASCII_BRACKETS.search(text):
        return []  # NFKC leaves ASCII as it is: no line of it can hold a bracket
    lines = unicodedata.normalize("NFKC", _EXACT.sub(" ", text)).split("\n")
    brackets = _tables()[0]
    return [
        Problem(
            path,
            number,
            field,
            "this looks like a redaction mark but is not one, so the text it marks would be published",
            REDACT_HINT,
        )
        for number, line in enumerate(lines, first_line)
        if brackets.search(line) and _near_mark(_normal(line))
    ]


def comment_problems(body: str, body_line: int, path: str) -> list[Problem]:
    """An HTML comment that is never closed, or an opening that is almost `<!--`."""
    problems = []
    position = 0
    while (start := body.find("<!--", position)) >= 0:
        end = body.find("-->", start + 4)
        if end < 0:
            problems.append(
                Problem(
                    path,
                    body_line + body.count("\n", 0, start),
                    "body",
                    "this HTML comment is never closed with -->",
                    COMMENT_HINT,
                )
            )
            break
        position = end + 3
    if not any(match.group() != "<!--" for match in _COMMENT_NEAR.finditer(body)):
        return problems  # (one pass over the text; the lines are read only to name them)
    for number, line in enumerate(body.split("\n"), body_line):
        if any(match.group() != "<!--" for match in _COMMENT_NEAR.finditer(line)):
            problems.append(
                Problem(
                    path,
                    number,
                    "body",
                    "this looks like an HTML comment (an editor's note) but is not one, so it would be published",
                    COMMENT_HINT,
                )
            )
    return problems
