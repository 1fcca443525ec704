"""The `harvest` MkDocs plugin: a thin adapter from MkDocs events to Harvest's core.

Per-build state is reset in `on_config` (plugins live across `mkdocs serve` rebuilds).
In `on_files` the archive is read and published once, the feature plugins are asked for
their related stories and pages, and every Harvest page is registered here, once; the
`BuildContext` they are handed is how they see the build.
"""

from __future__ import annotations

import contextlib
import functools
import html
import json
import logging
import os
from collections.abc import Iterator, Mapping
from importlib import resources
from pathlib import Path
from types import MappingProxyType

from markupsafe import Markup
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, event_priority, get_plugin_logger
from mkdocs.structure.files import File, Files, InclusionLevel
from mkdocs.structure.pages import Page

from harvest.core import background
from harvest.core.archive import Archive, front_matter_digests, publish, scan
from harvest.core.fileio import make_folders, published_name
from harvest.core.images import publish_images
from harvest.core.model import Story
from harvest.core.problems import HarvestError
from harvest.core.prompts import Section
from harvest.core.sanitize import clean_html, clean_toc
from harvest.offline.outside import OVERRIDES_HINT, SITE_HINT, outside_problems, scan_site
from harvest.offline.verdicts import verdicts_for
from harvest.site import navmemo, quick, twocores
from harvest.site.compiled import CompiledTemplates
from harvest.site.config import HarvestConfig, settings_from
from harvest.site.context import BuildContext, FeaturePlugin
from harvest.site.front import enrich_pages, language_name, people_date
from harvest.site.frontconfig import footer_globals, front_options
from harvest.site.markdownonce import SharedMarkdown
from harvest.site.pagecache import (
    PAGE_EVENTS,
    CutMemo,
    DirtyNotice,
    PageCache,
    ReusableFile,
    file_lookup,
    stale_outputs,
    store_folder,
)
from harvest.site.pages import RESERVED_DIRS, PageSpec, default_nav, plan_pages
from harvest.site.pagestore import PageStore
from harvest.site.rebuilds import RebuildCollector
from harvest.site.storyhtml import AnswerMemo, StoryHtml, split_story_html

log = get_plugin_logger(__name__)
ASSET_URI = "assets/harvest/harvest.css"
ALTERNATES_URI = "assets/harvest/alternates.js"
# Material's bundle fetches this polyfill from unpkg.com on browsers without ResizeObserver (old
# phones); shipped and listed in extra.polyfills, it is loaded locally first and nothing is fetched.
RESIZE_OBSERVER = ("resize-observer-polyfill/ResizeObserver.js", "resize-observer-polyfill/LICENSE")
VENDOR_URI = "assets/harvest/vendor/"
# Before the feature plugins (default priority 0): they are handed what the core builds here.
CORE_FIRST = 50
CORE_LAST = -1000  # after every other plugin's per-page hook: the page as MkDocs writes it


def features(config: MkDocsConfig) -> list[FeaturePlugin]:
    return [plugin for plugin in config.plugins.values() if isinstance(plugin, FeaturePlugin)]


def foreign_page_plugins(config: MkDocsConfig, events: tuple[str, ...] = PAGE_EVENTS) -> list[str]:
    """Plugins other than Harvest's that change pages: with one, no page is reused or made quick."""
    return sorted(
        name
        for name, plugin in config.plugins.items()
        if not isinstance(plugin, HarvestPlugin | FeaturePlugin)
        and any(hasattr(plugin, f"on_{event}") for event in events)
    )


