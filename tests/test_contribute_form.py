"""The "Contribute a story" page in a real headless Chromium, opened from file:// as from the offline zip."""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest

from conftest import build, copy_project, run_harvest
from harvest.core.parse import read_story
from harvest.core.storyfile import dump_story
from harvest.core.text import slugify
from harvest.intake.compose import clean_line, clean_text, compose_body, is_blank, to_handle
from harvest.site.project import settings_from_file

GITHUB = "      forge: {type: github, repo: our-group/archive, branch: main}\n"
FORGEJO = (
    '      forge: {type: forgejo, url: "https://codeberg.org/", repo: our-group/archive, '
    "branch: stories/inbox, path: archive/stories/_inbox}\n"
)


def site_with(tmp_path_factory, name: str, forge: str, extra: str = "") -> Path:
    project = copy_project(tmp_path_factory.mktemp(name) / "archive")
    config = project / "mkdocs.yml"
    text = config.read_text("utf-8").replace("      # forge:", forge + "      # forge:", 1)
    config.write_text(text + extra, "utf-8")
    build(project)
    return project


@pytest.fixture(scope="module")
def github_site(tmp_path_factory) -> Path:
    return site_with(tmp_path_factory, "github", GITHUB)


@pytest.fixture(scope="module")
def forgejo_zip_site(tmp_path_factory) -> Path:
    """Forgejo, and file names as in the offline zip (use_directory_urls: false)."""
    return site_with(tmp_path_factory, "forgejo", FORGEJO, "use_directory_urls: false\n")


def open_form(page, project: Path):
    errors = []
    # Material's search cannot load its index from file:// (a known limit of its own): not ours
    page.on("pageerror", lambda error: "search_index" in str(error) or errors.append(str(error)))
    page.goto((project / "site" / "contribute" / "index.html").as_uri())
    assert page.evaluate("typeof window.HarvestContribute") == "object", errors
    page.errors = errors
    return page


def fill(page, title="Night of the long queue: yes", visibility=None, contributors=None, answer=None):
    page.fill("#hc-title", title)
    page.fill("#hc-date", "2026-03-14")
    page.select_option("#hc-event", "mutual-aid")
    page.fill("#hc-place", "Kestrel Row")
    page.check("input[name=lessons][value=logistics]")
    page.check("input[name=lessons][value=mutual-care]")
    page.fill("#hc-summary", "The soup ran out at nine and neighbours brought more.")
    page.fill(
        "#hc-answer-1", answer or "How many came.\n\n## A heading we did not mean\nThe queue went round the block."
    )
    page.fill("#hc-answer-3", "A second pot.")
    if visibility:
        page.check(f"input[name=visibility][value={visibility}]")
    if contributors:
        page.fill("#hc-contributors", contributors)
    for box in page.query_selector_all("input[name=consent]"):
        box.check()


def test_page_is_listed_and_promises_nothing_is_sent(github_site):
    home = (github_site / "site" / "index.html").read_text("utf-8")
    assert 'href="contribute/"' in home  # a nav entry
    html = (github_site / "site" / "contribute" / "index.html").read_text("utf-8")
    assert "Nothing you type here is sent anywhere by this page" in html and "works offline" in html
    assert "You can stay anonymous" in html
    for lesson in ("Mutual care", "Moving people, food, kit and fuel"):  # titles and descriptions
        assert lesson in html
    for prompt in ("What surprised us?", "Who stepped forward?", "What resource was missing?"):
        assert prompt in html
    assert 'value="crisis-sim">Crisis simulation' in html
    assert "harvest-contribute" not in (github_site / "site" / "index.html").read_text("utf-8")


