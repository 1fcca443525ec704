"""Run an import: read the source, convert each item, validate it as `harvest check` would, write.

Nothing is written until every item has been converted and checked; vocabulary
additions (lessons, contributors) are written before the stories that use them;
every file is replaced atomically and only when its content changed.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from harvest.core.archive import INBOX
from harvest.core.fileio import atomic_write
from harvest.core.model import Lesson
from harvest.core.parse import load_yaml_mapping, parse_story_text
from harvest.core.privacy import RegistryEntry
from harvest.core.problems import WARNING, HarvestError, Problem, did_you_mean
from harvest.core.prompts import PromptMatcher
from harvest.core.safepaths import inbox_problem, named_file_problem, refuse
from harvest.core.settings import Settings
from harvest.core.storyfile import dump_story, write_new_story
from harvest.core.text import slugify
from harvest.core.validate import build_story
from harvest.core.vocab import load_lessons, load_registry
from harvest.importer.assets import ImageFinder
from harvest.importer.convert import Converter, Draft, link_post
from harvest.importer.links import LinkIndex, write_story_links
from harvest.importer.mapping import LESSON_ID, load_import_mapping
from harvest.importer.oldsite import old_site
from harvest.importer.sources import KINDS, SkippedItem, detect_kind, iter_items, open_source
from harvest.site.pages import RESERVED_DIRS

DIGEST_FIELD = "import_digest"
_ID_LINE = re.compile(r"^id:\s*['\"]?(imp-[a-z0-9-]+)['\"]?\s*$", re.M)
# `import_digest: "…"` as written now; unquoted as files imported before JSON-quoted front matter have it.
_DIGEST_LINE = re.compile(rf'^{DIGEST_FIELD}:\s*("?)([0-9a-f]+)\1\s*\n', re.M)
LESSON_PLACEHOLDER = "Imported from the tag “{tag}”; describe this lesson in one line."
IMPORTED, UPDATED, UNCHANGED, KEPT, SKIPPED = "imported", "updated", "unchanged", "kept", "skipped"


@dataclass
class Options:
    source: Path
    kind: str | None = None
    mapping: Path | None = None
    into: Path | None = None
    dry_run: bool = False
    add_lessons: bool = False
    add_contributors: bool = False
    event: str | None = None
    place: str | None = None
    drafts: bool = False
    assets: Path | None = None  # where the old site's images are, when not in its own folders
    fetch_remote_images: bool = False  # fetch images from other sites once, now, and keep them locally


@dataclass
class ImportOutcome:
    display: str  # the source item
    status: str
    target: str = ""  # the story file, as the user knows it
    line: int | None = None
    reason: str = ""
    hint: str = ""
    fatal: bool = False  # refused, not merely skipped: stops the whole import


@dataclass
class ImportReport:
    kind: str
    source: str
    target: str
    dry_run: bool
    outcomes: list[ImportOutcome] = field(default_factory=list)
    notes: list[Problem] = field(default_factory=list)
    unmapped_tags: Counter = field(default_factory=Counter)
    unknown_contributors: Counter = field(default_factory=Counter)
    added_lessons: list[str] = field(default_factory=list)
    added_contributors: list[str] = field(default_factory=list)
    lessons_file: str = ""
    contributors_file: str = ""

    def count(self, status: str) -> int:
        return sum(1 for o in self.outcomes if o.status == status)


def shown_path(path: Path) -> str:
    """A source path as the user can find it: relative to where they are, else absolute."""
    absolute = Path(os.path.abspath(path))  # as named: a symlink is shown as itself, not its target
    try:
        return absolute.relative_to(os.getcwd()).as_posix()
    except ValueError:
        return absolute.as_posix()


def target_folder(settings: Settings, into: Path | None) -> Path:
    """The folder stories go to: the inbox, or `--into` if it is inside the stories folder."""
    root = settings.stories_dir.resolve()
    if into is None:
        refuse(inbox_problem(settings.stories_dir / INBOX, settings))
        return root / INBOX
    folder = into.resolve()
    if not folder.is_relative_to(root):
        raise HarvestError(
            [
                Problem(
                    str(into),
                    None,
                    "--into",
                    "is outside the stories folder",
                    f"give a folder inside {settings.display_path(settings.stories_dir)}, "
                    f"e.g. {settings.display_path(settings.stories_dir / 'imported')}",
                )
            ]
        )
    parts = folder.relative_to(root).parts
    if parts and parts[0] in RESERVED_DIRS:
        raise HarvestError(
            [
                Problem(
                    str(into),
                    None,
                    "--into",
                    f"'{parts[0]}' is used by Harvest's own pages",
                    "choose another folder, e.g. imported",
                )
            ]
        )
    if any(p.startswith(".") for p in parts):
        raise HarvestError(
            [
                Problem(
                    str(into),
                    None,
                    "--into",
                    "hidden folders are never read as stories",
                    "choose a folder name that does not start with '.'",
                )
            ]
        )
    return folder


def run_import(settings: Settings, options: Options) -> ImportReport:
    kind = _check_options(settings, options)
    target = target_folder(settings, options.into)
    lessons, lesson_problems = load_lessons(settings)
    registry, registry_problems = load_registry(settings)
    if any(p.is_error for p in lesson_problems + registry_problems):
        raise HarvestError([p for p in lesson_problems + registry_problems if p.is_error])
    mapping = load_import_mapping(options.mapping, kind, settings)
    source = open_source(options.source, kind)
    report = ImportReport(
        kind,
        shown_path(options.source),
        settings.display_path(target),
        options.dry_run,
        lessons_file=settings.display_path(settings.lessons_file),
        contributors_file=settings.display_path(settings.contributors_file),
    )
    report.notes += [Problem(p.display, p.line, "file", p.reason, p.hint, WARNING) for p in source.problems]

    new_lessons = _mapping_lessons(mapping, lessons, options.add_lessons)
    with tempfile.TemporaryDirectory(prefix="harvest-import-") as staging:
        return _import(
            settings, options, kind, target, lessons, registry, mapping, source, report, new_lessons, Path(staging)
        )


def _import(
    settings, options, kind, target, lessons, registry, mapping, source, report, new_lessons, staging: Path
) -> ImportReport:
    existing = _existing_imports(settings.stories_dir)
    items = list(iter_items(source, shown_path, settings.max_story_bytes))
    site = old_site(kind, options.source, source.root, options.assets) if kind not in ("json", "csv") else None
    posts = [post for item in items if not isinstance(item, SkippedItem) and (post := link_post(item))]
    converter = Converter(
        settings,
        mapping,
        lessons,
        registry,
        source.authors,
        event=options.event,
        place=options.place,
        drafts=options.drafts,
        links=LinkIndex(posts, site),
        images=ImageFinder(site, staging, options.fetch_remote_images),
        posts_root=source.root,
        existing=existing,
    )
    drafts: list[Draft] = []
    for item in items:
        result = item if isinstance(item, SkippedItem) else converter.convert(item)
        if isinstance(result, SkippedItem):
            report.outcomes.append(
                ImportOutcome(
                    result.display,
                    SKIPPED,
                    line=result.line,
                    reason=result.reason,
                    hint=result.hint,
                    fatal=result.fatal,
                )
            )
        else:
            drafts.append(result)
            report.notes += result.notes
    found: list[SkippedItem | ImportOutcome] = [*source.problems, *report.outcomes]
    refused = [o for o in found if o.fatal]
    if refused:  # a link out of the source, or a hostile structure: nothing is imported
        raise HarvestError([Problem(o.display, o.line, "file", o.reason, o.hint) for o in refused])
    if not report.outcomes and not drafts:
        raise HarvestError(
            [
                Problem(
                    report.source,
                    None,
                    "SOURCE",
                    f"found nothing to import (read as {kind})",
                    "point at the folder holding the posts, or check --kind",
                )
            ]
        )
    _link_translations(drafts)
    vocabulary = _settle_lessons(drafts, lessons, new_lessons, mapping, options.add_lessons, report)
    people, new_people = _settle_contributors(drafts, registry, options.add_contributors, report)

    planned = _plan(drafts, settings, target, vocabulary, people, report, existing, options.add_lessons)
    written = [draft for draft, (outcome, _, _) in planned if outcome.status in (IMPORTED, UPDATED)]
    used_lessons = {lesson for draft in written for lesson in draft.meta["lessons"]}
    used_handles = {handle for draft in written for handle in draft.meta["contributors"]}
    report.added_lessons = [lesson for lesson in new_lessons if lesson in used_lessons]
    report.added_contributors = sorted(handle for handle in new_people if handle in used_handles)
    if not options.dry_run:
        _write(planned, {lesson: new_lessons[lesson] for lesson in report.added_lessons}, settings, report)
    return report


def _check_options(settings: Settings, options: Options) -> str:
    """The source kind, once the source and options make sense."""
    source = options.source
    if options.assets is not None and not options.assets.is_dir():
        raise HarvestError(
            [
                Problem(
                    str(options.assets),
                    None,
                    "--assets",
                    "not a folder",
                    "give the folder the old site served its images from (e.g. its static/ folder)",
                )
            ]
        )
    if not source.exists():
        raise HarvestError(
            [
                Problem(
                    str(source),
                    None,
                    "SOURCE",
                    "not found",
                    "give a folder of posts, a .json file or folder, or a .csv file",
                )
            ]
        )
    refuse(named_file_problem(source, str(source), "SOURCE"))
    if options.mapping is not None:
        refuse(named_file_problem(options.mapping, str(options.mapping), "--mapping"))
    kind = options.kind or detect_kind(source)
    if kind is None:
        raise HarvestError(
            [
                Problem(
                    str(source),
                    None,
                    "SOURCE",
                    "found no posts or records to import here",
                    f"point at the folder holding the posts, or pass --kind ({'/'.join(KINDS)})",
                )
            ]
        )
    if options.event is not None and options.event not in settings.event_kinds:
        raise HarvestError(
            [
                Problem(
                    "--event",
                    None,
                    "--event",
                    f"unknown event kind '{options.event}'",
                    did_you_mean(options.event, settings.event_kinds),
                )
            ]
        )
    return kind


def _link_translations(drafts: list[Draft]) -> None:
    """Hugo's post.es.md translates post.md: mark it, when both are imported."""
    by_key = {draft.item.key: draft for draft in drafts}
    for draft in drafts:
        original = by_key.get(draft.item.translation_of or "")
        if original is not None and original is not draft:
            draft.meta["translation_of"] = original.meta["id"]


