"""Read-aloud screens: a story's title screen, its text in screens that fit, and its closing screen.

A part (the opening, or one prompt answer) can be long: an imported blog post without prompt
headings is a single part of a quarter of an hour. Here each part's HTML is cut, at build time,
into screens of a bounded number of words, only between top-level blocks (a paragraph, a whole
list, a whole block quote), so the cut is the same in every browser and works without
JavaScript. A block longer than a screen stays whole (the view scrolls); a heading stays with
the block after it. Plain Python: the `harvest-readaloud` plugin adapts this to pages.
"""

from __future__ import annotations

import html as htmllib
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from harvest.core.prompts import count_words
from harvest.site.htmltags import VOID, Tag, Text, read_tags, replace_ranges

HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
WITHHELD_CLASS = "harvest-withheld"  # core.privacy.WITHHELD_MARK
CUE = "a passage is withheld here"


@dataclass(frozen=True)
class Screen:
    """One screen of text: its HTML and its share of the part's words and seconds."""

    html: str
    words: int
    seconds: int


# A tag as the sanitiser writes one (core/sanitize.py): `<` in text is `&lt;`, a `>` can only be in a
# quoted value. A regular expression reads the few top-level blocks of a part several times faster
# than an HTML parser (this runs on every part of every story, in every build).
_TAG = re.compile(r"""<(/?)([a-zA-Z][a-zA-Z0-9-]*)(?:[^>"']|"[^"]*"|'[^']*')*>""")


def _blocks(html: str, stray: list[int] | None = None) -> Iterator[tuple[int, int, str, int]]:
    """(start, end, tag name or "", words) of each top-level element and run of text. They do
    not overlap, so their words add up to the words of `html`, unless an end tag stands at the
    top level (never from the sanitiser): its offset is then added to `stray`."""
    depth, cursor, start, name = 0, 0, 0, ""
    for match in _TAG.finditer(html):
        if depth == 0 and html[cursor : match.start()].strip():
            yield cursor, match.start(), "", _words(html[cursor : match.start()])
        tag = match.group(2).lower()
        if match.group(1):  # an end tag
            if depth == 0 and stray is not None:
                stray.append(match.start())
            depth = max(depth - 1, 0)
            if depth == 0:
                yield start, match.end(), name, _words(html[start : match.end()])
        elif tag in VOID or match.group(0).endswith("/>"):
            if depth == 0:
                yield match.start(), match.end(), tag, 0
        else:
            if depth == 0:
                start, name = match.start(), tag
            depth += 1
        cursor = match.end()
    if depth > 0:  # never closed (not from the sanitiser): the rest is one block
        yield start, len(html), name, _words(html[start:])
    elif html[cursor:].strip():
        yield cursor, len(html), "", _words(html[cursor:])


def _words(html: str) -> int:
    return count_words(htmllib.unescape(_TAG.sub(" ", html)))


def _units(html: str, stray: list[int] | None = None) -> list[tuple[int, int, int]]:
    """(start, end, words) of each top-level block; a heading is joined to the block after it."""
    units: list[tuple[int, int, int]] = []
    glued: tuple[int, int] | None = None  # a heading waiting for its block: (start, words)
    for start, end, name, words in _blocks(html, stray):
        if glued is not None:
            start, words = glued[0], glued[1] + words
            glued = None
        if name in HEADINGS:
            glued = (start, words)
            continue
        units.append((start, end, words))
    if glued is not None:  # a heading at the very end: it joins the block before it, or stands alone
        if units:
            start, _, words = units.pop()
            units.append((start, len(html), words + glued[1]))
        else:
            units.append((glued[0], len(html), glued[1]))
    return units


def split_part(html: str, max_words: int) -> list[tuple[str, int]]:
    """-> (HTML, words) of each screen, cut between top-level blocks, at most `max_words` each
    unless one block alone is longer.

    The cut minimises the sum of squared room left on each screen (as TeX breaks lines): few
    screens, and evenly filled, so a part of 130 words with a budget of 120 becomes 65 + 65,
    not 120 + 10. Only the blocks that fit in one screen are tried together, so it is linear
    in the number of blocks for a bounded budget.
    """
    if not html.strip():
        return []
    stray: list[int] = []
    units = _units(html, stray)  # each block's words counted once: the part's are their sum
    total = _words(html) if stray else sum(unit[2] for unit in units)
    if total <= max_words:  # most parts: one screen (the cut below would say so too, more slowly)
        return [(html.strip(), total)]
    count = len(units)
    best: list[float] = [0.0] + [float("inf")] * count
    cut_at = [0] * (count + 1)
    for end in range(1, count + 1):
        words = 0
        for start in range(end - 1, -1, -1):
            words += units[start][2]
            if words > max_words and end - start > 1:
                break
            slack = max(max_words - words, 0)
            cost = best[start] + slack * slack
            if cost < best[end]:
                best[end], cut_at[end] = cost, start
    bounds, end = [], count
    while end > 0:
        bounds.append((cut_at[end], end))
        end = cut_at[end]
    screens = []
    for first, last in reversed(bounds):
        start = 0 if first == 0 else units[first][0]  # text before the first block stays with it
        stop = len(html) if last == count else units[last][0]
        screens.append((html[start:stop].strip(), sum(u[2] for u in units[first:last])))
    return screens


