"""The reading experience (issue 16): the front door, Answers once each, lesson pages heading
first, a story and its translation as one story, the timeline's pictures, the archive's footer,
dates for people, and the terminal search's prefixes. Expected values are read off the sample
stories by hand: 10 public stories, one of them (generador-despensa) the Spanish translation of
generator-pantry, so 9 stories."""

from __future__ import annotations

import datetime as dt
import itertools
import re

import pytest

from conftest import build, copy_project, run_harvest

ORIGINAL, ORIGINAL_TITLE = "2025/generator-pantry", "Keeping the pantry freezers alive through the blackout"
TRANSLATION, TRANSLATION_TITLE = "2025/generador-despensa", "Cómo mantuvimos vivos los congeladores"
SERIOUS = ("serious", "critical")
INDEX_PAGES = [
    "",
    "lessons",
    "lessons/resources",
    "answers",
    "answers/missing",
    "timeline",
    "timeline/2025",
    "places",
    "places/lowmarsh-green",
    "events",
    "events/mutual-aid",
    "contributors",
    "digests",
    "readings",
]


def page(site, path: str) -> str:
    return (site / path / "index.html").read_text("utf-8")


def main_text(html: str) -> str:
    return html.split('<article class="md-content__inner', 1)[1].split("</article>", 1)[0]


def set_plugin_options(project, text: str) -> None:
    config = project / "mkdocs.yml"
    yml = config.read_text("utf-8")
    assert "  - harvest:\n" in yml
    config.write_text(yml.replace("  - harvest:\n", "  - harvest:\n" + text, 1), "utf-8")


# --- dates for people ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "lang, expected",
    [
        ("en", "14 March 2026"),
        ("es", "14 de marzo de 2026"),
        ("fr", "14 mars 2026"),
        ("de", "14. März 2026"),
        ("pt-BR", "14 de março de 2026"),
        ("zz", "14 March 2026"),
    ],
)
def test_dates_are_written_for_people_in_the_page_language(lang, expected):
    from harvest.site.front import people_date

    assert people_date(dt.date(2026, 3, 14), lang) == expected


def test_story_cards_show_dates_for_people_not_iso(sample_site):
    home = main_text(page(sample_site, ""))
    assert '<time datetime="2026-03-14">14 March 2026</time>' in home
    assert not re.search(r">\d{4}-\d\d-\d\d<", home)


# --- home ----------------------------------------------------------------------------------------


def test_home_is_a_front_door(sample_site):
    home = main_text(page(sample_site, ""))
    assert (
        'class="harvest-featured"' in home
        and "A street festival where the children ran the welcome desk"
        in home.split('class="harvest-featured"', 1)[1].split("</section>", 1)[0]
    )  # the newest story
    assert "we sit down and ask three questions" in home  # stories/_welcome.md
    assert ">Share your story</a>" in home and ">Read aloud at your assembly</a>" in home
    assert "Take the offline copy" not in home  # none configured
    assert "What we keep learning" in home and "What resource was missing?" in home
    assert 'class="harvest-browse"' not in home  # no copy of the nav
    assert "9 stories" in home


def test_home_lists_a_translated_story_once(sample_site):
    home = main_text(page(sample_site, ""))
    titles = re.findall(r'class="harvest-(?:card__title|featured__title)"><a href="[^"]*">([^<]+)</a>', home)
    assert len(titles) == 9 and len(set(titles)) == 9 and ORIGINAL_TITLE in titles
    assert TRANSLATION_TITLE not in home
    assert 'hreflang="es"' in home  # the card says it is also in Spanish


