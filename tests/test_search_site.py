"""Search end to end: the built site's index and search box (from file://), and the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import build, open_search, run_harvest
from harvest.search.analysis import tokens
from harvest.search.browser import shard_of
from test_search import ARCHIVE_REDACTED, EMBARGOED, MEMBERS_ONLY, MEMBERS_REDACTED, PRIVATE, UNCREDITED

TODAY = {"HARVEST_TODAY": "2026-11-21"}


def search_files(site: Path) -> dict[str, bytes]:
    return {
        p.relative_to(site / "search").as_posix(): p.read_bytes()
        for p in sorted((site / "search").rglob("*"))
        if p.is_file()
    }


def set_option(project: Path, line: str) -> None:
    config = project / "mkdocs.yml"
    config.write_text(config.read_text().replace("docs_dir: stories", f"docs_dir: stories\n{line}", 1))


# --- the built site ------------------------------------------------------------------------------


def test_site_has_our_index_and_not_materials(sample_site):
    files = search_files(sample_site)
    assert "manifest.js" in files and any(n.startswith("t/") for n in files) and "d/0.js" in files
    assert "search_index.json" not in files
    page = (sample_site / "2026" / "flood-drill" / "index.html").read_text("utf-8")
    assert 'src="../../assets/harvest/search.js"' in page
    assert 'data-md-component="search"' not in page  # Material's own search box (and worker) stay off


def test_browser_index_holds_nothing_withheld(sample_site):
    everything = b"".join(search_files(sample_site).values()).lower()
    assert b"flood" in everything and b"saltwick" in everything  # the probe works
    for word in (
        MEMBERS_ONLY,
        MEMBERS_REDACTED,
        ARCHIVE_REDACTED,
        PRIVATE,
        EMBARGOED,
        *UNCREDITED,
        "willow",
        "bike-1",
    ):  # and never a handle
        assert word.encode() not in everything, word


def test_browser_index_is_deterministic(project):
    first = search_files(build(project, env=TODAY))
    second = search_files(build(project, "-d", str(project / "site2"), env=TODAY))
    assert first == second


def test_members_build_indexes_members_stories(project):
    site = build(project, "--profile", "members", env=TODAY)
    everything = b"".join(search_files(site).values()).lower()
    assert MEMBERS_ONLY.encode() in everything and ARCHIVE_REDACTED.encode() not in everything


def test_materials_search_plugin_alongside_is_refused(project):
    config = project / "mkdocs.yml"
    config.write_text(config.read_text().replace("plugins:\n", "plugins:\n  - search\n", 1))
    result = run_harvest("build", cwd=project)
    assert result.returncode == 1 and "remove `- search`" in result.stderr + result.stdout
    assert "Traceback" not in result.stderr


def test_build_keeps_an_existing_terminal_index_current(project):
    build(project, env=TODAY)
    assert not (project / ".harvest" / "index").exists()  # the default `whoosh: auto` makes no index by itself
    assert run_harvest("index", cwd=project, env=TODAY).returncode == 0
    story = project / "stories" / "2026" / "flood-drill.md"
    story.write_text(story.read_text().replace("boathouse", "harbourmaster's boathouse"))
    result = run_harvest("build", cwd=project, env=TODAY)
    assert "search index updated: 0 added, 1 changed, 0 removed, 9 unchanged" in result.stderr
    found = run_harvest("search", "--no-update", "--json", "harbourmaster", cwd=project, env=TODAY)
    assert [r["id"] for r in json.loads(found.stdout)["results"]] == ["2026-03-flood-drill"]


# --- the command line ----------------------------------------------------------------------------


def test_cli_index_then_search(project):
    indexed = run_harvest("index", cwd=project, env=TODAY)
    assert indexed.returncode == 0, indexed.stderr
    assert "search index rebuilt: 10 added" in indexed.stdout and ".harvest/index/public" in indexed.stdout
    result = run_harvest("search", "phone tree", "-n", "1", cwd=project, env={**TODAY, "NO_COLOR": "1"})
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "1. The phone tree that held the rent strike together"
    assert lines[1].startswith(
        "   2025-08-31 · Kestrel Row · 2025/rent-strike-phone-tree/ (stories/2025/rent-strike-phone-tree.md)"
    )
    assert "**phone**" in lines[2]
    assert lines[-1] == "2 stories found for 'phone tree' (profile public), showing 1 (use -n for more)"


def test_cli_json_and_site_url(project):
    set_option(project, "site_url: https://archive.example.org/")
    result = run_harvest("search", "--json", "lesson:safety", cwd=project, env=TODAY)
    data = json.loads(result.stdout)
    assert data["profile"] == "public" and data["did_you_mean"] is None
    first = data["results"][0]
    assert set(first) >= {"id", "title", "date", "path", "url", "snippet", "matches", "contributors"}
    assert first["url"].startswith("https://archive.example.org/") and first["url"].endswith("/")
    assert MEMBERS_ONLY not in result.stdout.lower()  # the members-only safety story stays out
    assert "updating the search index first" in result.stderr  # no index yet: made on first use


def test_cli_did_you_mean(project):
    result = run_harvest("search", "flod", cwd=project, env=TODAY)
    assert result.returncode == 0 and result.stdout.startswith("did you mean: flood\n")


@pytest.mark.parametrize("query", ['"phone tree', "lessn:safety", "date:[2025-13 to 2026]"])
def test_cli_malformed_query_is_one_line_and_exit_2(project, query):
    run_harvest("index", cwd=project)
    result = run_harvest("search", query, cwd=project)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("harvest search: query: ")
    assert "Traceback" not in result.stderr


def test_cli_search_updates_a_stale_index(project):
    run_harvest("index", cwd=project, env=TODAY)
    (project / "stories" / "2025" / "winter-soup-line.md").unlink()
    result = run_harvest("search", "--json", "soup", cwd=project, env=TODAY)
    assert "1 removed" in result.stderr
    assert "2025-02-winter-soup-line" not in [r["id"] for r in json.loads(result.stdout)["results"]]


# --- in the browser, from file:// ----------------------------------------------------------------


@pytest.mark.parametrize("setting", ["directory URLs", "file URLs", "Material's offline plugin"])
def test_browser_search_from_file_url(page, project, setting):
    directory_urls = setting == "directory URLs"
    if setting == "file URLs":
        set_option(project, "use_directory_urls: false")
    elif setting == "Material's offline plugin":  # as `harvest pack` builds the offline copy
        config = project / "mkdocs.yml"
        config.write_text(config.read_text().replace("  - harvest-search", "  - harvest-search\n  - offline"))
    site = build(project, env=TODAY)
    start = "2025/winter-soup-line/index.html" if directory_urls else "2025/winter-soup-line.html"
    titles = open_search(page, site, start, "pantry blackout")
    assert titles == ["Keeping the pantry freezers alive through the blackout"]
    page.locator(".md-search-result__link").first.click()
    page.wait_for_load_state()
    expected = "2025/generator-pantry/index.html" if directory_urls else "2025/generator-pantry.html"
    assert page.url == (site / expected).as_uri()
    assert "thirty-hour power cut" in page.content()
    assert page.request_log.outside == []


@pytest.mark.parametrize(
    "query, first, found",
    [
        ("pantry", "Keeping the pantry freezers alive through the blackout", 3),  # the title match first
        (
            "spoke coll",
            None,
            {
                "The May Day bike relay",
                "The night the flood drill went sideways",  # contributor,
                "A street festival where the children ran the welcome desk",
            },
        ),  # typed prefix
        (
            "kestrel",
            None,
            {
                "The phone tree that held the rent strike together",  # place
                "Our first tenants' assembly without a chair",
            },
        ),
        (
            "mutual care",
            None,
            {
                "Soup for two hundred during the cold snap",  # lesson title
                "A street festival where the children ran the welcome desk",
            },
        ),
        ("second hop", "The night the flood drill went sideways", 1),  # summary/body
        ("Alegría", "La fiesta de la plaza que casi no fue", 1),  # accents either way
        ("alegria", "La fiesta de la plaza que casi no fue", 1),
    ],
)
def test_browser_finds_by_each_field(page, sample_site, query, first, found):
    titles = open_search(page, sample_site, "index.html", query)
    if first:
        assert titles[0] == first and len(titles) == found, titles
    else:  # these rank above stories that merely mention the words
        assert set(titles[: len(found)]) == found, titles
    assert page.request_log.outside == []


def test_browser_finds_nothing_withheld(page, sample_site):
    page.goto((sample_site / "index.html").as_uri())
    page.locator(".md-search__input").fill("brambleford")
    page.wait_for_function("document.querySelector('.md-search-result__meta').textContent.includes('No matching')")
    assert page.locator(".md-search-result__item").count() == 0


def test_browser_and_python_analyse_text_alike(page, sample_site):
    page.goto((sample_site / "index.html").as_uri())
    samples = [
        "Flood DRILL",
        "¿Qué nos sorprendió?",
        "co-op's rota_2",
        "Straße Ørestad",
        "naïve café",
        "İstanbul",
        "ﬁve",
        "Ĳssel",
        "日本語のテキスト",
        "e\u0301te\u0301",
    ]
    for text in samples:
        assert page.evaluate("t => harvestSearch.words(t)", text) == tokens(text), text
    for term in ["flood", "sorprendio", "ørestad", "日本", "a", "𝔘nicode"]:
        assert page.evaluate("([t, n]) => harvestSearch.shardOf(t, n)", [term, 37]) == shard_of(term, 37), term
