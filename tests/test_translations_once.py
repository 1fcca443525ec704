"""A story told in two languages is one story in digests and in search (site and terminal).

Expected values are read off the samples by hand: "Keeping the pantry freezers alive through the
blackout" (2025-11-generator-pantry, English) has a Spanish translation, "Cómo mantuvimos vivos los
congeladores de la despensa durante el apagón" (2025-11-generador-despensa), on the same day.
"""

from __future__ import annotations

import pytest

from conftest import build, run_harvest
from digest_helpers import archive_of, write_story
from harvest.digests.digest import DigestOptions, build_digests

PANTRY = "Keeping the pantry freezers alive through the blackout"
DESPENSA = "Cómo mantuvimos vivos los congeladores de la despensa durante el apagón"


# --- digests -------------------------------------------------------------------------------------


def test_the_sample_november_digest_counts_the_pantry_story_once(sample_site):
    index = (sample_site / "digests" / "index.html").read_text("utf-8")
    assert 'November 2025</a> <span class="harvest-count">(1)</span>' in index
    page = (sample_site / "digests" / "2025-11" / "index.html").read_text("utf-8")
    assert "· 1 story</p>" in page
    assert page.count(PANTRY) >= 1 and DESPENSA not in page  # listed once, as the original
    assert '>Also in <a href="../../2025/generador-despensa/" hreflang="es" lang="es">Español</a>' in page
    text = (sample_site / "digests" / "2025-11" / "2025-11.txt").read_text("utf-8")
    assert "1 story" in text and DESPENSA not in text
    assert "Also in Español: <https://archive.example.org/2025/generador-despensa/>" in " ".join(text.split())


def original_and_translation(project, *, original_date, translation_date, translation_id, contributors=("priya",)):
    write_story(project, "2026/boat.md", id="zz-boat", title="The boat", date=original_date, contributors=contributors)
    write_story(
        project,
        "2026/barco.md",
        id=translation_id,
        title="El barco",
        date=translation_date,
        lang="es",
        translation_of="zz-boat",
        contributors=contributors,
    )


# (translation's id and date; digests expected: key -> (titles listed, story count))
CASES = [
    # the translation sorts before the original by id: still the original is the one listed
    ("aa-barco", "2026-09-10", {"2026-09": (["The boat"], 1)}),
    ("zz-zbarco", "2026-09-10", {"2026-09": (["The boat"], 1)}),
    # told in another month: each month's digest has the version told then
    ("aa-barco", "2026-10-02", {"2026-09": (["The boat"], 1), "2026-10": (["El barco"], 1)}),
]


@pytest.mark.parametrize("translation_id,translation_date,expected", CASES)
def test_a_story_and_its_translation_are_one_story_in_a_digest(project, translation_id, translation_date, expected):
    original_and_translation(
        project, original_date="2026-09-10", translation_date=translation_date, translation_id=translation_id
    )
    digests = {d.key: d for d in build_digests(archive_of(project), DigestOptions())}
    for key, (titles, count) in expected.items():
        assert [s.title for s in digests[key].stories] == titles
        assert len(digests[key].stories) == count
        assert [s.title for _lesson, stories in digests[key].groups for s in stories] == titles
        shown = digests[key].stories[0]
        assert sorted(v.lang for v in digests[key].versions[shown.id]) == ["en", "es"]


def test_an_anonymous_story_in_two_languages_is_one_anonymous_contribution(project):
    original_and_translation(
        project,
        original_date="2026-09-10",
        translation_date="2026-09-11",
        translation_id="aa-barco",
        contributors=("fern",),
    )
    digest = {d.key: d for d in build_digests(archive_of(project), DigestOptions())}["2026-09"]
    assert digest.anonymous == 1


def test_a_translation_of_a_withheld_story_stands_alone(project):
    """Its original is members-only: the public digest shows the translation, with no link to it."""
    write_story(project, "2026/boat.md", id="zz-boat", title="The boat", date="2026-09-10", visibility="members")
    write_story(
        project,
        "2026/barco.md",
        id="aa-barco",
        title="El barco",
        date="2026-09-10",
        lang="es",
        translation_of="zz-boat",
    )
    digest = {d.key: d for d in build_digests(archive_of(project), DigestOptions())}["2026-09"]
    assert [s.title for s in digest.stories] == ["El barco"] and digest.versions == {}
    html = (build(project) / "digests" / "2026-09" / "index.html").read_text("utf-8")
    assert "The boat" not in html and "zz-boat" not in html and "Also in" not in html


def test_the_digest_command_counts_translations_once(project):
    result = run_harvest("digest", "2025-11", cwd=project)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0] == "Digest: November 2025 (public profile): 1 story"