@pytest.mark.parametrize(
    "options, featured, absent",
    [
        ("      featured: 2025-02-winter-soup-line\n", "Soup for two hundred during the cold snap", None),
        # a translation is featured as its story: the original, with a link to the translation
        ("      featured: 2025-11-generador-despensa\n", ORIGINAL_TITLE, None),
        # a withheld story gives way to the newest, without a word about it
        (
            "      featured: 2025-06-heatwave-drill\n",
            "A street festival where the children ran the welcome desk",
            "Heatwave",
        ),
    ],
)
def test_featured_story_is_pinned(tmp_path, options, featured, absent):
    project = copy_project(tmp_path / "archive")
    set_plugin_options(
        project,
        options + '      welcome: "Our **own** words."\n'
        '      licence: "Stories CC BY-SA 4.0, each by its contributors"\n'
        "      offline_copy: https://archive.example.org/harvest.zip\n",
    )
    site = build(project)
    home = page(site, "")
    section = main_text(home).split('class="harvest-featured"', 1)[1].split("</section>", 1)[0]
    assert featured in section
    if absent:
        assert absent not in home
    assert "Our <strong>own</strong> words." in home and "three questions" not in home  # the option wins
    footer = home.split('<footer class="md-footer">', 1)[1]
    assert "Stories CC BY-SA 4.0, each by its contributors" in footer
    assert 'href="https://archive.example.org/harvest.zip"' in footer
    assert ">Take the offline copy</a>" in main_text(home)


@pytest.mark.parametrize(
    "value, hint",
    [
        ("2025-02-winter-soupline", "did you mean '2025-02-winter-soup-line'?"),
        ("2025-11-generator-pantri", "did you mean '2025-11-generator-pantry'"),
    ],
)
def test_featured_story_that_does_not_exist_is_refused(tmp_path, value, hint):
    project = copy_project(tmp_path / "archive")
    set_plugin_options(project, f"      featured: {value}\n")
    result = run_harvest("build", cwd=project)
    assert result.returncode == 1
    assert f"plugins → harvest → featured: no story has the id '{value}'" in result.stderr
    assert hint in result.stderr and "Traceback" not in result.stderr
    assert not (project / "site").exists()


def test_footer_is_the_archives_own(sample_site):
    for path in ("", ORIGINAL, "answers/missing"):
        footer = page(sample_site, path).split('<footer class="md-footer">', 1)[1]
        assert "Made with" not in footer and "Harvest — stories from our movements" in footer


def test_overrides_still_win_over_harvest_partials(tmp_path):
    project = copy_project(tmp_path / "archive")
    (project / "overrides" / "partials").mkdir(parents=True, exist_ok=True)
    (project / "overrides" / "partials" / "copyright.html").write_text("<div>Our own footer words</div>", "utf-8")
    site = build(project)
    assert "Our own footer words" in page(site, "") and 'class="md-copyright harvest-footer"' not in page(site, "")


# --- answers -------------------------------------------------------------------------------------

ANSWER_TITLES = [  # every public story with an answer to "What resource was missing?", newest first, once
    "A street festival where the children ran the welcome desk",
    "The night the flood drill went sideways",
    ORIGINAL_TITLE,
    "Street first aid, taught in rotation",
    "The phone tree that held the rent strike together",
    "La fiesta de la plaza que casi no fue",
    "The May Day bike relay",
    "Our first tenants’ assembly without a chair",
    "Soup for two hundred during the cold snap",
]


def test_each_answer_appears_once(sample_site):
    html = main_text(page(sample_site, "answers/missing"))
    titles = re.findall(r'<h2 class="harvest-answer__story"><a [^>]*>([^<]+)</a></h2>', html)
    assert [t.replace("&#39;", "’").replace("'", "’") for t in titles] == ANSWER_TITLES
    assert "<blockquote" not in html
    # the lesson filter: an anchor per lesson, each answer marked with its lessons
    assert 'href="#lesson-resources"' in html and 'id="lesson-resources"' in html
    assert html.count('data-lessons="') == len(ANSWER_TITLES)


def test_answers_index_counts_stories_once(sample_site):
    html = main_text(page(sample_site, "answers"))
    assert re.search(r'What resource was missing\?</a> <span class="harvest-count">\(9\)</span>', html)


# --- lessons -------------------------------------------------------------------------------------


def test_lesson_page_heading_comes_first(sample_site):
    html = main_text(page(sample_site, "lessons/resources"))
    h1 = html.index("<h1")
    assert h1 < html.index("Finding, sharing and looking after the money")
    assert html.index("What resource was missing?") < html.index('id="stories"')
    assert 'href="../../feeds/lessons/resources.atom.xml"' in html and ">All lessons</a>" in html


