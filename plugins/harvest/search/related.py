"""Related stories, computed only when what they are computed from changed.

`RelatedMemo.related(archive, corpus, count)` gives what `similar.related_stories` gives. Its
key is a digest of exactly what that computation reads: the number of documents, per published
story in order its id, date, lessons, place and event, its most frequent words with their
counts and their document frequencies, the number asked for, and the code that computes it
(Harvest's version and core, and the search modules involved). The last result is kept in
memory (the plugin lives across `serve` rebuilds) and on disk in `.harvest/cache/related-*.json`
(one file per profile), written as the story cache writes its files: a header line with the
format, Harvest's code version, the key and the body's checksum, atomically, owner-only. A file
that is missing, foreign, corrupt or names a story not published now is ignored and written anew.
It holds story ids only, never text; the published stories are part of the key, so a story
withheld since is never handed out from it.
"""

from __future__ import annotations

import hashlib
import json
from functools import lru_cache
from pathlib import Path

from harvest.core.archive import Archive
from harvest.core.cache import cache_dir, code_version, read_cache_file, usable_folder, write_cache_file
from harvest.core.model import Story
from harvest.search.corpus import Corpus
from harvest.search.similar import related_indexes

FORMAT = 1
NAMESPACE = "related"
_CODE = ("analysis.py", "corpus.py", "documents.py", "plaintext.py", "similar.py", "related.py")


@lru_cache(maxsize=1)
def search_code() -> str:
    """Harvest's version and core (core.cache.code_version) and the code of related stories."""
    sha = hashlib.sha256(code_version().encode())
    folder = Path(__file__).resolve().parent
    for name in _CODE:
        sha.update(name.encode() + b"\0" + folder.joinpath(name).read_bytes())
    return sha.hexdigest()[:24]


def inputs_key(stories: list[Story], corpus: Corpus, count: int) -> str:
    """A digest of everything `similar.related_indexes` reads."""
    sha = hashlib.sha256(json.dumps([FORMAT, search_code(), count, len(corpus.docs), len(stories)]).encode())
    postings = corpus.postings
    rows = [
        [
            story.id,
            story.date.isoformat(),
            story.lessons,
            story.place_key,
            story.event,
            [(term, n, len(postings.get(term, ())) // 2) for term, n in frequent],  # (document frequency)
        ]
        for story, frequent in zip(stories, corpus.frequent, strict=True)
    ]
    sha.update(json.dumps(rows, ensure_ascii=False).encode("utf-8", "surrogatepass"))
    return sha.hexdigest()


class RelatedMemo:
    """The last related stories, by the key of their inputs: in memory and (when `cache`) on disk."""

    def __init__(self) -> None:
        self.last: tuple[str, dict[str, list[str]]] | None = None
        self.computed = False  # did the last call compute (rather than reuse)?

    def related(self, archive: Archive, corpus: Corpus, count: int) -> dict[str, list[Story]]:
        stories = archive.stories
        if [doc.id for doc in corpus.docs] != [story.id for story in stories]:
            raise ValueError("the corpus is not this archive's")
        key = inputs_key(stories, corpus, count)
        settings = archive.settings
        file = cache_dir(settings.project_dir) / f"{NAMESPACE}-{_profile_part(settings.profile)}.json"
        header = {"format": FORMAT, "namespace": NAMESPACE, "harvest": search_code(), "key": key}
        by_id = {story.id: story for story in stories}
        found = self.last[1] if self.last is not None and self.last[0] == key else None
        if found is None and settings.cache:
            found = read_cache_file(file, header).get("related")
        chosen = _checked(found, by_id, count)
        self.computed = chosen is None
        if chosen is None:
            indexes = related_indexes(stories, corpus, count)
            chosen = {story.id: [stories[other].id for other in indexes[n]] for n, story in enumerate(stories)}
            if settings.cache:
                try:
                    if usable_folder(file.parent):
                        write_cache_file(file, header, {"related": chosen})
                except OSError:
                    pass  # the cache is only a saving
        self.last = (key, chosen)
        return {story_id: [by_id[other] for other in others] for story_id, others in chosen.items()}


def _profile_part(profile: str) -> str:
    return hashlib.sha256(profile.encode("utf-8", "surrogatepass")).hexdigest()[:12]


def _checked(found: object, by_id: dict[str, Story], count: int) -> dict[str, list[str]] | None:
    """`found` when it names related stories for exactly the published stories, each among them."""
    if not isinstance(found, dict) or found.keys() != by_id.keys():
        return None
    for story_id, others in found.items():
        if (
            type(others) is not list
            or len(others) > count
            or not all(type(o) is str and o in by_id and o != story_id for o in others)
        ):
            return None
    return found
