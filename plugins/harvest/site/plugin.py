"""The `harvest` MkDocs plugin: a thin adapter from MkDocs events to Harvest's core.

Per-build state is reset in `on_config` (plugins live across `mkdocs serve` rebuilds).
In `on_files` the archive is read and published once, the feature plugins are asked for
their related stories and pages, and every Harvest page is registered here, once; the
`BuildContext` they are handed is how they see the build.
"""

from __future__ import annotations

import html
import json
from importlib import resources
from pathlib import Path
from types import MappingProxyType

from markupsafe import Markup
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, event_priority, get_plugin_logger
from mkdocs.structure.files import File, Files, InclusionLevel
from mkdocs.structure.pages import Page

from harvest.core.archive import Archive, publish, scan
from harvest.core.fileio import published_name
from harvest.core.images import publish_images
from harvest.core.model import Story
from harvest.core.problems import HarvestError
from harvest.core.sanitize import clean_html, clean_toc
from harvest.offline.outside import OVERRIDES_HINT, SITE_HINT, outside_problems, scan_site
from harvest.site.config import HarvestConfig, settings_from
from harvest.site.context import BuildContext, FeaturePlugin
from harvest.site.front import enrich_pages, language_name, people_date
from harvest.site.frontconfig import footer_globals, front_options
from harvest.site.pages import RESERVED_DIRS, PageSpec, default_nav, plan_pages
from harvest.site.storyhtml import StoryHtml, split_story_html

log = get_plugin_logger(__name__)
ASSET_URI = "assets/harvest/harvest.css"
ALTERNATES_URI = "assets/harvest/alternates.js"
# Material's bundle fetches this polyfill from unpkg.com on browsers without ResizeObserver (old
# phones); shipped and listed in extra.polyfills, it is loaded locally first and nothing is fetched.
RESIZE_OBSERVER = ("resize-observer-polyfill/ResizeObserver.js", "resize-observer-polyfill/LICENSE")
VENDOR_URI = "assets/harvest/vendor/"
# Before the feature plugins (default priority 0): they are handed what the core builds here.
CORE_FIRST = 50


def features(config: MkDocsConfig) -> list[FeaturePlugin]:
    return [plugin for plugin in config.plugins.values() if isinstance(plugin, FeaturePlugin)]


class HarvestPlugin(BasePlugin[HarvestConfig]):
    supports_multiple_instances = False

    @event_priority(CORE_FIRST)
    def on_config(self, config: MkDocsConfig) -> MkDocsConfig:
        self.context: BuildContext | None = None
        self.specs: dict[str, PageSpec] = {}
        self.story_html: dict[str, StoryHtml] = {}  # story id -> its rendered page, cut into parts
        self.files: Files | None = None
        self.page_per_template: dict[str, str] = {}  # template -> one page built with it (site-relative)
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
        return config

    @event_priority(CORE_FIRST)
    def on_files(self, files: Files, *, config: MkDocsConfig) -> Files:
        try:
            collection = scan(self.settings)
            if collection.errors:
                raise HarvestError(collection.problems)
        except HarvestError as error:
            raise PluginError("Harvest found problems in the stories:\n" + error.report()) from None
        archive = publish(collection)
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
            pages=MappingProxyType(self.specs),
            story_html=MappingProxyType(self.story_html),
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
        self.files.append(File.generated(config, spec.src_uri, content=_front_matter(spec), inclusion=inclusion))

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
        env.globals["harvest_footer"] = footer_globals(self.config, config)
        env.filters["people_date"] = people_date
        env.filters["language_name"] = language_name
        return env

    def on_pre_build(self, *, config: MkDocsConfig) -> None:
        """The theme's custom_dir (overrides/) is published as it is: it may load nothing from elsewhere."""
        overrides = config.theme.custom_dir
        if overrides and Path(overrides).is_dir():
            self._refuse_outside_loads(Path(overrides), OVERRIDES_HINT)

    def on_post_page(self, output: str, *, page: Page, config: MkDocsConfig) -> str:
        self.page_per_template.setdefault(page.meta.get("template") or "main.html", page.file.dest_uri)
        return output

    def on_post_build(self, *, config: MkDocsConfig) -> None:
        """Every build, not only `pack`: the site makes no request to another host. Every CSS,
        script and JSON file is read, and one page per template (plus 404.html): pages of a kind
        differ only in escaped data and sanitised story HTML, judged by the same function, while
        reading all of them cost 5 s at 1,000 stories. The offline build (`check_site: false`)
        skips it: `pack` reads every page of its copy."""
        if self.config.check_site:
            pages = set(self.page_per_template.values()) | {"404.html"}
            self._refuse_outside_loads(Path(config.site_dir), SITE_HINT, pages)

    def _refuse_outside_loads(self, folder: Path, hint: str, html_pages: set[str] | None = None) -> None:
        shown = self.settings.display_path(published_name(folder))  # `site`, not its staging folder
        problems = outside_problems(scan_site(folder, html_pages), shown, hint)
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
            self.story_html[story.id] = split_story_html(html, len(story.sections))
        return html

    def on_page_context(self, context, *, page: Page, config: MkDocsConfig, nav):
        spec = self.specs.get(page.file.src_uri)
        if spec is None or self.files is None:
            return context

        def harvest_section_html(story, section) -> str:
            cut = self.story_html.get(story.id)
            html = cut.answer(story, section) if cut else None
            if html is not None:
                return html
            return Markup("<p>{}</p>").format(section.markdown)  # unrendered: shown as text

        context["harvest"] = spec.data
        context["harvest_url"] = url_from(page, self.files)
        context["harvest_section_html"] = harvest_section_html
        return context


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
