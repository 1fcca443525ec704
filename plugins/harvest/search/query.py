"""Queries against the whoosh index: parse, check, run, snippet, "did you mean".

The query language is whoosh's: words (all must match), "phrases", field:word,
AND / OR / NOT, parentheses, wildcards (flood*), date ranges
(date:[2025-01 to 2025-06], date:>2025-03). Words also match their English
variants (drill finds drills, drilled), expanded at query time so the index keeps
real words. Mistakes become a `QueryError` with a one-line message.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import islice

from whoosh import query as q
from whoosh.query import Variations

from harvest.core.problems import did_you_mean
from harvest.core.settings import Prompt
from harvest.search.analysis import WORD, fold
from harvest.search.index import CORE_FIELDS, answer_field, index_dir, open_index, text_words
from harvest.search.plaintext import WITHHELD, WITHHELD_TEXT, shown
from harvest.search.variations import variations
from harvest.search.vocabulary import SearchVocabulary

SNIPPET_CHARS = 220
ALIASES = {"lesson": ["lessons"], "contributor": ["contributors", "by"], "body": ["text"]}
DATE_HINT = "use a date like 2025, 2025-06 or 2025-06-14, or a range like date:[2025-01 to 2025-06]"
_FIELD_PREFIX = re.compile(r"(?:^|(?<=[\s(]))[-+]?([^\W\d][\w-]*):(?=\S)")
_QUOTED = re.compile(r'"[^"]*"')
_SPACES = re.compile(r"\s+")
# A query of plain words only (the usual one): its whoosh query is made without whoosh's parser,
# which a new process would import and set up for it (~10 ms of a `harvest search`). Anything
# else (quotes, field:, operators, wildcards, ranges, groups, punctuation) goes to the parser.
_PLAIN = re.compile(r"\s*[^\W_]+(?:\s+[^\W_]+)*\s*")
_OPERATORS = frozenset({"AND", "OR", "NOT", "ANDNOT", "ANDMAYBE", "REQUIRE", "TO"})


class QueryError(Exception):
    """A query the user must fix (one line, with a hint)."""


@dataclass
class Hit:
    """One story found."""

    id: str
    title: str
    date: str
    page: str
    place: str
    lessons: list[str]
    contributors: list[str]
    score: float
    snippet: str
    matches: list[tuple[int, int]] = field(default_factory=list)  # spans of `snippet` that matched
    lang: str = ""
    languages: list[tuple[str, str, str]] = field(default_factory=list)  # other versions: (lang, page, name)
    archive_name: str = ""  # a peer archive's story: that archive's name; "" for ours


@dataclass
class Results:
    """The stories found (`limit` at most), how many matched in all, and a corrected query."""

    hits: list[Hit]
    total: int
    suggestion: str | None = None


def open_searcher(settings, manifest: dict | None = None) -> Searcher:
    """A Searcher on the profile's index (a clear `HarvestError` when there is none yet);
    `manifest`: the index's manifest, when the caller has just read it."""
    ix = open_index(settings, manifest)
    return Searcher(ix, settings.prompts, SearchVocabulary.load(index_dir(settings), ix.latest_generation()))


