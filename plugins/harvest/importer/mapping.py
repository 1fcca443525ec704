"""The mapping from a source's fields to story fields: documented defaults per kind + an optional YAML file.

A mapping file (``--mapping map.yml``) may set any of:

    fields:          {title: Headline, body: [Story, Notes]}   # source field names, any case
    lessons:         {Food bank: resources, Photos: ~}          # tag/category -> lesson id(s); ~ ignores it
    events:          {Protest: action}                          # tag/category -> event kind
    contributors:    {Jane Doe: jane, Webmaster: ~}             # author -> handle; ~ leaves them out
    sections:        {surprised: Biggest surprise}              # prompt id -> source field(s) (JSON/CSV)
    event_default:   action
    place_default:   Lowmarsh Green
    lessons_default: [outreach]
    lang_default:    en
    visibility_default: members
    date_format:     "%d/%m/%Y"                                 # or a list; dates written like 05/11/2020

Tags, categories, authors and event values are matched by their slug, so
"Food Bank", "food-bank" and "food_bank" are the same key.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from harvest.core.mappingfile import load_mapping_file
from harvest.core.problems import did_you_mean
from harvest.core.settings import Settings
from harvest.core.text import slugify

COMMON_FIELDS = {
    "title": ("title", "headline", "subject"),
    "date": ("date", "created", "created_at", "publishdate", "publish_date", "pubdate", "published_at"),
    "authors": ("authors", "author", "by", "contributors", "contributor"),
    "tags": ("tags", "tag", "categories", "category", "lessons", "topics", "labels"),
    "place": ("place", "location", "city", "town", "neighbourhood", "neighborhood", "where"),
    "event": ("event", "event_kind"),
    "summary": ("summary", "excerpt", "description", "teaser", "abstract", "subtitle"),
    "lang": ("lang", "language", "locale"),
    "visibility": ("visibility",),
    "body": (),
}
RECORD_FIELDS = {
    **COMMON_FIELDS,
    "date": COMMON_FIELDS["date"] + ("when", "timestamp", "day"),
    "event": COMMON_FIELDS["event"] + ("event_type", "kind", "type"),
    "body": ("body", "content", "text", "story", "markdown", "post", "article", "notes"),
}
DEFAULT_FIELDS = {
    "jekyll": COMMON_FIELDS,
    "hugo": COMMON_FIELDS,
    "material": COMMON_FIELDS,
    "json": RECORD_FIELDS,
    "csv": RECORD_FIELDS,
}
MAPPING_KEYS = (
    "fields",
    "lessons",
    "events",
    "contributors",
    "sections",
    "event_default",
    "place_default",
    "lessons_default",
    "lang_default",
    "visibility_default",
    "date_format",
)
HANDLE = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,63}$")
LESSON_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
LANG = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")


@dataclass
class ImportMapping:
    """How a source's fields, tags and authors become story fields (defaults + a `--mapping` file)."""

    fields: dict[str, tuple[str, ...]]
    lessons: dict[str, tuple[str, ...]] = field(default_factory=dict)  # slug(tag) -> lesson ids
    events: dict[str, str] = field(default_factory=dict)  # slug(tag) -> event kind
    contributors: dict[str, str | None] = field(default_factory=dict)  # slug(author) -> handle
    sections: dict[str, tuple[str, ...]] = field(default_factory=dict)  # prompt id -> field names
    event_default: str | None = None
    place_default: str | None = None
    lessons_default: tuple[str, ...] = ()
    lang_default: str | None = None
    visibility_default: str | None = None
    date_formats: tuple[str, ...] = ()  # strptime patterns, tried in order
    display: str = ""  # the mapping file, for messages
    lines: dict[str, int] = field(default_factory=dict)

    def lesson_targets(self) -> set[str]:
        return {lesson for targets in self.lessons.values() for lesson in targets} | set(self.lessons_default)


def normalize_lang(value) -> str | None:
    """`en_US` -> `en-US`; None when it is not a language tag at all."""
    if not isinstance(value, str) or not value.strip():
        return None
    parts = value.strip().replace("_", "-").split("-")
    tag = "-".join([parts[0].lower(), *parts[1:]])
    return tag if LANG.match(tag) else None


