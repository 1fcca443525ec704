"""The `harvest-digests` MkDocs plugin: digest pages, feeds and email files from the published archive.

Thin on purpose: periods, grouping, feeds and emails live in plain modules beside it.
List it after `harvest` in mkdocs.yml; it reads the core plugin's `Archive` in `on_files`.
Feeds and emails are written in `on_env`, once MkDocs has rendered every page: they
take each story's HTML from the core's cut of its page instead of rendering it again,
and go straight into the site folder one by one (at 5,000 stories they weigh ~60 MB).
"""
from __future__ import annotations

import datetime as dt
from html import escape
from importlib import resources
from itertools import chain
from typing import Iterator

from mkdocs.config import base
from mkdocs.config import config_options as c
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, get_plugin_logger
from mkdocs.structure.files import File, Files, InclusionLevel
from mkdocs.structure.pages import Page
from mkdocs.utils import write_file

from harvest.core.archive import Archive
from harvest.site.plugin import add_nav_entry, harvest_plugin
from harvest.core.problems import HarvestError, did_you_mean
from harvest.core.settings import Settings
from harvest.digests.digest import Digest, DigestOptions, build_digests, load_notes
from harvest.digests.feeds import feed_files, feed_outputs, lessons_with_feeds
from harvest.digests.links import (DIGESTS_DIR, FEEDS_DIR, FORMATS, Links, digests_index_uri, email_file, feed_file,
                    lesson_feed_name)
from harvest.digests.mail import render_email
from harvest.digests.pages import EMAIL_SUFFIXES, digest_page, index_page
from harvest.digests.periods import KINDS, date_range, valid_key
from harvest.digests.render import StoryText
from harvest.digests.view import digest_view

log = get_plugin_logger("harvest-digests")
CSS_URI = "assets/harvest/digests.css"
CONFIG_NAME = "mkdocs.yml, plugins → harvest-digests"


class DateOption(c.BaseConfigOption[dt.date]):
    """A calendar date, written 2026-03-01 (YAML gives a date; a quoted string works too)."""

    def run_validation(self, value: object) -> dt.date:
        if value is None:
            raise c.ValidationError("missing: write a date like 2026-03-01")
        if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
            return value
        try:
            return dt.date.fromisoformat(str(value))
        except ValueError:
            raise c.ValidationError(f"'{value}' is not a date like 2026-03-01") from None


class RangeConfig(base.Config):
    key = c.Type(str)                   # the page's address: digests/<key>/ (letters, digits, hyphens)
    title = c.Optional(c.Type(str))     # shown as the digest's name (default: the dates)
    since = DateOption()
    until = DateOption()


class DigestsConfig(base.Config):
    period = c.Choice(KINDS, default="monthly")
    ranges = c.ListOfItems(c.SubConfig(RangeConfig), default=[])  # when given, replace `period`
    answers_prompt = c.Optional(c.Type(str))    # default: `missing`, when that prompt exists
    feeds = c.Optional(c.Type(bool))            # default: on (relative links until site_url is set)
    feed_size = c.Type(int, default=50)         # newest entries per feed
    emails = c.Type(bool, default=True)         # also write each digest's .eml/.html/.txt into the site
    email_from = c.Optional(c.Type(str))        # From: of the .eml files, e.g. "News <news@example.org>"
    email_to = c.Optional(c.Type(str))          # To: of the .eml files, e.g. a mailing list


def options_from(config: DigestsConfig, settings: Settings) -> DigestOptions:
    """Plain options from the validated plugin config; every mistake reported at once."""
    problems, ranges, keys = [], [], set()
    for index, entry in enumerate(config.ranges):
        where = f"ranges[{index}] (key '{entry.key}')"
        if not valid_key(entry.key):
            problems.append(f"{where}: key must be lowercase letters, digits and hyphens, like spring-2026")
        elif entry.key in keys:
            problems.append(f"{where}: another range has the same key")
        keys.add(entry.key)
        try:
            ranges.append(date_range(entry.since, entry.until, entry.key, entry.title))
        except ValueError as error:
            problems.append(f"{where}: {error}")
    prompt = config.answers_prompt
    if prompt is None:
        prompt = "missing" if "missing" in settings.prompts_by_id else None
    elif prompt not in settings.prompts_by_id:
        problems.append(f"answers_prompt: no prompt has the id '{prompt}' (plugins → harvest → prompts); "
                        + did_you_mean(prompt, settings.prompts_by_id))
    if config.feed_size < 1:
        problems.append("feed_size: must be 1 or more")
    if problems:
        raise PluginError(CONFIG_NAME + ":\n  " + "\n  ".join(problems))
    return DigestOptions(config.period, tuple(ranges), prompt)


def find_config(mkdocs_config: MkDocsConfig) -> DigestsConfig | None:
    for plugin in mkdocs_config.plugins.values():
        if isinstance(plugin, DigestsPlugin):
            return plugin.config
    return None


