"""Load a stories folder (`scan`) and publish the view one build profile may see (`publish`).

`scan` is what `harvest check` reports on. `publish` is the single choke point for
privacy: stories above the profile, embargoed stories, redacted passages and
unconsented names never get past it, so pages, indexes, feeds and copies built
from an `Archive` cannot leak them.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import NamedTuple

from harvest.core import background
from harvest.core.cache import Scanned, StoryCache, read_stamped
from harvest.core.filestamps import Stamp, stamp
from harvest.core.ids import check_ids
from harvest.core.model import Lesson, Story, front_matter_digest
from harvest.core.parse import RawStory, parse_story_bytes, read_story
from harvest.core.privacy import REDACT_TAG, Credits, Person, RegistryEntry, apply_redactions, is_visible
from harvest.core.problems import HarvestError, Problem, did_you_mean, sort_key
from harvest.core.prompts import PromptMatcher, Section, count_words, split_sections
from harvest.core.safepaths import symlink_problems
from harvest.core.settings import Settings
from harvest.core.sitepaths import inline_image_problems, page_collisions, path_problems

INBOX = "_inbox"


def iter_story_files(stories_dir: Path, include_inbox: bool = False) -> Iterator[tuple[Path, str]]:
    """(file, path relative to the stories folder) for every story, in a stable order.

    Folders starting with `_` or `.` hold other things (inbox, digests notes, reading
    sessions), except the inbox when asked for. Symbolic links (files, and folders, which
    os.walk lists but does not enter) are never read: `safepaths.symlink_problems` reports them.
    """
    yield from _walk(Path(stories_dir), "", include_inbox)


def _walk(folder: Path, prefix: str, include_inbox: bool) -> Iterator[tuple[Path, str]]:
    """`os.walk`'s order (a folder's files, then its sub-folders, each sorted), from one `scandir`
    per folder: its entries know whether they are links without another system call each."""
    try:
        with os.scandir(folder) as listing:
            entries = list(listing)
    except OSError:
        return
    files, dirs = [], []
    for entry in entries:
        if entry.is_symlink():
            continue
        if entry.is_dir():
            name = entry.name
            if not name.startswith((".", "_")) or (include_inbox and not prefix and name == INBOX):
                dirs.append(name)
        elif entry.name.endswith(".md") and not entry.name.startswith((".", "_")):
            files.append(entry.name)
    for name in sorted(files):
        yield folder / name, prefix + name
    for name in sorted(dirs):
        yield from _walk(folder / name, f"{prefix}{name}/", include_inbox)


@dataclass
class Collection:
    """Every story on disk, unfiltered, with every problem found."""

    settings: Settings
    stories: list[Story]
    lessons: dict[str, Lesson]
    registry: dict[str, RegistryEntry]
    problems: list[Problem]
    files_seen: int = 0

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.is_error]


def scan(settings: Settings, include_inbox: bool = False) -> Collection:
    """Every story file read and checked; with `settings.cache`, what an earlier run made of a
    file's very bytes is reused (`core.cache`). Privacy is not decided here: see `publish`."""
    from harvest.core.vocab import load_lessons, load_registry

    problems: list[Problem] = []
    if not settings.stories_dir.is_dir():
        raise HarvestError(
            [
                Problem(
                    settings.display_path(settings.stories_dir),
                    None,
                    "folder",
                    "stories folder not found",
                    "create it, or set `docs_dir` in mkdocs.yml to the folder holding your stories",
                )
            ]
        )
    lessons, lesson_problems = load_lessons(settings)
    registry, registry_problems = load_registry(settings)
    problems += lesson_problems + registry_problems
    problems += symlink_problems(settings, skip=(settings.lessons_file, settings.contributors_file))
    matcher = PromptMatcher(settings.prompts)
    cache = StoryCache.for_settings(settings) if settings.cache else None
    stories: list[Story] = []
    read: list[str] = []
    seen = 0
    display_of = _display_in_stories(settings)
    root = settings.stories_dir.resolve()
    files: list[_StoryFile] = []
    for file, rel in iter_story_files(settings.stories_dir, include_inbox):
        seen += 1
        display = display_of(rel)
        name_problems = path_problems(rel.removeprefix(INBOX + "/"), display)
        problems += name_problems
        if not name_problems:
            files.append(_StoryFile(file, rel, display))
    vocab = _Vocabularies(lessons, registry, matcher)
    for (file, rel, display), scanned in zip(files, _scan_files(files, settings, vocab, cache), strict=True):
        problems += scanned.problems
        read.append(rel)
        if scanned.story is not None:
            # Not cached: these look at other files (images), which may have changed on their own.
            problems += _check_references(scanned.story, scanned.line_of, file, display, settings, root)
            stories.append(scanned.story)
    if cache is not None:
        cache.save(settings.stories_dir, read)
    problems += check_ids(stories, settings)
    if settings.federation:
        # The archives we follow (stories/_federation/, which the walk above skips): their problems
        # are reported as theirs, as warnings, and their broken stories left out.
        from harvest.federation.stories import scan_peers

        peer_stories, peer_lessons, peer_problems, peer_files = scan_peers(settings, lessons, matcher)
        stories += peer_stories
        lessons = {**peer_lessons, **lessons}
        problems += peer_problems
        seen += peer_files
    problems += _check_collisions(stories, settings)
    problems += page_collisions([(s.path, display_of(s.path)) for s in stories])
    problems.sort(key=sort_key)
    return Collection(settings, stories, lessons, registry, problems, seen)


