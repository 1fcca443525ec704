"""Related stories and the search corpus made incrementally (as `harvest serve` rebuilds do) are
exactly what a cold build computes, after every kind of change; and their caches leak nothing."""

from __future__ import annotations

import dataclasses
import json
import re
import stat
from pathlib import Path

import pytest

from harvest.core.archive import load_archive
from harvest.search.corpus import CorpusMemo, corpus_of
from harvest.search.related import RelatedMemo
from harvest.search.similar import related_stories
from harvest.site.project import settings_from_file

FLOOD = "stories/2026/flood-drill.md"
FLOOD_ID = "2026-03-flood-drill"
SOUP_LINE = "stories/2025/winter-soup-line.md"  # a story the public profile publishes


def load(project: Path, profile: str = "public"):
    settings = dataclasses.replace(settings_from_file(project / "mkdocs.yml", profile), cache=True)
    return load_archive(settings)[0]


def ids(related) -> dict[str, list[str]]:
    return {story_id: [s.id for s in others] for story_id, others in related.items()}


def assert_same_as_cold(archive, corpus, related) -> None:
    cold = corpus_of(archive)
    assert corpus.docs == cold.docs
    assert corpus.postings == cold.postings
    assert corpus.frequent == cold.frequent
    assert ids(related) == ids(related_stories(archive, cold, archive.settings.related_count))


def edit(path: Path, change) -> None:
    path.write_text(change(path.read_text("utf-8")), "utf-8")


def add_story(project: Path) -> None:
    text = (project / FLOOD).read_text("utf-8")
    text = text.replace(f"id: {FLOOD_ID}", "id: 2026-04-second-flood-drill").replace("date: 2026-03", "date: 2026-04")
    (project / "stories/2026/second-flood-drill.md").write_text(text + "\nA second drill, with sandbags.\n", "utf-8")


CHANGES = {
    "edit text": lambda p: edit(p / FLOOD, lambda t: t + "\nThe quokka phone tree held up in the second hour.\n"),
    "edit frequent words": lambda p: edit(p / FLOOD, lambda t: t + "\n" + "sandbags levee pumps " * 40 + "\n"),
    "change lessons": lambda p: edit(p / FLOOD, lambda t: re.sub(r"lessons: \[[^\]]*\]", "lessons: [resources]", t)),
    "add a story": add_story,
    "remove a story": lambda p: (p / SOUP_LINE).unlink(),
    "make private": lambda p: edit(p / FLOOD, lambda t: t.replace("---\n", "---\nvisibility: private\n", 1)),
}


@pytest.mark.parametrize("change", list(CHANGES))
def test_incremental_equals_cold(project, change):
    corpus_memo, related_memo = CorpusMemo(), RelatedMemo()
    archive = load(project)
    count = archive.settings.related_count
    corpus = corpus_memo.corpus(archive)
    assert_same_as_cold(archive, corpus, related_memo.related(archive, corpus, count))
    assert related_memo.computed
    # nothing changed: nothing analysed, nothing computed
    archive = load(project)
    corpus = corpus_memo.corpus(archive)
    related = related_memo.related(archive, corpus, count)
    assert (corpus_memo.analysed, related_memo.computed) == (0, False)
    assert_same_as_cold(archive, corpus, related)

    CHANGES[change](project)
    archive = load(project)
    corpus = corpus_memo.corpus(archive)
    related = related_memo.related(archive, corpus, count)
    assert_same_as_cold(archive, corpus, related)
    if change.startswith("edit"):
        assert corpus_memo.analysed == 1 and corpus_memo.patched  # only the edited story analysed again
    if change == "remove a story":
        assert "2025-02-winter-soup-line" not in {doc.id for doc in corpus.docs}
    if change in ("add a story", "remove a story", "make private"):
        # the others renumbered, not analysed or assembled again
        assert corpus_memo.patched and corpus_memo.analysed == (change == "add a story")
    if change == "edit text":
        assert "quokka" in corpus.postings
    if change == "edit frequent words":
        assert related_memo.computed  # its most frequent words changed: related stories computed again
    if change == "make private":
        assert FLOOD_ID not in {s.id for s in archive.stories}
        assert FLOOD_ID not in {s.id for others in related.values() for s in others} | set(related)
        # the memo forgot the story's text and terms, and the disk cache names it nowhere
        assert not any("quokka" in doc.body or doc.id == FLOOD_ID for doc in corpus_memo.analyses)
        for file in (project / ".harvest/cache").glob("related-*.json"):
            assert FLOOD_ID not in file.read_text("utf-8")


def test_the_disk_cache_is_reused_only_when_whole_and_ours(project):
    archive = load(project)
    count = archive.settings.related_count
    first = RelatedMemo()
    expected = ids(first.related(archive, corpus_of(archive), count))
    (file,) = (project / ".harvest/cache").glob("related-*.json")
    assert stat.S_IMODE(file.stat().st_mode) == 0o600
    head, _, body = file.read_bytes().partition(b"\n")
    assert json.loads(body) == {"related": expected}

    fresh = RelatedMemo()  # a new process: from disk, not computed
    assert ids(fresh.related(archive, corpus_of(archive), count)) == expected and not fresh.computed

    # a planted entry (naming a withheld story), with its checksum made to fit: refused all the same
    planted = {"related": {**expected, FLOOD_ID: ["2026-11-susurrada-private"]}}
    file.write_bytes(head + b"\n" + json.dumps(planted).encode())
    for damage in (b"", b"{not json", head + b"\n" + json.dumps(planted).encode()):
        file.write_bytes(damage)
        again = RelatedMemo()
        assert ids(again.related(archive, corpus_of(archive), count)) == expected and again.computed

    # another count is another key
    other = RelatedMemo()
    other.related(archive, corpus_of(archive), count + 1)
    assert other.computed


def test_profiles_do_not_share_related_stories(project):
    public, members = load(project), load(project, "members")
    memo = RelatedMemo()
    shown = ids(memo.related(public, corpus_of(public), 5))
    memo.related(members, corpus_of(members), 5)
    assert memo.computed  # the members' archive is another key
    again = RelatedMemo()
    assert ids(again.related(public, corpus_of(public), 5)) == shown and not again.computed
    visible = {s.id for s in public.stories}
    assert all(set(others) <= visible for others in shown.values())