@pytest.mark.parametrize(
    "path, count",
    [
        ("lessons/resources", 2),
        ("lessons/logistics", 4),
        ("places/lowmarsh-green", 2),
        ("events/mutual-aid", 2),
    ],
)
def test_a_translated_story_is_counted_once(sample_site, path, count):
    html = main_text(page(sample_site, path))
    assert f'<p class="harvest-count">{count} stories</p>' in html
    assert html.count('class="harvest-card ') == count
    assert TRANSLATION_TITLE not in html


def test_lessons_overview_chart(sample_site):
    html = main_text(page(sample_site, "lessons"))
    svg = html.split('<svg class="harvest-chart"', 1)[1].split("</svg>", 1)[0]
    assert "aria-labelledby=" in svg and "<title" in svg and "Logistics: 4" in svg
    assert 'href="logistics/"' in svg


# --- translations --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path, other, lang", [(ORIGINAL, "2025/generador-despensa/", "es"), (TRANSLATION, "2025/generator-pantry/", "en")]
)
def test_language_switch_both_ways(sample_site, path, other, lang):
    html = page(sample_site, path)
    head = html.split("</head>", 1)[0]
    assert re.search(rf'<link rel="alternate" hreflang="{lang}" href="(\.\./)*{other}"[^>]*>', head)
    assert re.search(r'<link rel="alternate" hreflang="\w+" href="\./"[^>]*>', head)  # and itself
    switch = html.split('class="harvest-language-switch"', 1)[1].split("</nav>", 1)[0]
    assert re.search(rf'href="(\.\./)*{other}" hreflang="{lang}"', switch) and 'aria-current="page"' in switch


def test_related_stories_hold_no_translation_of_the_story(sample_site):
    for path, unwanted in ((ORIGINAL, TRANSLATION_TITLE), (TRANSLATION, ORIGINAL_TITLE)):
        html = page(sample_site, path)
        related = html.split('id="harvest-related-title"', 1)[1] if "harvest-related-title" in html else ""
        assert unwanted not in related.split("</nav>", 1)[0]


# --- timeline ------------------------------------------------------------------------------------


def test_timeline_months_are_links_and_years_are_pictures(sample_site):
    html = main_text(page(sample_site, "timeline"))
    assert 'href="2025/#m-2025-11">November</a>' in html
    assert html.count('<svg class="harvest-chart" aria-labelledby=') == 2
    assert "Stories per month in 2025" in html and "Nov: 1" in html  # two versions of one story: 1
    year = main_text(page(sample_site, "timeline/2025"))
    assert 'id="m-2025-11"' in year and year.count(ORIGINAL_TITLE) == 1 and TRANSLATION_TITLE not in year


# --- terminal and maintainer ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "query, title",
    [
        ("heat", "Heatwave drill at the Brambleford towers"),
        ("heatw", "Heatwave drill at the Brambleford towers"),
        ("genera", (ORIGINAL_TITLE, TRANSLATION_TITLE)),  # one result, in its best-matching language
    ],
)
def test_terminal_search_matches_prefixes(project, query, title):
    result = run_harvest("search", "--profile", "members", query, cwd=project)
    assert result.returncode == 0, result.stderr
    titles = title if isinstance(title, tuple) else (title,)
    assert sum(t in result.stdout for t in titles) == 1


def test_feed_links_do_not_make_material_ask_for_a_sitemap(sample_site):
    # Material fetches sitemap.xml next to every link[rel=alternate]: feed links are "alternate feed".
    head = page(sample_site, "lessons/resources").split("</head>", 1)[0]
    assert 'rel="alternate feed" type="application/atom+xml"' in head
    assert not re.search(r'<link rel="alternate" type=', head)


def test_tests_never_copy_the_review_inbox(tmp_path, monkeypatch):
    import conftest

    fake = tmp_path / "repo"
    (fake / "stories" / "_inbox").mkdir(parents=True)
    (fake / "stories" / "_inbox" / "waiting.md").write_text("---\nid: x\n---\n", "utf-8")
    (fake / "overrides").mkdir()
    (fake / "mkdocs.yml").write_text("site_name: x\n", "utf-8")
    monkeypatch.setattr(conftest, "PROJECT", fake)
    copy = conftest.copy_project(tmp_path / "copy")
    assert (copy / "stories").is_dir() and not (copy / "stories" / "_inbox").exists()


# --- in the browser ------------------------------------------------------------------------------