def _settle_lessons(
    drafts: list[Draft],
    lessons: dict[str, Lesson],
    new_lessons: dict[str, Lesson],
    mapping,
    add: bool,
    report: ImportReport,
) -> dict[str, Lesson]:
    """Give each draft its lessons (adding unmapped tags to the vocabulary when asked); -> vocabulary."""
    spellings: dict[str, str] = {}
    for draft in drafts:
        for tag in draft.unmapped:
            report.unmapped_tags[tag] += 1
            spellings.setdefault(_lesson_id(tag), tag)
    if add:
        for lesson_id, tag in spellings.items():
            if lesson_id and lesson_id not in lessons and lesson_id not in new_lessons:
                new_lessons[lesson_id] = Lesson(lesson_id, _title(tag), LESSON_PLACEHOLDER.format(tag=tag))
    vocabulary = {**lessons, **new_lessons}
    for draft in drafts:  # in the order the tags were written, so a re-import gives the same list
        chosen: list[str] = []
        for tag, ids in draft.tags:
            if not ids and add and tag in draft.unmapped and _lesson_id(tag) in vocabulary:
                ids = (_lesson_id(tag),)
            chosen += ids
        draft.meta["lessons"] = list(dict.fromkeys(chosen)) or list(mapping.lessons_default)
    return vocabulary


