"""Search core on the sample archive: text extraction, queries, incremental updates, privacy, related."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest

from harvest.core import background
from harvest.core.archive import load_archive
from harvest.search import index as search_index
from harvest.search.analysis import tokens
from harvest.search.documents import documents
from harvest.search.index import index_dir, open_index, update_index
from harvest.search.plaintext import markdown_to_text
from harvest.search.query import QueryError, open_searcher
from harvest.search.vocabulary import SearchVocabulary
from harvest.site.project import settings_from_file

# Words that only occur in text the public profile must not show.
MEMBERS_ONLY = "brambleford"  # place and text of a members-only story
MEMBERS_REDACTED = "binder"  # inside [[redact members]] in a public story
ARCHIVE_REDACTED = "laundrette"  # inside [[redact]] in a public story
UNCREDITED = ("callum", "petra", "faraday", "imogen")  # names of anonymous and pseudonymous people
PRIVATE = "susurrada"  # a private story
EMBARGOED = "dot-voting"  # an embargoed story (until 2027)


def settings_for(project: Path, profile: str = "public"):
    return settings_from_file(project / "mkdocs.yml", profile)


def index_project(project: Path, profile: str = "public", **kwargs):
    settings = settings_for(project, profile)
    archive, _ = load_archive(settings)
    return settings, update_index(documents(archive), index_dir(settings), settings.prompts, **kwargs)


def index_bytes(folder: Path) -> bytes:
    return b"".join(f.read_bytes() for f in sorted(folder.rglob("*")) if f.is_file()).lower()


# A rebuild of the sample's 10 public stories that indexes half of them in a second process, as
# one of 400 stories or more does (`index.IN_TWO_AT_LEAST`). It runs in a process of its own: a
# fork is made only where no other thread is alive, and earlier tests leave threads in this one.
IN_TWO = """
import sys
from pathlib import Path
from harvest.core.archive import load_archive
from harvest.search import index
from harvest.search.documents import documents
from harvest.site.project import settings_from_file

index.IN_TWO_AT_LEAST = 2
failing_id = sys.argv[2]
if failing_id:
    real = index.whoosh_fields

    def failing(doc, prompts):
        if doc.id == failing_id:
            raise RuntimeError("disk full")
        return real(doc, prompts)

    index.whoosh_fields = failing
