"""Cutting a rendered story page into parts, dropping permalinks, and moving a part to another page.

Inputs are written as the sanitiser serialises story HTML (ids namespaced `user-content-…`,
`<` and `>` escaped in attribute values) plus a few raw-HTML forms a browser reads the same way.
Every expected value is written out by hand.
"""

from __future__ import annotations

import pytest

from harvest.readaloud.parts import for_other_page
from harvest.site.storyhtml import split_story_html, strip_permalinks

LINK = '<a class="headerlink" href="#user-content-{0}" title="Permanent link">¶</a>'
H2 = '<h2 id="user-content-{0}">{1}' + LINK + "</h2>"
FIG = '<p><img alt="" class="harvest-image" loading="lazy" src="{0}"></p>'

SPLITS = {
    "opening and two sections": (
        "<p>Intro.</p>\n"
        + H2.format("a", "What surprised us?")
        + "\n<p>One.</p>\n"
        + H2.format("b", "Who stepped forward?")
        + "\n<p>Two.</p>",
        2,
        [
            "<p>Intro.</p>",
            H2.format("a", "What surprised us?") + "\n<p>One.</p>",
            H2.format("b", "Who stepped forward?") + "\n<p>Two.</p>",
        ],
        "",
    ),
    "nested headings do not cut": (
        "<p>I</p>\n<h2>A</h2>\n<h3>Sub</h3>\n<p>x</p>\n<h4>Deeper</h4>",
        1,
        ["<p>I</p>", "<h2>A</h2>\n<h3>Sub</h3>\n<p>x</p>\n<h4>Deeper</h4>"],
        "",
    ),
    "an <h2> in a code block is text": (
        "<p>I</p>\n<h2>A</h2>\n<pre><code>&lt;h2&gt;not a heading&lt;/h2&gt;\n</code></pre>",
        1,
        ["<p>I</p>", "<h2>A</h2>\n<pre><code>&lt;h2&gt;not a heading&lt;/h2&gt;\n</code></pre>"],
        "",
    ),
    "an <h2> inside details stays in its part": (
        "<h2>A</h2>\n<details><summary>More</summary><h2>Inside</h2><p>z</p></details>\n<h2>B</h2>\n<p>y</p>",
        2,
        ["", "<h2>A</h2>\n<details><summary>More</summary><h2>Inside</h2><p>z</p></details>", "<h2>B</h2>\n<p>y</p>"],
        "",
    ),
    "a section heading inside details: one part, not a broken one": (
        "<p>I</p>\n<details><summary>s</summary><h2>A</h2><p>z</p></details>",
        1,
        ["<p>I</p>\n<details><summary>s</summary><h2>A</h2><p>z</p></details>"],
        "",
    ),
    "'<h2' and '>' inside a quoted attribute value": (
        '<p title="a>b <h2 x">I</p>\n<h2 title="x>y">A</h2>\n<p>z</p>',
        1,
        ['<p title="a>b <h2 x">I</p>', '<h2 title="x>y">A</h2>\n<p>z</p>'],
        "",
    ),
    "entities are kept as written": (
        "<p>Tom &amp; Jerry &lt;3 &#8212; AT&T &amp co</p>\n<h2>Q &amp; A</h2>\n<p>&nbsp;x</p>"
        + FIG.format("a&amp;b.jpg"),
        1,
        ["<p>Tom &amp; Jerry &lt;3 &#8212; AT&T &amp co</p>", "<h2>Q &amp; A</h2>\n<p>&nbsp;x</p>"],
        FIG.format("a&amp;b.jpg"),
    ),
    "headings that do not match the sections: one part": (
        "<p>I</p>\n<h2>A</h2>\n<p>x</p>",
        2,
        ["<p>I</p>\n<h2>A</h2>\n<p>x</p>"],
        "",
    ),
    "trailing figures are set apart": (
        "<p>I</p>\n<h2>A</h2>\n<p>x</p>\n" + FIG.format("a.jpg") + "\n" + FIG.format("b.jpg") + "\n",
        1,
        ["<p>I</p>", "<h2>A</h2>\n<p>x</p>"],
        FIG.format("a.jpg") + "\n" + FIG.format("b.jpg"),
    ),
    "a figure followed by text is part of the text": (
        "<p>I</p>\n" + FIG.format("a.jpg") + "\n<p>after</p>",
        0,
        ["<p>I</p>\n" + FIG.format("a.jpg") + "\n<p>after</p>"],
        "",
    ),
    "an image with words, or not ours, is not a figure": (
        '<p>I</p>\n<p><img class="harvest-image" src="a.jpg"> caption</p>\n<p><img src="b.jpg"></p>',
        0,
        ['<p>I</p>\n<p><img class="harvest-image" src="a.jpg"> caption</p>\n<p><img src="b.jpg"></p>'],
        "",
    ),
    "only figures": (FIG.format("a.jpg"), 0, [""], FIG.format("a.jpg")),
}


