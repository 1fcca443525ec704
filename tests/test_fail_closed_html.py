"""Issue 13, class 3 and overrides/: a story cannot take the theme's ids or classes, nor make a
reader's browser contact another host, judged as the browser reads URLs; overrides/ and the
finished site are checked for outside requests in every build."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from conftest import build, copy_project, run_harvest
from harvest.core.sanitize import clean_html
from harvest.offline.outside import outside_host as checker_outside_host
from harvest.offline.outside import scan_site

EVIL = "evil.example"


class Elements(HTMLParser):
    """Every start tag with its attributes, as a browser's tokenizer sees them (entities decoded)."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, dict[str, str]]] = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.found.append((tag, {name: value or "" for name, value in attrs}))

    handle_startendtag = handle_starttag

    def ids(self) -> list[str]:
        return [a["id"] for _, a in self.found if "id" in a]

    def classes(self) -> list[str]:
        return [c for _, a in self.found for c in a.get("class", "").split()]

    def values(self, tag: str, attribute: str) -> list[str]:
        return [a[attribute] for t, a in self.found if t == tag and attribute in a]


# --- ids, names and classes -------------------------------------------------------------------


@pytest.mark.parametrize(
    "html, ids",
    [
        ('<div id="__config">{"base": "https://evil.example/"}</div>', ["user-content-__config"]),
        ('<span id="__search"></span><a id="__drawer"></a>', ["user-content-__search", "user-content-__drawer"]),
        (
            '<p id="__palette_0">x</p><div id="__toc"></div><a id="__skip">s</a>',
            ["user-content-__palette_0", "user-content-__toc", "user-content-__skip"],
        ),
        (
            '<div id="read-aloud"></div><p id="read-aloud-1"></p>',
            ["user-content-read-aloud", "user-content-read-aloud-1"],
        ),
        (
            '<h3 id="harvest-related-title">x</h3><b id="hc-config">y</b>',
            ["user-content-harvest-related-title", "user-content-hc-config"],
        ),
        ('<div id="mermaid">window.mermaid would be this element</div>', ["user-content-mermaid"]),
        ('<h2 id="what-surprised-us">What surprised us?</h2>', ["user-content-what-surprised-us"]),  # Markdown's toc
        (
            '<sup id="fnref:1"><a href="#fn:1">1</a></sup><li id="fn:1">n</li>',
            ["user-content-fnref:1", "user-content-fn:1"],
        ),
        ('<p id="user-content-x">already namespaced: unchanged</p>', ["user-content-x"]),
    ],
)
def test_story_ids_are_namespaced(html, ids):
    assert Elements(clean_html(html)).ids() == ids


@pytest.mark.parametrize(
    "html",
    [
        '<img name="getElementById" src="a.png">',
        '<a name="__config">x</a>',
        '<span name="__search">x</span>',
    ],
)
def test_names_never_reach_a_page(html):
    assert not [a for _, a in Elements(clean_html(html)).found if "name" in a]


@pytest.mark.parametrize(
    "html, classes",
    [
        ('<div class="md-search-result__item">fake result</div>', ["user-content-md-search-result__item"]),
        (
            '<p class="harvest-ra-sections harvest-ra-section">x</p>',
            ["user-content-harvest-ra-sections", "user-content-harvest-ra-section"],
        ),
        (
            '<span class="md-header__inner harvest-search">x</span>',
            ["user-content-md-header__inner", "user-content-harvest-search"],
        ),
        (
            '<a class="md-button md-button--primary" href="x/">looks like ours</a>',
            ["user-content-md-button", "user-content-md-button--primary"],
        ),
        ('<pre class="mermaid">graph TD; A-->B</pre>', []),  # Material would fetch Mermaid
        (
            '<div class="admonition warning"><p class="admonition-title">W</p></div>',  # Markdown's own: kept
            ["admonition", "warning", "admonition-title"],
        ),
        (
            '<pre><code class="language-python">x</code></pre><a class="footnote-ref" href="#fn:1">1</a>',
            ["language-python", "footnote-ref"],
        ),
        ('<p class="harvest-image md-typeset">x</p>', ["harvest-image", "user-content-md-typeset"]),
    ],
)
def test_classes_outside_the_pipelines_list_are_namespaced(html, classes):
    assert Elements(clean_html(html)).classes() == classes


