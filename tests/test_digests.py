"""Digest pages and feeds, from real `harvest build`s of the sample archive in tmp folders."""

from __future__ import annotations

import datetime as dt
import email.utils
import json
import re
from pathlib import Path

import feedparser
import jsonschema
import pytest

from conftest import build, run_harvest
from digest_helpers import (
    SITE_URL,
    archive_of,
    set_digest_options,
    set_site_url,
    site_text,
    unset_site_url,
    write_story,
)
from harvest.core.archive import publish, scan
from harvest.digests.digest import DigestOptions, build_digests, thanks_line
from harvest.digests.links import Links, page_url
from harvest.site.project import settings_from_file

RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")
RFC822 = re.compile(
    r"^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) "
    r"\d{4} \d{2}:\d{2}:\d{2} [+-]\d{4}$"
)
# The parts of JSON Feed 1.1 we produce, as a schema (feedparser 6 does not read JSON Feed).
JSON_FEED_SCHEMA = {
    "type": "object",
    "required": ["version", "title", "items"],
    "properties": {
        "version": {"const": "https://jsonfeed.org/version/1.1"},
        "title": {"type": "string"},
        "home_page_url": {"type": "string"},
        "feed_url": {"type": "string"},
        "items": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["id", "url", "title", "content_html", "date_published"],
                "properties": {
                    "id": {"type": "string"},
                    "url": {"type": "string"},
                    "content_html": {"type": "string"},
                    "date_published": {"type": "string", "pattern": RFC3339.pattern},
                    "authors": {"type": "array", "items": {"type": "object", "required": ["name"]}},
                    "tags": {"type": "array", "items": {"type": "string"}},
                },
            },
        },
    },
}


def page(site: Path, uri: str) -> str:
    return (site / uri / "index.html").read_text("utf-8")


def story_url(story, site_url: str = SITE_URL) -> str:
    return site_url + page_url(story.path)


# --- digests from the archive (no MkDocs) --------------------------------------------------------


def test_each_public_story_is_in_exactly_one_monthly_digest_once(project):
    archive = archive_of(project)
    digests = build_digests(archive, DigestOptions())
    assert [d.key for d in digests] == sorted({s.date.strftime("%Y-%m") for s in archive.stories}, reverse=True)
    for digest in digests:
        grouped = [s.id for _, stories in digest.groups for s in stories]
        assert sorted(grouped) == sorted(s.id for s in digest.stories)  # each story once, under one lesson
        assert all(s.date.strftime("%Y-%m") == digest.key for s in digest.stories)
        for lesson, stories in digest.groups:
            assert all(s.lessons[0] == lesson.id for s in stories)
    # ten public samples, nine stories: the pantry story told in English and Spanish is listed once
    assert len(archive.stories) == 10 and sum(len(d.stories) for d in digests) == 9
    listed = {s.id for d in digests for s in d.stories}
    told = {v.id for d in digests for s in d.stories for v in d.versions.get(s.id, [s])}
    assert told == {s.id for s in archive.stories} and "2025-11-generador-despensa" not in listed


def test_story_on_the_last_day_of_a_month_lands_in_that_month(project):
    write_story(project, "2026/end-of-march.md", id="end-of-march", title="On the last day", date="2026-03-31")
    write_story(project, "2026/start-of-april.md", id="start-of-april", title="On the first day", date="2026-04-01")
    digests = {d.key: d for d in build_digests(archive_of(project), DigestOptions())}
    assert "end-of-march" in [s.id for s in digests["2026-03"].stories]
    assert [s.id for s in digests["2026-04"].stories] == ["start-of-april"]
    quarters = {d.key: d for d in build_digests(archive_of(project), DigestOptions(kind="quarterly"))}
    assert "end-of-march" in [s.id for s in quarters["2026-Q1"].stories]
    assert [s.id for s in quarters["2026-Q2"].stories] == ["start-of-april"]


