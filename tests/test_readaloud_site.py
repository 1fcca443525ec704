"""Built sites: read-aloud parts on story pages, reading-session pages, errors and privacy of session files."""

from __future__ import annotations

import html as htmllib
import re

import pytest

from conftest import run_harvest
from harvest.readaloud.parts import format_duration, story_parts, total_seconds
from test_readaloud_unit import sample_archive
from test_site_build import links, page

SESSION_IDS = [
    "2026-03-flood-drill",
    "2025-11-generator-pantry",
    "2026-07-street-festival-childcare",
    "2025-07-fiesta-plaza",
    "2025-08-rent-strike-phone-tree",
]


def parts_on(html: str) -> list[dict]:
    """Every read-aloud screen of a page: its number, kind (title, text, closing) and data-ra-* values."""
    found = re.finditer(
        r'<section class="harvest-ra-section harvest-ra-screen--(\w+)[^"]*" id="read-aloud-(\d+)"([^>]*)>', html
    )
    return [
        {
            "kind": m.group(1),
            "index": int(m.group(2)),
            "html": html[m.end() : html.index("</section>", m.end())],
            **dict(re.findall(r'data-ra-([a-z]+)="([^"]*)"', m.group(3))),
        }
        for m in found
    ]


def test_story_pages_carry_parts_and_times_from_python(sample_site):
    archive, _ = sample_archive()
    for story in archive.stories:
        html = page(sample_site, story.path.removesuffix(".md"))
        expected = story_parts(story, archive.settings.words_per_minute_aloud)
        parts = parts_on(html)
        assert [p["index"] for p in parts] == list(range(1, len(parts) + 1)), story.id
        # A title screen, the text in screens of at most 90 words (the default), a closing screen.
        kinds = [p["kind"] for p in parts]
        assert kinds[0] == "title" and kinds[-1] == "closing" and set(kinds[1:-1]) == {"text"}, story.id
        assert len(parts) >= len(expected) + 2
        assert all(int(p["words"]) <= 90 or p["html"].count("<p>") == 1 for p in parts), story.id
        # The screens share out the parts' words and seconds exactly.
        assert sum(int(p["words"]) for p in parts) == sum(e.words for e in expected)
        assert sum(int(p["seconds"]) for p in parts) == total_seconds(expected)
        assert parts[-1]["progress"] == f"{len(parts)} / {len(parts)}"
        assert parts[0]["left"] == format_duration(total_seconds(expected))
        assert 'href="#read-aloud"' in html and 'class="md-button md-button--primary harvest-ra-start"' in html
        assert f'id="read-aloud" lang="{story.lang}"' in html
        # Every answer is on the page once, inside its part (the no-JavaScript reading is the page itself).
        for section in story.sections:
            assert html.count(f">{htmllib.escape(section.heading, quote=False)}<") == 1


def test_session_page_running_order_readers_and_times(sample_site):
    archive, _ = sample_archive()
    html = page(sample_site, "readings/2026-12-assembly")
    assert "<h1>December assembly — a year of harvests</h1>" in html
    order = html.split('id="running-order"', 1)[1].split("</table>", 1)[0]
    titles = [archive.story(i).title for i in SESSION_IDS]
    rows = re.findall(
        r"<tr>\s*<td>(\d)</td>\s*<td><a [^>]*>([^<]+)</a></td>\s*<td>([^<]+)</td>\s*<td[^>]*>([^<]+)</td>", order
    )
    assert [int(r[0]) for r in rows] == [1, 2, 3, 4, 5]
    assert [htmllib.unescape(r[1]) for r in rows] == titles
    # Two readers, five stories: in rotation.
    assert [r[2] for r in rows] == ["Priya Dandekar", "Marisol Ibarra"] * 2 + ["Priya Dandekar"]
    wpm = archive.settings.words_per_minute_aloud
    seconds = [total_seconds(story_parts(archive.story(i), wpm)) for i in SESSION_IDS]
    assert [r[3] for r in rows] == [format_duration(s) for s in seconds]
    assert f'Total</th><td class="harvest-time">{format_duration(sum(seconds))}</td>' in order
    # Every screen of every story, numbered on through the session: a title screen, the text, a closing screen.
    parts = parts_on(html)
    assert [p["index"] for p in parts] == list(range(1, len(parts) + 1))
    assert [p["kind"] for p in parts].count("title") == 5 and [p["kind"] for p in parts].count("closing") == 5
    assert sum(int(p["seconds"]) for p in parts) == sum(seconds)
    assert '<article class="harvest-story harvest-session-story" lang="es"' in html
    assert html.count('class="harvest-story harvest-session-story"') == 5
    # Story pages' ids and permalinks are not copied (ids stay unique on the session page).
    ids = re.findall(r'\sid="([^"]+)"', html)
    assert len(ids) == len(set(ids))