@pytest.mark.parametrize(
    "href, published",
    [
        ("#__config", "#user-content-__config"),
        ("#fn:1", "#user-content-fn:1"),
        ("#what-surprised-us", "#user-content-what-surprised-us"),
        ("#user-content-x", "#user-content-x"),
        ("#", "#"),
        ("https://example.org/#top", "https://example.org/#top"),
        ("../other/", "../other/"),
    ],
)
def test_in_page_links_follow_the_namespaced_ids(href, published):
    assert Elements(clean_html(f'<a href="{href}">x</a>')).values("a", "href") == [published]


# --- URLs, as the browser reads them --------------------------------------------------------------

# (src as written in the story's HTML, kept?) Kept only when it is a reference to the site itself
# both on the web and from the unzipped copy (file://).
IMAGE_SOURCES = [
    ("photo.png", True),
    ("../2025/photo.png", True),
    ("/assets/photo.png", True),
    ("%2F%2Fevil.example/a.png", True),  # percent-encoding makes no host: a path on the site
    ("/\\evil.example/a.png", False),  # browsers read \ as / : //evil.example
    ("\\\\evil.example\\a.png", False),
    ("https:evil.example/a.png", False),  # relative on the web, https://evil.example from file://
    ("https:\\\\evil.example/a.png", False),
    ("http:/evil.example/a.png", False),
    ("//evil.example/a.png", False),
    ("ht&#9;tps://evil.example/a.png", False),  # a tab inside the scheme is dropped
    ("h&#10;ttps://evil.example/a.png", False),
    ("&#1;https://evil.example/a.png", False),  # leading control characters are stripped
    (" https://evil.example/a.png", False),
    ("HTTPS://EVIL.EXAMPLE/a.png", False),
    ("file://evil.example/a.png", False),  # a network share
    ("file:///etc/a.png", False),  # absolute: never a reference to the site
    ("data:image/png;base64,iVBORw0KGgo=", False),
    ("javascript:alert(1)", False),
    ("blob:https://evil.example/uuid", False),
    ("ftp://evil.example/a.png", False),
]


@pytest.mark.parametrize("src, kept", IMAGE_SOURCES)
def test_image_sources_must_stay_in_the_site(src, kept):
    sources = Elements(clean_html(f'<p><img src="{src}" alt="x"></p>')).values("img", "src")
    assert bool(sources) == kept, sources


@pytest.mark.parametrize(
    "url, host",
    [
        ("/\\evil.example/a.png", EVIL),
        ("https:evil.example/a.png", EVIL),  # from the offline copy
        ("\x01https://evil.example/a.png", EVIL),
        ("\x1f https://evil.example/a.png", EVIL),
        ("ht\ntps://evil.example/a.png", EVIL),
        ("https:\\\\evil.example\\a.png", EVIL),
        ("smb://evil.example/share", EVIL),
        ("//[2001:db8::1]/x", "[2001:db8::1]"),
        ("https://xn--80ak6aa92e.com/", "xn--80ak6aa92e.com"),
        ("https://аpple.com/", "xn--pple-43d.com"),  # IDN: the host the browser would look up
        ("%2F%2Fevil.example/a.png", None),
        ("a/../../..//evil.example/x", None),  # a path, however many dots
        ("mailto:someone@example.org", None),
        ("data:image/png;base64,AA==", None),
        ("file:///home/reader/x.png", None),
    ],
)
def test_the_checker_reads_urls_as_the_browser_does(url, host):
    assert checker_outside_host(url) == host


