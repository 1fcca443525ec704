"""Characters that make text say something other than it shows: control characters, line breaks
in one-line fields, and bidirectional overrides (the "Trojan Source" trick, CVE-2021-42574).

Bidi *overrides and isolates* (U+202A–202E, U+2066–2069) reorder the text that follows them, so a
title or file name can display one thing and be another; they are refused everywhere. The bidi
*marks* U+200E/U+200F/U+061C only set the direction of one position and are needed to write mixed
Arabic/Hebrew and Latin text correctly, so they are allowed in text fields; file names (which no
one needs to write right-to-left marks into) refuse them and every other invisible format character.
"""

from __future__ import annotations

import unicodedata

BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
BIDI_MARKS = frozenset("\u200e\u200f\u061c")
LINE_BREAKS = frozenset("\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")  # what str.splitlines() splits on


def describe(ch: str) -> str:
    name = unicodedata.name(ch, "")
    return f"U+{ord(ch):04X}" + (f" {name}" if name else "")


def unsafe_char(text: str, one_line: bool = True) -> str | None:
    """The first character a text field may not hold, described for the user; None if clean.
    Tabs and line breaks are allowed only when `one_line` is False."""
    for ch in text:
        if ch in BIDI_CONTROLS:
            return (
                f"a bidirectional override character ({describe(ch)}), which can make text display "
                f"differently from what it is"
            )
        if ch in LINE_BREAKS or ch == "\t":
            if one_line:
                return f"a line break or tab ({describe(ch)}); this field is one line"
            continue
        if unicodedata.category(ch) in ("Cc", "Cs"):
            return f"a control character ({describe(ch)})"
    return None


def unsafe_name_char(name: str) -> str | None:
    """For file and folder names: controls, line breaks, bidi marks and invisible format characters."""
    for ch in name:
        category = unicodedata.category(ch)
        if category in ("Cc", "Cs", "Cf", "Zl", "Zp") or ch in BIDI_CONTROLS or ch in BIDI_MARKS:
            kind = (
                "a bidirectional control character"
                if ch in BIDI_CONTROLS | BIDI_MARKS
                else "a line break"
                if ch in LINE_BREAKS
                else "an invisible or control character"
            )
            return f"{kind} ({describe(ch)})"
    return None