settings = settings_from_file(Path(sys.argv[1]) / "mkdocs.yml", "public")
archive, _ = load_archive(settings)
report = index.update_index(documents(archive), index.index_dir(settings), settings.prompts)
print(report.rebuilt, len(report.added))
"""


def index_in_two(project: Path, failing_id: str = "") -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != background.SWITCH}
    return subprocess.run(
        [sys.executable, "-c", IN_TWO, str(project), failing_id], env=env, capture_output=True, text=True, timeout=300
    )


def segments(settings) -> list[tuple[str, int, bool]]:
    """(id, documents held, replaced or deleted ones among them?) of each segment of the index."""
    ix = open_index(settings)
    try:
        return [(s.segment_id(), s.doc_count_all(), s.has_deletions()) for s in ix._segments()]
    finally:
        ix.close()


def segment_sizes(settings) -> list[int]:
    return [held for _, held, _ in segments(settings)]


# Every query test runs on an index written by one process and on one written by two (a segment
# each): the same results, in the same order.
@pytest.fixture(scope="module", params=["one process", "two processes"])
def searcher(tmp_path_factory, request):
    from conftest import copy_project

    project = copy_project(tmp_path_factory.mktemp("search") / "archive")
    if request.param == "two processes":
        done = index_in_two(project)
        assert (done.returncode, done.stdout) == (0, "True 10\n"), done.stderr
        settings = settings_for(project)
    else:
        settings, report = index_project(project)
        assert report.rebuilt
    assert segment_sizes(settings) == ([5, 5] if request.param == "two processes" else [10])
    found = open_searcher(settings)
    yield found
    found.close()


def ids(results) -> set[str]:
    return {hit.id for hit in results.hits}


# --- plain text ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "markdown, text",
    [
        ("We **really** _did_ it", "We really did it"),
        ("a [link text](https://example.org/x) here", "a link text here"),
        ("![a photo of the kitchen](kitchen.jpg)", "a photo of the kitchen"),
        ('<span title="secret">shown</span> text', "shown text"),
        ("before <!-- a private note --> after", "before after"),
        ('in <span class="harvest-withheld">[withheld]</span> the end', "in \ufffc the end"),  # a marker, no word
        ('<mark class="harvest-redacted" title="redacted below the members level">kept</mark>', "kept"),
        ("## A heading\n\n- item one\n- item two", "A heading\n\nitem one\nitem two"),
        ("Chips { .harvest-chip } here", "Chips here"),
        ("snake_case stays, `code` loses ticks", "snake_case stays, code loses ticks"),
        ("fish &amp; chips", "fish & chips"),
    ],
)
def test_markdown_to_text(markdown, text):
    assert markdown_to_text(markdown) == text


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Flood DRILL", ["flood", "drill"]),
        ("¿Qué nos sorprendió?", ["que", "nos", "sorprendio"]),
        ("co-op's rota_2", ["co", "op", "s", "rota", "2"]),
        ("Straße Ørestad", ["straße", "ørestad"]),
    ],
)
def test_tokens_fold_case_and_accents(text, expected):
    assert tokens(text) == expected


# --- queries -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query, expected",
    [
        ("flood", {"2026-03-flood-drill"}),
        ("drills", {"2026-03-flood-drill"}),  # a variant of "drill"
        ('"phone tree"', {"2026-03-flood-drill", "2025-08-rent-strike-phone-tree"}),
        ('"tree phone"', set()),
        ("lesson:communication", {"2026-03-flood-drill", "2025-08-rent-strike-phone-tree", "2025-03-tenant-assembly"}),
        ("lessons:outreach AND lesson:communication", {"2025-08-rent-strike-phone-tree"}),
        (
            'contributor:"spoke collective"',
            {"2026-03-flood-drill", "2025-05-may-day-bike-relay", "2026-07-street-festival-childcare"},
        ),
        ("place:kestrel", {"2025-08-rent-strike-phone-tree", "2025-03-tenant-assembly"}),
        ("event:festival", {"2026-07-street-festival-childcare", "2025-07-fiesta-plaza"}),
        ("lang:es", {"2025-07-fiesta-plaza", "2025-11-generador-despensa"}),
        (
            "date:[2025-01 to 2025-06]",
            {"2025-05-may-day-bike-relay", "2025-03-tenant-assembly", "2025-02-winter-soup-line"},
        ),
        ("date:2025-11", {"2025-11-generator-pantry"}),  # one story in two languages: one result
        ("missing:generator", {"2025-11-generator-pantry", "2026-03-flood-drill"}),
        ("generator NOT flood", {"2025-11-generator-pantry"}),
        ("flood OR fiesta", {"2026-03-flood-drill", "2025-07-fiesta-plaza"}),
        ("sorprendió", {"2025-07-fiesta-plaza", "2025-11-generador-despensa"}),
        ("sorprendio", {"2025-07-fiesta-plaza", "2025-11-generador-despensa"}),
        ("couri*", {"2026-03-flood-drill", "2025-05-may-day-bike-relay"}),
    ],
)
def test_query_features(searcher, query, expected):
    found = searcher.search(query, limit=50)
    assert ids(found) >= expected if query == "couri*" else ids(found) == expected, (query, sorted(ids(found)))


def test_equal_scores_keep_the_archive_order(searcher):
    """Equal scores are ordered by document number: the archive's order, newest first, whichever
    process indexed a story (the second process's segment is listed first: it holds the first half)."""
    assert [hit.id for hit in searcher.search("lang:en", limit=50).hits] == [
        "2026-07-street-festival-childcare",
        "2026-03-flood-drill",
        "2025-11-generator-pantry",
        "2025-10-first-aid-training",
        "2025-08-rent-strike-phone-tree",
        "2025-05-may-day-bike-relay",
        "2025-03-tenant-assembly",
        "2025-02-winter-soup-line",
    ]


def test_newest_first(searcher):
    dates = [hit.date for hit in searcher.search("the", limit=50, newest=True).hits]
    assert len(dates) >= 8 and dates == sorted(dates, reverse=True)


def test_a_title_match_ranks_first(searcher):
    found = searcher.search("pantry", limit=10)
    assert found.hits[0].id == "2025-11-generator-pantry"  # "pantry" is in its title; others only mention it


def test_results_carry_a_snippet_with_the_match(searcher):
    hit = searcher.search('"second hop"').hits[0]
    a, b = hit.matches[0]
    assert hit.snippet[a:b].lower() == "second"
    assert hit.date == "2026-03-14" and hit.page == "2026/flood-drill"
    assert "Spoke Collective" in hit.contributors and "Kit Alder" not in hit.contributors


@pytest.mark.parametrize(
    "query, suggestion",
    [
        ("flod", "flood"),
        ("Flod drill", "flood drill"),
        ("generater", "generator"),
    ],
)
def test_did_you_mean(searcher, query, suggestion):
    assert searcher.search(query).suggestion == suggestion


def test_no_suggestion_for_known_words(searcher):
    assert searcher.search("drills flood").suggestion is None


@pytest.mark.parametrize(
    "query, message",
    [
        ('"unclosed phrase', "quote is not closed"),
        ("(flood OR heat", "'(' is never closed"),
        ("flood)", "')' without a matching '('"),
        ("lessn:communication", "unknown field 'lessn:'; did you mean 'lesson'"),
        ("date:[2025-13 to 2026]", "month must be in 1..12"),
        ("date:yesterday", "could not be read"),
        ("   ", "empty query"),
    ],
)
def test_malformed_queries_get_one_clear_line(searcher, query, message):
    with pytest.raises(QueryError) as error:
        searcher.search(query)
    assert message in str(error.value) and "\n" not in str(error.value)


# --- a query of plain words, without whoosh's parser ---------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        "flood",
        "Flood drill",
        "  flood   drill  ",
        "flood flood",
        "sorprendió",
        "Café naïve",
        "2025 x",
        "and or not",
        "ﬁre",
    ],
)
def test_plain_words_make_the_query_the_parser_makes(searcher, query):
    plain = searcher._plain(query)
    parsed = searcher.parser.parse(query)
    assert plain is not None
    assert (type(plain), plain, repr(plain)) == (type(parsed), parsed, repr(parsed))
    assert [type(leaf) for leaf in plain.leaves()] == [type(leaf) for leaf in parsed.leaves()]


