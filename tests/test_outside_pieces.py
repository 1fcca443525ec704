"""A big page is judged piece by piece (`offline.outside.judge_in_pieces`): the report is the one
a reading of the whole page gives, line for line; a piece cleared before is looked up only where
the parser stands between pieces as a new parser does, never inside a tag, a comment, a script or
a style; an edit makes only the pieces it touched be read again. Pages made at random (constructs
left open across cuts, loads, features) report what a whole reading of them does."""

from __future__ import annotations

import random
import zlib

import pytest

from harvest.offline import outside
from harvest.offline.outside import judge, page_pieces, scan_site
from harvest.offline.verdicts import Verdict, Verdicts, content_key
from test_offline_check import BUNDLE, plant

BIG = 300_000  # bytes: past the size from which a page is read in pieces (256 KiB)


def ends_piece(line: str) -> bool:
    """The cut rule, restated: a line whose CRC-32 ends in six zero bits."""
    return zlib.crc32(line.encode()) & 0x3F == 0


def boundary(template: str) -> str:
    """`template` with the first number that makes it a line that ends a piece."""
    return next(template.format(n) for n in range(10_000) if ends_piece(template.format(n)))


def filler(size: int, tag: str) -> list[str]:
    """Lines of plain text (no cut among them) adding up to `size` bytes or more."""
    lines, total, n = [], 0, 0
    while total < size:
        line = f"<p>{tag} filler line {n}: mutual aid, a kitchen, a rota, a borrowed van.</p>"
        n += 1
        if not ends_piece(line):
            lines.append(line)
            total += len(line) + 1
    return lines


def page(*pieces: list[str]) -> str:
    return "".join(line + "\n" for lines in pieces for line in lines)


def piece(tag: str, first: list[str] | None = None, last: str = "<p>end {}</p>") -> list[str]:
    """One piece: `first`, then filler past the minimum size, then a line that ends it."""
    return (first or []) + filler(4200, tag) + [boundary(last.replace("{}", tag + " {}"))]


def report(site, verdicts):
    found = scan_site(site, verdicts=verdicts)
    return (
        sorted((f.file, f.line, f.what, f.url) for f in found.loads),
        sorted((f.file, f.line, f.url) for f in found.links),
        sorted(f.url for f in found.dormant),
    )


@pytest.mark.parametrize(
    "text, expected",
    [
        ("", []),
        ("<p>one line, no newline</p>", ["<p>one line, no newline</p>"]),
        ("a\nb\n", ["a\nb\n"]),  # short: a cut needs 4 KiB before it
    ],
)
def test_small_texts_are_one_piece(text, expected):
    assert [p.decode() for p in page_pieces(text.encode())] == expected


def test_pieces_end_at_the_lines_the_rule_chooses_and_add_up_to_the_page():
    a, b, c = piece("a"), piece("b"), filler(100, "tail")
    data = page(a, b, c).encode()
    assert [p.decode() for p in page_pieces(data)] == [page(a), page(b), page(c)]
    # a cut line within the first 4 KiB of a piece does not cut
    early = [boundary("<p>early {}</p>"), *filler(5000, "x")]
    assert len(page_pieces(page(early).encode())) == 1


def test_the_report_is_a_whole_readings_line_for_line(tmp_path):
    head = [
        "<!doctype html><html><head>",
        '<link rel="canonical" href="https://archive.example.org/answers/">',
        "</head><body>",
    ]
    loads_in_third = ['<p><img src="https://tracker.example/3.gif" alt=""></p>']
    links_in_second = ['<p><a href="https://example.org/second">out</a></p>']
    script = ['<script src="assets/javascripts/bundle.x.min.js"></script>', '<pre class="mermaid">graph TD</pre>']
    text = page(
        piece("one", head),
        piece("two", links_in_second),
        piece("three", loads_in_third),
        piece("four", script),
        filler(BIG, "rest"),
        ["</body></html>"],
    )
    site = plant(tmp_path, {"answers.html": text, "assets/javascripts/bundle.x.min.js": BUNDLE})
    lines = text.split("\n")
    third = lines.index(loads_in_third[0]) + 1
    second = lines.index(links_in_second[0]) + 1
    expected = (
        [
            ("answers.html", third, "<img src>", "https://tracker.example/3.gif"),
            # the page has a Mermaid block and Material's bundle with no polyfill: both fetch
            (
                "assets/javascripts/bundle.x.min.js",
                1,
                "script string",
                "https://unpkg.com/mermaid@11/dist/mermaid.min.js",
            ),
            ("assets/javascripts/bundle.x.min.js", 1, "script string", "https://unpkg.com/resize-observer-polyfill"),
        ],
        [
            ("answers.html", 2, "https://archive.example.org/answers/"),
            ("answers.html", second, "https://example.org/second"),
        ],
        ["https://api.github.com/repos/${e}/${t}"],
    )
    whole = judge("html", text, "answers.html")
    assert len(whole[0]) == 1 and whole[0][0].line == third
    memory = Verdicts(None)
    assert report(site, memory) == expected  # read piece by piece
    assert report(site, memory) == expected  # the whole page remembered
    assert memory.hits >= 2
    pieces_only = Verdicts(None)
    for key, verdict in list(memory._entries.items()):
        if key.startswith("html-piece:"):
            pieces_only.put(key, verdict)
    assert report(site, pieces_only) == expected  # from the pieces remembered (all but the third)
    assert pieces_only.misses == 3  # the page itself, the piece that loads, the bundle (not copied over)


