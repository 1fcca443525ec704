"""The `harvest` MkDocs plugin: a thin adapter from MkDocs events to Harvest's core.

Per-build state is reset in `on_config` (plugins live across `mkdocs serve`
rebuilds); the archive is loaded once per build in `on_files`.
"""
from __future__ import annotations

import html
import json
from importlib import resources
from pathlib import Path

from mkdocs.config import base
from mkdocs.config import config_options as c
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, get_plugin_logger
from mkdocs.structure.files import File, Files, InclusionLevel
from mkdocs.structure.pages import Page

from .archive import Archive, publish, scan
from .fieldnames import extra_fields_config_problems
from .offline.outside import OVERRIDES_HINT, SITE_HINT, outside_problems, scan_site
from .fileio import published_name
from .images import publish_images
from .pages import RESERVED_DIRS, PageSpec, default_nav, plan_pages
from .problems import HarvestError
from .sanitize import clean_html, clean_toc
from .storyhtml import StoryHtml, split_story_html
from .validate import story_schema
from .settings import DEFAULT_EVENT_KINDS, DEFAULT_PROFILES, DEFAULT_PROMPTS, DEFAULT_VISIBILITY_LEVELS, \
    Prompt, Settings, profile_from_env, today_from_env

log = get_plugin_logger(__name__)
NAV_URIS = {uri for entry in default_nav() for uri in entry.values()}
ASSET_URI = "assets/harvest/harvest.css"
# Material's bundle fetches this polyfill from unpkg.com on browsers without ResizeObserver (old
# phones); shipped and listed in extra.polyfills, it is loaded locally first and nothing is fetched.
RESIZE_OBSERVER = ("resize-observer-polyfill/ResizeObserver.js", "resize-observer-polyfill/LICENSE")
VENDOR_URI = "assets/harvest/vendor/"


class PromptConfig(base.Config):
    id = c.Type(str)
    title = c.Type(str)
    aliases = c.ListOfItems(c.Type(str), default=[])


class HarvestConfig(base.Config):
    lessons = c.Type(str, default="lessons.yml")              # relative to docs_dir (the stories folder)
    contributors = c.Type(str, default="contributors.yml")
    event_kinds = c.DictOfItems(c.Type(str), default=dict(DEFAULT_EVENT_KINDS))
    prompts = c.ListOfItems(c.SubConfig(PromptConfig), default=[
        {"id": p.id, "title": p.title, "aliases": list(p.aliases)} for p in DEFAULT_PROMPTS])
    visibility_levels = c.ListOfItems(c.Type(str), default=list(DEFAULT_VISIBILITY_LEVELS))
    default_visibility = c.Type(str, default="public")
    profiles = c.DictOfItems(c.Type(str), default=dict(DEFAULT_PROFILES))
    profile = c.Optional(c.Type(str))                          # else $HARVEST_PROFILE, else "public"
    words_per_minute_aloud = c.Type(int, default=130)
    words_per_minute_silent = c.Type(int, default=200)
    related_count = c.Type(int, default=5)
    max_story_bytes = c.Type(int, default=1_000_000)
    extra_fields = c.ListOfItems(c.Type(str), default=[])     # story fields allowed besides Harvest's own