class Searcher:
    """A parser and a whoosh searcher for one index; reuse it for many queries."""

    def __init__(self, ix, prompts: tuple[Prompt, ...], vocabulary: SearchVocabulary | None = None):
        self.ix = ix
        self.vocabulary = vocabulary
        self.answers = [answer_field(p.id) for p in prompts if answer_field(p.id) in ix.schema]
        self.text_fields = list(CORE_FIELDS) + self.answers
        aliases = {name: list(values) for name, values in ALIASES.items()}
        for prompt in prompts:  # `missing:generator` searches the answers to the prompt `missing`
            alias = prompt.id.replace("-", "_")
            if alias not in ix.schema.names() and answer_field(prompt.id) in ix.schema:
                aliases.setdefault(answer_field(prompt.id), []).append(alias)
        hidden = {"meta", "archive"}  # stored only: nothing to search in
        self.aliases = aliases
        self.field_names = (set(ix.schema.names()) - hidden) | {a for values in aliases.values() for a in values}
        forms = _forms if vocabulary is None else lru_cache(maxsize=256)(lambda word: _known_forms(word, vocabulary))
        self.termclass = type("Variations", (_Variations,), {"forms": staticmethod(forms)})
        self._parser = None
        self.searcher = ix.searcher()
        self.story_of = _stories_in_several_languages(self.searcher.reader())

    def close(self) -> None:
        self.searcher.close()
        self.ix.close()

    # --- parsing ---------------------------------------------------------------------------

    @property
    def parser(self):
        """whoosh's query parser, made on first use (a query of plain words needs none)."""
        if self._parser is None:
            from whoosh.qparser import FieldAliasPlugin, GtLtPlugin, MultifieldParser

            self._parser = MultifieldParser(list(CORE_FIELDS), self.ix.schema, termclass=self.termclass)
            self._parser.add_plugin(GtLtPlugin())
            self._parser.add_plugin(FieldAliasPlugin(self.aliases))
        return self._parser

    def parse(self, text: str) -> q.Query:
        _check_syntax(text, self.field_names)
        plain = self._plain(text)
        if plain is not None:
            return plain
        try:
            parsed = self.parser.parse(text)
        except Exception as error:  # noqa: BLE001 - whoosh raises plain exceptions for impossible dates
            raise QueryError(f"{_message(error)}; {DATE_HINT}") from None
        if _has_null(parsed):
            raise QueryError(f"part of the query could not be read (a date?); {DATE_HINT}")
        return parsed

    def _plain(self, text: str) -> q.Query | None:
        """The query whoosh's parser makes of words only (each in any text field, all of them
        required), made directly; None for any other query. tests/test_search.py holds the two
        to the same query objects."""
        if not _PLAIN.fullmatch(text):
            return None
        words = text.split()
        if any(word in _OPERATORS for word in words):
            return None
        terms = []
        for word in words:
            folded = text_words(word)
            if len(folded) != 1:
                return None
            terms.append(q.Or([self.termclass(name, folded[0]) for name in CORE_FIELDS]))
        return q.And(terms).normalize()

    # --- searching -------------------------------------------------------------------------

    def search(self, text: str, limit: int = 10, newest: bool = False, archive: str | None = None) -> Results:
        """`archive`: only the stories of one archive (a peer's name in federation.yml, or
        index.OWN_ARCHIVE for ours)."""
        parsed = self.parse(text)
        only = q.Term("archive", archive) if archive is not None else None
        # optimize=False: no block skipping, but the total is counted in the same pass (whoosh
        # would otherwise run the query a second time to count) -- faster overall here.
        # A story told in several languages is one result (its best-ranked version): ask for
        # enough hits that `limit` stories remain once the other versions are left out.
        wanted = limit + len(self.story_of)
        if newest:
            found = self.searcher.search(parsed, limit=wanted, sortedby="date", reverse=True, filter=only)
        else:
            found = self.searcher.search(parsed, limit=wanted, optimize=False, filter=only)
        words = self._matched_words(parsed)
        seen: set[str] = set()
        hits: list[Hit] = []
        for hit in found:
            story = self.story_of.get(hit.docnum)
            if story is not None:
                if story in seen:
                    continue
                seen.add(story)
            if len(hits) < limit:
                hits.append(self._hit(hit, words))
        total = len(found)
        if self.story_of:  # each story once: versions matched beyond the first don't count
            matched = found.docs()
            per_story = Counter(story for docnum, story in self.story_of.items() if docnum in matched)
            total -= sum(count - 1 for count in per_story.values())
        suggestion = self.suggest(text, parsed)
        return Results(hits, total, suggestion)

    def _matched_words(self, parsed: q.Query) -> set[str]:
        """Index words the query matches (variants and wildcards expanded), for highlighting.
        (whoosh's own `existing_terms` stops after the first field.)"""
        reader, words = self.searcher.reader(), set()
        for leaf in parsed.leaves():
            if leaf.field() in self.text_fields:
                for _name, text in leaf.expanded_terms(reader, phrases=True):
                    words.add(text.decode("utf-8") if isinstance(text, bytes) else text)
        return words

    def _hit(self, hit, words: set[str]) -> Hit:
        stored = hit.fields()
        meta = stored.get("meta", {})
        text, matches = snippet(stored.get("body", ""), words)
        if not matches:  # matched by a title, lesson, date...: the summary says what the story is
            text, matches = snippet(stored.get("summary", ""), words)
        versions = meta.get("versions", [])
        return Hit(
            id=stored["id"],
            title=stored.get("title", ""),
            date=stored["date"].date().isoformat(),
            page=meta.get("page", ""),
            place=stored.get("place", ""),
            lessons=meta.get("lessons", []),
            contributors=meta.get("contributors", []),
            score=round(float(hit.score or 0.0), 3),
            snippet=text,
            matches=matches,
            lang=stored.get("lang", ""),
            languages=[(lang, page, name) for version_id, lang, page, name in versions if version_id != stored["id"]],
            archive_name=meta.get("archive_name", ""),
        )

    # --- did you mean ----------------------------------------------------------------------

    def suggest(self, text: str, parsed: q.Query) -> str | None:
        """The query with each unknown word replaced by the closest known one, if any."""
        if self.vocabulary is None:
            return None
        corrected, changed = text, False
        for word in sorted({w for n, w in parsed.iter_all_terms() if n in self.text_fields}):
            word = word.decode("utf-8") if isinstance(word, bytes) else word
            if not word.isalpha() or len(word) < 3 or any(f.decode("utf-8") in self.vocabulary for f in _forms(word)):
                continue
            near = self.vocabulary.near(word, _distance)
            if not near:
                continue
            new = re.sub(rf"(?i)(?<!\w){re.escape(word)}(?!\w)", near[0][2], corrected)
            changed = changed or new != corrected
            corrected = new
        return corrected if changed else None


