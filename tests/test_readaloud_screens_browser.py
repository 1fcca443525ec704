"""Read-aloud at the assembly, in a real browser from file://: the title screen (who, where, when),
the closing screen (thanks, the session's next story), the withheld cue, and long parts in screens."""

from __future__ import annotations

import pytest

from conftest import build, copy_project

STORY = "2026/flood-drill"  # title, the opening in two screens, three answers, closing: 7 screens
SESSION = "readings/2026-12-assembly"  # five stories; story 1 is screens 1-7, story 2 starts at 8
WITHHELD = "2025/rent-strike-phone-tree"  # public build: a passage withheld in its opening
LONG = "2025/long-imported-post"
SERIOUS = ("serious", "critical")
PHONE = {"width": 390, "height": 844}

# An imported blog post: no prompt headings, ~1,400 words (a single 11-minute part before), with a
# whole paragraph withheld below the members level and a list.
LONG_PARAGRAPHS = [
    f"Paragraph {n} of the night we kept the kitchen open, with neighbours coming and going "
    "and the kettle never quite cold, while someone wrote down who needed a lift home and "
    "who had brought spare blankets for the hall and the volunteers on the late shift." * 1
    for n in range(1, 31)
]
LONG_STORY = (
    "---\nid: 2025-09-long-imported-post\ntitle: The long night at the kitchen\ndate: 2025-09-12\n"
    "event: mutual-aid\nplace: Lowmarsh Green\ncontributors: [priya, willow]\nlessons: [mutual-care]\n"
    "summary: A long post imported from our old blog.\nlang: en\n---\n\n"
    + "\n\n".join(LONG_PARAGRAPHS[:12])
    + "\n\n[[redact members]]The spare key is under the blue plant pot by the fire door.[[/redact]]\n\n"
    + "What we brought:\n\n- blankets\n- two kettles\n- a first-aid box\n\n"
    + "\n\n".join(LONG_PARAGRAPHS[12:])
    + "\n"
)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    project = copy_project(tmp_path_factory.mktemp("screens") / "archive")
    (project / "stories" / "2025" / "long-imported-post.md").write_text(LONG_STORY, "utf-8")
    return build(project)


def url(site, uri: str, fragment: str = "read-aloud") -> str:
    return (site / uri / "index.html").as_uri() + f"#{fragment}"


def current(page) -> dict:
    return page.evaluate("""() => {
        const section = document.querySelector('.harvest-ra-current');
        return {id: section && section.id, kind: section && section.className,
                text: section && section.innerText, progress: document.querySelector('.harvest-ra__progress').textContent,
                time: document.querySelector('.harvest-ra__time').textContent, open: !!document.querySelector('.harvest-ra')};
    }""")


@pytest.mark.parametrize(
    "uri, screens, lines, absent",
    [
        (
            STORY,
            7,
            [
                "The night the flood drill went sideways",
                *("Shared by", "Priya Dandekar, Spoke Collective and 1 anonymous contributor"),
                *("Where", "Saltwick Yards"),
                *("When", "14 March 2026"),
                *("Event", "Crisis simulation"),
            ],
            # a pseudonym's real name, an anonymous contributor's name, the raw handles
            ["Kit Alder", "Petra Vance", "bike-1", "willow"],
        ),
        (
            "2025/fiesta-plaza-valle-alegria",
            6,
            [
                "La fiesta de la plaza que casi no fue",
                *("Shared by", "Rosa Quintero and Joaquín Ferrer"),
                *("Where", "Valle Alegría"),
                *("When", "19 de julio de 2025"),  # the date as the story's language writes it
                *("Event", "Festival"),
            ],
            ["rosa", "joaquin"],
        ),
    ],
)
def test_the_first_screen_says_who_shared_it_where_and_when(page, site, uri, screens, lines, absent):
    page.goto(url(site, uri))
    now = current(page)
    assert now["id"] == "read-aloud-1" and "harvest-ra-screen--title" in now["kind"]
    assert now["progress"] == f"1 / {screens}"
    assert [line.strip() for line in now["text"].splitlines() if line.strip()] == lines
    assert not any(word in now["text"] for word in absent)
    assert page.request_log.outside == []


def test_the_closing_screen_thanks_the_contributors(page, site):
    page.goto(url(site, STORY))
    for _ in range(6):  # clicker, keys and space: all reach it
        page.keyboard.press("PageDown")
    now = current(page)
    assert "harvest-ra-screen--closing" in now["kind"] and now["progress"] == "7 / 7"
    assert (
        "Thanks to Priya Dandekar, Spoke Collective and 1 anonymous contributor for sharing this story." in now["text"]
    )
    assert "Kit Alder" not in now["text"] and "Petra Vance" not in now["text"]
    assert "Tell your story" not in now["text"]  # only a collection point shows how to share one's own
    assert now["time"] == ""
    assert page.is_disabled(".harvest-ra__next")
    page.keyboard.press("ArrowLeft")
    assert current(page)["progress"] == "6 / 7"
    page.keyboard.press("End")
    page.click("text=Back to the story page")
    assert not page.is_visible(".harvest-ra") and page.evaluate("location.hash") == ""
    assert page.request_log.outside == []


