"""The zero-outside-requests check: what counts as a load from another host, and what is only a link."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import run_harvest
from harvest.offline.outside import outside_host, scan_css, scan_js, scan_site


@pytest.mark.parametrize(
    "url, host",
    [
        ("https://unpkg.com/x.js", "unpkg.com"),
        ("HTTP://Example.ORG/a", "example.org"),
        ("//cdn.example.net/a.css", "cdn.example.net"),  # protocol-relative
        ("\\\\share.example\\x.png", "share.example"),  # browsers read backslashes as slashes
        ("ht\ttps://split.example/", "split.example"),  # tabs and newlines are dropped by browsers
        ("wss://socket.example/feed", "socket.example"),
        ("file://fileserver/x.js", "fileserver"),  # a network share from file://
        ("file:///home/x.js", None),
        ("../assets/x.js", None),
        ("assets/javascripts/bundle.js", None),
        ("data:image/svg+xml,<svg xmlns='http://www.w3.org/2000/svg'/>", None),
        ("#top", None),
        ("mailto:someone@example.org", None),
    ],
)
def test_outside_host(url, host):
    assert outside_host(url) == host


PLANTED = {
    "index.html": """<!doctype html><html><head>
<link rel="stylesheet" href="assets/site.css">
<link rel="preconnect" href="https://fonts.gstatic.com">
<link rel="canonical" href="https://archive.example.org/">
<script src="https://cdn.example.com/tracker.js"></script>
<style>body { background: url('https://img.example.com/bg.png') }</style>
</head><body>
<img src="pics/a.png" srcset="pics/a.png 1x, https://img.example.com/a@2x.png 2x">
<p style="background-image: url(//img.example.com/p.png)">text</p>
<a href="https://example.org/about">about</a>
<a href="https://example.org/track" ping="https://ping.example.org/">tracked</a>
<svg xmlns="http://www.w3.org/2000/svg"><image href="https://img.example.com/i.svg"/></svg>
<script>var ns = "http://www.w3.org/2000/svg"; fetch("https://api.example.com/v1")</script>
</body></html>""",
    "assets/site.css": "/* see url(https://in.a.comment/) */\n@import 'https://fonts.example.com/f.css';\n"
    "a { background: url(\"data:image/svg+xml;utf8,<svg xmlns='http://www.w3.org/2000/svg'/>\") }\n"
    "b { background: url(https://img.example.com/b.png) }\n",
    "assets/app.js": "let a = 1;\nconst u = `https://evil.example/${a}`;\n// https://not.a.string.example\n",
}


def plant(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, "utf-8")
    return root


def test_every_kind_of_load_is_found_with_file_line_and_url(tmp_path):
    report = scan_site(plant(tmp_path, PLANTED))
    loads = {(f.file, f.line, f.what, f.url) for f in report.loads}
    assert loads == {
        ("index.html", 3, "<link href>", "https://fonts.gstatic.com"),
        ("index.html", 5, "<script src>", "https://cdn.example.com/tracker.js"),
        ("index.html", 6, "CSS url()", "https://img.example.com/bg.png"),
        ("index.html", 8, "<img srcset>", "https://img.example.com/a@2x.png"),
        ("index.html", 9, "CSS url()", "//img.example.com/p.png"),
        ("index.html", 11, "<a ping>", "https://ping.example.org/"),
        ("index.html", 12, "<image href>", "https://img.example.com/i.svg"),
        ("index.html", 13, "script string", "https://api.example.com/v1"),
        ("assets/site.css", 2, "CSS @import", "https://fonts.example.com/f.css"),
        ("assets/site.css", 4, "CSS url()", "https://img.example.com/b.png"),
        ("assets/app.js", 2, "script string", "https://evil.example/${a}"),
    }
    assert set(report.link_urls()) == {
        "https://archive.example.org/",
        "https://example.org/about",
        "https://example.org/track",
    }


def test_clean_files_give_nothing():
    assert scan_css("a{background:url(../img/x.png)} b{background:url('data:image/png;base64,AA==')}", "x.css") == []
    assert scan_js('document.createElementNS("http://www.w3.org/2000/svg","svg"); load("./local.js")', "x.js") == []


BUNDLE = (
    'x=typeof mermaid=="undefined"?_t("https://unpkg.com/mermaid@11/dist/mermaid.min.js"):0;'
    'y=typeof ResizeObserver=="undefined"?_t("https://unpkg.com/resize-observer-polyfill"):0;'
    "z=`https://api.github.com/repos/${e}/${t}`"
)
PAGE = (
    '<html><body>{body}<script src="vendor/resize-observer/ro.js"></script>'
    '<script src="assets/javascripts/bundle.x.min.js"></script></body></html>'
)


def test_materials_conditional_loads_are_dormant_until_a_page_triggers_them(tmp_path):
    plant(tmp_path, {"assets/javascripts/bundle.x.min.js": BUNDLE, "index.html": PAGE.format(body="<p>hi</p>")})
    report = scan_site(tmp_path)
    assert report.loads == [] and len(report.dormant) == 3

    plant(tmp_path, {"story.html": PAGE.format(body='<pre class="diagram mermaid">graph TD</pre>')})
    loads = scan_site(tmp_path).loads
    assert [(f.url, "story.html" in f.because) for f in loads] == [
        ("https://unpkg.com/mermaid@11/dist/mermaid.min.js", True)
    ]

    plant(
        tmp_path, {"old.html": '<html><body><script src="assets/javascripts/bundle.x.min.js"></script></body></html>'}
    )
    assert "https://unpkg.com/resize-observer-polyfill" in {f.url for f in scan_site(tmp_path).loads}

    plant(tmp_path, {"repo.html": '<a href="https://github.com/o/r" data-md-component="source">repo</a>'})
    assert "https://api.github.com/repos/${e}/${t}" in {f.url for f in scan_site(tmp_path).loads}


def test_check_offline_command_fails_naming_file_and_url(tmp_path):
    site = plant(
        tmp_path / "site",
        {
            "index.html": '<html><head><script src="https://cdn.example.com/x.js"></script></head>'
            '<body><a href="https://example.org/">out</a></body></html>',
            "assets/a.css": "body{background:url(https://img.example.com/bg.png)}",
        },
    )
    result = run_harvest("check", "--offline", str(site), cwd=tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    assert f"{site}/index.html:1: <script src> loads https://cdn.example.com/x.js" in result.stdout
    assert f"{site}/assets/a.css:1: CSS url() loads https://img.example.com/bg.png" in result.stdout
    assert "https://example.org/" in result.stdout.split("links out", 1)[1]  # listed, but allowed

    (site / "index.html").write_text('<html><body><a href="https://example.org/">out</a></body></html>')
    (site / "assets/a.css").write_text("body{color:red}")
    result = run_harvest("check", "--offline", str(site), cwd=tmp_path)
    assert result.returncode == 0 and "nothing loads from another host" in result.stdout


def test_check_offline_needs_an_existing_folder(tmp_path):
    result = run_harvest("check", "--offline", str(tmp_path / "nope"), cwd=tmp_path)
    assert result.returncode == 2 and "no such folder" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize(
    "content, loads",
    [
        ('{"version": "https://jsonfeed.org/version/1.1", "home_page_url": "https://example.org/"}', []),
        (
            '{"docs": [{"text": "<p>hi <img src=\\"https://tracker.example/p.gif\\"></p>"}]}',
            ["https://tracker.example/p.gif"],
        ),
        ('{"items": [{"content_html": "<a href=\\"https://example.org/\\">out</a>"}]}', []),
    ],
)
def test_json_data_is_judged_by_the_markup_it_holds(tmp_path, content, loads):
    from harvest.offline.outside import scan_site

    (tmp_path / "data.json").write_text(content)
    assert [f.url for f in scan_site(tmp_path).loads] == loads