def test_download_is_a_story_harvest_check_accepts(page, github_site, project):
    open_form(page, github_site)
    fill(page)
    preview = page.input_value("#hc-preview")
    with page.expect_download() as download:
        page.click("#hc-download")
    name = download.value.suggested_filename
    text = Path(download.value.path()).read_text("utf-8")
    assert text == preview and name.startswith("2026-03-night-of-the-long-queue-yes-") and name.endswith(".md")
    tail = name.removeprefix("2026-03-night-of-the-long-queue-yes-").removesuffix(".md")
    assert len(tail) == 4 and text == (  # the form `harvest new` writes: JSON-quoted values, a plain date
        f'---\nid: "2026-03-night-of-the-long-queue-yes-{tail}"\ntitle: "Night of the long queue: yes"\n'
        'date: 2026-03-14\nevent: "mutual-aid"\nplace: "Kestrel Row"\ncontributors: []\n'
        'lessons: ["mutual-care", "logistics"]\nsummary: "The soup ran out at nine and neighbours brought more."\n'
        'visibility: "public"\n---\n\n## What surprised us?\n\nHow many came.\n\n### A heading we did not mean\n'
        "The queue went round the block.\n\n## What resource was missing?\n\nA second pot.\n"
    )
    assert "Nothing was sent anywhere" in page.text_content("#hc-status")
    assert page.request_log.outside == [] and page.errors == []

    (project / "evil").mkdir()
    (project / "evil" / "..CON.md").write_text(text, "utf-8")  # whatever the maintainer received it as
    intake = run_harvest("intake", "evil/..CON.md", cwd=project)
    assert intake.returncode == 0, intake.stdout
    assert (project / "stories" / "_inbox" / name).read_text("utf-8") == text  # kept byte for byte

    target = project / "stories" / "2026" / name
    (project / "stories" / "_inbox" / name).rename(target)
    result = run_harvest("check", "--strict", cwd=project)
    assert result.returncode == 0, result.stdout
    raw, _ = read_story(target, name, 1_000_000)
    assert raw.meta["contributors"] == [] and raw.meta["visibility"] == "public"  # anonymous by default
    assert raw.meta["title"] == "Night of the long queue: yes" and raw.meta["lessons"] == ["mutual-care", "logistics"]
    assert "### A heading we did not mean" in raw.body  # could not start a new prompt section
    site = build(project)
    assert "Night of the long queue: yes" in (site / "2026" / name.removesuffix(".md") / "index.html").read_text(
        "utf-8"
    )


def test_pull_request_link_carries_file_name_and_content(page, github_site):
    open_form(page, github_site)
    fill(page, contributors="Night Moth, priya")
    text = page.input_value("#hc-preview")
    assert 'contributors: ["night-moth", "priya"]\n' in text
    link = urlparse(page.get_attribute("#hc-propose", "href"))
    query = parse_qs(link.query, strict_parsing=True)
    assert (link.scheme, link.netloc, link.path) == ("https", "github.com", "/our-group/archive/new/main")
    story_id = text.split('\nid: "', 1)[1].split('"\n', 1)[0]
    assert query["filename"] == [f"stories/_inbox/{story_id}.md"]
    assert query["value"] == [text]
    assert page.get_attribute("#hc-propose", "aria-disabled") == "false"
    assert page.request_log.outside == []


def test_no_pull_request_for_stories_not_meant_for_everyone(page, github_site):
    open_form(page, github_site)
    fill(page, visibility="members")
    assert page.get_attribute("#hc-propose", "href") == "#"
    assert page.get_attribute("#hc-propose", "aria-disabled") == "true"
    assert "not for everyone" in page.text_content("#hc-propose-note")
    page.check("input[name=visibility][value=public]")
    page.fill("#hc-answer-2", "Ana [[redact]]from the third floor[[/redact]] brought the pot.")
    assert page.get_attribute("#hc-propose", "href") == "#"
    page.fill("#hc-answer-2", "Ana brought the pot.")
    assert page.get_attribute("#hc-propose", "href").startswith("https://github.com/")
    assert page.request_log.outside == []


def test_mistakes_are_listed_and_nothing_is_downloaded(page, github_site):
    open_form(page, github_site)
    downloads = []
    page.on("download", lambda download: downloads.append(download))
    page.fill("#hc-date", "")
    page.click("#hc-download")
    problems = page.text_content("#hc-problems")
    for expected in (
        "Title: missing",
        "Date: give a real date",
        "Kind of event: choose one",
        "Lessons: choose at least one",
        "Answer at least one of the questions",
        "Please confirm",
    ):
        assert expected in problems
    assert page.evaluate("document.activeElement.id") == "hc-title"
    fill(page, contributors="Имя")
    page.click("#hc-download")
    assert "cannot be used as a handle" in page.text_content("#hc-problems") and downloads == []


