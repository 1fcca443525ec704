"""The page cache (site/pagecache.py): a build that reuses pages from `.harvest/cache/pages` writes
exactly what a clean build writes, and renders again every page that depends on a change.

Reused pages are hard links to the stored objects: a page whose inode is the one the first build
wrote was reused; a new inode means it was rendered again.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import sqlite3
import time
from pathlib import Path

import pytest

from conftest import copy_project, edit, run_harvest
from harvest.site.pagestore import ENTRIES

ENV = {"HARVEST_TODAY": "2026-11-21", "SOURCE_DATE_EPOCH": "1795000000"}
FLOOD = "stories/2026/flood-drill.md"
CANARY = "CANARY-7f3a-pagecache"
COUNTS = re.compile(r"page cache: (\d+) pages reused, (\d+) rendered")


def build_into(project: Path, site: Path, *args: str) -> tuple[int, int] | None:
    """`harvest build -d site`; -> (pages reused, pages rendered) from its log (None: no page cache)."""
    result = run_harvest("build", "-d", str(site), *args, cwd=project, env=ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    found = COUNTS.search(result.stderr)
    return (int(found[1]), int(found[2])) if found else None


def tree(site: Path) -> dict[str, bytes]:
    return {p.relative_to(site).as_posix(): p.read_bytes() for p in sorted(site.rglob("*")) if p.is_file()}


def inodes(site: Path) -> dict[str, int]:
    return {p.relative_to(site).as_posix(): p.stat().st_ino for p in site.rglob("index.html")}


def add_story(project: Path) -> None:
    text = (project / FLOOD).read_text("utf-8")
    text = text.replace("id: 2026-03-flood-drill", "id: 2026-04-second-flood-drill")
    text = text.replace("title: The night the flood drill went sideways", "title: The second flood drill")
    text = text.replace("date: 2026-03-14", "date: 2026-04-18")
    (project / "stories/2026/second-flood-drill.md").write_text(text, "utf-8")


def override_template(project: Path) -> None:
    (project / "overrides/main.html").write_text(
        '{% extends "base.html" %}\n{% block extrahead %}<meta name="x-archive" content="test">{% endblock %}\n',
        "utf-8",
    )


# (change, pages that must be rendered again: written by hand from what each page shows)
CHANGES = {
    "story text": (
        lambda p: edit(p, FLOOD, "Saltwick Yards sits below", "Saltwick Yards sits well below"),
        {
            "2026/flood-drill/index.html",
            "answers/surprised/index.html",
            "lessons/communication/index.html",
            "readings/2026-12-assembly/index.html",
        },
    ),
    # Keys are marshalled fingerprints (site/fingerprint.py): a change to any one field of a story
    # reaches every page that shows it, down to the story pages that list it as related.
    "story summary": (
        lambda p: edit(p, FLOOD, "showed that our phone tree broke", "showed that our phone tree failed"),
        {
            "2026/flood-drill/index.html",
            # story pages that show it among their related stories
            "2025/first-aid-rotation/index.html",
            "2025/generador-despensa/index.html",
            "2025/generator-pantry/index.html",
            "2025/may-day-bike-relay/index.html",
            "2025/rent-strike-phone-tree/index.html",
            "2025/tenant-assembly-kestrel-row/index.html",
            "2025/winter-soup-line/index.html",
            "2026/street-festival-childcare/index.html",
            # the pages that list it with its summary
            "index.html",
            "lessons/communication/index.html",
            "lessons/logistics/index.html",
            "lessons/safety/index.html",
            "places/saltwick-yards/index.html",
            "events/crisis-sim/index.html",
            "timeline/2026/index.html",
            "contributors/priya-dandekar/index.html",
            "contributors/spoke-collective/index.html",
            "digests/2026-03/index.html",
        },
    ),
    "story answer": (
        lambda p: edit(p, FLOOD, "The first callers reached their contacts quickly", "The first callers got through"),
        {
            "2026/flood-drill/index.html",
            "answers/surprised/index.html",
            "lessons/communication/index.html",
            "lessons/logistics/index.html",
            "lessons/safety/index.html",
            "readings/2026-12-assembly/index.html",
        },
    ),
    "story title": (
        lambda p: edit(p, FLOOD, "title: The night the flood drill went sideways", "title: The drill that flooded"),
        {
            "2026/flood-drill/index.html",
            "places/saltwick-yards/index.html",
            "events/crisis-sim/index.html",
            "timeline/2026/index.html",
            "contributors/priya-dandekar/index.html",
            "digests/2026-03/index.html",
            "lessons/safety/index.html",
        },
    ),
    "story lessons": (
        lambda p: edit(
            p, FLOOD, "lessons: [communication, logistics, safety]", "lessons: [communication, logistics, joy]"
        ),
        {"2026/flood-drill/index.html", "lessons/joy/index.html", "lessons/safety/index.html", "lessons/index.html"},
    ),
    "story added": (
        add_story,
        {
            "places/saltwick-yards/index.html",
            "timeline/2026/index.html",
            "lessons/safety/index.html",
            "index.html",
            "digests/index.html",
        },
    ),
    "story removed": (
        lambda p: (p / "stories/2025/may-day-bike-relay.md").unlink(),
        {
            "places/saltwick-yards/index.html",
            "events/action/index.html",
            "lessons/joy/index.html",
            "timeline/2025/index.html",
            "contributors/spoke-collective/index.html",
        },
    ),
    "story made private": (
        lambda p: edit(p, FLOOD, "lang: en\n", "lang: en\nvisibility: members\n"),
        # its story page, its event's (its only public story) and the reading session that read it are gone
        {
            "places/saltwick-yards/index.html",
            "events/index.html",
            "lessons/safety/index.html",
            "readings/index.html",
            "timeline/2026/index.html",
        },
    ),
    "site name": (
        lambda p: edit(p, "mkdocs.yml", "site_name: Harvest — stories from our movements", "site_name: Our harvest"),
        "every page",
    ),
    "override template": (override_template, "every page"),
    "contributor consent": (
        lambda p: edit(
            p,
            "stories/contributors.yml",
            "name: Priya Dandekar\n  credit: named",
            "name: Priya Dandekar\n  credit: anonymous",
        ),
        {"2026/flood-drill/index.html", "contributors/index.html", "readings/2026-12-assembly/index.html"},
    ),
}


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    """The sample archive, built once: its page store is warm."""
    project = copy_project(tmp_path_factory.mktemp("base") / "archive")
    assert build_into(project, project / "site") == (0, len(inodes(project / "site")))
    return project


def with_store_of(built: Path, target: Path) -> tuple[Path, set[int]]:
    """A fresh copy of the sample archive with a copy of `built`'s page store; -> (it, the
    inodes of the stored pages: a page of the next build with one of them was reused)."""
    project = copy_project(target)
    shutil.copytree(built / ".harvest", project / ".harvest")
    objects = project / ".harvest/cache/pages/objects"
    return project, {p.stat().st_ino for p in objects.rglob("*") if p.is_file()}


@pytest.mark.parametrize("name", list(CHANGES))
def test_a_warm_build_writes_what_a_clean_build_writes(built, tmp_path, name):
    change, must_render = CHANGES[name]
    project, stored = with_store_of(built, tmp_path / "archive")
    change(project)
    warm_site, clean_site = tmp_path / "warm", tmp_path / "clean"
    counts = build_into(project, warm_site)
    assert counts is not None
    reused, rendered = counts
    assert build_into(project, clean_site, "--no-cache") is None
    warm_files, clean_files = tree(warm_site), tree(clean_site)
    assert warm_files.keys() == clean_files.keys()
    assert [path for path in clean_files if warm_files[path] != clean_files[path]] == []
    # ... and the pages that show the change were rendered again; most others were reused
    pages = inodes(warm_site)
    rendered_pages = {path for path, ino in pages.items() if ino not in stored}
    assert len(rendered_pages) == rendered and len(pages) - rendered == reused
    if name == "story made private":
        assert not {"2026/flood-drill/index.html", "events/crisis-sim/index.html"} & pages.keys()
    if must_render == "every page":
        assert reused == 0
    else:
        assert must_render <= rendered_pages
        assert 0 < rendered < reused


def test_nothing_changed_renders_no_page(built, tmp_path):
    project, stored = with_store_of(built, tmp_path / "archive")
    counts = build_into(project, project / "site")
    pages = inodes(project / "site")
    assert counts == (len(pages), 0)
    assert all(ino in stored for ino in pages.values())
    assert tree(project / "site") == tree(built / "site")


@pytest.mark.parametrize("warm_first", [True, False])
def test_a_story_made_private_leaves_no_trace_in_a_warm_build(built, tmp_path, warm_first):
    """The privacy canary, with the cache warm: a story's words published in one build are in no
    output of the next once the story is private."""
    project, _ = with_store_of(built, tmp_path / "archive")
    edit(project, FLOOD, "Saltwick Yards sits below", f"Saltwick Yards ({CANARY}) sits below")
    if warm_first:
        assert CANARY.encode() in b"".join(tree(Path(build_into_site(project))).values())
    edit(project, FLOOD, "lang: en\n", "lang: en\nvisibility: private\n")
    site = build_into_site(project)
    leaks = [path for path, data in tree(site).items() if CANARY.encode() in data]
    assert leaks == []


def build_into_site(project: Path) -> Path:
    assert build_into(project, project / "site") is not None
    return project / "site"


def test_no_cache_reuses_nothing(built, tmp_path):
    project, stored = with_store_of(built, tmp_path / "archive")
    assert build_into(project, project / "site", "--no-cache") is None
    assert not any(ino in stored for ino in inodes(project / "site").values())


def _objects(project: Path) -> list[Path]:
    return [p for p in (project / ".harvest/cache/pages/objects").rglob("*") if p.is_file()]


def _rewrite_entries(project: Path, change) -> None:
    """Every row of the page store's entries, its JSON bytes replaced by `change(entry)`."""
    with contextlib.closing(sqlite3.connect(project / ".harvest/cache/pages" / ENTRIES)) as db:
        rows = db.execute("SELECT key, data FROM entries").fetchall()
        assert rows
        db.executemany("UPDATE entries SET data = ? WHERE key = ?", [(change(json.loads(d)), k) for k, d in rows])
        db.commit()


