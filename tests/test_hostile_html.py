"""HTML and script from contributors never run anywhere in the site (title, place, summary, body, answers)."""

from __future__ import annotations

import re
import shutil
from html.parser import HTMLParser

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
    pages = [
        story_page,
        site / "index.html",
        site / "lessons" / "safety" / "index.html",
        site / "answers" / "surprised" / "index.html",
        site / "timeline" / "2026" / "index.html",
        site / "places" / "index.html",
        site / "events" / "action" / "index.html",
    ]
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
    assert any("<script>" in t for t in titles), titles  # shown literally, as text
    page.locator(".md-search-result__item").first.hover()
    assert page.evaluate("window.pwned") is None
    assert dialogs == [] and page.request_log.outside == []


# --- issue 13: hostile stories make no request to another host, on the web and from the copy -------


def _outside(urls: list[str], port: int | None) -> list[str]:
    """Requests to anything but the site itself: this test server, or the copy on the reader's disk."""
    from urllib.parse import urlsplit

    found = []
    for url in urls:
        parts = urlsplit(url)
        if parts.scheme in ("data", "blob", "about") or (
            parts.scheme == "file" and parts.hostname in (None, "localhost")
        ):
            continue
        if parts.scheme in ("http", "https") and parts.hostname == "127.0.0.1" and parts.port == port:
            continue
        found.append(url)
    return found


class _Recorder:
    """Every request of a fresh browser context, also those the route blocks (anything not local)."""

    def __init__(self, browser, port: int | None):
        self.urls: list[str] = []
        self.port = port
        self.context = browser.new_context()
        self.context.on("request", lambda request: self.urls.append(request.url))
        self.context.route("**/*", self._route)
        self.page = self.context.new_page()

    def _route(self, route):
        if _outside([route.request.url], self.port):
            self.urls.append(route.request.url)
            route.abort()
        else:
            route.continue_()

    @property
    def outside(self) -> list[str]:
        return _outside(self.urls, self.port)


def _visit(recorder: _Recorder, urls: list[str], clobber_url: str) -> None:
    page = recorder.page
    for url in urls:
        page.goto(url)
        page.wait_for_load_state("networkidle")
        base = page.evaluate("() => JSON.parse(document.getElementById('__config').textContent).base")
        assert "evil" not in base, (url, base)
    page.goto(clobber_url)
    page.wait_for_load_state("networkidle")
    # the read-aloud view finds only its own screens (title, the story's four parts, closing);
    # the footnote link still lands on its note
    assert page.evaluate("() => document.querySelectorAll('.harvest-ra-section').length") == 6
    assert page.evaluate("() => document.querySelector('.harvest-ra-sections').id") == "read-aloud"
    page.locator("a[href='#user-content-fn:1']").first.click()
    assert page.evaluate("() => location.hash") == "#user-content-fn:1"
    assert page.evaluate("() => !!document.getElementById(decodeURIComponent(location.hash.slice(1)))")
    # search, typed as a reader would: results come from the local index
    button = page.locator(".harvest-search__button")
    if button.is_visible():
        button.click()
    else:
        page.locator(".md-search__input").click()
    page.locator(".md-search__input").fill("clobbering theme")
    page.wait_for_selector(".md-search-result__item")
    assert "Clobbering the theme" in page.locator(".md-search-result__item h1").all_inner_texts()
    page.wait_for_load_state("networkidle")


def test_hostile_stories_make_no_outside_request_on_the_web_or_from_the_copy(browser, tmp_path):
    import functools
    import threading
    import zipfile
    from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

    from test_fail_closed_html import hostile_project

    project = hostile_project(tmp_path / "archive")
    site = build(project)
    stories = sorted(p.parent.relative_to(site).as_posix() for p in site.glob("20*/*/index.html"))
    assert {"2026/clobber", "2026/urls", "2026/flood-drill"} <= set(stories)

    class Quiet(SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(site)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        root = f"http://127.0.0.1:{server.server_port}/"
        web = _Recorder(browser, server.server_port)
        _visit(web, [root] + [f"{root}{s}/" for s in stories] + [f"{root}answers/surprised/"], f"{root}2026/clobber/")
        assert any(u.startswith(root) for u in web.urls)
        assert web.outside == []
        web.context.close()
    finally:
        server.shutdown()

    result = run_harvest("pack", cwd=project)
    assert result.returncode == 0, result.stdout + result.stderr
    [copy] = (project / "dist").glob("*.zip")
    with zipfile.ZipFile(copy) as archive:
        archive.extractall(tmp_path / "stick")
    stick = tmp_path / "stick" / "site"
    offline = _Recorder(browser, None)
    _visit(
        offline,
        [(tmp_path / "stick" / "START-HERE.html").as_uri()] + [(stick / f"{s}.html").as_uri() for s in stories],
        (stick / "2026/clobber.html").as_uri(),
    )
    assert any(u.startswith("file://") for u in offline.urls)
    assert offline.outside == []
    offline.context.close()
