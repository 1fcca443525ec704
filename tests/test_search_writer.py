"""The search writer's own indexing of text fields makes the very files whoosh's writer makes."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest
from whoosh import index as whoosh_index
from whoosh.writing import SegmentWriter

from harvest.core.settings import Prompt
from harvest.search.index import CODEC, build_schema, text_analyzer, text_words
from harvest.search.writer import Writer

PROMPTS = (Prompt("missing", "What was missing?", ()), Prompt("stepped-forward", "Who stepped forward?", ()))


@pytest.mark.parametrize(
    "text",
    [
        "",
        "Heatwave drill, heat drill: HEAT!",
        "Sorprendió a la Señora Núñez — ÉCOLE ﬁnale",  # accents, a ligature
        "snake_case and_more 3rd 2026-06-14 x²",
        "e\u0301cole (decomposed) İstanbul ß",
        "\ufffc withheld \ufffc marker",
    ],
)
def test_text_words_are_the_analyzers_terms(text):
    assert text_words(text) == [token.text for token in text_analyzer()(text)]


def _fields(number: int) -> dict:
    """Documents where a few words are in every one (postings of several blocks), some in one."""
    return {
        "id": f"s{number:04d}",
        "title": f"Heatwave drill {number}" if number % 3 else "Sorprendió a la Señora Núñez",
        "summary": "flood flood drill " * (number % 4),
        "body": f"the phone tree worked; the tree fell {number}. " * (1 + number % 5) + "word" * (number % 2),
        "lesson": "communication mutual-aid",
        "contributor": "Ana ; Bo",
        "place": "Riverside" if number % 2 else "",
        "event": "heat Heat wave",
        "lang": "en" if number % 7 else "es",
        "archive": "_own",
        "date": dt.datetime(2025, 1 + number % 12, 1 + number % 28),
        "meta": {"page": f"2025/s{number}", "n": number},
        "answer_missing": "water, shade, a phone tree" if number % 2 else "",
        "answer_stepped_forward": f"neighbour {number}",
    }


def _segment_files(folder: Path) -> dict[str, bytes]:
    """Each segment file's bytes by what it holds (the segment's random name left out)."""
    files = {}
    for name in os.listdir(folder):
        if name.startswith("MAIN_") and "." in name and "WRITELOCK" not in name:
            files[name.split(".", 1)[1]] = (folder / name).read_bytes()
    return files


def _build(folder: Path, make, count: int, **options) -> dict[str, bytes]:
    folder.mkdir()
    ix = whoosh_index.create_in(str(folder), build_schema(PROMPTS))
    writer = make(ix, codec=CODEC, compound=False, **options)
    for number in range(count):
        writer.add_document(**_fields(number))
    writer.commit()
    ix.close()
    return _segment_files(folder)


def _postings(folder: Path) -> dict:
    """Every term's statistics and postings (docnum, weight, value) as a reader decodes them."""
    ix = whoosh_index.open_dir(str(folder))
    reader, found = ix.reader(), {}
    for fieldname, tbytes in reader.all_terms():
        info = dict(vars(reader.term_info(fieldname, tbytes)))
        del info["_offset"], info["_length"]  # where in the file: ours are smaller (see below)
        matcher, postings = reader.postings(fieldname, tbytes), []
        while matcher.is_active():
            postings.append((matcher.id(), matcher.weight(), matcher.value()))
            matcher.next()
        found[fieldname, tbytes] = (info, postings)
    reader.close()
    ix.close()
    return found


@pytest.mark.parametrize("limitmb", [64, 0])  # 0: every posting handed to whoosh's pool at once
def test_writer_makes_whooshs_index(tmp_path, limitmb):
    theirs = _build(tmp_path / "whoosh", SegmentWriter, 300)
    ours = _build(tmp_path / "ours", Writer, 300, limitmb=limitmb)
    assert sorted(ours) == sorted(theirs)
    assert {"pst", "trm", "_stored.col", "_body_len.col"} <= set(ours)
    for name, data in theirs.items():
        if name not in ("pst", "trm"):  # stored fields, lengths: the same bytes
            assert ours[name] == data, name
    postings = _postings(tmp_path / "ours")
    assert postings == _postings(tmp_path / "whoosh")
    assert len(postings[("body", b"tree")][1]) == 300  # (three blocks of postings)
    assert postings[("title", b"nunez")][1][0] == (0, 5.0, b"\x00\x00\x00\x01\x80\x02]q\x00K\x04a.")
    # Written by the writer itself, a value is made once per position for words seen once, so a
    # block's pickle refers back to an equal value instead of repeating it: a smaller file.
    # (Through whoosh's pool, values are copies: the same file.)
    assert len(ours["pst"]) < len(theirs["pst"]) if limitmb else ours["pst"] == theirs["pst"]


def test_a_merge_with_the_writers_own_postings_finds_every_document(tmp_path):
    folder = tmp_path / "ix"
    folder.mkdir()
    ix = whoosh_index.create_in(str(folder), build_schema(PROMPTS))
    first = Writer(ix, codec=CODEC)
    for number in range(10):
        first.add_document(**_fields(number))
    first.commit()
    second = Writer(ix, codec=CODEC)
    for number in range(10, 15):
        second.add_document(**_fields(number))
    second.commit(optimize=True)  # the old segment's postings come through whoosh's pool
    with ix.searcher() as searcher:
        assert len(ix._segments()) == 1
        assert searcher.doc_count() == 15
        found = searcher.search(ix_query("body", "tree"), limit=None)
        assert sorted(hit["id"] for hit in found) == [f"s{n:04d}" for n in range(15)]
        phrase = searcher.search(ix_query("answer_missing", '"phone tree"'), limit=None)
        assert sorted(hit["id"] for hit in phrase) == [f"s{n:04d}" for n in range(1, 15, 2)]
    ix.close()


