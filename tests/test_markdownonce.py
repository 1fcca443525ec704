"""One Markdown converter for a build's pages (site/markdownonce.py): nothing of one page may
reach the next, and every page renders as MkDocs' own `Page.render` renders it.

Real MkDocs objects (config, files, pages) in a temp folder; the expected HTML of the second
page, which would show a leak, is written out by hand.
"""

from __future__ import annotations

from types import SimpleNamespace

import markdown
import pytest
import yaml
from mkdocs.config import load_config
from mkdocs.structure.files import File, Files
from mkdocs.structure.pages import Page

from conftest import copy_project, differing_files
from harvest.site import markdownonce
from harvest.site.markdownonce import SharedMarkdown

OWN = ["toc", "attr_list", "md_in_html", "footnotes", "abbr"]

# Each page leaves something behind that a converter not reset would carry to the next one:
# a reference link, a footnote, an abbreviation, heading ids, raw-HTML ids, an <h1> title.
FIRST = """# First page

[ref]: https://example.org/

*[HTML]: Hyper Text

See [ref] and HTML.[^note]

[^note]: A note.

## Intro

<div id="raw-anchor" markdown>*x*</div>

[the other part](other.md#part)
"""
SECOND = """## Intro

See [ref] and HTML.[^note]

## Intro
"""
SECOND_HTML = '<h2 id="intro">Intro</h2>\n<p>See [ref] and HTML.[^note]</p>\n<h2 id="intro_1">Intro</h2>'


def setup(tmp_path, extensions: list[str]):
    docs = tmp_path / "docs"
    docs.mkdir()
    for name, text in (("first.md", FIRST), ("second.md", SECOND), ("other.md", "# Other\n\n## Part {#part}\n")):
        (docs / name).write_text(text, encoding="utf-8")
    config_file = tmp_path / "mkdocs.yml"
    config_file.write_text(yaml.safe_dump({"site_name": "T", "markdown_extensions": extensions}), encoding="utf-8")
    config = load_config(str(config_file))
    every = [
        File(name, str(docs), config.site_dir, config.use_directory_urls)
        for name in ("first.md", "second.md", "other.md")
    ]
    return config, Files(every), every[:2]


def rendered(config, files, file: File, render) -> dict:
    page = Page(None, file, config)
    page.read_source(config)
    render(page, config, files)
    return {
        "content": page.content,
        "toc": [(item.id, item.title, [child.id for child in item.children]) for item in page.toc],
        "title": page._title_from_render,
        "anchors": page.present_anchor_ids,
        "links": {f.src_uri: anchors for f, anchors in (page.links_to_anchors or {}).items()},
    }


@pytest.fixture
def made(monkeypatch):
    """How many converters `markdownonce` makes (MkDocs' own are not counted)."""
    count = [0]

    class Counted(markdown.Markdown):
        def __init__(self, *args, **kwargs):
            count[0] += 1
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(markdownonce, "markdown", SimpleNamespace(Markdown=Counted))
    return count


def test_one_converter_renders_every_page_as_mkdocs_does_and_keeps_nothing_between_them(tmp_path, made):
    config, files, pages = setup(tmp_path, OWN)
    shared = SharedMarkdown()
    ours = [rendered(config, files, f, shared.render) for f in pages]
    assert made[0] == 1  # one converter for both pages
    mkdocs = [rendered(config, files, f, Page.render) for f in pages]  # a new converter per page
    assert ours == mkdocs
    second = ours[1]
    assert second["content"] == SECOND_HTML  # no reference, footnote or abbreviation of the first page
    assert second["toc"] == [("intro", "Intro", []), ("intro_1", "Intro", [])]  # ids count from this page
    assert second["title"] is None  # the first page's <h1> is not this one's title
    assert second["anchors"] == {"intro", "intro_1"}  # not "raw-anchor"
    assert second["links"] == {}
    first = ours[0]
    assert first["title"] == "First page"
    assert first["anchors"] == {"first-page", "intro", "raw-anchor", "fnref:note", "fn:note"}
    assert first["links"] == {
        "first.md": {"fn:note": "#fn:note", "fnref:note": "#fnref:note"},  # the footnote's own links
        "other.md": {"part": "other.md#part"},
    }
    assert '<abbr title="Hyper Text">HTML</abbr>' in first["content"]
    assert '<a href="https://example.org/">ref</a>' in first["content"]


def test_the_same_page_twice_renders_the_same(tmp_path, made):
    config, files, pages = setup(tmp_path, OWN)
    shared = SharedMarkdown()
    once, _, again = (rendered(config, files, f, shared.render) for f in (pages[0], pages[1], pages[0]))
    assert once == again
    assert made[0] == 1


@pytest.mark.parametrize("foreign", ["pymdownx.caret", "pymdownx.snippets"])
def test_any_extension_not_python_markdowns_own_gets_a_converter_per_page(tmp_path, made, foreign):
    config, files, pages = setup(tmp_path, [*OWN, foreign])
    shared = SharedMarkdown()
    ours = [rendered(config, files, f, shared.render) for f in pages]
    # One converter to look at its processors, then MkDocs' own for each page.
    assert made[0] == 1
    assert shared._md is None
    assert ours == [rendered(config, files, f, Page.render) for f in pages]


@pytest.mark.parametrize(
    ("extensions", "own"),
    [
        ([], True),
        (OWN, True),
        (["tables", "fenced_code", "def_list", "admonition", "smarty", "sane_lists"], True),
        (["toc", "pymdownx.betterem"], False),
        (["pymdownx.caret"], False),
    ],
)
def test_own_processors_only(extensions, own):
    assert markdownonce.own_processors_only(markdown.Markdown(extensions=extensions)) is own


def test_a_build_of_the_sample_archive_writes_what_a_converter_per_page_writes(tmp_path, monkeypatch, made):
    """The whole site, byte for byte, against a build where each page gets MkDocs' own converter."""
    from harvest.cli.main import main

    monkeypatch.setenv("HARVEST_TODAY", "2026-11-21")
    shared, per_page = copy_project(tmp_path / "shared"), copy_project(tmp_path / "per-page")
    monkeypatch.chdir(shared)
    assert main(["build"]) == 0
    assert made[0] == 1  # one converter for every page of the build
    monkeypatch.setattr(SharedMarkdown, "render", lambda self, page, config, files: Page.render(page, config, files))
    monkeypatch.chdir(per_page)
    assert main(["build"]) == 0
    assert made[0] == 1
    assert len(list((shared / "site").rglob("*.html"))) > 20
    assert differing_files(shared / "site", per_page / "site") == []
