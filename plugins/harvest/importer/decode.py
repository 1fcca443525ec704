"""Read source files as text, and split Markdown posts into front matter + body.

Old blogs were written by many tools: we accept a BOM, CRLF/CR line endings,
UTF-16 with a BOM, and files that are not UTF-8 (read as Windows-1252, which
also covers Latin-1, with a warning so someone checks the accents). Anything
else that cannot be read is skipped with its reason, never fatal.
"""
from __future__ import annotations

import datetime as dt
import json
import re
import tomllib
from dataclasses import dataclass

from harvest.core.nesting import DEPTH_HINT, MAX_DEPTH, TooDeep, bounded, depth
from harvest.core.parse import load_yaml_mapping

UTF8_BOM = b"\xef\xbb\xbf"
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
_TOML_LINE = re.compile(r"\(at line (\d+), column \d+\)")


class Skip(Exception):
    """This source item cannot be imported; `reason` says why (and `line` where, if known)."""

    fatal = False

    def __init__(self, reason: str, line: int | None = None, hint: str = ""):
        super().__init__(reason)
        self.reason, self.line, self.hint = reason, line, hint


class Refused(Skip):
    """Not a sloppy post but a hostile or unsafe one (a link out of the source, structure nested
    thousands deep): the whole import stops, naming it, and writes nothing."""

    fatal = True


def too_deep(line: int | None = 1) -> Refused:
    return Refused(str(TooDeep()), line, DEPTH_HINT)


def decode(data: bytes) -> tuple[str, str | None]:
    """Bytes -> (text with '\\n' line endings, warning or None). Raises Skip."""
    if data.startswith(UTF16_BOMS):
        try:
            text, note = data.decode("utf-16"), None
        except UnicodeDecodeError:
            raise Skip("file starts like UTF-16 but is not valid UTF-16", hint="save it as UTF-8") from None
    else:
        if b"\x00" in data:
            raise Skip("not a text file (it contains binary data)")
        if data.startswith(UTF8_BOM):
            data = data[len(UTF8_BOM):]
        try:
            text, note = data.decode("utf-8"), None
        except UnicodeDecodeError as exc:
            line = data[: exc.start].count(b"\n") + 1
            try:
                text = data.decode("cp1252")
            except UnicodeDecodeError:
                text = data.decode("latin-1")
            note = (f"not valid UTF-8 (byte 0x{data[exc.start]:02x} on line {line}); read as Windows-1252/Latin-1 — "
                    "check accented letters in the imported story")
    return text.replace("\r\n", "\n").replace("\r", "\n"), note


@dataclass
class Post:
    meta: dict
    body: str
    body_line: int  # file line where the body starts
    field_lines: dict[str, int]


def split_post(text: str, display: str) -> Post:
    """Front matter in YAML (`---`), TOML (`+++`) or JSON (`{`) + the Markdown body. Raises Skip."""
    lines = text.split("\n")
    first = lines[0].strip() if lines else ""
    if first in ("---", "+++"):
        closers = ("---", "...") if first == "---" else ("+++",)
        end = next((i for i in range(1, len(lines)) if lines[i].rstrip() in closers), None)
        if end is None:
            raise Skip("front matter is not closed", 1, f"add a line '{closers[0]}' after the last field")
        source, body, body_line = "\n".join(lines[1:end]), "\n".join(lines[end + 1:]), end + 2
        meta, field_lines = (_yaml(source, display) if first == "---" else (_toml(source), {}))
    elif first.startswith("{"):
        meta, consumed = _json_front(text)
        body_line = text.count("\n", 0, consumed) + 2
        body, field_lines = text[consumed:].lstrip(" \t").removeprefix("\n"), {}
    else:
        raise Skip("no front matter", 1, "a post starts with '---' (YAML) or '+++' (TOML) and its fields")
    if not isinstance(meta, dict) or not meta:
        raise Skip("front matter is empty or not a list of fields", 1)
    return Post(meta, body, body_line, field_lines)


def _yaml(source: str, display: str) -> tuple[dict, dict[str, int]]:
    if not source.strip():
        return {}, {}
    try:
        meta, field_lines, problems = load_yaml_mapping(source, display, first_line=2)
    except RecursionError:
        raise too_deep() from None
    if meta is not None and depth(meta) > MAX_DEPTH:
        raise too_deep()
    if meta is None:
        problem = problems[0]
        raise Skip(problem.message, problem.line, problem.hint)
    return meta, field_lines


def _toml(source: str) -> dict:
    try:
        return _plain(bounded(tomllib.loads, source))
    except TooDeep:
        raise too_deep() from None
    except tomllib.TOMLDecodeError as exc:
        match = _TOML_LINE.search(str(exc))
        raise Skip(f"invalid TOML front matter: {_TOML_LINE.sub('', str(exc)).strip()}",
                   int(match.group(1)) + 1 if match else 1,
                   "check quotes and brackets; strings in TOML need quotes") from None


def _json_front(text: str) -> tuple[dict, int]:
    try:
        meta, end = bounded(json.JSONDecoder().raw_decode, text)
    except TooDeep:
        raise too_deep() from None
    except json.JSONDecodeError as exc:
        raise Skip(f"invalid JSON front matter: {exc.msg}", exc.lineno) from None
    return meta, end


def _plain(value):
    """TOML dates/times become ISO strings, like the YAML loader keeps them."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    return value