@pytest.mark.parametrize("html, sections, parts, figures", SPLITS.values(), ids=SPLITS.keys())
def test_split_story_html(html, sections, parts, figures):
    cut = split_story_html(html, sections)
    assert cut.parts == parts
    assert cut.figures == figures


PERMALINKS = {
    "in a heading": (H2.format("a", "Title"), '<h2 id="user-content-a">Title</h2>'),
    "in every heading": (
        "<h3>X" + LINK.format("x") + "</h3><p>y</p><h4>Z" + LINK.format("z") + "</h4>",
        "<h3>X</h3><p>y</p><h4>Z</h4>",
    ),
    "another class beside it": ('<h2>T<a class="headerlink extra" href="#t">¶</a></h2>', "<h2>T</h2>"),
    "an ordinary link stays": (
        '<p><a href="#user-content-a" title="see">¶ here</a></p>',
        '<p><a href="#user-content-a" title="see">¶ here</a></p>',
    ),
    "as text in code it stays": (
        '<pre><code>&lt;a class="headerlink"&gt;¶&lt;/a&gt;</code></pre>',
        '<pre><code>&lt;a class="headerlink"&gt;¶&lt;/a&gt;</code></pre>',
    ),
    "the class name in another attribute": (
        '<p><a href="x" title="class=&quot;headerlink&quot;">a</a></p>',
        '<p><a href="x" title="class=&quot;headerlink&quot;">a</a></p>',
    ),
}


@pytest.mark.parametrize("html, expected", PERMALINKS.values(), ids=PERMALINKS.keys())
def test_strip_permalinks(html, expected):
    assert strip_permalinks(html) == expected


MOVES = {  # a part of the story page 2025/story/ shown on the reading page readings/night/ as story 1
    "heading down a level, id prefixed, permalink dropped": (
        H2.format("a", "What surprised us?"),
        '<h3 id="s1-user-content-a">What surprised us?</h3>',
    ),
    "every level but h6": ("<h1>a</h1><h3>b</h3><h5>c</h5><h6>d</h6>", "<h2>a</h2><h4>b</h4><h6>c</h6><h6>d</h6>"),
    "relative links and images rebased": (
        '<p><a href="../other/">x</a> <img alt="" src="../img/a.jpg"> <a href="./#user-content-b">y</a></p>',
        '<p><a href="../../2025/other/">x</a> <img alt="" src="../../2025/img/a.jpg"> '
        '<a href="../../2025/story/#user-content-b">y</a></p>',
    ),
    "same-page anchors follow the ids": (
        '<p id="user-content-p"><a href="#user-content-a">a</a></p>',
        '<p id="s1-user-content-p"><a href="#s1-user-content-a">a</a></p>',
    ),
    "other hosts, mailto and bare '#' unchanged": (
        '<a href="https://example.org/?a=1&amp;b=2">a</a><a href="mailto:x@y.z">b</a><a href="#">c</a>',
        '<a href="https://example.org/?a=1&amp;b=2">a</a><a href="mailto:x@y.z">b</a><a href="#">c</a>',
    ),
    "a rewritten tag keeps its other attributes and entities": (
        '<a href="../x/?a=1&amp;b=2" title="Q &amp; &quot;A&quot; &lt;3">x</a>',
        '<a href="../../2025/x/?a=1&amp;b=2" title="Q &amp; &quot;A&quot; &lt;3">x</a>',
    ),
    "text that looks like an attribute is text": (
        '<p>write id="x" or href="../y" in the form</p>',
        '<p>write id="x" or href="../y" in the form</p>',
    ),
    "a tag inside a quoted value is not a tag": ('<p title="<h2> and </h2>">t</p>', '<p title="<h2> and </h2>">t</p>'),
    "a bare attribute stays bare": (
        '<details open id="user-content-d"><summary>s</summary></details>',
        '<details open id="s1-user-content-d"><summary>s</summary></details>',
    ),
    "code is never touched": (
        '<pre><code>&lt;h2 id="x"&gt;&lt;/h2&gt; href="../a"</code></pre>',
        '<pre><code>&lt;h2 id="x"&gt;&lt;/h2&gt; href="../a"</code></pre>',
    ),
}


@pytest.mark.parametrize("html, expected", MOVES.values(), ids=MOVES.keys())
def test_for_other_page(html, expected):
    assert for_other_page(html, "2025/story/", "readings/night/", "s1-") == expected
