"""Every word of an index with the number of stories using it, kept beside the whoosh index.

whoosh can answer "is this word indexed?" only field by field and segment by
segment, and its fuzzy word search is slow in Python. One small word list answers
both at once: which variants of a query word exist (drill -> drills, drilled) and
which known words are close to a misspelled one ("did you mean"). It is updated
with the index: words of new versions added, words of old versions taken away.
"""

from __future__ import annotations

import json
from bisect import bisect_left
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

from harvest.search.analysis import tokens

FILE = "harvest-wordlist.json"
EARLIER_FILE = "harvest-words.json"  # the earlier form ("words" a mapping): read, never written


def words_of(*texts: str) -> set[str]:
    found: set[str] = set()
    for text in texts:
        found.update(tokens(text))
    return found


class SearchVocabulary:
    def __init__(self, counts: Counter | None = None):
        self._counts: Counter | None = counts if counts is not None else Counter()
        self._stored: tuple[list[str], str] | None = None  # (words, their counts) as `save` wrote them
        self._by_letter: dict[str, list[str]] | None = None

    @property
    def counts(self) -> Counter:
        """Stories per word (read from the file's counts when first needed: only "did you mean"
        and updates need them; a query asks `word in vocabulary`)."""
        if self._counts is None:
            words, counts = self._stored or ([], "")  # (checked by `load`)
            self._counts, self._stored = Counter(dict(zip(words, map(int, counts.split()), strict=True))), None
        return self._counts

    def __contains__(self, word: str) -> bool:
        if self._stored is not None:  # the file's words, sorted, each with a count: a binary search
            words = self._stored[0]
            at = bisect_left(words, word)
            return at < len(words) and words[at] == word
        return self.counts.get(word, 0) > 0

    def add(self, words: Iterable[str]) -> None:
        self.counts.update(words)
        self._by_letter = None

    def absorb(self, counts: Counter) -> None:
        """Add another vocabulary's counts (one made in a second process)."""
        self.counts.update(counts)
        self._by_letter = None

    def remove(self, words: Iterable[str]) -> None:
        for word in words:
            left = self.counts.get(word, 0) - 1
            if left > 0:
                self.counts[word] = left
            else:
                self.counts.pop(word, None)
        self._by_letter = None

    def near(self, word: str, distance, limit: float = 2.0) -> list[tuple[float, int, str]]:
        """Known words within `limit` edits, as (distance, -stories, word), best first.
        Most typos keep the first letter, so only words sharing it are compared."""
        if self._by_letter is None:
            self._by_letter = {}
            for known in self.counts:
                self._by_letter.setdefault(known[:1], []).append(known)
        found = []
        for known in self._by_letter.get(word[:1], ()):
            if known != word and abs(len(known) - len(word)) <= limit:
                d = distance(word, known)
                if d <= limit:
                    found.append((d, -self.counts[known], known))
        return sorted(found)

    # --- on disk, tied to one index generation -------------------------------------------------

    # The words are one string (sorted, one a line) and their counts another (in the same order):
    # two JSON strings and a binary search instead of a mapping of 10,000 words, ~2 ms instead of
    # ~4.5 at each `harvest search` (5,000 stories). A file in the earlier form (another name, so
    # that an earlier Harvest never misreads this one) is read as it was.

    @classmethod
    def load(cls, folder: Path, generation: int | None = None) -> SearchVocabulary | None:
        try:
            data = json.loads((folder / FILE).read_text("utf-8"))
        except FileNotFoundError:
            try:
                data = json.loads((folder / EARLIER_FILE).read_text("utf-8"))
            except (OSError, ValueError):
                return None
        except (OSError, ValueError):
            return None
        if not isinstance(data, dict) or (generation is not None and data.get("generation") != generation):
            return None
        words, counts = data.get("words", {}), data.get("counts", "")
        if isinstance(words, dict):
            return cls(Counter(words))
        if not isinstance(words, str) or not isinstance(counts, str):
            return None
        listed = words.split("\n") if words else []
        damaged = len(listed) != (counts.count(" ") + 1 if counts else 0) or not counts.replace(" ", "").isdigit()
        if damaged and (listed or counts):
            return None  # as if there were none
        vocabulary = cls()
        vocabulary._counts, vocabulary._stored = None, (listed, counts)
        return vocabulary

    def save(self, folder: Path, generation: int) -> None:
        from harvest.core.fileio import atomic_write  # (a query writes nothing)

        kept = sorted((word, count) for word, count in self.counts.items() if count > 0)
        data: dict = {
            "generation": generation,
            "words": "\n".join(word for word, _ in kept),
            "counts": " ".join(str(count) for _, count in kept),
        }
        if any(not word or "\n" in word for word, _ in kept):  # (no token is; else the earlier form)
            data = {"generation": generation, "words": dict(kept)}
        atomic_write(folder / FILE, json.dumps(data, ensure_ascii=False, separators=(",", ":")))
        (folder / EARLIER_FILE).unlink(missing_ok=True)  # (an earlier Harvest finds none: it counts again)
