"""One source item -> a draft story (front matter + cleaned body), or the reason it cannot be one."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

from harvest.core.model import Lesson
from harvest.core.privacy import RegistryEntry
from harvest.core.problems import WARNING, Problem
from harvest.core.prompts import PromptMatcher, normalize_heading
from harvest.core.settings import Settings
from harvest.core.text import slugify
from harvest.importer.assets import ImageFinder, StagedImage
from harvest.importer.decode import Skip
from harvest.importer.links import LinkIndex, Post, post_permalinks, post_slugs
from harvest.importer.mapping import HANDLE, ImportMapping, normalize_lang
from harvest.importer.markup import IMAGE_FILE, BodyCleaner
from harvest.importer.plaintext import first_sentence, plain_text, shorten
from harvest.importer.sources import SkippedItem, SourceItem

_DATE = re.compile(r"^\s*(\d{4})[-/](\d{1,2})[-/](\d{1,2})(?:$|[T\s])")
_AUTHOR_SPLIT = re.compile(r"\s*(?:[,;&]|\band\b)\s*")
_H1 = re.compile(r"^ {0,3}#(?!#)[ \t]*(.+?)[ \t#]*$")
TRUE = (True, "true", "yes", "1", 1)
FALSE = (False, "false", "no", "0", 0)


@dataclass
class Draft:
    item: SourceItem
    meta: dict  # story front matter, without `lessons` until they are settled
    body: str
    tags: list[tuple[str, tuple[str, ...]]]  # each tag (as written) and the lesson ids it maps to
    unmapped: list[str]  # tags that matched no lesson or event (as written)
    notes: list[Problem] = field(default_factory=list)
    images: list[StagedImage] = field(default_factory=list)  # copied next to the story when it is written


def story_id(item: SourceItem) -> str:
    """`imp-<name>-<8 hex of the source key>`: the same source item always gets the same id.

    When several items share the name (JSON records without a plain-number id), 12 hex
    digits keep a collision unlikely even in a large dataset.
    """
    digest = hashlib.sha1(item.key.encode("utf-8")).hexdigest()[: 8 if item.distinct_stem else 12]
    name = slugify(item.stem or "item")[:50].strip("-") or "item"
    return f"imp-{name}-{digest}"


def parse_date(value, formats: tuple[str, ...] = ()) -> str | None:
    """A date written as 2019-03-04, 2019-3-4, 2019/03/04 or a timestamp starting with one -> ISO date;
    with `formats` (the mapping's `date_format`, e.g. "%d/%m/%Y"), dates written that way too.
    05/11/2020 is never guessed: only a format the mapping names says which number is the day."""
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()[:10]
    for pattern in formats:
        try:
            return dt.datetime.strptime(str(value).strip(), pattern).date().isoformat()
        except ValueError:
            continue
    match = _DATE.match(str(value)) if isinstance(value, (str, int)) else None
    if not match:
        return None
    try:
        return dt.date(*map(int, match.groups())).isoformat()
    except ValueError:
        return None


class Converter:
    def __init__(
        self,
        settings: Settings,
        mapping: ImportMapping,
        lessons: dict[str, Lesson],
        registry: dict[str, RegistryEntry],
        authors: dict[str, dict],
        *,
        event: str | None = None,
        place: str | None = None,
        drafts: bool = False,
        links: LinkIndex | None = None,
        images: ImageFinder | None = None,
        posts_root: Path | None = None,
        existing: dict[str, Path] | None = None,
    ):
        self.settings, self.mapping, self.lessons, self.registry = settings, mapping, lessons, registry
        self.authors = {slugify(k): v for k, v in authors.items()}
        self.event_default = event or mapping.event_default
        # No place known and none given: the story says nothing rather than "Unknown" on every page.
        self.place_default = place or mapping.place_default or ""
        self.include_drafts = drafts
        self.links, self.images, self.posts_root, self.existing = links, images, posts_root, existing or {}
        self.matcher = PromptMatcher(settings.prompts)
        self.lesson_titles = {slugify(lesson.title): lesson.id for lesson in lessons.values()}
        self.event_labels = {slugify(label): kind for kind, label in settings.event_kinds.items()}
        self.registry_names = {slugify(e.name): e.handle for e in registry.values() if e.name}

    def convert(self, item: SourceItem) -> Draft | SkippedItem:
        try:
            return self._convert(item)
        except Skip as skip:
            return SkippedItem(item.display, skip.line or item.line, skip.reason, skip.hint)

    def _convert(self, item: SourceItem) -> Draft:
        fields = {str(k).strip().casefold(): (str(k), v) for k, v in reversed(list(item.meta.items()))}
        notes: list[Problem] = [self._note(item, line, "file", message) for line, message in item.notes]

        def note(field_name: str, message: str, line: int | None = None, hint: str = "") -> None:
            notes.append(self._note(item, line or self._line(item, field_name, fields), field_name, message, hint))

        if not self.include_drafts and (
            self._first(fields, ("draft",)) in TRUE or self._first(fields, ("published",)) in FALSE
        ):
            raise Skip("a draft (not published on the old site)", hint="use --drafts to import drafts too")

        title = self._text(self._first(fields, self.mapping.fields["title"]))
        body, body_line = self._body(item, fields)
        if item.body is not None:
            body, title, body_line = _take_title_heading(body, title, body_line)
        new_id = story_id(item)
        post_file = self.posts_root / item.key if self.posts_root is not None and item.body is not None else None
        images = self.images.for_story(new_id, post_file, self.existing.get(new_id)) if self.images else None
        links = self.links
        cleaner = BodyCleaner(
            self.matcher,
            lambda name: fields.get(name.casefold(), (None, None))[1],
            story_link=(lambda url: links.resolve(url, item.key)) if links else (lambda url: None),
            image=images.place if images else (lambda src: (None, None)),
        )
        body, cleaned = cleaner.clean(body, body_line)
        for line, message in cleaned.items:
            notes.append(self._note(item, line if item.body is not None else item.line, "body", message))
        if not title:
            title = _humanize(item.stem) if item.body is not None else shorten(first_sentence(body, 200), 80)
        if not title:
            raise Skip("no title", hint="add a title field (or map one with `fields: {title: …}`)")
        if len(title) > 200:
            note("title", "title shortened to 200 characters")
            title = shorten(title, 200)

        meta: dict[str, object] = {
            "id": new_id,
            "title": title,
            "date": self._date(item, fields, note),
            "event": self._event(fields, note),
        }
        tags, unmapped, tag_event = self._tags(fields, item.kind)
        meta["event"] = meta["event"] or tag_event or self.event_default
        if not meta["event"]:
            raise Skip(
                "no event kind: the source does not say what kind of event this was",
                hint="pass --event KIND (one of: "
                + ", ".join(self.settings.event_kinds)
                + "), or set `event_default` in the mapping",
            )
        meta["place"] = self._place(fields, note)
        meta["contributors"] = self._contributors(fields, note)
        meta["summary"] = self._summary(fields, body, title, note)
        lang = self._first(fields, self.mapping.fields["lang"])
        meta["lang"] = (
            normalize_lang(lang) or (item.lang_hint and normalize_lang(item.lang_hint)) or self.mapping.lang_default
        )
        if lang is not None and not normalize_lang(lang):
            note("lang", f"{lang!r} is not a language tag; left out")
        meta["visibility"] = self._visibility(fields, note)
        meta["imported_from"] = f"{item.kind}:{item.key}"
        return Draft(item, meta, body, tags, unmapped, notes, images.staged if images else [])

    # --- fields ----------------------------------------------------------------------------------

    @staticmethod
    def _first(fields: dict, names) -> object:
        for name in names:
            value = fields.get(name.casefold(), (None, None))[1]
            if value not in (None, "", []):
                return value
        return None

    def _line(self, item: SourceItem, story_field: str, fields: dict) -> int | None:
        """The source line of the field that fed `story_field` (front matter), else the item's line."""
        for name in self.mapping.fields.get(story_field, (story_field,)):
            original = fields.get(name.casefold(), (None,))[0]
            if original in item.field_lines:
                return item.field_lines[original]
        return item.line

    def _note(self, item: SourceItem, line: int | None, field_name: str, message: str, hint: str = "") -> Problem:
        return Problem(item.display, line, field_name, message, hint, WARNING)

    @staticmethod
    def _text(value) -> str:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            value = str(value)
        return plain_text(value) if isinstance(value, str) else ""

    def _body(self, item: SourceItem, fields: dict) -> tuple[str, int]:
        if item.body is not None:
            return item.body, item.body_line
        parts = []
        body = self._first(fields, self.mapping.fields["body"])
        if isinstance(body, list):
            body = "\n\n".join(str(p) for p in body if isinstance(p, (str, int, float)))
        if isinstance(body, str):
            parts.append(body.replace("\r\n", "\n").strip())
        for prompt in self.settings.prompts:
            names = self.mapping.sections.get(prompt.id) or [
                original
                for key, (original, _) in fields.items()
                if key == prompt.id or self.matcher.match(original) == prompt.id
            ]
            answer = self._first(fields, names)
            if isinstance(answer, str) and answer.strip():
                parts.append(f"## {prompt.title}\n\n{answer.replace(chr(13), '').strip()}")
        return "\n\n".join(parts), item.line or 1

    def _date(self, item: SourceItem, fields: dict, note) -> str:
        value = self._first(fields, self.mapping.fields["date"])
        if isinstance(value, dict):  # Material: date: {created: …, updated: …}
            value = value.get("created") or value.get("date")
        formats = self.mapping.date_formats
        written = parse_date(value, formats) if value is not None else None
        file_date = parse_date(item.file_date)  # 2019-13-45-x.md is a name, not a date
        if value is not None and written is None:
            if not file_date:
                shown = f"a date like {' or '.join(formats)}" if formats else "a date like 2019-03-04"
                raise Skip(
                    f"date {value!r} is not {shown}",
                    self._line(item, "date", fields),
                    'name the source\'s date format in the mapping, e.g. `date_format: "%d/%m/%Y"` for '
                    "05/11/2020 as 5 November (day-first and month-first dates cannot be told apart)",
                )
            note("date", f"date {value!r} is not a date; used {file_date} from the file name")
        if written and file_date and written != file_date:
            note(
                "date",
                f"front matter says {written} but the file name says {file_date}; used {written}, as the old site did",
            )
        date = written or file_date
        if not date:
            raise Skip("no date", item.line, "add a date field (YYYY-MM-DD), or name the file 2019-03-04-title.md")
        return date

    def _event(self, fields: dict, note) -> str | None:
        value = self._first(fields, self.mapping.fields["event"])
        if value is None:
            return None
        key = slugify(str(value))
        kind = self.mapping.events.get(key) or (key if key in self.settings.event_kinds else self.event_labels.get(key))
        if kind is None:
            note(
                "event",
                f"unknown event kind {value!r}; map it under `events:` in the mapping",
                hint="known kinds: " + ", ".join(self.settings.event_kinds),
            )
        return kind

    def _tags(self, fields: dict, kind: str) -> tuple[list[tuple[str, tuple[str, ...]]], list[str], str | None]:
        values: list[str] = []
        for name in self.mapping.fields["tags"]:
            raw = fields.get(name.casefold(), (None, None))[1]
            values += _split_list(raw, spaces=kind == "jekyll")
        tags, unmapped, event = [], [], None
        for tag in values:
            key = slugify(tag)
            mapped = key in self.mapping.lessons or key in self.lessons or key in self.lesson_titles
            if key in self.mapping.lessons:
                tags.append((tag, self.mapping.lessons[key]))
            elif mapped:
                tags.append((tag, (key if key in self.lessons else self.lesson_titles[key],)))
            else:
                tags.append((tag, ()))
            tag_event = self.mapping.events.get(key) or (
                key if key in self.settings.event_kinds else self.event_labels.get(key)
            )
            if tag_event:
                event = event or tag_event
                mapped = True
            if not mapped and tag not in unmapped:
                unmapped.append(tag)
        return tags, unmapped, event

    def _place(self, fields: dict, note) -> str:
        value = self._text(self._first(fields, self.mapping.fields["place"]))
        if len(value) > 120:
            note("place", "place shortened to 120 characters")
            value = shorten(value, 120)
        return value or self.place_default

    def _contributors(self, fields: dict, note) -> list[str]:
        raw = self._first(fields, self.mapping.fields["authors"])
        handles = []
        for author in _split_list(raw, spaces=False, authors=True):
            handle = self._handle(author)
            if handle:
                handles.append(handle)
        return list(dict.fromkeys(handles))

    def _handle(self, author: str) -> str | None:
        key = slugify(author)
        profile = self.authors.get(key, {})
        name = str(profile.get("name") or "")
        for candidate in (key, slugify(name) if name else None):
            if candidate and candidate in self.mapping.contributors:
                return self.mapping.contributors[candidate]
        if author.strip().lower() in self.registry:
            return author.strip().lower()
        for candidate in (key, slugify(name) if name else None):
            if candidate in self.registry:
                return candidate
            if candidate in self.registry_names:
                return self.registry_names[candidate]
        return key[:64].strip("-") if HANDLE.match(key[:64].strip("-")) else None

    def _summary(self, fields: dict, body: str, title: str, note) -> str:
        value = self._first(fields, self.mapping.fields["summary"])
        text = self._text(value)
        same_as_title = normalize_heading(text) == normalize_heading(title)
        if text and not (IMAGE_FILE.search(text) and " " not in text) and not (same_as_title and body.strip()):
            if len(text) > 400:
                note("summary", "summary shortened to 400 characters")
            return shorten(text, 400)
        return first_sentence(body, 400) or title

    def _visibility(self, fields: dict, note) -> str | None:
        value = self._first(fields, self.mapping.fields["visibility"])
        if value is None:
            return self.mapping.visibility_default
        if value in self.settings.visibility_levels:
            return value
        note(
            "visibility",
            f"unknown visibility {value!r}; used '{self.settings.top_level}', the most restricted",
            hint="known levels: " + ", ".join(self.settings.visibility_levels),
        )
        return self.settings.top_level


def _split_list(value, spaces: bool, authors: bool = False) -> list[str]:
    """A field holding several values: a list, or text joined by commas (Jekyll: by spaces)."""
    if value is None:
        return []
    if isinstance(value, dict):
        value = value.get("name") or value.get("title") or list(value)
    if isinstance(value, list):
        out = []
        for entry in value:
            out += _split_list(entry, spaces=False, authors=authors)
        return out
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        return []
    text = str(value).strip()
    if authors:
        parts = _AUTHOR_SPLIT.split(text)
    elif "," in text or ";" in text:
        parts = re.split(r"[,;]", text)
    else:
        parts = text.split() if spaces else [text]
    return [p.strip() for p in parts if p.strip()]


def _take_title_heading(body: str, title: str, body_line: int) -> tuple[str, str, int]:
    """A leading `# Heading` is the title (Material blog posts have no other) or repeats it: drop it."""
    lines = body.split("\n")
    for index, line in enumerate(lines):
        if not line.strip():
            continue
        heading = _H1.match(line)
        if heading and (not title or normalize_heading(plain_text(heading.group(1))) == normalize_heading(title)):
            title = title or plain_text(heading.group(1))
            lines[index] = ""
        break
    return "\n".join(lines), title, body_line


def _humanize(stem: str) -> str:
    words = re.sub(r"[-_]+", " ", stem).strip()
    return words[:1].upper() + words[1:]


def link_post(item: SourceItem) -> Post | None:
    """What the old site called this post (for links from the others); None for records."""
    if item.body is None:
        return None
    fields = {str(k).strip().casefold(): v for k, v in item.meta.items()}
    title = fields.get("title") if isinstance(fields.get("title"), str) else None
    if title is None and (heading := next((m for m in map(_H1.match, item.body.split("\n")) if m), None)):
        title = plain_text(heading.group(1))
    value = fields.get("date")
    if isinstance(value, dict):
        value = value.get("created") or value.get("date")
    date = parse_date(value) if value is not None else None
    return Post(
        item.key,
        story_id(item),
        date or parse_date(item.file_date),
        post_slugs(item.stem, item.meta, title, item.kind),
        post_permalinks(item.meta),
    )