def test_answers_and_thanks_come_from_the_published_view(project):
    archive = archive_of(project)
    digest = {d.key: d for d in build_digests(archive, DigestOptions())}["2026-03"]
    assert digest.answers_title == "What resource was missing?"
    assert [s.id for s, _ in digest.answers] == ["2026-03-flood-drill"]
    # contributors: priya (named), bike-1 (pseudonym), willow (anonymous)
    assert digest.thanks() == "Thanks to Priya Dandekar, Spoke Collective and 1 anonymous contribution."
    assert "willow" not in digest.thanks() and "Petra" not in digest.thanks() and "Kit Alder" not in digest.thanks()


@pytest.mark.parametrize(
    "labels, anonymous, text",
    [
        ([], 0, ""),
        (["A"], 0, "Thanks to A."),
        (["A", "B"], 0, "Thanks to A and B."),
        (["A", "B", "C"], 2, "Thanks to A, B, C and 2 anonymous contributions."),
        ([], 1, "Thanks to 1 anonymous contribution."),
    ],
)
def test_thanks_line(labels, anonymous, text):
    assert thanks_line(labels, anonymous) == text


def test_anonymous_contributions_are_counted_per_story_never_linked(project):
    write_story(project, "2026/anon-one.md", id="anon-one", title="One", date="2026-09-02", contributors=("fern",))
    write_story(project, "2026/anon-two.md", id="anon-two", title="Two", date="2026-09-20", contributors=("fern",))
    digest = {d.key: d for d in build_digests(archive_of(project), DigestOptions())}["2026-09"]
    assert digest.people == [] and digest.anonymous == 2


# --- the built site ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The sample archive with site_url set, built once for the read-only checks below."""
    from conftest import copy_project

    project = copy_project(tmp_path_factory.mktemp("digests") / "archive")
    set_site_url(project)
    (project / "stories" / "_digests").mkdir()
    (project / "stories" / "_digests" / "2026-03.md").write_text(
        "A word from the editors: **bring a whistle** to the next drill.\n", "utf-8"
    )
    return project, build(project)


def test_digest_pages_index_and_nav(built):
    project, site = built
    archive = archive_of(project)
    months = sorted({s.date.strftime("%Y-%m") for s in archive.stories}, reverse=True)
    index = page(site, "digests")
    listed = re.findall(r'href="(\d{4}-\d{2})/"', index.split('class="harvest-index"', 1)[1].split("</ul>", 1)[0])
    assert listed == months
    nav = page(site, "lessons").split('class="md-nav md-nav--primary"', 1)[1].split("</nav>", 1)[0]
    assert "Digests" in nav
    march = page(site, "digests/2026-03")
    assert "The night the flood drill went sideways" in march
    assert "<strong>bring a whistle</strong>" in march  # the editor's note, rendered
    assert 'href="../../2026/flood-drill/#read-aloud"' in march
    assert "What resource was missing?" in march and "A second channel that does not depend on phones" in march
    assert "Priya Dandekar" in march and "1 anonymous contribution" in march
    for name in ("2026-03.eml", "2026-03.html", "2026-03.txt"):
        assert (site / "digests" / "2026-03" / name).is_file()
        assert f'href="{name}"' in march


def test_withheld_stories_never_reach_digests_feeds_or_emails(built):
    project, site = built
    settings = settings_from_file(project / "mkdocs.yml")
    collection = scan(settings)
    public = {s.id for s in publish(collection).stories}
    withheld = [s for s in collection.stories if s.id not in public]
    assert {s.visibility for s in withheld} >= {"members", "private"}
    outputs = site_text(site, "digests", "feeds")
    assert len(outputs) > 50
    for story in withheld:
        for path, text in outputs.items():
            assert story.title not in text, f"{story.id} leaked into {path}"
            assert story.summary[:40] not in text, f"{story.id} leaked into {path}"
    for month in ("2025-06", "2026-05"):  # months whose only stories are members-only / private
        assert not (site / "digests" / month).exists()


