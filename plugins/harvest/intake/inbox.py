"""Read contributions from files and write the good ones into the review inbox.

The inbox (`stories/_inbox/`) is never built or published; `harvest check` covers it;
moving a file out of it into the stories folder publishes it.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path

from harvest.core.archive import INBOX
from harvest.core.problems import HarvestError, Problem
from harvest.core.safepaths import inbox_problem, named_file_problem, refuse
from harvest.core.settings import Settings
from harvest.core.text import slugify
from harvest.intake.check import StoryVocabulary, check_story, check_text, write_story
from harvest.intake.compose import Composer
from harvest.intake.issueform import Item, parse_forge_json, parse_issue_body
from harvest.intake.spreadsheet import MAX_ROWS, ColumnMapping, read_csv

MAX_TEXT_BYTES = 1_000_000  # an issue body or a forge JSON export


@dataclass
class InboxOutcome:
    source: str
    path: Path | None = None  # the file written (None: rejected, or a dry run)
    problems: list[Problem] = field(default_factory=list)

    @property
    def rejected(self) -> bool:
        return any(p.is_error for p in self.problems)


def inbox_folder(settings: Settings) -> Path:
    """stories/_inbox, refused when it is a symbolic link (see safepaths.inbox_problem)."""
    folder = settings.stories_dir / INBOX
    refuse(inbox_problem(folder, settings))
    return folder


def read_items(
    path: str, settings: Settings, mapping: ColumnMapping | None = None, max_rows: int = MAX_ROWS
) -> tuple[list[Item], list[str]]:
    """Items from a CSV file, a forge JSON file, or an issue body (Markdown or text); `-` is stdin.

    -> (items, notes for the report)."""
    from harvest.core.parse import decode_text

    if path != "-":
        refuse(named_file_problem(Path(path), path))
    if path.lower().endswith(".csv"):
        items, ignored = read_csv(Path(path), settings, mapping or ColumnMapping(), max_rows, display=path)
        notes = [f"{path}: ignored columns (never written): {', '.join(ignored)}"] if ignored else []
        return items, notes
    display = "stdin" if path == "-" else path
    try:
        data = sys.stdin.buffer.read(MAX_TEXT_BYTES + 1) if path == "-" else Path(path).read_bytes()
    except OSError as exc:
        raise HarvestError(
            [Problem(display, None, "file", f"cannot read file: {exc.strerror}", "check the path")]
        ) from None
    text, problems = decode_text(data, display, max_bytes=MAX_TEXT_BYTES)
    if text is None:
        raise HarvestError(problems)
    if path.lower().endswith(".json") or text.lstrip().startswith(("{", "[")):
        return parse_forge_json(text, settings, display), []
    if text.startswith("---\n"):  # a story file, e.g. downloaded from the site's form
        return [Item(display, story_text=text)], []
    return [parse_issue_body(text, settings, display)], []


def take_in(
    items: list[Item],
    settings: Settings,
    vocabulary: StoryVocabulary,
    folder: Path,
    date_format: str | None = None,
    dry_run: bool = False,
) -> list[InboxOutcome]:
    """Compose, check and (unless dry_run) write each item; a bad item never stops the others."""
    composer = Composer(settings, vocabulary.lessons, vocabulary.registry, date_format=date_format)
    outcomes = []
    for item in items:
        outcome = InboxOutcome(item.source, problems=list(item.problems))
        outcomes.append(outcome)
        if outcome.rejected:
            continue
        if item.story_text is not None:
            _take_story_file(item, outcome, settings, vocabulary, folder, dry_run)
            continue
        meta, body, problems = composer.compose(item.answers, item.source)
        outcome.problems += problems
        if meta is None:
            continue
        text, problems = check_story(meta, body, settings, vocabulary, item.source, rel_path=f"{INBOX}/{meta['id']}.md")
        # compose already warned about unregistered contributors: keep the validator's errors only
        outcome.problems += [p for p in problems if p.is_error or p.field != "contributors"]
        if not outcome.rejected and not dry_run:
            outcome.path = write_story(folder, meta["id"], text)
    return outcomes


def _take_story_file(
    item: Item, outcome: InboxOutcome, settings: Settings, vocabulary: StoryVocabulary, folder: Path, dry_run: bool
) -> None:
    """A ready story file is checked as it is and kept byte for byte; only its file name is ours."""
    text = item.story_text
    assert text is not None  # only story-file items come here
    meta, problems = check_text(text, settings, vocabulary, item.source)
    outcome.problems += problems
    if meta is None or outcome.rejected or dry_run:
        return
    story_id = meta.get("id")
    stem = story_id if isinstance(story_id, str) else slugify(meta["title"])
    outcome.path = write_story(folder, stem, text)
