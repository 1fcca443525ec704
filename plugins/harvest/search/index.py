"""The whoosh index of one profile's published archive, kept current incrementally.

One index per profile under `.harvest/index/<profile>/` (never inside `site/`,
never published). A manifest beside it records each document's fingerprint (a
hash of what was indexed), so an update re-indexes only changed documents and
removes deleted ones.

whoosh keeps a replaced or deleted document's data inside its segment until the
segment is rewritten, and rewriting is slow (seconds per thousand stories). So an
ordinary edit only adds a small segment (fast), while a *withdrawal* -- a story
removed or no longer visible to this profile, a passage newly redacted, a
contributor no longer credited -- rewrites the segments concerned at once, so
that text never lingers on disk in this profile's index. `compact` rewrites all.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import time
from collections.abc import Callable, Iterable, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from whoosh import fields, index
from whoosh.analysis import Filter, RegexTokenizer
from whoosh.codec.whoosh3 import W3Codec
from whoosh.filedb.filestore import FileStorage
from whoosh.index import LockError
from whoosh.reading import SegmentReader

from harvest.core.problems import HarvestError, Problem
from harvest.core.settings import Prompt, Settings
from harvest.search.analysis import ANALYSIS_VERSION, WORD, fold, tokens
from harvest.search.vocabulary import SearchVocabulary, words_of

TYPE_CHECKING = False  # (as typing's: not importing typing spares `harvest search` 5 ms)
if TYPE_CHECKING:  # documents imports the whole archive; a query needs none of it
    from typing import TypeGuard

    from harvest.search.documents import SearchDocument

INDEX_FORMAT = "5"  # 5: text fields are `writer.WordsField`s
OWN_ARCHIVE = "_own"  # the `archive` of our own stories (a peer's name never starts with `_`)
MANIFEST = "harvest-manifest.json"
# What a query needs of the manifest (its schema and sources, not every document's fingerprint:
# 0.3 MB of JSON at 5,000 stories), with the manifest's stamp: valid only beside that manifest.
MANIFEST_HEAD = "harvest-manifest-head.json"
WRITER_MB = 64  # whoosh's in-memory posting pool before it spills to disk (merges)
WORDS_MB = 192  # the writer's own postings before they go to that pool: 5,000 stories take ~75
LOCK_WAIT_S = 30
SMALL_TIER_DOCS = 50  # segments this small are merged together (a fraction of a second)
# Small segments left unmerged: each costs a query ~8 ms at 5,000 stories, and merging them costs
# an update 0.3-0.5 s; so the small ones are merged every third update, not at each.
SMALL_SEGMENTS = 3
MAX_SEGMENTS = 8  # beyond this, the next update merges everything into one segment
# From this many documents a rebuild indexes half of them in a second process, on another core.
IN_TWO_AT_LEAST = 400
CODEC = W3Codec(compression=0)  # zlib on every postings block costs a fifth of indexing time
WRITER_OPTIONS = {"limitmb": WRITER_MB, "wordsmb": WORDS_MB, "codec": CODEC}  # (`writer.Writer`'s)

# Query fields and their weight: a word in a title counts most. `body` is the whole story
# text; each prompt's answer is indexed again in its own field (`missing:generator`). Indexing
# answers twice costs about 40% more indexing time, but a query then scores one text field
# instead of four, which is 3-5x faster when a word is in most stories.
CORE_FIELDS = ("title", "summary", "body", "lesson", "contributor", "place", "event")
BOOSTS = {"title": 5.0, "summary": 2.0, "lesson": 2.0, "contributor": 2.0, "place": 2.0, "event": 1.5}


class FoldFilter(Filter):
    """Applies `analysis.fold` to each token, so whoosh's terms are the browser index's terms."""

    def __call__(self, stream):
        for token in stream:
            text = token.text
            # An ASCII word has no accent to drop: lowercasing is the whole fold, 5x faster.
            token.text = text.lower() if text.isascii() else fold(text)
            yield token


def text_analyzer():
    """No stemming: the query side expands words to their variants (`Variations`) instead, so
    terms stay real words for "did you mean" and match the browser's terms exactly."""
    return RegexTokenizer(WORD.pattern) | FoldFilter()


def text_words(text: str) -> list[str]:
    """The terms `text_analyzer` makes of `text`, in order, without its Token objects (what the
    writer indexes; a test holds the two to the same words)."""
    if text.isascii():  # (lowercasing ASCII moves no word boundary)
        return WORD.findall(text.lower())
    return [word.lower() if word.isascii() else fold(word) for word in WORD.findall(text)]