def test_heading_order_on_every_index_page(browser, sample_site):
    tab = browser.new_page()
    try:
        for path in INDEX_PAGES:
            tab.goto((sample_site / path / "index.html").as_uri())
            levels = tab.evaluate(
                "[...document.querySelectorAll('article h1, article h2, article h3, article h4')]"
                ".map(h => Number(h.tagName[1]))"
            )
            assert levels and levels[0] == 1 and levels.count(1) == 1, (path, levels)
            jumps = [(a, b) for a, b in itertools.pairwise(levels) if b > a + 1]
            assert jumps == [], (path, levels)
    finally:
        tab.close()


def test_each_answer_once_in_the_browser_and_the_filter_works_without_script(browser, sample_site):
    context = browser.new_context(java_script_enabled=False)
    try:
        tab = context.new_page()
        tab.goto((sample_site / "answers/missing/index.html").as_uri())
        titles = tab.locator(".harvest-answer__story").all_inner_texts()
        assert len(titles) == len(set(titles)) == 9
        tab.click('.harvest-filter a[href="#lesson-resources"]')
        visible = [t for t in tab.locator(".harvest-answer__story").all() if t.is_visible()]
        assert sorted(v.inner_text() for v in visible) == sorted(
            [ORIGINAL_TITLE, "Soup for two hundred during the cold snap"]
        )
    finally:
        context.close()


def test_no_horizontal_scroll_on_a_phone(browser, sample_site):
    context = browser.new_context(viewport={"width": 390, "height": 844})
    try:
        tab = context.new_page()
        for path in [*INDEX_PAGES, ORIGINAL, TRANSLATION]:
            tab.goto((sample_site / path / "index.html").as_uri())
            width = tab.evaluate("document.documentElement.scrollWidth")
            assert width <= 390, (path, width)
    finally:
        context.close()


AXE_PAGES = [
    "",
    ORIGINAL,
    TRANSLATION,
    "lessons",
    "lessons/resources",
    "answers/missing",
    "timeline",
    "timeline/2025",
    "digests",
    "digests/2025-11",
    ORIGINAL + "#read-aloud-1",
    ORIGINAL + "#read-aloud-4",
]


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_no_serious_accessibility_violations(browser, sample_site, scheme):
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()
    context = browser.new_context(color_scheme=scheme)
    try:
        tab = context.new_page()
        problems = []
        for uri in [*AXE_PAGES, "search"]:
            if uri == "search":
                tab.goto((sample_site / "index.html").as_uri())
                button = tab.locator(".harvest-search__button")
                (button if button.is_visible() else tab.locator(".md-search__input")).click()
                tab.locator(".md-search__input").fill("generator")
                tab.wait_for_selector(".md-search-result__item")
                assert "matching stor" in tab.inner_text(".md-search-result__meta")  # stories, not documents
                # Material fades results in: judge the colours once the transitions have ended,
                # not a half-transparent frame.
                tab.wait_for_function("document.getAnimations().every(a => a.playState !== 'running')")
            else:
                path, _, fragment = uri.partition("#")
                tab.goto((sample_site / path / "index.html").as_uri() + (f"#{fragment}" if fragment else ""))
            for violation in axe.run(tab).response["violations"]:
                if violation["impact"] in SERIOUS:
                    problems.append(
                        f"{uri or 'home'}: {violation['id']} ({violation['impact']}): "
                        f"{[n['target'] for n in violation['nodes']][:3]}"
                    )
        assert problems == [], "\n".join(problems)
    finally:
        context.close()


@pytest.mark.parametrize("width, height, smallest", [(1920, 1080, 24), (1440, 900, 24), (390, 844, 14)])
def test_read_aloud_status_bar_is_readable_from_the_lectern(browser, sample_site, width, height, smallest):
    context = browser.new_context(viewport={"width": width, "height": height})
    try:
        tab = context.new_page()
        tab.goto((sample_site / ORIGINAL / "index.html").as_uri() + "#read-aloud-2")
        tab.wait_for_selector(".harvest-ra__bar")
        sizes = tab.evaluate(
            "[...document.querySelectorAll('.harvest-ra__bar p, .harvest-ra__bar button')]"
            ".filter(e => e.offsetParent).map(e => parseFloat(getComputedStyle(e).fontSize))"
        )
        assert sizes and min(sizes) >= smallest, sizes
    finally:
        context.close()
