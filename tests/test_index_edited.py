"""`harvest index` after a text edit reads the edited story alone (`search.edited`), and gives
the index a full update would give; anything but a text edit takes the full update."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from conftest import copy_project, run_harvest
from harvest.search.edited import MOST_EDITED, STORIES_KEY, edited_documents
from harvest.search.index import index_dir, read_manifest
from harvest.search.vocabulary import SearchVocabulary
from harvest.site.project import settings_from_file

TODAY = {"HARVEST_TODAY": "2026-12-02"}
FIRST_AID = "2025/first-aid-rotation.md"  # public, in no version group
SOUP = "2025/winter-soup-line.md"


def _index(project: Path, *args: str) -> str:
    result = run_harvest("index", *args, cwd=project, env=TODAY)
    assert result.returncode == 0, result.stderr
    return result.stdout


def _search(project: Path, query: str) -> dict:
    result = run_harvest("search", "--json", "--no-update", query, cwd=project, env=TODAY)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def _append(project: Path, rel: str, text: str) -> None:
    path = project / "stories" / rel
    path.write_text(path.read_text("utf-8") + text, "utf-8")


def _index_state(project: Path) -> dict:
    folder = project / ".harvest" / "index" / "public"
    manifest = json.loads((folder / "harvest-manifest.json").read_text("utf-8"))
    words = SearchVocabulary.load(folder)
    assert words is not None
    return {"documents": manifest["documents"], STORIES_KEY: manifest[STORIES_KEY], "words": dict(words.counts)}


def _index_in_process(project: Path, monkeypatch) -> int:
    """`harvest index` in this process, with the full scan made to fail: the edit must not need it."""
    import harvest.core.archive
    from harvest.cli.main import main

    def no_scan(*args, **kwargs):
        raise AssertionError("the whole archive was scanned for a text edit")

    monkeypatch.chdir(project)
    monkeypatch.setenv("HARVEST_TODAY", TODAY["HARVEST_TODAY"])
    monkeypatch.setattr(harvest.core.archive, "scan", no_scan)
    return main(["index"])


def test_a_text_edit_reads_that_story_alone_and_gives_what_a_rebuild_gives(project, monkeypatch, capsys):
    _index(project)
    _append(project, FIRST_AID, "\nWe ended with a zebra-crossing drill in the car park.\n")
    assert _index_in_process(project, monkeypatch) == 0
    assert "0 added, 1 changed, 0 removed" in capsys.readouterr().out
    monkeypatch.undo()
    found = _search(project, "zebra")
    assert [hit["id"] for hit in found["results"]] == ["2025-10-first-aid-training"]
    updated = _index_state(project)
    assert _index(project, "--rebuild").startswith("search index rebuilt")
    assert _index_state(project) == updated


def test_after_a_site_build_a_text_edit_is_still_read_alone(project, monkeypatch, capsys):
    """The build updates the terminal index too (it exists): it keeps what `harvest index` needs."""
    _index(project)
    built = run_harvest("build", cwd=project, env=TODAY)
    assert built.returncode == 0, built.stderr
    manifest = json.loads((project / ".harvest/index/public/harvest-manifest.json").read_text("utf-8"))
    assert manifest[STORIES_KEY][FIRST_AID][0] == "2025-10-first-aid-training"
    assert "2025-11-generator-pantry" in manifest["versions"]
    _append(project, FIRST_AID, "\nWe ended with a zebra-crossing drill in the car park.\n")
    assert _index_in_process(project, monkeypatch) == 0
    assert "0 added, 1 changed, 0 removed" in capsys.readouterr().out
    monkeypatch.undo()
    assert [hit["id"] for hit in _search(project, "zebra")["results"]] == ["2025-10-first-aid-training"]


def test_a_redaction_added_to_the_text_never_reaches_the_index(project, monkeypatch):
    _index(project)
    _append(project, FIRST_AID, "\nThe [[redact]]okapiwhisperer from Quillonbury[[/redact]] lent us two stretchers.\n")
    assert _index_in_process(project, monkeypatch) == 0
    monkeypatch.undo()
    assert _search(project, "okapiwhisperer")["results"] == []
    assert [hit["id"] for hit in _search(project, "stretchers")["results"]] == ["2025-10-first-aid-training"]
    folder = project / ".harvest" / "index" / "public"
    every_byte = b"".join(f.read_bytes() for f in sorted(folder.rglob("*")) if f.is_file()).lower()
    assert b"okapiwhisperer" not in every_byte and b"quillonbury" not in every_byte
    assert b"stretchers" in every_byte  # (the words around it are there: the files are searchable as bytes)


def test_a_story_made_private_leaves_the_index(project):
    _index(project)
    assert [hit["id"] for hit in _search(project, "panic")["results"]] == ["2025-10-first-aid-training"]
    path = project / "stories" / FIRST_AID
    path.write_text(path.read_text("utf-8").replace("lang: en\n", "lang: en\nvisibility: private\n", 1), "utf-8")
    assert "1 removed" in _index(project)
    assert _search(project, "panic")["results"] == []


def test_an_edit_with_a_problem_refuses_and_leaves_the_index_as_it_was(project):
    _index(project)
    folder = project / ".harvest" / "index" / "public"
    before = {f.name: f.read_bytes() for f in folder.iterdir() if f.is_file()}
    _append(project, FIRST_AID, "\nA passage [[redact]]never closed.\n")
    refused = run_harvest("index", cwd=project, env=TODAY)
    assert refused.returncode != 0
    assert "Traceback" not in refused.stderr
    assert "first-aid-rotation.md" in refused.stderr and "redact" in refused.stderr
    after = {f.name: f.read_bytes() for f in folder.iterdir() if f.is_file()}
    assert after == before


# --- which changes are a text edit (`edited_documents` itself) ------------------------------------


@pytest.fixture(scope="module")
def indexed(tmp_path_factory) -> Path:
    project = copy_project(tmp_path_factory.mktemp("edited") / "archive")
    _index(project)
    return project


def _replace(text: str, old: str, new: str) -> str:
    assert old in text
    return text.replace(old, new, 1)


NOT_A_TEXT_EDIT = [
    ("title", lambda t: _replace(t, "title: Street first aid", "title: Street first aid, again")),
    ("lessons", lambda t: _replace(t, "lessons: [safety, roles-rotation]", "lessons: [safety]")),
    ("contributors", lambda t: _replace(t, "contributors: [hanne, priya]", "contributors: [hanne]")),
    ("date", lambda t: _replace(t, "date: 2025-10-11", "date: 2025-10-12")),
    ("visibility", lambda t: _replace(t, "lang: en\n", "lang: en\nvisibility: members\n")),
    ("unknown field", lambda t: _replace(t, "lang: en\n", "lang: en\nmood: sunny\n")),
    ("a problem in the text", lambda t: t + "\nA passage [[redact]]never closed.\n"),
    ("no front matter left", lambda t: t.split("---", 2)[2]),
]


@pytest.mark.parametrize("change", [c for _, c in NOT_A_TEXT_EDIT], ids=[n for n, _ in NOT_A_TEXT_EDIT])
def test_anything_but_the_text_takes_the_full_update(indexed, change):
    settings = settings_from_file(indexed / "mkdocs.yml", "public")
    manifest = read_manifest(index_dir(settings))
    path = indexed / "stories" / FIRST_AID
    original = path.read_text("utf-8")
    try:
        path.write_text(change(original), "utf-8")
        assert edited_documents(settings, manifest, {FIRST_AID}) is None
        path.write_text(original + "\nOne more sentence about slings.\n", "utf-8")
        (document,) = edited_documents(settings, manifest, {FIRST_AID})  # (the control: text alone)
        assert document.id == "2025-10-first-aid-training" and "slings" in document.body
    finally:
        path.write_text(original, "utf-8")


def test_files_the_index_does_not_hold_as_they_are_take_the_full_update(indexed, tmp_path):
    settings = settings_from_file(indexed / "mkdocs.yml", "public")
    manifest = read_manifest(index_dir(settings))
    stories = indexed / "stories"
    assert edited_documents(settings, manifest, set()) == []  # only folders changed
    assert edited_documents(settings, manifest, {"2025/a-new-story.md"}) is None  # added
    assert edited_documents(settings, manifest, {"2025/heatwave-drill.md"}) is None  # members only: not indexed
    assert edited_documents(settings, manifest, {"2025/generator-pantry.md"}) is None  # one of two versions
    assert edited_documents(settings, manifest, {f"{n}.md" for n in range(MOST_EDITED + 1)}) is None  # a checkout
    assert edited_documents(settings, {**manifest, STORIES_KEY: None}, {FIRST_AID}) is None  # an older index
    kept = tmp_path / "kept.md"
    shutil.move(stories / SOUP, kept)
    try:
        assert edited_documents(settings, manifest, {SOUP}) is None  # removed
        (stories / SOUP).symlink_to(kept)
        assert edited_documents(settings, manifest, {SOUP}) is None  # a link to a file elsewhere
    finally:
        (stories / SOUP).unlink(missing_ok=True)
        shutil.move(kept, stories / SOUP)
