"""A story page's header comes from the autoescaped template harvest/story-header.html."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import build, copy_project

STORY = """---
id: 2026-06-quoted
title: "Tom's \\"big\\" <b>night</b> & day"
date: 2026-06-07
event: action
place: "A & B <i>Yard</i>"
contributors: [tomek, willow, nobody-registered]
lessons: [joy]
summary: "It's <script>alert(1)</script> fine."
translation_of: 2025-03-tenant-assembly
lang: en
---

Short text.
"""

HEADER = """<article class="harvest-story" lang="en" data-story-id="2026-06-quoted">
<h1>Tom&#39;s &#34;big&#34; &lt;b&gt;night&lt;/b&gt; &amp; day</h1>
<p class="harvest-summary">It&#39;s &lt;script&gt;alert(1)&lt;/script&gt; fine.</p>
<p class="harvest-meta"><time datetime="2026-06-07">7 June 2026</time> · <a href="../../events/action/">Action</a> · \
<a href="../../places/a-b-i-yard-i/">A &amp; B &lt;i&gt;Yard&lt;/i&gt;</a></p>
<p class="harvest-credits">Shared by <a href="../../contributors/tomek-wirth/">Tomek Wirth</a>, 2 anonymous contributors</p>
<p class="harvest-lessons"><a class="harvest-chip" href="../../lessons/joy/">Joy</a></p>
<p class="harvest-times">Reading time 1 min · read aloud 1 min</p>
<p class="harvest-translation">Translation of <a href="../../2025/tenant-assembly-kestrel-row/">\
Our first tenants&#39; assembly without a chair</a></p>
"""


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    project = copy_project(tmp_path_factory.mktemp("header") / "archive")
    (project / "stories" / "2026" / "quoted.md").write_text(STORY, "utf-8")
    return build(project)


def test_header_escapes_every_field(site):
    page = (site / "2026" / "quoted" / "index.html").read_text("utf-8")
    assert HEADER in page
    assert "<b>night" not in page and "<script>alert(1)" not in page and "<i>Yard" not in page


def test_the_header_template_can_be_overridden_alone(tmp_path):
    project = copy_project(tmp_path / "archive")
    own = project / "overrides" / "harvest" / "story-header.html"
    own.parent.mkdir(parents=True, exist_ok=True)
    own.write_text(
        '{% set h = harvest.header() %}<h1 class="ours">{{ h.title | e }}</h1>'
        '<p class="ours">{{ h.place[1] | e }}, {{ h.human_date }}</p>\n',
        "utf-8",
    )
    page = (build(project) / "2026" / "flood-drill" / "index.html").read_text("utf-8")
    assert '<h1 class="ours">' in page and '<p class="ours">' in page
    assert 'class="harvest-summary"' not in page  # the rest of the story page is Harvest's
    assert 'class="harvest-related"' in page or "harvest-story" in page


def test_start_here_page_escapes_the_site_name():
    from types import SimpleNamespace

    from harvest.offline.pack import start_here

    settings = SimpleNamespace(site_name='Tom\'s "<b>archive</b>" & co', default_lang="en")
    assert (
        start_here(settings)
        == """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="refresh" content="0; url=site/index.html">
<title>Tom&#39;s &#34;&lt;b&gt;archive&lt;/b&gt;&#34; &amp; co</title>
</head>
<body>
<h1>Tom&#39;s &#34;&lt;b&gt;archive&lt;/b&gt;&#34; &amp; co</h1>
<p><a href="site/index.html">Open the archive</a></p>
<p>This copy works without internet. Keep this file next to the <code>site</code> folder.</p>
</body>
</html>
"""
    )
