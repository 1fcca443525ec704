"""Terminal search snippets say "[withheld]" where a passage is redacted, as the page does,
never a sentence with a hole in it; the marker is still no search term."""

from __future__ import annotations

import json

import pytest

from conftest import run_harvest
from harvest.search.query import snippet

TODAY = {"HARVEST_TODAY": "2026-12-02"}

# (profile, query, what the snippet must say, what it must not): read off the samples by hand.
CASES = [
    (
        "public",
        '"group chat"',
        "In the end [withheld] and we agreed never to put names in any group chat.",
        "In the end  and",
    ),
    (
        "public",
        "laundrette OR stairwells",
        "We met in [withheld] because the community room had to be booked",
        "We met in  because",
    ),
    (  # the members may read the first passage: the snippet has it, and no marker
        "members",
        '"group chat"',
        "captains and we agreed never to put names in any group chat.",
        "[withheld]",
    ),
]


@pytest.mark.parametrize("profile,query,says,never", CASES)
def test_snippets_mark_withheld_passages(project, profile, query, says, never):
    result = run_harvest("search", "--profile", profile, "--json", query, cwd=project, env=TODAY)
    assert result.returncode == 0, result.stderr
    snippets = " ".join(hit["snippet"] for hit in json.loads(result.stdout)["results"])
    assert says in " ".join(snippets.split())
    assert never not in snippets
    assert "\ufffc" not in result.stdout


def test_the_printed_snippet_marks_it_too(project):
    result = run_harvest("search", '"group chat"', cwd=project, env={**TODAY, "NO_COLOR": "1"})
    assert result.returncode == 0, result.stderr
    assert "In the end [withheld] and we agreed" in result.stdout


def test_withheld_is_not_a_search_term(project):
    """Only the rent strike's summary has the word ("households ... withheld the increase"); the
    tenants' assembly, whose meeting place is withheld, is not found by the marker."""
    result = run_harvest("search", "--json", "withheld", cwd=project, env=TODAY)
    assert [hit["id"] for hit in json.loads(result.stdout)["results"]] == ["2025-08-rent-strike-phone-tree"]


@pytest.mark.parametrize(
    "text,words,expected,marked",
    [
        ("We met in \ufffc because the room.", {"room"}, "We met in [withheld] because the room.", ["room"]),
        ("\ufffc and \ufffc, then the van.", {"van"}, "[withheld] and [withheld], then the van.", ["van"]),
        ("The van \ufffc left.", {"van", "left"}, "The van [withheld] left.", ["van", "left"]),
        ("No match \ufffc here.", {"zebra"}, "No match [withheld] here.", []),
    ],
)
def test_snippet_spans_follow_the_marker(text, words, expected, marked):
    out, spans = snippet(text, words)
    assert out == expected
    assert [out[a:b] for a, b in spans] == marked
