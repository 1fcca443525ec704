"""The reading experience: what the home, Answers, lesson and timeline pages show, as plain data.

`enrich_pages` adds keys to the pages `plan_pages` made (it never removes one), so the
templates can show a front door, each answer once, a story and its translations as one
entry, and the timeline and lessons as pictures. Everything is computed once per build,
in a pass over the stories; the charts are inline SVG strings made here, escaped here.
"""

from __future__ import annotations

import datetime as dt
import html
import zlib
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache

from markupsafe import Markup, escape

from harvest.core.archive import Archive
from harvest.core.model import Story
from harvest.core.prompts import Section
from harvest.site.pages import HOME, MONTHS, PageSpec, answers_uri, lesson_uri, year_uri

CARDS = 9  # story cards on the home page, besides the featured story
HOME_ANSWERS = 3  # latest answers to the home page's prompt
RECURRING = 6  # lessons in the "what we keep learning" strip
LESSON_ANSWERS = 3  # latest answers per prompt on a lesson's page (the rest: Answers, filtered)
# Bare "en" is written day first ("14 March 2026"), as the archive's readers write it, not as en_US does.
DATE_LOCALES = {"en": "en_GB"}


@dataclass(frozen=True)
class FrontOptions:
    welcome: str = ""  # Markdown for the home page (option, else stories/_welcome.md)
    featured: str | None = None
    offline_copy: str = ""  # where the offline copy is published (a link), if it is


@lru_cache(maxsize=4096)
def people_date(date: dt.date, lang: str) -> str:
    """ "14 March 2026", "14 de marzo de 2026": the long date in `lang`, as people write it."""
    from babel.core import UnknownLocaleError
    from babel.dates import format_date

    try:
        return format_date(date, format="long", locale=DATE_LOCALES.get(lang, lang).replace("-", "_"))
    except (UnknownLocaleError, ValueError):
        return format_date(date, format="long", locale="en_GB")


@lru_cache(maxsize=256)
def language_name(lang: str) -> str:
    """ "Español" for "es": a language named in itself, as its readers look for it."""
    from babel.core import Locale, UnknownLocaleError

    try:
        name = Locale.parse(lang.replace("-", "_")).get_display_name(lang.replace("-", "_")) or lang
    except (UnknownLocaleError, ValueError):
        return lang
    return name[:1].upper() + name[1:]


def story_cards(stories: Iterable[Story], url, data: Mapping, level: int = 3, css: str = "") -> Markup:
    """Story cards (title, date for people, place, event, lesson chips, summary, other languages),
    as the `story_card` macro of harvest/_macros.html writes them, byte for byte: a page lists up
    to hundreds, and a macro call per card (with a filter and a loop in it) cost more than the
    page's own text. `url`: the page's `harvest_url`; `data`: the page's `harvest` data."""
    lang = data.get("lang") or "en"
    labels = data.get("event_labels")
    titles = data.get("lesson_titles")
    versions = data.get("versions")
    chips: dict[str, str] = {}  # lesson id -> its chip: the same few lessons on most cards of a page
    out: list[str] = []
    add = out.append
    for s in stories:
        origin = s.origin
        add(f'<li class="harvest-card {css}" lang="{escape(s.lang)}"')
        if origin:
            add(f' data-archive="{escape(origin.peer)}"')
        add(
            f'>\n  <h{level} class="harvest-card__title">'
            f'<a href="{escape(url(s.path))}">{escape(s.title)}</a></h{level}>'
            f'\n  <p class="harvest-card__meta"><time datetime="{s.date.isoformat()}">'
            f"{people_date(s.date, lang)}</time>"
        )
        if s.place:
            add(f" · {escape(s.place)}")
        if labels:
            add(f" · {escape(labels.get(s.event, s.event))}")
        if origin:
            add(f' · <span class="harvest-from">from {escape(origin.archive_name)}</span>')
        add(f'</p>\n  <p class="harvest-card__summary">{escape(s.summary)}</p>')
        if titles:
            add('\n  <p class="harvest-card__lessons">')
            for lesson in s.lessons:
                if lesson in titles:
                    chip = chips.get(lesson)
                    if chip is None:
                        href = escape(url(f"lessons/{lesson}.md"))
                        chip = chips[lesson] = f'<a class="harvest-chip" href="{href}">{escape(titles[lesson])}</a>'
                    add(chip)
            add("</p>")
        add("\n  ")
        group = versions.get(s.id) if versions else None
        if group:
            others = [v for v in group if v.id != s.id]
            links = ",".join(
                f' <a href="{escape(url(v.path))}" hreflang="{escape(v.lang)}" lang="{escape(v.lang)}">'
                f"{escape(language_name(v.lang))}</a>"
                for v in others
            )
            add(f'<span class="harvest-languages">Also in{links}</span>')
        add("\n</li>")
    return Markup("".join(out))


