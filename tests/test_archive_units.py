"""`harvest.core.archive`: `scan` a small archive written here, then `publish` it per profile.

Six stories whose every group (lesson, event, place, person, year, answers) is written out by hand
below, for each profile; `scan`'s own checks (references, ids, files it reads) with exact problems.
These tests back `make mutants`.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest

from harvest.core.archive import Archive, iter_story_files, load_archive, publish, scan
from harvest.core.privacy import WITHHELD_MARK, Person
from harvest.core.problems import WARNING, HarvestError, Problem
from harvest.core.settings import Settings

TODAY = dt.date(2026, 12, 2)
LESSONS_YML = (
    "care:\n  title: Care\n  description: Looking after each other.\n"
    "logistics:\n  title: Logistics\n  description: Moving things.\n"
    "joy:\n  title: Joy\n  description: Having fun.\n"
)
REGISTRY_YML = (
    "ana:\n  name: Ana Ruiz\n  credit: named\n"
    "bo:\n  name: Bo Real\n  credit: pseudonym\n  pseudonym: Night Moth\n"
    "cy:\n  name: Cy Hidden\n  credit: anonymous\n"
)


def story(date: str, event: str, place: str, contributors: str, lessons: str, body: str, extra: str = "") -> str:
    return (
        f"---\ntitle: T {date}\ndate: {date}\nevent: {event}\nplace: {place}\ncontributors: {contributors}\n"
        f"lessons: {lessons}\nsummary: S.\n{extra}---\n\n{body}"
    )


SURPRISED = "## What surprised us?\n\n"
MISSING = "## What resource was missing?\n\n"
STORIES = {
    "2025/alpha.md": story("2025-05-01", "action", "Riverside", "[ana]", "[care]", f"Intro.\n\n{SURPRISED}Soup.\n"),
    "2026/beta.md": story(
        "2026-01-10",
        "festival",
        "Old Town",
        "[bo, cy]",
        "[care, logistics]",
        f"Intro <!-- a note -->.\n\n{SURPRISED}Keys from [[redact members]]Sam[[/redact]].\n\n{MISSING}Tables.\n",
    ),
    "2026/gamma.md": story("2026-01-10", "action", "Riverside", "[ana]", "[logistics]", f"Intro.\n\n{SURPRISED}  \n"),
    "2026/delta.md": story(
        "2026-03-01", "action", "Hill", "[ana]", "[joy]", "Members only.\n", "visibility: members\n"
    ),
    "2026/epsilon.md": story(
        "2026-04-01", "action", "Hill", "[ana]", "[care]", "Embargoed.\n", "embargo_until: 2027-01-01\n"
    ),
    "2026/zeta.md": story(
        "2026-02-01", "training", "riverside", "[bo]", "[care]", "Translated.\n", "translation_of: delta\n"
    ),
}


def make(tmp_path: Path, files: dict[str, str] = STORIES, **overrides) -> Settings:
    stories = tmp_path / "stories"
    stories.mkdir()
    (stories / "lessons.yml").write_text(LESSONS_YML, "utf-8")
    (stories / "contributors.yml").write_text(REGISTRY_YML, "utf-8")
    for name, text in files.items():
        (stories / name).parent.mkdir(parents=True, exist_ok=True)
        (stories / name).write_text(text, "utf-8")
    return Settings.for_directory(stories, today=TODAY, **overrides)


@pytest.fixture
def sample(tmp_path) -> Settings:
    return make(tmp_path)


def ids(stories) -> list[str]:
    return [s.id for s in stories]


# --- publish ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "profile, shown, withheld, lessons",
    [
        ("public", ["zeta", "gamma", "beta", "alpha"], 2, ["care", "logistics"]),
        ("members", ["delta", "zeta", "gamma", "beta", "alpha"], 1, ["care", "logistics", "joy"]),
        ("archive", ["epsilon", "delta", "zeta", "gamma", "beta", "alpha"], 0, ["care", "logistics", "joy"]),
    ],
)
def test_publish_shows_what_the_profile_may_see_newest_first(sample, profile, shown, withheld, lessons):
    collection = scan(sample.with_profile(profile))
    assert collection.problems == [] and collection.files_seen == 6
    archive = publish(collection)
    assert (ids(archive.stories), archive.withheld, list(archive.lessons)) == (shown, withheld, lessons)


@pytest.mark.parametrize("profile, translation_of", [("public", None), ("members", "delta"), ("archive", "delta")])
def test_a_translation_of_a_hidden_story_does_not_point_to_it(sample, profile, translation_of):
    archive = publish(scan(sample.with_profile(profile)))
    assert archive.story("zeta").translation_of == translation_of


def test_a_translation_of_a_visible_story_keeps_its_link(tmp_path):
    files = {
        **STORIES,
        "2026/zeta.md": STORIES["2026/zeta.md"].replace("translation_of: delta", "translation_of: alpha"),
    }
    assert publish(scan(make(tmp_path, files))).story("zeta").translation_of == "alpha"


@pytest.mark.parametrize(
    "profile, beta_markdown",
    [
        ("public", f"Intro .\n\n{SURPRISED}Keys from {WITHHELD_MARK}.\n\n{MISSING}Tables.\n"),
        (
            "members",
            f'Intro .\n\n{SURPRISED}Keys from <mark class="harvest-redacted" '
            f'title="redacted below the members level">Sam</mark>.\n\n{MISSING}Tables.\n',
        ),
    ],
)
def test_published_text_is_redacted_and_without_notes(sample, profile, beta_markdown):
    archive = publish(scan(sample.with_profile(profile)))
    beta = archive.story("beta")
    assert beta.markdown == "\n" + beta_markdown
    assert beta.redactions == ()
    assert beta.intro == "Intro ."
    assert [(s.prompt_id, s.line) for s in beta.sections] == [("surprised", 13), ("missing", 17)]
    assert beta.sections[0].markdown == beta_markdown.split(SURPRISED)[1].split("\n\n")[0]
    # Words are counted in the published Markdown, the mark's HTML included: Intro, Keys, from, <mark…>, Tables
    assert beta.words == (9 if profile == "public" else 15)


def test_a_story_without_redactions_or_notes_is_published_as_it_is(sample):
    collection = scan(sample)
    alpha = next(s for s in collection.stories if s.id == "alpha")
    assert publish(collection).story("alpha") is alpha


def test_a_note_alone_is_dropped(tmp_path):
    files = {
        "a.md": story(
            "2026-01-01",
            "action",
            "X",
            "[ana]",
            "[care]",
            f"Before<!-- one\nline -->after.\n\n{SURPRISED}Yes <!--two-->no.\n",
        )
    }
    published = publish(scan(make(tmp_path, files))).story("a")
    assert published.markdown == f"\nBeforeafter.\n\n{SURPRISED}Yes no.\n"
    assert (published.intro, published.sections[0].markdown, published.words) == ("Beforeafter.", "Yes no.", 3)


# --- the groups of the published view ----------------------------------------------------------------


@pytest.fixture
def public(sample) -> Archive:
    return publish(scan(sample))


def test_by_lesson(public):
    assert {k: ids(v) for k, v in public.by_lesson.items()} == {
        "care": ["zeta", "beta", "alpha"],
        "logistics": ["gamma", "beta"],
    }


def test_by_lesson_members(sample):
    archive = publish(scan(sample.with_profile("members")))
    assert {k: ids(v) for k, v in archive.by_lesson.items()} == {
        "care": ["zeta", "beta", "alpha"],
        "logistics": ["gamma", "beta"],
        "joy": ["delta"],
    }


def test_by_event(public):
    assert {k: ids(v) for k, v in public.by_event.items()} == {
        "action": ["gamma", "alpha"],
        "crisis-sim": [],
        "festival": ["beta"],
        "assembly": [],
        "mutual-aid": [],
        "training": ["zeta"],
    }


def test_by_place_is_sorted_by_name_and_named_by_the_newest_story(public):
    assert {k: (label, ids(v)) for k, (label, v) in public.by_place.items()} == {
        "old-town": ("Old Town", ["beta"]),
        "riverside": ("riverside", ["zeta", "gamma", "alpha"]),
    }
    assert list(public.by_place) == ["old-town", "riverside"]


def test_by_person_shows_people_as_credited_and_sorted_by_name(public):
    assert {k: (person, ids(v)) for k, (person, v) in public.by_person.items()} == {
        "ana-ruiz": (Person("ana-ruiz", "Ana Ruiz"), ["gamma", "alpha"]),
        "night-moth": (Person("night-moth", "Night Moth"), ["zeta", "beta"]),
    }
    assert list(public.by_person) == ["ana-ruiz", "night-moth"]


def test_by_person_in_the_archive_profile(sample):
    archive = publish(scan(sample.with_profile("archive")))
    assert {k: (person.label, ids(v)) for k, (person, v) in archive.by_person.items()} == {
        "ana": ("Ana Ruiz", ["epsilon", "delta", "gamma", "alpha"]),
        "bo": ("Bo Real", ["zeta", "beta"]),
        "cy": ("Cy Hidden", ["beta"]),
    }


def test_by_year(public):
    assert {y: {m: ids(v) for m, v in months.items()} for y, months in public.by_year.items()} == {
        2026: {"2026-02": ["zeta"], "2026-01": ["gamma", "beta"]},
        2025: {"2025-05": ["alpha"]},
    }


@pytest.mark.parametrize(
    "prompt, expected",
    [
        (
            "surprised",
            {
                "care": [("beta", f"Keys from {WITHHELD_MARK}."), ("alpha", "Soup.")],
                "logistics": [("beta", f"Keys from {WITHHELD_MARK}.")],
            },
        ),
        ("missing", {"care": [("beta", "Tables.")], "logistics": [("beta", "Tables.")]}),
        ("stepped-forward", {}),
    ],
)
def test_rollup_files_each_answer_under_every_lesson_of_its_story(public, prompt, expected):
    got = {
        lesson: [(s.id, section.markdown) for s, section in answers]
        for lesson, answers in public.rollup(prompt).items()
    }
    assert got == expected


def test_story_and_people_of(public):
    assert public.story("delta") is None and public.story("nope") is None
    assert public.story("beta").id == "beta"
    assert public.people_of(public.story("beta")) == ([Person("night-moth", "Night Moth")], 1)
    assert public.people_of(public.story("alpha")) == ([Person("ana-ruiz", "Ana Ruiz")], 0)


# --- scan: files and problems -----------------------------------------------------------------------


def test_iter_story_files(tmp_path):
    root = tmp_path / "stories"
    for name in [
        "b.md",
        "a.md",
        "notes.txt",
        ".hidden.md",
        "_draft.md",
        "2026/z.md",
        "2026/m.md",
        "_inbox/new.md",
        "_inbox/deeper/x.md",
        "2026/_inbox/no.md",
        ".git/x.md",
        "2025/_notes/y.md",
    ]:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text("x")
    os.symlink(root / "a.md", root / "link.md")
    os.symlink(root / "2026", root / "linked")
    # A folder's own files first, then its sub-folders, each in name order.
    assert [rel for _, rel in iter_story_files(root)] == ["a.md", "b.md", "2026/m.md", "2026/z.md"]
    with_inbox = [rel for _, rel in iter_story_files(root, include_inbox=True)]
    assert with_inbox == ["a.md", "b.md", "2026/m.md", "2026/z.md", "_inbox/new.md", "_inbox/deeper/x.md"]
    assert [file for file, _ in iter_story_files(root)][2] == root / "2026" / "m.md"


def test_a_missing_stories_folder_is_one_clear_problem(tmp_path):
    settings = Settings.for_directory(tmp_path / "stories", today=TODAY)
    with pytest.raises(HarvestError) as caught:
        scan(settings)
    assert caught.value.problems == [
        Problem(
            "stories",
            None,
            "folder",
            "stories folder not found",
            "create it, or set `docs_dir` in mkdocs.yml to the folder holding your stories",
        )
    ]


GOOD = story("2026-01-01", "action", "X", "[ana]", "[care]", f"Intro.\n\n{SURPRISED}Yes.\n")


@pytest.mark.parametrize(
    "text, images, expected",
    [
        (
            GOOD.replace("title: T 2026-01-01", "title: A [[redact]]b[[/redact]]"),
            {},
            [
                Problem(
                    "stories/a.md",
                    2,
                    "title",
                    "redaction markup only works in the story text",
                    "leave this out of the field, or raise the story's `visibility`",
                )
            ],
        ),
        (
            GOOD.replace("place: X", "place: '[[/redact]]'"),
            {},
            [
                Problem(
                    "stories/a.md",
                    5,
                    "place",
                    "redaction markup only works in the story text",
                    "leave this out of the field, or raise the story's `visibility`",
                )
            ],
        ),
        (
            GOOD.replace("summary: S.", "summary: '[[redact members]]'"),
            {},
            [
                Problem(
                    "stories/a.md",
                    8,
                    "summary",
                    "redaction markup only works in the story text",
                    "leave this out of the field, or raise the story's `visibility`",
                )
            ],
        ),
        (
            GOOD.replace("---\n\n", "images: [img/a.jpg, gone.jpg]\n---\n\n"),
            {"img/a.jpg"},
            [
                Problem(
                    "stories/a.md", 9, "images", "image 'gone.jpg' not found", "paths are relative to the story file"
                )
            ],
        ),
        (
            GOOD.replace("---\n\n", "images: [img]\n---\n\n"),
            {"img/a.jpg"},
            [Problem("stories/a.md", 9, "images", "image 'img' not found", "paths are relative to the story file")],
        ),
        (
            GOOD.replace("---\n\n", "images: [../out.jpg]\n---\n\n"),
            {"../out.jpg"},
            [
                Problem(
                    "stories/a.md",
                    9,
                    "images",
                    "'../out.jpg' is outside the stories folder",
                    "keep images inside the stories folder, next to the story",
                )
            ],
        ),
        (GOOD.replace("---\n\n", "images: [img/a.jpg]\n---\n\n"), {"img/a.jpg"}, []),
    ],
)
def test_references(tmp_path, text, images, expected):
    settings = make(tmp_path, {"a.md": text})
    for image in images:
        (settings.stories_dir / image).parent.mkdir(parents=True, exist_ok=True)
        (settings.stories_dir / image).write_bytes(b"\xff\xd8")
    collection = scan(settings)
    assert collection.problems == expected
    assert ids(collection.stories) == ["a"], "a reference problem does not drop the story from the check"


def test_duplicate_ids_and_a_missing_translation(tmp_path):
    files = {
        "2025/soup.md": GOOD.replace("---\n\n", "id: same\n---\n\n"),
        "2026/other.md": GOOD.replace("---\n\n", "id: same\n---\n\n"),
        "2026/third.md": GOOD.replace("---\n\n", "id: same\n---\n\n"),
        "2026/t.md": GOOD.replace("---\n\n", "translation_of: sane\n---\n\n"),
        "2026/u.md": GOOD.replace("---\n\n", "translation_of: zzzzzz\n---\n\n"),
    }
    collection = scan(make(tmp_path, files))
    dup = "give each story its own `id:` (a story without one is named after its file); never reuse another story's id"
    assert collection.problems == [
        Problem(
            "stories/2026/other.md",
            1,
            "id",
            "duplicate id 'same': stories/2025/soup.md has it too, and both would be published at stories/same/",
            dup,
        ),
        Problem("stories/2026/t.md", 1, "translation_of", "no story has the id 'sane'", "did you mean 'same'?"),
        Problem(
            "stories/2026/third.md",
            1,
            "id",
            "duplicate id 'same': stories/2025/soup.md has it too, and both would be published at stories/same/",
            dup,
        ),
        Problem("stories/2026/u.md", 1, "translation_of", "no story has the id 'zzzzzz'", "known values: same, t, u"),
    ]
    assert collection.errors == collection.problems


def test_scan_reads_every_file_and_reports_in_order(tmp_path):
    files = {
        "b.md": GOOD.replace("[ana]", "[anna]"),
        "a.md": "no front matter\n",
        "c.md": GOOD,
        "_inbox/new.md": GOOD.replace("title: T 2026-01-01", "title: New"),
        "x\u200by.md": GOOD,
    }
    settings = make(tmp_path, files)
    collection = scan(settings)
    assert collection.files_seen == 4
    assert [(p.path, p.line, p.field) for p in collection.problems] == [
        ("stories/a.md", 1, "front matter"),
        ("stories/b.md", 6, "contributors"),
        ("stories/x\\u200by.md", None, "file"),
    ]
    assert [p.severity for p in collection.problems][:2] == ["error", WARNING]
    assert [p.path for p in collection.errors] == ["stories/a.md", "stories/x\\u200by.md"]
    assert ids(collection.stories) == ["b", "c"]
    inbox = scan(settings, include_inbox=True)
    assert (inbox.files_seen, ids(inbox.stories)) == (5, ["b", "c", "new"])


def test_load_archive(tmp_path):
    settings = make(tmp_path, {"b.md": GOOD.replace("[ana]", "[anna]"), "c.md": GOOD})
    archive, problems = load_archive(settings)
    assert ids(archive.stories) == ["c", "b"]
    assert [(p.path, p.field, p.severity) for p in problems] == [("stories/b.md", "contributors", WARNING)]
    (settings.stories_dir / "d.md").write_text("---\ntitle: x\n", "utf-8")
    with pytest.raises(HarvestError) as caught:
        load_archive(settings)
    assert [(p.path, p.field) for p in caught.value.problems] == [
        ("stories/b.md", "contributors"),
        ("stories/d.md", "front matter"),
    ]


def test_scan_runs_every_archive_wide_check(tmp_path):
    """Inline images, page collisions and symbolic links are each reported once, on the right file."""
    files = {
        "a.md": GOOD.replace("Intro.", "Intro ![x](../../out.png)."),
        "2026/b.md": GOOD,
        "2026/B.md": GOOD.replace("title: T", "id: other\ntitle: T"),
    }
    settings = make(tmp_path, files)
    os.symlink(settings.stories_dir / "2026" / "b.md", settings.stories_dir / "link.md")
    collection = scan(settings)
    assert [(p.path, p.line, p.field) for p in collection.problems] == [
        ("stories/2026/b.md", 1, "file"),
        ("stories/a.md", 11, "body"),
        ("stories/link.md", None, "file"),
    ]
    assert "stories/2026/B.md" in collection.problems[0].message
    assert "'../../out.png' is outside the stories folder" in collection.problems[1].message
    assert "symbolic link" in collection.problems[2].message
    assert ids(collection.stories) == ["a", "other", "b"]


def test_vocabulary_problems_and_link_problems_are_both_kept(tmp_path):
    settings = make(tmp_path, {"a.md": GOOD})
    (settings.stories_dir / "lessons.yml").write_text("care: just text\n", "utf-8")
    os.symlink(settings.stories_dir / "a.md", settings.stories_dir / "b.md")
    assert [(p.path, p.field) for p in scan(settings).problems] == [
        ("stories/a.md", "lessons"),
        ("stories/b.md", "file"),
        ("stories/lessons.yml", "care"),
    ]


def test_a_vocabulary_file_linked_out_of_the_folder_is_reported_once(tmp_path):
    """The vocabulary reader refuses the link itself; the folder-wide link check leaves it to it."""
    settings = make(tmp_path, {"a.md": GOOD})
    shared = tmp_path / "shared-lessons.yml"
    (settings.stories_dir / "lessons.yml").rename(shared)
    os.symlink(shared, settings.stories_dir / "lessons.yml")
    problems = scan(settings).problems
    assert [(p.path, p.field) for p in problems] == [("stories/a.md", "lessons"), ("stories/lessons.yml", "file")]
    assert problems[1].message.startswith("is a symbolic link to ")


def test_an_inbox_story_is_named_as_it_will_be_published(tmp_path):
    """A story waiting in the inbox is judged by the path it gets once moved out of it."""
    settings = make(tmp_path, {"_inbox/lessons.md": GOOD, "_inbox/2026/ok.md": GOOD})
    collection = scan(settings, include_inbox=True)
    assert [(p.path, p.line, p.field) for p in collection.problems] == [("stories/_inbox/lessons.md", 1, "file")]
    assert "'lessons.md' is used by Harvest's own pages" in collection.problems[0].message
    assert ids(collection.stories) == ["ok"]