class HarvestPlugin(BasePlugin[HarvestConfig]):
    supports_multiple_instances = False
    serving = False  # `harvest serve`: one site folder, rebuilt in place
    previous_outputs: set[str] = set()  # noqa: RUF012  (replaced, never changed, per instance)
    serve_store: PageStore | None = None
    serve_cuts: CutMemo | None = None
    lookups_held: dict[str, str] = {}  # noqa: RUF012  (replaced in on_startup, per instance)
    collector: RebuildCollector | None = None  # serve: the cycle collector across rebuilds
    compiled: CompiledTemplates | None = None  # serve: the theme's templates, compiled once
    answers: AnswerMemo | None = None  # serve: each answer's HTML, cut once from a kept cut

    def on_startup(self, *, command: str, dirty: bool) -> None:
        # Defining this hook also makes MkDocs keep this plugin across `serve` rebuilds, and with
        # it the list of files the last build wrote (a removed story's page is deleted).
        self.serving = command == "serve"
        self.previous_outputs = set()
        # serve: one page store for every rebuild (it remembers the entries and objects it checked)
        self.serve_store: PageStore | None = None
        self.lookups_held: dict[str, str] = {}
        self.serve_cuts: CutMemo | None = None  # (with serve_store: the cuts of the entries it remembers)
        self.collector = RebuildCollector() if self.serving else None
        self.compiled = CompiledTemplates() if self.serving else None
        self.answers = AnswerMemo() if self.serving else None

    def on_shutdown(self) -> None:
        if self.collector is not None:
            self.collector.release()

    @event_priority(CORE_FIRST)
    def on_config(self, config: MkDocsConfig) -> MkDocsConfig:
        self.context: BuildContext | None = None
        self.specs: dict[str, PageSpec] = {}
        self.story_html: dict[str, StoryHtml] = {}  # story id -> its rendered page, cut into parts
        self.page_cache: PageCache | None = None
        self.files: Files | None = None
        self.page_per_template: dict[str, str] = {}  # template -> one page built with it (site-relative)
        self.quick_parts: dict = {}  # serve: what a quick page needs of this build (site/quick.py)
        self.markdown = SharedMarkdown()  # this build's converter for Harvest's pages (its extensions)
        self.second: twocores.SecondProcess | None = None  # the pages rendered on another core
        self.folders: background.Job[int] | None = None  # the pages' folders, made on another core
        # Only Harvest changes or reads pages: a story page's HTML can go once it is written.
        self.release_written = not foreign_page_plugins(config)
        if self.serving:
            quick.arm(None)  # a build started: the last one's objects are being replaced
        try:
            self.settings = settings_from(self.config, config)
        except HarvestError as error:
            raise PluginError(error.report()) from None
        templates = str(resources.files("harvest").joinpath("templates"))
        if templates not in config.theme.dirs:
            # After the user's overrides/ (which therefore win), before Material's own templates:
            # Harvest's partials (the archive's footer) replace the theme's.
            config.theme.dirs.insert(1 if config.theme.custom_dir else 0, templates)
        for extension in ("attr_list", "md_in_html"):
            if extension not in config.markdown_extensions:
                config.markdown_extensions.append(extension)
        if ASSET_URI not in config.extra_css:
            config.extra_css.insert(0, ASSET_URI)
        polyfills = config.extra.setdefault("polyfills", [])
        if VENDOR_URI + RESIZE_OBSERVER[0] not in polyfills:
            polyfills.insert(0, VENDOR_URI + RESIZE_OBSERVER[0])
        self.nav_uris: frozenset[str] = frozenset()
        if config.nav is None:  # never list every story: that makes the build quadratic
            nav = default_nav()
            for feature in features(config):
                nav += [{title: uri} for title, uri in feature.nav_sections(config)]
            config.nav = nav
            self.nav_uris = frozenset(uri for entry in nav for uri in entry.values())
        if self.config.cache:
            self.page_cache = self._page_cache(config)
        return config

    def _page_cache(self, config: MkDocsConfig) -> PageCache:
        """Pages are reused only when every per-page hook is one whose inputs Harvest knows."""
        foreign = foreign_page_plugins(config)
        if foreign:
            log.info(f"page cache: every page is rendered (plugins {', '.join(foreign)} change pages)")
        folder = store_folder(self.settings.project_dir)
        if not self.serving:
            cache = PageCache(PageStore(folder), reuse=not foreign)
        else:
            if self.serve_store is None or self.serve_store.folder != folder:
                self.serve_store, self.lookups_held = PageStore(folder, remember=True), {}
                self.serve_cuts = CutMemo()
            cache = PageCache(self.serve_store, reuse=not foreign, lookups_held=self.lookups_held, cuts=self.serve_cuts)
        # MkDocs' warning about dirty builds is dropped only where Harvest's is exact: a fresh
        # (staging) folder, or `serve`, whose leftovers the plugin removes. A `mkdocs build
        # --dirty` into an old site folder keeps it.
        builder = logging.getLogger("mkdocs.commands.build")
        for old in [f for f in builder.filters if isinstance(f, DirtyNotice)]:
            builder.removeFilter(old)
        site = Path(config.site_dir)
        if self.serving or not site.is_dir() or not any(site.iterdir()):
            builder.addFilter(DirtyNotice())
        return cache

    @event_priority(CORE_FIRST)
    def on_files(self, files: Files, *, config: MkDocsConfig) -> Files:
        if self.serving:  # before the scan: a file changed while it is read is seen as changed
            self.quick_parts["stamps"] = quick.file_stamps(self.settings.stories_dir)
        try:
            collection = scan(self.settings)
            if collection.errors:
                raise HarvestError(collection.problems)
        except HarvestError as error:
            raise PluginError("Harvest found problems in the stories:\n" + error.report()) from None
        archive = publish(collection)
        if self.serving:
            self.quick_parts.update(
                read={s.path: s for s in collection.stories if s.origin is None},
                lessons=collection.lessons,
                registry=collection.registry,
            )
        for problem in collection.problems:
            (log.warning if problem.strict else log.info)(problem.format())
        log.info(
            f"profile '{self.settings.profile}': {len(archive.stories)} stories published, {archive.withheld} withheld"
        )
        for story in archive.stories:
            top = story.path.split("/", 1)[0]
            if top in RESERVED_DIRS or story.path == "index.md":
                raise PluginError(
                    f"{self.settings.display_path(self.settings.stories_dir / story.path)}: "
                    f"this path is used by Harvest's own pages; move the story to another folder"
                )
        # Default deny: nothing from the stories folder is published unless Harvest puts it here.
        # (Site assets belong in the theme's overrides/ folder, which MkDocs copies itself.)
        self.files = Files([f for f in files if f.src_dir != config.docs_dir])
        self.context = BuildContext(
            settings=self.settings,
            archive=archive,
            known_story_ids=frozenset(s.id for s in collection.stories),
            front_matter=MappingProxyType(front_matter_digests(collection.stories, {s.id for s in archive.stories})),
            pages=MappingProxyType(self.specs),
            story_html=StoryHtmlView(self.story_html, self._read_story),
            story_answer=self._story_answer,
        )
        planned = plan_pages(archive, self.related_stories(archive, config))
        enrich_pages(planned, archive, front_options(self.config, self.settings, self.context.known_story_ids))
        for spec in planned:
            self.add_page(spec, config)
        for feature in features(config):
            for spec in feature.pages(self.context):
                self.add_page(spec, config)
        self.add_assets(archive, collection.stories, config)
        return self.files

    def related_stories(self, archive: Archive, config: MkDocsConfig) -> dict[str, list[Story]]:
        """From the first feature that computes them (search's more-like-this); else none."""
        for feature in features(config):
            related = feature.related_stories(archive, self.settings.related_count)
            if related is not None:
                return related
        return {}

    def add_page(self, spec: PageSpec, config: MkDocsConfig) -> None:
        """Register one generated page: the only place Harvest pages enter the site."""
        assert self.files is not None
        if spec.src_uri in self.specs:
            raise PluginError(f"two Harvest pages want {spec.src_uri}")
        self.specs[spec.src_uri] = spec
        inclusion = InclusionLevel.UNDEFINED if spec.src_uri in self.nav_uris else InclusionLevel.NOT_IN_NAV
        # The file holds only the front matter; the text comes in on_page_markdown, so it is never
        # held twice (file and page) for every page at once.
        self.files.append(
            ReusableFile.generated(config, spec.src_uri, content=_front_matter(spec), inclusion=inclusion)
        )

    @event_priority(CORE_FIRST)
    def on_nav(self, nav, *, config: MkDocsConfig, files: Files):
        """Every file and the navigation are known: key each page, and let MkDocs ask which to render."""
        self.quick_parts["nav"] = nav
        if self.page_cache is None:
            # Pages look up a few thousand paths some 30 times each; MkDocs' own lookup parses
            # every path anew (a PurePath per call). With the page cache on, its recorder does this.
            files.get_file_from_path = file_lookup(files)  # type: ignore[method-assign,assignment]
            return nav
        self.page_cache.prepare(
            config,
            nav,
            files,
            self.specs,
            self.settings,
            lambda uri: [feature.page_key(uri) for feature in features(config)],
        )
        if not self.serving and background.can_fork():
            # A folder a page (a story's `…/story-01234/`), made in the new staging folder: ~0.1-0.35 ms
            # each on an ext4 disk, 0.1-1.8 s at 5,000 stories, made meanwhile by a second process
            # while this one decides which pages to render (and renders their Markdown).
            folders = [os.path.dirname(f.abs_dest_path) for f in files.documentation_pages() if f.abs_dest_path]
            self.folders = background.Job(functools.partial(make_folders, folders))
        for uri in self.specs:
            file = files.get_file_from_path(uri)
            if isinstance(file, ReusableFile):
                file.decide = self._must_render
        return nav

    def _must_render(self, file: File) -> bool:
        assert self.page_cache is not None
        spec = self.specs[file.src_uri]
        story = spec.data.get("story")
        must = self.page_cache.decide(file, story.id if story else None, lambda entry: self._restore(file, entry))
        if must and self.serving:
            # The file there may be a hard link to a stored page: MkDocs writes into it, so unlink it first.
            Path(file.abs_dest_path).unlink(missing_ok=True)
        return must

    def _restore(self, file: File, entry: dict) -> bool:
        """A reused page still gives what other pages read of it: its title, metadata and anchors, and
        a story page its cut. -> False when the entry lacks them (the page is rendered)."""
        story = self.specs[file.src_uri].data.get("story")
        assert self.page_cache is not None
        stored = self.page_cache.stored_page(entry, story.id if story is not None else None)
        page, files = file.page, self.files
        if stored is None or page is None or files is None:
            return False
        if stored.links is not None:
            targets = {uri: files.get_file_from_path(uri) for uri in stored.links}
            found = {target: stored.links[uri] for uri, target in targets.items() if target is not None}
            if len(found) != len(targets):
                return False
            page.links_to_anchors = found
        page.title = stored.title
        page.meta = stored.meta
        page.present_anchor_ids = stored.anchors
        if story is not None and stored.cut is not None:
            self.story_html[story.id] = self.page_cache.story_cut(story.id, stored.cut)
        self.page_per_template.setdefault(stored.template, file.dest_uri)
        return True

    def _read_story(self, story_id: str) -> None:
        if self.page_cache is not None:
            self.page_cache.read_story(story_id)

    def _story_answer(self, story: Story, section: Section) -> str | None:
        """`BuildContext.story_answer`: one section's HTML from the story's cut."""
        self._read_story(story.id)
        cut, memo = self.story_html.get(story.id), self.answers
        if cut is None:
            return None
        return memo.answer(cut, story, section) if memo is not None else cut.answer(story, section)

    @event_priority(CORE_FIRST)
    def on_pre_page(self, page: Page, *, config: MkDocsConfig, files: Files) -> Page:
        if self.page_cache is not None:
            self.page_cache.start(page.file.src_uri)
        if page.file.src_uri in self.specs:
            page.render = functools.partial(self.markdown.render, page)  # type: ignore[method-assign]
        return page

    def add_assets(self, archive: Archive, every_story: list[Story], config: MkDocsConfig) -> None:
        assert self.files is not None
        images, image_errors = publish_images(archive, every_story)
        if image_errors:  # the same problems `harvest check` reports
            raise PluginError("Harvest found problems in the stories:\n" + HarvestError(image_errors).report())
        for uri, content in images.items():
            self.files.append(File.generated(config, uri, content=content))
        css = resources.files("harvest").joinpath("assets/harvest.css")
        self.files.append(
            File.generated(config, ASSET_URI, content=css.read_bytes(), inclusion=InclusionLevel.NOT_IN_NAV)
        )
        # Loaded by story pages that have language versions (story.html): see the script for why.
        alternates = resources.files("harvest").joinpath("assets/alternates.js").read_bytes()
        self.files.append(
            File.generated(config, ALTERNATES_URI, content=alternates, inclusion=InclusionLevel.NOT_IN_NAV)
        )
        vendor = resources.files("harvest").joinpath("assets/vendor")
        for name in RESIZE_OBSERVER:
            self.files.append(
                File.generated(
                    config,
                    VENDOR_URI + name,
                    content=vendor.joinpath(name).read_bytes(),
                    inclusion=InclusionLevel.NOT_IN_NAV,
                )
            )

    def on_env(self, env, *, config: MkDocsConfig, files: Files):
        if self.page_cache is not None:
            self.page_cache.stop()  # every page's Markdown is rendered
        env.globals["harvest_footer"] = footer_globals(self.config, config)
        env.filters["people_date"] = people_date
        env.filters["language_name"] = language_name
        if self.compiled is not None:
            self.compiled.serve(env)  # (before any template is loaded)
        navmemo.install(env)  # (this build's environment: MkDocs makes one per build)
        if self.answers is not None:
            self.answers.keep(self.story_html.values())  # (every story page's cut is made by now)
        self.quick_parts["env"] = env
        self._share_pages(config, files, env)
        return env

    def _share_pages(self, config: MkDocsConfig, files: Files, env) -> None:
        """The pages to render are shared with a second process (site/twocores.py). Not under
        `serve` (its server's threads: no fork), nor beside another plugin's per-page hooks, which
        may gather something from every page, or its `on_env`, which may hand MkDocs another
        template environment than the one the child would use."""
        if self.serving or foreign_page_plugins(config, (*PAGE_EVENTS, "env")) or not background.can_fork():
            return
        pages = twocores.shared(files, lambda file: file.to_render if isinstance(file, ReusableFile) else None)
        if not pages:
            return
        cache = self.page_cache
        stored_before = cache.counts["stored"] if cache is not None else 0

        def store() -> int:
            """In the child, its pages done: the last one stored; how many it stored in all."""
            assert cache is not None
            cache.keep_rendered(lambda uri: _dest(files, uri))
            return cache.counts["stored"] - stored_before

        work = twocores.PageWork(
            config=config,
            nav=self.quick_parts["nav"],
            env=env,
            files=files,
            keep_handler=lambda handler: cache is not None and handler is cache.spy,
            store=store if cache is not None else None,
        )
        try:
            self.second = twocores.SecondProcess(pages, work, self._rendered_elsewhere)
        except OSError as error:  # (no shared memory or semaphores here, e.g. no /dev/shm): one process
            log.debug(f"pages rendered in one process: {error}")
            return
        for page in pages:
            page.file.renders_here = self.second.renders_here  # type: ignore[attr-defined]

    def _rendered_elsewhere(self, file: File) -> None:
        """A page the second process renders: noted here where rendering it would have noted it."""
        page = file.page
        assert page is not None
        self.page_per_template.setdefault(page.meta.get("template") or "main.html", file.dest_uri)
        spec = self.specs.get(file.src_uri)
        if spec is not None and spec.data.get("story") is not None:
            page.content = None  # (rendered there: see on_post_page)

    # Before every other plugin's: the rebuild's full collection comes before the build's work,
    # and after every on_config (each plugin lets go of its last build's objects there).
    @event_priority(100)
    def on_pre_build(self, *, config: MkDocsConfig) -> None:
        """The theme's custom_dir (overrides/) is published as it is: it may load nothing from elsewhere."""
        if self.collector is not None:
            self.collector.build_starts()
        overrides = config.theme.custom_dir
        if overrides and Path(overrides).is_dir():
            self._refuse_outside_loads(Path(overrides), OVERRIDES_HINT)

    @event_priority(CORE_LAST)
    def on_post_page(self, output: str, *, page: Page, config: MkDocsConfig) -> str:
        template = page.meta.get("template") or "main.html"
        self.page_per_template.setdefault(template, page.file.dest_uri)
        if self.page_cache is not None and page.file.src_uri in self.specs:
            story = self.specs[page.file.src_uri].data.get("story")
            cut = self.story_html.get(story.id) if story is not None else None
            links = page.links_to_anchors
            meta = {
                "title": page.title,
                "meta": page.meta,
                "template": template,
                "cut": {"parts": list(cut.parts), "figures": cut.figures} if cut is not None else None,
                "anchors": sorted(page.present_anchor_ids) if page.present_anchor_ids is not None else None,
                "links": {f.src_uri: value for f, value in links.items()} if links is not None else None,
            }
            self.page_cache.page_written(page.file.src_uri, output, meta, story.id if story else None, cut)
        spec = self.specs.get(page.file.src_uri)
        if self.release_written and spec is not None and spec.data.get("story") is not None:
            # MkDocs keeps every page's HTML to the end of the build (~27 MB of story pages at
            # 5,000 stories, alive while the biggest pages come last: the build's peak). Nothing
            # reads a written story page's again; its cut (self.story_html) is what others show.
            page.content = None
        return output

    @event_priority(CORE_FIRST)
    def on_post_build(self, *, config: MkDocsConfig) -> None:
        """Every build, not only `pack`: the site makes no request to another host. Every CSS,
        script and JSON file is read, and one page per template (plus 404.html): pages of a kind
        differ only in escaped data and sanitised story HTML, judged by the same function, while
        reading all of them cost 5 s at 1,000 stories; a file whose bytes were cleared before is
        not parsed again (`offline.verdicts`). The offline build (`check_site: false`) skips it:
        `pack` reads every page of its copy."""
        second, self.second = self.second, None
        folders, self.folders = self.folders, None
        if folders is not None:
            with contextlib.suppress(background.BackgroundBug):  # (what is missing is made below)
                folders.result()
        cache, files = self.page_cache, self.files
        if cache is not None and files is not None:
            cache.keep_rendered(lambda uri: _dest(files, uri))  # (the last page)
            cache.place_reused()
        elsewhere = second.collect() if second is not None else None  # (its pages are all written now)
        if cache is not None and elsewhere is not None:
            cache.counts["rendered"] += elsewhere.rendered
            cache.counts["stored"] += elsewhere.stored
        if cache is not None and files is not None:
            cache.finish()
            if self.serving:
                self._remove_stale(config, files)
        if self.config.check_site:
            pages = set(self.page_per_template.values()) | {"404.html"}
            self._refuse_outside_loads(Path(config.site_dir), SITE_HINT, pages)
        if cache is not None and files is not None:
            log.info(
                f"page cache: {cache.counts['reused']} pages reused, {cache.counts['rendered']} rendered"
                f" ({cache.counts['stored']} stored)"
            )
        if elsewhere is not None:
            log.info(f"pages: {elsewhere.rendered} of those rendered were rendered by a second process")
        # Quick pages only where every per-page hook is Harvest's (as for reusing pages): another
        # plugin's hooks may keep state across the pages of one build.
        if self.serving and not foreign_page_plugins(config) and self.context is not None:
            quick.arm(quick.QuickState(plugin=self, config=config, **self.quick_parts))

    def on_serve(self, server, *, config: MkDocsConfig, builder):
        if isinstance(server, quick.QuickServer):
            server.stories_dir = os.path.abspath(config.docs_dir)
        return server

    def on_build_error(self, *, error: Exception) -> None:
        second, self.second = self.second, None
        if second is not None:
            second.stop()  # nothing it writes is wanted now
        folders, self.folders = self.folders, None
        if folders is not None:
            folders.stop()
        if self.page_cache is not None:
            self.page_cache.finish()

    def _remove_stale(self, config: MkDocsConfig, files: Files) -> None:
        """`serve` rebuilds in place: what the last build wrote and this one does not goes (a story
        removed or made private)."""
        site = Path(config.site_dir)
        current = {f.abs_dest_path for f in files if f.abs_dest_path}
        current |= {str(site / name) for name in config.theme.static_templates} | {str(site / "sitemap.xml.gz")}
        for path in stale_outputs(self.previous_outputs, current):
            if path.is_relative_to(site):
                path.unlink(missing_ok=True)
        self.previous_outputs = current

    def _refuse_outside_loads(self, folder: Path, hint: str, html_pages: set[str] | None = None) -> None:
        shown = self.settings.display_path(published_name(folder))  # `site`, not its staging folder
        verdicts = verdicts_for(self.settings.project_dir) if self.settings.cache else None  # (offline.verdicts)
        problems = outside_problems(scan_site(folder, html_pages, verdicts), shown, hint)
        if verdicts is not None:
            verdicts.save()
        if problems:
            raise PluginError(
                "Harvest refuses to publish what would load from another host:\n" + HarvestError(problems).report()
            )

    def on_page_markdown(self, markdown: str, *, page: Page, config: MkDocsConfig, files: Files) -> str | None:
        spec = self.specs.get(page.file.src_uri)
        if spec is None:
            return markdown
        return spec.markdown() if callable(spec.markdown) else spec.markdown

    def on_page_content(self, html: str, *, page: Page, config: MkDocsConfig, files: Files) -> str | None:
        spec = self.specs.get(page.file.src_uri)
        if spec is None:
            return html
        page.markdown = ""  # rendered: nothing reads the source again, so don't keep it for every page
        html = clean_html(html)  # stories are contributors' text: nothing in them may run
        clean_toc(page.toc)  # the sidebar's links follow the headings' namespaced ids
        story = spec.data.get("story")
        if story is not None:
            cut = split_story_html(html, len(story.sections))
            if self.page_cache is not None:
                cut = self.page_cache.story_cut(story.id, cut)
            self.story_html[story.id] = cut
        return html

    @event_priority(CORE_FIRST)
    def on_page_context(self, context, *, page: Page, config: MkDocsConfig, nav):
        spec = self.specs.get(page.file.src_uri)
        if spec is None or self.files is None:
            return context
        if self.page_cache is not None:
            # The pages before this one are written now: stored as the build goes, so the second
            # process's share of the pages (site/twocores.py) takes this time into account too.
            files = self.files
            self.page_cache.keep_rendered(lambda uri: _dest(files, uri))
            self.page_cache.start(page.file.src_uri)

        def harvest_section_html(story, section) -> str:
            html = self._story_answer(story, section)
            if html is not None:
                return html
            return Markup("<p>{}</p>").format(section.markdown)  # unrendered: shown as text

        context["harvest"] = spec.data
        context["harvest_url"] = url_from(page, self.files)
        context["harvest_section_html"] = harvest_section_html
        return context


