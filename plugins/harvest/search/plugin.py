"""The `harvest-search` MkDocs plugin: the site's search box and index, related stories, and
the terminal index.

Replaces Material's `search` plugin (list `- harvest-search`, and no `- search`). Per
build: one analysis of the published stories (the corpus; under `serve` a `CorpusMemo` keeps
each story's analysis across rebuilds, so only changed stories are analysed again), related
stories for the core's story pages (`RelatedMemo`: reused, from memory or `.harvest/cache/`,
when nothing they are computed from changed), the browser index files under `search/`, the
search script and styles, and -- when the terminal index exists or `whoosh: always` -- an
incremental update of `.harvest/index/<profile>/` after the site is written (under `serve`, in
a thread of its own once the build is over: `search.later`). Outside `serve`, a build in which no
story's document changed takes related stories and the browser index from the last build's
(`search.derived`) and makes no corpus at all.
The work is in `harvest.search`; this module only adapts it to MkDocs events.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from importlib import resources
from pathlib import Path

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import event_priority, get_plugin_logger
from mkdocs.structure.files import File, Files, InclusionLevel

from harvest.core.archive import Archive
from harvest.core.model import Story
from harvest.core.problems import HarvestError
from harvest.search import derived
from harvest.search.browser import BrowserMemo
from harvest.search.config import SearchConfig
from harvest.search.corpus import Corpus, CorpusMemo, corpus_of
from harvest.search.documents import SearchDocument, documents, documents_key
from harvest.search.later import AfterBuild, later_logger
from harvest.search.related import RelatedMemo
from harvest.site.context import BuildContext, FeaturePlugin
from harvest.site.pages import PageSpec

log = get_plugin_logger(__name__)
# What the update after a `serve` build says, outside MkDocs' loggers: a build running meanwhile
# would count its warning as its own (and fail under --strict, or not store the page rendering).
later_log = later_logger()
SCRIPT_URI = "assets/harvest/search.js"
STYLE_URI = "assets/harvest/search.css"
INDEX_DIR = "search"
DOCUMENTS_KEY = "documents_key"  # in the terminal index's manifest, after a build's update


class IndexFile(File):
    """A browser index file: once MkDocs has written it into the site folder (before any page is
    built), its bytes are read from there, not held in memory to the end of the build (15 MB at
    5,000 stories)."""

    def copy_file(self, dirty: bool = False) -> None:
        super().copy_file(dirty)
        if self._content is not None and os.path.isfile(self.abs_dest_path):
            self.abs_src_path, self._content = self.abs_dest_path, None


class SearchPlugin(FeaturePlugin[SearchConfig]):
    supports_multiple_instances = False
    serving = False
    corpus_memo: CorpusMemo | None = None  # under `serve`: each story's analysis, across rebuilds
    related_memo: RelatedMemo | None = None  # the last related stories, by the key of their inputs
    browser_memo: BrowserMemo | None = None  # under `serve`: the last browser index's parts
    after_build: AfterBuild | None = None  # under `serve`: the terminal index's update, after the build

    def on_startup(self, *, command: str, dirty: bool) -> None:
        # Defining this hook makes MkDocs keep this plugin, and its memos, across `serve` rebuilds.
        self.serving = command == "serve"
        self.corpus_memo = CorpusMemo() if self.serving else None
        self.related_memo = RelatedMemo()
        self.browser_memo = BrowserMemo() if self.serving else None
        self.after_build = AfterBuild() if self.serving else None

    def on_shutdown(self) -> None:
        if self.after_build is not None and self.after_build.running:
            log.info("finishing the terminal search index's update")
        self.wait_for_index()

    def wait_for_index(self) -> None:
        """Until the terminal index's update of the last build is done (`serve` makes it after the
        build; any other command during it)."""
        if self.after_build is not None:
            self.after_build.wait()

    @event_priority(-100)  # after Material's `offline` plugin, whose CDN shim we take out again
    def on_config(self, config: MkDocsConfig) -> MkDocsConfig | None:
        self.context = None
        self.corpus: Corpus | None = None
        # For the terminal index's update after the build: the documents to give it, and (when not
        # all of them) the manifest entries of the others, as it holds them.
        self.index_docs: list[SearchDocument] | None = None
        self.index_same: dict[str, list] | None = None
        self.update_whoosh = False
        self.sources: tuple[str, dict] | None = None
        self.derived: derived.Derived | None = None  # what the last build derived from the same documents
        self.derived_read = False
        self.derived_changed = False  # anything made anew, to keep for the next build
        if not self.config.enabled:
            return config
        for name in ("search", "material/search"):
            if name in config.plugins:
                raise PluginError(
                    "mkdocs.yml: remove `- search` from `plugins:`; `harvest-search` replaces "
                    "Material's search (which cannot work from the offline copy)"
                )
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

    def on_pre_build(self, *, config: MkDocsConfig) -> None:
        """Stamp the sources before the core reads any story (`on_files`): a story edited while the
        site builds then differs from what the terminal index records, and is indexed next time."""
        if not self.config.enabled:
            return
        from harvest.search.freshness import sources_signature
        from harvest.search.index import MANIFEST, index_dir
        from harvest.site.config import HarvestConfig, find_plugin_config, settings_from

        options = find_plugin_config(config, HarvestConfig)
        if options is None:
            return
        try:
            settings = settings_from(options, config)
        except HarvestError:
            return  # the core has reported it
        if self.config.whoosh == "never" or (
            self.config.whoosh == "auto" and not (index_dir(settings) / MANIFEST).is_file()
        ):
            return  # no terminal index to update after this build
        config_file = Path(config.config_file_path) if config.config_file_path else None
        self.sources = sources_signature(settings, config_file)

    def related_stories(self, archive: Archive, count: int) -> dict[str, list[Story]] | None:
        if not self.config.enabled:
            return None
        self.derived = self._derived(archive)
        kept = self.derived.related_for(count, [s.id for s in archive.stories]) if self.derived else None
        if kept is not None:  # no document changed since the last build: no corpus needed for these
            by_id = {story.id: story for story in archive.stories}
            return {story_id: [by_id[other] for other in others] for story_id, others in kept.items()}
        self.corpus = self._corpus(archive)
        if self.related_memo is None:
            self.related_memo = RelatedMemo()
        related = self.related_memo.related(archive, self.corpus, count)
        if self.derived is not None and self.related_memo.last is not None:
            self.derived.count, self.derived.related = count, self.related_memo.last[1]
            self.derived_changed = True
        return related

    def _corpus(self, archive: Archive) -> Corpus:
        # the one analysis of this build's stories (under `serve`: of the stories that changed)
        return self.corpus_memo.corpus(archive) if self.corpus_memo is not None else corpus_of(archive)

    def _derived(self, archive: Archive) -> derived.Derived | None:
        """What the last build derived from the same documents (`search.derived`), for a build with
        the cache on; not under `serve`, whose memos keep the corpus to patch it at each rebuild."""
        self.derived_read = True
        settings = archive.settings
        if self.corpus_memo is not None or not settings.cache:
            return None
        from harvest.site.front import versions_of
        from harvest.site.pagecache import software_key

        key = documents_key(archive, versions_of(archive), software_key())
        return derived.read(derived.cache_file(settings.project_dir, settings.profile), software_key(), key)

    def pages(self, context: BuildContext) -> Iterable[PageSpec]:
        self.context = context
        return ()

    def on_files(self, files: Files, *, config: MkDocsConfig) -> Files | None:
        if not self.config.enabled:
            return files
        from harvest.search.browser import build_browser_index
        from harvest.search.index import index_dir, read_manifest, split_indexed
        from harvest.site.pagecache import software_key

        context = self.require_context()
        archive = context.archive
        if not self.derived_read:  # (no related stories were asked for)
            self.derived = self._derived(archive)
        urls = {}
        for story in archive.stories:
            page = files.get_file_from_path(story.path)
            if page is None:
                raise PluginError(f"harvest-search: no page for {story.path}")
            urls[story.id] = page.url
        assets = resources.files("harvest").joinpath("assets/search")
        for uri, name in ((SCRIPT_URI, "search.js"), (STYLE_URI, "search.css")):
            files.append(
                File.generated(
                    config, uri, content=assets.joinpath(name).read_bytes(), inclusion=InclusionLevel.NOT_IN_NAV
                )
            )
        kept = self.derived
        browser = derived.browser_key(kept.documents, urls, context.settings.site_name) if kept else ""
        index_files = kept.browser_for(browser) if kept else None
        if index_files is None:
            self.corpus = self.corpus or self._corpus(archive)
            index_files = build_browser_index(self.corpus, urls, context.settings.site_name, self.browser_memo)
            if kept is not None:
                kept.browser, kept.files, self.derived_changed = browser, index_files, True
        elif self.corpus is None:
            log.info("related stories and the browser index as the last build made them (no story's document changed)")
        for name, content in index_files.items():
            files.append(
                IndexFile.generated(config, f"{INDEX_DIR}/{name}", content=content, inclusion=InclusionLevel.NOT_IN_NAV)
            )
        if kept is not None and self.derived_changed:
            settings = context.settings
            derived.write(derived.cache_file(settings.project_dir, settings.profile), software_key(), kept)
        if kept is not None:
            kept.files = {}  # the index files hold their bytes until MkDocs writes them, then drop them
        folder = index_dir(context.settings)
        manifest = read_manifest(folder)
        self.update_whoosh = self.config.whoosh == "always" or (self.config.whoosh == "auto" and bool(manifest))
        if self.update_whoosh and kept is not None and _indexes(manifest, kept.documents, context.settings.prompts):
            self.update_whoosh = False  # the terminal index holds these very documents: nothing to compare
            log.info(f"search index unchanged: it holds these stories ({context.settings.display_path(folder)})")
        # Related stories and the browser index are done: the pages get the memory of the corpus.
        # The terminal index's update after the build needs the documents it does not hold as they
        # are (one build: under `serve`, the last build's update may be running; all of them).
        self.index_docs, self.index_same = None, None
        if self.update_whoosh:
            docs = (self.corpus or self._corpus(archive)).docs
            split = split_indexed(docs, folder, context.settings.prompts) if not self.serving else None
            self.index_docs, self.index_same = split or (docs, None)
        self.corpus = None
        return files

    def on_post_build(self, *, config: MkDocsConfig) -> None:
        if self.context is None or self.index_docs is None:
            return
        from harvest.search.edited import STORIES_KEY
        from harvest.search.freshness import sources_signature
        from harvest.site.front import versions_of

        settings = self.context.settings
        config_file = Path(config.config_file_path) if config.config_file_path else None
        signature, detail = self.sources or sources_signature(settings, config_file)
        # What `harvest index` keeps too, so that an edit after this build is read alone.
        extra = {
            "sources": signature,
            "versions": sorted(versions_of(self.context.archive)),
            STORIES_KEY: dict(self.context.front_matter),
        }
        if self.derived is not None:  # what the index will hold: these documents (see `_indexes`)
            extra[DOCUMENTS_KEY] = self.derived.documents
        docs, same, self.index_docs, self.index_same = self.index_docs, self.index_same, None, None
        if self.after_build is None:
            try:
                log.info(_update_terminal_index(settings, docs, extra, detail, same, self.context.archive))
            except HarvestError as error:
                raise PluginError(error.report()) from None
            return

        def update() -> None:  # under `serve`: the browsers reload meanwhile
            try:
                later_log.info(_update_terminal_index(settings, docs, extra, detail))
            except HarvestError as error:
                later_log.warning(f"the terminal search index was not updated:\n{error.report()}")
            except OSError as error:  # (a full disk…) a thread's exception would print a traceback
                later_log.warning(f"the terminal search index was not updated: {error}")

        self.after_build.start(update)

    def on_build_error(self, *, error: Exception) -> None:
        self.corpus = self.index_docs = self.index_same = self.derived = None
        if self.corpus_memo is not None:
            self.corpus_memo.forget()  # a failed build may have stopped anywhere: start afresh
        if self.browser_memo is not None:
            self.browser_memo = BrowserMemo()


def _indexes(manifest: dict | None, documents: str, prompts) -> bool:
    """Does the terminal index hold exactly the documents of `documents_key` `documents`? Its
    manifest says so only when the last update was a build's of those documents: any other
    update (`harvest index`, another build) writes its manifest without that key, or another."""
    from harvest.search.index import schema_key

    return (
        isinstance(manifest, dict)
        and manifest.get(DOCUMENTS_KEY) == documents
        and manifest.get("schema") == schema_key(tuple(prompts))
    )


def _update_terminal_index(
    settings, docs, extra: dict, detail, same: dict[str, list] | None = None, archive: Archive | None = None
) -> str:
    """-> what was done, for the log. `same`: the manifest entries of the published documents left
    out of `docs`, as the index held them; when it no longer does (or it needs every document),
    every document is made again from `archive`."""
    from harvest.search.freshness import write_sources
    from harvest.search.index import IndexNeedsAll, index_dir, still_indexed, update_index

    folder = index_dir(settings)
    report = None
    if same is not None and archive is not None and still_indexed(folder, same):
        try:
            report = update_index(docs, folder, settings.prompts, extra=extra, unchanged=frozenset(same))
        except IndexNeedsAll:
            report = None
    if report is None:
        if same is not None and archive is not None:
            docs = documents(archive)  # (the same documents the corpus was made of)
        report = update_index(docs, folder, settings.prompts, extra=extra)
    write_sources(folder, extra["sources"], detail)
    return f"{report.summary()} in {settings.display_path(folder)}"
