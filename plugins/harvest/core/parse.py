"""Read one story file: bytes -> front matter (with line numbers) + Markdown body.

Every way a file can be unreadable becomes a `Problem`; nothing raises for user input.

Our own reader, not python-frontmatter's `frontmatter.load`: that one calls `yaml.load` and
returns a dict, and every rule below needs the YAML event stream or node tree it throws
away. We refuse anchors/aliases and deep nesting before any node is built (`_scan_events`),
refuse a key given twice, or twice but for case or spaces, which PyYAML resolves silently
by keeping the last (`visibility: private` … `visibility: public`), keep dates as the text
written, and report the line of every field (`RawStory.field_lines`) so each problem names
file, line and field. Its fence splitting also differs (`----` accepted, `...` not) and
drops the blank lines after the closing fence, so the body's first line would be unknown.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import yaml

from harvest.core import textfile
from harvest.core.problems import Problem

if TYPE_CHECKING:  # the C loader has the Python one's interface
    _SafeBase = yaml.SafeLoader
else:
    _SafeBase = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when present: same rules, faster
_TIMESTAMP = "tag:yaml.org,2002:timestamp"


class _Mark(Protocol):  # where PyYAML (or libyaml) read something
    @property
    def line(self) -> int: ...


LineOf = Callable[[_Mark | None], int]  # a mark -> its line in the story file


class FrontMatterLoader(_SafeBase):
    """PyYAML's safe loader, but dates stay strings so we can report impossible ones ourselves."""


FrontMatterLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != _TIMESTAMP]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}

BINARY_HINT = "story files must be Markdown text; put images next to the story and list them under `images`"
FRONT_MATTER_HINT = "start the file with a line '---', then the fields (title: …), then another '---'"


@dataclass
class RawStory:
    meta: dict[Any, Any]  # as YAML gave it: keys are not always text
    body: str
    body_line: int  # file line where the body starts
    field_lines: dict[str, int] = field(default_factory=dict)
    text: str = ""  # the whole normalised text (for hashing)

    def line_of(self, name: str) -> int:
        return self.field_lines.get(name, 1)


def decode_text(data: bytes, path: str, max_bytes: int) -> tuple[str | None, list[Problem]]:
    """Bytes -> text with '\\n' line endings (`harvest.core.textfile`, strict), or the problem that stops us."""
    if len(data) > max_bytes:
        return None, [
            Problem(
                path,
                None,
                "file",
                f"file is {len(data) // 1024} KB, over the {max_bytes // 1024} KB limit",
                "split it into several stories, or move large media out of the text",
            )
        ]
    try:
        text, _ = textfile.decode(data, binary_hint=BINARY_HINT)
    except textfile.Undecodable as exc:
        return None, [Problem(path, exc.line, "file", exc.message, exc.hint)]
    return text, []


def split_front_matter(text: str, path: str) -> tuple[str, str, int] | Problem:
    """-> (yaml text, body, body start line) or the problem."""
    lines = text.split("\n")
    if not lines or lines[0].rstrip() != "---":
        return Problem(path, 1, "front matter", "no front matter", FRONT_MATTER_HINT)
    for index in range(1, len(lines)):
        if lines[index].rstrip() in ("---", "..."):
            return "\n".join(lines[1:index]), "\n".join(lines[index + 1 :]), index + 2
    return Problem(path, 1, "front matter", "front matter is not closed", "add a line '---' after the last field")


MAX_DEPTH = 20  # lists/mappings inside each other; stories need 2, vocabularies 3
TOO_DEEP = f"values are nested more than {MAX_DEPTH} levels deep"
MERGE_KEY = "<<"


def _scan_events(source: str, path: str, at: LineOf) -> list[Problem]:
    """Refuse anchors/aliases and deep nesting on the event stream, before any node is built:
    composing or printing a 20,000-deep value would end in a RecursionError."""
    depth = 0
    for event in yaml.parse(source, Loader=FrontMatterLoader):
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            return [
                Problem(
                    path,
                    at(event.start_mark),
                    "front matter",
                    "YAML anchors and aliases (&name, *name) are not allowed",
                    "write the value out in full",
                )
            ]
        if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            depth += 1
            if depth > MAX_DEPTH:
                return [
                    Problem(
                        path,
                        at(event.start_mark),
                        "front matter",
                        TOO_DEEP,
                        "fields are plain text, dates and short lists: remove the extra brackets",
                    )
                ]
        elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            depth -= 1
    return []


def key_form(name: str) -> str:
    """What a field name looks like to a reader: case, surrounding spaces and invisible characters aside."""
    name = unicodedata.normalize("NFKC", name)
    return "".join(ch for ch in name if unicodedata.category(ch) != "Cf").strip().casefold()