@pytest.mark.parametrize(
    "url",
    [
        "a.png",
        "./a/b.png?x=1#y",
        "../../x",
        "/x/y",
        "",
        "#top",
        "?q=//evil.example",
        "a@b.png",
        "~x/%20.png",
        "//evil.example/x",
        "/\\evil.example",
        "a:b",
        "https:x",
        "\\\\x",
        " x",
        "x\ty",
        "ä.png",
        "//",
        "/",
    ],
)
def test_the_fast_path_agrees_with_the_url_parser(url):
    """Plain relative references skip the parser; the answer must be the parser's."""
    from harvest.core import urls

    parsed = [urls._resolve(url, base) for base, _, _ in urls._PAGES]
    stays = all(
        r is not None and (r.protocol, r.host) == (p, h) for r, (_, p, h) in zip(parsed, urls._PAGES, strict=True)
    )
    assert urls.stays_in_site(url) == stays
    if urls._PLAIN_RELATIVE.fullmatch(url):
        assert stays and urls.outside_host(url) is None


# --- the outside-request check finds every way of loading ------------------------------------------


@pytest.mark.parametrize(
    "markup, what",
    [
        ('<table background="https://evil.example/t.png"><tr><td>x</td></tr></table>', "<table background>"),
        ('<td background="//evil.example/t.png">x</td>', "<td background>"),
        (
            '<iframe srcdoc="&lt;img src=&quot;https://evil.example/s.png&quot;&gt;"></iframe>',
            "<iframe srcdoc> <img src>",
        ),
        ('<svg><rect fill="url(https://evil.example/p.svg#g)"/></svg>', "CSS url()"),
        ('<svg><script href="https://evil.example/s.js"></script></svg>', "<script href>"),
        ('<link rel="preload" as="image" imagesrcset="https://evil.example/i.png 2x">', "<link imagesrcset>"),
        ('<p style="background: \\75 rl(https://evil.example/e.png)">x</p>', "CSS url()"),
        ('<p style="cursor: url(https:evil.example/c.cur), auto">x</p>', "CSS url()"),
        ('<img src="\x01https://evil.example/c.png">', "<img src>"),
        ('<img src="/\\evil.example/b.png">', "<img src>"),
        ('<html manifest="https://evil.example/m.appcache"></html>', "<html manifest>"),
        ('<script>fetch("https:\\\\\\\\evil.example/x")</script>', "script string"),
        # Attribute names and `rel` in any case; the attributes any element loads; per element.
        ('<LINK REL="Icon StyleSheet" HREF="https://evil.example/i.css">', "<link href>"),
        ('<a href="a.html" PING="b.html https://evil.example/p">x</a>', "<a ping>"),
        ('<div background="https://evil.example/d.png">x</div>', "<div background>"),
        ('<input type="image" src="https://evil.example/i.png">', "<input src>"),
        ('<video poster="https://evil.example/p.png"></video>', "<video poster>"),
        ('<object data="https://evil.example/o.swf"></object>', "<object data>"),
        ('<source srcset="a.png 1x, https://evil.example/s.png 2x">', "<source srcset>"),
        ('<svg><use xlink:href="https://evil.example/u.svg#x"/></svg>', "<use xlink:href>"),
        ('<svg><feImage href="https://evil.example/f.png"/></svg>', "<feimage href>"),
        ('<meta http-equiv="Refresh" content="0; URL=https://evil.example/">', "<meta refresh>"),
        ('<p class="x" id="y" data-a="https://evil.example/no" fill="url(//evil.example/f)">x</p>', "CSS url()"),
    ],
)
def test_the_checker_finds_every_loading_attribute(tmp_path, markup, what):
    (tmp_path / "page.html").write_text(f"<!doctype html><body>\n{markup}\n</body>", "utf-8")
    loads = scan_site(tmp_path).loads
    assert [(f.line, f.what) for f in loads] == [(2, what)], loads
    assert EVIL in loads[0].url