class WordsField(fields.TEXT):
    """A whoosh TEXT field (positions kept, for phrases) whose `words` function gives, for a text,
    exactly the terms its analyzer gives, in order: `writer.Writer` then indexes it without the
    analyzer's Token objects (a query still parses with the analyzer)."""

    def __init__(self, words: Callable[[str], list[str]], **kwargs) -> None:
        super().__init__(**kwargs)
        self.words = words


def index_dir(settings: Settings) -> Path:
    return Path(settings.project_dir) / ".harvest" / "index" / settings.profile


def answer_field(prompt_id: str) -> str:
    return "answer_" + prompt_id.replace("-", "_")


def build_schema(prompts: Iterable[Prompt]) -> fields.Schema:
    analyzer = text_analyzer()

    def text(name, stored=False):
        return WordsField(text_words, analyzer=analyzer, stored=stored, field_boost=BOOSTS.get(name, 1.0))

    schema = fields.Schema(
        id=fields.ID(stored=True, unique=True),
        title=text("title", stored=True),
        summary=text("summary", stored=True),
        body=text("body", stored=True),
        lesson=text("lesson"),
        contributor=text("contributor"),
        place=text("place", stored=True),
        event=text("event"),
        lang=fields.ID(stored=True),
        story=fields.ID(),  # the original's id, for stories told in several languages only
        archive=fields.ID(stored=True),  # filter only (`harvest search --archive`): not a query field
        date=fields.DATETIME(stored=True),
        meta=fields.STORED,
    )
    for prompt in prompts:
        schema.add(answer_field(prompt.id), text(answer_field(prompt.id)))
    return schema


def schema_text(prompts: Iterable[Prompt]) -> str:
    """What `schema_key` hashes: the index format, the analysis version and the field names."""
    names = sorted(build_schema(prompts).names())
    return json.dumps([INDEX_FORMAT, ANALYSIS_VERSION, names])


def schema_key(prompts: Iterable[Prompt]) -> str:
    import hashlib  # (a query compares `schema_text` when the manifest head has it: no OpenSSL to load)

    return hashlib.sha256(schema_text(prompts).encode()).hexdigest()[:16]


def schema_matches(manifest: dict, prompts: Iterable[Prompt]) -> bool:
    """Was the index of this manifest (or manifest head) made with the schema `prompts` give?"""
    text = manifest.get("schema_text")
    if isinstance(text, str):  # (a head: the text its manifest's key was made of)
        return text == schema_text(prompts)
    return manifest.get("schema") == schema_key(prompts)


def whoosh_fields(doc: SearchDocument, prompts: Iterable[Prompt]) -> dict:
    values = {
        "id": doc.id,
        "title": doc.title,
        "summary": doc.summary,
        "body": doc.body,
        "lesson": " ".join(doc.lessons + doc.lesson_titles),
        "contributor": " ; ".join(doc.contributors),
        "place": doc.place,
        "event": f"{doc.event} {doc.event_label}",
        "lang": doc.lang,
        "archive": doc.archive or OWN_ARCHIVE,
        "date": dt.datetime.combine(doc.date, dt.time()),
        "meta": {
            "page": doc.page,
            "lessons": list(doc.lessons),
            "lesson_titles": list(doc.lesson_titles),
            "event": doc.event_label,
            "contributors": list(doc.contributors),
            "fingerprint": doc.fingerprint,
            "versions": [list(v) for v in doc.versions],
            "archive_name": doc.archive_name,
        },
    }
    if doc.versions:
        values["story"] = doc.story
    for prompt in prompts:
        values[answer_field(prompt.id)] = doc.answer(prompt.id)
    return values


def document_words(doc: SearchDocument, writer=None) -> set[str]:
    """The vocabulary's words of a document. `writer`: the `writer.Writer` that has just indexed it,
    whose terms of an ASCII text are that text's `tokens` (both lowercase and split it the same
    way): the body is not split into words a second time."""
    if writer is not None:
        texts = {
            "title": doc.title,
            "summary": doc.summary,
            "body": doc.body,
            "place": doc.place,
            "contributor": " ; ".join(doc.contributors),
            "lesson": " ".join(doc.lessons + doc.lesson_titles),
        }
        views = [writer.words(name) for name, text in texts.items() if text.isascii()]
        if len(views) == len(texts) and None not in views:
            return set(tokens(doc.event_label)).union(*views)
    return words_of(
        doc.title,
        doc.summary,
        doc.body,
        doc.place,
        " ".join(doc.contributors),
        " ".join(doc.lessons + doc.lesson_titles),
        doc.event_label,
    )


