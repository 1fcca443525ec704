"""Read-aloud screens, unit by unit: long parts cut between blocks, times shared out, the withheld cue, credits."""

from __future__ import annotations

import pytest

from harvest.readaloud.screens import credit_line, share, split_part, text_screens, withheld_cues


def words(n: int, word: str = "w") -> str:
    return " ".join([word] * n)


def p(n: int, word: str = "w") -> str:
    return f"<p>{words(n, word)}</p>"


@pytest.mark.parametrize(
    "html, max_words, expected",
    [
        # A short part is one screen, unchanged.
        (p(5), 10, [(p(5), 5)]),
        ("<h2>What surprised us?</h2>\n" + p(6), 10, [("<h2>What surprised us?</h2>\n" + p(6), 9)]),
        ("", 10, []),
        # A long part is cut between paragraphs, and evenly: 6 + 6, not 9 + 3.
        (
            "\n".join([p(3, "a"), p(3, "b"), p(3, "c"), p(3, "d")]),
            10,
            [(p(3, "a") + "\n" + p(3, "b"), 6), (p(3, "c") + "\n" + p(3, "d"), 6)],
        ),
        # Fewest screens first: 4 + 4 + 9 fits in two (8 + 9) and is never three.
        ("\n".join([p(4, "a"), p(4, "b"), p(9, "c")]), 10, [(p(4, "a") + "\n" + p(4, "b"), 8), (p(9, "c"), 9)]),
        # A paragraph longer than a screen stays whole, on a screen of its own.
        (p(30), 10, [(p(30), 30)]),
        ("\n".join([p(2, "a"), p(30, "b"), p(2, "c")]), 10, [(p(2, "a"), 2), (p(30, "b"), 30), (p(2, "c"), 2)]),
        # A heading stays with the paragraph after it (never alone at the bottom of a screen).
        (
            p(6, "a") + "\n<h3>Two words</h3>\n" + p(6, "b"),
            10,
            [(p(6, "a"), 6), ("<h3>Two words</h3>\n" + p(6, "b"), 8)],
        ),
        # Lists, block quotes and admonitions are never cut inside, even when longer than a screen.
        (
            p(3, "a") + "\n<ul>\n<li>" + words(6, "b") + "</li>\n<li>" + words(6, "c") + "</li>\n</ul>",
            10,
            [(p(3, "a"), 3), ("<ul>\n<li>" + words(6, "b") + "</li>\n<li>" + words(6, "c") + "</li>\n</ul>", 12)],
        ),
        (
            "<blockquote>\n" + p(6, "a") + "\n" + p(6, "b") + "\n</blockquote>\n" + p(2, "c"),
            10,
            [("<blockquote>\n" + p(6, "a") + "\n" + p(6, "b") + "\n</blockquote>", 12), (p(2, "c"), 2)],
        ),
        (
            '<div class="admonition note">\n<p class="admonition-title">Note</p>\n' + p(9) + "\n</div>\n" + p(4, "x"),
            10,
            [
                ('<div class="admonition note">\n<p class="admonition-title">Note</p>\n' + p(9) + "\n</div>", 10),
                (p(4, "x"), 4),
            ],
        ),
        # Entities are not words; an image paragraph has none and goes with its neighbours.
        (
            '<p>salt &amp; pepper</p>\n<p><img alt="" src="a.jpg"></p>',
            10,
            [('<p>salt &amp; pepper</p>\n<p><img alt="" src="a.jpg"></p>', 2)],
        ),
    ],
)
def test_split_part(html, max_words, expected):
    assert split_part(html, max_words) == expected


def test_an_imported_post_of_a_quarter_hour_becomes_screens_of_bounded_size():
    post = "\n".join(p(40 + (i % 3) * 10, f"w{i}") for i in range(40))  # ~2,000 words, no prompt headings
    screens = split_part(post, 90)
    assert len(screens) >= 2000 // 90
    assert all(count <= 90 for _, count in screens)
    assert "\n".join(html for html, _ in screens) == post  # nothing lost, nothing repeated, in order


@pytest.mark.parametrize(
    "total, weights, expected",
    [
        (10, [1, 1, 1], [4, 3, 3]),  # remainders to the earlier screens
        (7, [0, 0], [7, 0]),  # no words anywhere: all to the first
        (0, [3, 5], [0, 0]),
        (100, [1, 3], [25, 75]),
        (5, [9, 0, 90], [0, 0, 5]),
        (9, [], []),
    ],
)
def test_share_adds_up_exactly(total, weights, expected):
    assert share(total, weights) == expected


def test_text_screens_share_the_opening_between_title_and_text():
    # Opening: 4 title words + 6 text words in 10 s; one answer of 8 words in 8 s.
    title, screens = text_screens([(10, 10), (8, 8)], [p(6), "<h2>Two words</h2>\n" + p(6)], 4, 90)
    assert (title.words, title.seconds) == (4, 4)
    assert [(s.words, s.seconds) for s in screens] == [(6, 6), (8, 8)]
    # A story that opens with a prompt: no empty screen, the title keeps the opening's time.
    title, screens = text_screens([(4, 3), (8, 8)], ["", "<h2>Two words</h2>\n" + p(6)], 4, 90)
    assert (title.words, title.seconds) == (4, 3) and len(screens) == 1


MARK = '<span class="harvest-withheld">[withheld]</span>'
BLOCK = (
    '<span class="harvest-withheld harvest-withheld--block"><span class="harvest-withheld__mark">[withheld]</span>'
    '<span class="harvest-ra-cue">A passage is withheld here.</span></span>'
)
INLINE = (
    '<span class="harvest-withheld harvest-withheld--inline"><span class="harvest-withheld__mark">[withheld]</span>'
    '<span class="harvest-ra-cue">a passage is withheld here</span></span>'
)


@pytest.mark.parametrize(
    "html, expected",
    [
        (f"<p>{MARK}</p>", f"<p>{BLOCK}</p>"),  # a whole paragraph withheld: a block of its own
        (f"<p>\n{MARK}\n</p>", f"<p>\n{BLOCK}\n</p>"),
        (f"<p>We met in {MARK} at nine.</p>", f"<p>We met in {INLINE} at nine.</p>"),  # inside a sentence
        (f"<ul><li>{MARK}</li></ul>", f"<ul><li>{INLINE}</li></ul>"),
        (f"<p>{MARK} and {MARK}</p>", f"<p>{INLINE} and {INLINE}</p>"),
        ("<p>Nothing withheld.</p>", "<p>Nothing withheld.</p>"),
        ('<p><span class="other">[withheld]</span></p>', '<p><span class="other">[withheld]</span></p>'),
    ],
)
def test_withheld_cues(html, expected):
    assert withheld_cues(html) == expected


@pytest.mark.parametrize(
    "labels, anonymous, expected",
    [
        (["Priya Dandekar"], 0, "Priya Dandekar"),
        (["Tomek Wirth", "Hanne Lund"], 0, "Tomek Wirth and Hanne Lund"),
        (["Priya Dandekar", "Spoke Collective"], 1, "Priya Dandekar, Spoke Collective and 1 anonymous contributor"),
        ([], 1, "an anonymous contributor"),
        ([], 3, "3 anonymous contributors"),
        (["Night Moth"], 2, "Night Moth and 2 anonymous contributors"),
        ([], 0, ""),
    ],
)
def test_credit_line(labels, anonymous, expected):
    assert credit_line(labels, anonymous) == expected