@pytest.mark.parametrize(
    "markup, links",
    [
        ('<link rel="canonical" href="https://evil.example/" imagesrcset="https://evil.example/i.png 2x">', 1),
        ('<input formaction="https://evil.example/f" data-src="https://evil.example/no">', 1),
        ('<area href="https://evil.example/a"><img alt="https://evil.example/no" src="a.png">', 1),
        ('<span href="https://evil.example/s" action="https://evil.example/t">not a link</span>', 0),
    ],
)
def test_links_out_and_inert_attributes_load_nothing(tmp_path, markup, links):
    (tmp_path / "page.html").write_text(f"<!doctype html><body>\n{markup}\n</body>", "utf-8")
    report = scan_site(tmp_path)
    assert report.loads == [] and len(report.links) == links


def test_a_form_button_to_another_host_is_a_link_not_a_load(tmp_path):
    (tmp_path / "page.html").write_text('<form><button formaction="https://evil.example/f">go</button></form>')
    report = scan_site(tmp_path)
    assert report.loads == [] and list(report.link_urls()) == ["https://evil.example/f"]


# --- a real build with hostile stories ------------------------------------------------------------

HOSTILE_IDS = [
    "__config",
    "__search",
    "__drawer",
    "__palette_0",
    "__toc",
    "__skip",
    "read-aloud",
    "read-aloud-1",
    "harvest-related-title",
    "mermaid",
]
HOSTILE_CLASSES = [
    "md-search-result__item",
    "harvest-ra-sections",
    "harvest-ra-section",
    "md-header__inner",
    "harvest-search",
    "md-button",
    "mermaid",
]
CLOBBER_STORY = """---
id: 2026-05-clobber
title: Clobbering the theme
date: 2026-05-02
event: action
place: Testville
contributors: [priya]
lessons: [safety]
summary: A story whose HTML tries to take the theme's own ids and classes.
lang: en
---

We met.[^1] See [the settings](#__config) and [the search](#__search).

<div id="__config">{"base": "https://evil.example/", "features": [], "search": "https://evil.example/s.js",
"translations": {}, "version": {"provider": "mike", "default": "latest"}}</div>
<span id="__search"></span><a id="__drawer"></a><p id="__palette_0">p</p><div id="__toc"></div>
<a id="__skip" name="__skip">skip</a><div id="read-aloud">r</div><p id="read-aloud-1">r1</p>
<b id="harvest-related-title">t</b><i id="mermaid">m</i>
<div class="md-search-result__item harvest-ra-sections">fake</div>
<p class="harvest-ra-section md-header__inner harvest-search">fake part</p>
<a class="md-button" href="../">fake button</a>
<pre class="mermaid">graph TD; A-->B</pre>

### __config

### Another { #__drawer .md-header }

## What surprised us?

Everything.

## Who stepped forward?

Neighbours.

## What resource was missing?

Whistles.

[^1]: A footnote, whose link must still work.
"""
URL_STORY = """---
id: 2026-05-urls
title: Every URL form
date: 2026-05-03
event: action
place: Testville
contributors: [priya]
lessons: [safety]
summary: A story whose images and media point at another host in every way a browser reads.
lang: en
---

<p><img src="/\\evil.example/a.png" alt="a"> <img src="\\\\evil.example\\b.png" alt="b">
<img src="https:evil.example/c.png" alt="c"> <img src="//evil.example/d.png" alt="d">
<img src="ht&#9;tps://evil.example/e.png" alt="e"> <img src="&#1;https://evil.example/f.png" alt="f">
<img src=" https://evil.example/g.png" alt="g"> <img src="HTTPS://EVIL.EXAMPLE/h.png" alt="h">
<img src="https:\\\\evil.example/i.png" alt="i"> <img src="http:/evil.example/j.png" alt="j">
<img src="file://evil.example/k.png" alt="k"> <img src="%2F%2Fevil.example/m.png" alt="m">
<img src="x.png" srcset="https://evil.example/n.png 2x" alt="n">
<image src="https://evil.example/o.png" alt="o"></p>

![md1](https:evil.example/p.png) ![md2](//evil.example/q.png) ![md3][ref]

[ref]: /\\evil.example/r.png

<video src="https://evil.example/v.mp4" poster="https://evil.example/v.png"><source src="https://evil.example/s.mp4">
<track src="https://evil.example/t.vtt"></video> <audio src="//evil.example/a.mp3"></audio>
<object data="https://evil.example/o.swf"></object> <embed src="https://evil.example/e.swf">
<iframe src="https://evil.example/f"></iframe> <link rel="stylesheet" href="https://evil.example/l.css">
<svg><image href="https://evil.example/si.png"/><use xlink:href="https://evil.example/u.svg#x"/></svg>
<table background="https://evil.example/t.png"><tr><td background="//evil.example/td.png">cell</td></tr></table>
<meta http-equiv="refresh" content="0;url=https://evil.example/r"> <base href="https://evil.example/">
<form action="https://evil.example/f"><button formaction="https://evil.example/b">go</button></form>
<div style="background:url(https://evil.example/st.png)">styled</div>
<p style="background-image:url(//evil.example/st2.png)">styled</p>
<a href="https://example.org/out" ping="https://evil.example/ping">a link out</a>

## What surprised us?

Everything.

## Who stepped forward?

Neighbours.

## What resource was missing?

Whistles.
"""
HOSTILE_STORIES = {"2026/clobber.md": CLOBBER_STORY, "2026/urls.md": URL_STORY}