@dataclass(frozen=True)
class _Vocabularies:
    lessons: dict[str, Lesson]
    registry: dict[str, RegistryEntry]
    matcher: PromptMatcher


def rescan_story(
    settings: Settings, rel: str, lessons: dict[str, Lesson], registry: dict[str, RegistryEntry]
) -> Story | None:
    """One story file read and checked again, as `scan` checks it, with the vocabularies of an
    earlier scan (`harvest serve`'s quick page). -> None when anything about it is not plain: a
    problem of any level, a name Harvest refuses, a link, or a path that resolves elsewhere.
    The checks that compare stories with each other are not run: the caller takes the story only
    when its front matter (id, path, translations) is the same as before."""
    root = settings.stories_dir.resolve()
    file = root / rel
    display = _display_in_stories(settings)(rel)
    if path_problems(rel, display) or file.is_symlink() or file.resolve() != file:
        return None
    vocab = _Vocabularies(lessons, registry, PromptMatcher(settings.prompts))
    scanned = _parsed(_StoryFile(file, rel, display), None, settings, vocab)
    if scanned.story is None or scanned.problems:
        return None
    if _check_references(scanned.story, scanned.line_of, file, display, settings, root):
        return None
    return scanned.story


class _StoryFile(NamedTuple):
    file: Path
    rel: str  # in the stories folder
    display: str  # as the user knows it


# Fewer stories to parse than this are parsed in place: a second process costs a fork and the
# results' trip back (~0.05 s at 1,000 stories), while parsing and checking one costs ~1.5 ms.
_PARALLEL_AT_LEAST = 64


def _scan_files(
    files: list[_StoryFile], settings: Settings, vocab: _Vocabularies, cache: StoryCache | None
) -> list[Scanned]:
    """Each file parsed and validated, or taken from the cache when its bytes are the same, in
    order. The stories to parse are shared with a second process (`core.background`) when there
    are many: each is parsed and checked on its own, and this process keeps the cache."""
    results: list[Scanned | None] = [None] * len(files)
    todo: list[tuple[int, _Fresh | None]] = []  # (index, its bytes when already read)
    for index, (file, rel, display) in enumerate(files):
        if cache is None:
            todo.append((index, None))
            continue
        found = cache.by_stamp(rel, stamp(file))
        if found is not None:
            results[index] = found
            continue
        try:
            data, held = read_stamped(file)
        except OSError as exc:  # not cached: it may read next time
            results[index] = Scanned(None, (Problem(display, None, "file", f"cannot read file: {exc.strerror}"),), {})
            continue
        sha = hashlib.sha256(data).hexdigest()
        found = cache.by_content(rel, sha, held)
        if found is not None:
            results[index] = found
            continue
        todo.append((index, _Fresh(data, sha, held)))

    def parse(part: Sequence[tuple[int, _Fresh | None]], _start: int) -> list[Scanned]:
        return [_parsed(files[index], fresh, settings, vocab) for index, fresh in part]

    parsed = [scanned for half in background.in_halves(todo, parse, _PARALLEL_AT_LEAST) for scanned in half]
    for (index, fresh), scanned in zip(todo, parsed, strict=True):
        results[index] = scanned
        if cache is not None and fresh is not None:
            cache.remember(files[index].rel, fresh.sha, fresh.held, scanned)
    assert all(result is not None for result in results)
    return results  # type: ignore[return-value]


class _Fresh(NamedTuple):
    data: bytes
    sha: str
    held: Stamp | None  # the file's stamp, if it held while it was read