@pytest.mark.parametrize(
    "query",
    [
        "flood OR heat",
        "flood AND drill",
        "NOT flood",
        '"phone tree"',
        "lesson:communication",
        "couri*",
        "flood)",
        "a-b",
    ],
)
def test_anything_but_plain_words_goes_to_the_parser(searcher, query):
    assert searcher._plain(query) is None


def test_word_variants_are_whooshs_to_the_letter():
    """`search.variations` compiles only the rules a word could match; whoosh's compiles all."""
    from whoosh.lang import morph_en

    from harvest.search.variations import variations

    stems = ["walk", "hop", "happy", "base", "gut", "drill", "flood", "bus", "box", "church", "judge", "ski"]
    stems += ["agree", "tree", "lie", "dye", "meter", "sing", "eye", "hoe", "wax", "fizz", "bake", "generator"]
    endings = {result.lstrip("&*") for _rule, results in morph_en.rules for result in results.split(",")}
    words = {stem + ending for stem in stems for ending in endings}
    words |= {stem + stem[-1] + ending for stem in stems for ending in endings}
    words |= {word for line in morph_en.exceptions for word in line.split()}
    words |= {"a", "e", "s", "es", "ed", "ing", "ss", "x", "café", "straße", "2025", "ying", "eeing", "segments"}
    assert len(words) > 5000
    for word in sorted(words):
        expected = morph_en.variations(word)
        assert (type(variations(word)), sorted(variations(word))) == (type(expected), sorted(expected)), word


