"""Receipt codes and the inbox's two append-only logs.

A contributor gets a short code (e.g. `K7QM-4XPD`) to ask for a correction or a withdrawal
later. `receipts.txt` maps each code to the story's id and file; `moderation.log` records every
accept and reject. Both live in the inbox folder, which no build publishes (the site plugin
publishes nothing from the stories folder that it does not put there itself). Each line is
written with a single O_APPEND write, so lines from concurrent writers never interleave and
a killed process leaves whole lines only.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import secrets
from dataclasses import dataclass
from pathlib import Path

from harvest.intake.compose import clean_line

RECEIPTS_FILE = "receipts.txt"
MODERATION_LOG = "moderation.log"
# Crockford's base32: no I, L, O or U, so a code read aloud or copied by hand survives.
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_READ_AS = str.maketrans({"O": "0", "I": "1", "L": "1"})
_CODE = re.compile(rf"[{ALPHABET}]{{8}}")
MAX_REASON = 300


def new_code() -> str:
    raw = "".join(secrets.choice(ALPHABET) for _ in range(8))
    return f"{raw[:4]}-{raw[4:]}"


def normalise_code(text: str) -> str | None:
    """'k7qm 4xpd', 'K7QM-4XPD' -> 'K7QM-4XPD'; None when it cannot be a code."""
    raw = re.sub(r"[\s-]", "", str(text)).upper().translate(_READ_AS)
    return f"{raw[:4]}-{raw[4:]}" if _CODE.fullmatch(raw) else None


def _now() -> str:
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _field(value: str) -> str:
    """One log field: a single line without tabs (clean_line turns controls into spaces)."""
    return clean_line(value)[:MAX_REASON] or "-"


def append_line(path: Path, fields: list[str]) -> None:
    line = ("\t".join(_field(f) for f in fields) + "\n").encode("utf-8")
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, line)  # one write: whole line or nothing
    finally:
        os.close(fd)


@dataclass(frozen=True)
class Receipt:
    code: str
    story_id: str
    file: str  # the file name in the inbox when it arrived
    time: str


def record_receipt(inbox: Path, code: str, story_id: str, file: str) -> None:
    append_line(inbox / RECEIPTS_FILE, [_now(), code, story_id, file])


def read_receipts(inbox: Path) -> dict[str, Receipt]:
    """code -> receipt; lines that are not whole are skipped (there should be none)."""
    path = inbox / RECEIPTS_FILE
    try:
        text = path.read_text("utf-8", errors="replace")
    except FileNotFoundError:
        return {}
    receipts = {}
    for line in text.split("\n"):
        fields = line.split("\t")
        if len(fields) == 4 and normalise_code(fields[1]) == fields[1]:
            receipts[fields[1]] = Receipt(fields[1], fields[2], fields[3], fields[0])
    return receipts


def log_decision(inbox: Path, action: str, code: str, story_id: str, detail: str) -> None:
    append_line(inbox / MODERATION_LOG, [_now(), action, code or "-", story_id, detail])


def read_decisions(inbox: Path) -> list[list[str]]:
    try:
        text = (inbox / MODERATION_LOG).read_text("utf-8", errors="replace")
    except FileNotFoundError:
        return []
    return [line.split("\t") for line in text.split("\n") if line.count("\t") == 4]
