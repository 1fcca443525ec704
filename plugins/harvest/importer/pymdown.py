"""Material for MkDocs / pymdownx syntax -> Markdown and HTML the archive renders without extensions.

Converted on import rather than supported in the archive: the archive's Markdown stays plain
and portable (any future engine, the digests' renderer, a text editor), and the output is
only what the sanitiser already keeps:

- admonitions `!!! note "Title"` -> `<div class="admonition note" markdown="1">` with an
  `admonition-title` paragraph (Material styles it exactly as the old site did);
- collapsible blocks `??? note` / `???+ note` -> `<details class="note" [open]>` + `<summary>`;
- content tabs `=== "Tab"` -> a bold label followed by the tab's content, one after another;
- emoji shortcodes `:calendar:` -> the Unicode character (pymdownx's own twemoji index, the
  one Material uses: no image, no outside request). Material's icons (`:material-calendar:`,
  `:fontawesome-…:`) are inline SVG the sanitiser does not keep: the emoji of the same name
  when there is one, else removed with a note. Unknown `:words:` stay as written, as they did
  on the old site (pymdownx leaves them as text too).
"""

from __future__ import annotations

import html
import re
from functools import lru_cache

from harvest.core.sanitize import ADMONITION_KINDS

_BLOCK = re.compile(
    r"^(?P<indent>[ \t]*)(?P<marker>!!!|\?\?\?\+?)[ \t]+(?P<kind>[A-Za-z][\w-]*)"
    r'(?P<extra>(?:[ \t]+[A-Za-z][\w-]*)*)[ \t]*(?:"(?P<title>[^"]*)")?[ \t]*$'
)
_BARE_BLOCK = re.compile(r'^(?P<indent>[ \t]*)(?P<marker>!!!|\?\?\?\+?)[ \t]*(?:"(?P<title>[^"]*)")?[ \t]*$')
_TAB = re.compile(r'^(?P<indent>[ \t]*)===[!+]?[ \t]+"(?P<title>[^"]*)"[ \t]*$')
_FENCE = re.compile(r"^[ \t]*(`{3,}|~{3,})")
# `:name:` not inside a word, a time (10:30:00) or a URL; names as pymdownx writes them.
SHORTCODE = re.compile(r"(?<![\w:/]):([a-z0-9+-][a-z0-9_+-]*):(?![\w/])")
ICON_SETS = ("material-", "fontawesome-", "octicons-", "simple-")


@lru_cache(maxsize=1)
def _emoji_index() -> tuple[dict, dict]:
    import pymdownx.twemoji_db as twemoji  # Material's default index; data only, loaded on first use

    return twemoji.emoji, twemoji.aliases


def emoji_for(name: str) -> str | None:
    """`calendar` -> 📆; icons (`material-calendar-month`) -> the emoji of the closest name; else None."""
    emoji, aliases = _emoji_index()
    candidates = [name]
    for prefix in ICON_SETS:
        if name.startswith(prefix):
            words = [
                w
                for w in name[len(prefix) :].split("-")
                if w not in ("brands", "solid", "regular", "outline", "16", "24")
            ]
            candidates = ["_".join(words[:n]) for n in range(len(words), 0, -1)]
            break
    for candidate in candidates:
        code = f":{candidate}:"
        code = aliases.get(code, code)
        if code in emoji:
            return "".join(chr(int(point, 16)) for point in emoji[code]["unicode"].split("-"))
    return None


def replace_shortcodes(text: str, dropped: list[str]) -> str:
    """Emoji shortcodes -> Unicode; icons with no emoji are removed (listed in `dropped`)."""

    def replace(match: re.Match) -> str:
        name = match.group(1)
        found = emoji_for(name)
        if found:
            return found
        if name.startswith(ICON_SETS):
            dropped.append(match.group(0))
            return ""
        return match.group(0)

    return SHORTCODE.sub(replace, text) if ":" in text else text


def has_blocks(text: str) -> bool:
    return "!!!" in text or "???" in text or "===" in text


def convert_blocks(lines: list[str]) -> list[str]:
    """Admonitions, collapsible blocks and content tabs -> plain Markdown + kept HTML (outside code)."""
    out: list[str] = []
    index, fence = 0, None
    while index < len(lines):
        line = lines[index]
        marker = _FENCE.match(line)
        if fence:
            if marker and marker.group(1).startswith(fence):
                fence = None
            out.append(line)
            index += 1
            continue
        if marker:
            fence = marker.group(1)[0] * 3
            out.append(line)
            index += 1
            continue
        block = _BLOCK.match(line) or _BARE_BLOCK.match(line)
        found = block or _TAB.match(line)
        if found is None:
            out.append(line)
            index += 1
            continue
        indent = found.group("indent").replace("\t", "    ")
        body, index = _indented_body(lines, index + 1, len(indent) + 4)
        body = convert_blocks(body)
        if block:
            out += _html_block(block, indent, body)
        else:  # a content tab
            out += ["", f"{indent}**{found.group('title').strip() or 'Tab'}**", "", *_reindent(body, indent), ""]
    return out


def _indented_body(lines: list[str], start: int, width: int) -> tuple[list[str], int]:
    """The block's content: the following lines indented by `width` (blank lines inside included),
    dedented; -> (content, index of the first line after the block)."""
    body, index = [], start
    while index < len(lines):
        line = lines[index].replace("\t", "    ")
        if line.strip() and len(line) - len(line.lstrip(" ")) < width:
            break
        body.append(line[width:] if line.strip() else "")
        index += 1
    while body and not body[-1].strip():  # trailing blank lines belong after the block
        body.pop()
        index -= 1
    return body, index


def _reindent(body: list[str], indent: str) -> list[str]:
    return [indent + line if line.strip() else "" for line in body]


def _html_block(block: re.Match, indent: str, body: list[str]) -> list[str]:
    kind = (block.groupdict().get("kind") or "note").lower()
    kind = kind if kind in ADMONITION_KINDS else "note"
    title = block.group("title")
    if title is None:
        title = (block.groupdict().get("kind") or "Note").replace("-", " ").capitalize()
    title = html.escape(" ".join(title.split()), quote=False)
    marker = block.group("marker")
    if marker == "!!!":
        opening = [f'{indent}<div class="admonition {kind}" markdown="1">']
        if title:
            opening.append(f'{indent}<p class="admonition-title">{title}</p>')
        closing = f"{indent}</div>"
    else:
        opened = " open" if marker.endswith("+") else ""
        opening = [
            f'{indent}<details class="{kind}"{opened} markdown="1">',
            f"{indent}<summary>{title or kind.capitalize()}</summary>",
        ]
        closing = f"{indent}</details>"
    return ["", *opening, "", *_reindent(body, indent), "", closing, ""]
