"""HTML written in Python instead of a template macro per item: read-aloud screens, story cards,
Answers items. Each must escape contributors' text and write what the templates wrote."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from types import SimpleNamespace

import jinja2
import pytest
from markupsafe import Markup

import harvest
from harvest.readaloud.screenhtml import screens_html
from harvest.site.front import answer_items, language_name, people_date, story_cards

TEMPLATES = Path(harvest.__file__).parent / "templates"


def story(**fields):
    values = {
        "id": "s1",
        "path": "2026/strike.md",
        "title": "The <b>strike</b> & us",
        "date": dt.date(2026, 3, 14),
        "event": "strike",
        "place": 'Lyon "centre"',
        "lessons": ("care", "gone"),
        "summary": "We <i>held</i>",
        "lang": "en",
        "origin": None,
    }
    return SimpleNamespace(**{**values, **fields})


def url(src_uri: str) -> str:
    return "../" + src_uri.removesuffix(".md") + "/"


DATA = {
    "lang": "en",
    "event_labels": {"strike": "Strike"},
    "lesson_titles": {"care": "Care & repair"},
    "versions": {},
}


def test_story_card_escapes_and_writes_every_field():
    html = story_cards([story()], url, DATA)
    assert html == (
        '<li class="harvest-card " lang="en">\n'
        '  <h3 class="harvest-card__title"><a href="../2026/strike/">The &lt;b&gt;strike&lt;/b&gt; &amp; us</a></h3>\n'
        '  <p class="harvest-card__meta"><time datetime="2026-03-14">14 March 2026</time> · Lyon &#34;centre&#34;'
        " · Strike</p>\n"
        '  <p class="harvest-card__summary">We &lt;i&gt;held&lt;/i&gt;</p>\n'
        '  <p class="harvest-card__lessons"><a class="harvest-chip" href="../lessons/care/">Care &amp; repair</a></p>\n'
        "  \n"
        "</li>"
    )
    assert isinstance(html, Markup)


def macro_cards(stories, data) -> str:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)))
    env.filters["people_date"] = people_date
    env.filters["language_name"] = language_name
    macros = env.get_template("harvest/_macros.html").module
    return "".join(str(macros.story_card(s, url, data)) for s in stories)


@pytest.mark.parametrize(
    "data",
    [
        DATA,
        {},  # a page without the reading experience's data (a peer's page)
        {**DATA, "lang": "es", "lesson_titles": {}, "event_labels": {}},
    ],
)
def test_story_cards_write_what_the_macro_writes(data):
    original = story(id="o", path="a/o.md", lang="en")
    translation = story(id="t", path="a/t.md", lang="es", place="")
    peer = story(
        id="p",
        path="federation/x/p.md",
        origin=SimpleNamespace(peer="river", archive_name="River <Commune>"),
        lessons=("care",),
    )
    versions = {"o": [original, translation], "t": [original, translation]}
    stories = [original, translation, peer]
    data = {**data, "versions": versions} if data else data
    assert story_cards(stories, url, data) == macro_cards(stories, data)


def test_answer_items_escape_and_link_each_answer():
    shown = []

    def section_html(s, section):
        shown.append((s.id, section))
        return Markup("<p>Answer</p>")

    peer = story(origin=SimpleNamespace(peer="river", archive_name="River & co"), place="")
    html = answer_items([(peer, "sec")], url, section_html, DATA)
    assert shown == [("s1", "sec")]
    assert html == (
        '\n  <li class="harvest-answer" data-lessons="care gone" data-archive="river">\n'
        '    <h2 class="harvest-answer__story"><a href="../2026/strike/" lang="en">'
        "The &lt;b&gt;strike&lt;/b&gt; &amp; us</a></h2>\n"
        '    <p class="harvest-card__meta"><time datetime="2026-03-14">14 March 2026</time>'
        ' · <span class="harvest-from">from River &amp; co</span>\n'
        "      </p>\n"
        '    <div class="harvest-answer__text" lang="en"><p>Answer</p></div>\n'
        '    <p class="harvest-card__lessons"><a class="harvest-chip" href="#lesson-care">Care &amp; repair</a></p>\n'
        "  </li>\n  "
    )


def screen(kind, index, **fields):
    base = {"kind": kind, "index": index, "progress": f"{index} / 3", "time": "20 s", "left": "", "words": 5}
    return {**base, "seconds": 20, "html": "", **fields}


def test_screens_escape_contributors_text_and_keep_the_story_html():
    title = {"credits": "Ann <& Bo>", "place": "", "date": "14 March 2026", "date_iso": "2026-03-14", "event": "Strike"}
    parts = [
        screen("title", 1, title=title, left="1 min"),
        screen("text", 2, html=Markup("<p>Our <em>text</em></p>")),
        screen("closing", 3, closing={"session": False, "next": None, "credits": ""}),
    ]
    html = screens_html(parts, story(), "en")
    assert html.count("<section ") == 3
    assert (
        '<section class="harvest-ra-section harvest-ra-screen--title harvest-ra-extra" id="read-aloud-1"\n'
        '  data-ra-progress="1 / 3" data-ra-time="20 s" data-ra-left="1 min" data-ra-words="5" data-ra-seconds="20">'
        '\n  <h2 class="harvest-ra-heading">The &lt;b&gt;strike&lt;/b&gt; &amp; us</h2>'
        '\n  <dl class="harvest-ra-facts" lang="en"><div><dt>Shared by</dt><dd>Ann &lt;&amp; Bo&gt;</dd></div>'
        '\n    <div><dt>When</dt><dd><time datetime="2026-03-14" lang="en">14 March 2026</time></dd></div>'
        "\n    <div><dt>Event</dt><dd>Strike</dd></div>\n  </dl>\n</section>"
    ) in html
    assert "\n  <p>Our <em>text</em></p>\n</section>" in html  # the story's sanitised HTML, as it is
    assert "Thanks for listening." in html and 'href="#">Back to the story page</a>' in html
    assert "data-ra-time" not in html.split('id="read-aloud-3"')[1]  # a closing screen has no time of its own


def test_session_screens_name_the_reader_and_the_next_story():
    nxt = {"context": "Story 2 of 2", "story": story(title="Next <one>", lang="fr"), "start": 7}
    item = {"number": 1, "context": "Story 1 of 2 · read by <Al>", "time": "2 min", "url": "../../a/"}
    title = {"credits": "", "place": "Lyon", "date": "1 May 2026", "date_iso": "2026-05-01", "event": "Strike"}
    parts = [
        screen("title", 4, title=title),
        screen("closing", 5, closing={"session": True, "next": nxt, "credits": "Ann"}),
    ]
    html = screens_html(parts, story(), "en", item)
    assert 'harvest-ra-screen--closing harvest-ra-extra" id="read-aloud-5"' in html
    assert 'harvest-ra-screen--title" id="read-aloud-4"' in html  # a session's title screen is shown
    assert (
        '<p class="harvest-session-reader" lang="en">Story 1 of 2 · read by &lt;Al&gt; · about 2 min aloud'
        '<span class="harvest-noprint"> · <a href="../../a/">story page</a></span></p>'
    ) in html
    assert '<h2 class="harvest-ra-heading" id="story-1">' in html
    assert '<div><dt>Where</dt><dd lang="en">Lyon</dd></div>' in html
    assert "Thanks to Ann for sharing this story." in html
    assert '<p class="harvest-ra-next__title" lang="fr">Next &lt;one&gt;</p>' in html
    assert 'href="#read-aloud-7">Go on to the next story</a>' in html


@pytest.mark.parametrize(
    "html, sections, parts, figures",
    [
        ("<p>Open</p>\n<h2>A</h2>\n<p>One</p>", 1, ["<p>Open</p>", "<h2>A</h2>\n<p>One</p>"], ""),
        (  # the images after the text are its figures, not the last part's
            '<p>Open</p><h2>A</h2><p>One</p>\n<p><img alt="" class="x harvest-image" src="a.jpg"></p>\n'
            '<p><img class="harvest-image" src="b.jpg"></p>',
            1,
            ["<p>Open</p>", "<h2>A</h2><p>One</p>"],
            '<p><img alt="" class="x harvest-image" src="a.jpg"></p>\n<p><img class="harvest-image" src="b.jpg"></p>',
        ),
        (  # an image with a caption, or another class, or a paragraph with attributes: text
            '<p>Open</p><p><img class="harvest-image" src="a.jpg"> caption</p><p class="c"><img class="harvest-image"></p>',
            0,
            [
                '<p>Open</p><p><img class="harvest-image" src="a.jpg"> caption</p><p class="c"><img class="harvest-image"></p>'
            ],
            "",
        ),
        (  # an <h2> inside a block does not cut: the headings do not match, one part
            "<p>Open</p><details><h2>A</h2><p>x</p></details>",
            1,
            ["<p>Open</p><details><h2>A</h2><p>x</p></details>"],
            "",
        ),
        ("<p>Open</p><br/><h2>A</h2><p>B &lt; C</p>", 1, ["<p>Open</p><br/>", "<h2>A</h2><p>B &lt; C</p>"], ""),
    ],
)
def test_story_cut_read_with_the_fast_reader_as_with_the_parser(html, sections, parts, figures):
    from harvest.site import storyhtml

    assert storyhtml._fast_cut(html) is not None  # sanitiser-shaped: the fast reader reads it
    cut = storyhtml.split_story_html(html, sections)
    assert (list(cut.parts), cut.figures) == (parts, figures)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(storyhtml, "_fast_cut", lambda html: None)  # the HTML parser's reading
        slow = storyhtml.split_story_html(html, sections)
    assert (list(slow.parts), slow.figures) == (parts, figures)


@pytest.mark.parametrize(
    "html",
    ["<p>a</p></div>", "<p>a<!-- c --></p>", "<div><p>a</div>", "<p>open", "<script>x</script>", "<p/>"],
)
def test_story_cut_not_as_the_sanitiser_writes_goes_to_the_parser(html):
    from harvest.site import storyhtml

    assert storyhtml._fast_cut(html) is None
