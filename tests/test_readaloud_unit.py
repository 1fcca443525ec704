"""Read-aloud timing, cutting story HTML into parts, reading-session files and reader rotation."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pytest

from conftest import PROJECT
from harvest.core.archive import publish, scan
from harvest.core.settings import Settings
from harvest.readaloud.parts import (
    aloud_seconds,
    for_other_page,
    format_duration,
    rebase_url,
    story_parts,
    total_seconds,
)
from harvest.readaloud.sessions import assign_readers, load_session_files, plan_sessions, read_session_file
from harvest.site.project import settings_from_file
from harvest.site.storyhtml import split_story_html


@pytest.mark.parametrize(
    "words, per_minute, seconds",
    [
        (0, 130, 0),
        (1, 130, 1),  # any text takes some time
        (130, 130, 60),
        (131, 130, 61),  # rounded up: better to finish early than to overrun
        (65, 130, 30),
        (260, 130, 120),
        (200, 200, 60),
        (1000, 130, 462),
    ],
)
def test_aloud_seconds(words, per_minute, seconds):
    assert aloud_seconds(words, per_minute) == seconds


@pytest.mark.parametrize(
    "seconds, shown",
    [
        (0, "0 s"),
        (1, "5 s"),
        (44, "45 s"),
        (45, "45 s"),
        (56, "1 min"),
        (60, "1 min"),
        (61, "1 min 5 s"),
        (128, "2 min 10 s"),
        (595, "9 min 55 s"),
        (599, "10 min"),
        (601, "11 min"),  # from ten minutes on, whole minutes (rounded up)
        (840, "14 min"),
    ],
)
def test_format_duration(seconds, shown):
    assert format_duration(seconds) == shown


def sample_archive(profile: str = "public"):
    settings = Settings.for_directory(
        PROJECT / "stories",
        prompts=settings_from_file(PROJECT / "mkdocs.yml").prompts,
        profile=profile,
        today=dt.date(2026, 11, 21),
    )
    collection = scan(settings)
    return publish(collection), frozenset(s.id for s in collection.stories)


def test_story_parts_count_title_intro_and_each_answer():
    archive, _ = sample_archive()
    story = archive.story("2026-03-flood-drill")
    parts = story_parts(story, 130)
    assert [p.heading for p in parts] == [story.title] + [s.heading for s in story.sections]
    assert len(parts) == 4
    # The opening is the title plus the text before the first prompt; each part reads its heading too.
    assert parts[0].words == len(story.title.split()) + len(story.intro.split())
    assert parts[1].words == len(story.sections[0].heading.split()) + story.sections[0].words
    assert all(p.seconds == aloud_seconds(p.words, 130) for p in parts)
    assert total_seconds(parts) == sum(p.seconds for p in parts)
    # Slower readers, longer times.
    assert total_seconds(story_parts(story, 100)) > total_seconds(parts)


STORY_HTML = (
    '<p>Opening <a href="../../lessons/care/">care</a></p>\n'
    '<h2 id="a">What surprised us?<a class="headerlink" href="#a">¶</a></h2>\n<p>One</p>\n'
    '<h2 id="b">Who stepped forward?</h2>\n<p>Two <img src="photo.jpg" alt=""></p>\n'
    '<p><img alt="" class="harvest-image" loading="lazy" src="kitchen.jpg"></p>'
)


def test_split_story_html_cuts_opening_sections_and_figures():
    cut = split_story_html(STORY_HTML, section_count=2)
    assert cut.parts[0] == '<p>Opening <a href="../../lessons/care/">care</a></p>'
    assert cut.parts[1].startswith('<h2 id="a">') and cut.parts[1].endswith("<p>One</p>")
    assert cut.parts[2].startswith('<h2 id="b">') and "photo.jpg" in cut.parts[2]
    assert "kitchen.jpg" in cut.figures and "kitchen.jpg" not in "".join(cut.parts)


def test_split_story_html_falls_back_to_one_part_when_headings_do_not_match():
    cut = split_story_html(STORY_HTML, section_count=3)
    assert len(cut.parts) == 1 and "One" in cut.parts[0] and "Two" in cut.parts[0]


@pytest.mark.parametrize(
    "url, from_page, to_page, expected",
    [
        ("../../lessons/care/", "2026/flood-drill/", "readings/dec/", "../../lessons/care/"),
        ("photo.jpg", "2026/flood-drill/", "readings/dec/", "../../2026/flood-drill/photo.jpg"),
        ("../lessons/care.html", "2026/flood-drill.html", "readings/dec.html", "../lessons/care.html"),
        ("photo.jpg", "2026/flood-drill.html", "readings/dec.html", "../2026/photo.jpg"),
        ("../../2025/x/#what-surprised-us", "2026/flood-drill/", "readings/dec/", "../../2025/x/#what-surprised-us"),
        ("https://example.org/a", "2026/flood-drill/", "readings/dec/", "https://example.org/a"),
        ("mailto:a@example.org", "2026/flood-drill/", "readings/dec/", "mailto:a@example.org"),
        ("#top", "2026/flood-drill/", "readings/dec/", "#top"),
    ],
)
def test_rebase_url(url, from_page, to_page, expected):
    assert rebase_url(url, from_page, to_page) == expected


def test_for_other_page_demotes_headings_prefixes_ids_and_drops_permalinks():
    chunk = split_story_html(STORY_HTML, 2).parts[1] + '<p><a href="#fn1">1</a></p><ol><li id="fn1">n</li></ol>'
    html = for_other_page(chunk, "2026/flood-drill/", "readings/dec/", "s2-")
    assert html.startswith('<h3 id="s2-a">What surprised us?</h3>')
    assert "headerlink" not in html and "¶" not in html
    assert 'href="#s2-fn1"' in html and 'id="s2-fn1"' in html


@pytest.mark.parametrize(
    "count, readers, expected",
    [
        (0, ["ana"], []),
        (3, [], [None, None, None]),
        (1, ["ana", "ben"], ["ana"]),
        (2, ["ana", "ben"], ["ana", "ben"]),
        (5, ["ana", "ben"], ["ana", "ben", "ana", "ben", "ana"]),
        (4, ["ana", "ben", "cy"], ["ana", "ben", "cy", "ana"]),
        (3, ["solo"], ["solo", "solo", "solo"]),
    ],
)
def test_assign_readers_in_rotation(count, readers, expected):
    assert assign_readers(count, readers) == expected


# --- session files ---------------------------------------------------------------------------------


def session(tmp_path: Path, text: str, name: str = "assembly.yml"):
    folder = tmp_path / "stories" / "_readings"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(text, "utf-8")
    settings = Settings.for_directory(tmp_path / "stories")
    return read_session_file(folder / name, settings)


GOOD = "title: December assembly\ndate: 2026-12-05\nstories:\n  - 2026-03-flood-drill\n  - 2025-07-fiesta-plaza\nreaders: [priya]\n"


def test_a_good_session_file(tmp_path):
    found, problems = session(tmp_path, GOOD)
    assert problems == []
    assert found.title == "December assembly" and found.date == dt.date(2026, 12, 5)
    assert found.stories == (("2026-03-flood-drill", 4), ("2025-07-fiesta-plaza", 5))
    assert found.readers == ("priya",) and found.visibility == "public"


@pytest.mark.parametrize(
    "text, line, field, message",
    [
        ("date: 2026-12-05\nstories: [a]\n", None, "title", "missing or not text"),
        ("title: X\nstories: [a]\ndate: 2026-02-30\n", 3, "date", "'2026-02-30' is not a date"),
        ("title: X\nstories: a-story\n", 2, "stories", "must be a list of story ids"),
        ("title: X\n", None, "stories", "missing"),
        ("title: X\nstories:\n  - a\n  - [b]\n", 4, "stories", "item 2 is not a story id"),
        ("title: X\nstories:\n  - a\n  - a\n", 4, "stories", "'a' is listed twice"),
        ("title: X\nstories: [a]\nreader: [ana]\n", 3, "reader", "unknown field"),
        ("title: X\nstories: [a]\nreaders: ana\n", 3, "readers", "must be a list"),
        ("title: X\nstories: [a]\nvisibility: secret\n", 3, "visibility", "unknown visibility 'secret'"),
        ("title: X\nstories: [a\n", 2, "file", "invalid YAML"),
        ("- just\n- a list\n", 1, "file", "must be a list of `field: value` lines"),
        ("# nothing yet\n", 1, "file", "the file is empty"),
    ],
)
def test_session_file_mistakes_name_line_and_field(tmp_path, text, line, field, message):
    found, problems = session(tmp_path, text)
    assert found is None
    problem = next(p for p in problems if p.field == field)
    assert problem.path == "stories/_readings/assembly.yml"
    assert problem.line == line and message in problem.message


def test_unknown_field_suggests_the_right_one(tmp_path):
    _, problems = session(tmp_path, "title: X\nstories: [a]\nreader: [ana]\n")
    assert "did you mean 'readers'?" in problems[0].hint


def test_session_file_name_must_be_usable_in_an_address(tmp_path):
    _, problems = session(tmp_path, GOOD, name="Dec Assembly.yml")
    assert problems and problems[0].field == "file"


def plan(tmp_path, text, profile="public"):
    folder = tmp_path / "stories" / "_readings"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "assembly.yml").write_text(text, "utf-8")
    archive, known = sample_archive(profile)
    archive = dataclasses.replace(archive, settings=dataclasses.replace(archive.settings, project_dir=tmp_path))
    files, problems = load_session_files(folder, archive.settings)
    assert problems == []
    return plan_sessions(files, archive, known)


def test_unknown_story_id_is_an_error_with_line_and_suggestion(tmp_path):
    sessions, problems, _ = plan(tmp_path, "title: X\nstories:\n  - 2026-03-flood-drill\n  - 2026-03-flood-dril\n")
    assert sessions == []
    assert [(p.line, p.field) for p in problems] == [(4, "stories")]
    assert "no story has the id '2026-03-flood-dril'" in problems[0].message
    assert "did you mean '2026-03-flood-drill'" in problems[0].hint


def test_session_listing_a_withheld_story_is_left_out_and_only_the_file_is_named(tmp_path):
    text = "title: X\nstories: [2026-03-flood-drill, 2025-06-heatwave-drill]\n"  # the heatwave story is members-only
    sessions, problems, notes = plan(tmp_path, text)
    assert sessions == [] and problems == []
    assert len(notes) == 1 and "assembly.yml" in notes[0] and "heatwave" not in notes[0]
    sessions, problems, notes = plan(tmp_path, text, profile="members")
    assert [s.name for s in sessions] == ["assembly"] and notes == []
    assert [item.story.id for item in sessions[0].items] == ["2026-03-flood-drill", "2025-06-heatwave-drill"]


@pytest.mark.parametrize(
    "extra, public, members",
    [
        ("visibility: members\n", False, True),
        ("visibility: private\n", False, False),
        ("embargo_until: 2026-12-06\n", False, False),  # "today" is 2026-11-21 in these tests
        ("embargo_until: 2026-11-01\n", True, True),
    ],
)
def test_session_visibility_and_embargo(tmp_path, extra, public, members):
    text = "title: X\nstories: [2026-03-flood-drill]\n" + extra
    assert bool(plan(tmp_path, text)[0]) is public
    assert bool(plan(tmp_path, text, profile="members")[0]) is members


@pytest.mark.parametrize(
    "readers, profile, expected",
    [
        ("[priya, marisol]", "public", ["Priya Dandekar", "Marisol Ibarra", "Priya Dandekar"]),
        ("[willow, priya]", "public", ["Reader 1", "Priya Dandekar", "Reader 1"]),  # anonymous in the registry
        ("[bike-1]", "public", ["Spoke Collective"] * 3),  # pseudonym
        ("[Jo Smith, priya]", "public", ["Reader 1", "Priya Dandekar", "Reader 1"]),  # not registered: no consent
        ("[Jo Smith, willow]", "archive", ["Jo Smith", "Petra Vance", "Jo Smith"]),  # the archivists' own copy
        ("[]", "public", [None, None, None]),
    ],
)
def test_readers_are_shown_only_as_consent_allows(tmp_path, readers, profile, expected):
    text = f"title: X\nstories: [2026-03-flood-drill, 2025-07-fiesta-plaza, 2025-11-generator-pantry]\nreaders: {readers}\n"
    sessions, _, _ = plan(tmp_path, text, profile=profile)
    assert [item.reader for item in sessions[0].items] == expected


def test_session_times_add_up(tmp_path):
    sessions, _, _ = plan(tmp_path, "title: X\nstories: [2026-03-flood-drill, 2025-07-fiesta-plaza]\n")
    items = sessions[0].items
    assert [item.seconds for item in items] == [total_seconds(list(item.parts)) for item in items]
    assert sessions[0].seconds == sum(item.seconds for item in items) > 0
