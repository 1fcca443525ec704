"""The story cache (.harvest/cache/): reused only for the very bytes it was made from, under the
same settings and code; anything odd about it is ignored and rebuilt; `--no-cache`; a warm build
gives the same site as a cold one; privacy is decided afresh on every run; `harvest index`
after one edit reads and re-indexes only that story."""

from __future__ import annotations

import ast
import hashlib
import json
import os
import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from conftest import build, run_harvest
from harvest.cli import main as cli
from harvest.core.archive import scan
from harvest.site.project import settings_from_file
from test_privacy import output_texts

TODAY = {"HARVEST_TODAY": "2026-11-21", "SOURCE_DATE_EPOCH": "1767225600", "NO_COLOR": "1"}
FLOOD = "stories/2026/flood-drill.md"
FLOOD_ID = "2026-03-flood-drill"
PLANTED = "Plantedcanary title"


@pytest.fixture
def today(monkeypatch):
    for name, value in TODAY.items():
        monkeypatch.setenv(name, value)


def shards(project: Path) -> list[Path]:
    return sorted((project / ".harvest" / "cache").glob("stories-*.json"))


def scanned(project: Path, cache: bool = True):
    settings = replace(settings_from_file(project / "mkdocs.yml"), cache=cache)
    collection = scan(settings)
    return collection.stories, collection.problems


def split(path: Path) -> tuple[dict, dict]:
    head, _, body = path.read_bytes().partition(b"\n")
    return json.loads(head), json.loads(body)


def join(path: Path, header: dict, entries: dict, checksum: bool = True) -> None:
    body = json.dumps(entries).encode()
    if checksum:
        header = {**header, "checksum": hashlib.sha256(body).hexdigest()}
    path.write_bytes(json.dumps(header).encode() + b"\n" + body)


def plant(project: Path, header_change=None, checksum: bool = True, problem: bool = False) -> None:
    """Every cached story gets the title PLANTED (and, with `problem`, a warning no file has):
    what a run shows if it trusts the file."""
    for path in shards(project):
        header, entries = split(path)
        for entry in entries.values():
            if entry["scanned"]["story"]:
                entry["scanned"]["story"]["title"] = PLANTED
            if problem:
                entry["scanned"]["problems"].append(["stories/x.md", 1, "body", "plantedwarning", "", "warning", True])
        join(path, {**header, **(header_change or {})}, entries, checksum)


def valid(path: Path) -> bool:
    head, _, body = path.read_bytes().partition(b"\n")
    return json.loads(head)["checksum"] == hashlib.sha256(body).hexdigest()


# --- a cache is trusted only when it is exactly what this run would have written -----------------


def _dir_in_place(project: Path) -> None:
    for path in shards(project):
        path.unlink()
        path.mkdir()
        (path / "inside").write_text("x")


def _folder_is_a_file(project: Path) -> None:
    folder = project / ".harvest" / "cache"
    shutil.rmtree(folder)
    folder.write_text("not a folder")


def _symlinked(project: Path) -> None:
    """Valid planted files, but reached through links (a link could point anywhere)."""
    plant(project)
    elsewhere = project / "elsewhere"
    elsewhere.mkdir()
    for path in shards(project):
        shutil.move(path, elsewhere / path.name)
        path.symlink_to(elsewhere / path.name)


def _rewrite_each(change):
    def apply(project: Path) -> None:
        for path in shards(project):
            path.write_bytes(change(path.read_bytes()))

    return apply


def _malformed_entries(project: Path) -> None:
    for path in shards(project):
        header, entries = split(path)
        shapes = [5, {"sha": "x"}, {"scanned": {"story": {"id": 3}}}, {"scanned": None}]
        for number, rel in enumerate(entries):
            entries[rel] = {**entries[rel], "scanned": {"story": {"id": 3}, "problems": [], "lines": {}}}
            if number < len(shapes):
                entries[rel] = shapes[number]
        join(path, header, entries)