class StoryHtmlView(Mapping[str, StoryHtml]):
    """The feature plugins' read-only view of the rendered story cuts: each read is noted, so a
    page that shows another story's text is rendered again when that text changes."""

    def __init__(self, cuts: dict[str, StoryHtml], noted) -> None:
        self._cuts, self._noted = cuts, noted

    def __getitem__(self, story_id: str) -> StoryHtml:
        self._noted(story_id)
        return self._cuts[story_id]

    def __iter__(self) -> Iterator[str]:
        return iter(self._cuts)

    def __len__(self) -> int:
        return len(self._cuts)


def _dest(files: Files, uri: str) -> str | None:
    found = files.get_file_from_path(uri)
    return found.abs_dest_path if found is not None else None


def url_from(page: Page, files: Files):
    """-> url(src_uri): that file's address relative to `page` ("#" if it is not in the site).

    Pages link to thousands of others: climb out of this page's folder once, then append
    each target's site-relative URL (what File.url_relative_to computes, far cheaper).
    """
    here = "" if page.file.url == "./" else page.file.url
    folder = here if here.endswith("/") else here.rpartition("/")[0] + "/" if "/" in here else ""
    up = "../" * folder.count("/")

    def url(src_uri: str) -> str:
        target = files.get_file_from_path(src_uri)
        if target is None:
            return "#"
        address = "" if target.url == "./" else target.url
        if folder and address.startswith(folder):
            return address[len(folder) :] or "./"
        return (up + address) or "./"

    return url


def _front_matter(spec: PageSpec) -> str:
    # JSON strings are valid YAML and json.dumps is far cheaper than yaml.dump, once per page.
    # MkDocs' templates do not escape, and Material prints page.title in <title>, the header and
    # the nav: titles come from contributors, so they are escaped here, once, for every page.
    title = html.escape(spec.title, quote=False)
    lines = [] if spec.src_uri == "index.md" else [f"title: {json.dumps(title)}"]  # home: the site name
    if spec.template:
        lines.append(f"template: {json.dumps(spec.template)}")
    if not spec.search:
        lines.append("search: {exclude: true}")
    return "---\n" + "\n".join(lines) + "\n---\n"