def _damage_entries_database(project: Path) -> None:
    folder = project / ".harvest/cache/pages"
    for suffix in ("-wal", "-shm"):
        (folder / f"{ENTRIES}{suffix}").unlink(missing_ok=True)
    (folder / ENTRIES).write_bytes(b"SQLite format 3\x00" + b"\xff" * 8000)


def _edit_live_page_in_place(project: Path) -> None:
    # site/ pages are hard links to the stored objects: writing into one changes the object too
    build_into(project, project / "site")
    with open(project / "site/index.html", "r+b") as handle:
        handle.write(b"<!-- edited in place -->")


CORRUPTIONS = {
    "entries not JSON": lambda p: _rewrite_entries(p, lambda e: b"{not json"),
    "entries of another format": lambda p: _rewrite_entries(p, lambda e: json.dumps({**e, "format": "other-9"})),
    "entries naming another object": lambda p: _rewrite_entries(p, lambda e: json.dumps({**e, "output": "0" * 40})),
    "entries without a story's cut": lambda p: _rewrite_entries(
        p, lambda e: json.dumps({**e, "cut": {"parts": [1]}, "title": 5})
    ),
    "the entries' database damaged": _damage_entries_database,
    "objects changed, same size": lambda p: [o.write_bytes(b"x" * o.stat().st_size) for o in _objects(p)],
    "objects truncated": lambda p: [o.write_bytes(o.read_bytes()[:100]) for o in _objects(p)],
    "objects removed": lambda p: [o.unlink() for o in _objects(p)],
    "a live page edited in place": _edit_live_page_in_place,
}


