"""Federation in our site (issue 18): a peer's story says "from <archive>" in every list it is in;
answers and lesson pages filter by archive without JavaScript; search filters by archive in the
site and in the terminal; reading sessions follow `readings:`; a peer's photo arrives without
its EXIF/GPS.

One federation is built once (module fixture): Riverside Commune (A) adds a photo with a GPS tag
to its flood drill and exports; Harbour Tenants (B, a copy of the sample archive too) follows it,
with a reading session that lists one of Riverside's stories. Expected values are written by
hand from the sample stories: each archive has 10 public stories, 9 of which answer `missing`,
and 8 of which (3 in 2026) are in the lesson `safety` ... counted below where used.
"""

from __future__ import annotations

import json
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest

from conftest import open_search
from test_federation import DAY1, harvest, keygen, make_archive, public_key, write_peers

FROM = "from Riverside Commune"
EXIF_CANARY = "Exifcanaryfedzq"


def _photo_with_gps(path: Path) -> None:
    from PIL import Image

    image = Image.new("RGB", (8, 8), "blue")
    exif = Image.Exif()
    exif[0x010E] = EXIF_CANARY
    exif[0x8825] = {1: "N", 2: (52.0, 31.0, 12.5), 3: "E", 4: (13.0, 24.0, 1.0)}
    image.save(path, "JPEG", exif=exif.tobytes())


@pytest.fixture(scope="module")
def federation(tmp_path_factory):
    root = tmp_path_factory.mktemp("views")
    key = keygen(root / "key_a")
    a = make_archive(root / "a", "Riverside Commune")
    flood = a / "stories/2026/flood-drill.md"
    _photo_with_gps(flood.with_name("sea-wall.jpg"))
    flood.write_text(flood.read_text().replace("lang: en\n", "lang: en\nimages: [sea-wall.jpg]\n", 1))
    harvest(a, "export", "--sign-key", str(key), "--out", str(root / "a-out"), env=DAY1)
    b = make_archive(root / "b", "Harbour Tenants")
    write_peers(
        b,
        {"riverside": {"name": "Riverside Commune", "key": public_key(key), "source": f"{{folder: {root / 'a-out'}}}"}},
    )
    session = b / "stories/_readings/2026-12-assembly.yml"
    session.write_text(
        session.read_text().replace("  - 2025-11-generator-pantry\n", "  - riverside--2026-03-flood-drill\n")
    )
    harvest(b, "federation", "pull")
    harvest(b, "build")
    return {"root": root, "b": b, "site": b / "site"}


class Items(HTMLParser):
    """The list items of story lists (cards, items, quotes, answers): their text and links."""

    KINDS = ("harvest-card", "harvest-item", "harvest-quote", "harvest-answer")

    def __init__(self):
        super().__init__()
        self.items: list[dict] = []
        self.depth = 0  # nesting of <li> inside the current item (answers may hold lists)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if self.depth:
            if tag == "li":
                self.depth += 1
            if tag == "a" and attrs.get("href"):
                self.items[-1]["links"].append(attrs["href"])
        elif tag == "li" and set((attrs.get("class") or "").split()) & set(self.KINDS):
            self.depth = 1
            self.items.append({"text": "", "links": [], "archive": attrs.get("data-archive")})

    def handle_endtag(self, tag):
        if self.depth and tag == "li":
            self.depth -= 1

    def handle_data(self, data):
        if self.depth:
            self.items[-1]["text"] += data


def items(page: Path) -> list[dict]:
    parser = Items()
    parser.feed(page.read_text())
    return parser.items


def stories_of(item: dict) -> set[str]:
    """'peer' / 'ours' for the story pages an item links to (lesson chips and feeds aside)."""
    kinds = set()
    for link in item["links"]:
        if "/lessons/" in link or link.startswith("#") or "feeds/" in link:
            continue
        kinds.add("peer" if "_federation/riverside/" in link else "ours")
    return kinds


PAGES = [
    ("index.html", 1),  # home: newest cards (both archives' newest story is the street festival)
    ("lessons/safety/index.html", 3),  # cards and the latest answers
    ("places/saltwick-yards/index.html", 2),
    ("events/crisis-sim/index.html", 1),
    ("timeline/2026/index.html", 2),
    ("answers/missing/index.html", 9),
    ("2026/flood-drill/index.html", 1),  # related stories (at least one of the peer's copies)
    ("digests/2026-03/index.html", 1),
    ("federation/riverside/index.html", 10),
]