def _mapping_problems(node: yaml.Node, path: str, at: LineOf, where: str = "") -> list[Problem]:
    """Duplicate keys (exact, or equal but for case/spaces) and non-text or merge keys, at every level.
    PyYAML keeps the last of two equal keys silently: `visibility: private` … `visibility: public`."""
    problems = []
    if isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            problems += _mapping_problems(item, path, at, f"{where}[{index}]")
        return problems
    if not isinstance(node, yaml.MappingNode):
        return problems
    seen: dict[str, tuple[str, int]] = {}
    for key_node, value_node in node.value:
        line = at(key_node.start_mark)
        if not isinstance(key_node, yaml.ScalarNode):
            problems.append(
                Problem(
                    path, line, where or "front matter", "field names must be text", "write each field as `name: value`"
                )
            )
            continue
        name = key_node.value
        field = f"{where}.{name}" if where else name
        if name == MERGE_KEY or key_node.tag == "tag:yaml.org,2002:merge":
            problems.append(
                Problem(path, line, field, "YAML merge keys (<<) are not allowed", "write each field out in full")
            )
            continue
        form = key_form(name)
        if form in seen:
            first, first_line = seen[form]
            same = "is given twice" if first == name else f"clashes with '{first}'"
            problems.append(
                Problem(
                    path,
                    line,
                    field,
                    f"{same} (lines {first_line} and {line})",
                    "keep one of them: YAML would silently use only the last one",
                )
            )
        else:
            seen[form] = (name, line)
        problems += _mapping_problems(value_node, path, at, field)
    return problems


def load_yaml_mapping(
    source: str, path: str, first_line: int
) -> tuple[dict[Any, Any] | None, dict[str, int], list[Problem]]:
    """Safe-load a YAML mapping; anchors/aliases, deep nesting, duplicate keys, unsafe tags and
    syntax errors are problems with their line."""

    def at(mark: _Mark | None) -> int:
        return first_line + (mark.line if mark else 0)

    try:
        problems = _scan_events(source, path, at)
        if problems:
            return None, {}, problems
        loader = FrontMatterLoader(source)
        try:
            node = loader.get_single_node()
            if node is None:
                return None, {}, [Problem(path, first_line, "front matter", "front matter is empty", FRONT_MATTER_HINT)]
            if not isinstance(node, yaml.MappingNode):
                return (
                    None,
                    {},
                    [
                        Problem(
                            path,
                            at(node.start_mark),
                            "front matter",
                            "front matter must be a list of `field: value` lines",
                            FRONT_MATTER_HINT,
                        )
                    ],
                )
            problems = _mapping_problems(node, path, at)
            if problems:
                return None, {}, problems
            lines = {key_node.value: at(key_node.start_mark) for key_node, _ in node.value}
            data = loader.construct_document(node)
        finally:
            loader.dispose()
    except yaml.constructor.ConstructorError as exc:
        mark = exc.problem_mark or exc.context_mark
        return (
            None,
            {},
            [
                Problem(
                    path,
                    at(mark) if mark else first_line,
                    "front matter",
                    f"YAML tag not allowed: {exc.problem}",
                    "remove the `!tag`; story fields are plain text, lists and dates",
                )
            ],
        )
    except yaml.MarkedYAMLError as exc:
        mark = exc.context_mark or exc.problem_mark  # where the broken construct starts: what to fix
        problem = (exc.problem or exc.context or "invalid YAML").strip()
        return (
            None,
            {},
            [
                Problem(
                    path,
                    at(mark) if mark else first_line,
                    "front matter",
                    f"invalid YAML: {problem}",
                    "check indentation, and quote values that contain ': ' or start with a special character",
                )
            ],
        )
    except yaml.YAMLError as exc:
        return None, {}, [Problem(path, first_line, "front matter", f"invalid YAML: {exc}", FRONT_MATTER_HINT)]
    if any(not isinstance(key, str) for key in data):
        return (
            None,
            {},
            [
                Problem(
                    path, first_line, "front matter", "field names must be text", "write each field as `name: value`"
                )
            ],
        )
    return data, lines, []


def read_story(file: Path, display: str, max_bytes: int) -> tuple[RawStory | None, list[Problem]]:
    try:
        data = file.read_bytes()
    except OSError as exc:
        return None, [Problem(display, None, "file", f"cannot read file: {exc.strerror}")]
    return parse_story_bytes(data, display, max_bytes)


def parse_story_bytes(data: bytes, display: str, max_bytes: int) -> tuple[RawStory | None, list[Problem]]:
    text, problems = decode_text(data, display, max_bytes)
    if text is None:
        return None, problems
    return parse_story_text(text, display)


def parse_story_text(text: str, display: str) -> tuple[RawStory | None, list[Problem]]:
    """A story file's (decoded, '\\n'-ended) text -> front matter + body, or the problems."""
    parts = split_front_matter(text, display)
    if isinstance(parts, Problem):
        return None, [parts]
    source, body, body_line = parts
    meta, lines, problems = load_yaml_mapping(source, display, first_line=2)
    if meta is None:
        return None, problems
    return RawStory(meta=meta, body=body, body_line=body_line, field_lines=lines, text=text), []
