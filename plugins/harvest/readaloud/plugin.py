"""The `harvest-readaloud` MkDocs plugin: read-aloud view on story pages, and reading-session pages.

The logic lives beside it in `parts` (timing, cutting a story's HTML into parts) and
`sessions` (session files); this module adapts them to MkDocs: assets, pages, and the
template context of story and session pages.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from importlib import resources
from pathlib import Path

from markupsafe import Markup
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import get_plugin_logger
from mkdocs.structure.files import File, Files, InclusionLevel
from mkdocs.structure.pages import Page

from harvest.core.problems import HarvestError
from harvest.core.prompts import count_words
from harvest.readaloud.config import ReadAloudConfig
from harvest.readaloud.parts import Part, for_other_page, format_duration, story_parts, total_seconds
from harvest.readaloud.screenhtml import screens_html
from harvest.readaloud.screens import credit_line, text_screens
from harvest.readaloud.sessions import Session, load_session_files, plan_sessions
from harvest.site.context import BuildContext, FeaturePlugin
from harvest.site.front import people_date
from harvest.site.pages import PageSpec, human_date, story_header
from harvest.site.storyhtml import StoryHtml

log = get_plugin_logger(__name__)
ASSETS = {"assets/harvest/readaloud.css": "readaloud.css", "assets/harvest/readaloud.js": "readaloud.js"}
INDEX_URI = "readings/index.md"


class ReadAloudPlugin(FeaturePlugin[ReadAloudConfig]):
    supports_multiple_instances = False

    def on_config(self, config: MkDocsConfig) -> MkDocsConfig:
        self.context = None
        self.files: Files | None = None
        if not self.config.sessions_dir.startswith("_"):
            raise PluginError(
                "mkdocs.yml, plugins → harvest-readaloud: sessions_dir must start with '_' "
                "(folders starting with '_' are not read as stories)"
            )
        if not 20 <= self.config.words_per_screen <= 1000:
            raise PluginError(
                "mkdocs.yml, plugins → harvest-readaloud: words_per_screen must be a whole number from 20 to 1000 "
                f"(it is {self.config.words_per_screen}); the default, 90, fits a projector in very large type"
            )
        self.folder = Path(config.docs_dir) / self.config.sessions_dir
        self.theme_lang = str(config.theme.get("language") or "en")
        css, js = ASSETS
        if css not in config.extra_css:
            config.extra_css.append(css)
        if js not in config.extra_javascript:
            config.extra_javascript.append(js)
        return config

    def nav_sections(self, config: MkDocsConfig) -> list[tuple[str, str]]:
        return [(self.config.nav_title, INDEX_URI)]  # whether or not any session is shown

    def pages(self, context: BuildContext) -> Iterable[PageSpec]:
        self.context = context
        archive, settings = context.archive, context.settings
        for story in archive.stories:
            if story.path.split("/", 1)[0] == "readings":
                raise PluginError(
                    f"{settings.display_path(settings.stories_dir / story.path)}: the readings/ "
                    f"folder is used by the reading-session pages; move the story to another folder"
                )
        found, problems = load_session_files(self.folder, settings)
        sessions, errors, notes = plan_sessions(found, archive, context.known_story_ids)
        problems += errors
        if problems:
            raise PluginError("Harvest found problems in the reading sessions:\n" + HarvestError(problems).report())
        for note in notes:
            log.info(note)
        # The index is there even with no session files: with only withheld ones, it must look
        # the same as with none at all ("No reading sessions to show yet").
        return [
            index_page(sessions),
            *(
                PageSpec(session.src_uri, session.title, "", "harvest/reading.html", {"session": session})
                for session in sessions
            ),
        ]

    def on_files(self, files: Files, *, config: MkDocsConfig) -> Files:
        self.require_context()
        self.files = files
        for uri, name in ASSETS.items():
            content = resources.files("harvest").joinpath("assets", name).read_bytes()
            files.append(File.generated(config, uri, content=content, inclusion=InclusionLevel.NOT_IN_NAV))
        return files

    def on_page_context(self, context, *, page: Page, config: MkDocsConfig, nav):
        spec = self.context.pages.get(page.file.src_uri) if self.context else None
        if spec is None or self.context is None:
            return context
        wpm = self.context.settings.words_per_minute_aloud
        if "story" in spec.data:
            context["harvest_readaloud"] = self.story_view(spec.data["story"], wpm)
        elif "session" in spec.data:
            context["harvest_readaloud"] = self.session_view(spec.data["session"], page)
        return context

    def html_of(self, story) -> StoryHtml:
        rendered = self.context.story_html.get(story.id) if self.context else None  # cut by the core
        if rendered is not None:
            return rendered
        # Not rendered in this build (e.g. a dirty `serve` rebuild): plain escaped text is still readable.
        return StoryHtml(
            [Markup("<p>{}</p>").format(story.intro)]
            + [Markup("<h2>{}</h2>\n<p>{}</p>").format(s.heading, s.markdown) for s in story.sections],
            "",
        )

    def story_view(self, story, wpm: int) -> dict:
        rendered = self.html_of(story)
        parts = story_parts(story, wpm)
        if len(rendered.parts) == 1 and len(parts) > 1:  # headings did not match: read it as one part
            parts = [Part(story.title, sum(p.words for p in parts), total_seconds(parts))]
        screens = self.screens_of(story, parts, rendered.parts, start=1, closing={"session": False, "next": None})
        return {
            "figures": rendered.figures,
            "total": format_duration(total_seconds(parts)),
            "parts": screens,
            "html": screens_html(screens, story, self.theme_lang),
            "ui_lang": self.theme_lang,
        }

    def session_view(self, session: Session, page: Page) -> dict:
        here = page.file.url
        left = session.seconds
        stories: list[dict] = []
        texts: list[tuple[list[Part], list[str]]] = []  # each story's parts and their HTML, this page's links
        index, count = 1, len(session.items)
        for number, item in enumerate(session.items, 1):
            story_file = self.files.get_file_from_path(item.story.path) if self.files else None
            story_url = story_file.url if story_file else here
            rendered = self.html_of(item.story)
            parts = list(item.parts)
            if len(rendered.parts) == 1 and len(parts) > 1:
                parts = [Part(item.story.title, sum(p.words for p in parts), item.seconds)]
            chunks = [for_other_page(chunk, story_url, here, f"s{number}-") for chunk in rendered.parts]
            origin = item.story.origin
            context = (
                f"Story {number} of {count}"
                + (f" · from {origin.archive_name}" if origin else "")
                + (f" · read by {item.reader}" if item.reader else "")
            )
            stories.append(
                {
                    "number": number,
                    "story": item.story,
                    "reader": item.reader,
                    "context": context,
                    "time": format_duration(item.seconds),
                    "url": story_file.url_relative_to(page.file) if story_file else "#",
                }
            )
            texts.append((parts, chunks))
        # Second pass: each closing screen names the next story (its entry is shared: its "start", set on
        # the next round, is there when the page is rendered).
        for position, (entry, (parts, chunks)) in enumerate(zip(stories, texts, strict=True)):
            following = stories[position + 1] if position + 1 < len(stories) else None
            entry["start"] = index
            closing = {"session": True, "next": following}
            screens = self.screens_of(entry["story"], parts, chunks, start=index, left=left, closing=closing)
            entry["parts"] = screens
            left -= session.items[position].seconds
            index += len(screens)
        for entry in stories:  # every story's "start" is known now (each closing screen names the next)
            entry["html"] = screens_html(entry["parts"], entry["story"], self.theme_lang, entry)
        return {
            "stories": stories,
            "total": format_duration(session.seconds),
            "date": human_date(session.date) if session.date else "",
            "ui_lang": self.theme_lang,
        }

    def screens_of(
        self, story, parts: list[Part], chunks: Sequence[str], start: int, closing: dict, left: int | None = None
    ) -> list[dict]:
        """The title screen, the text in screens that fit, and the closing screen, numbered from `start`."""
        assert self.context is not None
        title, texts = text_screens(
            [(p.words, p.seconds) for p in parts], chunks, count_words(story.title), self.config.words_per_screen
        )
        spec = self.context.pages.get(story.path)
        made = spec.data.get("header") if spec is not None and spec.data.get("story") is story else None
        header = made() if made is not None else story_header(self.context.archive, story)
        credits = credit_line([label for _, label in header.credits], header.anonymous)
        title_data = {
            "credits": credits,
            "place": header.place[1] if header.place else "",
            "date": people_date(story.date, story.lang),
            "date_iso": header.date,
            "event": header.event[1],
        }
        screens = [
            {"kind": "title", "html": "", "words": title.words, "seconds": title.seconds, "title": title_data},
            *({"kind": "text", "html": Markup(s.html), "words": s.words, "seconds": s.seconds} for s in texts),
            {"kind": "closing", "html": "", "words": 0, "seconds": 0, "closing": {**closing, "credits": credits}},
        ]
        return screen_views(screens, start, total_seconds(parts) if left is None else left)


def screen_views(screens: list[dict], start: int, left: int) -> list[dict]:
    """What the templates need for each screen: anchor number, '2 / 5', times (from Python, not the browser)."""
    views = []
    for number, screen in enumerate(screens, 1):
        views.append(
            {
                **screen,
                "index": start + number - 1,
                "progress": f"{number} / {len(screens)}",
                "time": format_duration(screen["seconds"]),
                "left": format_duration(left) if left > 0 else "",
            }
        )
        left -= screen["seconds"]
    return views


def index_page(sessions: list[Session]) -> PageSpec:
    entries = []
    for session in sessions:
        note = " · ".join(
            filter(
                None,
                [
                    human_date(session.date) if session.date else "",
                    f"{len(session.items)} stories",
                    f"about {format_duration(session.seconds)} aloud",
                ],
            )
        )
        entries.append({"uri": session.src_uri, "title": session.title, "note": note})
    intro = (
        "Running orders for reading stories aloud at assemblies: who reads, in what order, and for how long. "
        "Open one and choose **Start reading aloud**."
    )
    return PageSpec(INDEX_URI, "Readings", intro, "harvest/readings.html", {"sessions": entries})
