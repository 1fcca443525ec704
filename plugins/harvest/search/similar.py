"""Related stories: more-like-this over the story text (body and prompt answers), plus shared lessons.

As whoosh's more-like-this does, each story is reduced to its key terms (its most
frequent words, weighted tf-idf); stories sharing heavy key terms are alike. To stay
linear, a story is compared only with the stories where each of its key terms
weighs most (at most `PER_TERM` per term) and with its neighbours in time in each
of its lessons and its place. Computed once per build from the shared corpus, and
only over the archive's stories, so a related link never points to a withheld story.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence

from harvest.core.archive import Archive
from harvest.core.model import Story
from harvest.search.corpus import Corpus

KEY_TERMS = 10
PER_TERM = 16
NEIGHBOURS = 6  # per lesson or place, on each side in time
WEIGHTS = {"text": 1.0, "lesson": 0.35, "place": 0.1, "event": 0.05}


def key_terms(corpus: Corpus) -> list[dict[str, float]]:
    """Per document: up to KEY_TERMS words -> weight (a unit vector)."""
    total = len(corpus.docs)
    common = max(2, total // 2)  # a word in half the stories says nothing about likeness
    result = []
    for frequent in corpus.frequent:
        weights = {}
        for term, count in frequent:
            df = corpus.document_frequency(term)
            if 2 <= df <= common:
                weights[term] = count * math.log(total / df)
        top = sorted(weights.items(), key=lambda item: (-item[1], item[0]))[:KEY_TERMS]
        norm = math.sqrt(sum(w * w for _, w in top)) or 1.0
        result.append({term: w / norm for term, w in top})
    return result


def _neighbours(groups: dict, position: dict, key, index: int) -> list[int]:
    members = groups[key]
    at = position[key][index]
    return members[max(0, at - NEIGHBOURS) : at + NEIGHBOURS + 1]


def related_stories(archive: Archive, corpus: Corpus, count: int) -> dict[str, list[Story]]:
    """story id -> up to `count` related stories; `corpus` is the archive's (corpus_of)."""
    stories = archive.stories
    chosen = related_indexes(stories, corpus, count)
    return {story.id: [stories[other] for other in chosen[index]] for index, story in enumerate(stories)}


def related_indexes(stories: Sequence[Story], corpus: Corpus, count: int) -> list[list[int]]:
    """Per story (by its index in `stories`, the corpus's order), the indexes of its related stories."""
    keys = key_terms(corpus)
    by_term: dict[str, list[tuple[float, int]]] = defaultdict(list)
    for index, weights in enumerate(keys):
        for term, weight in weights.items():
            by_term[term].append((weight, index))
    heaviest = {term: sorted(entries, key=lambda e: (-e[0], e[1]))[:PER_TERM] for term, entries in by_term.items()}

    # What scoring reads of each story, read once (place_key is a property that slugifies).
    places = [story.place_key for story in stories]
    events = [story.event for story in stories]
    days = [story.date.toordinal() for story in stories]
    lesson_sets = [frozenset(story.lessons) for story in stories]
    groups: dict[tuple, list[int]] = defaultdict(list)  # lesson/place -> story indexes, oldest first
    for index in sorted(range(len(stories)), key=lambda i: (stories[i].date, stories[i].id)):
        for lesson in stories[index].lessons:
            groups[("lesson", lesson)].append(index)
        groups[("place", places[index])].append(index)
    position = {key: {index: at for at, index in enumerate(members)} for key, members in groups.items()}

    lesson_weight, place_weight, event_weight = WEIGHTS["lesson"], WEIGHTS["place"], WEIGHTS["event"]
    text_weight = WEIGHTS["text"]
    result: list[list[int]] = []
    for index, story in enumerate(stories):
        text: dict[int, float] = defaultdict(float)
        for term, weight in keys[index].items():
            for other_weight, other in heaviest[term]:
                text[other] += weight * other_weight
        candidates = set(text)
        for lesson in story.lessons:
            candidates.update(_neighbours(groups, position, ("lesson", lesson), index))
        candidates.update(_neighbours(groups, position, ("place", places[index]), index))
        candidates.discard(index)
        lessons, place, event, day = lesson_sets[index], places[index], events[index], days[index]
        shared = max(1, len(lessons))
        get = text.get
        scored = []
        for other in candidates:
            peer = stories[other]
            # (the same sum, in the same order, as ever: a tie is decided the same way)
            score = (
                text_weight * get(other, 0.0)
                + lesson_weight * len(lessons & lesson_sets[other]) / shared
                + (place_weight if places[other] == place else 0.0)
                + (event_weight if events[other] == event else 0.0)
            )
            scored.append((-round(score, 9), abs(days[other] - day), peer.id, other))
        scored.sort()
        result.append([entry[3] for entry in scored[:count]])
    return result