@pytest.mark.parametrize("name", list(CORRUPTIONS))
def test_a_corrupt_store_is_ignored(built, tmp_path, name):
    project, _ = with_store_of(built, tmp_path / "archive")
    CORRUPTIONS[name](project)
    counts = build_into(project, tmp_path / "site")
    assert tree(tmp_path / "site") == tree(built / "site")
    assert counts is not None
    if name == "a live page edited in place":
        assert counts[1] == 1  # that page only
    else:
        assert counts[0] == 0


# --- the keys, in plain Python ---------------------------------------------------------------------

from dataclasses import dataclass  # noqa: E402
from datetime import date  # noqa: E402
from pathlib import PurePosixPath  # noqa: E402

from harvest.site.fingerprint import Fingerprinter, Unhashable  # noqa: E402


@dataclass
class Card:
    title: str
    when: date
    tags: tuple = ()


def _closure(value):
    return lambda url: f"{url}{value}"  # a chart: called by the template with `url`


SAME = [
    ("equal dataclasses", Card("a", date(2026, 1, 2)), Card("a", date(2026, 1, 2))),
    ("a tuple and a list", [1, "x"], (1, "x")),
    ("a set in any order", {"b", "a", "c"}, {"c", "a", "b"}),
    (
        "a function without parameters, by what it returns",
        lambda: Card("a", date(2026, 1, 2)),
        lambda: Card("a", date(2026, 1, 2)),
    ),
    ("a closure, by its code and values", _closure("#x"), _closure("#x")),
]
DIFFERENT = [
    ("a nested field", {"s": [Card("a", date(2026, 1, 2))]}, {"s": [Card("a", date(2026, 1, 3))]}),
    ("key order (templates iterate in it)", {"a": 1, "b": 2}, {"b": 2, "a": 1}),
    ("a string and a number", "1", 1),
    ("a bool and a number", True, 1),
    ("None and an empty string", None, ""),
    ("a closure's value", _closure("#x"), _closure("#y")),
    ("what a function returns", lambda: "a", lambda: "b"),
    ("a list split differently", ["ab", "c"], ["a", "bc"]),
    ("a date and its text", date(2026, 1, 2), "2026-01-02"),
]


