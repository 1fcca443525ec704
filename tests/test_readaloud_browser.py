"""The read-aloud view in a real browser, from file:// (the offline copy), in both URL styles."""

from __future__ import annotations

import re

import pytest

from conftest import build, copy_project

STORY = "2026/flood-drill"  # 7 screens: title, the opening in two, 3 answers, closing
SESSION = "readings/2026-12-assembly"
SERIOUS = ("serious", "critical")


@pytest.fixture(scope="session")
def flat_site(tmp_path_factory):
    """The sample archive built with use_directory_urls: false (pages are name.html)."""
    project = copy_project(tmp_path_factory.mktemp("flat") / "archive")
    (project / "mkdocs-flat.yml").write_text((project / "mkdocs.yml").read_text() + "\nuse_directory_urls: false\n")
    build(project, "-f", "mkdocs-flat.yml")
    return project / "site"


@pytest.fixture(params=["directory-urls", "flat-urls"])
def site_url(request, sample_site):
    """-> function(page) giving the file:// URL of a page in one of the two builds."""
    if request.param == "flat-urls":
        site = request.getfixturevalue("flat_site")
        return lambda uri: (site / f"{uri}.html").as_uri() if uri else (site / "index.html").as_uri()
    return lambda uri: (sample_site / uri / "index.html").as_uri()


@pytest.fixture
def errors(page):
    """Script errors from readaloud.js (Material's search index is not ours to judge here)."""
    found = []
    page.on("pageerror", lambda error: found.append(str(error.stack or error)))
    yield found
    assert not [e for e in found if "readaloud" in e], found


def state(page) -> dict:
    return page.evaluate("""() => {
        const view = document.querySelector('.harvest-ra');
        const current = document.querySelector('.harvest-ra-current');
        const title = document.querySelector('.harvest-ra__title');
        return {open: !!(view && view.isConnected), hash: location.hash, current: current ? current.id : null,
                progress: view ? view.querySelector('.harvest-ra__progress').textContent : null,
                time: view ? view.querySelector('.harvest-ra__time').textContent : null,
                title: title ? title.textContent : null, titleLang: title ? title.lang : null,
                context: view ? view.querySelector('.harvest-ra__context').textContent : null,
                focus: document.activeElement && document.activeElement.className};
    }""")


def tab_to(page, css_class: str, limit: int = 80) -> None:
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(f"document.activeElement.classList.contains('{css_class}')"):
            return
    pytest.fail(f"the keyboard never reached .{css_class}")


def test_story_read_aloud_with_the_keyboard(page, site_url, errors):
    page.goto(site_url(STORY))
    assert not state(page)["open"]
    tab_to(page, "harvest-ra-start")  # reachable by keyboard
    page.keyboard.press("Enter")
    now = state(page)
    assert now["open"] and now["hash"] == "#read-aloud" and now["current"] == "read-aloud-1"
    assert now["progress"] == "1 / 7" and now["title"] == "The night the flood drill went sideways"
    assert page.is_visible("#read-aloud-1 h2.harvest-ra-heading") and not page.is_visible("#read-aloud-2")
    steps = [
        ("PageDown", 2),
        ("ArrowRight", 3),
        ("Space", 4),
        ("Space", 5),
        ("ArrowLeft", 4),
        ("PageUp", 3),
        ("ArrowDown", 4),
        ("ArrowUp", 3),
        ("Home", 1),
        ("End", 7),
        ("End", 7),
        ("ArrowLeft", 6),
    ]
    for key, part in steps:
        page.keyboard.press(key)
        now = state(page)
        assert (now["current"], now["hash"], now["progress"]) == (
            f"read-aloud-{part}",
            f"#read-aloud-{part}",
            f"{part} / 7",
        ), key
    time = page.get_attribute("#read-aloud-6", "data-ra-time")
    assert state(page)["time"] == f"This part about {time} · {time} left"
    page.keyboard.press("ArrowLeft")
    page.reload()  # the hash keeps the place
    now = state(page)
    assert now["open"] and now["current"] == "read-aloud-5" and now["progress"] == "5 / 7"
    page.keyboard.press("Escape")
    now = state(page)
    assert not now["open"] and now["hash"] == "" and "harvest-ra-start" in now["focus"]
    assert page.is_visible("#read-aloud-2")  # the page is whole again
    assert page.request_log.outside == []


def test_taps_buttons_and_theme_shortcuts_do_not_leak(page, site_url, errors):
    page.goto(site_url(STORY) + "#read-aloud-2")
    assert state(page)["current"] == "read-aloud-2"
    box = page.locator(".harvest-ra__stage").bounding_box()
    page.mouse.click(box["x"] + box["width"] * 0.8, box["y"] + box["height"] * 0.5)
    assert state(page)["current"] == "read-aloud-3"
    page.mouse.click(box["x"] + box["width"] * 0.2, box["y"] + box["height"] * 0.5)
    page.mouse.click(box["x"] + box["width"] * 0.2, box["y"] + box["height"] * 0.5)
    assert state(page)["current"] == "read-aloud-1"
    page.click(".harvest-ra__next")
    assert state(page)["current"] == "read-aloud-2"
    page.click(".harvest-ra__theme")
    assert page.evaluate("document.querySelector('.harvest-ra').classList.contains('harvest-ra--dark')")
    page.keyboard.press("f")  # full screen, not Material's search shortcut
    assert page.evaluate("document.activeElement.closest('.harvest-ra') !== null")
    assert state(page)["current"] == "read-aloud-2"
    page.click(".harvest-ra__close")
    assert not state(page)["open"] and state(page)["hash"] == ""
    assert page.request_log.outside == []


