"""The `harvest-federation` MkDocs plugin: a Federation section, one page per archive we follow.

The peers' stories themselves come in through the core's scan (federation/stories.py), so
story pages, lessons, answers, search and feeds include them; this plugin only adds the pages
that say where they come from.
"""

from __future__ import annotations

from collections.abc import Iterable

from mkdocs.config.defaults import MkDocsConfig

from harvest.core.archive import Archive
from harvest.core.model import Story
from harvest.core.text import escape
from harvest.federation.config import FederationConfig
from harvest.site.context import BuildContext, FeaturePlugin
from harvest.site.pages import PageSpec, peer_uri

INDEX_URI = "federation/index.md"
INTRO = (
    "Stories from the archives we follow. Each archive decides what it shares; each story "
    "links back to where it came from, and leaves our site when its archive withdraws it."
)


class FederationPlugin(FeaturePlugin[FederationConfig]):
    supports_multiple_instances = False

    def on_config(self, config: MkDocsConfig) -> MkDocsConfig:
        self.context = None
        return config

    def nav_sections(self, config: MkDocsConfig) -> list[tuple[str, str]]:
        return [(self.config.nav_title, INDEX_URI)]

    def pages(self, context: BuildContext) -> Iterable[PageSpec]:
        self.context = context
        return federation_pages(context.archive, self.config.title)


def by_peer(archive: Archive) -> dict[str, tuple[str, list[Story]]]:
    """peer -> (archive name, its stories this profile shows), by archive name."""
    groups: dict[str, tuple[str, list[Story]]] = {}
    for story in archive.stories:
        if story.origin is not None:
            groups.setdefault(story.origin.peer, (story.origin.archive_name, []))[1].append(story)
    return dict(sorted(groups.items(), key=lambda item: item[1][0].casefold()))


def federation_pages(archive: Archive, title: str) -> list[PageSpec]:
    groups = by_peer(archive)
    pages = [
        PageSpec(
            INDEX_URI,
            title,
            INTRO,
            "harvest/index.html",
            {"entries": [(peer_uri(peer), name, "", len(stories)) for peer, (name, stories) in groups.items()]},
        )
    ]
    for peer, (name, stories) in groups.items():
        pages.append(
            PageSpec(
                peer_uri(peer), name, f"Stories shared by {escape(name)}.", "harvest/list.html", {"stories": stories}
            )
        )
    return pages