def test_members_profile_digest_includes_members_story(project):
    site = build(project, "--profile", "members")
    assert "Heatwave drill at the Brambleford towers" in page(site, "digests/2025-06")
    assert "Heatwave drill" in (site / "feeds" / "stories.atom.xml").read_text("utf-8")


@pytest.mark.parametrize("fmt", ["atom", "rss"])
def test_feeds_parse_and_hold_exactly_the_expected_entries(built, fmt):
    project, site = built
    archive = archive_of(project)
    suffix = {"atom": ".atom.xml", "rss": ".rss.xml"}[fmt]
    expected = {"stories": archive.stories}
    expected.update({f"lessons/{lesson}": stories for lesson, stories in archive.by_lesson.items() if stories})
    for name, stories in expected.items():
        feed = feedparser.parse((site / "feeds" / f"{name}{suffix}").read_bytes())
        assert feed.bozo == 0, (name, feed.get("bozo_exception"))
        assert feed.version == {"atom": "atom10", "rss": "rss20"}[fmt]
        assert [e.link for e in feed.entries] == [story_url(s) for s in stories], name
        assert [e.title for e in feed.entries] == [s.title for s in stories]
        for entry, story in zip(feed.entries, stories, strict=True):
            assert entry.published_parsed[:3] == story.date.timetuple()[:3]  # the story's own date, unshifted
    assert not (site / "feeds" / "lessons" / "no-such-lesson.atom.xml").exists()
    unused = [lesson for lesson, members in archive.by_lesson.items() if not members]
    for lesson in unused:  # like lesson pages: no feed for a lesson no published story has
        assert not (site / "feeds" / "lessons" / f"{lesson}{suffix}").exists()
    digests = feedparser.parse((site / "feeds" / f"digests{suffix}").read_bytes())
    assert digests.bozo == 0
    months = sorted({s.date.strftime("%Y-%m") for s in archive.stories}, reverse=True)
    assert [e.link for e in digests.entries] == [f"{SITE_URL}digests/{m}/" for m in months]


def test_feed_dates_are_rfc3339_in_atom_and_rfc822_in_rss(built):
    _, site = built
    atom = (site / "feeds" / "stories.atom.xml").read_text("utf-8")
    dates = re.findall(r"<(?:updated|published)>([^<]+)<", atom)
    assert dates and all(RFC3339.match(d) for d in dates)
    rss = (site / "feeds" / "stories.rss.xml").read_text("utf-8")
    dates = re.findall(r"<(?:pubDate|lastBuildDate)>([^<]+)<", rss)
    assert dates and all(RFC822.match(d) for d in dates)
    assert email.utils.parsedate_to_datetime(dates[0]).tzinfo is not None


def test_json_feeds(built):
    project, site = built
    archive = archive_of(project)
    for path in (site / "feeds").rglob("*.json"):
        data = json.loads(path.read_text("utf-8"))
        jsonschema.validate(data, JSON_FEED_SCHEMA)
        assert data["feed_url"] == SITE_URL + path.relative_to(site).as_posix()
        for item in data["items"]:
            dt.datetime.fromisoformat(item["date_published"])
            assert item["url"].startswith(SITE_URL)
    stories = json.loads((site / "feeds" / "stories.json").read_text("utf-8"))
    assert [i["url"] for i in stories["items"]] == [story_url(s) for s in archive.stories]


def test_feed_content_is_clean_and_loads_nothing(built):
    _, site = built
    for path in (site / "feeds").rglob("*.xml"):
        feed = feedparser.parse(path.read_bytes())
        for entry in feed.entries:
            html = entry.content[0].value
            assert "<img" not in html and "<script" not in html and "style=" not in html