def _parsed(story_file: _StoryFile, fresh: _Fresh | None, settings: Settings, vocab: _Vocabularies) -> Scanned:
    """One story file parsed and validated: its bytes as read already, or read now."""
    if fresh is None:
        raw, problems = read_story(story_file.file, story_file.display, settings.max_story_bytes)
    else:
        raw, problems = parse_story_bytes(fresh.data, story_file.display, settings.max_story_bytes)
    return _checked(raw, problems, story_file.rel, story_file.display, settings, vocab)


def _checked(
    raw: RawStory | None, problems: list[Problem], rel: str, display: str, settings: Settings, vocab: _Vocabularies
) -> Scanned:
    if raw is None:
        return Scanned(None, tuple(problems), {})
    from harvest.core.validate import build_story  # (jsonschema: only when a story is read)

    story, story_problems = build_story(raw, rel, display, settings, vocab.lessons, vocab.registry, vocab.matcher)
    return Scanned(story, tuple(problems + story_problems), raw.field_lines)


def _display_in_stories(settings: Settings) -> Callable[[str], str]:
    """`settings.display_path` of a path inside the stories folder, without a `relpath` per file."""
    base = settings.display_path(settings.stories_dir)
    return (lambda rel: rel) if base == "." else (lambda rel: f"{base}/{rel}")


def _check_references(
    story: Story,
    line_of: Callable[[str], int],
    file: Path,
    display: str,
    settings: Settings,
    root: Path | None = None,
) -> list[Problem]:
    problems = []
    for name in ("title", "summary", "place"):
        if REDACT_TAG.search(getattr(story, name)):
            problems.append(
                Problem(
                    display,
                    line_of(name),
                    name,
                    "redaction markup only works in the story text",
                    "leave this out of the field, or raise the story's `visibility`",
                )
            )
    root = root or settings.stories_dir.resolve()
    problems += inline_image_problems(story.markdown, story.body_line, file, root, display)
    for image in story.images:
        target = (file.parent / image).resolve()
        if not target.is_relative_to(root):
            problems.append(
                Problem(
                    display,
                    line_of("images"),
                    "images",
                    f"'{image}' is outside the stories folder",
                    "keep images inside the stories folder, next to the story",
                )
            )
        elif not target.is_file():
            problems.append(
                Problem(
                    display,
                    line_of("images"),
                    "images",
                    f"image '{image}' not found",
                    "paths are relative to the story file",
                )
            )
    return problems


def _check_collisions(stories: list[Story], settings: Settings) -> list[Problem]:
    problems = []
    by_id: dict[str, list[Story]] = defaultdict(list)
    for story in stories:
        by_id[story.id].append(story)
    ids = set(by_id)
    for story_id, same in by_id.items():
        for story in same[1:]:
            first = same[0]
            display = settings.display_path(settings.stories_dir / story.path)
            problems.append(
                Problem(
                    display,
                    1,
                    "id",
                    f"duplicate id '{story_id}': {settings.display_path(settings.stories_dir / first.path)} "
                    f"has it too, and both would be published at stories/{story_id}/",
                    "give each story its own `id:` (a story without one is named after its file); "
                    "never reuse another story's id",
                )
            )
    for story in stories:
        if story.translation_of and story.translation_of not in ids:
            display = settings.display_path(settings.stories_dir / story.path)
            problems.append(
                Problem(
                    display,
                    1,
                    "translation_of",
                    f"no story has the id '{story.translation_of}'",
                    did_you_mean(story.translation_of, ids),
                )
            )
    return problems


_HTML_COMMENT = re.compile(r"<!--.*?(?:-->|$)", re.DOTALL)


def redacted(story: Story, settings: Settings, matcher: PromptMatcher) -> Story:
    """The story as the profile may see it: withheld spans replaced, editors' HTML comments
    dropped (they are notes, not text), sections re-read."""
    has_comment = "<!--" in story.markdown
    if not story.redactions and not has_comment:
        return story
    markdown = apply_redactions(story.markdown, list(story.redactions), settings)
    if has_comment:
        markdown = _HTML_COMMENT.sub("", markdown)
    intro, sections = split_sections(markdown, story.body_line, matcher)
    return replace(
        story,
        markdown=markdown,
        intro=intro,
        sections=sections,
        words=count_words(intro) + sum(sec.words for sec in sections),
        redactions=(),
    )


