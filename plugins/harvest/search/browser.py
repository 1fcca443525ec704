"""The site's own search index: small script files the browser loads on demand.

Why not Material's search: its one JSON index (24 MB at 5,000 stories) is parsed
whole before the first result (6.7 s from file://), and from file:// it needs a
web-worker shim. Here terms are split by their first two letters into shards
(`search/t/N.js`) and story cards into blocks (`search/d/N.js`); each file is a
script that registers itself (`harvestSearch.terms(...)`), so it loads with a
<script> tag from file:// as well as from a server, and a query only loads the
shards of the words being typed.

Postings carry where a term occurs (title, summary, lesson, contributor, place,
event, text) and how often in the text, so the browser ranks title matches first.
Terms come from `analysis.tokens`, which the browser repeats exactly.

A story told in several languages is one result: the manifest lists the documents of each
such story (`stories`), and each card the story's other versions (language name, URL).
For "did you mean", the words of the index with the number of stories using each are in
`search/v/<code point of the first letter>.js`: only the letter of a word that found nothing
is loaded (the terminal's rule: a suggestion shares the first letter). They come from the
same published documents as the terms, so no word of a withheld story is among them.
With stories from the archives we follow (federation), the manifest lists the archives
(`archives`: [[key, name], …], ours first, key ""), a peer story's card ends with its
archive's number (after its other versions), and `search/a.js` gives every document's
archive number, loaded only when the reader filters by archive.
Same documents in, same bytes out: no clock, no randomness, sorted keys.
"""

from __future__ import annotations

import hashlib
import json
from array import array
from collections.abc import Callable
from functools import cache, partial
from operator import sub
from typing import Any

from harvest.search.analysis import ANALYSIS_VERSION
from harvest.search.corpus import FIELD_BITS, Corpus

FORMAT = 1
DOCS_PER_FILE = 100
SHARD_TARGET_BYTES = 40_000
MAX_SHARDS = 1024
MIN_TERM_CHARS = 2  # the browser searches from the second letter typed


@cache
def shard_of(term: str, shards: int) -> int:
    """FNV-1a over the code points of the term's first two characters (the browser repeats it)."""
    if len(term) > 2:
        return shard_of(term[:2], shards)
    value = 2166136261
    for char in term:
        value ^= ord(char)
        value = (value * 16777619) & 0xFFFFFFFF
    return value % shards


def _js(call: str, *args) -> bytes:
    body = ",".join(json.dumps(a, ensure_ascii=False, separators=(",", ":"), sort_keys=True) for a in args)
    return f"harvestSearch.{call}({body});\n".encode()


class BrowserMemo:
    """Under `harvest serve`, what the last index was made of, for the next rebuild: each file's
    bytes with its inputs. A rebuild's corpus keeps the very arrays of the terms no changed story
    uses (`CorpusMemo` patches the others into new arrays, never in place), so a term shard whose
    arrays are the same objects, or a block of cards or words that is an equal list, gives the
    same bytes: only the files of what changed are made anew."""

    def __init__(self) -> None:
        self.files: dict[str, tuple[Any, bytes]] = {}

    def file(self, name: str, same: Callable[[Any, Any], bool], inputs: Any, make: Callable[[], bytes]) -> bytes:
        """`make()`, unless the last bytes of `name` were made from inputs `same` as these."""
        last = self.files.get(name)
        data = last[1] if last is not None and same(last[0], inputs) else make()
        self._next[name] = (inputs, data)
        return data

    def begin(self) -> None:
        self._next: dict[str, tuple[Any, bytes]] = {}

    def end(self) -> None:
        self.files = self._next  # only this build's files: nothing of a story withheld since stays


def _equal(a: object, b: object) -> bool:
    return a == b


ShardInputs = tuple[int, tuple[str, ...], tuple[array, ...]]  # (shard count, its terms, their arrays)


def _same_arrays(last: ShardInputs, now: ShardInputs) -> bool:
    """The same terms with the very same arrays (never changed in place)."""
    return last[0] == now[0] and last[1] == now[1] and all(a is b for a, b in zip(last[2], now[2], strict=True))