def _wrong_types(project: Path) -> None:
    """Valid files whose entries have the right keys but not the types a scan makes."""
    wrong = [
        ("title", 5),
        ("contributors", "hanne"),
        ("lessons", [["joy"]]),
        ("body_line", "7"),
        ("sections", [["What surprised us?", "surprised", [0, 5], "9", 3]]),
        ("extra", []),
        ("date", 20260301),
    ]
    for path in shards(project):
        header, entries = split(path)
        for number, entry in enumerate(entries.values()):
            if entry["scanned"]["story"]:
                name, value = wrong[number % len(wrong)]
                entry["scanned"]["story"][name] = value
            else:
                entry["scanned"]["problems"] = [[1, 2, 3]]
        join(path, header, entries)


def _deeply_nested(project: Path) -> None:
    for path in shards(project):
        header, _ = split(path)
        body = b"[" * 200_000 + b"]" * 200_000
        path.write_bytes(json.dumps({**header, "checksum": hashlib.sha256(body).hexdigest()}).encode() + b"\n" + body)


CORRUPT = {
    "truncated": _rewrite_each(lambda data: data[: len(data) // 2]),
    "header only": _rewrite_each(lambda data: data.partition(b"\n")[0] + b"\n"),
    "empty": _rewrite_each(lambda data: b""),
    "not JSON": _rewrite_each(lambda data: b"\xff\xfe\x00 not json {"),
    "one byte changed": _rewrite_each(lambda data: data[:-10] + bytes([data[-10] ^ 1]) + data[-9:]),
    "wrong checksum": lambda p: plant(p, checksum=False),
    "wrong version": lambda p: plant(p, {"harvest": "0.0.1+0000000000000000"}),
    "wrong format": lambda p: plant(p, {"format": 999}),
    "foreign settings": lambda p: plant(p, {"settings": "0" * 32}),
    "another namespace": lambda p: plant(p, {"namespace": "pages"}),
    "body not a mapping": _rewrite_each(lambda data: data.partition(b"\n")[0] + b"\n[]"),
    "malformed entries": _malformed_entries,
    "wrong types": _wrong_types,
    "deeply nested": _deeply_nested,
    "directory in place of a file": _dir_in_place,
    "cache folder is a file": _folder_is_a_file,
    "symbolic links": _symlinked,
}


@pytest.mark.parametrize("corrupt", list(CORRUPT), ids=list(CORRUPT))
def test_a_bad_cache_is_ignored_and_rebuilt(project, today, corrupt):
    cold = scanned(project, cache=False)
    assert scanned(project) == cold and shards(project)  # warm: written
    CORRUPT[corrupt](project)
    assert scanned(project) == cold  # ignored, never a traceback
    assert scanned(project) == cold  # rebuilt: and read again
    files = shards(project)
    assert files and all(p.is_file() and not p.is_symlink() and valid(p) for p in files)


def test_the_cache_is_the_owners_only(project, today):
    """It holds every profile's text (private stories too): no other user of the machine reads it."""
    scanned(project)
    assert shards(project)
    assert all(p.stat().st_mode & 0o077 == 0 for p in shards(project))


def test_a_valid_cache_is_used(project, today):
    """The control for the test above: a planted file with a right header is read (so the
    corruptions above would show if they were trusted)."""
    scanned(project)
    plant(project)
    assert {s.title for s in scanned(project)[0]} == {PLANTED}


@pytest.mark.parametrize(
    "edit",
    [
        pytest.param(lambda p: p.write_bytes(p.read_bytes().replace(b"boathouse", b"boatshed")), id="same size"),
        pytest.param(lambda p: p.write_bytes(p.read_bytes() + b"\n"), id="one more byte"),
    ],
)
@pytest.mark.parametrize("keep_mtime", [False, True], ids=["new-mtime", "old-mtime"])
def test_keyed_by_content_not_by_time(project, today, edit, keep_mtime):
    scanned(project)
    plant(project)
    story = project / FLOOD
    before = story.stat()
    edit(story)
    if keep_mtime:
        os.utime(story, ns=(before.st_atime_ns, before.st_mtime_ns))
    titles = {s.id: s.title for s in scanned(project)[0]}
    assert titles[FLOOD_ID] != PLANTED  # its bytes changed: read again
    assert set(titles.values()) == {PLANTED, titles[FLOOD_ID]}  # the others were reused


def test_same_bytes_rewritten_are_reused(project, today):
    scanned(project)
    plant(project)
    story = project / FLOOD
    story.write_bytes(story.read_bytes())  # a new stamp, the same content
    assert {s.title for s in scanned(project)[0]} == {PLANTED}


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(("stories/contributors.yml", "credit: named", "credit: anonymous"), id="contributors.yml"),
        pytest.param(("stories/lessons.yml", "title:", "title: x"), id="lessons.yml"),
        pytest.param(("mkdocs.yml", "default_visibility", "default_visibility"), id="mkdocs.yml unchanged"),
        pytest.param(
            ("mkdocs.yml", "      lessons: lessons.yml", "      extra_fields: [mood]\n      lessons: lessons.yml"),
            id="extra_fields",
        ),
        pytest.param(
            ("mkdocs.yml", "        festival: Festival", "        festival: Festival\n        vigil: Vigil"),
            id="event kinds",
        ),
    ],
)
def test_settings_and_vocabularies_are_part_of_the_key(project, today, change):
    scanned(project)
    plant(project)
    name, old, new = change
    path = project / name
    path.write_text(path.read_text().replace(old, new, 1))
    titles = {s.title for s in scanned(project)[0]}
    if old == new:
        assert titles == {PLANTED}
    else:
        assert PLANTED not in titles