@pytest.mark.parametrize("page, at_least", PAGES, ids=[p.split("/index")[0] or "home" for p, _ in PAGES])
def test_every_listed_peer_story_says_where_it_comes_from(federation, page, at_least):
    found = items(federation["site"] / page)
    peer = [i for i in found if stories_of(i) == {"peer"}]
    ours = [i for i in found if stories_of(i) == {"ours"}]
    assert len(peer) >= at_least, (page, len(peer))
    for item in peer:
        assert FROM in " ".join(item["text"].split()), (page, item)
    for item in ours:
        assert "from Riverside" not in item["text"] and "from Harbour" not in item["text"], (page, item)


def test_reading_sessions_digests_and_feeds_name_the_peer(federation):
    site, b = federation["site"], federation["b"]
    session = (site / "readings/2026-12-assembly/index.html").read_text()
    row = session.split("riverside/2026/flood-drill/")[1].split("</td>")[0]
    assert f'<span class="harvest-from">{FROM}</span>' in row
    assert "Story 2 of 5 · from Riverside Commune · read by Marisol Ibarra" in session
    printed = harvest(b, "readings").stdout
    assert "  2. The night the flood drill went sideways (from Riverside Commune) — Marisol Ibarra —" in printed, (
        printed
    )
    email = (site / "digests/2026-03/2026-03.html").read_text()
    assert ">Crisis simulation · Saltwick Yards · 14 March 2026 · from Riverside Commune</p>" in email
    assert ">Crisis simulation · Saltwick Yards · 14 March 2026</p>" in email  # ours: no "from"
    text = (site / "digests/2026-03/2026-03.txt").read_text()
    assert "  Crisis simulation · Saltwick Yards · 14 March 2026 · from Riverside\n  Commune\n" in text, text
    feed = (site / "feeds/lessons/safety.atom.xml").read_text()
    assert "had not planned for. (from Riverside Commune)</summary>" in feed
    entry = next(e for e in feed.split("<entry>") if "_federation/riverside/2026/flood-drill" in e)
    assert "<name>Priya Dandekar</name>" in entry  # the credit their archive gave


def test_readings_false_keeps_their_stories_out_of_our_sessions(federation, tmp_path):
    b = tmp_path / "b"
    shutil.copytree(federation["b"], b, ignore=shutil.ignore_patterns("site", ".harvest"))
    peers = b / "stories/federation.yml"
    peers.write_text(peers.read_text() + "    readings: false\n")
    expected = (
        "stories/_readings/2026-12-assembly.yml:9: stories: 'riverside--2026-03-flood-drill' comes from "
        "Riverside Commune, whose stories are not in our reading sessions"
    )
    for command in (["readings"], ["build"]):
        result = harvest(b, *command, ok=False)
        assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
        assert expected in result.stdout + result.stderr, result.stdout + result.stderr
    assert not (b / "site").exists()


def test_a_peers_photo_arrives_without_its_metadata(federation):
    from PIL import Image

    photo = federation["site"] / "_federation/riverside/2026/sea-wall.jpg"
    assert photo.is_file()
    assert not Image.open(photo).getexif()
    assert EXIF_CANARY.encode() not in photo.read_bytes()
    kept = federation["b"] / "stories/_federation/riverside/2026/sea-wall.jpg"
    assert kept.is_file() and EXIF_CANARY.encode() not in kept.read_bytes()
    page = (federation["site"] / "_federation/riverside/2026/flood-drill/index.html").read_text()
    assert 'src="../sea-wall.jpg"' in page


# --- the filter by archive ------------------------------------------------------------------------


def visible(page, selector: str) -> list[str | None]:
    """data-archive of each visible item matching `selector` (None: one of ours)."""
    return page.eval_on_selector_all(
        selector, "els => els.filter(e => e.offsetParent !== null).map(e => e.getAttribute('data-archive'))"
    )


@pytest.fixture
def no_script_page(browser):
    context = browser.new_context(java_script_enabled=False)
    yield context.new_page()
    context.close()


def test_answers_filter_by_archive_without_javascript(federation, no_script_page):
    page = no_script_page
    page.goto((federation["site"] / "answers/missing/index.html").as_uri())
    assert len(visible(page, ".harvest-answers > li")) == 18
    page.click(".harvest-filter--archives >> text=Riverside Commune (9)")
    assert visible(page, ".harvest-answers > li") == ["riverside"] * 9
    page.click(".harvest-filter--archives >> text=Harbour Tenants (9)")
    assert visible(page, ".harvest-answers > li") == [None] * 9
    page.click(".harvest-filter--archives >> text=All")
    assert len(visible(page, ".harvest-answers > li")) == 18


