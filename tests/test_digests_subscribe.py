"""The Digests index gathers every feed and the email files in one explained "Subscribe" block."""

from __future__ import annotations

import pytest

from conftest import build, copy_project
from digest_helpers import set_digest_options

LESSONS_WITH_PUBLIC_STORIES = 9  # lessons.yml's lessons that a public sample story uses (read off the samples)


def open_digests(page, site):
    page.goto((site / "digests" / "index.html").as_uri())
    return page.locator("section.harvest-subscribe")


def test_one_subscribe_block_holds_every_feed_link(page, sample_site):
    block = open_digests(page, sample_site)
    assert block.count() == 1
    assert block.locator("h2").inner_text() == "Subscribe"
    # every feed link on the page is inside the block; none is left as a bare list elsewhere
    everywhere = page.locator("article a[href*='feeds/']").count()
    inside = block.locator("a[href*='feeds/']").count()
    assert inside == everywhere == 3 * (2 + LESSONS_WITH_PUBLIC_STORIES)
    assert page.locator("ul.harvest-feeds").count() == 0


def test_the_block_says_what_a_feed_is_in_plain_words(page, sample_site):
    text = open_digests(page, sample_site).locator("p").first.inner_text()
    assert text.startswith("A feed is a web address") and "feed reader" in text


@pytest.mark.parametrize(
    "kind,hrefs",
    [
        ("New stories", ["stories.atom.xml", "stories.rss.xml", "stories.json"]),
        ("Digests", ["digests.atom.xml", "digests.rss.xml", "digests.json"]),
    ],
)
def test_each_kind_of_feed_is_one_row_with_its_three_formats(page, sample_site, kind, hrefs):
    row = open_digests(page, sample_site).locator("li", has_text=kind)
    assert row.count() == 1
    links = row.locator("a")
    assert links.all_inner_texts() == ["Atom", "RSS", "JSON Feed"]
    assert [h.rsplit("/", 1)[1] for h in (links.nth(i).get_attribute("href") for i in range(3))] == hrefs
    assert links.first.get_attribute("aria-label") == f"{kind} (Atom)"  # a screen reader hears which feed


def test_lesson_feeds_are_folded_away_but_work_without_javascript(page, sample_site):
    folded = open_digests(page, sample_site).locator("details.harvest-subscribe__lessons")
    assert folded.count() == 1
    assert f"({LESSONS_WITH_PUBLIC_STORIES} feeds)" in folded.locator("summary").inner_text()
    assert not folded.locator("a").first.is_visible()
    folded.locator("summary").click()
    assert folded.locator("a[href$='feeds/lessons/joy.atom.xml']").is_visible()


def test_the_newest_digests_email_files_are_in_the_block(page, sample_site):
    email = open_digests(page, sample_site).locator(".harvest-subscribe__email")
    assert "July 2026" in email.inner_text()  # the newest public digest of the samples
    hrefs = [a.get_attribute("href") for a in email.locator("a").all()]
    assert hrefs == ["2026-07/2026-07.eml", "2026-07/2026-07.html", "2026-07/2026-07.txt"]
    for href in hrefs:
        assert (sample_site / "digests" / href).is_file()


@pytest.mark.parametrize(
    "options,has_block,has_feeds,has_email",
    [
        ("      period: monthly\n      feeds: false", True, False, True),
        ("      period: monthly\n      emails: false", True, True, False),
        ("      period: monthly\n      feeds: false\n      emails: false", False, False, False),
    ],
)
def test_the_block_shows_only_what_the_build_makes(tmp_path, options, has_block, has_feeds, has_email):
    project = copy_project(tmp_path / "archive")
    set_digest_options(project, options)
    html = (build(project) / "digests" / "index.html").read_text("utf-8")
    assert ('class="harvest-subscribe"' in html) == has_block
    assert ("feeds/stories.atom.xml" in html) == has_feeds
    assert ("2026-07.eml" in html) == has_email