def stored_words(stored: dict) -> set[str]:
    """The words of an indexed version, from what whoosh stored of it."""
    meta = stored.get("meta", {})
    return words_of(
        stored.get("title", ""),
        stored.get("summary", ""),
        stored.get("body", ""),
        stored.get("place", ""),
        " ".join(meta.get("contributors", [])),
        " ".join(meta.get("lessons", []) + meta.get("lesson_titles", [])),
        meta.get("event", ""),
    )


@dataclass
class UpdateReport:
    """What an index update did."""

    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: int = 0
    rebuilt: bool = False
    purged: bool = False  # segments rewritten so withdrawn text left the disk
    seconds: float = 0.0

    @property
    def touched(self) -> int:
        return len(self.added) + len(self.changed) + len(self.removed)

    def summary(self) -> str:
        what = "rebuilt" if self.rebuilt else "updated"
        purged = ", withdrawn text purged" if self.purged else ""
        return (
            f"search index {what}: {len(self.added)} added, {len(self.changed)} changed, "
            f"{len(self.removed)} removed, {self.unchanged} unchanged{purged} ({self.seconds:.2f} s)"
        )


def read_manifest(folder: Path) -> dict | None:
    try:
        return json.loads((folder / MANIFEST).read_text("utf-8"))
    except (OSError, ValueError):
        return None


def read_manifest_head(folder: Path) -> dict | None:
    """The manifest's "schema" and "sources" (or the whole manifest, or None when there is none):
    from its head when the head was written beside this very manifest (same stamp)."""
    head = _manifest_head(folder)
    return head if head is not None else read_manifest(folder)


def _manifest_head(folder: Path) -> dict | None:
    from harvest.core.filestamps import stamp

    try:
        head = json.loads((folder / MANIFEST_HEAD).read_text("utf-8"))
    except (OSError, ValueError):
        return None
    if isinstance(head, dict) and head.get("manifest") == list(stamp(folder / MANIFEST) or ()):
        return head
    return None


def _write_manifest(folder: Path, data: dict, schema: str | None = None) -> None:
    from harvest.core.fileio import atomic_write  # (a query writes nothing)

    (folder / MANIFEST_HEAD).unlink(missing_ok=True)  # (a head stays only with its own manifest)
    atomic_write(folder / MANIFEST, json.dumps(data, sort_keys=True, separators=(",", ":")))
    _write_manifest_head(folder, data, schema)


def _write_manifest_head(folder: Path, manifest: dict, schema: str | None = None) -> None:
    """The head of the manifest now in `folder`, read as `manifest`. (Were the manifest replaced
    meanwhile, the head would name the newer stamp with older sources: an extra update, no harm.)"""
    from harvest.core.fileio import atomic_write
    from harvest.core.filestamps import stamp

    written = stamp(folder / MANIFEST)
    if written is not None:
        head = {"schema": manifest.get("schema"), "sources": manifest.get("sources"), "manifest": list(written)}
        if schema is not None:  # (`schema_text` of the prompts whose `schema_key` is "schema")
            head["schema_text"] = schema
        atomic_write(folder / MANIFEST_HEAD, json.dumps(head, sort_keys=True, separators=(",", ":")))


def _entry(doc: SearchDocument) -> list:
    """What the manifest remembers of a document: its fingerprint and what a withdrawal would change."""
    return [doc.fingerprint, doc.withheld, sorted(doc.contributors)]


def _withdraws(old: list, new: list) -> bool:
    """Does the new version hide something the old one showed (a new redaction, an uncredited name)?"""
    return new[1] > old[1] or not set(old[2]) <= set(new[2])


def _usable(folder: Path, key: str) -> tuple[index.Index | None, dict]:
    """The existing index and its manifest entries, or (None, {}) when it must be rebuilt."""
    manifest = read_manifest(folder)
    if not manifest or manifest.get("schema") != key or not index.exists_in(str(folder)):
        return None, {}
    try:
        # Without mmap, as `open_index` below: whoosh copies each mapped part into memory.
        ix = FileStorage(str(folder), supports_mmap=False).open_index()
        generation = ix.latest_generation()
    except Exception:  # noqa: BLE001 - a damaged or foreign index: start again rather than fail the build
        return None, {}
    if manifest.get("generation") != generation:  # interrupted between commit and manifest
        ix.close()
        return None, {}
    return ix, dict(manifest.get("documents", {}))


