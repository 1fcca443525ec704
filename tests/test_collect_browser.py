"""The collection form in Chromium at a phone's size (390×844), with JavaScript on and off:
fill it, send it, see the receipt; a bad story shows its errors and keeps the text."""

from __future__ import annotations

import re

import pytest

from collect_helpers import start_collect
from conftest import run_harvest

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def server(project, sample_site):
    collecting = start_collect(project, sample_site, "--per-minute", "1000")
    yield collecting
    log = collecting.stop()
    assert "Traceback" not in log, log


def _fill(tab, answer: str) -> None:
    tab.fill("#title", "Soup for the night shift")
    tab.fill("#date", "2026-03-02")
    tab.select_option("#event", "assembly")
    tab.fill("#place", "Saltwick Yards")
    tab.check("input[name=lessons][value=mutual-care]")
    tab.fill("#summary", "A pot of soup kept the assembly going past midnight.")
    tab.fill("#answer-surprised", answer)
    for box in tab.locator("input[name=consent]").all():
        box.check()


@pytest.mark.parametrize("javascript", [True, False])
def test_a_phone_sends_a_story_and_sees_its_receipt(browser, server, javascript):
    context = browser.new_context(java_script_enabled=javascript, viewport=PHONE)
    outside = []
    context.on("request", lambda r: outside.append(r.url) if not r.url.startswith(server.url) else None)
    tab = context.new_page()
    try:
        tab.goto(server.url + "/contribute/")
        # Fits the phone: nothing wider than the screen.
        assert tab.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        _fill(tab, "")  # no prompt answered: the server refuses it
        tab.click("#hc-send")
        tab.wait_for_selector("#err-answers")
        assert "No prompt is answered" in tab.inner_text("#err-answers")
        assert tab.input_value("#title") == "Soup for the night shift"
        assert tab.input_value("#summary") == "A pot of soup kept the assembly going past midnight."
        assert tab.is_checked("input[name=lessons][value=mutual-care]")
        assert tab.input_value("#event") == "assembly" and tab.input_value("#date") == "2026-03-02"
        assert server.stories() == []
        tab.fill("#answer-surprised", "Everyone stayed.")
        tab.fill("#answer-missing", "Bowls. We had forty people & twelve bowls <honestly>.")
        for box in tab.locator("input[name=consent]").all():
            box.check()
        tab.click("#hc-send")
        tab.wait_for_selector("#hc-code")
        code = tab.inner_text("#hc-code")
        assert re.fullmatch(r"[0-9A-Z]{4}-[0-9A-Z]{4}", code)
        assert tab.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    finally:
        context.close()
    [story] = server.stories()
    text = story.read_text("utf-8")
    assert 'title: "Soup for the night shift"' in text and "contributors: []" in text
    assert "## What surprised us?\n\nEveryone stayed." in text
    assert "Bowls. We had forty people & twelve bowls <honestly>." in text
    assert run_harvest("check", cwd=server.project).returncode == 0
    assert code in run_harvest("inbox", "list", cwd=server.project).stdout
    assert outside == []