# --- incremental updates -------------------------------------------------------------------------

STORY = """---
id: 2026-09-compost-rota
title: The compost rota that ran itself
date: 2026-09-05
event: mutual-aid
place: Saltwick Yards
contributors: [tomek]
lessons: [roles-rotation]
summary: A compost rota with a whiteboard and no coordinator kept going all summer.
---

We put a whiteboard by the bins and a marker on a string. Nobody was in charge of the zucchini glut.
"""


def test_update_reindexes_only_what_changed(project):
    settings, first = index_project(project)
    assert first.rebuilt and len(first.added) == 10

    _, again = index_project(project)
    assert (again.added, again.changed, again.removed, again.unchanged) == ([], [], [], 10)

    (project / "stories" / "2026" / "compost.md").write_text(STORY)
    _, added = index_project(project)
    assert added.added == ["2026-09-compost-rota"] and added.unchanged == 10 and not added.rebuilt

    flood = project / "stories" / "2026" / "flood-drill.md"
    flood.write_text(flood.read_text().replace("ten in the evening", "eleven at night, zucchini aside"))
    _, edited = index_project(project)
    assert edited.changed == ["2026-03-flood-drill"] and edited.added == [] and not edited.purged

    (project / "stories" / "2026" / "compost.md").unlink()
    _, removed = index_project(project)
    assert removed.removed == ["2026-09-compost-rota"] and removed.purged

    ix = open_index(settings)
    with ix.searcher() as s:
        assert s.doc_count() == 10
    assert len(ix._segments()) == 1  # the third update merged the small segments: queries stay fast
    ix.close()
    searcher = open_searcher(settings)
    assert ids(searcher.search("zucchini")) == {"2026-03-flood-drill"}
    assert searcher.search("compost").hits == [] and "compost" not in searcher.vocabulary
    kept_up = dict(searcher.vocabulary.counts)
    searcher.close()
    rebuilt_settings, _ = index_project(project, rebuild=True)  # counted afresh from every story
    assert SearchVocabulary.load(index_dir(rebuilt_settings)).counts == kept_up


def test_an_index_written_by_two_processes_is_updated_as_any(project, monkeypatch):
    """After a rebuild in two processes, the manifest knows every story (an update re-indexes
    only what changed), a withdrawn story leaves the segment that held it, and the vocabulary
    counts are those of a rebuild in one process."""
    done = index_in_two(project)
    assert (done.returncode, done.stdout) == (0, "True 10\n"), done.stderr
    settings = settings_for(project)
    assert segment_sizes(settings) == [5, 5]
    _, again = index_project(project)
    assert (again.added, again.changed, again.removed, again.unchanged) == ([], [], [], 10)

    flood = project / "stories" / "2026" / "flood-drill.md"  # in the first half: the second process's
    flood.write_text(flood.read_text().replace("ten in the evening", "eleven at night, zucchini aside"))
    soup = project / "stories" / "2025" / "winter-soup-line.md"  # the oldest: the first process's half
    soup.unlink()
    _, edited = index_project(project)
    assert (edited.changed, edited.removed, edited.unchanged) == (
        ["2026-03-flood-drill"],
        ["2025-02-winter-soup-line"],
        8,
    )
    searcher = open_searcher(settings)
    assert ids(searcher.search("zucchini")) == {"2026-03-flood-drill"}
    assert searcher.search('"ten in the evening"').hits == [] and searcher.search("soup").hits == []
    kept_up = dict(searcher.vocabulary.counts)
    searcher.close()
    monkeypatch.setenv(background.SWITCH, "0")  # one process
    index_project(project, rebuild=True)
    assert segment_sizes(settings) == [9]
    assert SearchVocabulary.load(index_dir(settings)).counts == kept_up


