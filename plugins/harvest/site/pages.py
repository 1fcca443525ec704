"""Plan the archive's pages from a published `Archive`: pure data, no MkDocs.

Story pages are Markdown (so Material's search indexes their text, lessons,
people and place). Index pages carry data for the `harvest/*.html` templates and
are left out of search so a query lands on the story itself.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from harvest.core.archive import Archive
from harvest.core.model import Story
from harvest.core.prompts import minutes
from harvest.core.sitepaths import RESERVED_DIRS  # noqa: F401  (where Harvest's own pages live; re-exported)
from harvest.core.text import escape

HOME = "index.md"
MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


@dataclass
class PageSpec:
    src_uri: str
    title: str
    markdown: str | Callable[[], str]  # a callable builds it when MkDocs renders the page
    template: str | None = None
    data: dict = field(default_factory=dict)
    search: bool = False
    lang: str | None = None


def lesson_uri(lesson: str) -> str:
    return f"lessons/{lesson}.md"


def event_uri(kind: str) -> str:
    return f"events/{kind}.md"


def place_uri(key: str) -> str:
    return f"places/{key}.md"


def person_uri(key: str) -> str:
    return f"contributors/{key}.md"


def year_uri(year: int) -> str:
    return f"timeline/{year}.md"


def answers_uri(prompt_id: str) -> str:
    return f"answers/{prompt_id}.md"


def peer_uri(peer: str) -> str:
    return f"federation/{peer}.md"


def human_date(date) -> str:
    return f"{date.day} {MONTHS[date.month - 1]} {date.year}"


def month_label(month: str) -> str:
    year, number = month.split("-")
    return f"{MONTHS[int(number) - 1]} {year}"


@dataclass(frozen=True)
class StoryHeader:
    """What a story page shows above its text; the template `harvest/story-header.html` writes it
    (autoescaped), resolving each src_uri with `harvest_url`."""

    title: str
    summary: str
    date: str  # ISO, for <time datetime>
    human_date: str
    event: tuple[str, str]  # (src_uri, label)
    place: tuple[str, str] | None  # None: an imported story that names no place
    credits: list[tuple[str | None, str]]  # credited people: (src_uri or None for a peer's, label)
    anonymous: int  # how many contributors are not named
    lessons: list[tuple[str, str]]
    minutes_silent: int
    minutes_aloud: int
    translation_of: tuple[str, str] | None
    origin: tuple[str, str] | None = None  # a peer's story: (its archive's page, the archive's name)
    first_shared: str | None = None  # re-shared to us by that peer: the archive it first came from


def story_header(archive: Archive, story: Story) -> StoryHeader:
    """The title, then what, where, when, who, lessons and times.

    Written by the story template, not put in the page's Markdown, where parsing it (even as
    raw HTML) and resolving its links cost ~1 ms per page.
    """
    settings = archive.settings
    if story.origin is None:
        people, anonymous = archive.people_of(story)
        credits: list[tuple[str | None, str]] = [(person_uri(p.key), p.label) for p in people]
        origin, first_shared = None, None
    else:  # a peer's story: credit as its archive gave it, never through our registry
        credits = [(None, name) for name in story.origin.credits]
        anonymous = story.origin.anonymous
        origin = (peer_uri(story.origin.peer), story.origin.archive_name)
        first_shared = dict(story.origin.first)["archive"] if story.origin.first else None
    translation = archive.story(story.translation_of) if story.translation_of else None
    return StoryHeader(
        title=story.title,
        summary=story.summary,
        date=story.date.isoformat(),
        human_date=human_date(story.date),
        event=(event_uri(story.event), settings.event_kinds[story.event]),
        place=(place_uri(story.place_key), story.place) if story.place_key else None,
        credits=credits,
        anonymous=anonymous,
        origin=origin,
        first_shared=first_shared,
        lessons=[(lesson_uri(lesson), archive.lessons[lesson].title) for lesson in story.lessons],
        minutes_silent=minutes(story.words, settings.words_per_minute_silent),
        minutes_aloud=minutes(story.words, settings.words_per_minute_aloud),
        translation_of=(translation.path, translation.title) if translation else None,
    )


def once(make: Callable[[], StoryHeader]) -> Callable[[], StoryHeader]:
    """`make`, called on the first call only: the story template and the read-aloud screens both
    show the header. A plain function (not functools.cache), so the page cache can key it."""
    made: list[StoryHeader] = []

    def get() -> StoryHeader:
        if not made:
            made.append(make())
        return made[0]

    return get


def story_markdown(story: Story) -> str:
    figures = "".join(f"\n\n![]({image}){{ .harvest-image loading=lazy }}" for image in story.images)
    return story.markdown.strip() + figures + "\n"


def story_page(archive: Archive, story: Story, related: list[Story]) -> PageSpec:
    # Built when the page is rendered, not held for every story at once (memory at 5,000 stories).
    return PageSpec(
        story.path,
        story.title,
        lambda: story_markdown(story),
        "harvest/story.html",
        {"story": story, "related": related, "header": once(lambda: story_header(archive, story))},
        search=True,
        lang=story.lang,
    )


def plan_pages(archive: Archive, related: Mapping[str, list[Story]]) -> list[PageSpec]:
    """Every page of the core: stories (with `related`: story id -> its related stories) and indexes."""
    settings = archive.settings
    pages = [story_page(archive, story, related.get(story.id, [])) for story in archive.stories]
    prompts = settings.prompts
    pages.append(
        PageSpec(
            HOME,
            settings.site_name,
            "",
            "harvest/home.html",
            {
                "newest": archive.stories[:10],
                "story_count": len(archive.stories),
                "lesson_count": sum(1 for s in archive.by_lesson.values() if s),
                "place_count": len(archive.by_place),
                "people_count": len(archive.by_person),
                "prompts": prompts,
            },
        )
    )

    def index(uri, title, intro, entries, template="harvest/index.html"):
        pages.append(PageSpec(uri, title, intro, template, {"entries": entries}))

    def listing(uri, title, intro, stories, **extra):
        pages.append(PageSpec(uri, title, intro, "harvest/list.html", {"stories": stories, **extra}))

    index(
        "lessons/index.md",
        "Lessons",
        "What our stories taught us, one page per lesson.",
        [
            (lesson_uri(lesson.id), lesson.title, lesson.description, len(archive.by_lesson[lesson.id]))
            for lesson in archive.lessons.values()
            if archive.by_lesson[lesson.id]
        ],
    )
    for lesson in archive.lessons.values():
        if archive.by_lesson[lesson.id]:
            listing(lesson_uri(lesson.id), lesson.title, escape(lesson.description), archive.by_lesson[lesson.id])

    index(
        "events/index.md",
        "Events",
        "Stories by kind of event.",
        [(event_uri(k), settings.event_kinds[k], "", len(s)) for k, s in archive.by_event.items() if s],
    )
    for kind, stories in archive.by_event.items():
        if stories:
            listing(event_uri(kind), settings.event_kinds[kind], "", stories)

    index(
        "places/index.md",
        "Places",
        "Stories by place.",
        [(place_uri(key), label, "", len(stories)) for key, (label, stories) in archive.by_place.items()],
    )
    for key, (label, stories) in archive.by_place.items():
        listing(place_uri(key), label, "", stories)

    index(
        "contributors/index.md",
        "Contributors",
        "People and collectives who shared stories, as each chose to be credited.",
        [(person_uri(key), person.label, "", len(stories)) for key, (person, stories) in archive.by_person.items()],
    )
    for key, (person, stories) in archive.by_person.items():
        listing(person_uri(key), person.label, "", stories)

    index(
        "timeline/index.md",
        "Timeline",
        "Stories by year and month.",
        [
            (
                year_uri(year),
                str(year),
                ", ".join(f"{month_label(m).split()[0]} ({len(s)})" for m, s in months.items()),
                sum(len(s) for s in months.values()),
            )
            for year, months in archive.by_year.items()
        ],
    )
    for year, months in archive.by_year.items():
        pages.append(
            PageSpec(
                year_uri(year),
                str(year),
                "",
                "harvest/year.html",
                {"months": [(month_label(m), s) for m, s in months.items()]},
            )
        )

    index(
        "answers/index.md",
        "Answers",
        "Every story's answer to each harvest prompt, side by side.",
        [(answers_uri(p.id), p.title, "", sum(1 for s in archive.stories if s.answer(p.id))) for p in prompts],
    )
    for prompt in prompts:
        groups = archive.rollup(prompt.id)
        pages.append(
            PageSpec(
                answers_uri(prompt.id),
                prompt.title,
                "Every answer to this prompt, grouped by lesson. Each links to its story.",
                "harvest/answers.html",
                {
                    "prompt": prompt,
                    "groups": [(archive.lessons[lesson], answers) for lesson, answers in groups.items()],
                },
            )
        )
    return pages


def default_nav(extra: list[dict] | None = None) -> list:
    nav = [
        {"Home": HOME},
        {"Lessons": "lessons/index.md"},
        {"Answers": "answers/index.md"},
        {"Timeline": "timeline/index.md"},
        {"Places": "places/index.md"},
        {"Events": "events/index.md"},
        {"Contributors": "contributors/index.md"},
    ]
    return nav + (extra or [])
