"""What one build knows, made once by the core plugin and handed to the feature plugins.

Pelican's split, in MkDocs' events: the core reads and publishes the stories (`on_files`),
asks each feature for its pages (`FeaturePlugin.pages`) and is the one place that
registers them, refusing a page asked for twice. Features read the build through the
`BuildContext` they are given, never through another plugin's attributes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Generic

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.plugins import BasePlugin, SomeConfig

from harvest.core.archive import Archive
from harvest.core.model import Story
from harvest.core.prompts import Section
from harvest.core.settings import Settings
from harvest.site.pages import PageSpec
from harvest.site.storyhtml import StoryHtml


@dataclass(frozen=True)
class BuildContext:
    settings: Settings
    archive: Archive  # what this build's profile may show
    # Every story id on disk, withheld ones too: a reference to a withheld story is not a typo.
    # For checking references only; never rendered.
    known_story_ids: frozenset[str]
    # `archive.front_matter_digests` of the published stories: {path: [id, digest]} (the search
    # index keeps them, so `harvest index` can tell a text-only edit after a build).
    front_matter: Mapping[str, list[str]]
    pages: Mapping[str, PageSpec]  # src_uri -> every Harvest page of this build (read-only view)
    # story id -> its rendered page cut into parts; filled as MkDocs renders the story pages,
    # so complete from `on_env` on (read-only view).
    story_html: Mapping[str, StoryHtml]
    # (story, one of its sections) -> that section's HTML from the story's cut, without its
    # heading; None when the story has no cut or the cut does not match its sections. Noted as a
    # read, like `story_html`; under `serve` each answer is cut once (`storyhtml.AnswerMemo`).
    story_answer: Callable[[Story, Section], str | None]


class FeaturePlugin(BasePlugin, Generic[SomeConfig]):
    """A Harvest feature's MkDocs plugin. The core plugin calls these hooks, in this order,
    for every feature listed in mkdocs.yml; each returns its part explicitly.
    Subclass it as MkDocs plugins are: `class SearchPlugin(FeaturePlugin[SearchConfig])`."""

    # Generic for the type checker; at run time `FeaturePlugin[X]` is MkDocs' `BasePlugin[X]`
    # (its `__class_getitem__` sets `config_class`). `BasePlugin[SomeConfig]` as the base would
    # run that hook with the type variable itself.

    config: SomeConfig
    context: BuildContext | None = None

    def nav_sections(self, config: MkDocsConfig) -> list[tuple[str, str]]:
        """(title, src_uri) sections to add to the navigation Harvest makes (on_config)."""
        return []

    def related_stories(self, archive: Archive, count: int) -> dict[str, list[Story]] | None:
        """Up to `count` related stories per story id, or None when this feature has no opinion."""
        return None

    def pages(self, context: BuildContext) -> Iterable[PageSpec]:
        """This feature's pages (on_files). Keep `context` for the later events."""
        self.context = context
        return ()

    def page_key(self, src_uri: str) -> object:
        """What this feature's own per-page hooks (on_page_context, on_post_page) read for the page
        `src_uri`, beyond its PageSpec, the files it looks up and the story texts it shows: part
        of the page's cache key (site/pagecache.py). Plain data; None when nothing."""
        return None

    def require_context(self) -> BuildContext:
        from mkdocs.exceptions import PluginError

        if self.context is None:
            raise PluginError(
                "this Harvest plugin needs the core plugin: list `- harvest` under `plugins:` in mkdocs.yml"
            )
        return self.context