def test_the_profile_and_the_date_are_not_part_of_the_key(project, today, monkeypatch):
    """They decide what is published, never what a file says: the same entries serve every
    profile and day (and `harvest pack`, which leaves the peers out), and `publish` decides afresh."""
    scanned(project)
    plant(project)
    monkeypatch.setenv("HARVEST_TODAY", "2031-01-01")
    settings = replace(settings_from_file(project / "mkdocs.yml", "archive"), cache=True, federation=False)
    assert {s.title for s in scan(settings).stories} == {PLANTED}


def test_the_sites_own_settings_are_not_part_of_the_key(project, today):
    """`harvest serve` sets its own site_url: serve and then build (or index) reuse one cache,
    where each used to find it foreign and read every story again."""
    scanned(project)
    plant(project)
    settings = replace(
        settings_from_file(project / "mkdocs.yml"),
        cache=True,
        site_url="http://127.0.0.1:8000/",
        site_name="Another name",
        words_per_minute_silent=99,
        words_per_minute_aloud=42,
        related_count=2,
    )
    assert {s.title for s in scan(settings).stories} == {PLANTED}


CORE = Path(__file__).resolve().parents[1] / "plugins" / "harvest" / "core"
SITE_ONLY = ["site_name", "site_url", "words_per_minute_silent", "words_per_minute_aloud", "related_count"]


def test_scan_runs_only_the_core_packages_code():
    """Half of what keeps the test above true: the core package imports nothing else of Harvest's
    but the peers' stories, which are never cached (and its own code is part of the key)."""
    outside: set[str] = set()
    for path in sorted(CORE.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom):
                outside.add(node.module or "")
            elif isinstance(node, ast.Import):
                outside |= {alias.name for alias in node.names}
    outside = {name for name in outside if name.startswith("harvest.") and name.split(".")[1] != "core"}
    assert outside == {"harvest.federation.stories"}


@pytest.mark.parametrize("name", SITE_ONLY)
def test_no_code_that_scans_reads_the_sites_own_settings(name):
    """The other half: no core module reads these settings (else changing one would have to make
    the cache anew)."""
    readers = [p.name for p in sorted(CORE.glob("*.py")) if p.name != "settings.py" and name in p.read_text()]
    assert readers == ["cache.py"]  # (only to leave it out of the key)


# --- the command line ------------------------------------------------------------------------------


@pytest.mark.parametrize("command", ["build", "serve", "index", "check"])
def test_no_cache_flag_is_a_plugin_option(command):
    from harvest.cli.site import profile_options

    args = cli.build_parser([command]).parse_args([command, "--no-cache", "--profile", "members"])
    assert args.no_cache is True
    assert profile_options(args) == {"harvest": {"profile": "members", "cache": False}}


def _site_text(project: Path) -> str:
    return "\n".join(p.read_text("utf-8", "replace") for p in (project / "site").rglob("*.html"))