def answer_items(answers: Iterable[tuple[Story, Section]], url, section_html, data: Mapping) -> Markup:
    """The items of an Answers page's list, as harvest/answers.html wrote them with a macro call
    or three per answer (byte for byte): each story's title, date, place, origin, other
    languages, its answer (`section_html`: the page's `harvest_section_html`) and its chips."""
    lang = data["lang"]
    titles = data.get("lesson_titles") or {}
    versions = data.get("versions")
    out: list[str] = []
    add = out.append
    for s, section in answers:
        origin = s.origin
        add(f'\n  <li class="harvest-answer" data-lessons="{escape(" ".join(s.lessons))}"')
        if origin:
            add(f' data-archive="{escape(origin.peer)}"')
        add(
            f'>\n    <h2 class="harvest-answer__story"><a href="{escape(url(s.path))}" lang="{escape(s.lang)}">'
            f"{escape(s.title)}</a></h2>"
            f'\n    <p class="harvest-card__meta"><time datetime="{s.date.isoformat()}">'
            f"{people_date(s.date, lang)}</time>"
        )
        if s.place:
            add(f" · {escape(s.place)}")
        if origin:
            add(f' · <span class="harvest-from">from {escape(origin.archive_name)}</span>')
        add("\n      ")
        group = versions.get(s.id) if versions else None
        if group:
            links = ",".join(
                f' <a href="{escape(url(v.path))}" hreflang="{escape(v.lang)}" lang="{escape(v.lang)}">'
                f"{escape(language_name(v.lang))}</a>"
                for v in group
                if v.id != s.id
            )
            add(f'<span class="harvest-languages">· Also in{links}</span>')
        add(f'</p>\n    <div class="harvest-answer__text" lang="{escape(s.lang)}">{section_html(s, section)}</div>')
        add('\n    <p class="harvest-card__lessons">')
        for lesson in s.lessons:
            if lesson in titles:
                add(f'<a class="harvest-chip" href="#lesson-{escape(lesson)}">{escape(titles[lesson])}</a>')
        add("</p>\n  </li>\n  ")
    return Markup("".join(out))


def versions_of(archive: Archive) -> dict[str, list[Story]]:
    """story id -> the story and its published translations, original first (only stories that have some)."""
    groups: dict[str, list[Story]] = {}
    for story in archive.stories:
        if story.translation_of:
            original = archive.story(story.translation_of)
            if original is not None:
                groups.setdefault(original.id, [original]).append(story)
    return {story.id: group for group in groups.values() for story in group}


def one_per_story(stories: Iterable[Story], versions: dict[str, list[Story]]) -> list[Story]:
    """`stories` with each story once: a translation is left out when its original (or an
    earlier translation of it) is already in the list."""
    seen: set[str] = set()
    out = []
    for story in stories:
        group = versions.get(story.id)
        key = group[0].id if group else story.id
        if key not in seen:
            seen.add(key)
            out.append(story)
    return out


OWN_ARCHIVE = "-here"  # the filter key of our own stories (a peer's name never starts with "-")