def test_readings_index_and_nav(sample_site):
    html = page(sample_site, "readings")
    assert 'href="2026-12-assembly/"' in html and "5 December 2026 · 5 stories · about" in html
    nav = page(sample_site, "lessons").split('class="md-nav md-nav--primary"', 1)[1].split("</nav>", 1)[0]
    assert "Readings" in nav


def test_session_links_resolve_in_both_url_styles(project):
    (project / "mkdocs-flat.yml").write_text((project / "mkdocs.yml").read_text() + "\nuse_directory_urls: false\n")
    for config, site, session in [
        ("mkdocs.yml", "site", "readings/2026-12-assembly/index.html"),
        ("mkdocs-flat.yml", "site-flat", "readings/2026-12-assembly.html"),
    ]:
        result = run_harvest("build", "-f", config, "-d", site, cwd=project)
        assert result.returncode == 0, result.stderr
        html_file = project / site / session
        hrefs = links(html_file.read_text("utf-8"))
        assert any("flood-drill" in h for h in hrefs)
        for href in hrefs:
            if href.startswith(("http:", "https:")):
                continue
            target = (html_file.parent / href).resolve()
            assert (target / "index.html" if target.is_dir() else target).exists(), f"{config}: {href}"


def test_unknown_story_id_stops_the_build_with_file_line_and_suggestion(project):
    (project / "stories" / "_readings" / "spring.yml").write_text(
        "title: Spring\nstories:\n  - 2026-03-flood-drill\n  - 2026-07-street-festival-chidlcare\n"
    )
    result = run_harvest("build", cwd=project)
    output = result.stdout + result.stderr
    assert result.returncode == 1
    assert "stories/_readings/spring.yml:4: stories: no story has the id '2026-07-street-festival-chidlcare'" in output
    assert "did you mean '2026-07-street-festival-childcare'?" in output
    assert "Traceback" not in output
    assert not (project / "site" / "readings").exists()


def test_a_session_with_a_withheld_story_stays_out_of_the_public_build(project):
    # The heatwave drill is members-only: the public build must not even hint at it.
    (project / "stories" / "_readings" / "heat.yml").write_text(
        "title: Summer safety readings\nstories: [2026-03-flood-drill, 2025-06-heatwave-drill]\nreaders: [hanne]\n"
    )
    result = run_harvest("build", cwd=project)
    assert result.returncode == 0, result.stderr
    assert "stories/_readings/heat.yml: left out of profile 'public'" in result.stderr
    assert "heatwave" not in result.stderr
    site = project / "site"
    assert not (site / "readings" / "heat").exists()
    for file in site.rglob("*"):
        if file.is_file() and file.suffix in (".html", ".json", ".xml", ".js"):
            text = file.read_text("utf-8", errors="replace")
            assert "Summer safety readings" not in text and "heatwave" not in text.lower(), file
    members = run_harvest("build", "--profile", "members", "-d", "site-members", cwd=project)
    assert members.returncode == 0, members.stderr
    html = (project / "site-members" / "readings" / "heat" / "index.html").read_text("utf-8")
    assert "Summer safety readings" in html and "Heatwave drill at the Brambleford towers" in html


