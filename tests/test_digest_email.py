"""`harvest digest`: ready-to-send emails, checked with Python's own `email` parser."""

from __future__ import annotations

import email
import email.policy
import re
from pathlib import Path

import pytest

from conftest import copy_project, run_harvest
from digest_helpers import SITE_URL, set_digest_options, set_site_url, unset_site_url, write_story

HOSTILE_ANSWER = (
    'Whistles. <img src="https://tracker.example/pixel.png"> <script>alert(1)</script>'
    '<div style="background:url(https://tracker.example/bg.png)">styled</div> '
    '<a href="javascript:alert(1)">click</a> <link rel="stylesheet" href="https://tracker.example/x.css">'
    " ![photo](https://tracker.example/photo.jpg) and [our map](https://maps.example.org/m)"
)


@pytest.fixture(scope="module")
def march(tmp_path_factory):
    """`harvest digest 2026-03` on the sample archive with site_url set and one more story."""
    project = copy_project(tmp_path_factory.mktemp("email") / "archive")
    set_site_url(project)
    write_story(
        project,
        "2026/end-of-march.md",
        id="end-of-march",
        title="Sirens on the last day of March",
        date="2026-03-31",
        lessons=("communication", "joy"),
        contributors=("marisol", "willow"),
        missing=HOSTILE_ANSWER,
    )
    result = run_harvest("digest", "2026-03", cwd=project)
    assert result.returncode == 0, result.stderr
    out = project / "dist" / "digests"
    return project, out, result


def parse(path: Path):
    return email.message_from_bytes(path.read_bytes(), policy=email.policy.default)


def test_writes_eml_html_and_txt(march):
    _, out, result = march
    assert sorted(p.name for p in out.iterdir()) == ["2026-03.eml", "2026-03.html", "2026-03.txt"]
    assert "2 stories" in result.stdout and str(out / "2026-03.eml") in result.stdout


def test_eml_is_multipart_alternative_and_its_parts_match_the_files(march):
    _, out, _ = march
    message = parse(out / "2026-03.eml")
    assert message.get_content_type() == "multipart/alternative"
    assert message["Subject"] == "Digest: March 2026 · Harvest — stories from our movements"
    parts = list(message.iter_parts())
    assert [p.get_content_type() for p in parts] == ["text/plain", "text/html"]
    assert all(p.get_content_charset() == "utf-8" for p in parts)
    # On the wire lines end in CRLF (RFC 5322); the files on their own use the platform's "\n".
    text, html = (p.get_content().replace("\r\n", "\n") for p in parts)
    assert text == (out / "2026-03.txt").read_text("utf-8")
    assert html == (out / "2026-03.html").read_text("utf-8")
    for expected in (
        "The night the flood drill went sideways",
        "Sirens on the last day of March",
        "What resource was missing?",
        "A second channel that does not depend on phones",
        "Thanks to Priya Dandekar, Spoke Collective, Marisol Ibarra and 2 anonymous contributions.",
        SITE_URL + "2026/flood-drill/#read-aloud",
        SITE_URL + "digests/2026-03/",
    ):
        assert expected in " ".join(text.split()), expected
        assert expected in " ".join(html.split()), expected


def test_text_is_wrapped_at_72_columns(march):
    _, out, _ = march
    text = (out / "2026-03.txt").read_text("utf-8")
    assert max(len(line) for line in text.splitlines()) > 60  # really wrapped, not one word per line
    for line in text.splitlines():
        assert len(line) <= 72 or len(line.split()) == 1, line  # only an unbreakable address may be longer


def test_html_loads_nothing_from_anywhere(march):
    _, out, _ = march
    html = (out / "2026-03.html").read_text("utf-8")
    lowered = html.lower()
    for forbidden in (
        "<img",
        "<script",
        "<link",
        "<iframe",
        "<object",
        "<embed",
        "<style",
        "url(",
        "@import",
        " src=",
        "background=",
        "javascript:",
        "tracker.example",
    ):
        assert forbidden not in lowered, forbidden
    without_links = re.sub(r'<a\s([^>]*\s)?href="https?://[^"]*"', "<a", html)
    assert "http://" not in without_links and "https://" not in without_links
    assert 'href="https://maps.example.org/m"' in html  # a story's own link survives, as a link