def split_indexed(
    docs: Iterable[SearchDocument], folder: Path, prompts: Iterable[Prompt]
) -> tuple[list[SearchDocument], dict[str, list]] | None:
    """(the documents the index in `folder` does not hold as they are, {id: manifest entry} of
    those it does), from its manifest; None when it has none for these prompts. What to keep for
    an update at the end of a build instead of every document (41 MB at 5,000 stories): the
    caller checks the entries with `still_indexed` before passing their ids as `unchanged`."""
    manifest = read_manifest(folder)
    if not isinstance(manifest, dict) or manifest.get("schema") != schema_key(tuple(prompts)):
        return None
    known = manifest.get("documents")
    if not isinstance(known, dict):
        return None
    changed: list[SearchDocument] = []
    same: dict[str, list] = {}
    for doc in docs:
        entry = _entry(doc)
        if known.get(doc.id) == entry:
            same[doc.id] = entry
        else:
            changed.append(doc)
    return changed, same


def still_indexed(folder: Path, entries: dict[str, list]) -> bool:
    """Does the index's manifest still hold each of `entries` as it is (nothing updated it since
    `split_indexed`)?"""
    manifest = read_manifest(folder)
    known = manifest.get("documents") if isinstance(manifest, dict) else None
    return isinstance(known, dict) and all(known.get(doc_id) == entry for doc_id, entry in entries.items())


class IndexNeedsAll(Exception):
    """`update_index` was given only the changed documents, but the index must be made from all."""


def update_index(
    docs: Iterable[SearchDocument],
    folder: Path,
    prompts: Iterable[Prompt],
    rebuild: bool = False,
    compact: bool = False,
    extra: dict | None = None,
    unchanged: frozenset[str] = frozenset(),
) -> UpdateReport:
    """Bring the index in `folder` in line with `docs` (consumed one at a time) and the documents
    `unchanged`: ids the caller knows are as they were indexed, left out of `docs` (one edit among
    5,000 stories makes one document). Raises `IndexNeedsAll`, having changed nothing, when the
    index cannot be updated from those alone (it must be rebuilt, or does not hold them all)."""
    start = time.perf_counter()
    prompts = tuple(prompts)
    key = schema_key(prompts)
    report = UpdateReport()
    ix, known = (None, {}) if rebuild else _usable(folder, key)
    vocabulary = None if ix is None else SearchVocabulary.load(folder, ix.latest_generation())
    if unchanged and (ix is None or vocabulary is None or not unchanged <= known.keys()):
        if ix is not None:
            ix.close()
        raise IndexNeedsAll()
    if ix is None:
        report.rebuilt = True
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True, exist_ok=True)
        ix = index.create_in(str(folder), build_schema(prompts))
    entries: dict[str, list] = {doc_id: known[doc_id] for doc_id in unchanged}
    report.unchanged = len(unchanged)
    withdrawn: set[str] = set()  # documents whose old versions held text no longer shown
    recount = vocabulary is None  # (re)built from every document instead of updated
    vocabulary = vocabulary or SearchVocabulary()
    previous = ix.searcher()  # the versions being replaced, to take their words away
    writer = part = None
    try:
        writer = _writer(ix, folder)
        if report.rebuilt and not compact and _in_two(docs):
            # The first half is indexed in a second process, into a segment of its own listed
            # first: the documents keep the numbers (and the order among equal scores) one
            # segment would give them, and each search visits one more segment.
            from harvest.core.background import Job  # (a query never writes: `harvest search` starts without it)

            half = len(docs) // 2
            part = Job(partial(_index_part, ix, docs[:half], prompts))
            docs = docs[half:]
        for doc in docs:
            entry = entries[doc.id] = _entry(doc)
            old = known.get(doc.id)
            if old is not None and old[0] == entry[0]:
                report.unchanged += 1
                if recount:
                    vocabulary.add(document_words(doc))
                continue
            values = whoosh_fields(doc, prompts)
            if old is None:
                writer.add_document(**values)
                report.added.append(doc.id)
            else:
                if not recount:
                    vocabulary.remove(stored_words(previous.document(id=doc.id) or {}))
                writer.update_document(**values)
                report.changed.append(doc.id)
                if _withdraws(old, entry):
                    withdrawn.add(doc.id)
            vocabulary.add(document_words(doc, writer))
        for doc_id in sorted(set(known) - set(entries)):
            if not recount:
                vocabulary.remove(stored_words(previous.document(id=doc_id) or {}))
            writer.delete_by_term("id", doc_id)
            report.removed.append(doc_id)
        withdrawn.update(report.removed)
        parts = []
        if part is not None:
            segment, added, part_entries, counts = part.result()
            parts, report.added = [segment], [*added, *report.added]
            entries.update(part_entries)
            vocabulary.absorb(counts)
        if compact:
            writer.commit(optimize=True)
        elif report.touched or withdrawn:
            writer.commit(mergetype=lambda writer, segments: _merge_small_tier(writer, [*segments, *parts]))
            if len(ix._segments()) > MAX_SEGMENTS:  # every few hundred edits: one segment again
                _writer(ix, folder).commit(optimize=True)
        else:
            writer.cancel()
        writer = None
        if withdrawn or compact:
            _purge_deleted(ix, folder, None if compact else withdrawn)  # (merging may already have dropped them)
            report.purged = True
        generation = ix.latest_generation()
        vocabulary.save(folder, generation)
        manifest = {"schema": key, "generation": generation, "documents": entries, **(extra or {})}
        _write_manifest(folder, manifest, schema_text(prompts))
    except BaseException:
        if part is not None:
            part.stop()
        if writer is not None:  # interrupted (or a bad story): drop the half-written segment
            writer.cancel()
        raise
    finally:
        previous.close()
        ix.close()
    report.seconds = time.perf_counter() - start
    return report