def test_a_failure_in_the_second_process_fails_the_rebuild(project):
    """The second process's error ends the update as one in the first would: nothing committed,
    no manifest, so the next update rebuilds."""
    done = index_in_two(project, failing_id="2026-03-flood-drill")  # in the first half: the second process's
    assert done.returncode == 1 and done.stdout == ""
    assert "BackgroundBug: the background process failed" in done.stderr and "RuntimeError: disk full" in done.stderr
    settings = settings_for(project)
    assert not (index_dir(settings) / "harvest-manifest.json").exists()
    _, report = index_project(project)
    assert report.rebuilt and len(report.added) == 10


def test_small_segments_are_merged_at_every_third_update(project):
    """An edit writes a small segment; every third update folds them into one (each one costs a
    query a little, and merging costs an update much more), and no merge loses a word."""
    settings, _ = index_project(project)
    flood = project / "stories" / "2026" / "flood-drill.md"
    added = ["wombat", "quokka", "numbat", "bilby", "wallaby", "dingo"]
    counts = []
    for word in added:
        flood.write_text(flood.read_text() + f"\nA note on the {word}.\n")
        _, report = index_project(project)
        assert report.changed == ["2026-03-flood-drill"]
        ix = open_index(settings)
        counts.append(len(ix._segments()))
        ix.close()
    assert counts == [2, 3, 1, 2, 3, 1]
    searcher = open_searcher(settings)
    try:
        for word in added:
            assert ids(searcher.search(word)) == {"2026-03-flood-drill"}
    finally:
        searcher.close()
    ix = open_index(settings)
    with ix.searcher() as whole:
        assert whole.doc_count() == 10  # each older version of the story is gone
    ix.close()


def test_the_word_list_is_read_as_it_was_written(tmp_path):
    from collections import Counter

    from harvest.search import vocabulary

    counts = Counter({"flood": 3, "drill": 1, "drills": 2, "sorprendió": 1, "2025": 4})
    SearchVocabulary(Counter(counts)).save(tmp_path, 7)
    assert not (tmp_path / vocabulary.EARLIER_FILE).exists()
    assert SearchVocabulary.load(tmp_path, 8) is None  # another generation of the index
    loaded = SearchVocabulary.load(tmp_path, 7)
    assert loaded is not None and loaded._counts is None  # a query's `in` reads no counts
    for word in [*counts, "floods", "dril", "zzz", "", "a", "sorprendio", "20250"]:
        assert (word in loaded) == (word in counts), word
    assert loaded._counts is None
    assert loaded.counts == counts and loaded.near("flod", lambda a, b: 1.0) == [(1.0, -3, "flood")]
    # The earlier form (a mapping, under the earlier name) is still read; a damaged file is as none.
    (tmp_path / vocabulary.FILE).unlink()
    (tmp_path / vocabulary.EARLIER_FILE).write_text('{"generation":7,"words":{"flood":3}}', "utf-8")
    earlier = SearchVocabulary.load(tmp_path, 7)
    assert earlier is not None and earlier.counts == Counter({"flood": 3}) and "flood" in earlier
    (tmp_path / vocabulary.FILE).write_text('{"generation":7,"words":"drill\\nflood","counts":"1"}', "utf-8")
    assert SearchVocabulary.load(tmp_path, 7) is None


