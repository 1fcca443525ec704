"""End-to-end: build the sample archive with `harvest build` and check the generated HTML."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from conftest import PROJECT, run_harvest
from harvest.core.archive import publish, scan
from harvest.core.settings import Settings


def public_archive():
    settings = Settings.for_directory(PROJECT / "stories", prompts=_prompts())
    return publish(scan(settings))


def _prompts():
    from harvest.site.project import settings_from_file

    return settings_from_file(PROJECT / "mkdocs.yml").prompts


def page(site: Path, uri: str) -> str:
    return (site / uri / "index.html").read_text("utf-8")


def links(html: str) -> set[str]:
    return set(re.findall(r'href="([^"#]+)"', html))


def test_every_public_story_has_a_page(sample_site):
    archive = public_archive()
    assert len(archive.stories) >= 8
    for story in archive.stories:
        html = page(sample_site, story.path.removesuffix(".md"))
        assert "<h1" in html and story.summary[:30] in html
        assert f'lang="{story.lang}"' in html
        # The header's links (written by the template, not MkDocs) reach this story's own pages.
        header = html.split('class="harvest-meta"', 1)[1].split('class="harvest-times"', 1)[0]
        expected = {
            f"events/{story.event}",
            f"places/{story.place_key}",
            *(f"lessons/{lesson}" for lesson in story.lessons),
            *(f"contributors/{p.key}" for p in archive.people_of(story)[0]),
        }
        assert {href.removeprefix("../../").rstrip("/") for href in links(header)} == expected, story.path


def test_withheld_stories_have_no_page(sample_site):
    settings = Settings.for_directory(PROJECT / "stories", prompts=_prompts())
    collection = scan(settings)
    public_ids = {s.id for s in publish(collection).stories}
    withheld = [s for s in collection.stories if s.id not in public_ids]
    assert withheld, "the samples should include members-only, private and embargoed stories"
    for story in withheld:
        assert not (sample_site / story.path.removesuffix(".md")).exists()


@pytest.mark.parametrize("kind", ["lessons", "places", "events", "contributors"])
def test_each_index_page_lists_exactly_its_stories(sample_site, kind):
    archive = public_archive()
    groups = {
        "lessons": {k: v for k, v in archive.by_lesson.items() if v},
        "places": {k: v for k, (_, v) in archive.by_place.items()},
        "events": {k: v for k, v in archive.by_event.items() if v},
        "contributors": {k: v for k, (_, v) in archive.by_person.items()},
    }[kind]
    assert groups, kind
    for key, stories in groups.items():
        html = page(sample_site, f"{kind}/{key}")
        # A story and its translation are one card; the card links to both (issue 16).
        listed = {href.strip("./").rstrip("/") for href in links(html.split('class="harvest-cards"', 1)[1])}
        expected = {s.path.removesuffix(".md") for s in stories}
        assert {uri for uri in listed if re.match(r"\d{4}/", uri)} == expected


def test_rollup_collects_every_answer(sample_site):
    archive = public_archive()
    html = page(sample_site, "answers/missing")
    for story in archive.stories:
        answer = story.answer("missing")
        first_words = " ".join(answer.markdown.split()[:6])
        if story.translation_of and archive.story(story.translation_of):  # one story: its original's
            assert f'{story.path.removesuffix(".md").split("/")[-1]}/" hreflang="{story.lang}"' in html, story.path
            continue  # answer links to it (issue 16)
        assert first_words in re.sub(r"\s+", " ", html), story.path


def test_internal_links_resolve(sample_site):
    for html_file in sample_site.rglob("*.html"):
        if html_file.name == "404.html":  # served from any path, so MkDocs gives it root-absolute links
            continue
        for href in links(html_file.read_text("utf-8")):
            if href.startswith(("http:", "https:", "mailto:")):
                continue
            target = (html_file.parent / href).resolve()
            if target.is_dir():
                target = target / "index.html"
            assert target.exists(), f"{html_file.relative_to(sample_site)} links to missing {href}"


def test_nav_lists_sections_not_stories(sample_site):
    html = page(sample_site, "lessons")
    nav = html.split('class="md-nav md-nav--primary"', 1)[1].split("</nav>", 1)[0]
    assert "Timeline" in nav and "Lessons" in nav
    assert not re.search(r'href="[^"]*\d{4}/[a-z]', nav)


def test_build_stops_with_every_problem(project):
    (project / "stories" / "2026" / "bad.md").write_text("---\ntitle: x\ndate: 2026-02-30\n---\nbody\n")
    result = run_harvest("build", cwd=project)
    assert result.returncode == 1
    assert "stories/2026/bad.md:3: date: '2026-02-30' is not a real date" in result.stderr + result.stdout
    assert "stories/2026/bad.md:1: event: missing" in result.stderr + result.stdout
    assert "Traceback" not in result.stderr