def _in_two(docs: Iterable[SearchDocument]) -> TypeGuard[Sequence[SearchDocument]]:
    """Index these documents in two processes? Only when they can be split (a `Sequence`, such
    as `documents.Documents`, made by whichever process reads it) and are many enough for half
    of them to outweigh a fork and a segment's trip back, and a fork is safe here (no thread)."""
    from harvest.core.background import can_fork

    return isinstance(docs, Sequence) and len(docs) >= IN_TWO_AT_LEAST and can_fork()


def _index_part(ix, docs: Iterable[SearchDocument], prompts: tuple[Prompt, ...]):
    """In a second process: index `docs` into a segment of their own, left out of the index's
    table of contents (the first process commits it with its own); -> (the segment, the ids
    added, their manifest entries, their vocabulary's counts)."""
    import random

    from harvest.search.writer import Writer

    random.seed()  # (a fork shares the parent's random state: whoosh names the segment from it)
    writer = Writer(ix, _lk=False, **WRITER_OPTIONS)  # (the parent holds the lock)
    vocabulary, entries, added = SearchVocabulary(), {}, []
    for doc in docs:
        entries[doc.id] = _entry(doc)
        writer.add_document(**whoosh_fields(doc, prompts))
        added.append(doc.id)
        vocabulary.add(document_words(doc, writer))
    # (not `commit`: that would write a table of contents and remove the shared temporary folder)
    return writer._finalize_segment(), added, entries, vocabulary.counts


def _writer(ix, folder: Path):
    from harvest.search.writer import Writer  # (a query never writes: `harvest search` starts without it)

    try:
        return Writer(ix, timeout=LOCK_WAIT_S, **WRITER_OPTIONS)
    except LockError:
        raise HarvestError(
            [
                Problem(
                    str(folder),
                    None,
                    "index",
                    "another harvest command is updating this index",
                    "wait for it to finish; if none is running, delete the folder and run `harvest index`",
                )
            ]
        ) from None