def load_import_mapping(file: Path | None, kind: str, settings: Settings) -> ImportMapping:
    """Defaults for `kind`, overridden by the mapping file. Mistakes raise HarvestError naming file and key."""
    mapping = ImportMapping(fields=dict(DEFAULT_FIELDS[kind]))
    if file is None:
        return mapping
    loaded = load_mapping_file(file, settings.display_path(file), MAPPING_KEYS)
    data, bad = loaded.data, loaded.refuse
    mapping.display, mapping.lines = loaded.display, loaded.lines
    _read_fields(data.get("fields"), mapping, kind, bad)
    for tag, targets in _table(data.get("lessons"), "lessons", bad).items():
        ids = [] if targets is None else (targets if isinstance(targets, list) else [targets])
        if not all(isinstance(i, str) and LESSON_ID.match(i) for i in ids):
            bad("lessons", f"'{tag}': lesson ids are lowercase names like `mutual-care`, not {targets!r}")
            continue
        mapping.lessons[slugify(tag)] = tuple(ids)
    for tag, kind_name in _table(data.get("events"), "events", bad).items():
        if kind_name not in settings.event_kinds:
            bad(
                "events",
                f"'{tag}': unknown event kind {kind_name!r}",
                did_you_mean(str(kind_name), settings.event_kinds),
            )
        else:
            mapping.events[slugify(tag)] = kind_name
    for author, handle in _table(data.get("contributors"), "contributors", bad).items():
        if handle is not None and not (isinstance(handle, str) and HANDLE.match(handle)):
            bad(
                "contributors",
                f"'{author}': {handle!r} is not a handle",
                "handles are lowercase letters, digits, '-', '_' or '.', e.g. `jane`; use ~ to leave someone out",
            )
        else:
            mapping.contributors[slugify(author)] = handle
    prompt_ids = {p.id for p in settings.prompts}
    for prompt_id, names in _table(data.get("sections"), "sections", bad).items():
        names = names if isinstance(names, list) else [names]
        if prompt_id not in prompt_ids:
            bad("sections", f"unknown prompt id '{prompt_id}'", did_you_mean(prompt_id, prompt_ids))
        elif not all(isinstance(n, str) for n in names):
            bad("sections", f"'{prompt_id}': give the source field name(s) as text")
        else:
            mapping.sections[prompt_id] = tuple(names)
    _read_defaults(data, mapping, settings, bad)
    loaded.raise_problems()
    return mapping


def _table(value, key: str, bad) -> dict:
    if value is None:
        return {}
    if not isinstance(value, dict):
        bad(key, "should be a table of `source value: target` lines")
        return {}
    return {str(k): v for k, v in value.items()}


def _read_fields(value, mapping: ImportMapping, kind: str, bad) -> None:
    for name, sources in _table(value, "fields", bad).items():
        if name not in DEFAULT_FIELDS[kind]:
            bad("fields", f"unknown story field '{name}'", did_you_mean(name, DEFAULT_FIELDS[kind]))
            continue
        sources = sources if isinstance(sources, list) else [sources]
        if not sources or not all(isinstance(s, str) and s.strip() for s in sources):
            bad("fields", f"'{name}': give the source field name(s) as text")
            continue
        mapping.fields[name] = tuple(s.strip() for s in sources)


def _read_defaults(data: dict, mapping: ImportMapping, settings: Settings, bad) -> None:
    event = data.get("event_default")
    if event is not None:
        if event not in settings.event_kinds:
            bad("event_default", f"unknown event kind {event!r}", did_you_mean(str(event), settings.event_kinds))
        mapping.event_default = event
    place = data.get("place_default")
    if place is not None:
        if not isinstance(place, str) or not place.strip() or len(place) > 120:
            bad("place_default", "should be a place name (at most 120 characters)")
        mapping.place_default = str(place).strip()
    lessons = data.get("lessons_default")
    if lessons is not None:
        lessons = lessons if isinstance(lessons, list) else [lessons]
        if not all(isinstance(i, str) and LESSON_ID.match(i) for i in lessons):
            bad("lessons_default", "should be a list of lesson ids, e.g. [outreach]")
        mapping.lessons_default = tuple(str(i) for i in lessons)
    lang = data.get("lang_default")
    if lang is not None:
        mapping.lang_default = normalize_lang(lang)
        if mapping.lang_default is None:
            bad("lang_default", f"{lang!r} is not a language tag", "e.g. en, es, pt-BR")
    visibility = data.get("visibility_default")
    if visibility is not None:
        if visibility not in settings.visibility_levels:
            bad(
                "visibility_default",
                f"unknown visibility {visibility!r}",
                did_you_mean(str(visibility), settings.visibility_levels),
            )
        mapping.visibility_default = visibility
    formats = data.get("date_format")
    if formats is not None:
        formats = formats if isinstance(formats, list) else [formats]
        if not formats or not all(isinstance(f, str) and _is_date_format(f) for f in formats):
            bad(
                "date_format",
                f"{data.get('date_format')!r} is not a date format with a day, month and year",
                'e.g. "%d/%m/%Y" for 05/11/2020 meaning 5 November, or "%m/%d/%Y" for November 5',
            )
        else:
            mapping.date_formats = tuple(formats)


def _is_date_format(pattern: str) -> bool:
    """A strptime pattern that names the day, the month and the year, and reads back what it writes."""
    import datetime as dt

    if not all(
        any(code in pattern for code in codes) for codes in (("%d", "%j"), ("%m", "%b", "%B", "%j"), ("%Y", "%y"))
    ):
        return False
    sample = dt.datetime(2001, 11, 5)
    try:
        return dt.datetime.strptime(sample.strftime(pattern), pattern).date() == sample.date()
    except ValueError:
        return False
