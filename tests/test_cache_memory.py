"""The story cache in memory (`harvest serve`'s rebuilds): a shard file found byte for byte as
this process last read or wrote it is neither parsed nor decoded again, what each run is handed
is its own copy, and anything else on disk (an edit, a planted or damaged file) is read as a
cold process would read it."""

from __future__ import annotations

import json

import pytest

from harvest.core import cache as cache_module
from test_cache import FLOOD, FLOOD_ID, PLANTED, TODAY, plant, scanned, shards


@pytest.fixture
def today(monkeypatch):
    for name, value in TODAY.items():
        monkeypatch.setenv(name, value)


@pytest.fixture
def counted(monkeypatch):
    """How many entries and shard bodies each scan decodes."""
    calls = {"decode": 0, "parse": 0}
    decode, entries = cache_module.decode, cache_module._entries

    def counting_decode(data):
        calls["decode"] += 1
        return decode(data)

    def counting_entries(body):
        calls["parse"] += 1
        return entries(body)

    monkeypatch.setattr(cache_module, "decode", counting_decode)
    monkeypatch.setattr(cache_module, "_entries", counting_entries)

    def take() -> dict:
        found = dict(calls)
        calls.update(decode=0, parse=0)
        return found

    return take


def by_id(stories) -> dict:
    return {s.id: s for s in stories}


def test_an_unchanged_cache_is_neither_parsed_nor_decoded_again(project, today, counted):
    cold = scanned(project, cache=False)
    assert scanned(project) == cold  # writes the cache (and keeps it in memory)
    counted()
    assert scanned(project) == cold
    assert counted() == {"decode": 0, "parse": 0}
    stories = len(cold[0])
    assert stories > 5


def test_an_edit_reads_that_story_and_its_shard_only(project, today, counted):
    scanned(project)
    scanned(project)
    counted()
    story = project / FLOOD
    story.write_text(story.read_text("utf-8").replace("boathouse", "boatshed"), "utf-8")
    stories, problems = scanned(project)
    assert counted() == {"decode": 1, "parse": 0}  # (the new entry's round trip); shards: this process wrote them
    assert "boatshed" in by_id(stories)[FLOOD_ID].markdown
    assert (stories, problems) == scanned(project, cache=False)


def test_a_cold_process_reads_what_the_warm_one_wrote(project, today, counted, monkeypatch):
    scanned(project)
    story = project / FLOOD
    story.write_text(story.read_text("utf-8").replace("boathouse", "boatshed"), "utf-8")
    scanned(project)
    monkeypatch.setattr(cache_module, "_SEEN_SHARDS", {})  # as a new process finds it
    counted()
    assert scanned(project) == scanned(project, cache=False)
    assert counted()["decode"] > 5  # read from disk, not parsed again from the stories


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda story: story.sections.append(story.sections[0]), id="sections list"),
        pytest.param(lambda story: story.extra.update(mood="planted"), id="extra mapping"),
        pytest.param(lambda story: setattr(story, "title", PLANTED), id="attribute"),
    ],
)
def test_what_a_run_is_handed_is_its_own(project, today, change):
    """A later build never sees what code downstream did to an earlier build's stories."""
    cold = scanned(project, cache=False)
    for _ in range(2):  # the first fills the memory, the second is answered from it
        stories, _ = scanned(project)
        for story in stories:
            change(story)
    assert scanned(project) == cold


def test_a_planted_shard_is_read_not_answered_from_memory(project, today):
    """The memory is keyed by the shard's bytes: a file changed behind the process's back (here
    with a valid header and checksum) is what the next run reads, as a cold process would."""
    scanned(project)
    scanned(project)
    plant(project)
    assert {s.title for s in scanned(project)[0]} == {PLANTED}


def test_a_damaged_shard_is_ignored_even_when_remembered(project, today):
    cold = scanned(project, cache=False)
    scanned(project)
    for path in shards(project):
        path.write_bytes(path.read_bytes()[:-20])
    assert scanned(project) == cold
    head = json.loads(shards(project)[0].read_bytes().partition(b"\n")[0])
    assert head["namespace"] == "stories"  # and written anew


def test_a_touched_file_is_reused_without_decoding(project, today, counted):
    scanned(project)
    story = project / FLOOD
    story.write_bytes(story.read_bytes())  # the same bytes, a new stamp
    counted()
    first = scanned(project)
    assert counted()["decode"] == 0
    assert first == scanned(project, cache=False)
    stamps = [
        entry["stamp"]
        for path in shards(project)
        for rel, entry in json.loads(path.read_bytes().partition(b"\n")[2]).items()
        if rel == FLOOD.removeprefix("stories/")
    ]
    assert len(stamps) == 1  # (settled or not, the entry is kept for these bytes)


@pytest.fixture
def one_run_process():
    """A process that builds once (`harvest build`): it keeps nothing for a next run."""
    cache_module.keep_between_runs(False)
    yield
    cache_module.keep_between_runs(True)


def test_a_process_that_runs_once_keeps_no_shard_in_memory(project, today, counted, one_run_process):
    cold = scanned(project, cache=False)
    assert scanned(project) == cold  # writes the cache
    assert cache_module._SEEN_SHARDS == {}
    counted()
    assert scanned(project) == cold  # read from disk, as a new process reads it
    counts = counted()
    assert counts["parse"] >= 1
    assert counts["decode"] > 5
    assert cache_module._SEEN_SHARDS == {}


def test_turning_the_memory_off_forgets_what_it_held(project, today):
    scanned(project)
    assert cache_module._SEEN_SHARDS
    cache_module.keep_between_runs(False)
    try:
        assert cache_module._SEEN_SHARDS == {}
    finally:
        cache_module.keep_between_runs(True)
