"""The `harvest-contribute` MkDocs plugin: a "Contribute a story" page built from the archive's config.

The page's fields come from the same configuration as `harvest new` and the issue form
(prompts, event kinds, lessons, visibility levels). Its script (assets/contribute.js)
assembles the story file in the browser; the page itself sends nothing anywhere: the
channels set in mkdocs.yml (email, issue form, drop point, pull request) are links the
contributor follows, or words telling them where to take the file.
"""

from __future__ import annotations

from collections.abc import Iterable
from importlib import resources

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import File, Files, InclusionLevel

from harvest.contribute.config import ContributeConfig, channel_settings
from harvest.contribute.page import page_data
from harvest.site.context import BuildContext, FeaturePlugin
from harvest.site.pages import PageSpec

PAGE_URI = "contribute/index.md"
ASSETS = ("contribute.js", "contribute.css")


class ContributePlugin(FeaturePlugin[ContributeConfig]):
    supports_multiple_instances = False

    def load_config(self, options, config_file_path=None):
        # An unknown option (`emial:`) would drop a channel without a word outside strict mode: refuse it.
        errors, warnings = super().load_config(options, config_file_path)
        unknown = [(key, w) for key, w in warnings if "Unrecognised configuration name" in str(w)]
        return errors + unknown, [item for item in warnings if item not in unknown]

    def on_config(self, config: MkDocsConfig) -> MkDocsConfig:
        self.context = None
        self.channels = channel_settings(self.config, config)
        return config

    def nav_sections(self, config: MkDocsConfig) -> list[tuple[str, str]]:
        return [(self.config.nav_title, PAGE_URI)]

    def pages(self, context: BuildContext) -> Iterable[PageSpec]:
        self.context = context
        data = page_data(context.archive, self.channels, self.config.title)
        return [PageSpec(PAGE_URI, self.config.title, "", "harvest/contribute.html", data)]

    def on_files(self, files: Files, *, config: MkDocsConfig) -> Files:
        self.require_context()
        for name in ASSETS:
            content = resources.files("harvest").joinpath(f"assets/{name}").read_bytes()
            files.append(
                File.generated(config, f"assets/harvest/{name}", content=content, inclusion=InclusionLevel.NOT_IN_NAV)
            )
        return files
