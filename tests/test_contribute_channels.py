"""The "Contribute a story" page reaches someone (issue 17, part 2): e-mail, the forge's issue form,
a drop point, or a plain "no channel" message; a contributor's screen without tool jargon; and the
read-aloud view's closing QR screen when `harvest collect` serves the archive. Phone viewport."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest

from conftest import build, copy_project, run_harvest

PHONE = {"width": 390, "height": 844}
CHANNELS = (
    "      email: stories@example.org\n"
    "      issue_form: {type: github, repo: our-group/archive}\n"
    '      drop_point: "Hand it to the welcome desk"\n'
)


def configured(tmp_path_factory, name: str, options: str) -> Path:
    project = copy_project(tmp_path_factory.mktemp(name) / "archive")
    config = project / "mkdocs.yml"
    config.write_text(config.read_text("utf-8").replace("      # forge:", options + "      # forge:", 1), "utf-8")
    return project


@pytest.fixture(scope="module")
def channels_site(tmp_path_factory) -> Path:
    project = configured(tmp_path_factory, "channels", CHANNELS)
    build(project)
    return project


@pytest.fixture(scope="module")
def bare_site(tmp_path_factory) -> Path:
    project = configured(tmp_path_factory, "bare", "")
    build(project)
    return project


@pytest.fixture
def phone(browser):
    context = browser.new_context(viewport=PHONE, accept_downloads=True)
    outside = []
    context.on(
        "request",
        lambda r: (
            urlparse(r.url).scheme in ("http", "https")
            and urlparse(r.url).hostname not in ("127.0.0.1", "localhost")
            and outside.append(r.url)
        ),
    )
    context.route(
        lambda url: (
            urlparse(url).scheme in ("http", "https") and urlparse(url).hostname not in ("127.0.0.1", "localhost")
        ),
        lambda route: route.abort(),
    )
    tab = context.new_page()
    tab.outside = outside
    yield tab
    context.close()


def open_form(page, project: Path):
    page.goto((project / "site" / "contribute" / "index.html").as_uri())
    assert page.evaluate("typeof window.HarvestContribute") == "object"


def fill(page, answer="How many came.", visibility=None, contributors=None):
    page.fill("#hc-title", "Soup at nine")
    page.fill("#hc-date", "2026-03-14")
    page.select_option("#hc-event", "mutual-aid")
    page.fill("#hc-place", "Kestrel Row")
    page.check("input[name=lessons][value=logistics]")
    page.check("input[name=lessons][value=mutual-care]")
    page.fill("#hc-summary", "Neighbours brought more.")
    page.fill("#hc-answer-1", answer)
    page.fill("#hc-answer-3", "A second pot.")
    if visibility:
        page.check(f"input[name=visibility][value={visibility}]")
    if contributors is not None:
        page.fill("#hc-contributors", contributors)
    for box in page.query_selector_all("input[name=consent]"):
        box.check()


def story_id(text: str) -> str:
    return text.split('\nid: "', 1)[1].split('"\n', 1)[0]


# --- e-mail ------------------------------------------------------------------------------------


def test_email_link_carries_the_story_within_the_limit(phone, channels_site):
    open_form(phone, channels_site)
    fill(phone)
    text = phone.input_value("#hc-preview")
    href = phone.get_attribute("#hc-email", "href")
    assert href.startswith("mailto:stories@example.org?subject=") and len(href) <= 2000
    query = parse_qs(urlparse(href).query, strict_parsing=True)
    assert query["subject"] == ["Story: Soup at nine"]
    assert query["body"] == [text]
    assert 'title: "Soup at nine"\n' in text and "## What surprised us?\n\nHow many came.\n" in text
    assert phone.is_hidden("#hc-email-note")
    assert phone.outside == []


@pytest.mark.parametrize("answer", ["word " * 400, "é" * 700, "🌊 " * 500, "line\n" * 600])
def test_long_story_falls_back_to_the_downloaded_file(phone, channels_site, answer):
    open_form(phone, channels_site)
    fill(phone, answer=answer)
    text = phone.input_value("#hc-preview")
    name = story_id(text) + ".md"
    href = phone.get_attribute("#hc-email", "href")
    assert len(href) <= 2000
    assert parse_qs(urlparse(href).query)["body"] == [f"My story is attached: {name}"]
    note = phone.text_content("#hc-email-note")
    assert "too long to fit in an e-mail link" in note and name in note and phone.is_visible("#hc-email-note")
    with phone.expect_download() as download:  # the button itself hands over the file
        phone.evaluate("document.getElementById('hc-email').addEventListener('click', e => e.preventDefault())")
        phone.click("#hc-email")
    assert download.value.suggested_filename == name
    assert Path(download.value.path()).read_text("utf-8") == text


# --- the forge's issue form ----------------------------------------------------------------------


def test_issue_form_link_fills_the_fields(phone, channels_site):
    open_form(phone, channels_site)
    fill(phone, contributors="Spoke Collective")
    link = urlparse(phone.get_attribute("#hc-issue", "href"))
    assert (link.scheme, link.netloc, link.path) == ("https", "github.com", "/our-group/archive/issues/new")
    query = parse_qs(link.query, strict_parsing=True)
    assert query == {
        "template": ["story.yml"],
        "title": ["Story: Soup at nine"],
        "story-title": ["Soup at nine"],
        "date": ["2026-03-14"],
        "event": ["Mutual aid"],
        "place": ["Kestrel Row"],
        "lessons": ["Mutual care, Logistics"],
        "summary": ["Neighbours brought more."],
        "answer-surprised": ["How many came."],
        "answer-missing": ["A second pot."],
        "contributors": ["spoke-collective"],
    }
    assert phone.get_attribute("#hc-issue", "aria-disabled") == "false"


def test_issue_form_ids_are_the_ones_harvest_forms_writes(channels_site):
    import yaml

    run = run_harvest("forms", cwd=channels_site)
    assert run.returncode == 0, run.stdout + run.stderr
    form = yaml.safe_load((channels_site / ".github" / "ISSUE_TEMPLATE" / "story.yml").read_text("utf-8"))
    ids = {block["id"] for block in form["body"] if "id" in block}
    assert {
        "story-title",
        "date",
        "event",
        "place",
        "lessons",
        "summary",
        "answer-surprised",
        "answer-stepped-forward",
        "answer-missing",
        "contributors",
    } <= ids
    assert "title" not in ids  # `?title=` is the issue's own title


@pytest.mark.parametrize(
    "visibility, answer",
    [("members", "Plain."), ("private", "Plain."), ("public", "Ana [[redact members]]upstairs[[/redact]] came.")],
)
def test_public_issue_form_refuses_stories_not_for_everyone(phone, channels_site, visibility, answer):
    open_form(phone, channels_site)
    fill(phone, visibility=visibility, answer=answer)
    assert phone.get_attribute("#hc-issue", "href") == "#"
    assert phone.get_attribute("#hc-issue", "aria-disabled") == "true"
    assert "not for everyone" in phone.text_content("#hc-issue-note")
    assert "handing over the file in person is safer" in phone.text_content("#hc-email-note")


def test_drop_point_is_shown(phone, channels_site):
    open_form(phone, channels_site)
    assert (
        phone.text_content("#hc-drop-point").split()
        == "Download the file (below), then: Hand it to the welcome desk".split()
    )
    assert phone.query_selector("#hc-no-channel") is None


# --- no channel -----------------------------------------------------------------------------------


def test_without_a_channel_the_page_says_so(phone, bare_site):
    open_form(phone, bare_site)
    assert "has not set up a way to receive stories from this page" in phone.text_content("#hc-no-channel")
    for missing in ("#hc-email", "#hc-issue", "#hc-propose", "#hc-drop-point"):
        assert phone.query_selector(missing) is None


# --- a contributor's screen -----------------------------------------------------------------------


@pytest.mark.parametrize("site", ["channels_site", "bare_site"])
def test_no_tool_jargon_and_the_file_is_folded_away(phone, request, site):
    project = request.getfixturevalue(site)
    open_form(phone, project)
    fill(phone)
    shown = phone.inner_text("article")
    for jargon in ("[[redact", "story.md", "harvest intake", "harvest new", "YAML", "front matter"):
        assert jargon not in shown, jargon
    assert phone.is_hidden("#hc-preview") and phone.get_attribute("#hc-file", "open") is None
    phone.click("#hc-file summary")
    assert phone.is_visible("#hc-preview") and phone.input_value("#hc-preview").startswith("---\nid: ")


def test_date_hint_matches_the_date_control_and_the_note_is_not_a_warning(phone, channels_site):
    open_form(phone, channels_site)
    assert phone.get_attribute("#hc-date", "type") == "date"
    hint = phone.text_content("#hc-date-help")
    assert "choose the day" in hint and "YYYY" not in hint
    promise = phone.eval_on_selector(".harvest-promise", "n => getComputedStyle(n).borderLeftColor")
    assert promise == "rgb(46, 125, 50)"  # Material's green primary (#2e7d32), not the deep-orange accent or red


@pytest.mark.parametrize(
    "answer, start, end, expected",
    [
        (
            "Ana from the third floor brought the pot.",
            4,
            24,
            "Ana [[redact members]]from the third floor[[/redact]] brought the pot.",
        ),
        (
            "Ana from the third floor brought the pot.",
            3,
            25,
            "Ana [[redact members]]from the third floor[[/redact]] brought the pot.",
        ),
        ("First.\n\nSecond, secret.", 0, 24, "[[redact members]]First.\n\nSecond, secret.[[/redact]]"),
        ("Keys under the mat", 0, 18, "[[redact members]]Keys under the mat[[/redact]]"),
    ],
)
def test_mark_a_passage_for_members_only(phone, channels_site, answer, start, end, expected):
    open_form(phone, channels_site)
    fill(phone, answer=answer)
    phone.eval_on_selector("#hc-answer-1", f"n => n.setSelectionRange({start}, {end})")
    phone.click("#hc-answer-1 ~ .harvest-marks button[data-level=members]")
    assert phone.input_value("#hc-answer-1") == expected
    assert "[withheld]" in phone.text_content("#hc-mark-status")
    assert expected in phone.input_value("#hc-preview")
    assert phone.get_attribute("#hc-issue", "href") == "#"  # now holds a passage back


@pytest.mark.parametrize(
    "answer, start, end", [("Nothing selected", 3, 3), ("   ", 0, 3), ("a [[redact members]]b[[/redact]] c", 0, 10)]
)
def test_mark_needs_a_fresh_selection(phone, channels_site, answer, start, end):
    open_form(phone, channels_site)
    fill(phone, answer=answer)
    phone.eval_on_selector("#hc-answer-1", f"n => n.setSelectionRange({start}, {end})")
    phone.click("#hc-answer-1 ~ .harvest-marks button[data-level=members]")
    assert phone.input_value("#hc-answer-1") == answer
    assert "First select the words" in phone.text_content("#hc-mark-status")


def test_marked_download_passes_harvest_check(phone, channels_site, project):
    open_form(phone, channels_site)
    fill(phone, answer="Ana from the third floor brought the pot.", contributors="spoke collective")
    phone.eval_on_selector("#hc-answer-1", "n => n.setSelectionRange(4, 24)")
    phone.click("#hc-answer-1 ~ .harvest-marks button[data-level=members]")
    with phone.expect_download() as download:
        phone.click("#hc-download")
    target = project / "stories" / "2026" / download.value.suggested_filename
    target.write_bytes(Path(download.value.path()).read_bytes())
    result = run_harvest("check", "--strict", cwd=project)
    assert result.returncode == 0, result.stdout + result.stderr
    site = build(project)
    page = (site / "2026" / target.stem / "index.html").read_text("utf-8")
    assert "third floor" not in page and "[withheld]" in page and "Spoke Collective" in page


# --- pseudonyms -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed, handles, recognised",
    [
        ("spoke collective", ["spoke-collective"], "Spoke Collective"),
        ("  SPOKE   Collective ", ["spoke-collective"], "Spoke Collective"),
        ("Spoke-Collective, priya", ["spoke-collective", "priya"], "Spoke Collective"),
        ("night moth; Spoke Collective", ["night-moth", "spoke-collective"], "Night Moth, Spoke Collective"),
        ("Night.Moth", ["night-moth"], "Night Moth"),
        ("spoke collectiv", ["spoke-collectiv"], None),  # not a registered pseudonym: kept as typed
    ],
)
def test_registered_pseudonym_is_recognised(phone, channels_site, typed, handles, recognised):
    open_form(phone, channels_site)
    fill(phone, contributors=typed)
    text = phone.input_value("#hc-preview")
    assert "contributors: [" + ", ".join(f'"{h}"' for h in handles) + "]\n" in text
    note = phone.text_content("#hc-contributors-note")
    assert (f"Recognised: {recognised}" in note) if recognised else note == ""


def test_page_lists_pseudonyms_only_never_handles_or_names(channels_site):
    html = (channels_site / "site" / "contribute" / "index.html").read_text("utf-8")
    assert '"label": "Spoke Collective"' in html and '"label": "Night Moth"' in html
    for secret in (
        "bike-1",
        "bike-2",
        '"moth"',
        "Kit Alder",
        "Nuno Sequeira",
        "Imogen Faraday",
        "Petra Vance",
        "Callum Reyes",
        "willow",
    ):
        assert secret not in html, secret


def test_pseudonym_only_withheld_stories_use_is_not_listed(tmp_path):
    project = copy_project(tmp_path / "archive")
    registry = project / "stories" / "contributors.yml"
    registry.write_text(
        registry.read_text("utf-8") + "owl:\n  name: Ada Quill\n  credit: pseudonym\n  pseudonym: Barn Owl\n", "utf-8"
    )
    story = next((project / "stories" / "2026").glob("*.md"))
    text = story.read_text("utf-8")
    private = story.with_name("zz-private.md")
    private.write_text(
        text.replace("\nid: ", "\nid: zz-", 1)
        .replace("contributors: [", "contributors: [owl, ", 1)
        .replace("---\n\n", "visibility: private\n---\n\n", 1),
        "utf-8",
    )
    site = build(project)
    html = (site / "contribute" / "index.html").read_text("utf-8")
    assert "Barn Owl" not in html and "Ada Quill" not in html and "Spoke Collective" in html


def test_pseudonym_that_is_someone_elses_handle_is_refused(project):
    registry = project / "stories" / "contributors.yml"
    registry.write_text(
        registry.read_text("utf-8") + "p2:\n  name: Someone\n  credit: pseudonym\n  pseudonym: Priya\n", "utf-8"
    )
    result = run_harvest("check", cwd=project)
    assert result.returncode == 1
    assert "p2.pseudonym: pseudonym 'Priya' reads as the handle 'priya' of another entry" in result.stdout


# --- configuration errors ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "options, message",
    [
        ("      email: not-an-address\n", "email: 'not-an-address' is not a plain e-mail address"),
        ('      email: "a@example.org, b@example.org"\n', "is not a plain e-mail address"),
        ('      email: "Desk <desk@example.org>"\n', "is not a plain e-mail address"),
        ('      email: "desk@example.org?cc=x@evil.org"\n', "is not a plain e-mail address"),
        ("      email: [desk@example.org]\n", "email"),
        ("      emial: desk@example.org\n", "emial"),
        ("      issue_form: {type: github, repos: a/b}\n", "repos"),
        ("      issue_form: {type: github, repo: a/b, tempalte: story.yml}\n", "tempalte"),
        ("      issue_form: {type: gitlab, repo: a/b}\n", "issue_form: type"),
        ("      issue_form: {type: forgejo, repo: a/b}\n", "issue_form: `url` is needed for Forgejo"),
        ('      issue_form: {type: github, repo: a/b, url: "javascript:alert(1)"}\n', "issue_form"),
        (
            '      issue_form: {type: github, repo: a/b, url: "http://github.com"}\n',
            "issue_form: url 'http://github.com'",
        ),
        ("      issue_form: {type: github, repo: a/b/c}\n", "issue_form: repo 'a/b/c' should be owner/name"),
        ("      issue_form: {type: github, repo: a/b, template: ../x.yml}\n", "issue_form: template '../x.yml'"),
        ("      issue_form: yes\n", "issue_form"),
        ('      drop_point: "   "\n', "drop_point: empty"),
        ('      drop_point: "' + "x" * 301 + '"\n', "drop_point: 301 characters"),
        ("      forge: {type: github, repo: a/b, brnach: main}\n", "brnach"),
    ],
)
@pytest.mark.parametrize("strict", [True, False])
def test_bad_channel_options_stop_the_build(tmp_path, options, message, strict):
    project = copy_project(tmp_path / "archive", stories=True)
    config = project / "mkdocs.yml"
    text = config.read_text("utf-8").replace("      # forge:", options + "      # forge:", 1)
    config.write_text(text if strict else text.replace("strict: true", "strict: false"), "utf-8")
    result = run_harvest("build", cwd=project)
    assert result.returncode == 1, result.stdout
    assert message in result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    assert not (project / "site" / "contribute").exists()


# --- the read-aloud closing screen at a collection point ----------------------------------------------


def test_read_aloud_ends_with_the_qr_code_when_served_by_collect(browser, tmp_path):
    pytest.importorskip("starlette")
    from collect_helpers import start_collect

    project = copy_project(tmp_path / "archive")
    site = build(project)
    story = next(p for p in (site / "2026").iterdir() if (p / "index.html").is_file())
    static = (story / "index.html").read_text("utf-8")
    assert "harvest-collect-join" not in static and "Tell your story" not in static  # the built site is unchanged
    server = start_collect(project, site)
    try:
        context = browser.new_context(viewport=PHONE)
        page = context.new_page()
        outside = []
        page.on("request", lambda r: urlparse(r.url).hostname not in ("127.0.0.1",) and outside.append(r.url))
        page.goto(f"{server.url}/2026/{story.name}/#read-aloud")
        page.wait_for_selector(".harvest-ra")
        assert not page.is_visible(".harvest-ra-join h2")
        page.keyboard.press("End")  # the closing screen: thanks, then how to tell one's own story
        assert page.text_content(".harvest-ra-current h2") == "Thank you"
        assert page.text_content(".harvest-ra-current h3") == "Tell your story: scan this"
        assert page.is_visible(".harvest-ra-current svg")
        assert page.text_content(".harvest-ra-current .harvest-ra-join-url") == f"{server.url}/contribute/"
        total = page.locator(".harvest-ra-section").count()
        assert page.text_content(".harvest-ra__progress") == f"{total} / {total}"
        page.keyboard.press("Escape")
        assert page.is_hidden(".harvest-ra-join")  # back on the page: no QR code in the story
        # A reading session: the code once, at the end of the session, not after every story.
        page.goto(f"{server.url}/readings/2026-12-assembly/#read-aloud-7")
        assert page.text_content(".harvest-ra-current h2") == "Thank you"
        assert not page.is_visible(".harvest-ra-current svg")
        page.keyboard.press("End")
        assert page.text_content(".harvest-ra-current h3") == "Tell your story: scan this"
        assert page.locator(".harvest-ra-join").count() == 1
        assert outside == []
        context.close()
    finally:
        server.stop()
    assert "harvest-collect-join" not in (story / "index.html").read_text("utf-8")