class DigestsPlugin(BasePlugin[DigestsConfig]):
    supports_multiple_instances = False

    def on_config(self, config: MkDocsConfig) -> MkDocsConfig:
        self.files: Files | None = None
        self.head_feeds: list[tuple[str, str]] = []     # (feed name, title) linked from every page's <head>
        self.digests_feed: tuple[str, str] = ("digests", "")
        self.lesson_feeds: set[str] = set()
        self.digests: list[Digest] = []
        self.outputs: dict[str, File] = {}              # feed and email files, written in on_env
        settings = harvest_plugin(config).settings
        self.options = options_from(self.config, settings)
        self.links = Links(settings.site_url, config.use_directory_urls)
        self.feeds_on = self.config.feeds is not False
        if self.feeds_on and not settings.site_url:
            message = ("site_url is not set in mkdocs.yml: feeds use links relative to the feed, which not every "
                       "feed reader follows, and digest emails carry no links. Set site_url to your site's address.")
            # Asked for explicitly, this is worth stopping a strict build for; by default it is only news.
            (log.warning if self.config.feeds else log.info)(message)
        add_nav_entry(config, "Digests", digests_index_uri())
        if CSS_URI not in config.extra_css:
            config.extra_css.append(CSS_URI)
        return config

    def on_files(self, files: Files, *, config: MkDocsConfig) -> Files:
        core = harvest_plugin(config)
        archive, settings = core.archive, core.settings
        for story in archive.stories:
            if story.path.split("/", 1)[0] in (DIGESTS_DIR, FEEDS_DIR):
                raise PluginError(f"{settings.display_path(settings.stories_dir / story.path)}: the "
                                  f"{DIGESTS_DIR}/ and {FEEDS_DIR}/ folders are used by Harvest's digests; "
                                  "move the story to another folder")
        try:
            notes, problems = load_notes(settings)
            if problems:
                raise HarvestError(problems)
            digests = build_digests(archive, self.options, notes)
        except HarvestError as error:
            raise PluginError("Harvest digests:\n" + error.report()) from None
        for key in sorted(set(notes) - {d.key for d in digests}):
            log.info(f"stories/_digests/{key}.md: no digest '{key}' in this build (no story of that period "
                     "is published in this profile), so the note is not shown")
        paths = [email_file(d.key, suffix) for d in digests for suffix in EMAIL_SUFFIXES] if self.config.emails else []
        if self.feeds_on and archive.stories:
            site_name = settings.site_name
            self.head_feeds = [("stories", f"{site_name}: stories")]
            self.digests_feed = ("digests", f"{site_name}: digests")
            self.lesson_feeds = {lesson.id for lesson in lessons_with_feeds(archive)}
            paths += feed_files(archive)
        for index, digest in enumerate(digests):
            newer = digests[index - 1] if index else None
            older = digests[index + 1] if index + 1 < len(digests) else None
            core.add_page(digest_page(archive, digest, newer, older, self.config.emails), config)
        core.add_page(index_page(archive, digests, self.options, self.feeds_on and bool(archive.stories),
                                 [l for l in archive.lessons if l in self.lesson_feeds]), config)
        css = resources.files("harvest").joinpath("assets/digests.css").read_bytes()
        files.append(File.generated(config, CSS_URI, content=css, inclusion=InclusionLevel.NOT_IN_NAV))
        # Known now, so pages may link to them. Each is its own source: on_env writes it into
        # the site folder, and MkDocs' copy then leaves it be (its "plugins write into site_dir").
        self.outputs = {path: File(path, config.site_dir, config.site_dir, config.use_directory_urls)
                        for path in paths}
        for file in self.outputs.values():
            files.append(file)
        self.digests, self.files = digests, files
        log.info(f"{len(digests)} digests" + (f", {len(paths)} feed and email files" if paths else ""))
        return files

    def on_env(self, env, *, config: MkDocsConfig, files: Files):
        if not self.outputs:
            return env
        core = harvest_plugin(config)
        text = StoryText(core.story_html)  # every story page has been rendered and cut by now
        written = set()
        try:
            outputs = self._emails(core.archive, text) if self.config.emails else iter(())
            if self.feeds_on and core.archive.stories:
                outputs = chain(outputs, feed_outputs(core.archive, self.digests, self.links,
                                                      self.config.feed_size, text))
            for path, content in outputs:
                if path in self.outputs:
                    write_file(content, self.outputs[path].abs_dest_path)
                written.add(path)
        except HarvestError as error:
            raise PluginError("Harvest digests:\n" + error.report()) from None
        if written != self.outputs.keys():  # a bug, not a user's mistake: say which files
            raise PluginError(f"harvest-digests: planned and written files differ: "
                              f"{sorted(written ^ self.outputs.keys())}")
        self.digests = []
        return env

    def _emails(self, archive: Archive, text: StoryText) -> Iterator[tuple[str, bytes]]:
        for digest in self.digests:
            email = render_email(digest_view(archive, digest, self.links.email_page, text),
                                 self.config.email_from, self.config.email_to)
            for suffix, content in zip(EMAIL_SUFFIXES, (email.eml, email.html.encode("utf-8"),
                                                        email.text.encode("utf-8"))):
                yield email_file(digest.key, suffix), content

    def on_post_page(self, output: str, *, page: Page, config: MkDocsConfig) -> str:
        """Announce feeds in each page's <head>: the stories' everywhere, the digests' on digest
        pages, a lesson's on its page. One string insertion per page."""
        if not self.head_feeds or "</head>" not in output:
            return output
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
                tags.append(f'<link rel="alternate" type="{media_type}" title="{escape(title)} ({label})" '
                            f'href="{escape(href)}">')
        return output.replace("</head>", "".join(tags) + "</head>", 1)