def test_a_query_reads_the_manifest_head_only_beside_its_own_manifest(project):
    from harvest.core.fileio import atomic_write
    from harvest.search.index import MANIFEST, read_manifest, read_manifest_head

    settings, _ = index_project(project)
    folder = index_dir(settings)
    manifest = read_manifest(folder)
    head = read_manifest_head(folder)
    assert manifest is not None and head is not None and "documents" in manifest and "documents" not in head
    assert (head["schema"], head["sources"]) == (manifest["schema"], manifest.get("sources"))
    atomic_write(folder / MANIFEST, (folder / MANIFEST).read_text("utf-8"))  # as an earlier Harvest would
    assert read_manifest_head(folder) == manifest  # the head is not this manifest's: the manifest is read
    (folder / MANIFEST).unlink()
    assert read_manifest_head(folder) is None


def test_a_credit_rule_change_reindexes_that_persons_stories(project):
    index_project(project)
    registry = project / "stories" / "contributors.yml"
    registry.write_text(
        registry.read_text().replace(
            "name: Priya Dandekar\n  credit: named", "name: Priya Dandekar\n  credit: anonymous"
        )
    )
    settings, report = index_project(project)
    assert set(report.changed) == {"2026-03-flood-drill", "2025-10-first-aid-training"}
    assert report.purged  # a name no longer credited must not stay in the files
    assert b"dandekar" not in index_bytes(index_dir(settings))


# --- privacy -------------------------------------------------------------------------------------


def test_public_index_holds_nothing_withheld(project):
    settings, _ = index_project(project)
    public = index_bytes(index_dir(settings))
    for word in (MEMBERS_ONLY, MEMBERS_REDACTED, ARCHIVE_REDACTED, PRIVATE, EMBARGOED, *UNCREDITED):
        assert word.encode() not in public, word
    members_settings, _ = index_project(project, "members")
    members = index_bytes(index_dir(members_settings))
    assert MEMBERS_ONLY.encode() in members and MEMBERS_REDACTED.encode() in members  # the probe works
    assert ARCHIVE_REDACTED.encode() not in members


def test_withdrawn_text_leaves_the_index_files(project):
    settings, _ = index_project(project)
    assert b"saltwick" in index_bytes(index_dir(settings))
    flood = project / "stories" / "2026" / "flood-drill.md"
    text = flood.read_text()
    flood.write_text(text.replace("the boathouse, which", "the [[redact]]quayside boathouse[[/redact]], which"))
    _, redacted = index_project(project)
    assert redacted.changed == ["2026-03-flood-drill"] and redacted.purged
    assert b"quayside" not in index_bytes(index_dir(settings))
    flood.write_text(text.replace("lang: en\n", "lang: en\nvisibility: members\n"))
    _, hidden = index_project(project)
    assert hidden.removed == ["2026-03-flood-drill"] and hidden.purged
    assert b"boathouse" not in index_bytes(index_dir(settings))


def test_a_withdrawal_rewrites_the_segments_holding_any_version_of_that_story(project, monkeypatch):
    """A withdrawal rewrites the segments that hold a version of the withdrawn story, live or
    replaced, and no other: the big segment's replaced versions of other stories wait for a merge
    (rewriting it takes seconds at 5,000 stories), while the version before a plain edit goes
    with the text withdrawn after it (it held that text too)."""
    monkeypatch.setattr(search_index, "SMALL_SEGMENTS", 100)  # no merge: each update adds its own segment
    settings, _ = index_project(project)
    folder = index_dir(settings)
    [(big, held, gone)] = segments(settings)
    assert (held, gone) == (10, False)
    flood = project / "stories" / "2026" / "flood-drill.md"
    text = flood.read_text()
    flood.write_text(text.replace("ten in the evening", "eleven at night"))  # a plain edit: nothing purged
    _, edited = index_project(project)
    assert edited.changed == ["2026-03-flood-drill"] and not edited.purged
    assert [(n, gone) for _, n, gone in segments(settings)] == [(10, True), (1, False)]

    compost = project / "stories" / "2026" / "compost.md"
    assert b"whiteboard" not in index_bytes(folder)
    compost.write_text(STORY)
    index_project(project)
    assert b"whiteboard" in index_bytes(folder)  # (the probe finds the word while it is indexed)
    compost.unlink()
    _, removed = index_project(project)
    assert removed.removed == ["2026-09-compost-rota"] and removed.purged
    assert b"whiteboard" not in index_bytes(folder)
    assert all(held for _, held, _ in segments(settings))  # (its segment went, not copied empty)
    # The big segment was left alone: it still holds the flood story's replaced first version.
    assert (big, 10, True) in segments(settings)

    assert b"recognises" in index_bytes(folder)
    flood.write_text(
        text.replace("ten in the evening", "eleven at night").replace(
            "everyone recognises", "[[redact]]everyone recognises[[/redact]]"
        )
    )
    _, redacted = index_project(project)
    assert redacted.changed == ["2026-03-flood-drill"] and redacted.purged
    # Both replaced versions held the words (the first in the big segment): both segments went.
    assert b"recognises" not in index_bytes(folder)
    assert big not in [segment_id for segment_id, _, _ in segments(settings)]
    assert not any(gone for _, _, gone in segments(settings))
    searcher = open_searcher(settings)
    try:
        assert len(searcher.search("boathouse").hits) == 1 and searcher.search("recognises").hits == []
    finally:
        searcher.close()