def archive_filters(stories: Iterable[Story], own_name: str) -> list[tuple[str, str, int]]:
    """(key, archive name, stories) for the "filter by archive" chips: ours first, then the peers
    by name; [] when the stories all come from one archive (nothing to filter)."""
    counts: Counter[str] = Counter()
    names = {OWN_ARCHIVE: own_name}
    for story in stories:
        key = story.origin.peer if story.origin else OWN_ARCHIVE
        counts[key] += 1
        if story.origin:
            names[key] = story.origin.archive_name
    if len(counts) < 2:
        return []
    keys = sorted(counts, key=lambda key: (key != OWN_ARCHIVE, names[key].casefold(), key))
    return [(key, names[key], counts[key]) for key in keys]


def latest_per_archive(answers: list[tuple[Story, Section]], shown: int) -> list[tuple[Story, Section]]:
    """The answers, beyond the `shown` newest, that are among the `shown` newest of their own
    archive: what a lesson page lists when the reader picks one archive (hidden otherwise)."""
    seen: Counter[str] = Counter()
    extra = []
    for number, (story, section) in enumerate(answers):
        key = story.origin.peer if story.origin else OWN_ARCHIVE
        seen[key] += 1
        if number >= shown and seen[key] <= shown:
            extra.append((story, section))
    return extra


def home_prompt(archive: Archive) -> str | None:
    """The prompt the home page quotes: the missing-resource one when configured, else the last."""
    prompts = archive.settings.prompts
    ids = [p.id for p in prompts]
    return "missing" if "missing" in ids else (ids[-1] if ids else None)


def unique_answers(
    archive: Archive, prompt_id: str, versions: dict[str, list[Story]], stories: Iterable[Story] | None = None
) -> list[tuple[Story, Section]]:
    """(story, section) for every non-empty answer to `prompt_id`, newest first, each story once."""
    answers: list[tuple[Story, Section]] = []
    for story in one_per_story(archive.stories if stories is None else stories, versions):
        section = story.answer(prompt_id)
        if section is not None and section.markdown.strip():
            answers.append((story, section))
    return answers


def bar_chart(
    title: str,
    description: str,
    bars: list[tuple[str, int, str | None]],
    *,
    horizontal: bool = False,
    label_width: int = 180,
) -> str:
    """An inline SVG bar chart (no script, no outside request): `bars` is (label, value, link).

    role="img" with a <title> and <desc> naming every value, so a screen reader hears the same
    numbers the picture shows; bars that link are keyboard-reachable <a> elements."""
    e = html.escape
    top = max((v for _, v, _ in bars), default=0) or 1
    desc = description + " " + "; ".join(f"{label}: {value}" for label, value, _ in bars) + "."
    uid = f"chart-{zlib.crc32(title.encode()):08x}"  # stable across builds (the offline copy is reproducible)
    parts = []
    if horizontal:
        row, bar_max = 28, 300
        width, height = label_width + bar_max + 40, row * len(bars) + 4
        for i, (label, value, link) in enumerate(bars):
            y = i * row + 2
            length = max(2, round(value / top * bar_max)) if value else 0
            item = (
                f'<text x="{label_width - 8}" y="{y + 18}" text-anchor="end" class="hc-label">{e(label)}</text>'
                f'<rect x="{label_width}" y="{y + 4}" width="{length}" height="{row - 10}" rx="3" class="hc-bar"/>'
                f'<text x="{label_width + length + 6}" y="{y + 18}" class="hc-value">{value}</text>'
            )
            parts.append(f'<a href="{e(link)}">{item}</a>' if link else item)
    else:
        col, bar_max = 40, 120
        width, height = col * len(bars) + 8, bar_max + 48
        for i, (label, value, link) in enumerate(bars):
            x = i * col + 4
            length = max(2, round(value / top * bar_max)) if value else 0
            item = (
                f'<rect x="{x + 6}" y="{bar_max + 20 - length}" width="{col - 12}" height="{length}" rx="3" '
                f'class="hc-bar"/>'
                + (
                    f'<text x="{x + col / 2}" y="{bar_max + 14 - length}" text-anchor="middle" '
                    f'class="hc-value">{value}</text>'
                    if value
                    else ""
                )
                + f'<text x="{x + col / 2}" y="{bar_max + 40}" text-anchor="middle" class="hc-label">{e(label)}</text>'
            )
            parts.append(f'<a href="{e(link)}">{item}</a>' if link else item)
    return (
        f'<svg class="harvest-chart" aria-labelledby="{uid}-t {uid}-d" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" xmlns="http://www.w3.org/2000/svg">'
        f'<title id="{uid}-t">{e(title)}</title><desc id="{uid}-d">{e(desc)}</desc>{"".join(parts)}</svg>'
    )