def build_browser_index(
    corpus: Corpus, urls: dict[str, str], own_name: str = "", memo: BrowserMemo | None = None
) -> dict[str, bytes]:
    """-> {path under the site's `search/` folder: file content}.

    `urls` maps story id to its page URL relative to the site root (as MkDocs
    writes it, so both URL styles work). Document numbers follow the archive's
    order (newest first), which is also the browser's tie-break. `memo` (serve)
    gives the same bytes, made only for what changed since the last call.
    """
    memo = memo or BrowserMemo()
    memo.begin()
    archives: dict[str, tuple[int, str]] = {"": (0, own_name)}  # key -> (number, name)
    for doc in corpus.docs:
        if doc.archive not in archives:
            archives[doc.archive] = (len(archives), doc.archive_name)
    archive_of = [archives[doc.archive][0] for doc in corpus.docs]
    cards = [
        [
            urls[doc.id],
            doc.title,
            doc.date.isoformat(),
            doc.place,
            doc.summary,
            _other_versions(doc, urls),
            *([archive] if archive else []),
        ]
        for doc, archive in zip(corpus.docs, archive_of, strict=True)
    ]
    numbers = {doc.id: number for number, doc in enumerate(corpus.docs)}
    stories: dict[str, list[int]] = {}
    for doc in corpus.docs:
        if doc.versions:
            stories.setdefault(doc.story, []).append(numbers[doc.id])
    postings = {term: values for term, values in corpus.postings.items() if len(term) >= MIN_TERM_CHARS}
    total = sum(len(term) + len(values) * 3 for term, values in postings.items())
    shards = max(1, min(MAX_SHARDS, round(total / SHARD_TARGET_BYTES)))
    grouped: list[list[str]] = [[] for _ in range(shards)]
    for term in sorted(postings):
        grouped[shard_of(term, shards)].append(term)

    files: dict[str, bytes] = {}
    for i, terms in enumerate(grouped):  # one shard's postings as lists at a time (all: ~50 MB at 5,000)
        inputs = (shards, tuple(terms), tuple(postings[term] for term in terms))
        files[f"t/{i}.js"] = memo.file(f"t/{i}.js", _same_arrays, inputs, partial(_terms_js, i, terms, postings))
    vocabulary = _vocabulary(postings)
    for first, words in sorted(vocabulary.items()):
        files[f"v/{first}.js"] = memo.file(f"v/{first}.js", _equal, words, partial(_js, "vocabulary", first, words))
    for start in range(0, len(cards), DOCS_PER_FILE):
        number, block = start // DOCS_PER_FILE, cards[start : start + DOCS_PER_FILE]
        files[f"d/{number}.js"] = memo.file(f"d/{number}.js", _equal, block, partial(_js, "docs", number, block))
    if len(archives) > 1:
        files["a.js"] = _js("archives", archive_of)
    digest = hashlib.sha256()
    for name in sorted(files):
        digest.update(name.encode() + b"\0" + files[name])
    manifest = {
        "format": FORMAT,
        "analysis": ANALYSIS_VERSION,
        "version": digest.hexdigest()[:16],
        "shards": shards,
        "docs": len(cards),
        "docsPerFile": DOCS_PER_FILE,
        "fieldBits": FIELD_BITS,
        "minTermChars": MIN_TERM_CHARS,
        "stories": sorted(stories.values()),  # documents that are one story in several languages
        "vocabulary": sorted(vocabulary),  # first letters (code points) with a word list
    }
    if len(archives) > 1:
        manifest["archives"] = [[key, name] for key, (_, name) in archives.items()]
    files["manifest.js"] = _js("manifest", manifest)
    memo.end()
    return files


def _terms_js(shard: int, terms: list[str], postings: dict[str, array]) -> bytes:
    return _js("terms", shard, {term: _delta(postings[term]) for term in terms})


def _other_versions(doc, urls: dict[str, str]) -> list[list[str]]:
    return [[name, lang, urls[version]] for version, lang, _page, name in doc.versions if version != doc.id]


def _vocabulary(postings: dict) -> dict[int, dict[str, int]]:
    """First letter's code point -> {word: stories using it}, for words a suggestion may be
    (the terminal suggests only words of letters)."""
    by_first: dict[int, dict[str, int]] = {}
    for term, values in postings.items():
        if term.isalpha():
            by_first.setdefault(ord(term[0]), {})[term] = len(values) // 2
    return by_first


def _delta(values) -> list[int]:
    """[doc, code, doc, code, ...] with each doc number stored as the gap from the previous one."""
    gaps = values.tolist()
    docs = gaps[0::2]
    gaps[2::2] = list(map(sub, docs[1:], docs))  # (C's loop: a third of the browser index's time at 5,000)
    return gaps
