"""`harvest index` after an edit: the one-story update gives the index a rebuild would give."""

from __future__ import annotations

import json

from conftest import run_harvest
from harvest.search.vocabulary import SearchVocabulary

TODAY = {"HARVEST_TODAY": "2026-12-02"}
SITE = "https://archive.example.org"


def _found(project, query: str) -> dict:
    result = run_harvest("search", "--json", "--no-update", query, cwd=project, env=TODAY)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_editing_a_translation_keeps_it_one_story_in_two_languages(project):
    assert run_harvest("index", cwd=project, env=TODAY).returncode == 0
    story = project / "stories" / "2025" / "generador-despensa.md"
    story.write_text(story.read_text("utf-8") + "\nUn párrafo más sobre la despensa.\n", "utf-8")
    updated = run_harvest("index", cwd=project, env=TODAY)
    assert updated.returncode == 0, updated.stderr
    assert "1 changed" in updated.stdout
    found = _found(project, "place:lowmarsh")  # one result for the story, naming its other version
    assert found["total"] == 2
    first, second = found["results"]
    assert second["id"] == "2025-02-winter-soup-line"
    assert (first["id"], first["languages"]) in [
        ("2025-11-generator-pantry", [{"lang": "es", "url": f"{SITE}/2025/generador-despensa/"}]),
        ("2025-11-generador-despensa", [{"lang": "en", "url": f"{SITE}/2025/generator-pantry/"}]),
    ]
    spanish = _found(project, "párrafo")  # the edit is found, as the Spanish version of the story
    assert [(hit["id"], hit["lang"]) for hit in spanish["results"]] == [("2025-11-generador-despensa", "es")]
    assert spanish["results"][0]["languages"] == [{"lang": "en", "url": f"{SITE}/2025/generator-pantry/"}]


def _answers(project, query: str) -> dict:
    """What a search shows, scores and what follows from them aside: whoosh counts a replaced
    document's words in its segment's statistics until that segment is merged, so the order of
    near ties, and which version of a story in several languages comes first, may differ."""
    found = _found(project, query)
    for position, hit in enumerate(found["results"]):
        del hit["score"]
        if hit["languages"]:  # the story, whichever of its versions scored best
            found["results"][position] = {"versions": sorted([hit["url"], *(v["url"] for v in hit["languages"])])}
    found["results"].sort(key=lambda hit: json.dumps(hit, sort_keys=True))
    return found


def _index_files(project) -> dict[str, object]:
    folder = project / ".harvest" / "index" / "public"
    vocabulary = SearchVocabulary.load(folder)  # (whatever its file's form)
    assert vocabulary is not None
    manifest = json.loads((folder / "harvest-manifest.json").read_text("utf-8"))
    return {"words": dict(vocabulary.counts), "documents": manifest["documents"]}


QUERIES = [
    "generator",
    '"fuel watch"',
    "missing:rehydration",
    "lesson:communication",
    "sorprendió",
    "place:lowmarsh OR heat",
    "generatr",  # did you mean
    "lemonade",  # only in the edit
]


def test_edits_then_updates_give_what_a_rebuild_gives(project):
    """Two edits (an English story and a Spanish one, accents and all) updated one story at a
    time: the same answers, the same vocabulary and documents as an index made from scratch."""
    assert run_harvest("index", cwd=project, env=TODAY).returncode == 0
    english = project / "stories" / "2025" / "generator-pantry.md"
    english.write_text(
        english.read_text("utf-8").replace("borrowed generator", "borrowed generator and lemonade", 1), "utf-8"
    )
    assert run_harvest("index", cwd=project, env=TODAY).stdout.count("1 changed") == 1
    spanish = project / "stories" / "2025" / "fiesta-plaza-valle-alegria.md"
    spanish.write_text(spanish.read_text("utf-8") + "\nNos sorprendió la limonada: Ñandú, e\u0301cole.\n", "utf-8")
    assert "1 changed" in run_harvest("index", cwd=project, env=TODAY).stdout
    updated = {query: _answers(project, query) for query in QUERIES}
    updated_files = _index_files(project)
    assert updated["lemonade"]["total"] == 1
    assert updated["generatr"]["did_you_mean"] == "generator"
    assert "limonada" in updated_files["words"] and "nandu" in updated_files["words"]

    rebuilt = run_harvest("index", "--rebuild", cwd=project, env=TODAY)
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert {query: _answers(project, query) for query in QUERIES} == updated
    assert _index_files(project) == updated_files