def _settle_contributors(
    drafts: list[Draft], registry: dict[str, RegistryEntry], add: bool, report: ImportReport
) -> tuple[dict[str, RegistryEntry], dict[str, RegistryEntry]]:
    """Count handles missing from the registry; with `add`, they join it as anonymous (never named)."""
    new_people: dict[str, RegistryEntry] = {}
    for draft in drafts:
        for handle in draft.meta["contributors"]:
            if handle not in registry:
                report.unknown_contributors[handle] += 1
                if add:
                    new_people.setdefault(handle, RegistryEntry(handle, "", "anonymous"))
    return {**registry, **new_people}, new_people


def _write(planned, new_lessons: dict[str, Lesson], settings: Settings, report: ImportReport) -> None:
    """Vocabulary first (so no story names a lesson that is not there yet), then the stories."""
    if new_lessons:
        _append_entries(
            settings.lessons_file,
            {lesson.id: {"title": lesson.title, "description": lesson.description} for lesson in new_lessons.values()},
            "Added by `harvest import`: give each a real one-line description.",
            settings,
        )
    if report.added_contributors:
        _append_entries(
            settings.contributors_file,
            {h: {"credit": "anonymous"} for h in report.added_contributors},
            "Added by `harvest import` as anonymous: ask each person how they want to be credited "
            "(named + name, or pseudonym + pseudonym).",
            settings,
        )
    for draft, (outcome, text, path) in planned:
        # Images before the story that shows them; an unchanged story gets back only missing ones.
        _install_images(draft, path.parent, only_missing=outcome.status == UNCHANGED)
        if outcome.status == IMPORTED:
            outcome.target = settings.display_path(write_new_story(path.parent, path.stem, text))
        elif outcome.status == UPDATED:
            _replace(path, text)


