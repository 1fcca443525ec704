"""Which HTML pages the build's outside-request check reads: the smallest of each template.

Pages of a template differ only in escaped data and sanitised story HTML, so any one of them
shows what the template loads; the first one built was, for the Answers template, its biggest
page (8 MB at 5,000 stories), parsed again at every serve rebuild that added, removed or
re-tagged a story. Real builds of the sample archive, in this process, with the check's
argument recorded.
"""

from __future__ import annotations

import pytest

from conftest import copy_project
from harvest.cli.main import main
from harvest.site import plugin as site_plugin

ANSWERS = {"answers/missing/index.html", "answers/stepped-forward/index.html", "answers/surprised/index.html"}
SMALLEST_ANSWERS = "answers/missing/index.html"  # 26,137 bytes; the others 26,378 and 26,572


@pytest.fixture
def pages_read(monkeypatch):
    """The `html_pages` of each site check (not the overrides/ one, which reads every file)."""
    read: list[set[str]] = []
    real = site_plugin.scan_site

    def spy(folder, html_pages=None, verdicts=None):
        if html_pages is not None:
            read.append(set(html_pages))
        return real(folder, html_pages, verdicts)

    monkeypatch.setattr(site_plugin, "scan_site", spy)
    return read


def test_the_check_reads_the_smallest_page_of_each_template_rendered_or_reused(tmp_path, monkeypatch, pages_read):
    monkeypatch.setenv("HARVEST_TODAY", "2026-11-21")
    project = copy_project(tmp_path / "archive")
    monkeypatch.chdir(project)
    assert main(["build"]) == 0
    first = pages_read[-1]
    assert {p.relative_to(project / "site").as_posix() for p in (project / "site").rglob("*.html")} >= ANSWERS
    assert first & ANSWERS == {SMALLEST_ANSWERS}
    assert "404.html" in first
    assert "index.html" in first  # the home page: the only page of its template
    # Every page reused from the page store: each is known by the size stored with it.
    assert main(["build"]) == 0
    assert pages_read[-1] == first
    assert len(pages_read) == 2
