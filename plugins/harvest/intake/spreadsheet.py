"""CSV exports from spreadsheets and form tools -> one answers dict per row.

Columns are matched to answers by their heading: the form labels ("Title", "Kind of
event", each prompt's title…), the field names ("event", "lessons"…) and the prompt ids,
ignoring case and punctuation. A small YAML mapping file can name other headings:

    columns:                     # answer -> the column heading in the first row
      title: Name of the action
      surprised: What surprised you most?   # a prompt id from mkdocs.yml
    date_format: "%d/%m/%Y"      # optional: how the sheet writes dates
    defaults:                    # optional: used when a cell is empty
      event: assembly

Rows are numbered as a spreadsheet shows them: the heading row is row 1.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

from harvest.core.mappingfile import load_mapping_file
from harvest.core.parse import decode_text
from harvest.core.problems import HarvestError, Problem, did_you_mean
from harvest.core.prompts import normalize_heading
from harvest.core.settings import Settings
from harvest.core.textfile import csv_delimiter
from harvest.intake.fields import FIELDS_BY_NAME, answer_keys, heading_index
from harvest.intake.issueform import Item

MAX_ROWS = 1000
MAX_CSV_BYTES = 10_000_000
MAPPING_KEYS = ("columns", "date_format", "defaults")


@dataclass
class ColumnMapping:
    """Which spreadsheet column holds which answer, from a `--mapping` file."""

    columns: dict[str, str] = field(default_factory=dict)  # answers key -> column heading
    date_format: str | None = None
    defaults: dict[str, str] = field(default_factory=dict)  # answers key -> value


def _answers_key(name: str) -> str:
    return name if name in FIELDS_BY_NAME else f"prompt:{name}"


def load_column_mapping(path: Path, settings: Settings) -> ColumnMapping:
    file = load_mapping_file(path, settings.display_path(path), MAPPING_KEYS)
    known = answer_keys(settings)
    result = ColumnMapping(date_format=file.data.get("date_format"))
    if result.date_format is not None and not isinstance(result.date_format, str):
        file.refuse("date_format", "should be text", 'e.g. date_format: "%d/%m/%Y"')
    for section in ("columns", "defaults"):
        value = file.data.get(section) or {}
        if not isinstance(value, dict):
            file.refuse(
                section, "should be a list of `answer: value` lines", f"e.g. {section}:\\n  title: Name of the action"
            )
            continue
        for name, cell in value.items():
            if name not in known:
                file.refuse(
                    section, "not a field or prompt id", did_you_mean(str(name), known), field=f"{section}.{name}"
                )
            elif not isinstance(cell, (str, int, float)) or isinstance(cell, bool):
                file.refuse(
                    section, "should be text", "quote it if it looks like something else", field=f"{section}.{name}"
                )
            else:
                getattr(result, section)[_answers_key(name)] = str(cell)
    file.raise_problems()
    return result


def read_csv(
    path: Path, settings: Settings, mapping: ColumnMapping, max_rows: int = MAX_ROWS, display: str | None = None
) -> tuple[list[Item], list[str]]:
    """-> (one Item per non-empty row, the headings that were ignored). File-level problems raise."""
    display = display or str(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise HarvestError([Problem(display, None, "file", f"cannot read file: {exc.strerror}")]) from None
    text, problems = decode_text(data, display, max_bytes=MAX_CSV_BYTES)
    if text is None:
        raise HarvestError(
            [
                p
                if "UTF-8" not in p.hint
                else Problem(p.path, p.line, p.field, p.message, "export or save the sheet as 'CSV UTF-8'")
                for p in problems
            ]
        )
    if not text.strip():
        raise HarvestError(
            [Problem(display, None, "file", "the file is empty", "export the sheet with its heading row")]
        )
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=csv_delimiter(text))
    try:
        headings = next(reader)
    except csv.Error as exc:
        raise HarvestError([Problem(display, 1, "file", f"cannot read the heading row: {exc}")]) from None
    columns, ignored = _columns(headings, mapping, settings, display)
    items: list[Item] = []
    row_number = 1
    while True:
        row_number += 1
        source = f"{display} row {row_number}"
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            items.append(
                Item(
                    source,
                    problems=[
                        Problem(
                            source,
                            None,
                            "row",
                            f"cannot read the CSV: {exc}",
                            "rows after this one were not read; check its quotes",
                        )
                    ],
                )
            )
            break
        if not any(cell.strip() for cell in row):
            continue
        if len(items) >= max_rows:
            raise HarvestError(
                [
                    Problem(
                        display,
                        None,
                        "file",
                        f"more than {max_rows} rows",
                        "split the file, or pass --max-rows with a higher limit",
                    )
                ]
            )
        item = Item(source)
        if len(row) > len(headings):
            item.problems.append(
                Problem(
                    source,
                    None,
                    "row",
                    f"{len(row)} cells but only {len(headings)} headings",
                    "a cell probably holds an unquoted separator or a stray quote",
                )
            )
        answers = dict(mapping.defaults)
        for index, key in columns.items():
            cell = row[index] if index < len(row) else ""
            if cell.strip():
                answers[key] = cell
        item.answers = answers
        items.append(item)
    return items, ignored


def _columns(
    headings: list[str], mapping: ColumnMapping, settings: Settings, display: str
) -> tuple[dict[int, str], list[str]]:
    """Column index -> answers key, from the mapping file first, then from the headings themselves."""
    by_heading = {normalize_heading(h): i for i, h in reversed(list(enumerate(headings)))}
    columns: dict[int, str] = {}
    problems = []
    for key, heading in mapping.columns.items():
        index = by_heading.get(normalize_heading(heading))
        if index is None:
            problems.append(
                Problem(
                    display,
                    1,
                    key.removeprefix("prompt:"),
                    f"no column is headed '{heading}'",
                    did_you_mean(heading, [h for h in headings if h.strip()]),
                )
            )
        else:
            columns[index] = key
    if problems:
        raise HarvestError(problems)
    index_of = heading_index(settings)
    taken = set(columns.values())
    for index, heading in enumerate(headings):
        known = index_of.get(normalize_heading(heading))
        if index not in columns and known and known != "consent" and known not in taken:
            columns[index] = known
            taken.add(known)
    ignored = [h for i, h in enumerate(headings) if i not in columns and h.strip()]
    return columns, ignored
