"""Write story files: the one way every contribution path (terminal, form intake, import) ends.

Names come from titles or contributors' input, so they are made safe here: no
path separators, no traversal, no device or dot names, bounded length, and never
overwriting an existing story.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import secrets
from collections.abc import Mapping
from pathlib import Path

from harvest.core.fileio import write_new
from harvest.core.text import slugify

FIELD_ORDER = (
    "id",
    "title",
    "date",
    "event",
    "place",
    "contributors",
    "lessons",
    "summary",
    "lang",
    "visibility",
    "embargo_until",
    "images",
    "translation_of",
)
# Required even when empty: an anonymous story says so with `contributors: []`; an imported story
# whose source did not say where with `place: ""` (shown as nothing; a reviewer may fill it in).
KEEP_EMPTY = ("contributors", "place")
WINDOWS_DEVICES = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(1, 10)), *(f"lpt{i}" for i in range(1, 10))}
DATE_FIELDS = ("date", "embargo_until")
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_PLAIN_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")
# JSON leaves these raw, but YAML reads them as line breaks (U+0085, U+2028, U+2029) or refuses them
# (C1 controls, U+FFFE/F, lone surrogates): written as \u escapes they mean the same to both.
_NOT_YAML_SAFE = re.compile("[\x7f-\x9f\u2028\u2029\ud800-\udfff\ufeff\ufffe\uffff]")


def yaml_value(value: object) -> str:
    """A front-matter value as JSON (valid YAML, read back as the same value).

    The contribute form writes the same bytes with `JSON.stringify` (contribute.js: `yamlValue`):
    no emulation of a YAML library's quoting rules to keep in step.
    """
    text = json.dumps(value, ensure_ascii=False, default=str)  # str: a date elsewhere
    return _NOT_YAML_SAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def _line(key: str, value: object) -> str:
    if key in DATE_FIELDS and isinstance(value, dt.date):
        value = value.isoformat()[:10]
    # a date is written as a date, as people write it by hand
    is_date = key in DATE_FIELDS and isinstance(value, str) and _ISO_DATE.fullmatch(value)
    shown = value if is_date else yaml_value(value)
    return f"{key if _PLAIN_KEY.fullmatch(key) else yaml_value(key)}: {shown}"


def dump_story(meta: Mapping[str, object], body: str) -> str:
    """Front matter (known fields first, in the documented order) + body, with a final newline.

    Every value is JSON-quoted (`title: "Night of the long queue"`, `lessons: ["logistics"]`) and
    dates are plain (`date: 2026-03-14`), one field per line.
    """
    ordered = {k: meta[k] for k in FIELD_ORDER if k in meta and (meta[k] not in (None, "", []) or k in KEEP_EMPTY)}
    ordered.update({k: v for k, v in meta.items() if k not in ordered and v not in (None, "", [])})
    front = "".join(_line(key, value) + "\n" for key, value in ordered.items())
    return f"---\n{front}---\n\n{body.strip()}\n"


def new_story_id(date: str, title: str) -> str:
    """`YYYY-MM-title-slug-xxxx`: readable, and the random tail keeps it from ever being reused."""
    stem = slugify(title)[:48].strip("-")
    return f"{date[:7]}-{stem}-{secrets.token_hex(2)}"


def safe_stem(name: str) -> str:
    """A file stem that cannot escape its folder or name a device, whatever the input."""
    stem = slugify(Path(str(name).replace("\\", "/")).name.removesuffix(".md"))[:64].strip("-")
    if not stem or stem in WINDOWS_DEVICES:
        stem = f"story-{stem}" if stem else "story"
    return stem


def write_new_story(folder: Path, stem: str, text: str) -> Path:
    """Write `text` to folder/<safe stem>.md (…-2.md, …-3.md if taken) atomically; returns the path.
    Readable by its owner only, until someone has checked it (names not yet cleared for the site)."""
    return write_new_file(folder, stem, ".md", text.encode("utf-8"))


def write_new_file(folder: Path, stem: str, suffix: str, data: bytes, mode: int = 0o600) -> Path:
    """Write `data` to folder/<safe stem><suffix> (…-2, …-3 if taken) atomically, never overwriting."""
    stem = safe_stem(stem)
    names = (f"{stem}{suffix}" if n == 1 else f"{stem}-{n}{suffix}" for n in range(1, 1000))
    try:
        return write_new(folder, names, data, mode=mode)
    except FileExistsError:
        raise FileExistsError(f"no free file name for {stem}{suffix} in {folder}") from None