SPLIT_CONSTRUCTS = {
    # the piece before ends inside ...; the remembered piece then starts with what makes it a load:
    # (that end, that start, how it loads, the line reported counted from the cut: the tag's or the URL's)
    "a tag": ('<p><img alt="{}"', ' src="https://tracker.example/t.gif"></p>', "<img src>", 0),
    "a quoted value": ('<p data-n="{}"><img src="', 'https://tracker.example/t.gif"></p>', "<img src>", 0),
    "a script": ("<script>var n{} = 1;", 'fetch("https://tracker.example/t.gif")</script>', "script string", 1),
    "a style": (
        "<style>p.a{} {{ color: red }}",
        "p { background: url(https://tracker.example/t.gif) }</style>",
        "CSS url()",
        1,
    ),
}


@pytest.mark.parametrize("construct", list(SPLIT_CONSTRUCTS), ids=list(SPLIT_CONSTRUCTS))
def test_a_piece_cleared_as_text_is_read_again_inside_a_tag_or_script(tmp_path, construct):
    opening, rest, what, after_cut = SPLIT_CONSTRUCTS[construct]
    loader = piece("x", [rest])  # as text, this piece loads nothing
    clean_site = plant(tmp_path / "a", {"p.html": page(piece("a"), loader, filler(BIG, "z"))})
    memory = Verdicts(None)
    assert report(clean_site, memory)[0] == []
    assert memory.get(content_key("html-piece", page(loader).encode())) is not None  # remembered as cleared
    before = [*filler(4200, "b"), boundary(opening)]
    assert page_pieces(page(before, loader).encode())[0] == page(before).encode()  # the cut is inside it
    hostile = plant(tmp_path / "b", {"p.html": page(before, loader, filler(BIG, "z"))})
    found = scan_site(hostile, verdicts=memory).loads
    assert [(f.line, f.what, f.url) for f in found] == [
        (len(before) + after_cut, what, "https://tracker.example/t.gif")
    ]


def test_a_page_ending_inside_a_tag_is_read_as_a_whole_reading_ends(tmp_path):
    text = page(piece("a"), filler(BIG, "z")) + '<img src="https://tracker.example/end.gif"'
    site = plant(tmp_path, {"p.html": text})
    whole = judge("html", text, "p.html")[0]
    assert [(f.line, f.url) for f in scan_site(site, verdicts=Verdicts(None)).loads] == [(f.line, f.url) for f in whole]


def test_an_edit_reads_again_only_the_piece_it_touched(tmp_path, monkeypatch):
    pieces = [piece(f"p{n}") for n in range(80)]
    site = plant(tmp_path, {"p.html": page(*pieces)})
    assert (site / "p.html").stat().st_size > BIG
    memory = Verdicts(None)
    scan_site(site, verdicts=memory)
    fed: list[str] = []
    original = outside._PageScanner.feed
    monkeypatch.setattr(outside._PageScanner, "feed", lambda self, text: (fed.append(text), original(self, text)))
    pieces[40][3] = "<p>an edited line, with <img src='https://tracker.example/new.gif'></p>"
    assert not ends_piece(pieces[40][3])
    (site / "p.html").write_text(page(*pieces))
    loads = scan_site(site, verdicts=memory).loads
    assert [(f.line, f.url) for f in loads] == [(sum(map(len, pieces[:40])) + 4, "https://tracker.example/new.gif")]
    assert fed == [page(pieces[40])]