def test_a_session_closing_screen_names_the_next_story_and_goes_on(page, site):
    page.goto(url(site, SESSION, "read-aloud-7"))
    now = current(page)
    assert "harvest-ra-screen--closing" in now["kind"] and now["progress"] == "7 / 7"
    assert "Next: Story 2 of 5 · read by Marisol Ibarra" in now["text"]
    assert "Keeping the pantry freezers alive through the blackout" in now["text"]
    left = page.get_attribute("#read-aloud-8", "data-ra-left")  # what is left of the session: the rest
    assert left and now["time"] == f"{left} left"
    page.click(".harvest-ra-current >> text=Go on to the next story")
    now = current(page)
    assert now["id"] == "read-aloud-8" and "harvest-ra-screen--title" in now["kind"] and now["progress"] == "1 / 7"
    assert page.text_content(".harvest-ra__title") == "Keeping the pantry freezers alive through the blackout"
    assert "Shared by\nDele Adeyemi and Night Moth\nWhere\nLowmarsh Green" in now["text"]
    page.keyboard.press("End")  # the last story's closing screen ends the session
    now = current(page)
    assert now["id"] == "read-aloud-34" and "That was the last story of this session." in now["text"]
    assert "Go on to the next story" not in now["text"] and "Next:" not in now["text"]
    page.click(".harvest-ra-current >> text=Back to the running order")
    assert not page.is_visible(".harvest-ra") and page.is_visible("#running-order")
    assert page.request_log.outside == []


@pytest.mark.parametrize(
    "uri, cue, canary",
    [
        (WITHHELD, "a passage is withheld here", "ring binder"),  # inside a sentence
        (LONG, "A passage is withheld here.", "blue plant pot"),  # a whole paragraph: a block of its own
    ],
)
def test_a_withheld_passage_is_a_cue_the_reader_can_say(page, site, uri, cue, canary):
    page.goto(url(site, uri))
    section = page.evaluate("document.querySelector('.harvest-ra-cue').closest('section').id")
    page.goto(url(site, uri, section))
    now = current(page)
    assert cue in now["text"] and "[withheld]" not in now["text"]
    box = page.locator(".harvest-ra-current .harvest-ra-cue")
    assert box.is_visible() and box.evaluate("e => getComputedStyle(e).fontStyle") == "normal"
    assert box.evaluate("e => getComputedStyle(e).borderTopStyle") == "dashed"
    if cue.endswith("."):
        assert box.evaluate("e => getComputedStyle(e).display") == "block"
    # Screen readers get the cue, not the bracketed mark.
    snapshot = page.locator(".harvest-ra-current").aria_snapshot()
    assert cue in snapshot and "[withheld]" not in snapshot
    assert canary not in page.content()
    page.keyboard.press("Escape")  # the page itself still says [withheld]
    assert page.is_visible(f"#{section} .harvest-withheld__mark") and not page.is_visible(f"#{section} .harvest-ra-cue")


def test_a_long_part_is_read_in_screens_that_fit(page, site):
    page.set_viewport_size({"width": 1440, "height": 900})
    page.goto(url(site, LONG))
    total = page.locator(".harvest-ra-section").count()
    assert total >= 2 + 1300 // 90  # title, ~16 screens of text, closing
    for number in range(1, total + 1):
        now = current(page)
        assert now["progress"] == f"{number} / {total}", number
        fit = page.evaluate("""() => {
            const stage = document.querySelector('.harvest-ra__stage');
            const p = document.querySelector('.harvest-ra-current p, .harvest-ra-current h2');
            return {fits: stage.scrollHeight <= stage.clientHeight + 2, size: parseFloat(getComputedStyle(p).fontSize)};
        }""")
        assert fit["fits"] and fit["size"] >= 36, (number, fit)
        page.keyboard.press("Space" if number % 2 else "ArrowRight")
    assert "harvest-ra-screen--closing" in current(page)["kind"]


@pytest.mark.parametrize("uri", [STORY, SESSION, LONG, WITHHELD])
def test_no_screen_scrolls_sideways_on_a_phone(browser, site, uri):
    context = browser.new_context(viewport=PHONE)
    try:
        tab = context.new_page()
        tab.goto(url(site, uri))
        total = tab.locator(".harvest-ra-section").count()
        kinds = set()
        for number in range(1, total + 1):
            wide = tab.evaluate("""() => {
                const stage = document.querySelector('.harvest-ra__stage');
                return [document.documentElement.scrollWidth, stage.scrollWidth - stage.clientWidth,
                        document.querySelector('.harvest-ra-current').className];
            }""")
            assert wide[0] <= PHONE["width"] and wide[1] <= 0, (uri, number, wide)
            kinds |= {kind for kind in ("title", "text", "closing") if f"harvest-ra-screen--{kind}" in wide[2]}
            tab.keyboard.press("ArrowRight")
        assert kinds == {"title", "text", "closing"}  # every kind of screen was looked at
    finally:
        context.close()


SCREENS = [
    (STORY, "read-aloud-1"),  # title
    (STORY, "read-aloud-4"),  # middle
    (STORY, "read-aloud-7"),  # closing
    (SESSION, "read-aloud-8"),  # a session's title screen, with its reader line
    (SESSION, "read-aloud-7"),  # a session's closing screen, with the next story
    (SESSION, "read-aloud-34"),  # the end of the session
    (WITHHELD, "read-aloud-3"),  # the withheld cue
]


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_no_serious_accessibility_violations_on_the_screens(browser, site, scheme):
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()
    context = browser.new_context(color_scheme=scheme, viewport={"width": 1440, "height": 900})
    try:
        tab = context.new_page()
        problems = []
        for uri, fragment in SCREENS:
            tab.goto(url(site, uri, fragment))
            assert tab.evaluate("document.querySelector('.harvest-ra-current').id") == fragment
            assert tab.evaluate("document.querySelector('.harvest-ra').classList.contains('harvest-ra--dark')") == (
                scheme == "dark"
            )
            for violation in axe.run(tab).response["violations"]:
                if violation["impact"] in SERIOUS:
                    problems.append(
                        f"{uri}#{fragment}: {violation['id']} ({violation['impact']}): "
                        f"{[n['target'] for n in violation['nodes']][:3]}"
                    )
        assert problems == []
    finally:
        context.close()