def share(total: int, weights: Sequence[int]) -> list[int]:
    """`total` cut in proportion to `weights`, in whole numbers that add up to `total` exactly
    (largest remainders first; ties to the earlier screen). All weights 0: all to the first."""
    if not weights:
        return []
    weight = sum(weights)
    if weight <= 0:
        return [total] + [0] * (len(weights) - 1)
    exact = [total * w / weight for w in weights]
    shares = [int(x) for x in exact]
    order = sorted(range(len(weights)), key=lambda i: (-(exact[i] - shares[i]), i))
    for i in order[: total - sum(shares)]:
        shares[i] += 1
    return shares


def part_screens(html: str, words: int, seconds: int, max_words: int, lead: int = 0) -> tuple[Screen, list[Screen]]:
    """A part cut into screens, its words and seconds shared out by the words on each screen.

    `lead`: words read before the part's text (the title, on the title screen); -> (the lead's
    share, without HTML; the text's screens). An empty part has no screen: all goes to the lead."""
    pieces = split_part(html, max_words)
    weights = [lead] + [w for _, w in pieces]
    word_shares = share(words, weights)
    second_shares = share(seconds, weights)
    screens = [Screen(piece, w, s) for (piece, _), w, s in zip(pieces, word_shares[1:], second_shares[1:], strict=True)]
    return Screen("", word_shares[0], second_shares[0]), screens


def text_screens(
    parts: Sequence[tuple[int, int]], chunks: Sequence[str], title_words: int, max_words: int
) -> tuple[Screen, list[Screen]]:
    """The title screen's share and every text screen of a story, from its parts' (words, seconds)
    and HTML chunks: the opening part's time is shared between its title and its text."""
    title = Screen("", 0, 0)
    screens: list[Screen] = []
    for number, ((words, seconds), chunk) in enumerate(zip(parts, chunks, strict=True)):
        lead, found = part_screens(chunk, words, seconds, max_words, title_words if number == 0 else 0)
        if number == 0:
            title = lead
        elif not found and screens:  # an empty part (never from a story page): its time stays counted
            last = screens[-1]
            screens[-1] = Screen(last.html, last.words + lead.words, last.seconds + lead.seconds)
        screens += [Screen(withheld_cues(s.html), s.words, s.seconds) for s in found]
    return title, screens


def withheld_cues(html: str) -> str:
    """Each `[withheld]` mark also carries a speakable cue the read-aloud view shows instead:
    a block of its own when the mark is a whole paragraph, a marked phrase inside a sentence.
    The page keeps showing "[withheld]" (the CSS switches); nothing of the passage is here."""
    if WITHHELD_CLASS not in html:
        return html
    items = read_tags(html)
    edits = []
    for index, item in enumerate(items):
        if not (isinstance(item, Tag) and item.name == "span" and not item.closing and WITHHELD_CLASS in item.classes):
            continue
        after = next(
            (later for later in range(index + 1, len(items)) if _closes(items[later], "span", item.depth)),
            None,
        )
        if after is None:
            continue
        closing = items[after]
        alone = _alone_in_paragraph(items, index, after, html)
        text = CUE[0].upper() + CUE[1:] + "." if alone else CUE
        kind = "block" if alone else "inline"
        mark = html[item.end : closing.start]
        edits.append(
            (
                item.start,
                closing.end,
                f'<span class="{WITHHELD_CLASS} harvest-withheld--{kind}">'
                f'<span class="harvest-withheld__mark">{mark}</span>'
                f'<span class="harvest-ra-cue">{text}</span></span>',
            )
        )
    return replace_ranges(html, edits)


def _closes(item: Tag | Text, name: str, depth: int) -> bool:
    return isinstance(item, Tag) and item.closing and item.name == name and item.depth == depth


def _alone_in_paragraph(items: list[Tag | Text], start: int, end: int, html: str) -> bool:
    """Is the mark from items[start] to items[end] all there is in its paragraph (a whole withheld paragraph)?"""

    def blank(item: Tag | Text) -> bool:
        return isinstance(item, Text) and not html[item.start : item.end].strip()

    before, after = start - 1, end + 1
    while before >= 0 and blank(items[before]):
        before -= 1
    while after < len(items) and blank(items[after]):
        after += 1
    if before < 0 or after >= len(items):
        return False
    opening = items[before]
    return (
        isinstance(opening, Tag)
        and opening.name == "p"
        and not opening.closing
        and _closes(items[after], "p", opening.depth)
    )


def credit_line(labels: Sequence[str], anonymous: int) -> str:
    """ "Priya Dandekar and Tomek", "Hanne and 2 anonymous contributors", "an anonymous contributor"."""
    names = list(labels)
    if anonymous == 1:
        names.append("an anonymous contributor" if not labels else "1 anonymous contributor")
    elif anonymous > 1:
        names.append(f"{anonymous} anonymous contributors")
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]