def _stories_in_several_languages(reader) -> dict[int, str]:
    """docnum -> the story it tells, for the (few) documents that are one version of several."""
    if "story" not in reader.schema.names():
        return {}
    story_of = {}
    for key in reader.lexicon("story"):
        for docnum in reader.postings("story", key).all_ids():
            if not reader.is_deleted(docnum):
                story_of[docnum] = key.decode("utf-8") if isinstance(key, bytes) else key
    return story_of


def snippet(text: str, words: set[str], size: int = SNIPPET_CHARS) -> tuple[str, list[tuple[int, int]]]:
    """The window of `text` (about `size` characters) holding the most matched words, and their
    spans in it. Words are matched as the index sees them (`analysis.fold`)."""
    flat = _SPACES.sub(" ", text).strip()
    hits = _find_words(flat, frozenset(words))[:200]
    if not hits:
        return _withheld_shown(flat[:size].rsplit(" ", 1)[0] + " …" if len(flat) > size else flat, [])
    best, best_count = 0, 0
    for i, (first, _) in enumerate(hits):  # the window starting at each hit: which covers most?
        count = sum(1 for a, b in hits[i:] if b <= first + size)
        if count > best_count:
            best, best_count = i, count
    start = max(0, hits[best][0] - size // 4)
    start = 0 if start == 0 else flat.find(" ", start) + 1 or start
    end = min(len(flat), start + size)
    if end < len(flat):
        end = flat.rfind(" ", start, end) if flat.rfind(" ", start, end) > hits[best][1] else end
    prefix = "… " if start > 0 else ""
    spans = [(a - start + len(prefix), b - start + len(prefix)) for a, b in hits if a >= start and b <= end]
    return _withheld_shown(prefix + flat[start:end] + (" …" if end < len(flat) else ""), spans)


def _withheld_shown(text: str, spans: list[tuple[int, int]]) -> tuple[str, list[tuple[int, int]]]:
    """Each withheld passage's marker written as "[withheld]" (as the page shows it), spans moved along."""
    if WITHHELD not in text:
        return text, spans
    grow = len(WITHHELD_TEXT) - len(WITHHELD)
    marks = [i for i, char in enumerate(text) if char == WITHHELD]
    moved = [(a + grow * sum(m < a for m in marks), b + grow * sum(m < b for m in marks)) for a, b in spans]
    return shown(text), moved


def _find_words(text: str, words: frozenset[str]) -> list[tuple[int, int]]:
    if not words:
        return []
    if text.isascii():  # one regular expression instead of folding every word: ~10x faster
        return [m.span() for m in _ascii_pattern(words).finditer(text)]
    return [m.span() for m in WORD.finditer(text) if fold(m.group()) in words]


@lru_cache(maxsize=64)
def _ascii_pattern(words: frozenset[str]) -> re.Pattern:
    """Whole words only, as `analysis.WORD` cuts them (runs of letters and digits)."""
    options = "|".join(re.escape(w) for w in sorted(words, key=lambda w: (-len(w), w)) if w.isascii())
    return re.compile(rf"(?<![^\W_])(?:{options or '(?!)'})(?![^\W_])", re.IGNORECASE)


PREFIX_MIN = 3  # shorter words would match half the vocabulary
PREFIX_MAX = 50  # index words one prefix may stand for (the most common first in whoosh's order)


class _Variations(Variations):
    """whoosh's `Variations` (drill finds drills, drilled), trying only forms the index has anywhere
    (`forms`) and remembering per segment which it has: whoosh asks several times per search."""

    forms = None  # set per Searcher: word -> candidate forms as bytes

    def _btexts(self, ixreader):
        cache = self.__dict__.setdefault("_found", {})
        key = id(ixreader)
        if key not in cache:
            found = [f for f in self.forms(self.text) if (self.fieldname, f) in ixreader]
            if len(self.text) >= PREFIX_MIN:  # as the site's search does: "heat" finds "heatwave"
                found += [
                    f for f in islice(ixreader.expand_prefix(self.fieldname, self.text), PREFIX_MAX) if f not in found
                ]
            cache[key] = found
        return iter(cache[key])


def _known_forms(word: str, vocabulary: SearchVocabulary) -> tuple[bytes, ...]:
    """The forms of `word` some story uses (asked once per field: remembered per Searcher)."""
    return tuple(f for f in _forms(word) if f.decode("utf-8") in vocabulary)


@lru_cache(maxsize=4096)
def _forms(word: str) -> tuple[bytes, ...]:
    return tuple(sorted({word.encode("utf-8"), *(v.encode("utf-8") for v in variations(word))}))


def _check_syntax(text: str, known_fields: set[str]) -> None:
    if not text.strip():
        raise QueryError('empty query; give a word, a "phrase" or field:value')
    if text.count('"') % 2:
        raise QueryError('a quote is not closed: every " needs a partner')
    outside = _QUOTED.sub(" ", text)
    for opening, closing in ("()", "[]", "{}"):
        depth = 0
        for char in outside:
            depth += (char == opening) - (char == closing)
            if depth < 0:
                raise QueryError(f"'{closing}' without a matching '{opening}'")
        if depth:
            raise QueryError(f"'{opening}' is never closed with '{closing}'")
    for match in _FIELD_PREFIX.finditer(outside):
        name = match.group(1)
        if name not in known_fields:
            hint = did_you_mean(name, sorted(known_fields))
            raise QueryError(f"unknown field '{name}:'" + (f"; {hint}" if hint else ""))


def _has_null(query: q.Query) -> bool:
    if query is q.NullQuery or type(query).__name__ == "_NullQuery":
        return True
    return any(_has_null(child) for child in query.children())


def _message(error: Exception) -> str:
    text = str(error).strip().rstrip(".") or type(error).__name__
    return text[0].lower() + text[1:]


def _distance(a: str, b: str) -> float:
    """Edit distance where a missing, extra or swapped letter (the usual typos) costs a little
    less than a wrong one, so 'flod' suggests 'flood' before 'food'."""
    rows = [[0.0] * (len(b) + 1) for _ in range(len(a) + 1)]
    for i in range(len(a) + 1):
        rows[i][0] = i * 0.9
    for j in range(len(b) + 1):
        rows[0][j] = j * 0.9
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            best = min(rows[i - 1][j] + 0.9, rows[i][j - 1] + 0.9, rows[i - 1][j - 1] + (a[i - 1] != b[j - 1]))
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                best = min(best, rows[i - 2][j - 2] + 0.9)
            rows[i][j] = best
    return round(rows[-1][-1], 3)
