"""A story's language versions are linked with hreflang, and Material asks no sitemap.xml for them.

Material's bundle takes every <link rel="alternate"> for another language site and requests
sitemap.xml beside it: a 404 per link in `harvest serve`, a console error per link from file://.
"""

from __future__ import annotations

import functools
import http.server
import re
import threading
from urllib.parse import urljoin

import pytest

PANTRY = "2025/generator-pantry/"  # English original
DESPENSA = "2025/generador-despensa/"  # its Spanish translation


@pytest.fixture(scope="module")
def served(sample_site):
    """The sample site on a local web server (127.0.0.1 only), as `harvest serve` would show it."""
    handler = functools.partial(_QuietHandler, directory=str(sample_site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
        pass


def visit(page, url: str) -> tuple[list[str], list[str], list[str]]:
    """Open `url`, let Material's scripts run; -> (URLs requested, URLs answered 4xx/5xx, console errors)."""
    failed, errors = [], []
    page.on("response", lambda response: failed.append(response.url) if response.status >= 400 else None)
    page.on("requestfailed", lambda request: failed.append(request.url))
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.goto(url)
    page.wait_for_load_state("load")
    page.wait_for_timeout(500)  # Material asks once the document is ready; give it time to
    return page.request_log.urls, failed, errors


@pytest.mark.parametrize("story", [PANTRY, DESPENSA])
@pytest.mark.parametrize("where", ["file", "http"])
def test_no_sitemap_request_and_no_error_on_a_translated_story(page, sample_site, served, story, where):
    url = (sample_site / story / "index.html").as_uri() if where == "file" else served + story
    requested, failed, errors = visit(page, url)
    assert [u for u in requested if "sitemap" in u] == []
    assert failed == []
    assert errors == []


@pytest.mark.parametrize("story", [PANTRY, DESPENSA])
def test_each_version_names_every_version_with_hreflang(sample_site, story):
    html = (sample_site / story / "index.html").read_text("utf-8")
    head = html.split("</head>", 1)[0]
    found = re.findall(r'<link rel="alternate" hreflang="([^"]+)" href="([^"]+)"', head)
    resolved = {lang: urljoin("https://x.test/" + story, href) for lang, href in found}
    assert resolved == {"en": "https://x.test/" + PANTRY, "es": "https://x.test/" + DESPENSA}


def test_materials_own_language_links_are_left_to_material(page, sample_site):
    """Only Harvest's version links are answered locally: another alternate link still goes out."""
    page.goto((sample_site / PANTRY / "index.html").as_uri())
    seen = page.evaluate(
        """() => new Promise(resolve => {
            const link = document.createElement("link");
            link.rel = "alternate"; link.hreflang = "fr"; link.href = "../../fr/";
            document.head.appendChild(link);
            const ours = new URL("sitemap.xml", document.querySelector("link[data-harvest-version]").href).href;
            const theirs = new URL("sitemap.xml", link.href).href;
            const asked = [];
            for (const url of [ours, theirs]) {
                const xhr = new XMLHttpRequest();
                xhr.open("GET", url);
                xhr.onload = () => { asked.push(["load", url === ours, xhr.responseText]); if (asked.length == 2) resolve(asked); };
                xhr.onerror = () => { asked.push(["error", url === ours, ""]); if (asked.length == 2) resolve(asked); };
                xhr.send();
            }
        })"""
    )
    by_kind = {ours: (status, text) for status, ours, text in seen}
    assert by_kind[True][0] == "load" and "urlset" in by_kind[True][1]  # ours: an empty sitemap, no request
    assert by_kind[False][0] == "error"  # theirs really went out (and from file:// fails, as before)
