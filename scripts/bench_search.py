#!/usr/bin/env python3
"""Search benchmark: whoosh index (full, one-story update), query latency and browser first results.

    .venv/bin/python scripts/bench_search.py 1000 [--keep DIR] [--no-build]

`measure(project_dir, site_dir)` is what scripts/bench.py calls after its own build;
`__main__` generates N synthetic stories (Zipf-distributed vocabulary, so terms
are spread like real prose), builds the site once with `harvest build` and
measures. Targets (issue 3, at 5,000 stories): one-story re-index <= 1 s, median
query <= 15 ms, browser first results <= 1.0 s from file://.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "plugins"))

QUERIES = ["flood", "generator", "phone tree", '"phone tree"', "kitchen water", "lesson:communication",
           "place:marsh", "contributor:crew", "event:festival", "date:[2021-01 to 2021-06]",
           "flood OR heat", "bread NOT soup", "missing:batteries", "drills", "torches AND maps",
           "vakomi", "selunar", "kestrel", "assembly budget", "couriers"]
REAL_WORDS = ("neighbours kitchen phone tree generator water childcare bike couriers assembly rota shift "
              "volunteers flood drill heat soup bread interpreters banner leaflets tenants rent strike "
              "festival stage sound music elders youth meeting circle facilitator consensus vote budget "
              "bakery pantry shelves tins blankets shelter radio batteries torches maps route van driver "
              "fuel keys storage tables chairs tarp rain wind morning evening night").split()
GLUE = "the a of and to in we it was that for on with as at by our they".split()
PLACES = [f"{a} {b}" for a in ("Lower", "Upper", "North", "South", "Old", "New", "East", "West")
          for b in ("Marsh", "Green", "Yards", "Reach", "Row", "Ford", "Hill", "Quay")]
EVENTS = ("action", "crisis-sim", "festival", "assembly", "mutual-aid", "training")
PROMPTS = ("What surprised us?", "Who stepped forward?", "What resource was missing?")


def _vocabulary(rng: random.Random, size: int) -> list[str]:
    syllables = [c + v for c in "bdfgklmnprstvz" for v in "aeiou"]
    words = set(REAL_WORDS)
    while len(words) < size:
        words.add("".join(rng.choice(syllables) for _ in range(rng.randint(2, 4))))
    ordered = sorted(words)
    rng.shuffle(ordered)
    return GLUE + ordered


def generate_stories(folder: Path, n: int, seed: int = 11, contributors: int = 300) -> None:
    """N valid ~600-word stories in folder/<year>/, Zipf-like word frequencies, the sample vocabularies."""
    rng = random.Random(seed)
    vocab = _vocabulary(rng, 20_000)
    cumulative, total = [], 0.0
    for rank in range(len(vocab)):
        total += 1.0 / (rank + 1.5)
        cumulative.append(total)

    def words(k: int) -> list[str]:
        return rng.choices(vocab, cum_weights=cumulative, k=k)

    def sentence(k: int) -> str:
        return " ".join(words(k)).capitalize() + "."

    def paragraph(k: int) -> str:
        out, count = [], 0
        while count < k:
            size = rng.randint(8, 18)
            out.append(sentence(size))
            count += size
        return " ".join(out)

    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(REPO / "stories" / "lessons.yml", folder / "lessons.yml")
    lessons = [line.split(":")[0] for line in (folder / "lessons.yml").read_text().splitlines()
               if line and not line.startswith((" ", "#"))]
    rules = ("named", "named", "pseudonym", "anonymous")
    with open(folder / "contributors.yml", "w") as registry:
        for i in range(contributors):
            rule = rules[i % 4]
            registry.write(f"person-{i}:\n  name: Person {i}\n  credit: {rule}\n")
            if rule == "pseudonym":
                registry.write(f"  pseudonym: Crew {i % 10}\n")
    for i in range(n):
        year = 2019 + i % 8
        date = f"{year}-{1 + rng.randrange(12):02d}-{1 + rng.randrange(28):02d}"
        people = sorted({f"person-{rng.randrange(contributors)}" for _ in range(rng.randint(1, 3))})
        tags = sorted(set(rng.sample(lessons, rng.randint(1, 3))))
        body = [paragraph(150)] + [f"## {p}\n\n{paragraph(150)}" for p in PROMPTS]
        title = " ".join(words(3) + [rng.choice(REAL_WORDS), rng.choice(REAL_WORDS)]).capitalize()
        text = (f"---\nid: s{i:05d}\ntitle: \"{title}\"\ndate: {date}\n"
                f"event: {EVENTS[i % len(EVENTS)]}\nplace: {rng.choice(PLACES)}\n"
                f"contributors: [{', '.join(people)}]\nlessons: [{', '.join(tags)}]\n"
                f"summary: \"{sentence(14)}\"\n---\n\n" + "\n\n".join(body) + "\n")
        (folder / str(year)).mkdir(exist_ok=True)
        (folder / str(year) / f"story-{i:05d}.md").write_text(text)
