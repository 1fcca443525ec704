"""Material's nav partial rendered once for every page outside the nav (`site/navmemo.py`): the
same bytes as rendering it for each page, and never for a page in the nav or a user's template."""

from __future__ import annotations

import os
from pathlib import Path
from types import SimpleNamespace

import pytest

from conftest import copy_project, differing_files
from harvest.site import navmemo

ENV = {"HARVEST_TODAY": "2026-11-21", "SOURCE_DATE_EPOCH": "1795000000"}


def _item(title, url, active=False, children=()):
    return SimpleNamespace(title=title, url=url, active=active, children=list(children))


def _nav(*items, pages=None):
    flat = [i for i in items if i.url is not None]
    return SimpleNamespace(items=list(items), pages=pages if pages is not None else flat, homepage=items[0])


def _context(page, nav, base_url="../.."):
    return {"page": page, "nav": nav, "base_url": base_url, "config": SimpleNamespace(extra={})}


HOME, LESSONS = _item("Home", "./"), _item("Lessons", "lessons/")
NAV = _nav(HOME, LESSONS)


def _story(url):
    return SimpleNamespace(url=url, parent=None)


def _key(page, nav=NAV, base_url="../.."):
    return navmemo.nav_key(_context(page, nav, base_url))


@pytest.mark.parametrize(
    "left, right, same",
    [
        # story pages of different years, the same depth: the same nav
        (lambda: _key(_story("2024/soup/")), lambda: _key(_story("2025/kettle/")), True),
        # deeper: every link climbs once more
        (lambda: _key(_story("2024/soup/")), lambda: _key(_story("2024/x/soup/"), base_url="../../.."), False),
        # a page under lessons/ links to lessons/ differently from a page under 2024/
        (lambda: _key(_story("2024/soup/")), lambda: _key(_story("lessons/soup/")), False),
        # an item marked active
        (
            lambda: _key(_story("2024/soup/")),
            lambda: _key(_story("2024/soup/"), _nav(HOME, _item("Lessons", "lessons/", active=True))),
            False,
        ),
        # an item renamed
        (
            lambda: _key(_story("2024/soup/")),
            lambda: _key(_story("2024/soup/"), _nav(HOME, _item("Lesson", "lessons/"))),
            False,
        ),
        # a child of a section
        (
            lambda: _key(_story("2024/soup/"), _nav(HOME, _item("More", None, children=[_item("A", "a/")]))),
            lambda: _key(_story("2024/soup/"), _nav(HOME, _item("More", None, children=[_item("B", "a/")]))),
            False,
        ),
    ],
)
def test_what_tells_two_navs_apart(left, right, same):
    assert left() is not None and right() is not None
    assert (left() == right()) is same


def test_a_page_in_the_nav_renders_its_own():
    lessons_page = SimpleNamespace(url="lessons/", parent=None)
    assert _key(lessons_page, _nav(HOME, LESSONS, pages=[HOME, lessons_page])) is None
    assert _key(SimpleNamespace(url="a/b/", parent=LESSONS)) is None  # (a page under a section)
    assert navmemo.nav_key({"page": None, "nav": NAV}) is None


def test_the_memo_renders_once_per_key():
    renders = []

    def render(context):
        renders.append(context["page"].url)
        yield "<nav>"
        yield context["page"].url.split("/")[0]  # (a render that differs: the memo must not be asked)
        yield "</nav>"

    memoised = navmemo.memoised(render)
    first = "".join(memoised(_context(_story("2024/soup/"), NAV)))
    second = "".join(memoised(_context(_story("2025/kettle/"), NAV)))
    in_nav = "".join(memoised(_context(SimpleNamespace(url="lessons/", parent=None), _nav(HOME, LESSONS, pages=[]))))
    assert renders == ["2024/soup/", "lessons/"]  # the second story page reused the first's
    assert first == second == "<nav>2024</nav>"
    assert in_nav == "<nav>lessons</nav>"


# --- builds --------------------------------------------------------------------------------------------


def _build(project: Path, site: Path) -> None:
    from mkdocs.commands.build import build

    from harvest.site.project import load_mkdocs_config

    config = load_mkdocs_config(project / "mkdocs.yml", site_dir=str(site))
    config.plugins.on_startup(command="build", dirty=False)
    build(config)


def test_a_site_with_the_memo_is_the_site_without_it(project, tmp_path, monkeypatch):
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)
    installed = []
    real_install = navmemo.install
    monkeypatch.setattr(navmemo, "install", lambda env: installed.append(real_install(env)))
    _build(project, tmp_path / "memo")
    assert installed == [True]
    monkeypatch.setattr(navmemo, "install", lambda env: installed.append(False))
    _build(project, tmp_path / "plain")
    assert differing_files(tmp_path / "memo", tmp_path / "plain") == []
    story = (tmp_path / "memo" / "2026" / "flood-drill" / "index.html").read_text("utf-8")
    assert 'href="../../lessons/" class="md-nav__link"' in story  # the nav is there, linked from this page


def test_a_users_nav_template_is_rendered_for_each_page(tmp_path, monkeypatch):
    """overrides/partials/nav.html may read anything of the page: no memo, each page its own."""
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)
    project = copy_project(tmp_path / "archive")
    partials = project / "overrides" / "partials"
    partials.mkdir(parents=True)
    (partials / "nav.html").write_text('<nav class="mine">You are on: {{ page.title | e }}</nav>\n', "utf-8")
    _build(project, tmp_path / "site")
    drill = (tmp_path / "site" / "2026" / "flood-drill" / "index.html").read_text("utf-8")
    soup = (tmp_path / "site" / "2025" / "winter-soup-line" / "index.html").read_text("utf-8")
    assert '<nav class="mine">You are on: ' in drill
    drill_title = drill.split('<nav class="mine">You are on: ', 1)[1].split("</nav>", 1)[0]
    soup_title = soup.split('<nav class="mine">You are on: ', 1)[1].split("</nav>", 1)[0]
    assert drill_title != soup_title
    assert drill_title in drill.split("<title>", 1)[1].split("</title>", 1)[0]


def test_a_build_in_another_folder_depth_still_links_right(project, tmp_path, monkeypatch):
    """The offline copy's pages link to index.html files: the memo's key is the links themselves."""
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)
    config_file = project / "mkdocs.yml"
    config_file.write_text(config_file.read_text("utf-8") + "\nuse_directory_urls: false\n", "utf-8")
    _build(project, tmp_path / "site")
    story = (tmp_path / "site" / "2026" / "flood-drill.html").read_text("utf-8")
    assert 'href="../lessons/index.html" class="md-nav__link"' in story
    home = (tmp_path / "site" / "index.html").read_text("utf-8")
    assert 'href="lessons/index.html" class="md-nav__link"' in home
    assert os.path.getsize(tmp_path / "site" / "2026" / "flood-drill.html") > 0