def _merge_small_tier(writer, segments):
    """Fold the small segments (and this commit's documents) into one, up to a size that is quick
    to rewrite, once there are `SMALL_SEGMENTS` of them: each search visits every segment, so a
    few dozen one-story segments would slow every query, while rewriting a big segment would slow
    every edit."""
    total = sum(s.doc_count_all() for s in segments)
    limit = max(SMALL_TIER_DOCS, total // 64)
    if sum(s.doc_count_all() <= limit for s in segments) < SMALL_SEGMENTS:
        return segments  # this commit's documents make one more small segment
    keep, merged = [], 0
    for segment in sorted(segments, key=lambda s: s.doc_count_all()):
        size = segment.doc_count_all()
        if merged + size <= limit:
            reader = SegmentReader(_WholeFiles(writer.storage.folder, supports_mmap=False), writer.schema, segment)
            writer.add_reader(reader)
            reader.close()
            merged += size
        else:
            keep.append(segment)
    return keep


class _WholeFiles(FileStorage):
    """A folder whose files are read whole into memory when opened. A merge reads every term of
    the small segments it folds; through whoosh's reads of a part of a file (a seek and a read in
    Python for each few bytes), that is most of the merge."""

    def open_file(self, name, *args, **kwargs):
        from whoosh.filedb.structfile import BufferFile

        with open(self._fpath(name), "rb") as file:
            return BufferFile(file.read(), name=name)


def _purge_deleted(ix, folder: Path, ids: AbstractSet[str] | None = None) -> None:
    """Rewrite, one by one, the segments still holding replaced or deleted documents; with `ids`,
    only those holding a version of one of these documents. A segment holds a document's id as
    long as it holds any version of it, live or replaced, so every older version of a withdrawn
    story goes (the one before its last plain edit too), and the big segment is rewritten (seconds
    at 5,000 stories) only when it holds one, not for every replaced version it keeps until a merge."""
    while True:
        dirty = [s for s in ix._segments() if s.has_deletions() and (ids is None or _holds_any(ix, s, ids))]
        if not dirty:
            return
        target = dirty[0]

        def rewrite(writer, segments, target=target):
            if target.doc_count():  # (one with no live document left goes: not copied as an empty segment)
                reader = SegmentReader(writer.storage, writer.schema, target)
                writer.add_reader(reader)  # copies live documents only
                reader.close()
            return [s for s in segments if s.segment_id() != target.segment_id()]

        _writer(ix, folder).commit(mergetype=rewrite)


def _holds_any(ix, segment, ids: AbstractSet[str]) -> bool:
    """Does `segment` hold a version (live or replaced) of one of the documents `ids`? Its terms
    keep a replaced document's id until the segment is rewritten."""
    reader = SegmentReader(ix.storage, ix.schema, segment)
    try:
        return any(("id", doc_id) in reader for doc_id in ids)
    finally:
        reader.close()


def source_signature(settings: Settings, config_file: Path | None = None) -> str:
    """Cheap fingerprint of everything an index depends on (see `freshness.sources_signature`)."""
    from harvest.search.freshness import current_signature

    return current_signature(settings, config_file)


def current_report(folder: Path, signature: str, prompts: Iterable[Prompt] | None = None) -> UpdateReport | None:
    """The report of an update that finds nothing to do, when the index in `folder` was made from
    exactly these sources (and is whole); else None. (With the `prompts`, a manifest head that
    lacks or misses what a query reads is written.)"""
    start = time.perf_counter()
    manifest = read_manifest(folder)
    if not manifest or manifest.get("sources") != signature:
        return None
    try:
        ix = FileStorage(str(folder), supports_mmap=False, readonly=True).open_index()
        whole = ix.latest_generation() == manifest.get("generation")
        ix.close()
    except Exception:  # noqa: BLE001 - damaged in any way whoosh may raise: the update rebuilds it
        return None
    if not whole:
        return None
    head = _manifest_head(folder)
    if prompts is not None and (head is None or "schema_text" not in head):  # (made by an earlier Harvest)
        text = schema_text(prompts)
        _write_manifest_head(folder, manifest, text if schema_key(prompts) == manifest.get("schema") else None)
    return UpdateReport(unchanged=len(manifest.get("documents", {})), seconds=time.perf_counter() - start)


def open_index(settings: Settings, manifest: dict | None = None):
    """The profile's index for reading, or a clear error when there is none. `manifest`: its
    manifest when the caller has just read it (5,000 stories: 0.3 MB of JSON, not read twice)."""
    folder = index_dir(settings)
    if not index.exists_in(str(folder)) or (manifest if manifest is not None else read_manifest(folder)) is None:
        raise HarvestError(
            [
                Problem(
                    settings.display_path(folder),
                    None,
                    "index",
                    f"no search index for profile '{settings.profile}' yet",
                    "run `harvest index` (or build the site) first",
                )
            ]
        )
    # Without mmap: whoosh copies each memory-mapped part into a BytesIO when it opens it, a
    # tenth of a second at 5,000 stories, where a query reads only a few blocks.
    return FileStorage(str(folder), supports_mmap=False, readonly=True).open_index()
