"""The site's search box, offline (file://): results counted as stories, a story told in two
languages as one result with its languages, and the terminal's "did you mean" when a word
finds nothing, from the published words only."""

from __future__ import annotations

import json

import pytest

from conftest import run_harvest


def search(page, site, query: str):
    page.goto((site / "index.html").as_uri())
    button = page.locator(".harvest-search__button")
    if button.is_visible():
        button.click()
    page.locator(".md-search__input").fill(query)
    meta = page.locator(".md-search-result__meta")
    page.wait_for_function("() => !/Type to start/.test(document.querySelector('.md-search-result__meta').textContent)")
    page.wait_for_timeout(150)  # the suggestion's word list may still be loading
    return meta


# (typed, suggested): checked by hand against the samples; the terminal says the same (below)
MISSPELT = [
    ("generatr", "generator"),
    ("flod drill", "flood drill"),
    ("Kestral", "kestrel"),  # written as the index knows it, as the terminal does
    ("pantri", "pantry"),
]


@pytest.mark.parametrize("typed,suggested", MISSPELT)
def test_no_result_offers_the_did_you_mean(page, sample_site, typed, suggested):
    meta = search(page, sample_site, typed)
    assert meta.inner_text().startswith("No matching stories")  # "flod drill": some with "drill"
    assert meta.inner_text().endswith(f"Did you mean {suggested}?")
    link = meta.locator("a.harvest-search__suggestion")
    assert link.inner_text() == suggested
    link.click()
    assert page.locator(".md-search__input").input_value() == suggested
    page.wait_for_selector(".md-search-result__item")
    assert "matching stor" in meta.inner_text() and "No matching" not in meta.inner_text()
    assert page.request_log.outside == []


@pytest.mark.parametrize("typed,suggested", MISSPELT)
def test_the_terminal_suggests_the_same(project, typed, suggested):
    result = run_harvest("search", "--json", typed, cwd=project, env={"HARVEST_TODAY": "2026-12-02"})
    assert json.loads(result.stdout)["did_you_mean"] == suggested


@pytest.mark.parametrize("typed", ["bramblefor", "zzzzzz", "xq"])
def test_no_suggestion_without_a_published_word_near(page, sample_site, typed):
    """Brambleford is the members-only heatwave story's place: public search never suggests it."""
    meta = search(page, sample_site, typed)
    assert meta.inner_text() == "No matching stories"
    assert meta.locator("a").count() == 0


def test_the_word_lists_hold_no_word_of_a_withheld_story(sample_site):
    words = "\n".join(f.read_text("utf-8") for f in (sample_site / "search" / "v").glob("*.js"))
    assert '"generator"' in words  # a public story's word is there...
    for hidden in ("brambleford", "taller", "interpretacion", "bakery"):  # ...withheld stories' are not
        assert f'"{hidden}"' not in words


PANTRY = "Keeping the pantry freezers alive through the blackout"
SOUP = "Soup for two hundred during the cold snap"


@pytest.mark.parametrize(
    "query,count_text,titles",
    [
        ("lowmarsh", "2 matching stories", [PANTRY, SOUP]),  # the place of both pantry versions and the soup line
        ("lowmarsh pantry", "1 matching story", [PANTRY]),
        ("freezers", "1 matching story", [PANTRY]),
    ],
)
def test_a_story_in_two_languages_is_one_result(page, sample_site, query, count_text, titles):
    meta = search(page, sample_site, query)
    assert meta.inner_text() == count_text
    results = page.locator(".md-search-result__item")
    assert sorted(results.locator("h1").all_inner_texts()) == sorted(titles)
    pantry = results.filter(has_text="pantry freezers")
    languages = pantry.locator(".harvest-search__languages a")
    assert languages.all_inner_texts() == ["Español"]
    assert languages.first.get_attribute("hreflang") == "es"
    assert languages.first.get_attribute("href").endswith("/2025/generador-despensa/index.html")


def test_the_spanish_version_found_alone_links_back_to_english(page, sample_site):
    meta = search(page, sample_site, "congeladores")
    assert meta.inner_text() == "1 matching story"
    item = page.locator(".md-search-result__item")
    assert item.locator("h1").inner_text().startswith("Cómo mantuvimos vivos")
    assert item.locator(".harvest-search__languages a").all_inner_texts() == ["English"]


def test_the_terminal_lists_a_story_in_two_languages_once(project):
    result = run_harvest("search", "--json", "place:lowmarsh", cwd=project, env={"HARVEST_TODAY": "2026-12-02"})
    found = json.loads(result.stdout)
    assert found["total"] == 2
    assert [hit["id"] for hit in found["results"]] == ["2025-11-generator-pantry", "2025-02-winter-soup-line"]
    assert found["results"][0]["languages"] == [
        {"lang": "es", "url": "https://archive.example.org/2025/generador-despensa/"}
    ]
    printed = run_harvest("search", "place:lowmarsh", cwd=project, env={"HARVEST_TODAY": "2026-12-02"})
    assert "   also in Español: https://archive.example.org/2025/generador-despensa/" in printed.stdout
    assert printed.stdout.strip().endswith("2 stories found for 'place:lowmarsh' (profile public)")