def test_pages_announce_feeds_in_head(built):
    _, site = built
    lesson_head = head = page(site, "lessons/safety").split("</head>", 1)[0]
    hrefs = re.findall(r'<link rel="alternate feed" type="application/[a-z+]+" title="[^"]*" href="([^"]+)"', head)
    assert f"{SITE_URL}feeds/stories.atom.xml" in hrefs and f"{SITE_URL}feeds/lessons/safety.rss.xml" in hrefs
    head = page(site, "2026/flood-drill").split("</head>", 1)[0]
    assert 'type="application/rss+xml"' in head and "feeds/digests" not in head
    # An Answers page's template writes them itself (no copy of a page of megabytes): once each.
    answers = page(site, "answers/missing").split("</head>", 1)[0]
    found = re.findall(r'<link rel="alternate feed" type="application/[a-z+]+" title="[^"]*" href="([^"]+)"', answers)
    written = [f"{SITE_URL}feeds/stories.{kind}" for kind in ("atom.xml", "rss.xml", "json")]
    assert sorted(found) == sorted(written)
    # Where each was written: by the template, inside the head (the theme's indent follows); by
    # the insertion after rendering, right before </head>.
    assert answers.endswith("\n  ") and answers.rstrip().endswith(f'href="{SITE_URL}feeds/stories.json">')
    assert lesson_head.endswith('safety.json">')


def test_build_is_reproducible_and_follows_source_date_epoch(project):
    first = site_text(build(project, env={"SOURCE_DATE_EPOCH": "1790000000"}), "digests", "feeds")
    second = site_text(build(project, env={"SOURCE_DATE_EPOCH": "1790000000"}), "digests", "feeds")
    assert first == second
    assert "<updated>2026-09-21T14:13:20+00:00</updated>" in first["feeds/stories.atom.xml"]
    plain = site_text(build(project), "feeds")["feeds/stories.atom.xml"]
    newest = max(s.date for s in archive_of(project).stories)
    assert re.search(r"<feed[^>]*>.*?<updated>([^<]+)</updated>", plain, re.S)[1] == f"{newest}T00:00:00+00:00"


def test_without_site_url_links_are_relative_and_the_strict_build_passes(project):
    unset_site_url(project)
    result = run_harvest("build", cwd=project)
    assert result.returncode == 0, result.stderr
    assert "site_url is not set" in result.stderr  # said once, at info level
    site = project / "site"
    feed = feedparser.parse((site / "feeds" / "stories.rss.xml").read_bytes())
    assert feed.bozo == 0
    assert all(e.link.startswith("../") for e in feed.entries)
    assert "http" not in re.sub(
        r'href="https?://[^"]*"', "", "".join((site / "digests" / "2026-03" / "2026-03.html").read_text("utf-8"))
    )


def test_feeds_true_without_site_url_fails_the_strict_build(project):
    unset_site_url(project)
    set_digest_options(project, "      period: monthly\n      feeds: true")
    result = run_harvest("build", cwd=project)
    assert result.returncode == 1
    assert "site_url is not set" in result.stderr


def test_feeds_can_be_turned_off(project):
    set_digest_options(project, "      period: monthly\n      feeds: false\n      emails: false")
    site = build(project)
    assert not (site / "feeds").exists()
    assert not list((site / "digests").rglob("*.eml"))
    assert "application/atom+xml" not in page(site, "digests")


def test_weekly_and_explicit_range_pages(project):
    set_digest_options(project, "      period: weekly")
    site = build(project)
    assert "The night the flood drill went sideways" in page(site, "digests/2026-W11")  # 14 March 2026
    config = project / "mkdocs.yml"
    config.write_text(
        config.read_text("utf-8").replace(
            "      period: weekly\n",
            "      ranges:\n"
            "        - {key: spring-2026, title: Spring 2026, since: 2026-03-01, until: 2026-05-31}\n"
            "        - {key: all-of-2025, since: 2025-01-01, until: 2025-12-31}\n",
        ),
        "utf-8",
    )
    site = build(project)
    assert "Spring 2026" in page(site, "digests/spring-2026")
    assert "1 January – 31 December 2025" in page(site, "digests/all-of-2025")
    assert sorted(p.name for p in (site / "digests").iterdir() if p.is_dir()) == ["all-of-2025", "spring-2026"]


