"""The `harvest-digests` MkDocs plugin: digest pages, feeds and email files from the published archive.

Thin on purpose: periods, grouping, feeds and emails live in plain modules beside it.
Its pages are planned from the build context the core hands it; feeds and emails are
written in `on_env`, once MkDocs has rendered every page: they take each story's HTML
from the core's cut of its page instead of rendering it again, and go straight into the
site folder one by one (at 5,000 stories they weigh ~60 MB).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from importlib import resources
from itertools import chain

from markupsafe import Markup
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import event_priority, get_plugin_logger
from mkdocs.structure.files import File, Files, InclusionLevel
from mkdocs.structure.pages import Page

from harvest.core import background
from harvest.core.archive import Archive
from harvest.core.problems import HarvestError
from harvest.digests.config import DigestsConfig, options_from
from harvest.digests.digest import Digest, build_digests, load_notes
from harvest.digests.feeds import feed_files, lessons_with_feeds
from harvest.digests.links import (
    DIGESTS_DIR,
    FEEDS_DIR,
    FORMATS,
    Links,
    digests_index_uri,
    email_file,
    feed_file,
    lesson_feed_name,
)
from harvest.digests.outputs import Job, Outputs, OutputStore, Written, email_jobs, feed_jobs
from harvest.digests.pages import EMAIL_SUFFIXES, digest_page, index_page
from harvest.digests.render import PortableMemo, StoryText
from harvest.site.context import BuildContext, FeaturePlugin
from harvest.site.pages import PageSpec

log = get_plugin_logger("harvest-digests")
CSS_URI = "assets/harvest/digests.css"


class DigestsPlugin(FeaturePlugin[DigestsConfig]):
    supports_multiple_instances = False
    # Kept across `serve` rebuilds (this plugin defines on_startup, so MkDocs keeps it): each
    # story's portable HTML, and what was written into the site folder under which key.
    portable: PortableMemo | None = None
    written: dict[str, Written] | None = None
    # `build`: the feeds and emails being written by a second process. (Here too: a build may
    # fail, and on_build_error run, before this plugin's on_config.)
    pending: background.Job | None = None

    def on_startup(self, *, command: str, dirty: bool) -> None:
        serving = command == "serve"
        self.portable = PortableMemo(across_builds=serving)  # one build: freed once on_env is done
        self.written = {} if serving else None

    def on_config(self, config: MkDocsConfig) -> MkDocsConfig:
        self.rendered: list[str] = []  # feed and email files made this build (not reused)
        self.pending = None
        self.context = None
        self.archive: Archive | None = None  # what digests and feeds may carry (`pages`)
        self.files: Files | None = None
        self._page_links: tuple[Page, Markup] | None = None  # the page in rendering and its feed links
        self.head_feeds: list[tuple[str, str]] = []  # (feed name, title) linked from every page's <head>
        self.digests_feed: tuple[str, str] = ("digests", "")
        self.lesson_feeds: set[str] = set()
        self.digests: list[Digest] = []
        self.paths: list[str] = []  # feed and email files, planned in `pages`
        self.outputs: dict[str, File] = {}  # ... and written in on_env
        self.links = Links(config.site_url or "", config.use_directory_urls)
        self.feeds_on = self.config.feeds is not False
        if self.feeds_on and not config.site_url:
            message = (
                "site_url is not set in mkdocs.yml: feeds use links relative to the feed, which not every "
                "feed reader follows, and digest emails carry no links. Set site_url to your site's address."
            )
            # Asked for explicitly, this is worth stopping a strict build for; by default it is only news.
            (log.warning if self.config.feeds else log.info)(message)
        if CSS_URI not in config.extra_css:
            config.extra_css.append(CSS_URI)
        return config

    def nav_sections(self, config: MkDocsConfig) -> list[tuple[str, str]]:
        return [("Digests", digests_index_uri())]

    def pages(self, context: BuildContext) -> Iterable[PageSpec]:
        self.context = context
        archive, settings = digest_archive(context.archive), context.settings
        self.archive = archive
        for story in archive.stories:
            if story.path.split("/", 1)[0] in (DIGESTS_DIR, FEEDS_DIR):
                raise PluginError(
                    f"{settings.display_path(settings.stories_dir / story.path)}: the "
                    f"{DIGESTS_DIR}/ and {FEEDS_DIR}/ folders are used by Harvest's digests; "
                    "move the story to another folder"
                )
        try:
            options = options_from(self.config, settings)
            notes, problems = load_notes(settings)
            if problems:
                raise HarvestError(problems)
            digests = build_digests(archive, options, notes)
        except HarvestError as error:
            raise PluginError("Harvest digests:\n" + error.report()) from None
        for key in sorted(set(notes) - {d.key for d in digests}):
            log.info(
                f"stories/_digests/{key}.md: no digest '{key}' in this build (no story of that period "
                "is published in this profile), so the note is not shown"
            )
        paths = [email_file(d.key, suffix) for d in digests for suffix in EMAIL_SUFFIXES] if self.config.emails else []
        if self.feeds_on and archive.stories:
            site_name = settings.site_name
            self.head_feeds = [("stories", f"{site_name}: stories")]
            self.digests_feed = ("digests", f"{site_name}: digests")
            self.lesson_feeds = {lesson.id for lesson in lessons_with_feeds(archive)}
            paths += feed_files(archive)
        specs = []
        for index, digest in enumerate(digests):
            newer = digests[index - 1] if index else None
            older = digests[index + 1] if index + 1 < len(digests) else None
            specs.append(digest_page(archive, digest, newer, older, self.config.emails))
        specs.append(
            index_page(
                archive,
                digests,
                options,
                self.feeds_on and bool(archive.stories),
                [lesson for lesson in archive.lessons if lesson in self.lesson_feeds],
                emails=self.config.emails,
            )
        )
        self.digests, self.paths = digests, paths
        log.info(f"{len(digests)} digests" + (f", {len(paths)} feed and email files" if paths else ""))
        return specs

    def on_files(self, files: Files, *, config: MkDocsConfig) -> Files:
        self.require_context()
        css = resources.files("harvest").joinpath("assets/digests.css").read_bytes()
        files.append(File.generated(config, CSS_URI, content=css, inclusion=InclusionLevel.NOT_IN_NAV))
        # Known now, so pages may link to them. Each is its own source: on_env writes it into
        # the site folder, and MkDocs' copy then leaves it be (its "plugins write into site_dir").
        self.outputs = {
            path: File(path, config.site_dir, config.site_dir, config.use_directory_urls) for path in self.paths
        }
        for file in self.outputs.values():
            files.append(file)
        self.files = files
        return files

    def on_env(self, env, *, config: MkDocsConfig, files: Files):
        archive, context = self.archive, self.context  # set in `pages`
        if not self.outputs or context is None or archive is None:
            return env
        text = StoryText(context.story_html, context.story_answer)  # every story page is rendered and cut by now
        cache = context.settings.cache  # off: a clean build, nothing read or kept
        if self.portable is None or not cache:
            self.portable = PortableMemo(across_builds=bool(cache and self.written is not None))
        store = (
            OutputStore.for_project(context.settings.project_dir, context.settings.profile, self.links)
            if cache
            else None
        )
        outputs = Outputs(store, self.written if cache else None)
        jobs: Iterable[Job] = (
            email_jobs(
                archive, self.digests, self.links, text, self.portable, self.config.email_from, self.config.email_to
            )
            if self.config.emails
            else ()
        )
        if self.feeds_on and archive.stories:
            jobs = chain(jobs, feed_jobs(archive, self.digests, self.links, self.config.feed_size, text, self.portable))
        portable = self.portable

        def write() -> tuple[set[str], dict[str, int], list[str], int]:
            portable.new_build()
            try:
                written = outputs.write(jobs, self._dest)
            finally:
                portable.end_build()
            return written, outputs.counts, outputs.rendered, portable.made

        if self.written is None:  # `build`: the pages are rendered meanwhile, on another core
            # MkDocs copies every file it knows of next, these too (onto themselves, as plugins'
            # files written into site_dir): each must exist by then, if only empty.
            for file in self.outputs.values():
                _placeholder(file.abs_dest_path)
            self.pending = background.Job(write)
        else:  # `serve` keeps what it wrote, by key, across rebuilds: in this process
            try:
                self._written(*write())
            except HarvestError as error:
                raise PluginError("Harvest digests:\n" + error.report()) from None
        self.digests = []
        return env

    # Before every other plugin's (Harvest's own checks of the site folder run at 50): the feeds
    # and emails written in the background are all in the site folder before anything reads it.
    @event_priority(100)
    def on_post_build(self, *, config: MkDocsConfig) -> None:
        pending, self.pending = self.pending, None
        if pending is not None:
            try:
                self._written(*pending.result())
            except HarvestError as error:
                raise PluginError("Harvest digests:\n" + error.report()) from None
            except background.BackgroundBug as error:
                raise PluginError(f"harvest-digests: {error}") from None

    def on_build_error(self, *, error: Exception) -> None:
        pending, self.pending = self.pending, None
        if pending is not None:
            pending.stop()  # nothing it writes is wanted now

    def _written(self, written: set[str], counts: dict[str, int], rendered: list[str], cleaned: int) -> None:
        if written != self.outputs.keys():  # a bug, not a user's mistake: say which files
            raise PluginError(
                f"harvest-digests: planned and written files differ: {sorted(written ^ self.outputs.keys())}"
            )
        self.rendered = rendered
        log.info(
            f"feeds and emails: {counts['rendered']} made, {counts['stored']} from the cache, "
            f"{counts['in place']} unchanged in place ({cleaned} story texts cleaned)"
        )

    def _dest(self, path: str) -> str | None:
        file = self.outputs.get(path)
        return file.abs_dest_path if file else None

    def page_key(self, src_uri: str) -> object:
        """What on_post_page reads for that page (the feed files it links are looked up)."""
        lesson = src_uri.removeprefix("lessons/").removesuffix(".md")
        return [
            self.head_feeds,
            self.digests_feed if src_uri.startswith(DIGESTS_DIR + "/") else None,
            src_uri.startswith("lessons/") and lesson in self.lesson_feeds,
            self.links,
        ]

    def on_page_context(self, context, *, page: Page, config: MkDocsConfig, nav):
        """The page's feed links, for a template that writes them in its <head> itself
        (`harvest/answers.html`): an Answers page is megabytes, and inserting them afterwards
        copies it whole while the page is alive (the build's peak of memory at 5,000 stories)."""
        links = self.feed_links(page, config)
        self._page_links = (page, links)  # (for on_post_page: made once per page)
        context["harvest_feed_links"] = links
        return context

    def on_post_page(self, output: str, *, page: Page, config: MkDocsConfig) -> str:
        """Announce feeds in each page's <head>: the stories' everywhere, the digests' on digest
        pages, a lesson's on its page. One string insertion per page whose template did not
        write them."""
        head_end = output.find("</head>")
        if not self.head_feeds or head_end < 0:
            return output
        made, self._page_links = self._page_links, None
        made_links = made[1] if made is not None and made[0] is page else self.feed_links(page, config)
        links = str(made_links)  # (plain text: Markup would escape the page)
        if not links or links in output[:head_end]:
            return output
        return output[:head_end] + links + output[head_end:]

    def feed_links(self, page: Page, config: MkDocsConfig) -> Markup:
        """The <link> tags announcing the feeds of `page`."""
        if not self.head_feeds:
            return Markup("")
        feeds = list(self.head_feeds)
        uri = page.file.src_uri
        lesson = uri.removeprefix("lessons/").removesuffix(".md")
        if uri.startswith(DIGESTS_DIR + "/"):
            feeds.append(self.digests_feed)
        elif uri.startswith("lessons/") and lesson in self.lesson_feeds:
            feeds.append((lesson_feed_name(lesson), f"{config.site_name}: {page.title}"))
        tags = []
        for name, title in feeds:
            for fmt, (_, media_type, label) in FORMATS.items():
                path = feed_file(name, fmt)
                target = self.files.get_file_from_path(path) if self.files else None
                if target is None:
                    continue
                href = self.links.site(path) if self.links.absolute else target.url_relative_to(page.file)
                # "alternate feed", not "alternate" alone: Material's script takes every
                # link[rel=alternate] for a language version and asks for sitemap.xml next to it
                # (GET /feeds/sitemap.xml, 404, three times per page view). Feed readers read
                # rel as the set of words it is, and still find the feed.
                tags.append(
                    Markup('<link rel="alternate feed" type="{}" title="{} ({})" href="{}">').format(
                        media_type, title, label, href
                    )
                )
        return Markup("").join(tags)


def digest_archive(archive: Archive) -> Archive:
    """The stories digests and feeds may carry: ours, and peers' whose federation.yml entry allows it."""
    if all(s.origin is None or s.origin.digests for s in archive.stories):
        return archive
    stories = [s for s in archive.stories if s.origin is None or s.origin.digests]
    used = {lesson for s in stories for lesson in s.lessons}
    return Archive(
        archive.settings,
        stories,
        {k: v for k, v in archive.lessons.items() if k in used},
        archive.credits,
        archive.withheld,
    )


def _placeholder(path: str) -> None:
    """An empty file at `path` (the background process writes it whole later)."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb"):
        pass