def test_indexes_are_per_profile(project):
    public, _ = index_project(project, "public")
    members, _ = index_project(project, "members")
    assert index_dir(public) != index_dir(members)
    assert index_dir(public).relative_to(project) == Path(".harvest/index/public")


# --- related stories -----------------------------------------------------------------------------


def test_related_stories_are_visible_and_alike(project):
    settings = settings_for(project)
    archive, _ = load_archive(settings)
    from harvest.search.corpus import corpus_of
    from harvest.search.similar import related_stories

    related_of = related_stories(archive, corpus_of(archive), settings.related_count)
    visible = {s.id for s in archive.stories}
    for story_id, related in related_of.items():
        assert story_id not in {r.id for r in related}
        assert {r.id for r in related} <= visible
        assert len(related) <= settings.related_count
    # the pantry story and its Spanish translation share lessons and no words; the drill stories
    # about phone trees share words: both kinds of likeness count
    pantry = [r.id for r in related_of["2025-11-generator-pantry"]]
    assert pantry[0] == "2025-11-generador-despensa"
    drill = [r.id for r in related_of["2026-03-flood-drill"]]
    assert drill[0] == "2025-08-rent-strike-phone-tree"


def test_related_stories_scale_linearly():
    """Each story is compared with a capped number of others, however many share its words."""
    from types import SimpleNamespace

    from harvest.search import similar
    from harvest.search.corpus import analyze
    from harvest.search.documents import SearchDocument

    class Counted(list):
        reads = 0

        def __getitem__(self, index):
            Counted.reads += 1
            return super().__getitem__(index)

    def comparisons(n: int) -> int:
        stories, docs = Counted(), []
        for i in range(n):  # 400 words, each in ~15% of the stories: long candidate lists
            words = " ".join(f"w{(i * 7 + k * 13) % 400}" for k in range(60))
            date = dt.date(2020, 1, 1) + dt.timedelta(days=i)
            stories.append(
                SimpleNamespace(id=f"s{i}", lessons=(f"l{i % 9}",), place_key=f"p{i % 40}", event="action", date=date)
            )
            docs.append(
                SearchDocument(f"s{i}", f"p/{i}", "t", "s", words, (), (), (), (), "action", "Action", "P", "en", date)
            )
        corpus = analyze(docs)
        Counted.reads = 0
        similar.related_stories(SimpleNamespace(stories=stories), corpus, 5)
        return Counted.reads

    # each story reads at most its capped candidates (key-term peers, lesson and place neighbours)
    bound = similar.KEY_TERMS * similar.PER_TERM + 2 * (2 * similar.NEIGHBOURS + 1)
    for n in (300, 1200):
        assert comparisons(n) <= n * bound, n