@pytest.mark.parametrize(
    "options, message",
    [
        ("      answers_prompt: lacking", "no prompt has the id 'lacking'"),
        (
            "      ranges:\n        - {key: x, since: 2026-05-01, until: 2026-04-01}",
            "ends (2026-04-01) before it starts",
        ),
        ("      ranges:\n        - {key: Bad Key, since: 2026-01-01, until: 2026-02-01}", "key must be lowercase"),
        ("      period: fortnightly", "fortnightly"),
    ],
)
def test_config_mistakes_are_named(project, options, message):
    set_digest_options(project, options)
    result = run_harvest("build", cwd=project)
    assert result.returncode == 1
    assert message in result.stderr + result.stdout
    assert "Traceback" not in result.stderr


def test_a_story_in_a_reserved_folder_is_refused(project):
    write_story(project, "feeds/story.md", id="feeds-story", title="Misplaced", date="2026-02-02")
    result = run_harvest("build", cwd=project)
    assert result.returncode == 1
    assert "stories/feeds/story.md" in result.stderr and "move the story" in result.stderr


def test_digests_follow_edits_and_removals(project):
    site = build(project)
    assert (site / "digests" / "2025-08").is_dir()
    (project / "stories" / "2025" / "rent-strike-phone-tree.md").unlink()
    # The sample reading session lists that story; a session naming a missing story is an error.
    (project / "stories" / "_readings" / "2026-12-assembly.yml").unlink()
    flood = project / "stories" / "2026" / "flood-drill.md"
    flood.write_text(
        flood.read_text("utf-8").replace("The night the flood drill went sideways", "The flood drill, retold"), "utf-8"
    )
    site = build(project)
    assert not (site / "digests" / "2025-08").exists()
    assert "The flood drill, retold" in page(site, "digests/2026-03")
    assert "went sideways" not in (site / "digests" / "2026-03" / "2026-03.txt").read_text("utf-8")


def test_a_members_note_stays_out_of_the_public_digest(project):
    notes = project / "stories" / "_digests"
    notes.mkdir()
    (notes / "2026-03.md").write_text("---\nvisibility: members\n---\nMeet at the boathouse key safe.\n", "utf-8")
    (notes / "2026-07.md").write_text("Public note. [[redact members]]The key is under the mat.[[/redact]]\n", "utf-8")
    site = build(project)
    assert "boathouse key safe" not in page(site, "digests/2026-03")
    july = page(site, "digests/2026-07")
    assert "Public note." in july and "under the mat" not in july and "[withheld]" in july
    site = build(project, "--profile", "members")
    assert "boathouse key safe" in page(site, "digests/2026-03")
    assert "under the mat" in page(site, "digests/2026-07")


def test_a_broken_note_is_reported_with_its_file(project):
    notes = project / "stories" / "_digests"
    notes.mkdir()
    (notes / "2026-03.md").write_text("---\nvisibilty: members\n---\nHello\n", "utf-8")
    result = run_harvest("build", cwd=project)
    assert result.returncode == 1
    assert "stories/_digests/2026-03.md:2: visibilty: unknown field" in result.stderr


def test_links_helper_matches_mkdocs_urls():
    assert page_url("2026/flood-drill.md") == "2026/flood-drill/"
    assert page_url("2026/flood-drill.md", use_directory_urls=False) == "2026/flood-drill.html"
    assert page_url("index.md") == "" and page_url("digests/index.md") == "digests/"
    links = Links()
    assert links.page("2026/flood-drill.md", "feeds/lessons") == "../../2026/flood-drill/"
    assert links.page("index.md", "feeds") == "../"
    assert Links(SITE_URL).page("digests/2026-03.md", "feeds") == SITE_URL + "digests/2026-03/"
    assert Links().email_page("2026/x.md") is None


