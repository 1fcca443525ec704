"""The mapping files users write for `harvest intake --mapping` and `harvest import --mapping`.

Both are small YAML files of `key: value` lines. This module reads one the way every Harvest
file is read (strict UTF-8, safe YAML, duplicate keys, anchors and deep nesting refused, a line
for each key) and refuses keys the command does not know; each command then checks the values
of its own keys (`intake.spreadsheet.load_column_mapping`, `importer.mapping.load_import_mapping`)
and reports every mistake at once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harvest.core.parse import decode_text, load_yaml_mapping
from harvest.core.problems import HarvestError, Problem, did_you_mean

MAX_MAPPING_BYTES = 1_000_000


@dataclass
class MappingFile:
    display: str  # the file, as messages name it
    data: dict[str, Any]
    lines: dict[str, int]  # key -> its line in the file
    problems: list[Problem] = field(default_factory=list)

    def refuse(self, key: str, message: str, hint: str = "", field: str | None = None) -> None:
        """Note a problem with `key` (on its line); `field` names it more precisely (`columns.titel`)."""
        self.problems.append(Problem(self.display, self.lines.get(key), field or key, message, hint))

    def raise_problems(self) -> None:
        if self.problems:
            raise HarvestError(self.problems)


def load_mapping_file(file: Path, display: str, keys: Sequence[str]) -> MappingFile:
    """Read `file`; raises HarvestError when it cannot be read or is not a YAML mapping. Keys
    other than `keys` are noted in `problems` (the caller adds its own, then `raise_problems`)."""
    if not file.is_file():
        raise HarvestError([Problem(display, None, "file", "mapping file not found")])
    try:
        data = file.read_bytes()
    except OSError as exc:
        raise HarvestError([Problem(display, None, "file", f"cannot read the mapping file: {exc.strerror}")]) from None
    text, problems = decode_text(data, display, MAX_MAPPING_BYTES)
    if text is None:
        raise HarvestError(problems)
    mapping, lines, problems = load_yaml_mapping(text, display, first_line=1) if text.strip() else ({}, {}, [])
    if mapping is None:
        raise HarvestError(problems)
    loaded = MappingFile(display, mapping, lines)
    for key in mapping:
        if key not in keys:
            loaded.refuse(key, "unknown mapping key", did_you_mean(key, keys))
    return loaded
