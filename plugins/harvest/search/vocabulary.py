"""Every word of an index with the number of stories using it, kept beside the whoosh index.

whoosh can answer "is this word indexed?" only field by field and segment by
segment, and its fuzzy word search is slow in Python. One small word list answers
both at once: which variants of a query word exist (drill -> drills, drilled) and
which known words are close to a misspelled one ("did you mean"). It is updated
with the index: words of new versions added, words of old versions taken away.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

from harvest.search.analysis import tokens

FILE = "harvest-words.json"


def words_of(*texts: str) -> set[str]:
    found: set[str] = set()
    for text in texts:
        found.update(tokens(text))
    return found


class SearchVocabulary:
    def __init__(self, counts: Counter | None = None):
        self.counts: Counter = counts if counts is not None else Counter()
        self._by_letter: dict[str, list[str]] | None = None

    def __contains__(self, word: str) -> bool:
        return self.counts.get(word, 0) > 0

    def add(self, words: Iterable[str]) -> None:
        self.counts.update(words)
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

    @classmethod
    def load(cls, folder: Path, generation: int | None = None) -> SearchVocabulary | None:
        try:
            data = json.loads((folder / FILE).read_text("utf-8"))
        except (OSError, ValueError):
            return None
        if generation is not None and data.get("generation") != generation:
            return None
        return cls(Counter(data.get("words", {})))

    def save(self, folder: Path, generation: int) -> None:
        from harvest.core.fileio import atomic_write  # (a query writes nothing)

        atomic_write(
            folder / FILE,
            json.dumps(
                {"generation": generation, "words": dict(sorted(self.counts.items()))},
                ensure_ascii=False,
                separators=(",", ":"),
            ),
        )
