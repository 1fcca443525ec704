"""HTML and script from contributors never run anywhere in the site (title, place, summary, body, answers)."""
from __future__ import annotations

import re
from html.parser import HTMLParser
import shutil

from conftest import browser_search_text, build, open_search, run_harvest

PAYLOAD = '<script>window.pwned=1</script><img src=x onerror="window.pwned=2"><svg onload="window.pwned=3">'
QUOTES = '" onfocus="window.pwned=4" autofocus x="'
ISSUE = f"""### Title

Night {PAYLOAD} {QUOTES}

### Date

2026-04-01

### Kind of event

Action

### Place

Town <b onmouseover="window.pwned=5">x</b>

### Lessons

Safety

### Summary

Sum {PAYLOAD}

### What surprised us?

Body {PAYLOAD}
<a href="javascript:window.pwned=6">link</a> <iframe src="https://tracker.example/x"></iframe>
<div onclick="window.pwned=7" style="background:url(https://tracker.example/y)">div</div>
"""
class _Handlers(HTMLParser):
    """Event-handler attributes (onerror=, onload=…) of real tags, as a browser parses them;
    text that merely reads "onerror=" inside an escaped attribute value is not one."""

    def __init__(self):
        super().__init__()
        self.found = []

    def handle_starttag(self, tag, attrs):
        self.found += [(tag, name, value) for name, value in attrs if name.startswith("on")]


def live_handlers(html: str) -> list:
    parser = _Handlers()
    parser.feed(html)
    return parser.found


def test_hostile_contribution_builds_to_inert_html(project, page, tmp_path):
    (tmp_path / "issue.md").write_text(ISSUE, "utf-8")
    result = run_harvest("intake", str(tmp_path / "issue.md"), cwd=project)
    assert result.returncode == 0, result.stdout
    story = next((project / "stories" / "_inbox").glob("*.md"))
    shutil.move(story, project / "stories" / "2026" / story.name)
    site = build(project)

    story_page = site / "2026" / story.stem / "index.html"
    pages = [story_page, site / "index.html", site / "lessons" / "safety" / "index.html",
             site / "answers" / "surprised" / "index.html", site / "timeline" / "2026" / "index.html",
             site / "places" / "index.html", site / "events" / "action" / "index.html"]
    for html_file in pages:
        html = html_file.read_text("utf-8")
        assert not live_handlers(html), html_file
        assert "<script>window.pwned" not in html and "javascript:" not in html, html_file
        assert "<iframe" not in html and "<svg onload" not in html, html_file
    title = re.search(r"<title>(.*?)</title>", story_page.read_text("utf-8"), re.S).group(1)
    assert "&lt;script&gt;" in title and "<script" not in title
    # The browser index holds the title as data; it must reach the page as text, never as markup.
    assert "pwned" in browser_search_text(site)

    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    for html_file in pages:
        page.goto(html_file.as_uri())
        page.wait_for_load_state("load")
        for selector in ("h1", ".harvest-item a", "blockquote"):
            if page.query_selector(selector):
                page.hover(selector)
        assert page.evaluate("window.pwned") is None, html_file
    titles = open_search(page, site, "index.html", "night script window")
    assert any("<script>" in t for t in titles), titles      # shown literally, as text
    page.locator(".md-search-result__item").first.hover()
    assert page.evaluate("window.pwned") is None
    assert dialogs == [] and page.request_log.outside == []