def test_forgejo_link_and_offline_file_names(page, forgejo_zip_site):
    site = forgejo_zip_site / "site"
    assert 'href="contribute/index.html"' in (site / "index.html").read_text("utf-8")
    open_form(page, forgejo_zip_site)
    fill(page)
    text = page.input_value("#hc-preview")
    link = urlparse(page.get_attribute("#hc-propose", "href"))
    assert (link.netloc, link.path) == ("codeberg.org", "/our-group/archive/_new/stories/inbox")
    query = parse_qs(link.query)
    story_id = text.split('\nid: "', 1)[1].split('"\n', 1)[0]
    assert query["filename"] == [f"archive/stories/_inbox/{story_id}.md"] and query["value"] == [text]
    with page.expect_download() as download:
        page.click("#hc-download")
    assert Path(download.value.path()).read_text("utf-8") == text
    assert page.request_log.outside == [] and page.errors == []


def test_long_story_gets_the_upload_page_instead_of_a_link(page, github_site):
    open_form(page, github_site)
    fill(page, answer="word " * 3000)
    assert page.get_attribute("#hc-propose", "href") == "#"
    assert "https://github.com/our-group/archive/upload/main/stories/_inbox" in page.text_content("#hc-propose-note")


# --- the page's JavaScript writes exactly what the Python side writes ---------------------------

TRICKY = [
    "yes",
    "No",
    "null",
    "~",
    "123",
    "0x1F",
    "0o17",
    "017",
    "1_000",
    "1.5",
    ".inf",
    "-.5",
    "2026-03-14",
    "2026-3-4 10:00:00",
    "12:30",
    "190:20:30",
    "a: b",
    "a:b",
    "a:",
    ":a",
    "#hash",
    "a #b",
    "a#b",
    "- dash",
    "-dash",
    "? q",
    "?q",
    "'quoted'",
    '"dq"',
    "it's",
    "[x]",
    "x]",
    "{y}",
    "a, b",
    "@at",
    "`tick",
    "%pct",
    "!bang",
    "&amp",
    "*star",
    "|pipe",
    ">gt",
    "---",
    "...",
    "--- x",
    "...x",
    "<<",
    "=",
    "é ü",
    "emoji 🌊 x",
    "true story",
    "on",
    "Off",
    "NULL",
    "=x",
    "a ? b",
    "a ?b",
    "a - b",
    "x: 'y'",
    "tab:end",
]

JSON_TRICKY = [
    "a\\b",
    'q"q',
    "\x7f",
    "\x85",
    "\x9f",
    "\u2028",
    "\u2029",
    "\ufeff",
    "\ufffe",
    "\uffff",
    "\x00\x01\x1f",
    "\t",
    "\n",
    "\r",
    "\b\f",
    "/",
    "</script>",
    "é🌊\U0010fffd",
    "\u00a0\u3000",
]


def _fuzz(seed: int, count: int) -> list[str]:
    rng = random.Random(seed)
    alphabet = [*"abcdefghij  XYZ0123456789'\":#-?,[]{}&*!|>%@`.=~_/\\", "é", "ß", "🌊", "字", "\t", "\u00a0"]
    out = []
    for _ in range(count):
        size = rng.choice([1, 2, 3, 5, 8, 20, 60, 95, 99, 100, 101, 140, 230])
        out.append("".join(rng.choice(alphabet) for _ in range(size)))
    long_words = [" ".join("w" * rng.randint(1, 12) for _ in range(rng.randint(10, 40))) for _ in range(30)]
    return out + long_words


def test_js_front_matter_is_byte_for_byte_dump_story(page, github_site):
    open_form(page, github_site)
    strings = [s for s in (clean_line(v) for v in TRICKY + _fuzz(7, 400)) if s]
    lists = [
        ["yes", "123", "2026-01-01", "1.5", "a_b", "x.y"],
        [f"lesson-{n}" for n in range(30)],
        [],
        ["abcdefghij" * 6, "k" * 50, "m" * 10],
    ]
    cases = []
    for n, text in enumerate(strings):
        meta = {
            "id": f"2026-03-case-{n}",
            "title": text,
            "date": "2026-03-14",
            "event": strings[-n - 1],
            "place": clean_line(text[:120]),
            "contributors": lists[n % len(lists)],
            "lessons": lists[(n + 1) % len(lists)] or ["joy"],
            "summary": clean_line((text + " ") * (n % 4 + 1)),
            "visibility": "public",
        }
        cases.append(meta)
    for n, text in enumerate(JSON_TRICKY):  # not cleaned: the escaping both sides add to JSON
        cases.append(
            {
                "id": f"2026-03-raw-{n}",
                "title": text,
                "date": "2026-03-14",
                "place": text + "x",
                "contributors": [text],
                "summary": "s",
                "visibility": "public",
            }
        )
    body = "## What surprised us?\n\nSomething.\u3000"
    js = page.evaluate("([cases, body]) => cases.map(m => HarvestContribute.dumpStory(m, body))", [cases, body])
    for meta, js_text in zip(cases, js, strict=True):
        py_meta = {**meta, "date": dt.date(2026, 3, 14)}  # both write what they are given (read() cleans it)
        js_meta_text = js_text
        assert js_meta_text == dump_story(py_meta, body), meta


