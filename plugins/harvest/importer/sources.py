"""Find and read the items of a source: Markdown posts (Jekyll, Hugo, Material blog), JSON records, CSV rows.

Each item gets a stable `key` (its path relative to the posts folder, plus the
record's id or number for JSON/CSV) from which the story id is derived, so a
second import finds the story the first one wrote.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from harvest.core.nesting import TooDeep, bounded
from harvest.core.parse import load_yaml_mapping
from harvest.core.safepaths import LINK_HINT, leaves, link_target
from harvest.core.textfile import csv_delimiter
from harvest.importer.decode import DuplicateKey, Refused, Skip, decode, split_post, too_deep, unique_keys

KINDS = ("jekyll", "hugo", "material", "json", "csv")
MARKDOWN_SUFFIXES = (".md", ".markdown", ".mdown", ".mkd")
SKIP_DIRS = {"node_modules", "_site", "site", "public", "resources", "_drafts", "drafts"}
# Folders of page templates, which generators never publish as posts (`templates/template_article.md`).
TEMPLATE_DIRS = {"templates", "template", "archetypes", "layouts"}
RECORD_LISTS = ("stories", "posts", "items", "records", "entries", "data", "rows")
RECORD_IDS = ("id", "uuid", "slug", "key")
POSTS_FOLDERS = {"jekyll": "_posts", "hugo": "content", "material": "posts"}
_DATED_NAME = re.compile(r"^(\d{4}-\d{2}-\d{2})-(.+)$")
_LANG_SUFFIX = re.compile(r"^(.+)\.([a-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})?)$")


@dataclass
class SourceItem:
    key: str  # stable, relative to the source's posts folder
    display: str  # how messages name it (file, or file + record)
    kind: str
    meta: dict  # the item's own fields, as written
    body: str | None  # Markdown posts: the text after the front matter
    body_line: int = 1
    line: int | None = None  # where the item starts (CSV row, front matter)
    stem: str = ""  # a readable name: file name without date/extension
    file_date: str | None = None
    lang_hint: str | None = None
    field_lines: dict = field(default_factory=dict)
    distinct_stem: bool = True  # False: the stem is shared with other items (the id needs a longer hash)
    translation_of: str | None = None  # key of the item this one translates (Hugo post.es.md -> post.md)
    notes: list[tuple[int | None, str]] = field(default_factory=list)


@dataclass
class SkippedItem:
    display: str
    line: int | None
    reason: str
    hint: str = ""
    fatal: bool = False  # refused: the whole import stops (see reading.Refused)

    @classmethod
    def of(cls, display: str, skip: Skip) -> SkippedItem:
        return cls(display, skip.line, skip.reason, skip.hint, skip.fatal)


@dataclass
class Source:
    path: Path
    kind: str
    root: Path  # keys are relative to this folder
    authors: dict[str, dict] = field(default_factory=dict)  # Material's .authors.yml
    problems: list[SkippedItem] = field(default_factory=list)

    @property
    def boundary(self) -> Path:
        """Nothing is read from outside this folder: the folder named, or the named file's folder.
        (A symlink inside it may point elsewhere inside it; one leading out is refused.)"""
        return self.path if self.path.is_dir() else Path(os.path.abspath(self.path)).parent


def check_link(file: Path, source: Source) -> None:
    """Raise Refused when `file` is a symlink (or sits in a linked folder) leading out of the source."""
    if leaves(file, source.boundary):
        how = f"a symbolic link to '{link_target(file)}'" if file.is_symlink() else "reached through a symbolic link"
        raise Refused(f"{how}, outside the folder being imported ({source.boundary}); it is not read", None, LINK_HINT)


def detect_kind(path: Path) -> str | None:
    """Guess the source kind from files and folders; None when nothing looks importable."""
    if path.is_file():
        suffix = path.suffix.lower()
        if suffix == ".json":
            return "json"
        if suffix in (".csv", ".tsv"):
            return "csv"
        return _kind_from_posts([path]) if suffix in MARKDOWN_SUFFIXES else None
    if (path / "_posts").is_dir() or (path / "_config.yml").is_file() or _ancestor(path, "_posts"):
        return "jekyll"
    if (
        any((path / name).is_file() for name in ("hugo.toml", "hugo.yaml", "hugo.json"))
        or ((path / "config.toml").is_file() and (path / "content").is_dir())
        or (path / "archetypes").is_dir()
    ):
        return "hugo"
    if _authors_file(path) or (path / "mkdocs.yml").is_file():
        return "material"
    posts = list(_markdown_files(path, limit=20))
    if posts:
        return _kind_from_posts(posts)
    if any(path.glob("*.json")):
        return "json"
    if any(path.glob("*.csv")):
        return "csv"
    return None


def _kind_from_posts(files: list[Path]) -> str:
    heads = []
    for file in files:
        try:
            heads.append(file.read_bytes()[:2000].decode("utf-8", "replace").lstrip("\ufeff"))
        except OSError:
            continue
    if any(head.startswith("+++") for head in heads):
        return "hugo"
    if any(re.search(r"^date:\s*\n\s+created:|^date:\s*\{\s*created:", h, re.M) for h in heads):
        return "material"
    return "jekyll"


def open_source(path: Path, kind: str) -> Source:
    if kind in ("json", "csv"):
        return Source(path, kind, path if path.is_dir() else path.parent)
    folder = path if path.is_dir() else path.parent
    posts = folder
    for candidate in (
        folder / "_posts",
        folder / "content",
        folder / "posts",
        folder / "blog" / "posts",
        folder / "docs" / "blog" / "posts",
    ):
        if path.is_dir() and candidate.is_dir() and candidate.name in (POSTS_FOLDERS[kind], "posts"):
            posts = candidate
            break
    root = _ancestor(posts, POSTS_FOLDERS[kind]) or posts
    source = Source(path, kind, root)
    if kind == "material":
        authors_file = _authors_file(posts) or _authors_file(posts.parent) or _authors_file(folder)
        if authors_file:
            source.authors = _read_authors(authors_file, source)
    return source


def iter_items(source: Source, display: Callable[[Path], str], max_bytes: int) -> Iterator[SourceItem | SkippedItem]:
    if source.kind == "json":
        files: Iterable[Path] = [source.path] if source.path.is_file() else sorted(source.path.glob("*.json"))
        for file in files:
            yield from _checked(file, source, display(file)) or _json_items(file, source, display(file), max_bytes)
    elif source.kind == "csv":
        files = [source.path] if source.path.is_file() else sorted(source.path.glob("*.csv"))
        for file in files:
            yield from _checked(file, source, display(file)) or _csv_items(file, source, display(file), max_bytes)
    else:
        files = (
            [source.path]
            if source.path.is_file()
            else _markdown_files(source.root if source.root.is_relative_to(source.path) else source.path, links=True)
        )
        for file in files:
            yield from _checked(file, source, display(file)) or [_post_item(file, source, display(file), max_bytes)]


def _checked(file: Path, source: Source, shown: str) -> list[SourceItem | SkippedItem]:
    """[] when `file` may be read, else the refusal (a link leading out of the source)."""
    try:
        check_link(file, source)
    except Refused as refused:
        return [SkippedItem.of(shown, refused)]
    return []


# --- Markdown posts -------------------------------------------------------------------------------


def _markdown_files(folder: Path, limit: int | None = None, links: bool = False) -> Iterator[Path]:
    """Post files under `folder`. os.walk lists folder links without entering them; with `links`,
    a folder link is yielded as it is, so that `_checked` refuses it when it leads out."""
    count = 0
    for root, dirs, files in os.walk(folder, followlinks=False):
        dirs[:] = sorted(
            d
            for d in dirs
            if not d.startswith(".") and d not in SKIP_DIRS and not (d.startswith("_") and d != "_posts")
        )
        linked = [d for d in dirs if os.path.islink(os.path.join(root, d))]
        dirs[:] = [d for d in dirs if d not in linked]
        if links:
            yield from (Path(root) / d for d in linked if leaves(Path(root) / d, folder))
        for name in sorted(files):
            if name.lower().endswith(MARKDOWN_SUFFIXES) and not name.startswith("."):
                yield Path(root) / name
                count += 1
                if limit and count >= limit:
                    return


def _read_bytes(file: Path, max_bytes: int) -> bytes:
    try:
        if file.stat().st_size > max_bytes:
            raise Skip(
                f"file is over the {max_bytes // 1024} KB limit for one story",
                hint="split it, or raise max_story_bytes in mkdocs.yml",
            )
        return file.read_bytes()
    except OSError as exc:
        raise Skip(f"cannot read file: {exc.strerror}") from None


def _post_item(file: Path, source: Source, shown: str, max_bytes: int) -> SourceItem | SkippedItem:
    if file.name == "_index.md":
        return SkippedItem(shown, None, "a Hugo section page (_index.md), not a post")
    folders = set(Path(_key(file, source.root)).parts[:-1])
    if folders & TEMPLATE_DIRS:
        return SkippedItem(
            shown,
            None,
            f"a template (in a `{sorted(folders & TEMPLATE_DIRS)[0]}/` folder), "
            "not a post: the old site never published it",
        )
    try:
        text, encoding_note = decode(_read_bytes(file, max_bytes))
        post = split_post(text, shown)
    except Skip as skip:
        return SkippedItem.of(shown, skip)
    stem, lang, translation_of = file.stem, None, None
    if source.kind == "hugo" and (match := _LANG_SUFFIX.match(stem)):
        stem, lang = match.group(1), match.group(2)  # Hugo translations: post.es.md next to post.md
        original = file.with_name(stem + file.suffix)
        translation_of = _key(original, source.root) if original.is_file() else None
    if stem.lower() == "index":  # a page bundle: the folder names the post
        stem = file.parent.name
    file_date = None
    if match := _DATED_NAME.match(stem):
        file_date, stem = match.group(1), match.group(2)
    item = SourceItem(
        key=_key(file, source.root),
        display=shown,
        kind=source.kind,
        meta=post.meta,
        body=post.body,
        body_line=post.body_line,
        line=1,
        stem=stem,
        file_date=file_date,
        lang_hint=lang,
        field_lines=post.field_lines,
        translation_of=translation_of,
    )
    if encoding_note:
        item.notes.append((None, encoding_note))
    return item


def _key(file: Path, root: Path) -> str:
    try:
        return file.relative_to(root).as_posix()
    except ValueError:
        return file.name


def _ancestor(path: Path, name: str) -> Path | None:
    for candidate in (path, *path.parents):
        if candidate.name == name:
            return candidate
    return None


def _authors_file(folder: Path) -> Path | None:
    file = folder / ".authors.yml"
    return file if file.is_file() else None


def _read_authors(file: Path, source: Source) -> dict[str, dict]:
    """Material's `.authors.yml`: {authors: {key: {name: …}}}; problems are reported, not fatal
    (except a link leading out of the source)."""
    shown = file.name
    try:
        check_link(file, source)
    except Refused as refused:
        source.problems.append(SkippedItem.of(shown, refused))
        return {}
    try:
        text, _ = decode(file.read_bytes())
    except (OSError, Skip) as exc:
        source.problems.append(SkippedItem(shown, None, f"authors file not read: {exc}"))
        return {}
    data, _, problems = load_yaml_mapping(text, shown, first_line=1) if text.strip() else ({}, {}, [])
    if data is None:
        source.problems.append(SkippedItem(shown, problems[0].line, f"authors file not read: {problems[0].message}"))
        return {}
    authors = data.get("authors", data) if isinstance(data, dict) else {}
    return {str(k): (v if isinstance(v, dict) else {}) for k, v in authors.items()} if isinstance(authors, dict) else {}


# --- JSON records ---------------------------------------------------------------------------------


def _load_json(text: str):
    return json.loads(text, object_pairs_hook=unique_keys)


def _json_items(file: Path, source: Source, shown: str, max_bytes: int) -> Iterator[SourceItem | SkippedItem]:
    try:
        text, encoding_note = decode(_read_bytes(file, max_bytes * 50))
    except Skip as skip:
        yield SkippedItem.of(shown, skip)
        return
    try:
        data = bounded(_load_json, text)
    except DuplicateKey as duplicate:
        yield SkippedItem.of(shown, duplicate)
        return
    except TooDeep:
        yield SkippedItem.of(shown, too_deep())
        return
    except json.JSONDecodeError as exc:
        yield SkippedItem(shown, exc.lineno, f"invalid JSON: {exc.msg}", "check commas and quotes near that line")
        return
    if isinstance(data, dict):
        listed = next((data[k] for k in RECORD_LISTS if isinstance(data.get(k), list)), None)
        data = listed if listed is not None else [data]
    if not isinstance(data, list):
        yield SkippedItem(shown, 1, "expected a list of records (objects) or one record")
        return
    key_base = _key(file, source.root)
    for number, record in enumerate(data, 1):
        label = f"{shown} (record {number})"
        if not isinstance(record, dict):
            yield SkippedItem(label, None, "not a record (an object with fields)")
            continue
        yield _record_item(record, key_base, number, label, None, source.kind, encoding_note)


def _record_item(
    record: dict, key_base: str, number: int, label: str, line: int | None, kind: str, encoding_note: str | None
) -> SourceItem:
    lowered = {str(k).strip().casefold(): v for k, v in record.items()}
    id_field = next(
        (
            k
            for k in RECORD_IDS
            if isinstance(lowered.get(k), (str, int)) and not isinstance(lowered[k], bool) and str(lowered[k]).strip()
        ),
        None,
    )
    record_id = str(lowered[id_field]).strip() if id_field else None
    key = f"{key_base}#{record_id if record_id is not None else number}"
    # The story id is a public address: a record's own id goes into it only when it is a plain
    # number or a slug made for addresses (an id could be an e-mail or a name).
    readable = (
        record_id
        if record_id is not None
        and (
            re.fullmatch(r"\d{1,12}", record_id) or (id_field == "slug" and re.fullmatch(r"[a-z0-9-]{1,40}", record_id))
        )
        else (None if record_id is not None else str(number))
    )
    name = Path(key_base).stem
    item = SourceItem(
        key=key,
        display=label,
        kind=kind,
        meta=record,
        body=None,
        line=line,
        stem=f"{name}-{readable}" if readable else name,
        distinct_stem=readable is not None,
    )
    if encoding_note:
        item.notes.append((None, encoding_note))
    return item


# --- CSV rows -------------------------------------------------------------------------------------


def _csv_items(file: Path, source: Source, shown: str, max_bytes: int) -> Iterator[SourceItem | SkippedItem]:
    try:
        text, encoding_note = decode(_read_bytes(file, max_bytes * 50))
    except Skip as skip:
        yield SkippedItem.of(shown, skip)
        return
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=csv_delimiter(text))
    try:
        if not reader.fieldnames:
            yield SkippedItem(shown, 1, "empty CSV file (no header row)")
            return
        try:
            unique_keys([(name, None) for name in reader.fieldnames if name.strip()])
        except DuplicateKey as duplicate:  # DictReader would keep the last column of the two
            duplicate.line = 1
            yield SkippedItem.of(shown, duplicate)
            return
        key_base = _key(file, source.root)
        start, number = 2, 0
        for row in reader:
            line, start = start, reader.line_num + 1
            row.pop(None, None)  # cells beyond the header
            if not any((v or "").strip() for v in row.values()):
                continue
            number += 1
            yield _record_item(row, key_base, number, shown, line, source.kind, encoding_note)
    except csv.Error as exc:
        yield SkippedItem(shown, reader.line_num, f"CSV could not be read further: {exc}")