def month_anchor(month: str) -> str:
    return f"m-{month}"


def year_chart(year: int, months: dict[str, list[Story]], versions, url_prefix: str = "") -> str:
    """Twelve bars, one per month; a month with stories links to its part of the year's page."""
    bars = []
    for number in range(1, 13):
        key = f"{year}-{number:02d}"
        count = len(one_per_story(months.get(key, []), versions))
        bars.append((MONTHS[number - 1][:3], count, f"{url_prefix}#{month_anchor(key)}" if count else None))
    return bar_chart(f"Stories per month in {year}", f"Stories shared each month of {year}.", bars)


def lessons_chart(counts: list[tuple[str, str, int]], url) -> str:
    """counts: (lesson id, title, stories), most first; bars link to the lesson pages (`url(src_uri)`)."""
    return bar_chart(
        "How often each lesson recurs",
        "Number of stories that taught each lesson.",
        [(title, n, url(lesson_uri(lid))) for lid, title, n in counts],
        horizontal=True,
        label_width=min(260, 12 + 7 * max((len(t) for _, t, _ in counts), default=10)),
    )


def lesson_counts(archive: Archive, versions) -> list[tuple[str, str, int]]:
    counts = [
        (lesson.id, lesson.title, len(one_per_story(archive.by_lesson[lesson.id], versions)))
        for lesson in archive.lessons.values()
    ]
    return sorted((c for c in counts if c[2]), key=lambda c: (-c[2], c[1].casefold()))