@pytest.mark.parametrize(("why", "one", "other"), SAME, ids=[c[0] for c in SAME])
def test_same_content_same_key(why, one, other):
    assert Fingerprinter().digest(one) == Fingerprinter().digest(other)


@pytest.mark.parametrize(("why", "one", "other"), DIFFERENT, ids=[c[0] for c in DIFFERENT])
def test_different_content_different_key(why, one, other):
    assert Fingerprinter().digest(one) != Fingerprinter().digest(other)


@pytest.mark.parametrize("value", [object(), [1, object()], {"k": type("Thing", (), {})()}])
def test_a_value_it_cannot_read_is_not_keyed(value):
    with pytest.raises(Unhashable):
        Fingerprinter().digest(value)


@pytest.mark.parametrize(
    ("one", "other", "same"),
    [
        (PurePosixPath("/a/project/stories"), PurePosixPath("/b/copy/stories"), True),
        ("/a/project/overrides", "/b/copy/overrides", True),
        ("/a/projectx/stories", "/b/copyx/stories", False),  # only the project folder itself
        ("/elsewhere/stories", "/b/copy/stories", False),
    ],
)
def test_paths_count_from_the_project_folder(one, other, same):
    assert (Fingerprinter(root="/a/project").digest(one) == Fingerprinter(root="/b/copy").digest(other)) is same


# --- `harvest serve`: dirty rebuilds in one process, one site folder ------------------------------

SERVE_URL = "http://127.0.0.1:8000/"


def serve_build(project: Path, site: Path, dirty: bool, startup: bool = False):
    """One build as `mkdocs serve` runs it (plugins kept between rebuilds: on_startup); -> its config."""
    from mkdocs.commands.build import build

    from harvest.site.project import load_mkdocs_config

    config = load_mkdocs_config(project / "mkdocs.yml", site_dir=str(site))
    config.site_url = SERVE_URL
    if startup:
        config.plugins.on_startup(command="serve", dirty=dirty)
    build(config, serve_url=SERVE_URL, dirty=dirty)
    return config


