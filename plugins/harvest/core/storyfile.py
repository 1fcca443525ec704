"""Write story files: the one way every contribution path (terminal, form intake, import) ends.

Names come from titles or contributors' input, so they are made safe here: no
path separators, no traversal, no device or dot names, bounded length, and never
overwriting an existing story.
"""
from __future__ import annotations

import os
import secrets
import tempfile
from pathlib import Path
from typing import Any

import yaml

from harvest.core.text import slugify

FIELD_ORDER = ("id", "title", "date", "event", "place", "contributors", "lessons", "summary",
               "lang", "visibility", "embargo_until", "images", "translation_of")
# Required even when empty: an anonymous story says so with `contributors: []`.
KEEP_EMPTY = ("contributors",)
WINDOWS_DEVICES = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(1, 10)), *(f"lpt{i}" for i in range(1, 10))}


class _Dumper(yaml.SafeDumper):
    pass


def _str_representer(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str_representer)


def dump_story(meta: dict[str, Any], body: str) -> str:
    """Front matter (known fields first, in the documented order) + body, with a final newline."""
    ordered = {k: meta[k] for k in FIELD_ORDER
               if k in meta and (meta[k] not in (None, "", []) or k in KEEP_EMPTY)}
    ordered.update({k: v for k, v in meta.items() if k not in ordered and v not in (None, "", [])})
    front = yaml.dump(ordered, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=100,
                      default_flow_style=None)
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
    """Write `text` to folder/<safe stem>.md (…-2.md, …-3.md if taken) atomically; returns the path."""
    folder.mkdir(parents=True, exist_ok=True)
    stem = safe_stem(stem)
    for n in range(1, 1000):
        target = folder / (f"{stem}.md" if n == 1 else f"{stem}-{n}.md")
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".harvest-", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
                handle.write(text)
            try:
                os.link(tmp, target)  # fails if the name exists: never overwrites
            except FileExistsError:
                continue
            return target
        finally:
            os.unlink(tmp)
    raise FileExistsError(f"no free file name for {stem} in {folder}")