def enrich_pages(pages: list[PageSpec], archive: Archive, options: FrontOptions) -> None:
    """Add the reading experience's data to the core's pages (in place; keys only added or
    replaced by a list with translations folded in)."""
    versions = versions_of(archive)
    by_uri = {spec.src_uri: spec for spec in pages}
    prompts = archive.settings.prompts
    lang = archive.settings.default_lang
    stories = one_per_story(archive.stories, versions)
    counts = lesson_counts(archive, versions)
    lesson_titles = {lesson.id: lesson.title for lesson in archive.lessons.values()}
    for spec in pages:
        spec.data.setdefault("versions", versions)
        spec.data.setdefault("lang", spec.lang or lang)
        spec.data.setdefault("lesson_titles", lesson_titles)
        spec.data.setdefault("event_labels", archive.settings.event_kinds)
        spec.data.setdefault("story_cards", story_cards)
        spec.data.setdefault("answer_items", answer_items)
        if "stories" in spec.data:  # lesson, place, event and contributor pages: a story once
            spec.data["stories"] = one_per_story(spec.data["stories"], versions)
        story = spec.data.get("story")
        if story is not None and spec.data.get("related"):  # neither the story's own versions nor a repeat
            own = {s.id for s in versions.get(story.id, [story])}
            spec.data["related"] = [
                s
                for s in one_per_story(spec.data["related"], versions)
                if s.id not in own and versions.get(s.id, [s])[0].id not in own
            ]

    home = by_uri.get(HOME)
    if home is not None:
        featured = archive.story(options.featured) if options.featured else None
        if featured is not None and featured.translation_of and archive.story(featured.translation_of):
            featured = archive.story(featured.translation_of)
        featured = featured or (stories[0] if stories else None)
        prompt_id = home_prompt(archive)
        prompt = next((p for p in prompts if p.id == prompt_id), None)
        home.data.update(
            {
                "featured": featured,
                "cards": [s for s in stories if s is not featured][:CARDS],
                "story_count": len(stories),
                "recurring": [(lesson_uri(lid), title, n) for lid, title, n in counts[:RECURRING]],
                "home_prompt": prompt,
                "home_prompt_uri": answers_uri(prompt.id) if prompt else None,
                "home_answers": unique_answers(archive, prompt.id, versions)[:HOME_ANSWERS] if prompt else [],
                "offline_copy": options.offline_copy,
            }
        )
        if options.welcome.strip():
            home.markdown = options.welcome.strip() + "\n"

    for prompt in prompts:
        answers_spec = by_uri.get(answers_uri(prompt.id))
        if answers_spec is None:
            continue
        answers = unique_answers(archive, prompt.id, versions)
        used = Counter(lesson for story, _ in answers for lesson in story.lessons)
        answers_spec.data.update(
            {
                "answers": answers,
                "archives": archive_filters((story for story, _ in answers), archive.settings.site_name),
                "filters": [
                    (lid, archive.lessons[lid].title, n)
                    for lid, n in sorted(used.items(), key=lambda item: archive.lessons[item[0]].title.casefold())
                ],
            }
        )
        answers_spec.markdown = (
            "Every story's answer, newest first, each once. Choose a lesson to see only its stories."
        )

    index = by_uri.get("answers/index.md")
    if index is not None:
        index.data["entries"] = [
            (answers_uri(p.id), p.title, "", len(unique_answers(archive, p.id, versions))) for p in prompts
        ]

    for lesson in archive.lessons.values():
        lesson_spec = by_uri.get(lesson_uri(lesson.id))
        if lesson_spec is None:
            continue
        in_lesson = lesson_spec.data["stories"]
        archives = archive_filters(in_lesson, archive.settings.site_name)
        lesson_spec.data.update(
            {
                "lesson": lesson,
                "archives": archives,
                # (prompt, latest answers, how many in all, the Answers page filtered to this lesson,
                #  and with a filter by archive, the latest of each archive besides: shown when picked)
                "lesson_answers": [
                    (
                        p,
                        found[:LESSON_ANSWERS],
                        len(found),
                        answers_uri(p.id),
                        f"#lesson-{lesson.id}",
                        latest_per_archive(found, LESSON_ANSWERS) if archives else [],
                    )
                    for p in prompts
                    for found in [unique_answers(archive, p.id, versions, in_lesson)]
                ],
                "feed": f"feeds/lessons/{lesson.id}.atom.xml",
            }
        )

    lessons_index = by_uri.get("lessons/index.md")
    if lessons_index is not None:
        lessons_index.data["chart"] = lambda url: lessons_chart(counts, url)
        per_lesson = {lesson_uri(lid): n for lid, _, n in counts}
        lessons_index.data["entries"] = [
            (uri, label, note, per_lesson.get(uri, n)) for uri, label, note, n in lessons_index.data["entries"]
        ]

    timeline = by_uri.get("timeline/index.md")
    years = []
    for year, months in archive.by_year.items():
        year_spec = by_uri.get(year_uri(year))
        month_rows = [(month, month_anchor(month), one_per_story(s, versions)) for month, s in months.items()]
        total = sum(len(s) for _, _, s in month_rows)
        if year_spec is not None:
            year_spec.data.update(
                {
                    "month_rows": [(f"{MONTHS[int(m[5:]) - 1]} {year}", anchor, s) for m, anchor, s in month_rows],
                    "chart": year_chart(year, months, versions),
                }
            )
        years.append(
            (
                year,
                year_uri(year),
                total,
                [(MONTHS[int(m[5:]) - 1], anchor, len(s)) for m, anchor, s in month_rows],
                # on the timeline index the bars link to the year's page: `url` resolves it there
                lambda url, year=year, months=months: year_chart(year, months, versions, url(year_uri(year))),
            )
        )
    if timeline is not None:
        timeline.data["years"] = years