def first_serve_build(tmp_path: Path, monkeypatch) -> tuple[Path, Path]:
    """The sample copied and built as `harvest serve` first builds it -> (project, site folder)."""
    for key, value in ENV.items():
        monkeypatch.setenv(key, value)
    project = copy_project(tmp_path / "archive")
    site = tmp_path / "site"
    serve_build(project, site, dirty=True, startup=True)
    return project, site


@pytest.mark.parametrize(
    "name", ["story text", "story summary", "story answer", "story removed", "story made private", "story added"]
)
def test_serve_rebuilds_in_place_match_a_clean_build(built, tmp_path, monkeypatch, name):
    for key, value in ENV.items():
        monkeypatch.setenv(key, value)
    project, _ = with_store_of(built, tmp_path / "archive")
    served = tmp_path / "served"
    serve_build(project, served, dirty=True, startup=True)
    CHANGES[name][0](project)
    serve_build(project, served, dirty=True)  # the plugin instances of the first build
    clean = tmp_path / "clean"
    serve_build(project, clean, dirty=False)
    served_files, clean_files = tree(served), tree(clean)
    assert served_files.keys() == clean_files.keys()  # a removed or withheld story's page is gone
    assert [path for path in clean_files if served_files[path] != clean_files[path]] == []


def _overwrite_keeping_times(path: Path) -> None:
    """Other bytes of the same size, with the file's times put back: only its change time and
    its content tell."""
    before = path.stat()
    with open(path, "r+b") as handle:
        handle.write(b"x" * before.st_size)
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))


@pytest.mark.parametrize("change", ["nothing", "story text", "story added"])
def test_serve_trusts_no_page_changed_between_rebuilds(built, tmp_path, monkeypatch, change):
    """Under serve the store remembers the entries it read and the objects it hashed: a served
    page (a hard link to its object) changed in place between rebuilds is still never reused."""
    for key, value in ENV.items():
        monkeypatch.setenv(key, value)
    project, _ = with_store_of(built, tmp_path / "archive")
    served = tmp_path / "served"
    serve_build(project, served, dirty=True, startup=True)
    time.sleep(0.3)  # (filestamps.settled: stamps this recent are never remembered)
    serve_build(project, served, dirty=True)  # entries and objects remembered from here
    time.sleep(0.3)
    _overwrite_keeping_times(served / "lessons/communication/index.html")
    _overwrite_keeping_times(served / "places/saltwick-yards/index.html")
    if change != "nothing":
        CHANGES[change][0](project)
    serve_build(project, served, dirty=True)
    clean = tmp_path / "clean"
    serve_build(project, clean, dirty=False)
    served_files, clean_files = tree(served), tree(clean)
    assert served_files.keys() == clean_files.keys()
    assert [path for path in clean_files if served_files[path] != clean_files[path]] == []


def test_mkdocs_hooks_are_part_of_the_key(built, tmp_path):
    """An MkDocs hook (`hooks:` in mkdocs.yml: a module, no options) is keyed by its code: the
    build works, an unchanged hook reuses every page, an edited one renders every page again."""
    project, _ = with_store_of(built, tmp_path / "archive")
    (project / "hook.py").write_text("def on_env(env, config, files):\n    return env\n", "utf-8")
    (project / "mkdocs.yml").write_text((project / "mkdocs.yml").read_text("utf-8") + "\nhooks: [hook.py]\n", "utf-8")
    first = build_into(project, tmp_path / "first")
    assert first is not None and first[1] > 0  # a new build key: rendered
    again = build_into(project, tmp_path / "again")
    assert again == (first[0] + first[1], 0)
    (project / "hook.py").write_text("def on_env(env, config, files):\n    return env  # edited\n", "utf-8")
    edited = build_into(project, tmp_path / "edited")
    assert edited == (0, first[0] + first[1])


# --- serve: a reused story page's cut, kept with its entry (CutMemo) --------------------------------