def test_lesson_page_filters_by_archive_without_javascript(federation, no_script_page):
    page = no_script_page
    page.goto((federation["site"] / "lessons/safety/index.html").as_uri())
    cards = visible(page, ".harvest-cards > li")
    assert cards.count("riverside") == cards.count(None) > 0
    # Each archive has two answers per prompt in this lesson; the latest three of all are shown:
    # Riverside's flood drill, ours, Riverside's first-aid rotation (ours is newer than theirs).
    prompts = ("missing", "surprised", "stepped-forward")
    for prompt in prompts:
        assert visible(page, f"#answers-{prompt} ~ ul > li") == ["riverside", None, "riverside"], prompt
    page.click(".harvest-filter--archives >> text=Riverside Commune")
    assert visible(page, ".harvest-cards > li") == ["riverside"] * cards.count("riverside")
    for prompt in prompts:
        assert visible(page, f"#answers-{prompt} ~ ul > li") == ["riverside"] * 2
    page.click(".harvest-filter--archives >> text=Harbour Tenants")
    assert visible(page, ".harvest-cards > li") == [None] * cards.count(None)
    for prompt in prompts:  # both of ours, the older one hidden among the latest of all
        assert visible(page, f"#answers-{prompt} ~ ul > li") == [None] * 2
    page.click(".harvest-filter--archives >> text=All")
    assert visible(page, "#answers-missing ~ ul > li") == ["riverside", None, "riverside"]


def test_site_search_filters_by_archive(federation, page):
    site = federation["site"]
    titles = open_search(page, site, "index.html", "flood drill")
    assert titles.count("The night the flood drill went sideways") == 2
    metas = page.locator(".md-search-result__item .harvest-search__meta").all_inner_texts()
    assert sum(FROM in m for m in metas) == 1
    page.select_option(".harvest-search__archive", label="Riverside Commune")
    page.wait_for_function("document.querySelectorAll('.md-search-result__item').length === 1")
    assert FROM in page.locator(".md-search-result__item").inner_text()
    page.select_option(".harvest-search__archive", label="Harbour Tenants (this archive)")
    page.wait_for_function(
        "[...document.querySelectorAll('.md-search-result__item')].every(e => !e.textContent.includes('from Riverside'))"
    )
    assert page.locator(".md-search-result__item").count() >= 1
    assert not page.request_log.outside
    manifest = (site / "search/manifest.js").read_text()
    assert '"archives":[["","Harbour Tenants"],["riverside","Riverside Commune"]]' in manifest
    assert (site / "search/a.js").is_file()


# --- terminal search ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "archive, expected_from",
    [
        ("riverside", True),
        ("Riverside Commune", True),
        ("RIVERSIDE COMMUNE", True),
        ("ours", False),
        ("Harbour Tenants", False),
    ],
)
def test_terminal_search_filters_by_archive(federation, archive, expected_from):
    result = harvest(federation["b"], "search", "--archive", archive, "--json", "flood")
    data = json.loads(result.stdout)
    assert data["total"] >= 1
    archives = {hit["archive"] for hit in data["results"]}
    assert archives == ({"Riverside Commune"} if expected_from else {"Harbour Tenants"})
    paths = [hit["path"] for hit in data["results"]]
    assert all(("_federation/riverside/" in p) == expected_from for p in paths), paths
    text = harvest(federation["b"], "search", "--archive", archive, "flood").stdout
    assert (" · from Riverside Commune · " in text) == expected_from


def test_terminal_search_refuses_an_unknown_archive(federation):
    result = harvest(federation["b"], "search", "--archive", "riversde", "flood", ok=False)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "--archive: no archive named 'riversde'; did you mean 'riverside'?" in result.stderr, result.stderr


def test_an_index_of_an_older_format_is_rebuilt_before_searching(federation, tmp_path):
    """An index made before the archive field existed would ignore --archive: rebuilt first."""
    b = tmp_path / "b"
    shutil.copytree(federation["b"], b, ignore=shutil.ignore_patterns("site"))
    harvest(b, "index")
    manifest_file = next((b / ".harvest/index").rglob("harvest-manifest.json"))
    manifest = json.loads(manifest_file.read_text())
    manifest["schema"] = "0123456789abcdef"  # as an older Harvest wrote it
    manifest_file.write_text(json.dumps(manifest))
    for extra in ([], ["--no-update"]):
        result = harvest(b, "search", *extra, "--archive", "riverside", "--json", "flood")
        assert "updating the search index first" in result.stderr, result.stderr
        assert {hit["archive"] for hit in json.loads(result.stdout)["results"]} == {"Riverside Commune"}
        manifest = json.loads(manifest_file.read_text())
        manifest["schema"] = "0123456789abcdef"
        manifest_file.write_text(json.dumps(manifest))