@pytest.mark.parametrize(
    ("argv", "shows"),
    [
        (["build"], lambda project, result: PLANTED in _site_text(project)),
        (["check"], lambda project, result: "plantedwarning" in result.stdout),
        (
            ["index", "--rebuild"],
            lambda project, result: bool(json.loads(_search(project, "plantedcanary"))["results"]),
        ),
    ],
    ids=["build", "check", "index"],
)
def test_no_cache_reads_every_story_afresh(project, argv, shows):
    assert run_harvest("check", cwd=project, env=TODAY).returncode == 0  # writes the cache
    plant(project, problem=argv[0] == "check")  # (a strict build would stop at the warning)
    planted = {p: p.read_bytes() for p in shards(project)}
    result = run_harvest(*argv, "--no-cache", cwd=project, env=TODAY)
    assert result.returncode == 0, result.stderr
    assert not shows(project, result)
    assert {p: p.read_bytes() for p in shards(project)} == planted  # neither read nor written
    result = run_harvest(*argv, cwd=project, env=TODAY)
    assert shows(project, result)  # the control: without the flag the (valid) cache is used


def _search(project: Path, query: str) -> str:
    result = run_harvest("search", "--no-update", "--json", query, cwd=project, env=TODAY)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_cache_false_in_mkdocs_yml_writes_no_cache(project):
    config = project / "mkdocs.yml"
    config.write_text(config.read_text().replace("  - harvest:\n", "  - harvest:\n      cache: false\n", 1))
    build(project, env=TODAY)
    assert not (project / ".harvest" / "cache").exists()


