"""Split foreign Markdown posts into front matter (YAML `---`, TOML `+++`, JSON `{`) + body.

Old blogs were written by many tools: files are decoded leniently (`decode`, see
`harvest.core.textfile`). An item that cannot be read is skipped with its reason; a hostile
one (nested thousands deep) is refused and stops the import.

The fail-closed rules of story files hold here too: a key given twice, or twice but for case
or spaces, is refused in every format (YAML through `core.parse`, JSON through `unique_keys`,
TOML through `tomllib` + `unique_keys`); YAML is safe-loaded with anchors refused; nesting is
bounded (`core.nesting`); errors carry the line where the parser knows it.

python-frontmatter is not used (its pin was dropped in issue 14): with 1.3.0 each of those
rules would be lost. Its YAML handler is `yaml.load(SafeLoader)`: the last of two
`visibility:` keys wins silently, `&anchor`/`*alias` are expanded, dates become `datetime`s
and no key has a line. Its TOML handler exists only with the unmaintained `toml` package (it
is None without it). Its JSON handler keeps the last duplicate key, does not detect one-line
`{"title": …}` front matter, and splits at the first line that is just `}` (a nested object's
end). Its splitter accepts `----` but not YAML's `...` end marker, and strips the blank lines
after the closing fence, so the body's first line number is lost. What is left of it (finding
the fences) is the ten lines of `split_post`.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import tomllib
from dataclasses import dataclass

from harvest.core import parse, textfile
from harvest.core.nesting import DEPTH_HINT, MAX_DEPTH, TooDeep, bounded, depth
from harvest.core.parse import TOO_DEEP, load_yaml_mapping

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


class DuplicateKey(Skip):
    """A field named twice: a reader would silently keep one of the two values."""

    def __init__(self, first: str, second: str, line: int | None = None):
        same = "is given twice" if first == second else f"clashes with '{first}'"
        super().__init__(
            f"field '{second}' {same}", line, "keep one of them: the other value would be silently dropped"
        )


def unique_keys(pairs: list[tuple[str, object]]) -> dict:
    """`object_pairs_hook` for JSON (and a check for TOML tables): refuse a key given twice, or
    twice but for case, spaces or invisible characters, as YAML front matter is refused
    (`core.parse.key_form`); JSON parsers keep the last one silently. Raises DuplicateKey."""
    seen: dict[str, str] = {}
    for key, _ in pairs:
        form = parse.key_form(str(key))
        if form in seen:
            raise DuplicateKey(seen[form], str(key))
        seen[form] = str(key)
    return dict(pairs)


def decode(data: bytes) -> tuple[str, str | None]:
    """Bytes -> (text with '\\n' line endings, warning or None), read leniently as old blogs need
    (`harvest.core.textfile`, legacy). Raises Skip."""
    try:
        return textfile.decode(data, legacy=True)
    except textfile.Undecodable as exc:
        raise Skip(exc.message, exc.line, exc.hint) from None


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
        source, body, body_line = "\n".join(lines[1:end]), "\n".join(lines[end + 1 :]), end + 2
        meta, field_lines = _yaml(source, display) if first == "---" else (_toml(source), {})
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
        if problem.message == TOO_DEEP:  # hostile, not merely broken: refused like deep TOML and JSON
            raise too_deep()
        raise Skip(problem.message, problem.line, problem.hint)
    return meta, field_lines


def _toml(source: str) -> dict:
    try:
        return _plain(bounded(tomllib.loads, source))
    except TooDeep:
        raise too_deep() from None
    except tomllib.TOMLDecodeError as exc:
        match = _TOML_LINE.search(str(exc))
        raise Skip(
            f"invalid TOML front matter: {_TOML_LINE.sub('', str(exc)).strip()}",
            int(match.group(1)) + 1 if match else 1,
            "check quotes and brackets; strings in TOML need quotes",
        ) from None


def _json_front(text: str) -> tuple[dict, int]:
    try:
        meta, end = bounded(json.JSONDecoder(object_pairs_hook=unique_keys).raw_decode, text)
    except TooDeep:
        raise too_deep() from None
    except json.JSONDecodeError as exc:
        raise Skip(f"invalid JSON front matter: {exc.msg}", exc.lineno) from None
    return meta, end


def _plain(value):
    """TOML dates/times become ISO strings, like the YAML loader keeps them; keys that differ
    only in case are refused (tomllib itself refuses exact duplicates)."""
    if isinstance(value, dict):
        return unique_keys([(str(k), _plain(v)) for k, v in value.items()])
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    return value