def hostile_project(target: Path) -> Path:
    project = copy_project(target)
    for rel, text in HOSTILE_STORIES.items():
        (project / "stories" / rel).write_text(text, "utf-8")
    # The one local image the URL story shows (`harvest check` refuses a missing one).
    from PIL import Image

    Image.new("RGB", (4, 4), "green").save(project / "stories" / "2026" / "x.png")
    config = project / "mkdocs.yml"
    config.write_text(config.read_text().replace("markdown_extensions:\n", "markdown_extensions:\n  - footnotes\n"))
    return project


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory) -> Path:
    return build(hostile_project(tmp_path_factory.mktemp("hostile") / "archive"))


def page_elements(site: Path, rel: str) -> Elements:
    return Elements((site / rel).read_text("utf-8"))


@pytest.mark.parametrize("name", HOSTILE_IDS)
def test_a_story_page_holds_only_the_themes_own_element_with_a_theme_id(hostile_site, name):
    clean = page_elements(hostile_site, "2026/flood-drill/index.html").ids().count(name)
    hostile = page_elements(hostile_site, "2026/clobber/index.html").ids()
    assert hostile.count(name) == clean and "user-content-" + name in hostile


# Read-aloud screens follow the story's length (a long part is cut into several): the clobber
# story's are counted by hand, title screen + its four parts + closing screen.
CLOBBER_SCREENS = {"harvest-ra-section": 6}


@pytest.mark.parametrize("name", HOSTILE_CLASSES)
def test_a_story_page_has_no_theme_class_the_theme_did_not_put_there(hostile_site, name):
    clean = page_elements(hostile_site, "2026/flood-drill/index.html").classes().count(name)
    expected = CLOBBER_SCREENS.get(name, clean)
    assert page_elements(hostile_site, "2026/clobber/index.html").classes().count(name) == expected


def test_materials_settings_are_the_themes_own(hostile_site):
    html = (hostile_site / "2026/clobber/index.html").read_text("utf-8")
    config = re.search(r'<script id="__config" type="application/json">(.*?)</script>', html, re.S).group(1)
    assert EVIL not in config
    elements = Elements(html)
    assert [a.get("type") for t, a in elements.found if a.get("id") == "__config"] == ["application/json"]