def _install_images(draft: Draft, folder: Path, only_missing: bool) -> None:
    """The story's images, without metadata, into <folder>/<story id>/ (each written only if it changed)."""
    for image in draft.images:
        if image.staged is None:  # the copy already next to the story is reused
            continue
        destination = folder / image.reference
        data = image.staged.read_bytes()
        if destination.is_file() and (only_missing or destination.read_bytes() == data):
            continue
        destination.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(destination, data)


def _plan(
    drafts: list[Draft],
    settings: Settings,
    target: Path,
    lessons: dict[str, Lesson],
    registry: dict[str, RegistryEntry],
    report: ImportReport,
    existing: dict[str, Path],
    add_lessons: bool = False,
) -> list[tuple[Draft, tuple[ImportOutcome, str, Path]]]:
    """Render and check every draft, and decide what happens to it (nothing is written here).

    First every draft is checked with its links to other posts as plain text (links do not change
    what `harvest check` says); then, knowing which stories will exist and where, the links are
    written as relative paths to them, so none leads to a story that was skipped."""
    matcher = PromptMatcher(settings.prompts)
    seen: dict[str, str] = {}
    located: dict[str, Path] = {}  # ids that will exist after the import -> their file
    checked: list[tuple[Draft, Path, str]] = []
    # Originals before translations, so a translation only points at an original that made it.
    for draft in sorted(drafts, key=lambda d: "translation_of" in d.meta):
        display, story_id = draft.item.display, draft.meta["id"]

        def skip(reason: str, hint: str = "", display: str = display, draft: Draft = draft) -> None:
            report.outcomes.append(ImportOutcome(display, SKIPPED, line=draft.item.line, reason=reason, hint=hint))

        if story_id in seen:
            skip(f"same source key as {seen[story_id]}", "give each record its own `id`")
            continue
        seen[story_id] = display
        if not draft.meta["lessons"]:
            skip(*_no_lesson(draft, add_lessons))
            continue
        if draft.meta.get("translation_of") not in (None, *located):
            del draft.meta["translation_of"]
        path = existing.get(story_id) or target / f"{story_id}.md"
        shown = settings.display_path(path)
        if not path.is_relative_to(target):
            located[story_id] = path
            report.outcomes.append(
                ImportOutcome(
                    display,
                    SKIPPED,
                    shown,
                    reason=f"already in the archive at {shown}; left as it is",
                    hint="to import it again, move that file back into the import folder",
                )
            )
            continue
        text = render(draft.meta, write_story_links(draft.body, lambda _: None)[0])
        if len(text.encode("utf-8")) > settings.max_story_bytes:
            skip(
                f"the story would be over the {settings.max_story_bytes // 1024} KB limit for one story",
                "split it in the source, or raise max_story_bytes in mkdocs.yml",
            )
            continue
        problems = _check(text, path, shown, settings, lessons, registry, matcher)
        errors = [p for p in problems if p.is_error]
        if errors:
            skip(f"the story would not pass `harvest check`: {errors[0].field}: {errors[0].message}", errors[0].hint)
            continue
        report.notes += [p for p in problems if p.field != "contributors"]
        located[story_id] = path
        checked.append((draft, path, shown))

    planned = []
    for draft, path, shown in checked:

        def relative(story_id: str, here: Path = path) -> str | None:
            there = located.get(story_id)
            return None if there is None else Path(os.path.relpath(there, here.parent)).as_posix()

        body, missing = write_story_links(draft.body, relative)
        for story_id in dict.fromkeys(missing):
            report.notes.append(
                Problem(
                    draft.item.display,
                    None,
                    "body",
                    f"link to the post imported as {story_id} removed: that post was skipped (its text is kept)",
                    "",
                    WARNING,
                )
            )
        text = render(draft.meta, body)
        outcome = ImportOutcome(
            draft.item.display, _compare(path, text) if draft.meta["id"] in existing else IMPORTED, shown
        )
        if outcome.status == KEPT:
            outcome.reason = "edited since the last import; not overwritten"
        report.outcomes.append(outcome)
        if outcome.status in (IMPORTED, UPDATED, UNCHANGED):
            planned.append((draft, (outcome, text, path)))
    return planned


