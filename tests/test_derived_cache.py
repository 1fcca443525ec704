"""What a build derives from the search documents (search/derived.py): related stories and the
browser index, reused by a repeat build in which no story's document changed, and never when one did.

Each build here is a real `harvest build`; a reused corpus shows in its log. What must be reused
and what not is written by hand from what each change touches.
"""

from __future__ import annotations

import json
import shutil
import stat
from pathlib import Path

import pytest

from conftest import copy_project, edit, run_harvest
from harvest.search import derived

ENV = {"HARVEST_TODAY": "2026-11-21", "SOURCE_DATE_EPOCH": "1795000000"}
FLOOD = "stories/2026/flood-drill.md"
KESTREL = "stories/2025/tenant-assembly-kestrel-row.md"
CANARY = "canaryderivedword"  # (the browser index keeps words folded)
REUSED = "as the last build made them"


def build(project: Path, site: Path, *args: str) -> str:
    """`harvest build -d site`; -> its log."""
    result = run_harvest("build", "-d", str(site), *args, cwd=project, env=ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stderr


def touch(project: Path) -> None:
    file = project / FLOOD
    file.write_bytes(file.read_bytes())  # a new stamp, the same bytes


def search_tree(site: Path) -> dict[str, bytes]:
    folder = site / "search"
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def related_section(page: Path) -> str:
    html = page.read_text("utf-8")
    start = html.find('class="harvest-related')
    assert start != -1, f"no related stories on {page}"
    return html[start : html.find("</nav>", start)]


def derived_files(project: Path) -> list[Path]:
    return sorted((project / ".harvest/cache").glob("derived-*.bin"))


@pytest.fixture(scope="module")
def warm(tmp_path_factory) -> Path:
    """The sample archive built once: what it derived is in its cache."""
    project = copy_project(tmp_path_factory.mktemp("warm") / "archive")
    log = build(project, project / "site")
    assert REUSED not in log
    return project


def warm_copy(warm: Path, target: Path) -> Path:
    project = copy_project(target)
    shutil.copytree(warm / ".harvest", project / ".harvest")
    return project


# (change, is the corpus still the last build's?) -- by hand: the documents hold each story's text
# as published (redactions applied), its shown credits, lesson titles and versions.
CHANGES = {
    "nothing": (lambda p: None, True),
    "a story file rewritten with the same bytes": (touch, True),
    "a story's text": (lambda p: edit(p, FLOOD, "Saltwick Yards sits below", "Saltwick Yards sits well below"), False),
    "a passage newly redacted": (
        lambda p: edit(p, FLOOD, "About thirty people played", "About [[redact]]thirty people[[/redact]] played"),
        False,
    ),
    "a contributor's credit rule": (
        lambda p: edit(
            p,
            "stories/contributors.yml",
            "name: Priya Dandekar\n  credit: named",
            "name: Priya Dandekar\n  credit: anonymous",
        ),
        False,
    ),
    "a story made private": (lambda p: edit(p, FLOOD, "lang: en\n", "lang: en\nvisibility: private\n"), False),
    "a story removed": (lambda p: (p / "stories/2025/may-day-bike-relay.md").unlink(), False),
    # the documents are the same; the site's name is part of the browser index
    "the site's name": (
        lambda p: edit(p, "mkdocs.yml", "site_name: Harvest — stories from our movements", "site_name: Our harvest"),
        False,
    ),
}


@pytest.mark.parametrize("name", list(CHANGES))
def test_a_repeat_build_derives_what_a_clean_build_derives(warm, tmp_path, name):
    change, reused = CHANGES[name]
    project = warm_copy(warm, tmp_path / "archive")
    change(project)
    log = build(project, tmp_path / "warm")
    assert (REUSED in log) is reused
    build(project, tmp_path / "clean", "--no-cache")
    assert search_tree(tmp_path / "warm") == search_tree(tmp_path / "clean")
    for page in ("2026/street-festival-childcare/index.html", "2025/winter-soup-line/index.html"):
        assert related_section(tmp_path / "warm" / page) == related_section(tmp_path / "clean" / page)


def test_nothing_changed_reuses_the_very_index_and_keeps_it_owner_only(warm, tmp_path):
    project = warm_copy(warm, tmp_path / "archive")
    assert REUSED in build(project, project / "site")
    assert search_tree(project / "site") == search_tree(warm / "site")
    (file,) = derived_files(project)
    assert stat.S_IMODE(file.stat().st_mode) == 0o600


def test_a_story_made_private_leaves_no_trace_in_what_is_kept(warm, tmp_path):
    """The privacy canary with the cache warm: the story's word was in the browser index and in the
    kept file; once private, in neither (the kept file is written anew from this build)."""
    project = warm_copy(warm, tmp_path / "archive")
    edit(project, FLOOD, "Saltwick Yards sits below", f"Saltwick Yards ({CANARY}) sits below")
    build(project, project / "site")
    assert CANARY.encode() in b"".join(search_tree(project / "site").values())
    assert CANARY.encode() in derived_files(project)[0].read_bytes()
    edit(project, FLOOD, "lang: en\n", "lang: en\nvisibility: private\n")
    assert REUSED not in build(project, project / "site")
    assert CANARY.encode() not in b"".join(search_tree(project / "site").values())
    assert [f for f in derived_files(project) if CANARY.encode() in f.read_bytes()] == []


def test_a_redaction_reaches_the_browser_index_of_a_warm_build(warm, tmp_path):
    project = warm_copy(warm, tmp_path / "archive")
    secret = "laundrette on Pike Lane"
    assert secret.encode() not in b"".join(search_tree(warm / "site").values())  # redacted already
    edit(project, KESTREL, "[[redact]]the back room", "the back room")
    edit(project, KESTREL, "night attendant[[/redact]]", "night attendant")
    build(project, project / "site")
    assert b"laundrette" in b"".join(search_tree(project / "site").values())
    edit(project, KESTREL, "the back room of", "[[redact]]the back room of")
    edit(project, KESTREL, "night attendant because", "night attendant[[/redact]] because")
    assert REUSED not in build(project, project / "site")
    assert b"laundrette" not in b"".join(search_tree(project / "site").values())


def _flip_body_byte(data: bytes) -> bytes:
    head, _, body = data.partition(b"\n")
    return head + b"\n" + bytes([body[0] ^ 1]) + body[1:]


def _other_code(data: bytes) -> bytes:
    head, _, body = data.partition(b"\n")
    fields = json.loads(head)
    fields["code"] = "another-harvest"
    return json.dumps(fields).encode() + b"\n" + body


def _opened(data: bytes) -> tuple[dict, dict, bytes]:
    """(header fields, meta, the parts' bytes) of a derived file."""
    head, _, body = data.partition(b"\n")
    meta_line, _, blobs = body.partition(b"\n")
    return json.loads(head), json.loads(meta_line), blobs


def _sealed(fields: dict, meta: dict, blobs: bytes) -> bytes:
    """The file again, its checksum made to fit (what a planted file would do)."""
    import hashlib

    body = json.dumps(meta).encode() + b"\n" + blobs
    fields["checksum"] = hashlib.sha256(body).hexdigest()
    return json.dumps(fields).encode() + b"\n" + body


def _planted_related(data: bytes) -> bytes:
    """Related stories naming a story this profile does not publish, the checksum made to fit."""
    fields, meta, blobs = _opened(data)
    sizes = dict(meta["parts"])
    related = json.loads(blobs[: sizes[derived.RELATED]])
    related[next(iter(related))] = ["2026-11-susurrada-private"]
    part = json.dumps(related).encode()
    meta["parts"] = [[n, len(part) if n == derived.RELATED else s] for n, s in meta["parts"]]
    return _sealed(fields, meta, part + blobs[sizes[derived.RELATED] :])


def _planted_path(data: bytes) -> bytes:
    """A browser index part named to land outside `search/`, the checksum made to fit."""
    fields, meta, blobs = _opened(data)
    meta["parts"][-1][0] = derived.BROWSER + "../planted.js"
    return _sealed(fields, meta, blobs)


DAMAGE = {
    "empty": lambda data: b"",
    "truncated": lambda data: data[: len(data) // 2],
    "a byte of the body changed": _flip_body_byte,
    "another Harvest's": _other_code,
    "not JSON at the head": lambda data: b"{not json\n" + data.partition(b"\n")[2],
    "planted related stories": _planted_related,
    "a part named outside the search folder": _planted_path,
}


@pytest.mark.parametrize("name", list(DAMAGE))
def test_a_damaged_or_foreign_file_is_ignored_and_written_anew(warm, tmp_path, name):
    project = warm_copy(warm, tmp_path / "archive")
    (file,) = derived_files(project)
    file.write_bytes(DAMAGE[name](file.read_bytes()))
    log = build(project, project / "site")
    assert REUSED not in log
    assert search_tree(project / "site") == search_tree(warm / "site")
    assert "2026-11-susurrada-private" not in related_section(
        project / "site/2026/street-festival-childcare/index.html"
    )
    assert not (project / "site/planted.js").exists()
    assert REUSED in build(project, tmp_path / "again")  # written anew, whole


def test_a_symlinked_file_is_not_followed(warm, tmp_path):
    project = warm_copy(warm, tmp_path / "archive")
    (file,) = derived_files(project)
    elsewhere = tmp_path / "elsewhere.bin"
    elsewhere.write_bytes(file.read_bytes())
    file.unlink()
    file.symlink_to(elsewhere)
    assert REUSED not in build(project, project / "site")
    assert search_tree(project / "site") == search_tree(warm / "site")


def test_no_cache_neither_reads_nor_writes_it(warm, tmp_path):
    project = warm_copy(warm, tmp_path / "archive")
    (file,) = derived_files(project)
    before = file.read_bytes()
    edit(project, FLOOD, "Saltwick Yards sits below", f"Saltwick Yards ({CANARY}) sits below")
    assert REUSED not in build(project, project / "site", "--no-cache")
    assert file.read_bytes() == before


def _search(project: Path, word: str) -> list[str]:
    result = run_harvest("search", "--json", "--no-update", word, cwd=project, env=ENV)
    assert result.returncode == 0, result.stderr
    return [hit["id"] for hit in json.loads(result.stdout)["results"]]


def test_the_terminal_index_is_left_alone_only_when_it_holds_these_documents(warm, tmp_path):
    """A build skips the terminal index's update when the index's last update was a build's of the
    same documents; after `harvest index` changed it, the next build updates it even though the
    stories are back to what that earlier build had."""
    project = warm_copy(warm, tmp_path / "archive")
    assert run_harvest("index", cwd=project, env=ENV).returncode == 0
    log = build(project, project / "site")  # brings the index's manifest to this build's documents
    assert "search index updated" in log
    log = build(project, project / "site")
    assert REUSED in log and "search index updated" not in log and "search index unchanged" in log
    original = (project / FLOOD).read_text("utf-8")
    edit(project, FLOOD, "Saltwick Yards sits below", f"Saltwick Yards ({CANARY}) sits below")
    assert run_harvest("index", cwd=project, env=ENV).returncode == 0
    assert _search(project, CANARY) == ["2026-03-flood-drill"]
    (project / FLOOD).write_text(original, "utf-8")  # the stories the cache was made from, again
    log = build(project, project / "site")
    assert REUSED in log and "search index updated" in log
    assert _search(project, CANARY) == []


# --- the documents key: a pure function, table-driven -------------------------------------------


def _archive(project: Path):
    import dataclasses

    from harvest.core.archive import load_archive
    from harvest.site.project import settings_from_file

    settings = dataclasses.replace(settings_from_file(project / "mkdocs.yml", "public"), cache=False)
    return load_archive(settings)[0]


def _with_story(archive, change):
    """The archive with its first story changed by `change(story) -> story`."""
    import dataclasses

    return dataclasses.replace(archive, stories=[change(archive.stories[0]), *archive.stories[1:]])


def _section(story, markdown=None, heading=None):
    """Its first section with other text, or as a heading of the writer's own (shown as text)."""
    import dataclasses

    first = story.sections[0]
    changed = dataclasses.replace(first, markdown=markdown or first.markdown)
    if heading is not None:
        changed = dataclasses.replace(changed, heading=heading, prompt_id=None)
    return dataclasses.replace(story, sections=[changed, *story.sections[1:]])


def _replace(**fields):
    import dataclasses

    return lambda story: dataclasses.replace(story, **fields)


# What a document shows, changed one at a time: each makes another key (by hand: the list of what
# `document` reads, SearchDocument's fields).
KEY_CHANGES = {
    "title": _replace(title="Another title"),
    "summary": _replace(summary="Another summary."),
    "opening": lambda s: _replace(intro=s.intro + " More.")(s),
    "an answer's text": lambda s: _section(s, markdown=s.sections[0].markdown + " More."),
    "a heading": lambda s: _section(s, heading="A heading of our own"),
    "lessons": _replace(lessons=("joy",)),
    "place": _replace(place="Another Place"),
    "event": lambda s: _replace(event="training" if s.event != "training" else "action")(s),
    "language": lambda s: _replace(lang="es" if s.lang != "es" else "en")(s),
    "date": lambda s: _replace(date=s.date.replace(day=1 if s.date.day != 1 else 2))(s),
    "a passage withheld": lambda s: _replace(markdown=s.markdown + "\n\n*A passage is withheld here.*")(s),
    "contributors": _replace(contributors=()),
}


def test_the_documents_key_is_the_same_for_the_same_documents(project):
    from harvest.search.documents import documents_key
    from harvest.site.front import versions_of

    one, other = _archive(project), _archive(project)  # read twice: equal, not the same objects
    assert documents_key(one, versions_of(one), "code") == documents_key(other, versions_of(other), "code")
    assert documents_key(one, versions_of(one), "code") != documents_key(one, versions_of(one), "other code")


@pytest.mark.parametrize("name", list(KEY_CHANGES))
def test_the_documents_key_changes_with_what_a_document_shows(project, name):
    from harvest.core.privacy import WITHHELD_MARK
    from harvest.search.documents import document, documents_key
    from harvest.site.front import versions_of

    archive = _archive(project)
    change = KEY_CHANGES[name]
    if name == "a passage withheld":  # as the archive marks one
        change = _replace(markdown=archive.stories[0].markdown + f"\n\n{WITHHELD_MARK}\n")
    changed = _with_story(archive, change)
    before = document(archive, archive.stories[0], versions_of(archive))
    after = document(changed, changed.stories[0], versions_of(changed))
    assert before != after  # the change reaches the document...
    assert documents_key(archive, versions_of(archive), "c") != documents_key(changed, versions_of(changed), "c")