def test_toc_permalinks_and_footnotes_point_at_namespaced_ids_that_exist(hostile_site):
    page = page_elements(hostile_site, "2026/clobber/index.html")
    ids = set(page.ids())
    in_page = [h for h in page.values("a", "href") if h.startswith("#") and h != "#"]
    assert "#user-content-fn:1" in in_page and "#user-content-fnref:1" in in_page  # footnote and back
    assert "#user-content-__config" in in_page and "#user-content-what-surprised-us" in in_page
    assert all(h[1:] in ids for h in in_page), [h for h in in_page if h[1:] not in ids]
    story = page_elements(hostile_site, "2026/flood-drill/index.html")
    toc = [
        a["href"]
        for t, a in story.found
        if t == "a" and "md-nav__link" in a.get("class", "") and a.get("href", "").startswith("#")
    ]
    assert toc == [
        "#user-content-what-surprised-us",
        "#user-content-who-stepped-forward",
        "#user-content-what-resource-was-missing",
    ]


LOADING = {
    "img": ("src", "srcset"),
    "source": ("src", "srcset"),
    "video": ("src", "poster"),
    "audio": ("src",),
    "track": ("src",),
    "object": ("data",),
    "embed": ("src",),
    "iframe": ("src",),
    "link": ("href",),
    "image": ("href", "src"),
    "use": ("href", "xlink:href"),
    "base": ("href",),
    "form": ("action",),
    "button": ("formaction",),
    "table": ("background",),
    "td": ("background",),
    "a": ("ping",),
    "meta": ("content",),
    "div": ("style",),
    "p": ("style",),
}


def test_no_attribute_in_any_page_names_the_hostile_host_except_links_out(hostile_site):
    for path in sorted(hostile_site.rglob("*.html")):
        for tag, attrs in Elements(path.read_text("utf-8")).found:
            named = {
                k: v
                for k, v in attrs.items()
                if EVIL in v.lower() and not (tag == "a" and k == "href") and not v.endswith("%2F%2Fevil.example/m.png")
            }  # a path on the site, below
            assert not named, (path, tag, named)
    urls = page_elements(hostile_site, "2026/urls/index.html")
    # the one percent-encoded "host" is a path on the site: kept, and harmless
    assert [s for s in urls.values("img", "src") if "evil" in s.lower()] == ["%2F%2Fevil.example/m.png"]
    assert scan_site(hostile_site).loads == []


# --- overrides/ and the finished site, in every build -----------------------------------------------

OVERRIDES = {
    "main.html": '{% extends "base.html" %}\n{% block scripts %}\n{{ super() }}\n'
    '<script src="https://cdn.example.com/x.js"></script>\n{% endblock %}\n',
    "partials/footer.html": '<footer>\n<img src="/\\\\cdn.example.com/f.png">\n</footer>\n',
    "partials/logo.html": '<svg xmlns="http://www.w3.org/2000/svg">\n\n<image href="https:cdn.example.com/l.png"/></svg>\n',
    "assets/extra.css": 'body { color: red }\n@import url("https://fonts.example.com/f.css");\n',
    "assets/more.css": "a {}\n\nb { background: url(//cdn.example.com/b.png) }\n",
    "assets/escaped.css": "b { background: \\75 rl(https://cdn.example.com/e.png) }\n",
    "assets/app.js": 'let a = 1;\nfetch("https://api.example.com/v1");\n',
    "assets/ok.css": "a { background: url(../img/a.png) }\n",
}
EXPECTED = [
    "overrides/main.html:4: outside request: <script src> loads https://cdn.example.com/x.js",
    "overrides/partials/footer.html:2: outside request: <img src> loads /\\\\cdn.example.com/f.png",
    "overrides/partials/logo.html:3: outside request: <image href> loads https:cdn.example.com/l.png",
    "overrides/assets/extra.css:2: outside request: CSS url() loads https://fonts.example.com/f.css",
    "overrides/assets/more.css:3: outside request: CSS url() loads //cdn.example.com/b.png",
    "overrides/assets/escaped.css:1: outside request: CSS url() loads https://cdn.example.com/e.png",
    "overrides/assets/app.js:2: outside request: script string loads https://api.example.com/v1",
]


