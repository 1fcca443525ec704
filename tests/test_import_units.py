"""Table-driven tests for the importer's pure parts: reading, body clean-up, field mapping, ids, digests."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from harvest.core.problems import HarvestError
from harvest.core.prompts import PromptMatcher
from harvest.core.settings import Prompt, Settings
from harvest.importer.convert import _split_list, _take_title_heading, parse_date, story_id
from harvest.importer.decode import Skip, decode, split_post
from harvest.importer.markup import BodyCleaner, target_kind
from harvest.importer.plaintext import first_sentence
from harvest.importer.run import _append_entries, edited_since_import, render, target_folder
from harvest.importer.sources import SourceItem

PROMPTS = (
    Prompt("surprised", "What surprised us?", ("What surprised you?", "¿Qué nos sorprendió?")),
    Prompt("stepped-forward", "Who stepped forward?"),
    Prompt("missing", "What resource was missing?", ("What was missing?",)),
)


def clean(body: str, lookup=lambda name: None):
    return BodyCleaner(PromptMatcher(PROMPTS), lookup).clean(body, first_line=10)


# --- reading --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data, text, warned",
    [
        (b"a\r\nb\rc\n", "a\nb\nc\n", False),
        (b"\xef\xbb\xbf---\ntitle: x\n", "---\ntitle: x\n", False),
        ("caf\u00e9\n".encode("utf-16"), "caf\u00e9\n", False),
        ("Caf\u00e9 \u2014 \u00a1s\u00ed!".encode("cp1252"), "Caf\u00e9 \u2014 \u00a1s\u00ed!", True),
        (b"x\x81\xe9", "x\x81\xe9", True),  # not Windows-1252 either: Latin-1 never fails
    ],
)
def test_decode(data, text, warned):
    result, note = decode(data)
    assert result == text
    assert (note is not None) == warned
    if warned:
        assert "Windows-1252" in note and "line 1" in note


def test_decode_refuses_binary():
    with pytest.raises(Skip, match="binary"):
        decode(b"\x89PNG\r\n\x00\x00")


@pytest.mark.parametrize(
    "text, meta, body_line",
    [
        ("---\ntitle: A\ndate: 2019-03-04\n---\nBody", {"title": "A", "date": "2019-03-04"}, 5),
        (
            '+++\ntitle = "A"\ndate = 2021-01-15T10:00:00Z\ntags = ["x"]\n+++\n\nBody',
            {"title": "A", "date": "2021-01-15T10:00:00+00:00", "tags": ["x"]},
            6,
        ),
        ('{\n  "title": "A",\n  "date": "2020-02-02"\n}\n\nBody', {"title": "A", "date": "2020-02-02"}, 5),
    ],
)
def test_split_post_front_matter_kinds(text, meta, body_line):
    post = split_post(text, "post.md")
    assert post.meta == meta
    assert post.body.strip() == "Body"
    assert post.body_line == body_line


@pytest.mark.parametrize(
    "text, reason, line",
    [
        ("Just text", "no front matter", 1),
        ("---\ntitle: A\n", "not closed", 1),
        ("---\ntitle: A: b\ndate: 2019-01-01\n---\n", "invalid YAML", 2),
        ("---\n---\nBody", "empty", 1),
        ('+++\ntitle = "A\ndate = 2021-03-01\n+++\n', "invalid TOML", 2),
        ('+++\ntitle = "A"\nbad line\nx = 1\n+++\n', "invalid TOML", 3),
        ('{"title": "A",}\nBody', "invalid JSON", 1),
    ],
)
def test_split_post_reports_what_is_wrong(text, reason, line):
    with pytest.raises(Skip) as caught:
        split_post(text, "post.md")
    assert reason in caught.value.reason
    assert caught.value.line == line


# --- body clean-up --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body, present, absent, note",
    [
        # Liquid
        (
            '{% include figure.html image_path="/assets/a.jpg" alt="Sandbags" %}',
            ["*(image: Sandbags)*"],
            ["{%"],
            "not imported",
        ),
        ("Read the [plan]({{ site.baseurl }}/plan/).", ["Read the plan."], ["]("], "/plan/"),
        ("The [last one]({% post_url 2018-11-02-x %}).", ["The last one."], ["post_url"], "old site"),
        ("{% if page.comments %}Open.{% endif %}", ["Open."], ["{%"], "{% if … %}"),
        ("By {{ page.author }}.", ["By Ana."], ["{{"], None),
        ("Size {{ page.size | default: 3 }}.", ["Size ."], ["{{"], "page.size"),
        ("`{% raw %}{{ kept }}{% endraw %}`", ["`{{ kept }}`"], ["raw"], None),
        ("{% raw %}{{ kept }}{% endraw %}", ["{{ kept }}"], ["raw %"], None),
        ("{% comment %}\nhidden\n{% endcomment %}\nShown", ["Shown"], ["hidden"], None),
        (
            "{% highlight ruby %}\nputs '{{ x }}'\n{% endhighlight %}",
            ["```ruby\nputs '{{ x }}'\n```"],
            ["highlight"],
            None,
        ),
        ("```\n{% if x %}{{ y }}\n```", ["```\n{% if x %}{{ y }}\n```"], [], None),
        ("Use `{{ y }}` here", ["`{{ y }}`"], [], None),
        # Hugo shortcodes
        ('{{< figure src="/img/q.jpg" caption="The queue" >}}', ["*(image: The queue)*"], ["{{<"], "not imported"),
        (
            '{{< figure src="https://cdn.example.com/q.jpg" alt="Q" >}}',
            ["[Q](https://cdn.example.com/q.jpg)"],
            ["!["],
            "remote image",
        ),
        ("{{< youtube dQw4w9WgXcQ >}}", ["[Video on YouTube](https://www.youtube.com/watch?v=dQw4w9WgXcQ)"], [], None),
        ('{{< vimeo id="1234" >}}', ["(https://vimeo.com/1234)"], [], None),
        ('See [rota]({{< ref "rota.md" >}}).', ["See rota."], ["ref"], "old site"),
        ("{{< note >}}Bring bowls{{< /note >}}", ["Bring bowls"], ["{{"], "shortcode `{{< note >}}`"),
        ("{{% notice info %}}Careful{{% /notice %}}", ["Careful"], ["{{"], "notice"),
        ("{{< highlight go >}}\nx := 1\n{{< /highlight >}}", ["```go\nx := 1\n```"], ["{{"], None),
        ("{{/* a comment */}}Text", ["Text"], ["comment"], None),
        # HTML
        ("<script>alert(1)</script>Safe", ["Safe"], ["script", "alert"], "<script>"),
        (
            '<div class="n" onclick="x()" style="color:red">Torch</div>',
            ['<div class="n">Torch</div>'],
            ["onclick", "style"],
            "attributes",
        ),
        ('<iframe src="https://maps.example.com"></iframe>Map', ["Map"], ["iframe"], "<iframe>"),
        (
            '<a href="/old/page.html">Old</a> and <a href="https://ok.example.org">ok</a>',
            ["Old and ", 'href="https://ok.example.org"', ">ok</a>"],
            ["/old/page"],
            "old site",
        ),
        ('<img src="photos/a.jpg" alt="Banner">', ["Banner"], ["<img"], "not imported"),
        (
            '<img src="https://t.example.com/p.gif">',
            ['<a href="https://t.example.com/p.gif"'],
            ["<img"],
            "remote image",
        ),
        ("<font color=red>Red</font>", ["Red"], ["font"], "<font>"),
        # tags read as a browser reads them: `>` inside a quoted value, entities decoded then escaped
        ('<a title="a>b" href="/old/x.html">Old</a> end', ["Old end"], ["/old/x", 'b"', "title"], "old site"),
        (
            "<div title='1 > 0' onclick=\"x()\">Maths</div>",
            ['<div title="1 &gt; 0">Maths</div>'],
            ["onclick", "> 0'"],
            "attributes",
        ),
        (
            '<img src="https://t.example.com/p.gif" alt=\'say "hi" <b>\'>',
            ['<a href="https://t.example.com/p.gif" rel="noopener noreferrer">say "hi" &lt;b&gt;</a>'],
            ["<b>"],
            "remote image",
        ),
        (
            '<img src="photos/a.jpg" alt="Fish &amp; chips &lt;3">',
            ["Fish &amp; chips &lt;3"],
            ["<img", "<3"],
            "not imported",
        ),
        ('<a id="top"></a>Top', ['<a id="top" rel="noopener noreferrer"></a>Top'], [], None),
        ("Braces {{ open\n\nnever closed }} here", ["{{ open", "never closed }} here"], [], None),
        ('<div markdown="1">**bold**</div>', ['<div markdown="1">**bold**</div>'], [], None),
        ("Before<!-- more -->After", ["BeforeAfter"], ["more"], None),
        ("Mail <https://example.org> or <me@example.org>", ["<https://example.org>", "<me@example.org>"], [], None),
        # Markdown links and images
        ("![Map](https://tiles.example.com/m.png)", ["[Map](https://tiles.example.com/m.png)"], ["!["], "remote"),
        ("![](//cdn.example.com/m.png)", ["[Image](https://cdn.example.com/m.png)"], [], "remote"),
        ("![Crowd](crowd.jpg)", ["*(image: Crowd)*"], ["crowd.jpg"], "crowd.jpg"),
        ("[click](javascript:alert(1))", ["click"], ["javascript"], "unsafe"),
        (
            "[top](#top) [mail](mailto:a@example.org) [web](https://example.org/x)",
            ["[top](#top)", "[mail](mailto:a@example.org)", "[web](https://example.org/x)"],
            [],
            None,
        ),
        ("See [the plan][p].\n\n[p]: /plan/", ["See the plan."], ["[p]", "/plan/"], "/plan/"),
        (
            "See [the plan][p].\n\n[p]: https://example.org/plan",
            ["[the plan][p]", "[p]: https://example.org/plan"],
            [],
            None,
        ),
        # headings
        ("# Intro\n\nText", ["### Intro\n"], [], None),
        ("## Background\n\nText", ["### Background\n"], [], None),
        ("### What surprised us?\n\nText", ["## What surprised us?"], ["###"], None),
        ("#What was missing?\nText", ["## What was missing?"], [], None),
        ("Intro\n\nWhat was missing?\n-----------------\n\nLadles", ["## What was missing?\n\nLadles"], ["---"], None),
        ("Intro\n\n**Who stepped forward?**\n\nDele", ["## Who stepped forward?"], ["**"], None),
        ("Intro\n\n**Bold claim**\n\nDele", ["**Bold claim**"], [], None),
        ("## ¿Qué nos sorprendió?\n\nTodo", ["## ¿Qué nos sorprendió?"], [], None),
        ("```\n## not a heading\n```", ["```\n## not a heading\n```"], [], None),
        ("Para one\n\n\n\n\nPara two", ["Para one\n\nPara two"], [], None),
    ],
)
def test_body_cleanup(body, present, absent, note):
    text, notes = clean(body, lookup={"author": "Ana"}.get)
    for expected in present:
        assert expected in text, text
    for unexpected in absent:
        assert unexpected not in text, text
    messages = [message for _, message in notes.items]
    if note is None:
        assert not messages, messages
    else:
        assert any(note in m for m in messages), messages


def test_notes_name_the_source_line_after_multiline_constructs():
    body = "Intro\n<!--\nthree\nlines\n-->\n{% comment %}\nx\n{% endcomment %}\n```\ncode\n```\n{% if x %}\n[a](/old)"
    _, notes = clean(body)
    assert notes.items == [
        (21, "Liquid tag `{% if … %}` removed"),
        (22, "link to '/old' removed: it pointed into the old site (its text is kept)"),
    ]


@pytest.mark.parametrize(
    "url, kind",
    [
        ("", "empty"),
        ("#x", "anchor"),
        ("https://a.example", "external"),
        ("//a.example/x", "external"),
        ("mailto:a@b.example", "external"),
        ("javascript:x", "bad"),
        ("data:image/png;base64,x", "bad"),
        ("/about/", "internal"),
        ("../x.md", "internal"),
        ("photo.jpg", "internal"),
    ],
)
def test_target_kind(url, kind):
    assert target_kind(url) == kind


@pytest.mark.parametrize(
    "body, sentence",
    [
        ("We opened at six. Then it rained.", "We opened at six."),
        ("### Heading\n\n![x](y.png)\n\nFirst *real* [words](x) here! More.", "First real words here!"),
        ("```\ncode.\n```\n\nAfter code.", "After code."),
        ("No full stop at all", "No full stop at all"),
    ],
)
def test_first_sentence(body, sentence):
    assert first_sentence(body, 400) == sentence


def test_first_sentence_is_shortened_on_a_word():
    text = first_sentence("word " * 200, 50)
    assert len(text) <= 50 and text.endswith("…") and "wor…" not in text


# --- fields ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value, expected",
    [
        ("2019-03-04", "2019-03-04"),
        ("2019-3-4", "2019-03-04"),
        ("2019/03/04", "2019-03-04"),
        ("2019-03-04 18:00:00 +0100", "2019-03-04"),
        ("2021-01-15T10:00:00+00:00", "2021-01-15"),
        ("2019-02-30", None),
        ("04/03/2019", None),
        ("March 4, 2019", None),
        ("", None),
        (None, None),
        (2019, None),
    ],
)
def test_parse_date(value, expected):
    assert parse_date(value) == expected


@pytest.mark.parametrize(
    "value, spaces, authors, expected",
    [
        ("Ana Ruiz, Ben Okafor and Carla", False, True, ["Ana Ruiz", "Ben Okafor", "Carla"]),
        ("Ana; Ben & Carla", False, True, ["Ana", "Ben", "Carla"]),
        (["Ana", {"name": "Ben"}], False, True, ["Ana", "Ben"]),
        ("Alexandra Anderson", False, True, ["Alexandra Anderson"]),
        ("logistics safety", True, False, ["logistics", "safety"]),
        ("food bank, safety", True, False, ["food bank", "safety"]),
        ("food bank", False, False, ["food bank"]),
        (["a", ["b", "c"], 7, None, True], False, False, ["a", "b", "c", "7"]),
        (None, False, False, []),
    ],
)
def test_split_list(value, spaces, authors, expected):
    assert _split_list(value, spaces=spaces, authors=authors) == expected


@pytest.mark.parametrize(
    "body, title, new_title, removed",
    [
        ("\n# Heatwave checks\n\nText", "", "Heatwave checks", True),
        ("# Same Title\n\nText", "Same title", "Same title", True),
        ("# Another heading\n\nText", "The title", "The title", False),
        ("Text first\n\n# Heading", "", "", False),
        ("## Not h1\n\nText", "", "", False),
    ],
)
def test_leading_h1_is_the_title(body, title, new_title, removed):
    new_body, found, line = _take_title_heading(body, title, 7)
    assert found == new_title and line == 7
    assert new_body.count("\n") == body.count("\n")  # line numbers stay right
    assert (new_body != body) == removed
    if removed:
        assert not new_body.lstrip("\n").startswith("#")


def test_story_ids_are_stable_and_valid():
    item = SourceItem(
        key="_posts/2019-03-04-river-drill.md", display="", kind="jekyll", meta={}, body="", stem="river-drill"
    )
    assert story_id(item) == story_id(item)
    assert story_id(item).startswith("imp-river-drill-") and len(story_id(item)) == len("imp-river-drill-") + 8
    other = SourceItem(
        key="other/2019-03-04-river-drill.md", display="", kind="jekyll", meta={}, body="", stem="river-drill"
    )
    assert story_id(other) != story_id(item)
    long = SourceItem(key="x", display="", kind="csv", meta={}, body=None, stem="ä" * 3 + "-" + "x" * 200)
    import re

    assert re.fullmatch(r"[a-z0-9][a-z0-9-]{0,79}", story_id(long))


# --- files ----------------------------------------------------------------------------------------


def test_digest_detects_edits_but_not_a_fresh_render():
    meta = {
        "id": "imp-x-1",
        "title": "A very long title " * 8,
        "date": "2019-01-01",
        "event": "action",
        "place": "P",
        "contributors": [],
        "lessons": ["joy"],
        "summary": "S.",
        "imported_from": "json:x#1",
    }
    text = render(meta, "Body text.")
    assert not edited_since_import(text)
    assert edited_since_import(text.replace("Body text.", "Body text, edited."))
    assert edited_since_import(text.replace('place: "P"', 'place: "Q"'))
    assert edited_since_import(text.replace("import_digest", "digest"))


def test_target_folder_stays_inside_the_stories_folder(tmp_path):
    settings = Settings.for_directory(tmp_path / "stories")
    (tmp_path / "stories").mkdir()
    assert target_folder(settings, None) == (tmp_path / "stories" / "_inbox").resolve()
    assert target_folder(settings, tmp_path / "stories" / "imported") == (tmp_path / "stories" / "imported").resolve()
    for bad in (
        tmp_path,
        tmp_path / "stories" / ".." / "elsewhere",
        tmp_path / "stories" / "lessons",
        tmp_path / "stories" / ".hidden",
    ):
        with pytest.raises(HarvestError):
            target_folder(settings, bad)


def test_appending_vocabulary_keeps_the_yaml_valid(tmp_path):
    settings = Settings.for_directory(tmp_path)
    file = tmp_path / "lessons.yml"
    file.write_text("joy:\n  title: Joy\n  description: Fun.", "utf-8")  # no final newline
    _append_entries(file, {"food-bank": {"title": "Food: bank", "description": "Tag “x”: y"}}, "note", settings)
    import yaml

    data = yaml.safe_load(file.read_text("utf-8"))
    assert data["joy"]["title"] == "Joy" and data["food-bank"]["title"] == "Food: bank"
    assert not list(tmp_path.glob(".harvest-*"))
    file.write_text("[not, a, mapping]\n", "utf-8")
    with pytest.raises(HarvestError):
        _append_entries(file, {"x": {"title": "X", "description": "Y."}}, "note", settings)
    assert file.read_text("utf-8") == "[not, a, mapping]\n"


@pytest.mark.parametrize(
    "record, stem, digits",
    [
        ({"id": 101}, "actions-101", 8),
        ({"ID": "0042"}, "actions-0042", 8),
        ({"slug": "bus-strike"}, "actions-bus-strike", 8),
        ({"id": "jane@example.org"}, "actions", 12),  # never put a record's own text id into a public address
        ({"uuid": "Jane Doe"}, "actions", 12),
        ({"title": "No id"}, "actions-7", 8),
    ],
)
def test_record_ids_never_leak_into_addresses(record, stem, digits):
    from harvest.importer.sources import _record_item

    item = _record_item(record, "actions.json", 7, "actions.json (record 7)", None, "json", None)
    assert item.stem == stem
    assert len(story_id(item).rsplit("-", 1)[1]) == digits
    assert "jane" not in story_id(item) and "example" not in story_id(item)


# --- issue 19: Material/pymdownx syntax, links between posts, dates by format ---------------------

from harvest.importer.links import LinkIndex, Post, write_story_links  # noqa: E402
from harvest.importer.oldsite import OldSite  # noqa: E402
from harvest.importer.pymdown import convert_blocks, replace_shortcodes  # noqa: E402


@pytest.mark.parametrize(
    "source, expected",
    [
        (
            '!!! warning "Heads up"\n    Bring water.',
            '<div class="admonition warning" markdown="1">\n<p class="admonition-title">Heads up</p>\n\nBring water.\n\n</div>',
        ),
        (
            "!!! tip\n    Knock twice.",
            '<div class="admonition tip" markdown="1">\n<p class="admonition-title">Tip</p>\n\nKnock twice.\n\n</div>',
        ),
        ('!!! note ""\n    No title.', '<div class="admonition note" markdown="1">\n\nNo title.\n\n</div>'),
        (
            '!!! note inline end "Side"\n    Aside.',
            '<div class="admonition note" markdown="1">\n<p class="admonition-title">Side</p>\n\nAside.\n\n</div>',
        ),
        (
            '!!! custom-kind "<b>x</b>"\n    Text.',  # unknown kind: styled as a note; the title is text
            '<div class="admonition note" markdown="1">\n<p class="admonition-title">&lt;b&gt;x&lt;/b&gt;</p>\n\nText.\n\n</div>',
        ),
        (
            '??? question "Why?"\n    Because.',
            '<details class="question" markdown="1">\n<summary>Why?</summary>\n\nBecause.\n\n</details>',
        ),
        (
            "???+ note\n    Open.\n\n    Two paragraphs.\nAfter.",
            '<details class="note" open markdown="1">\n<summary>Note</summary>\n\nOpen.\n\nTwo paragraphs.\n\n</details>\n\nAfter.',
        ),
        (
            '!!! info\n    ??? note "Inner"\n        Deep.',
            '<div class="admonition info" markdown="1">\n<p class="admonition-title">Info</p>\n\n'
            '<details class="note" markdown="1">\n<summary>Inner</summary>\n\nDeep.\n\n</details>\n\n</div>',
        ),
        ('=== "One"\n\n    First.\n\n=== "Two"\n    Second.', "**One**\n\nFirst.\n\n**Two**\n\nSecond."),
        ("```\n!!! note\n    code\n```", "```\n!!! note\n    code\n```"),
        ('~~~md\n=== "Tab"\n~~~', '~~~md\n=== "Tab"\n~~~'),
        ("Text !!! in a sentence.", "Text !!! in a sentence."),
    ],
)
def test_material_blocks_become_plain_markdown(source, expected):
    converted = "\n".join(convert_blocks(source.split("\n")))
    assert re.sub(r"\n{3,}", "\n\n", converted).strip("\n") == expected


@pytest.mark.parametrize(
    "text, expected, dropped",
    [
        (":calendar: today", "📆 today", []),
        ("Yes :+1: and :thumbsup:", "Yes 👍 and 👍", []),
        ("Icon :material-calendar: here", "Icon 📆 here", []),
        ("A :octicons-mark-github-16: logo", "A  logo", [":octicons-mark-github-16:"]),
        ("At 10:30:00 sharp", "At 10:30:00 sharp", []),
        ("https://example.org/a:tada:b", "https://example.org/a:tada:b", []),
        (":notanemojiname: stays", ":notanemojiname: stays", []),
    ],
)
def test_emoji_shortcodes(text, expected, dropped):
    found: list[str] = []
    assert replace_shortcodes(text, found) == expected
    assert found == dropped


def test_cleaner_converts_material_syntax_and_keeps_code():
    text, _notes = clean('!!! note "N"\n    See :tada:.\n\n`:tada:` and ```{{ x }}```')
    assert '<div class="admonition note" markdown="1">' in text and "See 🎉." in text
    assert "`:tada:`" in text


SITE = OldSite("jekyll", Path("/site"), Path("/site"), (), ("/blog",), ("riverside.example.org",))
POSTS = [
    Post("2019-03-04-river-drill.md", "imp-river", "2019-03-04", ("river-drill",), ()),
    Post("2019-02-01-first-drill.md", "imp-first", "2019-02-01", ("first-drill",), ()),
    Post("2019-05-01-radio.md", "imp-radio", "2019-05-01", ("radio",), ("/radio/",)),
    Post("2020-01-01-meeting.md", "imp-meet-2020", "2020-01-01", ("meeting",), ()),
    Post("2021-06-01-meeting.md", "imp-meet-2021", "2021-06-01", ("meeting",), ()),
    Post("posts/assembly/index.md", "imp-assembly", "2021-02-20", ("assembly",), ()),
    Post("posts/soup-line.md", "imp-soup", "2021-01-15", ("soup-line", "winter-soup"), ()),
]


@pytest.mark.parametrize(
    "url, from_key, expected",
    [
        ("post-url:2019-02-01-first-drill", "2019-03-04-river-drill.md", "imp-first"),
        ("post-url:2017-01-01-gone", "2019-03-04-river-drill.md", None),
        ("site-file:_posts/2019-03-04-river-drill.md", "x.md", "imp-river"),
        ("/2019/03/04/river-drill.html", "x.md", "imp-river"),
        ("/blog/2019/03/04/river-drill/", "x.md", "imp-river"),
        ("https://riverside.example.org/blog/drill/2019/03/04/river-drill.html#map", "x.md", "imp-river"),
        ("https://elsewhere.example.org/2019/03/04/river-drill.html", "x.md", None),
        ("/blog/radio/", "x.md", "imp-radio"),
        ("/2021/06/01/meeting.html", "x.md", "imp-meet-2021"),  # two posts share the slug: the date decides
        ("/meeting/", "x.md", None),  # and without a date nothing is guessed
        ("hugo-ref:assembly", "posts/soup-line.md", "imp-assembly"),
        ("hugo-ref:/posts/soup-line.md", "posts/assembly/index.md", "imp-soup"),
        ("hugo-ref:rota.md", "posts/soup-line.md", None),
        ("/posts/assembly/", "posts/soup-line.md", "imp-assembly"),
        ("../soup-line.md", "posts/assembly/index.md", "imp-soup"),
        ("../posts/soup-line.md#top", "posts/assembly/index.md", "imp-soup"),
        ("/blog/2021/01/15/winter-soup/", "x.md", "imp-soup"),  # Material: the title's slug
        ("/about/", "x.md", None),
        ("#section", "x.md", None),
        ("mailto:a@example.org", "x.md", None),
    ],
)
def test_links_between_posts_are_matched_as_the_generators_made_them(url, from_key, expected):
    assert LinkIndex(POSTS, SITE).resolve(url, from_key) == expected


def test_story_links_are_written_as_relative_paths_or_text():
    body = "See [one](harvest-import:imp-a) and [two [x]](harvest-import:imp-b)."
    assert write_story_links(body, {"imp-a": "../2019/imp-a.md"}.get) == (
        "See [one](../2019/imp-a.md) and two [x].",
        ["imp-b"],
    )


@pytest.mark.parametrize(
    "value, formats, expected",
    [
        ("05/11/2020", ("%d/%m/%Y",), "2020-11-05"),
        ("05/11/2020", ("%m/%d/%Y",), "2020-05-11"),
        ("05/11/2020", (), None),  # never guessed
        ("5.11.20", ("%d/%m/%Y", "%d.%m.%y"), "2020-11-05"),
        ("2020-11-05", ("%d/%m/%Y",), "2020-11-05"),  # ISO dates still read
        ("31/02/2020", ("%d/%m/%Y",), None),
    ],
)
def test_dates_in_the_format_the_mapping_names(value, formats, expected):
    assert parse_date(value, formats) == expected


@pytest.mark.parametrize(
    "value, ok",
    [
        ('"%d/%m/%Y"', True),
        ('["%d/%m/%Y", "%Y.%m.%d"]', True),
        ('"%d/%m"', False),
        ('"dd/mm/yyyy"', False),
        ("5", False),
        ("[]", False),
    ],
)
def test_mapping_date_format_is_checked(tmp_path, value, ok):
    from harvest.importer.mapping import load_import_mapping

    file = tmp_path / "map.yml"
    file.write_text(f"date_format: {value}\n", "utf-8")
    settings = Settings.for_directory(tmp_path)
    if ok:
        assert load_import_mapping(file, "jekyll", settings).date_formats
    else:
        with pytest.raises(HarvestError, match="date_format"):
            load_import_mapping(file, "jekyll", settings)