@pytest.mark.parametrize("zone", ["Pacific/Kiritimati", "Pacific/Pago_Pago"])  # UTC+14 and UTC-11
def test_no_time_zone_moves_a_story_into_another_month(project, zone):
    write_story(project, "2026/end-of-march.md", id="end-of-march", title="On the last day", date="2026-03-31")
    site = build(project, env={"TZ": zone})
    assert "On the last day" in page(site, "digests/2026-03")
    assert not (site / "digests" / "2026-04").exists()
    feed = feedparser.parse((site / "feeds" / "stories.atom.xml").read_bytes())
    entry = next(e for e in feed.entries if e.title == "On the last day")
    assert entry.published == "2026-03-31T00:00:00+00:00"
    rss = feedparser.parse((site / "feeds" / "stories.rss.xml").read_bytes())
    assert next(e for e in rss.entries if e.title == "On the last day").published == "Tue, 31 Mar 2026 00:00:00 +0000"


def test_feed_size_keeps_the_newest_entries(project):
    from harvest.digests.feeds import FeedMaker

    archive = archive_of(project)
    feeds = {f.name: f for f in FeedMaker(archive, Links(SITE_URL), limit=2).story_feeds()}
    assert [e.title for e in feeds["stories"].entries] == [s.title for s in archive.stories[:2]]
    assert all(len(f.entries) <= 2 for f in feeds.values())


def test_the_gathered_prompt_is_configurable(project):
    set_digest_options(project, "      period: quarterly\n      answers_prompt: surprised")
    site = build(project)
    q1 = page(site, "digests/2026-Q1")
    assert "What surprised us?" in q1 and "What resource was missing?" not in q1
    assert "The phone tree broke at the second hop" in q1


def test_markup_in_story_fields_is_shown_as_text_never_run(project):
    write_story(
        project,
        "2026/markup.md",
        id="markup",
        title="Bad <script>alert(1)</script> title",
        date="2026-03-03",
        summary="Summary <img src=x onerror=alert(2)> here",
    )
    site = build(project)
    for html in (page(site, "digests/2026-03"), (site / "digests" / "2026-03" / "2026-03.html").read_text("utf-8")):
        assert "<script>alert(1)" not in html and "<img src=x" not in html
        assert "Bad &lt;script&gt;alert(1)&lt;/script&gt; title" in html
    feed = feedparser.parse((site / "feeds" / "stories.atom.xml").read_bytes())
    assert "Bad <script>alert(1)</script> title" in [e.title for e in feed.entries]  # text, escaped in the XML


def test_feeds_and_emails_show_the_story_as_its_page_does(project):
    """Feeds and emails take each story's HTML from its rendered page: links between stories
    resolve to the other page's address, and the page's ¶ permalinks are left behind."""
    set_site_url(project)
    write_story(
        project,
        "2026/linking.md",
        id="linking",
        title="Linking",
        date="2026-10-05",
        missing="A [map like the flood drill's](flood-drill.md), printed.",
    )
    site = build(project)
    target = SITE_URL + "2026/flood-drill/"
    item = next(
        i for i in json.loads((site / "feeds" / "stories.json").read_text("utf-8"))["items"] if i["title"] == "Linking"
    )
    assert f'href="{target}"' in item["content_html"]
    assert "<h2" in item["content_html"] and "What surprised us?" in item["content_html"]
    email_html = (site / "digests" / "2026-10" / "2026-10.html").read_text("utf-8")
    email_text = (site / "digests" / "2026-10" / "2026-10.txt").read_text("utf-8")
    assert f'href="{target}"' in email_html and f"<{target}>" in email_text
    for text in (item["content_html"], email_html, email_text):
        assert "headerlink" not in text and "¶" not in text and ".md" not in text
