"""The sample archive's public site, checked against tables written by hand.

Other site tests compare pages with what the core computes; a bug in the core then passes
both sides. These tables were read off the sample stories' front matter by a person:
a lesson, place, event or person page must list exactly these stories, and the
members-only, private and embargoed samples none of them.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from conftest import build, copy_project

TODAY = "2026-12-02"  # the bakery assembly is embargoed until 2027-06-01

# Short names for the ten samples the public profile shows on TODAY.
PUBLIC = {
    "fiesta": "2025/fiesta-plaza-valle-alegria",
    "first-aid": "2025/first-aid-rotation",
    "generador": "2025/generador-despensa",
    "generator": "2025/generator-pantry",
    "may-day": "2025/may-day-bike-relay",
    "rent-strike": "2025/rent-strike-phone-tree",
    "tenants": "2025/tenant-assembly-kestrel-row",
    "soup": "2025/winter-soup-line",
    "flood": "2026/flood-drill",
    "festival": "2026/street-festival-childcare",
}
HIDDEN = {
    "heatwave": "2025/heatwave-drill",  # visibility: members
    "bakery": "2026/bakery-budget-assembly",  # embargo_until: 2027-06-01
    "taller": "2026/taller-interpretacion",  # visibility: private
}

LESSONS = {
    "joy": {"fiesta", "may-day", "festival"},
    "outreach": {"fiesta", "rent-strike", "festival"},
    "safety": {"first-aid", "flood"},
    "roles-rotation": {"first-aid", "may-day"},
    "resources": {"generador", "generator", "soup"},
    "logistics": {"generador", "generator", "may-day", "soup", "flood"},
    "communication": {"rent-strike", "tenants", "flood"},
    "decision-making": {"tenants"},
    "mutual-care": {"soup", "festival"},
}
PLACES = {
    "valle-alegria": {"fiesta"},
    "tannery-reach": {"first-aid"},
    "lowmarsh-green": {"generador", "generator", "soup"},
    "saltwick-yards": {"may-day", "flood", "festival"},
    "kestrel-row": {"rent-strike", "tenants"},
}
EVENTS = {
    "festival": {"fiesta", "festival"},
    "training": {"first-aid"},
    "mutual-aid": {"generador", "generator", "soup"},
    "action": {"may-day", "rent-strike"},
    "assembly": {"tenants"},
    "crisis-sim": {"flood"},
}
# As each person chose to be credited: pseudonyms under the pseudonym, anonymous people nowhere.
PEOPLE = {
    "rosa-quintero": {"fiesta"},
    "joaquin-ferrer": {"fiesta"},
    "hanne-lund": {"first-aid", "rent-strike"},
    "priya-dandekar": {"first-aid", "flood"},
    "dele-adeyemi": {"generador", "generator", "soup"},
    "night-moth": {"generador", "generator", "festival"},
    "spoke-collective": {"may-day", "flood", "festival"},
    "tomek-wirth": {"rent-strike", "tenants"},
    "marisol-ibarra": {"soup", "festival"},
}
NEVER_SHOWN = [
    "Petra Vance",
    "Callum Reyes",
    "Kit Alder",
    "Nuno Sequeira",
    "Imogen Faraday",
    "Brambleford",
    "Heatwave drill",
    "bakery co-op",
    "Taller de interpretación",
]

TABLES = {"lessons": LESSONS, "places": PLACES, "events": EVENTS, "contributors": PEOPLE}


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    project = copy_project(tmp_path_factory.mktemp("expectations") / "archive")
    return build(project, env={"HARVEST_TODAY": TODAY})


def stories_linked(html: str) -> set[str]:
    """Short names of the sample stories a page links to."""
    by_path = {path: name for name, path in {**PUBLIC, **HIDDEN}.items()}
    found = set()
    for href in re.findall(r'href="([^"#]+)"', html):
        path = re.sub(r"^(\.\./)+|^\./", "", href).rstrip("/").removesuffix("/index.html")
        if path in by_path:
            found.add(by_path[path])
    return found


def listing(site: Path, uri: str) -> str:
    """The page's story list, without the navigation, header and footer around it."""
    html = (site / uri / "index.html").read_text("utf-8")
    return html.split('class="md-content"', 1)[1].split("</article>", 1)[0]


@pytest.mark.parametrize("kind,key", [(kind, key) for kind, table in TABLES.items() for key in table])
def test_group_page_lists_exactly_its_stories(site, kind, key):
    assert stories_linked(listing(site, f"{kind}/{key}")) == TABLES[kind][key]


@pytest.mark.parametrize("kind", TABLES)
def test_no_group_page_beyond_the_table(site, kind):
    pages = {p.parent.name for p in (site / kind).glob("*/index.html")}
    assert pages == set(TABLES[kind])


def test_answers_page_has_every_public_answer_and_no_hidden_one(site):
    linked = stories_linked(listing(site, "answers/missing"))
    assert linked == set(PUBLIC)


def test_story_pages_exist_exactly_for_public_stories(site):
    for path in PUBLIC.values():
        assert (site / path / "index.html").is_file(), path
    for path in HIDDEN.values():
        assert not (site / path).exists(), path


@pytest.mark.parametrize("text", NEVER_SHOWN)
def test_withheld_names_and_stories_appear_nowhere(site, text):
    for file in site.rglob("*"):
        if file.is_file() and file.suffix in {".html", ".js", ".json", ".xml", ".txt"}:
            assert text not in file.read_text("utf-8", errors="replace"), file.relative_to(site)


def test_archive_groups_match_the_tables():
    """The same tables, one level down: the core's groups (before any template)."""
    import datetime as dt
    from dataclasses import replace

    from conftest import PROJECT
    from harvest.core.archive import publish, scan
    from harvest.site.project import settings_from_file

    settings = replace(settings_from_file(PROJECT / "mkdocs.yml"), today=dt.date.fromisoformat(TODAY))
    archive = publish(scan(settings))
    name = {path + ".md": short for short, path in PUBLIC.items()}
    assert {
        lesson: {name[s.path] for s in stories} for lesson, stories in archive.by_lesson.items() if stories
    } == LESSONS
    assert {key: {name[s.path] for s in stories} for key, (_, stories) in archive.by_place.items()} == PLACES
    assert {key: {name[s.path] for s in stories} for key, (_, stories) in archive.by_person.items()} == PEOPLE
    rollup = archive.rollup("missing")
    assert {lesson: {name[s.path] for s, _ in answers} for lesson, answers in rollup.items()} == LESSONS
    # Newest first, ties by id (descending): the order every listing shows.
    assert [name[s.path] for s in archive.stories] == [
        "festival",
        "flood",
        "generator",
        "generador",
        "first-aid",
        "rent-strike",
        "fiesta",
        "may-day",
        "tenants",
        "soup",
    ]


def test_the_sample_sets_an_example_site_url_so_emails_and_feeds_link_absolutely(site):
    """The sample shows what a configured archive gets; the address is marked as an example."""
    from conftest import PROJECT

    lines = (PROJECT / "mkdocs.yml").read_text("utf-8").splitlines()
    at = lines.index("site_url: https://archive.example.org/")
    assert "EXAMPLE" in lines[at - 2] and lines[at - 1].startswith("#")
    email = (site / "digests" / "2026-03" / "2026-03.html").read_text("utf-8")
    assert 'href="https://archive.example.org/2026/flood-drill/"' in email
    feed = (site / "feeds" / "stories.atom.xml").read_text("utf-8")
    assert "https://archive.example.org/2026/flood-drill/" in feed
