"""The `harvest-search` MkDocs plugin: the site's search box and index, and the terminal index.

Replaces Material's `search` plugin (list `- harvest-search` after `- harvest`, and
no `- search`). Per build: the browser index files under `search/`, the search
script and styles, and -- when the terminal index exists or `whoosh: always` --
an incremental update of `.harvest/index/<profile>/` after the site is written.
The work is in `harvest.search`; this module only adapts it to MkDocs events.
"""
from __future__ import annotations

from importlib import resources

from mkdocs.config import base
from mkdocs.config import config_options as c
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, event_priority, get_plugin_logger
from mkdocs.structure.files import File, Files, InclusionLevel

from harvest.site.plugin import harvest_plugin
from harvest.core.problems import HarvestError

log = get_plugin_logger(__name__)
SCRIPT_URI = "assets/harvest/search.js"
STYLE_URI = "assets/harvest/search.css"
INDEX_DIR = "search"


class SearchConfig(base.Config):
    enabled = c.Type(bool, default=True)
    # Keep the terminal index (`harvest search`) current: "auto" updates it when it exists
    # (`harvest index` creates it), "always" also creates it, "never" leaves it alone.
    whoosh = c.Choice(("auto", "always", "never"), default="auto")


class SearchPlugin(BasePlugin[SearchConfig]):
    supports_multiple_instances = False
    core = None  # set in on_config; a build may fail (on_build_error) before that runs
    update_whoosh = False

    @event_priority(-100)  # after Material's `offline` plugin, whose CDN shim we take out again
    def on_config(self, config: MkDocsConfig) -> MkDocsConfig | None:
        self.core = None
        self.update_whoosh = False
        if not self.config.enabled:
            return config
        for name in ("search", "material/search"):
            if name in config.plugins:
                raise PluginError("mkdocs.yml: remove `- search` from `plugins:`; `harvest-search` replaces "
                                  "Material's search (which cannot work from the offline copy)")
        self.core = harvest_plugin(config)
        # Material's `offline` plugin adds a web-worker shim from unpkg.com for *its* search; ours uses
        # no worker, and no page may load anything from another host.
        polyfills = config.extra.get("polyfills")
        if polyfills:
            config.extra["polyfills"] = [p for p in polyfills if not ("iframe-worker" in str(p) and "//" in str(p))]
        if SCRIPT_URI not in [str(s) for s in config.extra_javascript]:
            config.extra_javascript.append(SCRIPT_URI)
        if STYLE_URI not in config.extra_css:
            config.extra_css.append(STYLE_URI)
        return config

    @event_priority(-50)  # after the core plugin has published the archive and its pages
    def on_files(self, files: Files, *, config: MkDocsConfig) -> Files | None:
        if self.core is None:
            return files
        from harvest.search.browser import build_browser_index
        from harvest.search.corpus import corpus_of

        archive = self.core.archive
        urls = {}
        for story in archive.stories:
            page = files.get_file_from_path(story.path)
            if page is None:
                raise PluginError(f"harvest-search: no page for {story.path}")
            urls[story.id] = page.url
        assets = resources.files("harvest").joinpath("assets/search")
        for uri, name in ((SCRIPT_URI, "search.js"), (STYLE_URI, "search.css")):
            files.append(File.generated(config, uri, content=assets.joinpath(name).read_bytes(),
                                        inclusion=InclusionLevel.NOT_IN_NAV))
        for name, content in build_browser_index(corpus_of(archive), urls).items():
            files.append(File.generated(config, f"{INDEX_DIR}/{name}", content=content,
                                        inclusion=InclusionLevel.NOT_IN_NAV))
        from harvest.search.corpus import forget
        from harvest.search.index import index_dir, read_manifest
        folder = index_dir(self.core.settings)
        self.update_whoosh = self.config.whoosh == "always" or (self.config.whoosh == "auto" and read_manifest(folder))
        if not self.update_whoosh:
            forget(archive)  # related stories and the browser index are done: free it for the pages
        return files

    def on_post_build(self, *, config: MkDocsConfig) -> None:
        if self.core is None:
            return
        from harvest.search.corpus import corpus_of, forget
        from harvest.search.index import index_dir, source_signature, update_index

        try:
            settings = self.core.settings
            folder = index_dir(settings)
            if self.update_whoosh:
                signature = source_signature(settings, config.config_file_path)
                report = update_index(corpus_of(self.core.archive).docs, folder, settings.prompts,
                                      extra={"sources": signature})
                log.info(f"{report.summary()} in {settings.display_path(folder)}")
        except HarvestError as error:
            raise PluginError(error.report()) from None
        finally:
            forget(self.core.archive)

    def on_build_error(self, *, error: Exception) -> None:
        if self.core is not None and self.core.archive is not None:
            from harvest.search.corpus import forget
            forget(self.core.archive)
