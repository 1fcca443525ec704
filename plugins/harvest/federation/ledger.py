"""stories/federation-exports.txt: what `harvest export` has shared, kept with the stories.

It lives in the stories folder (committed with them, never published: nothing in the stories
folder is unless Harvest puts it on a page) because it must outlive any one machine:

    archive 3f9c…            this archive's id, made once by the first export
    last 4 2026-05-01 <hex>  the last bundle's sequence number, date and content digest
    exported <id>            every story id ever shared, never removed

A story once exported and no longer shared (deleted, made members-only or private, embargoed)
is listed as *withdrawn* in every later bundle, so peers remove it: withdrawal is said, never
left to absence. An export whose content equals the last one reuses its number and date, so
exporting twice gives the same bytes.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from harvest.core.fileio import atomic_write
from harvest.core.problems import HarvestError, Problem
from harvest.core.settings import Settings
from harvest.federation.bundle import ARCHIVE_ID, STORY_ID

LEDGER_NAME = "federation-exports.txt"
HEADER = """\
# Written by `harvest export`; commit it with the stories and never edit or delete it.
# `archive` is this archive's id for its peers; `exported` lines list every story id ever
# shared, so a story no longer shared is announced as withdrawn in every later bundle.
"""


@dataclass
class Ledger:
    archive_id: str
    sequence: int = 0
    date: dt.date | None = None
    digest: str = ""
    exported: set[str] = field(default_factory=set)


def ledger_file(settings: Settings) -> Path:
    return settings.stories_dir / LEDGER_NAME


def read_ledger(settings: Settings) -> Ledger:
    """The ledger, or a new one (fresh archive id) when the archive has never exported."""
    path = ledger_file(settings)
    display = settings.display_path(path)
    if path.is_symlink():
        raise HarvestError([Problem(display, None, "file", "is a symbolic link", "make it a real file")])
    if not path.exists():
        return Ledger(secrets.token_hex(16))
    ledger, problems = None, []
    for number, line in enumerate(path.read_text("utf-8").split("\n"), 1):
        if not line.strip() or line.startswith("#"):
            continue
        words = line.split()
        try:
            if words[0] == "archive" and len(words) == 2 and ARCHIVE_ID.fullmatch(words[1]) and ledger is None:
                ledger = Ledger(words[1])
            elif words[0] == "last" and len(words) == 4 and ledger is not None:
                ledger.sequence, ledger.date, ledger.digest = int(words[1]), dt.date.fromisoformat(words[2]), words[3]
            elif words[0] == "exported" and len(words) == 2 and STORY_ID.fullmatch(words[1]) and ledger is not None:
                ledger.exported.add(words[1])
            else:
                raise ValueError
        except ValueError:
            problems.append(
                Problem(
                    display,
                    number,
                    "federation",
                    f"not a ledger line: {line[:80]!r}",
                    "restore the file from your history (git): it is written by `harvest export`",
                )
            )
    if ledger is None and not problems:
        problems.append(
            Problem(
                display,
                1,
                "federation",
                "no `archive` line",
                "restore the file from your history (git): peers know this archive by its id",
            )
        )
    if ledger is None or problems:  # (no ledger is a problem above)
        raise HarvestError(problems)
    return ledger


def ledger_text(ledger: Ledger) -> str:
    lines = [f"archive {ledger.archive_id}"]
    if ledger.date is not None:  # no `last` line before the first export (read_ledger reads it so)
        lines.append(f"last {ledger.sequence} {ledger.date.isoformat()} {ledger.digest}")
    lines += [f"exported {story_id}" for story_id in sorted(ledger.exported)]
    return HEADER + "\n".join(lines) + "\n"


def write_ledger(settings: Settings, ledger: Ledger) -> None:
    atomic_write(ledger_file(settings), ledger_text(ledger))