def test_a_members_session_is_not_published_publicly(project):
    (project / "stories" / "_readings" / "2026-12-assembly.yml").write_text(
        "title: Members' assembly\nvisibility: members\nstories: [2026-03-flood-drill]\n"
    )
    assert run_harvest("build", cwd=project).returncode == 0
    assert not (project / "site" / "readings" / "2026-12-assembly").exists()
    assert "No reading sessions to show yet." in (project / "site" / "readings" / "index.html").read_text("utf-8")


def test_bad_session_file_is_a_clear_error(project):
    (project / "stories" / "_readings" / "oops.yml").write_text(
        "title: Oops\nstories: [2026-03-flood-drill]\ndate: 5 Dec\n"
    )
    result = run_harvest("build", cwd=project)
    assert result.returncode == 1
    assert "stories/_readings/oops.yml:3: date: '5 Dec' is not a date" in result.stdout + result.stderr
    assert "Traceback" not in result.stderr


def test_session_build_is_reproducible(project):
    build_a = run_harvest("build", "-d", "a", cwd=project)
    build_b = run_harvest("build", "-d", "b", cwd=project)
    assert build_a.returncode == build_b.returncode == 0
    for name in (
        "readings/2026-12-assembly/index.html",
        "readings/index.html",
        "2026/flood-drill/index.html",
        "assets/harvest/readaloud.js",
        "assets/harvest/readaloud.css",
    ):
        assert (project / "a" / name).read_bytes() == (project / "b" / name).read_bytes(), name


def test_readings_command_prints_running_orders_and_checks_files(project):
    result = run_harvest("readings", cwd=project)
    assert result.returncode == 0, result.stderr
    assert "December assembly — a year of harvests (2026-12-05) · readings/2026-12-assembly/" in result.stdout
    assert "  2. Keeping the pantry freezers alive through the blackout — Marisol Ibarra — " in result.stdout
    (project / "stories" / "_readings" / "spring.yml").write_text("title: Spring\nstories: [no-such-story]\n")
    result = run_harvest("readings", cwd=project)
    assert result.returncode == 1
    assert "stories/_readings/spring.yml:2: stories: no story has the id 'no-such-story'" in result.stderr
    assert "Traceback" not in result.stderr


def with_words_per_screen(project, value: str) -> None:
    config = project / "mkdocs.yml"
    text = config.read_text("utf-8")
    config.write_text(
        text.replace(
            "      sessions_dir: _readings\n", f"      sessions_dir: _readings\n      words_per_screen: {value}\n"
        ),
        "utf-8",
    )


@pytest.mark.parametrize("value", ["5", "0", "-3", "5000"])
def test_words_per_screen_out_of_range_is_refused(project, value):
    with_words_per_screen(project, value)
    result = run_harvest("build", cwd=project)
    output = result.stdout + result.stderr
    assert result.returncode == 1
    assert "harvest-readaloud: words_per_screen must be a whole number from 20 to 1000" in output
    assert "Traceback" not in output and not (project / "site").exists()


@pytest.mark.parametrize(
    "value, texts",
    [
        ("1000", 4),  # the opening and three answers, each on one screen
        ("90", 5),  # the opening (100 words, two paragraphs) on two screens
        ("20", 5),  # each answer is one paragraph: longer than a screen, kept whole
    ],
)
def test_words_per_screen_sets_where_parts_are_cut(project, value, texts):
    with_words_per_screen(project, value)
    assert run_harvest("build", cwd=project).returncode == 0
    screens = parts_on(page(project / "site", "2026/flood-drill"))
    assert [p["kind"] for p in screens] == ["title"] + ["text"] * texts + ["closing"]
    assert all(int(p["words"]) <= int(value) or p["html"].count("<p>") == 1 for p in screens)