def _no_lesson(draft: Draft, add_lessons: bool) -> tuple[str, str]:
    """Why a draft has no lesson, and the way out that fits its case."""
    if not draft.tags:
        return (
            "no lesson: the post has no tags or categories to take lessons from",
            "set `lessons_default: [a-lesson]` in a mapping file (--mapping) for posts without tags, "
            "or tag the post in the source",
        )
    if add_lessons:
        return (
            "no lesson: the mapping leaves out all its tags (" + ", ".join(t for t, _ in draft.tags) + ")",
            "map one of them to a lesson under `lessons:` in the mapping file, or set `lessons_default`",
        )
    return (
        "no lesson: none of its tags or categories is a lesson",
        "map its tags under `lessons:` in a mapping file, set `lessons_default`, or use --add-lessons",
    )


def render(meta: dict, body: str) -> str:
    """The story file, ending with a digest of itself so a later import can tell if someone edited it."""
    text = dump_story(meta, body)
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
    return dump_story({**meta, DIGEST_FIELD: digest}, body)


def edited_since_import(text: str) -> bool:
    match = _DIGEST_LINE.search(text.split("\n---\n", 1)[0] + "\n")
    if not match:
        return True
    original = text[: match.start()] + text[match.end() :]
    return hashlib.sha256(original.encode("utf-8")).hexdigest()[:16] != match.group(2)


def _compare(path: Path, text: str) -> str:
    try:
        old = path.read_text("utf-8")
    except (OSError, UnicodeDecodeError):
        return KEPT
    if old == text:
        return UNCHANGED
    return KEPT if edited_since_import(old) else UPDATED


def _check(text: str, path: Path, shown: str, settings: Settings, lessons, registry, matcher) -> list[Problem]:
    """The problems `harvest check` would report for this file."""
    raw, problems = parse_story_text(text, shown)
    if raw is None:
        return problems
    rel = path.relative_to(settings.stories_dir.resolve()).as_posix() if path.is_absolute() else path.as_posix()
    _, problems = build_story(raw, rel, shown, settings, lessons, registry, matcher)
    return problems


def _existing_imports(stories_dir: Path) -> dict[str, Path]:
    """id -> file for every imported story already in the stories folder (inbox and sub-folders included)."""
    found: dict[str, Path] = {}
    root = stories_dir.resolve()
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if not name.endswith(".md") or name.startswith("."):
                continue
            file = Path(folder) / name
            try:
                with file.open("rb") as handle:
                    head = handle.read(4096).decode("utf-8", "replace")
            except OSError:
                continue
            match = _ID_LINE.search(head.split("\n---", 2)[0] if head.startswith("---") else "")
            if match:
                found.setdefault(match.group(1), file)
    return found


def _mapping_lessons(mapping, lessons: dict[str, Lesson], add: bool) -> dict[str, Lesson]:
    missing = sorted(mapping.lesson_targets() - set(lessons))
    if missing and not add:
        raise HarvestError(
            [
                Problem(
                    mapping.display or "mapping",
                    mapping.lines.get("lessons"),
                    "lessons",
                    f"unknown lesson '{tag}'",
                    "add it to the lessons file, or run with --add-lessons",
                )
                for tag in missing
            ]
        )
    return {tag: Lesson(tag, _title(tag.replace("-", " ")), LESSON_PLACEHOLDER.format(tag=tag)) for tag in missing}


def _lesson_id(tag: str) -> str:
    lesson_id = slugify(tag)[:64].strip("-")
    return lesson_id if LESSON_ID.match(lesson_id) else ""


def _title(tag: str) -> str:
    words = " ".join(str(tag).replace("_", " ").split())
    return words[:1].upper() + words[1:]


def _append_entries(file: Path, entries: dict, comment: str, settings: Settings) -> None:
    """Append entries to a vocabulary YAML file, keeping it valid; atomic (temp file + rename)."""
    old = file.read_text("utf-8") if file.exists() else ""
    block = yaml.safe_dump(entries, allow_unicode=True, sort_keys=False, width=1000, default_flow_style=False)
    new = old + ("\n" if old and not old.endswith("\n") else "") + f"# {comment}\n" + block
    data, _, _problems = load_yaml_mapping(new, settings.display_path(file), first_line=1)
    if data is None or any(key not in data for key in entries):
        raise HarvestError(
            [
                Problem(
                    settings.display_path(file),
                    None,
                    "file",
                    "could not add entries to this file automatically (its layout is unusual)",
                    "add these by hand, then import again:\n" + block,
                )
            ]
        )
    _replace(file, new)


def _replace(path: Path, text: str) -> None:
    atomic_write(path, text)
