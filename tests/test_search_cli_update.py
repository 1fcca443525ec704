"""`harvest index` after an edit: the one-story update gives the index a rebuild would give."""

from __future__ import annotations

import json

from conftest import run_harvest

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