def settings_from(plugin_config: HarvestConfig, config: MkDocsConfig, profile: str | None = None) -> Settings:
    """Harvest's plain settings from a validated mkdocs.yml; errors name the option to fix."""
    stories = Path(config.docs_dir)
    prompts = tuple(Prompt(p.id, p.title, tuple(p.aliases)) for p in plugin_config.prompts)
    levels = tuple(plugin_config.visibility_levels)
    profile = profile or plugin_config.profile or profile_from_env()
    problems = []
    if profile not in plugin_config.profiles:
        problems.append(f"unknown profile '{profile}'; choose one of: {', '.join(plugin_config.profiles)}")
    for name, level in plugin_config.profiles.items():
        if level not in levels:
            problems.append(f"profiles.{name}: '{level}' is not one of visibility_levels ({', '.join(levels)})")
    if plugin_config.default_visibility not in levels:
        problems.append(f"default_visibility: '{plugin_config.default_visibility}' is not one of {', '.join(levels)}")
    problems += extra_fields_config_problems(plugin_config.extra_fields, story_schema()["properties"])
    if len({p.id for p in prompts}) != len(prompts):
        problems.append("prompts: two prompts share an id")
    try:
        today = today_from_env()
    except ValueError:
        problems.append("HARVEST_TODAY must be a date like 2026-11-21")
    if problems:
        raise PluginError("mkdocs.yml, plugins → harvest:\n  " + "\n  ".join(problems))
    return Settings(
        stories_dir=stories, lessons_file=stories / plugin_config.lessons,
        contributors_file=stories / plugin_config.contributors,
        event_kinds=dict(plugin_config.event_kinds), prompts=prompts, visibility_levels=levels,
        default_visibility=plugin_config.default_visibility, profiles=dict(plugin_config.profiles),
        profile=profile, site_name=config.site_name, site_url=config.site_url or "",
        default_lang=(config.theme.get("language") or "en"),
        words_per_minute_silent=plugin_config.words_per_minute_silent,
        words_per_minute_aloud=plugin_config.words_per_minute_aloud,
        related_count=plugin_config.related_count, max_story_bytes=plugin_config.max_story_bytes,
        extra_fields=tuple(plugin_config.extra_fields),
        project_dir=Path(config.config_file_path or ".").parent, today=today,
    )