@pytest.fixture(scope="module")
def overrides_build(tmp_path_factory):
    project = copy_project(tmp_path_factory.mktemp("overrides") / "archive")
    for rel, text in OVERRIDES.items():
        (project / "overrides" / rel).parent.mkdir(parents=True, exist_ok=True)
        (project / "overrides" / rel).write_text(text, "utf-8")
    return run_harvest("build", cwd=project)


@pytest.mark.parametrize("line", EXPECTED)
def test_overrides_that_load_from_another_host_fail_the_build(overrides_build, line):
    assert overrides_build.returncode == 1, overrides_build.stdout + overrides_build.stderr
    output = overrides_build.stdout + overrides_build.stderr
    assert line in output and "Traceback" not in output
    assert "ok.css" not in output


def test_overrides_that_stay_local_build(tmp_path):
    project = copy_project(tmp_path / "archive")
    (project / "overrides" / "main.html").write_text(
        '{% extends "base.html" %}\n{% block scripts %}{{ super() }}'
        "<script src=\"{{ 'assets/local.js' | url }}\"></script>{% endblock %}\n"
    )
    (project / "overrides" / "assets").mkdir()
    (project / "overrides" / "assets" / "local.js").write_text('var page = "./x.html";\n')
    assert (build(project) / "assets" / "local.js").exists()


@pytest.mark.parametrize(
    "extra, line",
    [
        ("extra_css:\n  - https://cdn.example.org/x.css\n", r"<link href> loads https://cdn\.example\.org/x\.css"),
        ("extra_javascript:\n  - //cdn.example.org/w.js\n", r"<script src> loads //cdn\.example\.org/w\.js"),
        ("extra_javascript:\n  - https:cdn.example.org/w.js\n", r"<script src> loads https:cdn\.example\.org/w\.js"),
    ],
)
def test_a_site_that_would_load_from_another_host_fails_every_build(tmp_path, extra, line):
    project = copy_project(tmp_path / "archive")
    (project / "mkdocs.yml").write_text((project / "mkdocs.yml").read_text() + "\n" + extra)
    result = run_harvest("build", cwd=project)
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert re.search(
        r"^site/[\w/.-]+\.html:\d+: outside request: " + line + r" \(and in \d+ more files\)$", output, re.M
    ), output
    assert "Traceback" not in output


@pytest.mark.parametrize(
    "island, loads",
    [
        ('<script type="application/json" id="hc-config">{"forge": {"url": "https://github.com"}}</script>', []),
        ('<script type="application/ld+json">{"url": "https://example.org/"}</script>', []),
        (
            '<script type="application/json">{"html": "<img src=\\"https://evil.example/i.png\\">"}</script>',
            ["https://evil.example/i.png"],
        ),
        (
            '<script id="__config" type="application/json">{"base": "https://evil.example/", "search": "w.js"}</script>',
            ["https://evil.example/"],
        ),
        (
            '<script id="__config" type="application/json">{"base": ".", "search": "//evil.example/w.js"}</script>',
            ["//evil.example/w.js"],
        ),
        (
            '<script type="importmap">{"imports": {"x": "https://evil.example/x.js"}}</script>',
            ["https://evil.example/x.js"],
        ),
    ],
)
def test_json_data_islands_load_only_what_the_theme_fetches_from_them(tmp_path, island, loads):
    """A form's settings (the contribute page's forge address) are data, not a load; Material's
    __config names its search worker and base, which it does load."""
    (tmp_path / "page.html").write_text(f"<!doctype html><body>{island}</body>", "utf-8")
    assert [f.url for f in scan_site(tmp_path).loads] == loads
