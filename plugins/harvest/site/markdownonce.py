"""One Markdown converter for a build's Harvest pages, not one per page.

MkDocs' `Page.render` makes a new `markdown.Markdown` for every page: every extension is loaded
and every processor registered again, 0.33 ms a page here (1,189 pages at 1,000 stories: 0.4 s
of a cold build; ~5,000 pages at 5,000). Python-Markdown's own contract is that one converter serves many documents
with `reset()` between them, which clears its stash, its references and every extension's
state. Here one converter is made per build and reset before each page, and MkDocs' four
per-page processors (anchors, relative links, raw HTML ids, the title) are made anew for each
page: registered under their names, they replace the last page's, in the same order.

Only where that contract is known to hold: every processor the converter holds must be
Python-Markdown's own (its core and `markdown.extensions`) or one of MkDocs' four. Any other
extension (a `pymdownx` one, a project's own) may keep state from page to page, so each page
then gets its own converter from MkDocs, as without this module.
"""

from __future__ import annotations

import logging

import markdown
from mkdocs.structure.pages import (
    Page,
    _ExtractAnchorsTreeprocessor,
    _ExtractTitleTreeprocessor,
    _RawHTMLPreprocessor,
    _RelativePathTreeprocessor,
)
from mkdocs.structure.toc import get_toc

MKDOCS_PROCESSORS = (
    _ExtractAnchorsTreeprocessor,
    _ExtractTitleTreeprocessor,
    _RawHTMLPreprocessor,
    _RelativePathTreeprocessor,
)
_pages_log = logging.getLogger("mkdocs.structure.pages")  # (Page.render reads its level)


def own_processors_only(md: markdown.Markdown) -> bool:
    """Is every processor of `md` Python-Markdown's own or MkDocs' per-page one?"""
    registries = (md.preprocessors, md.parser.blockprocessors, md.inlinePatterns, md.treeprocessors, md.postprocessors)
    for registry in registries:
        for item in registry:
            module = type(item).__module__
            if not (module == "markdown" or module.startswith("markdown.") or isinstance(item, MKDOCS_PROCESSORS)):
                return False
    return True


class SharedMarkdown:
    """One build's converter for the pages handed to `render` (as `Page.render` does it)."""

    def __init__(self) -> None:
        self._md: markdown.Markdown | None = None
        self._shared: bool | None = None  # None: not decided yet (the first page decides)

    def render(self, page: Page, config, files) -> None:
        md = self._converter(config)
        if md is None:
            Page.render(page, config, files)
            return
        if page.markdown is None:
            raise RuntimeError("`markdown` field hasn't been set (via `read_source`)")
        md.reset()
        raw_html = _RawHTMLPreprocessor()
        raw_html._register(md)
        anchors = _ExtractAnchorsTreeprocessor(page.file, files, config)
        anchors._register(md)
        relative = _RelativePathTreeprocessor(page.file, files, config)
        relative._register(md)
        title = _ExtractTitleTreeprocessor()
        title._register(md)
        page.content = md.convert(page.markdown)
        page.toc = get_toc(getattr(md, "toc_tokens", []))
        page._title_from_render = title.title
        page.present_anchor_ids = anchors.present_anchor_ids | raw_html.present_anchor_ids
        if _pages_log.getEffectiveLevel() > logging.DEBUG:
            page.links_to_anchors = relative.links_to_anchors

    def _converter(self, config) -> markdown.Markdown | None:
        if self._shared is None:
            extensions, settings = config["markdown_extensions"], config["mdx_configs"] or {}
            md = markdown.Markdown(extensions=extensions, extension_configs=settings)
            self._shared = own_processors_only(md)
            self._md = md if self._shared else None
        return self._md
