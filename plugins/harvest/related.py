"""Related stories, first version: shared lessons, then place and event, then closeness in time.

Linear in the number of stories: candidates are only a story's nearest neighbours
in time within each group it belongs to, never every other story.
"""
from __future__ import annotations

from collections import defaultdict

from .model import Story

NEIGHBOURS = 8            # per group and direction
WEIGHTS = {"lesson": 3, "place": 2, "event": 1}


def related_stories(stories: list[Story], count: int) -> dict[str, list[Story]]:
    groups: dict[tuple[str, str], list[Story]] = defaultdict(list)
    for story in sorted(stories, key=lambda s: (s.date, s.id)):
        for lesson in story.lessons:
            groups[("lesson", lesson)].append(story)
        groups[("place", story.place_key)].append(story)
        groups[("event", story.event)].append(story)
    position = {key: {s.id: i for i, s in enumerate(members)} for key, members in groups.items()}

    result: dict[str, list[Story]] = {}
    for story in stories:
        scores: dict[str, int] = defaultdict(int)
        by_id: dict[str, Story] = {}
        keys = [("lesson", lesson) for lesson in story.lessons] + [("place", story.place_key), ("event", story.event)]
        for key in keys:
            members, index = groups[key], position[key][story.id]
            for other in members[max(0, index - NEIGHBOURS): index + NEIGHBOURS + 1]:
                if other.id != story.id:
                    scores[other.id] += WEIGHTS[key[0]]
                    by_id[other.id] = other
        ranked = sorted(scores, key=lambda i: (-scores[i], abs((by_id[i].date - story.date).days), i))
        result[story.id] = [by_id[i] for i in ranked[:count]]
    return result
