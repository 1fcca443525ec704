"""The review inbox as maintainers see it: list, show, accept (into the archive), reject.

Used by `harvest inbox` and the server's moderation page alike. Accepting re-checks the story
with `harvest check`'s validator, moves it (and its photo) into the archive under an unused
name, records its id in the ledger (`core.ids`) and logs the decision; rejecting deletes it
and logs the reason. Neither builds or publishes anything.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field
from pathlib import Path

from harvest.collect.receipts import (
    log_decision,
    normalise_code,
    read_decisions,
    read_receipts,
)
from harvest.core.archive import INBOX, scan
from harvest.core.ids import record_ids
from harvest.core.problems import HarvestError, Problem
from harvest.core.settings import Settings
from harvest.core.storyfile import write_new_story
from harvest.intake.check import StoryVocabulary, check_text
from harvest.intake.compose import clean_line


@dataclass
class InboxEntry:
    file: Path
    code: str | None  # the receipt given for it (None: came another way)
    meta: dict | None  # None when the file cannot be read as a story
    problems: list[Problem] = field(default_factory=list)
    received: str = ""

    @property
    def name(self) -> str:
        return self.file.name

    @property
    def story_id(self) -> str:
        value = (self.meta or {}).get("id")
        return value if isinstance(value, str) else self.file.stem

    @property
    def title(self) -> str:
        return str((self.meta or {}).get("title", "(unreadable)"))

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.is_error]

    @property
    def images(self) -> list[str]:
        images = (self.meta or {}).get("images") or []
        return [i for i in images if isinstance(i, str)]

    def text(self) -> str:
        return self.file.read_text("utf-8", errors="replace")


def inbox_path(settings: Settings) -> Path:
    return settings.stories_dir / INBOX


def list_inbox(settings: Settings, vocabulary: StoryVocabulary) -> list[InboxEntry]:
    """Every story file in the inbox, oldest first, each checked as `harvest check` would."""
    inbox = inbox_path(settings)
    if not inbox.is_dir() or inbox.is_symlink():
        return []
    by_file = {r.file: r for r in read_receipts(inbox).values()}
    entries = []
    for file in sorted(inbox.iterdir(), key=lambda f: (f.stat().st_mtime, f.name)):
        if file.suffix != ".md" or file.name.startswith((".", "_")) or file.is_symlink() or not file.is_file():
            continue
        display = settings.display_path(file)
        try:
            meta, problems = check_text(
                file.read_text("utf-8"), settings, vocabulary, display, rel_path=f"{INBOX}/{file.name}"
            )
        except (OSError, UnicodeDecodeError) as error:
            meta, problems = None, [Problem(display, None, "file", f"cannot be read ({error})", "")]
        receipt = by_file.get(file.name)
        entries.append(
            InboxEntry(file, receipt.code if receipt else None, meta, problems, receipt.time if receipt else "")
        )
    return entries


def find_entry(settings: Settings, vocabulary: StoryVocabulary, key: str) -> InboxEntry:
    """The inbox story with this receipt code, id or file name; a clear error otherwise."""
    entries = list_inbox(settings, vocabulary)
    code = normalise_code(key)
    for entry in entries:
        if (code and entry.code == code) or key in (entry.story_id, entry.name, entry.file.stem):
            return entry
    inbox = inbox_path(settings)
    receipt = read_receipts(inbox).get(code) if code else None
    if receipt:
        for when, action, logged_code, story_id, detail in reversed(read_decisions(inbox)):
            if logged_code == code:
                verb = "accepted into the archive as" if action == "accept" else "rejected:"
                raise HarvestError(
                    [
                        Problem(
                            key,
                            None,
                            "inbox",
                            f"story {story_id} was {verb} {detail} ({when})",
                            "see the moderation log in " + settings.display_path(inbox),
                        )
                    ]
                )
    raise HarvestError(
        [
            Problem(
                key,
                None,
                "inbox",
                "no story in the inbox has this receipt code, id or file name",
                "`harvest inbox list` shows what is there",
            )
        ]
    )


def _target_folder(settings: Settings, entry: InboxEntry, into: Path | None) -> Path:
    root = settings.stories_dir.resolve()
    if into is None:
        date = entry.meta.get("date") if entry.meta else None
        year = date.year if isinstance(date, dt.date) else settings.today.year
        return settings.stories_dir / str(year)
    folder = Path(into).resolve()
    inside = folder.is_relative_to(root) and folder != root
    hidden = inside and any(part.startswith(("_", ".")) for part in folder.relative_to(root).parts)
    if not inside or hidden:
        raise HarvestError(
            [
                Problem(
                    str(into),
                    None,
                    "--into",
                    f"must be a published folder inside {settings.display_path(settings.stories_dir)}/",
                    f"e.g. {settings.display_path(settings.stories_dir)}/2026 "
                    "(folders starting with '_' or '.' are never published)",
                )
            ]
        )
    return folder


def accept(settings: Settings, vocabulary: StoryVocabulary, entry: InboxEntry, into: Path | None = None) -> Path:
    """Move the story (and its photos) into the archive; record its id; log it. -> the new file."""
    meta, problems = check_text(
        entry.text(), settings, vocabulary, settings.display_path(entry.file), rel_path=f"{INBOX}/{entry.name}"
    )
    if meta is None or any(p.is_error for p in problems):
        raise HarvestError([p for p in problems if p.is_error] or problems)
    inbox, folder = inbox_path(settings), _target_folder(settings, entry, into)
    photos = []
    for name in entry.images:
        photo = inbox / name
        if "/" in name or "\\" in name or photo.is_symlink() or not photo.is_file():
            raise HarvestError(
                [
                    Problem(
                        settings.display_path(entry.file),
                        None,
                        "images",
                        f"'{name}' is not a photo file beside the story in the inbox",
                        "fix or remove the images: line, then accept it again",
                    )
                ]
            )
        photos.append(photo)
    folder.mkdir(parents=True, exist_ok=True)
    moved: list[Path] = []
    try:
        for photo in photos:  # photos first: the story never names a photo that is not there
            os.link(photo, folder / photo.name)
            moved.append(folder / photo.name)
    except FileExistsError as error:
        for path in moved:
            path.unlink()
        raise HarvestError(
            [
                Problem(
                    settings.display_path(Path(error.filename2 or error.filename or folder)),
                    None,
                    "images",
                    "a file with this name is already in the archive; nothing was moved",
                    "rename the photo (and its images: line) in the inbox, then accept again",
                )
            ]
        ) from None
    target = write_new_story(folder, entry.file.stem, entry.text())
    entry.file.unlink()
    for photo in photos:
        photo.unlink()
    rel = target.resolve().relative_to(settings.stories_dir.resolve()).as_posix()
    accepted = [s for s in scan(settings).stories if s.path == rel]
    if accepted:
        record_ids(settings, accepted)
    log_decision(inbox, "accept", entry.code or "", entry.story_id, settings.display_path(target))
    return target


def reject(settings: Settings, entry: InboxEntry, reason: str) -> None:
    """Delete the story and its photos from the inbox; log the reason (never the story's text)."""
    reason = clean_line(reason)
    if not reason:
        raise HarvestError(
            [
                Problem(
                    entry.name,
                    None,
                    "reason",
                    "a reason is needed to reject a story",
                    "e.g. --reason 'names a person at risk; asked the author to rewrite it'",
                )
            ]
        )
    inbox = inbox_path(settings)
    entry.file.unlink()
    for name in entry.images:
        photo = inbox / name
        if "/" not in name and "\\" not in name and photo.is_file() and not photo.is_symlink():
            photo.unlink()
    log_decision(inbox, "reject", entry.code or "", entry.story_id, reason)