def front_matter_digests(read: list[Story], published_ids: set[str]) -> dict[str, list[str]]:
    """{path: [id, `model.front_matter_digest`]} of each of our stories the profile publishes, as
    read (before privacy): what the search index keeps to recognise a text-only edit later
    (`search/edited.py`). Ids and hashes of published stories only: nothing withheld."""
    return {s.path: [s.id, front_matter_digest(s)] for s in read if s.origin is None and s.id in published_ids}


def published_story(story: Story, settings: Settings, matcher: PromptMatcher, visible_ids: set[str]) -> Story:
    """A visible story as `publish` shows it, given the ids of every story the profile sees: its
    withheld passages gone, and no link to a version the profile does not see."""
    shown = redacted(story, settings, matcher)
    if shown.translation_of and shown.translation_of not in visible_ids:
        shown = replace(shown, translation_of=None)
    return shown


def publish(collection: Collection) -> Archive:
    settings = collection.settings
    matcher = PromptMatcher(settings.prompts)
    visible = [s for s in collection.stories if is_visible(s.visibility, s.embargo_until, settings)]
    visible_ids = {s.id for s in visible}
    stories = [published_story(s, settings, matcher, visible_ids) for s in visible]
    stories.sort(key=lambda s: (s.date, s.id), reverse=True)
    # Only lessons a published story uses: a lesson only hidden stories use would name them
    # (lessons.yml is config, but a lesson's title can say what a withheld story is about).
    used = {lesson for s in stories for lesson in s.lessons}
    lessons = {key: lesson for key, lesson in collection.lessons.items() if key in used}
    return Archive(
        settings,
        stories,
        lessons,
        Credits(collection.registry, settings),
        withheld=len(collection.stories) - len(stories),
    )


def load_archive(settings: Settings) -> tuple[Archive, list[Problem]]:
    """Scan + publish, raising `HarvestError` with every problem when any is an error."""
    collection = scan(settings)
    if collection.errors:
        raise HarvestError(collection.problems)
    return publish(collection), collection.problems


@dataclass
class Archive:
    """The published view of one profile. Everything here may be shown."""

    settings: Settings
    stories: list[Story]  # newest first
    lessons: dict[str, Lesson]
    credits: Credits
    withheld: int = 0  # for the build log only; never rendered
    _by_id: dict[str, Story] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self._by_id = {s.id: s for s in self.stories}

    def story(self, story_id: str) -> Story | None:
        return self._by_id.get(story_id)

    @cached_property
    def by_lesson(self) -> dict[str, list[Story]]:
        groups: dict[str, list[Story]] = {lesson: [] for lesson in self.lessons}
        for story in self.stories:
            for lesson in story.lessons:
                groups[lesson].append(story)
        return groups

    @cached_property
    def by_event(self) -> dict[str, list[Story]]:
        groups: dict[str, list[Story]] = {kind: [] for kind in self.settings.event_kinds}
        for story in self.stories:
            groups[story.event].append(story)
        return groups

    @cached_property
    def by_place(self) -> dict[str, tuple[str, list[Story]]]:
        groups: dict[str, tuple[str, list[Story]]] = {}
        for story in self.stories:
            if story.place_key:  # an imported story with no known place has no place page
                groups.setdefault(story.place_key, (story.place, []))[1].append(story)
        return dict(sorted(groups.items(), key=lambda item: item[1][0].casefold()))

    @cached_property
    def by_person(self) -> dict[str, tuple[Person, list[Story]]]:
        groups: dict[str, tuple[Person, list[Story]]] = {}
        for story in self.stories:
            for person in self.credits.people(story.contributors)[0]:
                groups.setdefault(person.key, (person, []))[1].append(story)
        return dict(sorted(groups.items(), key=lambda item: item[1][0].label.casefold()))

    @cached_property
    def by_year(self) -> dict[int, dict[str, list[Story]]]:
        years: dict[int, dict[str, list[Story]]] = {}
        for story in self.stories:  # already newest first
            years.setdefault(story.date.year, {}).setdefault(story.month, []).append(story)
        return years

    def rollup(self, prompt_id: str) -> dict[str, list[tuple[Story, Section]]]:
        """Every answer to one prompt, grouped by lesson (a story appears under each of its lessons)."""
        groups: dict[str, list[tuple[Story, Section]]] = {lesson: [] for lesson in self.lessons}
        for story in self.stories:
            section = story.answer(prompt_id)
            if section is not None and section.markdown.strip():
                for lesson in story.lessons:
                    groups[lesson].append((story, section))
        return {lesson: answers for lesson, answers in groups.items() if answers}

    def people_of(self, story: Story) -> tuple[list[Person], int]:
        return self.credits.people(story.contributors)