@pytest.mark.parametrize(
    "data",
    [[[], [], [], []], [[], [], [], [3]], [[], [], [], "a.js"], [[], [], ["mermaid"], ["a.js"], []]],
    ids=["empty srcs", "a number", "not a list", "five parts"],
)
def test_a_malformed_piece_verdict_is_refused(data):
    with pytest.raises((TypeError, ValueError)):
        Verdict.from_json(data)


def test_a_piece_verdict_round_trips():
    verdict = Verdict(((3, "<a href>", "https://example.org/"),), (), frozenset({"mermaid"}), ("a.js", "b.js"))
    assert Verdict.from_json(verdict.to_json()) == verdict
    assert Verdict.from_json([[], [], []]) == Verdict()


def test_a_reading_across_a_cut_is_remembered_under_no_pieces_name(tmp_path):
    """A piece that ends inside a tag is never looked up: what follows it must be read with it."""
    inside_tag = [*filler(4200, "b"), boundary('<p><img alt="{}"')]
    harmless = piece("h", [' src="images/local.png"></p>'])
    memory = Verdicts(None)
    first = plant(tmp_path / "a", {"p.html": page(inside_tag, harmless, filler(BIG, "z"))})
    assert report(first, memory)[0] == []
    loader = piece("l", [' src="https://tracker.example/t.gif"></p>'])
    second = plant(tmp_path / "b", {"p.html": page(inside_tag, loader, filler(BIG, "z"))})
    found = scan_site(second, verdicts=memory).loads
    assert [(f.line, f.url) for f in found] == [(len(inside_tag), "https://tracker.example/t.gif")]


# --- against a whole reading, on pages made at random ---------------------------------------------

LOADS = [  # rare: a piece that loads is never remembered
    '<p><img src="https://t.example/{n}.gif" alt=""></p>',
    '<p style="background: url(https://t.example/{n}.png)">styled</p>',
    'var u{n} = "https://t.example/{n}.js";',
    "p {{ background: url(https://t.example/{n}.png) }}",
]
SCRIPTS = [
    '<script src="assets/javascripts/bundle.{n}.min.js"></script>',
    '<script src="vendor/resize-observer/ro.js"></script>',
]
FRAGMENTS = [
    '<p><a href="https://example.org/{n}">a link out</a></p>',
    "<script>",
    'var n{n} = "a string, no URL";',
    "</script>",
    "<style>",
    "p {{ color: red }}",
    "</style>",
    "<!-- a comment that may hide",
    "-->",
    '<p><img alt="{n}"',
    ' src="https://t.example/{n}.gif">',  # a load only inside a tag
    "<p data-x='",
    "'>",
    "&amp a stray ampersand &",
    "a lone < and a lone >",
    '<pre class="mermaid">graph TD</pre>',
    '<a href="https://github.com/o/r" data-md-component="source">repo</a>',
    "<![CDATA[ x ]]>",
    "<!doctype html>",
    "<?php echo 1 ?>",
]


def random_page(rng, lines: int) -> list[str]:
    page = []
    for n in range(lines):
        draw = rng.random()
        if draw < 0.03:  # a line that ends a piece, whatever construct is open
            page.append(boundary(f"<p>cut {n} {{}}</p>"))
        elif draw < 0.035:
            page.append(rng.choice(LOADS).format(n=n))
        elif draw < 0.0352:  # now and then, Material's bundle or the polyfill
            page.append(rng.choice(SCRIPTS).format(n=n))
        elif draw < 0.12:
            page.append(rng.choice(FRAGMENTS).format(n=n))
        else:
            page.append(f"<p>story text {n}: who stepped forward, what was missing.</p>")
    return page


@pytest.mark.parametrize("seed", range(12))
def test_pages_made_at_random_report_what_a_whole_reading_does(seed):
    rng = random.Random(seed)
    first = random_page(rng, 6000)
    memory = Verdicts(None)
    for lines in (first, first[:3000] + random_page(rng, 40) + first[3000:], first[1000:] + first[:1000]):
        data = page(lines).encode()
        assert len(data) >= BIG
        whole = judge("html", data.decode(), "p.html")
        assert outside.judge_in_pieces(data, "p.html", memory) == whole
    assert memory.hits > 0  # the later pages were read in part from the first one's pieces