def test_html_is_a_600px_table_layout_with_inlined_css(march):
    _, out, _ = march
    html = (out / "2026-03.html").read_text("utf-8")
    assert re.search(r'<table[^>]*class="main"[^>]*width="600"', html) or re.search(
        r'<table[^>]*width="600"[^>]*class="main"', html
    )
    assert all(int(w) <= 600 for w in re.findall(r'width="(\d+)"', html))
    assert all(int(w) <= 600 for w in re.findall(r"width:\s*(\d+)px", html))
    assert 'style="' in html and "max-width: 600px" in html
    hrefs = re.findall(r'href="([^"]+)"', html)
    assert hrefs and all(h.startswith(("https://", "mailto:")) for h in hrefs)


def test_same_stories_same_bytes(march):
    project, out, _ = march
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    other = project / "again"
    assert run_harvest("digest", "2026-03", "--out", str(other), cwd=project).returncode == 0
    assert {p.name: p.read_bytes() for p in other.iterdir()} == before


def test_a_period_without_stories_writes_nothing(project):
    result = run_harvest("digest", "2026-04", cwd=project)
    assert result.returncode == 1
    assert "no story from 1–30 April 2026 is published in the 'public' profile" in result.stderr
    assert not (project / "dist").exists()


def test_members_only_stories_need_the_members_profile(project):
    result = run_harvest("digest", "2025-06", cwd=project)  # the heatwave drill is members-only
    assert result.returncode == 1 and not (project / "dist").exists()
    result = run_harvest("digest", "2025-06", "--profile", "members", cwd=project)
    assert result.returncode == 0, result.stderr
    text = (project / "dist" / "digests" / "2025-06.txt").read_text("utf-8")
    assert "Heatwave drill at the Brambleford towers" in text
    result = run_harvest("digest", "2025-Q2", cwd=project)
    assert result.returncode == 0
    assert "Heatwave" not in (project / "dist" / "digests" / "2025-Q2.txt").read_text("utf-8")


@pytest.mark.parametrize(
    "args, message",
    [
        (["2026-13"], "'2026-13' is not a period"),
        ([], "name a PERIOD"),
        (["2026-03", "--since", "2026-01-01"], "not both"),
        (["--since", "2026-02-30"], "--since: '2026-02-30' is not a date"),
        (["--since", "2026-03-01", "--until", "2026-01-01"], "--until 2026-01-01 is before --since 2026-03-01"),
    ],
)
def test_usage_mistakes(project, args, message):
    result = run_harvest("digest", *args, cwd=project)
    assert result.returncode == 2
    assert message in result.stderr and "Traceback" not in result.stderr


def test_ad_hoc_range_week_and_quarter(project):
    result = run_harvest("digest", "--since", "2025-07-01", "--until", "2025-08-31", "--out", "issues", cwd=project)
    assert result.returncode == 0, result.stderr
    text = (project / "issues" / "2025-07-01_2025-08-31.txt").read_text("utf-8")
    assert "1 July – 31 August 2025 · 2 stories" in text
    assert "Fiesta" in text or "fiesta" in text.lower()
    assert run_harvest("digest", "2026-W11", cwd=project).returncode == 0  # 9–15 March 2026
    assert "flood drill" in (project / "dist" / "digests" / "2026-W11.txt").read_text("utf-8")
    assert run_harvest("digest", "2025-Q4", cwd=project).returncode == 0
    text = (project / "dist" / "digests" / "2025-Q4.txt").read_text("utf-8")
    assert "first aid" in text.lower() and "generator" in text.lower()


def test_configured_range_key_sender_and_recipient(project):
    set_digest_options(
        project,
        "      ranges:\n        - {key: spring-2026, title: Spring 2026, since: 2026-03-01, "
        'until: 2026-05-31}\n      email_from: "Harvest <news@example.org>"\n'
        "      email_to: members@lists.example.org",
    )
    result = run_harvest("digest", "spring-2026", cwd=project)
    assert result.returncode == 0, result.stderr
    message = parse(project / "dist" / "digests" / "spring-2026.eml")
    assert message["Subject"].startswith("Digest: Spring 2026")
    assert message["From"] == "Harvest <news@example.org>" and message["To"] == "members@lists.example.org"
    assert message["X-Unsent"] == "1"
    result = run_harvest("digest", "sprng-2026", cwd=project)
    assert result.returncode == 2 and "did you mean 'spring-2026'" in result.stderr


def test_without_site_url_the_email_says_so_and_has_no_links(project):
    unset_site_url(project)
    result = run_harvest("digest", "2026-03", cwd=project)
    assert result.returncode == 0
    assert "site_url is not set" in result.stderr
    html = (project / "dist" / "digests" / "2026-03.html").read_text("utf-8")
    assert "href=" not in html