def test_type_is_very_large(page, site_url):
    page.set_viewport_size({"width": 1280, "height": 720})  # a projector
    page.goto(site_url(STORY) + "#read-aloud-2")
    size = page.evaluate("parseFloat(getComputedStyle(document.querySelector('#read-aloud-2 p')).fontSize)")
    assert size >= 36
    fits = page.evaluate(
        "(() => { const s = document.querySelector('.harvest-ra__stage');"
        " return s.scrollHeight <= s.clientHeight + 2; })()"
    )
    assert fits


def test_a_session_moves_on_to_the_next_story(page, site_url, errors):
    page.goto(site_url(SESSION))
    page.click("text=Start reading aloud")
    now = state(page)
    assert now["open"] and now["current"] == "read-aloud-1"
    assert now["context"] == "Story 1 of 5 · read by Priya Dandekar"
    for _ in range(7):  # story 1's seven screens, its closing screen the last
        page.keyboard.press("ArrowRight")
    now = state(page)
    assert now["hash"] == "#read-aloud-8" and now["progress"] == "1 / 7"
    assert now["title"] == "Keeping the pantry freezers alive through the blackout"
    assert now["context"] == "Story 2 of 5 · read by Marisol Ibarra"
    assert page.is_visible("#story-2")
    page.keyboard.press("ArrowLeft")
    assert state(page)["title"] == "The night the flood drill went sideways"
    page.keyboard.press("Escape")
    page.click("text=Read from story 4")  # start part-way through, e.g. after a break
    now = state(page)
    assert now["hash"] == "#read-aloud-22" and now["title"] == "La fiesta de la plaza que casi no fue"
    assert now["titleLang"] == "es"
    assert page.evaluate("document.querySelector('#read-aloud-22').closest('[lang]').lang") == "es"
    page.keyboard.press("End")
    assert state(page)["context"].startswith("Story 5 of 5")
    page.reload()
    assert state(page)["context"].startswith("Story 5 of 5")
    assert page.request_log.outside == []


def test_without_javascript_the_whole_story_in_large_type(browser, sample_site):
    context = browser.new_context(java_script_enabled=False)
    try:
        tab = context.new_page()
        tab.goto((sample_site / STORY / "index.html").as_uri())
        normal = tab.evaluate("parseFloat(getComputedStyle(document.querySelector('#read-aloud-2 p')).fontSize)")
        tab.click(".harvest-ra-start")
        assert tab.url.endswith("#read-aloud")
        large = tab.evaluate("parseFloat(getComputedStyle(document.querySelector('#read-aloud-2 p')).fontSize)")
        assert large >= 28 and large > normal * 1.5
        for part in range(1, 8):
            assert tab.is_visible(f"#read-aloud-{part}")
        assert tab.is_visible("#read-aloud-1 h2.harvest-ra-heading")
    finally:
        context.close()


def test_print_handout_one_story_per_page(page, sample_site):
    page.goto((sample_site / SESSION / "index.html").as_uri())
    page.emulate_media(media="print")
    assert not page.is_visible(".md-header") and not page.is_visible(".md-sidebar--primary")
    assert not page.is_visible(".harvest-ra-launch")
    breaks = page.evaluate(
        "[...document.querySelectorAll('.harvest-session-story')].map(e => getComputedStyle(e).breakBefore)"
    )
    assert breaks == ["page"] * 5
    assert page.evaluate("parseFloat(getComputedStyle(document.querySelector('#read-aloud-2 p')).fontSize)") >= 19
    pdf = page.pdf(format="A4")
    pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf))
    assert pages >= 6  # the running order, then each of the five stories on its own page(s)


PAGES = [STORY, STORY + "#read-aloud-2", SESSION, SESSION + "#read-aloud-5", "readings", "lessons", ""]


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_no_serious_accessibility_violations(browser, sample_site, scheme):
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()
    context = browser.new_context(color_scheme=scheme)
    try:
        tab = context.new_page()
        problems = []
        for uri in PAGES:
            path, _, fragment = uri.partition("#")
            tab.goto((sample_site / path / "index.html").as_uri() + (f"#{fragment}" if fragment else ""))
            if fragment:
                assert tab.is_visible(".harvest-ra"), uri
            for violation in axe.run(tab).response["violations"]:
                if violation["impact"] in SERIOUS:
                    problems.append(
                        f"{uri or 'home'}: {violation['id']} ({violation['impact']}): "
                        f"{[n['target'] for n in violation['nodes']][:3]}"
                    )
        assert problems == []
    finally:
        context.close()
