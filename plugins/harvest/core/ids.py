"""The id ledger: every id the archive's stories have had, so a removed story's id is never reused.

A story's id is its page address and the identity of its feed entries. Given to another
story, old links, bookmarks and feed readers would silently show that one instead.
`stories/ids.txt` lists each id with the date and file of the story that had it. `harvest ids`
adds new ids and never drops one; `harvest check` and the build refuse a story whose id is
listed with another date. The date is what identifies a story here: its file may move or be
renamed and its title may be edited, but a new story under an old file name (which, without
`id:`, gets the old id) is caught. A corrected date needs its ledger line corrected too.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from harvest.core.fileio import atomic_write
from harvest.core.model import Story
from harvest.core.problems import HarvestError, Problem
from harvest.core.settings import Settings
from harvest.core.textchars import unsafe_char

LEDGER_NAME = "ids.txt"
INBOX_PREFIX = "_inbox/"
HEADER = """\
# Every id this archive's stories have had, with the date and file of the story that had it.
# Harvest refuses a story that takes one of these ids with another date: old links and feed
# entries point to the story that had it. `harvest ids` adds new ids and follows moved files.
# Never delete a line. If you correct a story's date, correct it on its line here too.
"""


@dataclass(frozen=True)
class LedgerEntry:
    id: str
    date: str  # ISO date of the story that had the id
    path: str  # its file, relative to the stories folder
    line: int = 0  # where it is written in the ledger (0: not written yet)


def ledger_file(settings: Settings) -> Path:
    return settings.stories_dir / LEDGER_NAME


def read_ledger(settings: Settings) -> tuple[dict[str, LedgerEntry] | None, list[Problem]]:
    """-> (id -> entry, problems); None when the archive keeps no ledger."""
    path = ledger_file(settings)
    if not path.is_file():
        return None, []
    display = settings.display_path(path)
    try:
        text = path.read_text("utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        return {}, [Problem(display, None, "file", f"cannot be read ({error})", "it must be UTF-8 text")]
    entries: dict[str, LedgerEntry] = {}
    problems = []
    # Split on "\n" only, as written: str.splitlines() also splits on other control characters.
    for number, line in enumerate(text.replace("\r\n", "\n").split("\n"), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        fields = line.split(maxsplit=2)
        if len(fields) != 3 or not _is_date(fields[1]):
            problems.append(
                Problem(
                    display,
                    number,
                    "ids",
                    f"not an 'id date file' line: {line.strip()[:80]!r}",
                    "write e.g. `2026-03-flood-drill 2026-03-14 2026/flood-drill.md`",
                )
            )
            continue
        story_id, date, file = fields
        if story_id in entries:
            problems.append(
                Problem(
                    display,
                    number,
                    "ids",
                    f"'{story_id}' is listed twice (also line {entries[story_id].line})",
                    "keep the line of the story that had it first",
                )
            )
            continue
        entries[story_id] = LedgerEntry(story_id, date, file, number)
    return entries, problems


def check_ids(stories: list[Story], settings: Settings) -> list[Problem]:
    """A story that takes another story's id is an error. (An id not yet listed is not a problem:
    a new story's is recorded once it is merged; see `unrecorded`.)"""
    ledger, problems = read_ledger(settings)
    if ledger is None:
        return problems
    ledger_name = settings.display_path(ledger_file(settings))
    for story in stories:
        entry = ledger.get(story.id)
        display = settings.display_path(settings.stories_dir / story.path)
        if entry is not None and entry.date != story.date.isoformat():
            problems.append(
                Problem(
                    display,
                    1,
                    "id",
                    f"'{story.id}' belonged to another story ({entry.path}, {entry.date}); "
                    "ids are never reused, as old links and feed entries point to that story",
                    f"give this story its own `id:`; if it is the same story with its date corrected, "
                    f"correct the date on line {entry.line} of {ledger_name}",
                )
            )
    return problems


def unrecorded(stories: list[Story], settings: Settings) -> list[str]:
    """Ids of stories in the archive (not the inbox) that the ledger does not list yet."""
    ledger, _ = read_ledger(settings)
    if ledger is None:
        return []
    return [s.id for s in stories if s.id not in ledger and not s.path.startswith(INBOX_PREFIX) and s.origin is None]


def record_ids(settings: Settings, stories: list[Story]) -> tuple[int, int]:
    """Add every story's id to the ledger (creating it), follow moved files, never drop an id.
    Stories whose id the ledger gives another date are left out (`check_ids` reports them).
    -> (ids added, entries updated)."""
    ledger, problems = read_ledger(settings)
    if problems:
        raise HarvestError(problems)
    entries = dict(ledger or {})
    added = updated = 0
    for story in sorted(stories, key=lambda s: (s.date, s.path)):
        if story.path.startswith(INBOX_PREFIX) or story.origin is not None:
            continue  # not accepted yet (recorded once it moves into the archive), or a peer's (theirs)
        date, entry = story.date.isoformat(), entries.get(story.id)
        if entry is None:
            entries[story.id] = LedgerEntry(story.id, date, story.path)
            added += 1
        elif entry.date == date and entry.path != story.path:
            entries[story.id] = LedgerEntry(story.id, date, story.path, entry.line)
            updated += 1
    if added or updated or ledger is None:
        lines = [f"{e.id} {e.date} {e.path}" for e in sorted(entries.values(), key=lambda e: (e.date, e.id))]
        broken = [line for line in lines if unsafe_char(line)]
        if broken:  # `check` refuses such ids and file names; never let one split a ledger line
            raise HarvestError(
                [
                    Problem(
                        settings.display_path(ledger_file(settings)),
                        None,
                        "ids",
                        f"refusing to write {broken[0]!r}: it contains {unsafe_char(broken[0])}",
                    )
                ]
            )
        atomic_write(ledger_file(settings), (HEADER + "\n".join(lines) + "\n").encode("utf-8"))
    return added, updated


def _is_date(text: str) -> bool:
    try:
        dt.date.fromisoformat(text)
        return len(text) == 10
    except ValueError:
        return False
