"""The stories we show from the archives we follow, as part of our own scan.

Each is validated like ours (the same `build_story`), against the peer's own lesson vocabulary
and our event kinds (after federation.yml's mapping), but a problem in it is the peer's: it is
reported as a warning naming the peer, and the story is left out; our build does not fail.
Ids are namespaced (`<peer>--<their id>`), lessons mapped to ours where federation.yml says so
(else shown as the peer's own lesson), and credit is the names the origin gave: our contributors
registry never applies to a peer's story.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from harvest.core.model import Lesson, Origin, Story
from harvest.core.parse import decode_text, load_yaml_mapping, read_story
from harvest.core.problems import WARNING, Problem
from harvest.core.prompts import PromptMatcher
from harvest.core.settings import Settings
from harvest.federation.bundle import BundleRefused, anonymous_count
from harvest.federation.peers import Peer, load_peers
from harvest.federation.pull import PEER_LESSONS, peer_folder, read_state

SEPARATOR = "--"
PROVENANCE_KEYS = ("peer", "archive", "archive_id", "id", "digest", "credits", "anonymous", "origin")


def peer_story_id(peer: str, origin_id: str) -> str:
    return f"{peer}{SEPARATOR}{origin_id}"


def scan_peers(
    settings: Settings, lessons: dict[str, Lesson], matcher: PromptMatcher
) -> tuple[list[Story], dict[str, Lesson], list[Problem], int]:
    """-> (the peers' usable stories, the peers' own lessons they use, problems, files seen).
    Problems in federation.yml are ours (errors); problems in a peer's story are the peer's (warnings)."""
    peers, problems = load_peers(settings)
    stories: list[Story] = []
    peer_lessons: dict[str, Lesson] = {}
    seen = 0
    for peer in peers.values():
        folder = peer_folder(settings, peer.name)
        if not peer.show or not folder.is_dir() or folder.is_symlink():
            continue
        found, found_lessons, found_problems, count = _scan_peer(settings, peer, folder, lessons, matcher)
        stories += found
        peer_lessons.update(found_lessons)
        problems += found_problems
        seen += count
    return stories, peer_lessons, problems, seen


def _vocabulary(folder: Path, display: str) -> dict[str, Lesson]:
    file = folder / PEER_LESSONS
    if not file.is_file() or file.is_symlink():
        return {}
    text, _ = decode_text(file.read_bytes(), display, 5_000_000)
    data, _, _ = load_yaml_mapping(text, display, 1) if text and text.strip() else ({}, {}, [])
    vocabulary = {}
    for key, value in (data or {}).items():
        if isinstance(key, str) and isinstance(value, dict) and isinstance(value.get("title"), str):
            vocabulary[key] = Lesson(key, value["title"].strip(), str(value.get("description") or "").strip())
    return vocabulary


def _scan_peer(settings: Settings, peer: Peer, folder: Path, ours: dict[str, Lesson], matcher: PromptMatcher):
    from harvest.core.archive import _check_references, iter_story_files
    from harvest.core.validate import build_story

    try:
        state = read_state(folder) or {}
    except BundleRefused:
        state = {}  # only its archive name is used here; `pull` refuses to go on from it
    archive_name = str(state.get("archive_name") or peer.title)
    theirs = _vocabulary(folder, settings.display_path(folder / PEER_LESSONS))
    root = settings.stories_dir
    stories: list[Story] = []
    problems: list[Problem] = []
    used: dict[str, Lesson] = {}
    seen = 0
    for file, _rel in iter_story_files(folder):
        seen += 1
        display = settings.display_path(file)
        raw, file_problems = read_story(file, display, settings.max_story_bytes)
        story, story_problems = None, list(file_problems)
        if raw is not None:
            meta = dict(raw.meta)
            provenance = meta.pop("federation", None)
            origin = _origin(provenance, peer, archive_name, str(state.get("profile") or ""))
            if origin is None:
                story_problems.append(
                    Problem(
                        display,
                        raw.line_of("federation"),
                        "federation",
                        "no provenance (origin archive, id, digest)",
                        "pull it again with `harvest federation pull`",
                    )
                )
            else:
                meta["contributors"] = []  # credit is the origin's, as names (Origin.credits)
                if isinstance(meta.get("event"), str):
                    meta["event"] = peer.events.get(meta["event"], meta["event"])
                raw = replace(raw, meta=meta)
                full_rel = (file.relative_to(root)).as_posix()
                story, built = build_story(raw, full_rel, display, settings, {**theirs, **ours}, {}, matcher)
                story_problems += built
                if story is not None:
                    story_problems += _check_references(story, raw.line_of, file, display, settings)
                    story_problems += _images_outside(story, file, folder, display, raw.line_of)
                    story = _as_peer_story(story, peer, origin, ours, theirs, used)
                    if story.visibility not in settings.visibility_levels:
                        story = replace(story, visibility=settings.top_level)
        errors = [p for p in story_problems if p.is_error]
        problems += [_as_peers(p, peer, left_out=bool(errors)) for p in story_problems if p.strict or p.is_error]
        if story is not None and not errors:
            stories.append(story)
    ids = {s.id for s in stories}
    stories = [
        s if not s.translation_of or s.translation_of in ids else replace(s, translation_of=None) for s in stories
    ]
    return stories, used, problems, seen


def _images_outside(story: Story, file: Path, folder: Path, display: str, line_of) -> list[Problem]:
    """A peer's story shows only images it brought: a path out of its folder could show one of ours
    (a withheld story's photo) or another peer's."""
    from harvest.core.images import image_refs

    root = folder.resolve()
    problems = []
    for ref in (*story.images, *image_refs(story.markdown)):
        if "://" in ref or ref.startswith(("data:", "#")):
            continue
        target = (file.parent / ref.split("#")[0].split("?")[0]).resolve()
        if ref.startswith("/") or not target.is_relative_to(root):
            at = story.markdown.find(ref)
            line = line_of("images") if at < 0 else story.body_line + story.markdown.count("\n", 0, at)
            problems.append(
                Problem(
                    display,
                    line,
                    "images",
                    f"'{ref}' is outside the peer's folder",
                    "a peer's story may show only the images its bundle brought",
                )
            )
    return problems


def _origin(provenance, peer: Peer, archive_name: str, profile: str = "") -> Origin | None:
    if not isinstance(provenance, dict) or provenance.get("peer") != peer.name:
        return None
    origin_id, digest = provenance.get("id"), provenance.get("digest")
    if not isinstance(origin_id, str) or not isinstance(digest, str):
        return None
    from harvest.federation.bundle import STORY_ID

    if not STORY_ID.fullmatch(origin_id):
        return None
    from harvest.federation.bundle import parse_origin

    first = parse_origin(provenance["origin"]) if "origin" in provenance else None
    if "origin" in provenance and first is None:
        return None
    given_credits = provenance.get("credits")  # a number here would stop the scan with a traceback
    credits = tuple(c for c in given_credits if isinstance(c, str)) if isinstance(given_credits, list) else ()
    return Origin(
        peer.name,
        archive_name,
        str(provenance.get("archive_id") or ""),
        origin_id,
        digest,
        credits,
        anonymous_count(provenance.get("anonymous")),
        peer.digests,
        peer.readings,
        peer.reshare,
        profile,
        tuple(first.items()) if first else None,
    )


def _as_peer_story(
    story: Story,
    peer: Peer,
    origin: Origin,
    ours: dict[str, Lesson],
    theirs: dict[str, Lesson],
    used: dict[str, Lesson],
) -> Story:
    lessons = []
    for lesson in story.lessons:
        mapped = peer.lessons.get(lesson) or (lesson if lesson in ours else None)
        if mapped is None:
            mapped = peer_story_id(peer.name, lesson)
            source = theirs[lesson]
            used[mapped] = Lesson(mapped, f"{source.title} ({origin.archive_name})", source.description)
        if (mapped in ours or mapped in used) and mapped not in lessons:
            lessons.append(mapped)
    translation = peer_story_id(peer.name, story.translation_of) if story.translation_of else None
    return replace(
        story,
        id=peer_story_id(peer.name, origin.origin_id),
        lessons=tuple(lessons),
        contributors=(),
        translation_of=translation,
        origin=origin,
    )


def _as_peers(problem: Problem, peer: Peer, left_out: bool) -> Problem:
    """A peer story's problem is theirs: a warning naming them, never an error that stops our build."""
    hint = (
        f"this story comes from {peer.title} ({peer.name}); it is left out of our site until they fix it "
        "and you pull again"
        if left_out
        else f"this story comes from {peer.title} ({peer.name})"
    )
    return replace(
        problem, message=f"{problem.message} (in {peer.name}'s story)", hint=hint, severity=WARNING, strict=False
    )