def _files(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_a_warm_build_is_byte_identical_to_a_cold_one(project):
    build(project, env=TODAY)
    assert shards(project)
    warm_first = _files(project / "site")
    build(project, env=TODAY)  # every story from the cache
    warm = _files(project / "site")
    build(project, "--no-cache", env=TODAY)
    cold = _files(project / "site")
    assert warm == cold == warm_first


# --- privacy is decided on every run, whatever the cache holds -------------------------------------


def _private(text: str) -> str:
    return text.replace("lang: en\n---", "lang: en\nvisibility: private\n---")


def _embargoed(text: str) -> str:
    return text.replace("lang: en\n---", "lang: en\nembargo_until: 2027-06-01\n---")


def _redacted(text: str) -> str:
    return text.replace("boathouse", "[[redact]]boathouse[[/redact]]")


def _consent_withdrawn(text: str) -> str:
    return text.replace("Priya Dandekar\n  credit: named", "Priya Dandekar\n  credit: anonymous")


WITHDRAWALS = {
    "made private": (FLOOD, _private, "boathouse"),
    "embargoed": (FLOOD, _embargoed, "boathouse"),
    "redacted": (FLOOD, _redacted, "boathouse"),
    "consent withdrawn": ("stories/contributors.yml", _consent_withdrawn, "priya dandekar"),
}


def _outputs(project: Path):
    """Every output: the site (pages, search data, feeds, digests, sitemap) and the terminal index."""
    for folder in (project / "site", project / ".harvest" / "index"):
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                yield from output_texts(path)


@pytest.mark.parametrize("cache", ["warm", "cold"])
@pytest.mark.parametrize("withdrawal", list(WITHDRAWALS))
def test_privacy_canary_with_the_cache_warm_and_cold(project, withdrawal, cache):
    name, change, canary = WITHDRAWALS[withdrawal]
    assert run_harvest("index", cwd=project, env=TODAY).returncode == 0  # builds keep it current
    build(project, env=TODAY)
    assert shards(project)
    assert any(canary.encode() in data.lower() for _, data in _outputs(project))  # the probe works
    path = project / name
    path.write_text(change(path.read_text("utf-8")), "utf-8")
    build(project, *(["--no-cache"] if cache == "cold" else []), env=TODAY)
    leaks = [where for where, data in _outputs(project) if canary.encode() in data.lower()]
    assert not leaks, leaks
    found = json.loads(_search(project, canary))["results"]
    assert not found


# --- harvest index after an edit: only the changed stories are read and indexed ------------------


def _add_story(project: Path) -> None:
    text = (project / FLOOD).read_text("utf-8")
    new = text.replace(FLOOD_ID, "2026-04-new-story").replace("boathouse", "lighthouse")
    (project / "stories" / "2026" / "new-story.md").write_text(new, "utf-8")


def _move(project: Path) -> None:
    (project / "stories" / "2027").mkdir()
    shutil.move(project / FLOOD, project / "stories" / "2027" / "flood-drill.md")


def _edit(change):
    def apply(project: Path) -> None:
        path = project / FLOOD
        path.write_text(change(path.read_text("utf-8")), "utf-8")

    return apply


EDITS = {
    # name: (edit, story files read, documents made; None: all published). A story whose front
    # matter changed is read twice: by the text-edit path (`search/edited.py`), which then gives
    # way, and by the full update.
    "text edited": (_edit(lambda t: t.replace("boathouse", "boathouse quayside")), 1, 1),
    "made private": (_edit(_private), 2, 0),
    "redacted": (_edit(_redacted), 1, 1),
    "id changed": (_edit(lambda t: t.replace(f"id: {FLOOD_ID}", "id: 2026-03-flood-drill-two")), 2, 1),
    "deleted": (lambda p: (p / FLOOD).unlink(), 0, 0),
    "added": (_add_story, 1, 1),
    "moved": (_move, 1, 1),
    "another file changed": (lambda p: (p / "stories" / "2026" / "photo.jpg").write_bytes(b"\xff\xd8"), 0, None),
}
PROBES = ["boathouse", "quayside", "lighthouse", "saltwick", "phone tree", "lesson:safety"]


def _results(project: Path) -> dict[str, list]:
    """What each probe finds, in no order: whoosh counts a replaced document's words in its
    segment's statistics until that segment is merged (every third update), so near ties may
    come in another order than from a rebuild."""
    return {
        q: sorted((r["id"], r["url"], r["title"]) for r in json.loads(_search(project, q))["results"]) for q in PROBES
    }


@pytest.mark.parametrize("edit", list(EDITS))
def test_index_after_an_edit_reads_only_what_changed(project, today, monkeypatch, edit):
    import harvest.core.validate as validate
    import harvest.search.documents as documents

    change, reads, made = EDITS[edit]
    assert run_harvest("index", cwd=project, env=TODAY).returncode == 0
    change(project)
    calls = {"read": 0, "made": 0}

    def counted(function, key):
        def wrapper(*args, **kwargs):
            calls[key] += 1
            return function(*args, **kwargs)

        return wrapper

    monkeypatch.setattr(validate, "build_story", counted(validate.build_story, "read"))
    monkeypatch.setattr(documents, "document", counted(documents.document, "made"))
    monkeypatch.chdir(project)
    assert cli.main(["index"]) == 0
    published = len(json.loads((project / ".harvest/index/public/harvest-manifest.json").read_text())["documents"])
    assert (calls["read"], calls["made"]) == (reads, published if made is None else made)
    incremental = _results(project)
    assert run_harvest("index", "--rebuild", cwd=project, env=TODAY).returncode == 0
    assert incremental == _results(project)  # the same as an index made from scratch


def test_a_build_stamps_the_sources_before_reading_them(project, today, monkeypatch):
    """A story edited while the site builds must be indexed by the next `harvest index`: the
    build records the stamps the stories had *before* it read them."""
    import harvest.site.plugin as plugin

    assert run_harvest("index", cwd=project, env=TODAY).returncode == 0
    real_scan = plugin.scan

    def scan_then_edit(settings, *args, **kwargs):
        collection = real_scan(settings, *args, **kwargs)
        story = project / FLOOD
        story.write_text(story.read_text("utf-8").replace("boathouse", "boathouse quayside"), "utf-8")
        return collection

    monkeypatch.setattr(plugin, "scan", scan_then_edit)
    monkeypatch.chdir(project)
    assert cli.main(["build"]) == 0
    result = run_harvest("index", cwd=project, env=TODAY)
    assert "1 changed" in result.stdout, result.stdout
    assert json.loads(_search(project, "quayside"))["results"]