def test_js_cleaning_rules_match_python(page, github_site):
    open_form(page, github_site)
    rng = random.Random(11)
    pieces = [
        "a",
        "B",
        " ",
        "  ",
        "\t",
        "\n",
        "\r\n",
        "\r",
        "\u2028",
        "\x85",
        "\x00",
        "\x07",
        "\x1f",
        "\x7f",
        "\u00a0",
        "\u3000",
        "\ufeff",
        "\u200b",
        "é",
        "ß",
        "İ",
        "🌊",
        "#",
        "## ",
        "# x",
        "   ## y",
        "-",
        "_",
        ".",
        "n/a",
        "_No response_",
        "Ω",
        "ﬁ",
        "Ⅻ",
        "\U0010ffff",
        "\ufffe",
    ]
    samples = ["".join(rng.choice(pieces) for _ in range(rng.randint(0, 14))) for _ in range(600)]
    js = page.evaluate(
        """samples => samples.map(s => [HarvestContribute.cleanLine(s), HarvestContribute.cleanText(s),
                          HarvestContribute.toHandle(s), HarvestContribute.slugify(s), HarvestContribute.isBlank(s)])""",
        samples,
    )
    for sample, (line, text, handle, slug, blank) in zip(samples, js, strict=True):
        assert line == clean_line(sample), repr(sample)
        assert text == clean_text(sample), repr(sample)
        assert handle == to_handle(sample), repr(sample)
        if any(c.isascii() and c.isalnum() for c in slug):
            assert slug == slugify(sample), repr(sample)
        assert blank == is_blank(sample), repr(sample)


def test_js_body_matches_compose_body(page, github_site):
    open_form(page, github_site)
    settings = settings_from_file(github_site / "mkdocs.yml")
    prompts = [{"id": p.id, "title": p.title} for p in settings.prompts]
    for answers in ({"surprised": "a"}, {"missing": "b", "surprised": "c\n\nd"}, {"stepped-forward": "x"}, {}):
        js = page.evaluate("([a, p]) => HarvestContribute.composeBody(a, p)", [answers, prompts])
        assert js == compose_body(answers, settings)


def test_copy_puts_the_file_on_the_clipboard(page, github_site):
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    open_form(page, github_site)
    fill(page)
    page.click("#hc-copy")
    page.wait_for_function("document.getElementById('hc-status').textContent.length > 0")
    assert page.text_content("#hc-status").startswith("Copied")
    assert page.evaluate("navigator.clipboard.readText()") == page.input_value("#hc-preview")


@pytest.mark.parametrize(
    "options, expected",
    [
        (
            {"type": "github", "repo": "our-group/archive"},
            {"url": "https://github.com", "branch": "main", "path": "stories/_inbox", "public": True},
        ),
        (
            {"type": "gitea", "url": "https://git.example.org/", "repo": "a/b", "branch": "dev", "public": False},
            {"url": "https://git.example.org", "branch": "dev", "public": False},
        ),
        ({"type": "gitlab", "repo": "a/b"}, "Expected one of"),
        ({"type": "forgejo", "repo": "a/b"}, "`url` is needed for Forgejo"),
        ({"type": "github", "repo": "a/b/c"}, "should be owner/name"),
        ({"type": "github", "repo": "a/b", "branch": "no spaces"}, "is not a branch name"),
        ({"type": "github", "repo": "a/b", "path": "../outside"}, "should be a folder inside the repository"),
        ({"type": "github", "repo": "a/b", "url": "javascript:alert(1)"}, "url"),
    ],
)
def test_forge_settings(options, expected):
    from types import SimpleNamespace

    from mkdocs.exceptions import PluginError

    from harvest.contribute.config import forge_settings

    config = SimpleNamespace(config_file_path="/archive/mkdocs.yml", docs_dir="/archive/stories")
    if isinstance(expected, str):
        with pytest.raises(PluginError, match=expected.replace("`", ".")):
            forge_settings(options, config)
    else:
        settings = forge_settings(options, config)
        assert {key: settings[key] for key in expected} == expected
