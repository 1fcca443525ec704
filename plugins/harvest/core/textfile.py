"""Text that people made elsewhere: bytes -> text, and which delimiter a CSV export uses.

One decoder for every file we read (stories, mapping files, vocabularies, spreadsheets,
imported posts): a UTF-8 BOM is dropped, CRLF and CR become '\\n', a NUL byte means "not
text". Two policies, because the files come from two places:

- strict (the default; files written for Harvest): UTF-16 and invalid UTF-8 are refused, with
  the line of the first bad byte, so nobody publishes mangled accents;
- legacy (`harvest import`: old blogs written by many tools): UTF-16 with a BOM is read, and
  invalid UTF-8 is read as Windows-1252 (Latin-1 where even that fails), with a note asking
  someone to check the accents.
"""

from __future__ import annotations

import codecs
import csv

UTF8_BOM = codecs.BOM_UTF8
UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


class Undecodable(ValueError):
    """The bytes are not text we can read: `message`, the file `line` if known, and a `hint`."""

    def __init__(self, message: str, line: int | None = None, hint: str = ""):
        super().__init__(message)
        self.message, self.line, self.hint = message, line, hint


def decode(data: bytes, *, legacy: bool = False, binary_hint: str = "") -> tuple[str, str | None]:
    """Bytes -> (text with '\\n' line endings, a note for the reader or None). Raises Undecodable.
    `binary_hint` tells the caller's users what to do with a file that is not text at all."""
    if data.startswith(UTF16_BOMS):
        if not legacy:
            raise Undecodable("file is UTF-16 encoded", 1, "save it as UTF-8")
        try:
            return _lines(data.decode("utf-16")), None
        except UnicodeDecodeError:
            raise Undecodable("file starts like UTF-16 but is not valid UTF-16", hint="save it as UTF-8") from None
    if b"\x00" in data:
        raise Undecodable("not a text file (it contains binary data)", hint=binary_hint)
    data = data.removeprefix(UTF8_BOM)
    try:
        return _lines(data.decode("utf-8")), None
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        if not legacy:
            raise Undecodable(
                f"not valid UTF-8 (byte 0x{data[exc.start]:02x})",
                line,
                "save the file as UTF-8 (in most editors: Save with encoding → UTF-8)",
            ) from None
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError:
            text = data.decode("latin-1")  # never fails: every byte is a character
        return _lines(text), (
            f"not valid UTF-8 (byte 0x{data[exc.start]:02x} on line {line}); read as "
            "Windows-1252/Latin-1 — check accented letters in the imported story"
        )


def _lines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


# --- CSV ------------------------------------------------------------------------------------------

CSV_DELIMITERS = ",;\t"
SNIFF_LINES = 10  # csv.Sniffer judges consistency over chunks of 10 lines
SNIFF_CHARS = 16_384  # its quote search is a backtracking regex: keep the sample short


def csv_delimiter(text: str) -> str:
    """The delimiter of a spreadsheet export: ',' or, in many locales, ';', or a tab.

    `csv.Sniffer` is asked about each of the three alone (`delimiters=`): left to itself it
    picks any character that occurs equally often on every line ('t' for a one-column sheet
    headed "Title", a space, a letter), and between two that both fit it prefers ',' by a fixed
    order, which is wrong for "Title;Date;Lessons (a, b)" above rows like "x;2020;a, b". So it
    only rules out the candidates that do not occur alike on the first lines (or in the
    heading row); of those left, the one the heading row uses most wins (ties: ',' then ';'),
    and when it rules out all three (one column, rows too ragged to judge) the heading row
    alone decides, ',' when it has none of them."""
    heading = text.split("\n", 1)[0]
    sample = "\n".join(text[:SNIFF_CHARS].split("\n")[:SNIFF_LINES])
    candidates = [d for d in CSV_DELIMITERS if d in heading and _fits(sample, d)] or list(CSV_DELIMITERS)
    best = max(candidates, key=heading.count)
    return best if heading.count(best) else ","


def _fits(sample: str, delimiter: str) -> bool:
    try:
        return csv.Sniffer().sniff(sample, delimiters=delimiter).delimiter == delimiter
    except csv.Error:
        return False
