"""A realistic synthetic archive for the benchmarks, as issue 15 describes the corpus to measure on.

    generate_stories(folder, n, seed=11)

N stories that pass `harvest check`: a Zipf-distributed vocabulary of several thousand words
(so terms spread like real prose: search, related stories and the zip are measured on a fair
load), 300–1,200 words per story (median ≈ 790), 5% members-only, 3.5% with a redacted
passage, 40 places, 120 contributors with every credit rule, and the sample vocabularies.
Deterministic for a given seed, so two benchmarks of the same N measure the same stories.
"""

from __future__ import annotations

import random
import shutil
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
REAL_WORDS = (
    "neighbours kitchen phone tree generator water childcare bike couriers assembly rota shift "
    "volunteers flood drill heat soup bread interpreters banner leaflets tenants rent strike "
    "festival stage sound music elders youth meeting circle facilitator consensus vote budget "
    "bakery pantry shelves tins blankets shelter radio batteries torches maps route van driver "
    "fuel keys storage tables chairs tarp rain wind morning evening night"
).split()
GLUE = "the a of and to in we it was that for on with as at by our they".split()
PLACES = [
    f"{a} {b}"
    for a in ("Lower", "Upper", "North", "South", "Old", "New", "East", "West")
    for b in ("Marsh", "Green", "Yards", "Reach", "Quay")
]  # 40
EVENTS = ("action", "crisis-sim", "festival", "assembly", "mutual-aid", "training")
PROMPTS = ("What surprised us?", "Who stepped forward?", "What resource was missing?")
VOCABULARY = 8_000
CONTRIBUTORS = 120


def _vocabulary(rng: random.Random, size: int) -> list[str]:
    syllables = [c + v for c in "bdfgklmnprstvz" for v in "aeiou"]
    words = set(REAL_WORDS)
    while len(words) < size:
        words.add("".join(rng.choice(syllables) for _ in range(rng.randint(2, 4))))
    ordered = sorted(words)
    rng.shuffle(ordered)
    return GLUE + ordered


def generate_stories(folder: Path, n: int, seed: int = 11, contributors: int = CONTRIBUTORS) -> None:
    """Write N stories into folder/<year>/, with lessons.yml and contributors.yml beside them."""
    rng = random.Random(seed)
    vocab = _vocabulary(rng, VOCABULARY)
    cumulative, total = [], 0.0
    for rank in range(len(vocab)):
        total += 1.0 / (rank + 1.5)
        cumulative.append(total)

    def sentence(k: int) -> str:
        return " ".join(rng.choices(vocab, cum_weights=cumulative, k=k)).capitalize() + "."

    def paragraphs(k: int) -> list[str]:
        out: list[str] = []
        while k > 0:
            para, count = [], 0
            target = min(k, rng.randint(60, 140))
            while count < target:
                size = rng.randint(8, 18)
                para.append(sentence(size))
                count += size
            out.append(" ".join(para))
            k -= count
        return out

    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(REPO / "stories" / "lessons.yml", folder / "lessons.yml")
    lessons = [
        line.split(":")[0]
        for line in (folder / "lessons.yml").read_text().splitlines()
        if line and not line.startswith((" ", "#"))
    ]
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
        length = round(rng.triangular(300, 1200, 740))  # median ≈ 790 words with the headings
        shares = [rng.uniform(0.5, 1.5) for _ in range(1 + len(PROMPTS))]
        parts = [paragraphs(max(20, round(length * s / sum(shares)))) for s in shares]
        if (i * 7) % 200 < 7:  # exactly 3.5% (7 in every 200), spread over the years
            parts[0][-1] = f"[[redact]]{parts[0][-1]}[[/redact]]"
        sections = [f"## {p}\n\n" + "\n\n".join(ps) for p, ps in zip(PROMPTS, parts[1:], strict=True)]
        body = ["\n\n".join(parts[0]), *sections]
        visibility = "visibility: members\n" if i % 20 == 3 else ""  # exactly 5%
        title = " ".join([*rng.choices(vocab, cum_weights=cumulative, k=3), rng.choice(REAL_WORDS)]).capitalize()
        text = (
            f'---\nid: s{i:05d}\ntitle: "{title}"\ndate: {date}\n'
            f"event: {EVENTS[i % len(EVENTS)]}\nplace: {rng.choice(PLACES)}\n"
            f"contributors: [{', '.join(people)}]\nlessons: [{', '.join(tags)}]\n"
            f'summary: "{sentence(14)}"\n{visibility}---\n\n' + "\n\n".join(body) + "\n"
        )
        (folder / str(year)).mkdir(exist_ok=True)
        (folder / str(year) / f"story-{i:05d}.md").write_text(text)