def ix_query(fieldname: str, text: str):
    from whoosh.qparser import QueryParser

    return QueryParser(fieldname, build_schema(PROMPTS)).parse(text)


@pytest.mark.parametrize(
    "body",
    [
        "The phone tree worked; the TREE fell. Fuel watch, fuel watch.",
        "Sorprendió a la Señora Núñez: e\u0301cole ﬁnale",  # not ASCII: the vocabulary splits it itself
    ],
)
def test_the_vocabulary_takes_the_writers_words_as_its_own_split_would(tmp_path, body):
    from harvest.search.documents import SearchDocument
    from harvest.search.index import document_words, whoosh_fields

    doc = SearchDocument(
        id="s1",
        page="2025/s1",
        title="Heatwave DRILL",
        summary="flood, flood drill",
        body=body,
        answers=(("missing", "water and shade"),),
        lessons=("mutual-aid",),
        lesson_titles=("Mutual aid",),
        contributors=("Kitchen Crew",),
        event="heat",
        event_label="Heat wave",
        place="Riverside",
        lang="en",
        date=dt.date(2025, 6, 1),
    )
    (tmp_path / "ix").mkdir()
    ix = whoosh_index.create_in(str(tmp_path / "ix"), build_schema(PROMPTS))
    writer = Writer(ix, codec=CODEC)
    writer.add_document(**whoosh_fields(doc, PROMPTS))
    assert document_words(doc, writer) == document_words(doc)
    assert {"phone", "tree", "heatwave", "crew", "mutual", "aid", "heat", "wave"} <= document_words(doc) or (
        not body.isascii() and {"sorprendio", "nunez", "ecole", "heatwave"} <= document_words(doc)
    )
    writer.cancel()
    ix.close()


def _rewrite(writer, segments, target=None):
    """A segment copied into a new one (as a merge or `index._purge_deleted` copies it)."""
    from whoosh.reading import SegmentReader

    target = target or segments[0]
    reader = SegmentReader(writer.storage, writer.schema, target)
    writer.add_reader(reader)
    reader.close()
    return [s for s in segments if s.segment_id() != target.segment_id()]


def _source(folder: Path, deleted: list[int]) -> None:
    """300 documents (one indexed with a boost of its own), `deleted` deleted, one segment."""
    folder.mkdir()
    ix = whoosh_index.create_in(str(folder), build_schema(PROMPTS))
    writer = Writer(ix, codec=CODEC, compound=False)
    for number in range(300):
        fields = _fields(number)
        if number == 5:
            fields["_title_boost"] = 2.0  # (its title's weights are not a count of words)
        if number == 150:
            fields["body"] += " zanzibar"  # a word in this document alone
        writer.add_document(**fields)
    writer.commit()
    if deleted:
        writer = SegmentWriter(ix, codec=CODEC, compound=False)
        for number in deleted:
            writer.delete_by_term("id", f"s{number:04d}")
        writer.commit(merge=False)
    ix.close()


@pytest.mark.parametrize(
    "deleted, added",
    [
        ([], 0),  # a merge: every document copied, renumbered after this commit's own
        ([150, *range(0, 300, 7)], 0),  # a purge: the deleted documents dropped
        ([0, 1, 2, 150, 299], 4),  # both: new documents first, then the copy
    ],
)
def test_a_segment_copied_by_the_writer_is_whooshs_copy(tmp_path, deleted, added):
    import shutil

    _source(tmp_path / "source", deleted)
    copies = {}
    for name, make in (("whoosh", SegmentWriter), ("ours", Writer)):
        folder = tmp_path / name
        shutil.copytree(tmp_path / "source", folder)
        ix = whoosh_index.open_dir(str(folder))
        writer = make(ix, codec=CODEC, compound=False)
        for number in range(1000, 1000 + added):
            writer.add_document(**_fields(number))
        writer.commit(mergetype=_rewrite)
        assert [s.has_deletions() for s in ix._segments()] == [False]
        assert ix.doc_count_all() == 300 - len(deleted) + added
        ix.close()
        copies[name] = (_segment_files(folder), _postings(folder))
    (ours, our_postings), (theirs, their_postings) = copies["ours"], copies["whoosh"]
    assert sorted(ours) == sorted(theirs)
    for name, data in theirs.items():
        if name not in ("pst", "trm"):  # stored fields, lengths: the same bytes
            assert ours[name] == data, name
    assert our_postings == their_postings
    # Written by hand: "tree" is in every document's body; "zanzibar" in document 150's alone.
    assert len(our_postings[("body", b"tree")][1]) == 300 - len(deleted) + added
    assert (("body", b"zanzibar") in our_postings) is (150 not in deleted)
    assert ("id", b"s0150") not in our_postings if 150 in deleted else ("id", b"s0150") in our_postings


def test_a_withdrawn_documents_words_are_in_no_byte_of_the_copy(tmp_path):
    _source(tmp_path / "ix", [150])
    ix = whoosh_index.open_dir(str(tmp_path / "ix"))
    Writer(ix, codec=CODEC).commit(mergetype=_rewrite)
    ix.close()
    data = b"".join(path.read_bytes() for path in (tmp_path / "ix").iterdir())
    assert b"zanzibar" not in data and b"s0150" not in data
    assert b"s0151" in data and b"tree" in data