def _entry(parts: list[str], figures: str = "") -> dict:
    return {"cut": {"parts": parts, "figures": figures}}


def test_cut_memo_gives_one_cut_per_entry_object_across_builds():
    from harvest.site.pagecache import CutMemo, cut_hash

    memo = CutMemo()
    first, other = _entry(["<p>opening</p>", "<h2>What surprised you?</h2><p>the rain</p>"]), _entry(["<p>b</p>"])
    memo.next_build()
    cut = memo.cut(first, first["cut"]["parts"], "")
    assert cut.parts == ["<p>opening</p>", "<h2>What surprised you?</h2><p>the rain</p>"] and cut.figures == ""
    memo.cut(other, other["cut"]["parts"], "")
    memo.next_build()  # a rebuild: the store hands back the same entry object
    assert memo.cut(first, first["cut"]["parts"], "") is cut
    assert memo.hash_of(cut) == cut_hash(cut)
    same_text = _entry(["<p>opening</p>", "<h2>What surprised you?</h2><p>the rain</p>"])
    assert memo.cut(same_text, same_text["cut"]["parts"], "") is not cut  # another entry: its own cut
    memo.next_build()  # `other` was not used by the last build: forgotten
    again = memo.cut(other, other["cut"]["parts"], "<p>img</p>")
    assert again.parts == ["<p>b</p>"] and again.figures == "<p>img</p>"
    assert memo.hash_of(cut) is None or memo.hash_of(cut) == cut_hash(cut)


def test_serve_rebuilds_keep_the_reused_story_cuts(built, tmp_path, monkeypatch):
    for key, value in ENV.items():
        monkeypatch.setenv(key, value)
    project, _ = with_store_of(built, tmp_path / "archive")
    cuts = []
    for startup in (True, False, False):
        config = serve_build(project, tmp_path / "served", dirty=True, startup=startup)
        cuts.append(dict(config.plugins["harvest"].story_html))
    assert len(cuts[0]) == 10  # every story the public profile publishes
    # The first build renders them (its serve URL gives other keys than the stored pages'); the
    # next reuses the pages it stored, with the very cuts they were rendered with; and so on.
    assert all(cuts[1][story] is cuts[0][story] for story in cuts[0])
    assert all(cuts[2][story] is cuts[1][story] for story in cuts[1])  # reused: not made again


def test_cut_memo_keeps_the_cut_of_a_text_that_did_not_change():
    from harvest.site.pagecache import CutMemo, cut_hash
    from harvest.site.storyhtml import StoryHtml

    memo = CutMemo()
    rendered = StoryHtml(["<p>opening</p>", "<h2>Who stepped forward?</h2><p>Ana</p>"], "")
    memo.shown("s1", rendered, cut_hash(rendered))
    memo.written("key-1", rendered, cut_hash(rendered))
    memo.next_build()
    # the page stored under key-1, read back: its entry's parts are the rendered cut's
    entry = {"key": "key-1", **_entry(list(rendered.parts))}
    assert memo.cut(entry, entry["cut"]["parts"], "", "s1") is rendered
    assert memo.hash_of(rendered) == cut_hash(rendered)
    # the same page rendered again (another story changed): same text, same object
    again = StoryHtml(list(rendered.parts), "")
    assert memo.same_as_last("s1", again) is rendered
    # the text changed: its own cut, under the stored key or the story's id
    edited = {"key": "key-1", **_entry(["<p>opening</p>", "<h2>Who stepped forward?</h2><p>Bo</p>"])}
    made = memo.cut(edited, edited["cut"]["parts"], "", "s1")
    assert made is not rendered and made.parts[1].endswith("<p>Bo</p>")
    assert memo.same_as_last("s1", StoryHtml(["<p>other</p>"], "")) is not rendered
    assert memo.same_as_last("s2", again) is again  # another story's cut is never taken
    memo.next_build()
    memo.next_build()  # two builds that showed nothing: the rendered cut is let go
    assert memo.same_as_last("s1", again) is again