class HarvestPlugin(BasePlugin[HarvestConfig]):
    supports_multiple_instances = False

    def on_config(self, config: MkDocsConfig) -> MkDocsConfig:
        self.archive: Archive | None = None
        self.known_story_ids: frozenset[str] = frozenset()
        self.specs: dict[str, PageSpec] = {}
        self.files: Files | None = None
        self.story_html: dict[str, StoryHtml] = {}   # story id -> its rendered page, cut into parts
        self.page_per_template: dict[str, str] = {}  # template -> one page built with it (site-relative)
        self.settings = settings_from(self.config, config)
        templates = str(resources.files("harvest").joinpath("templates"))
        if templates not in config.theme.dirs:
            config.theme.dirs.append(templates)  # after the user's overrides/, which therefore win
        for extension in ("attr_list", "md_in_html"):
            if extension not in config.markdown_extensions:
                config.markdown_extensions.append(extension)
        if ASSET_URI not in config.extra_css:
            config.extra_css.insert(0, ASSET_URI)
        polyfills = config.extra.setdefault("polyfills", [])
        if VENDOR_URI + RESIZE_OBSERVER[0] not in polyfills:
            polyfills.insert(0, VENDOR_URI + RESIZE_OBSERVER[0])
        self.default_nav_used = config.nav is None
        if self.default_nav_used:  # never list every story: that makes the build quadratic
            config.nav = default_nav()
        return config

    def on_files(self, files: Files, *, config: MkDocsConfig) -> Files:
        try:
            collection = scan(self.settings)
            if collection.errors:
                raise HarvestError(collection.problems)
        except HarvestError as error:
            raise PluginError("Harvest found problems in the stories:\n" + error.report()) from None
        archive, problems = publish(collection), collection.problems
        # Every id on disk, withheld ones too: feature plugins check references against it
        # (an id that exists but is withheld is not a typo). Never render it.
        self.known_story_ids = frozenset(s.id for s in collection.stories)
        for problem in problems:
            (log.warning if problem.strict else log.info)(problem.format())
        self.archive = archive
        log.info(f"profile '{self.settings.profile}': {len(archive.stories)} stories published, "
                 f"{archive.withheld} withheld")
        # Default deny: nothing from the stories folder is published unless Harvest puts it here.
        # (Site assets belong in the theme's overrides/ folder, which MkDocs copies itself.)
        published = Files([f for f in files if f.src_dir != config.docs_dir])
        for story in archive.stories:
            top = story.path.split("/", 1)[0]
            if top in RESERVED_DIRS or story.path == "index.md":
                raise PluginError(f"{self.settings.display_path(self.settings.stories_dir / story.path)}: "
                                  f"this path is used by Harvest's own pages; move the story to another folder")
        self.files = published
        for spec in plan_pages(archive):
            self.add_page(spec, config)
        images, image_errors = publish_images(archive, collection.stories)
        if image_errors:  # the same problems `harvest check` reports
            raise PluginError("Harvest found problems in the stories:\n" + HarvestError(image_errors).report())
        for uri, content in images.items():
            published.append(File.generated(config, uri, content=content))
        css = resources.files("harvest").joinpath("assets/harvest.css")
        published.append(File.generated(config, ASSET_URI, content=css.read_bytes(),
                                        inclusion=InclusionLevel.NOT_IN_NAV))
        vendor = resources.files("harvest").joinpath("assets/vendor")
        for name in RESIZE_OBSERVER:
            published.append(File.generated(config, VENDOR_URI + name, content=vendor.joinpath(name).read_bytes(),
                                            inclusion=InclusionLevel.NOT_IN_NAV))
        return published

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
        reading all of them cost 5 s at 1,000 stories. `pack` reads every page of its copy."""
        if not any(type(p).__name__ == "OfflineAssets" for p in config.plugins.values()):
            pages = set(self.page_per_template.values()) | {"404.html"}
            self._refuse_outside_loads(Path(config.site_dir), SITE_HINT, pages)

    def _refuse_outside_loads(self, folder: Path, hint: str, html_pages: set[str] | None = None) -> None:
        shown = self.settings.display_path(published_name(folder))  # `site`, not its staging folder
        problems = outside_problems(scan_site(folder, html_pages), shown, hint)
        if problems:
            raise PluginError("Harvest refuses to publish what would load from another host:\n"
                              + HarvestError(problems).report())

    def add_page(self, spec: PageSpec, config: MkDocsConfig) -> File:
        """Publish a generated page. Feature plugins call this from their own `on_files`, so their
        pages get the same sanitising, template data and `harvest_url` as the core's."""
        if spec.src_uri in self.specs:
            raise PluginError(f"two Harvest pages want {spec.src_uri}")
        self.specs[spec.src_uri] = spec
        inclusion = InclusionLevel.UNDEFINED if spec.src_uri in NAV_URIS else InclusionLevel.NOT_IN_NAV
        # The file holds only the front matter; the text comes in on_page_markdown, so it is never
        # held twice (file and page) for every page at once.
        file = File.generated(config, spec.src_uri, content=_front_matter(spec), inclusion=inclusion)
        self.files.append(file)
        return file

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
        clean_toc(page.toc)      # the sidebar's links follow the headings' namespaced ids
        story = spec.data.get("story")
        if story is not None:
            self.story_html[story.id] = split_story_html(html, len(story.sections))
        return html

    def on_page_context(self, context, *, page: Page, config: MkDocsConfig, nav):
        spec = self.specs.get(page.file.src_uri)
        if spec is None:
            return context

        def harvest_section_html(story, section) -> str:
            cut = self.story_html.get(story.id)
            html = cut.answer(story, section) if cut else None
            if html is not None:
                return html
            from markupsafe import escape
            return f"<p>{escape(section.markdown)}</p>"

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
            return address[len(folder):] or "./"
        return (up + address) or "./"
    return url


def harvest_plugin(config: MkDocsConfig) -> HarvestPlugin:
    """The core plugin instance, for Harvest's feature plugins (listed after it in mkdocs.yml)."""
    for plugin in config.plugins.values():
        if isinstance(plugin, HarvestPlugin):
            return plugin
    raise PluginError("this plugin needs the `harvest` plugin: list `- harvest` first under `plugins:` in mkdocs.yml")


def add_nav_entry(config: MkDocsConfig, title: str, src_uri: str) -> None:
    """Add a section to the navigation Harvest made (a user's own `nav:` is left alone)."""
    plugin = harvest_plugin(config)
    if plugin.default_nav_used and not any(src_uri in entry.values() for entry in config.nav):
        config.nav.append({title: src_uri})
        NAV_URIS.add(src_uri)



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
