#!/usr/bin/env python3
"""Offline-copy benchmark: size and time of `harvest pack` (target: zip <= 12 MB at 1,000 stories).

    .venv/bin/python scripts/bench_pack.py 1000 [--keep DIR] [--bare]

`measure(project_dir)` packs an existing project (scripts/bench.py calls it after its
own build, as `measure(project_dir, site_dir)`; the site is rebuilt for file:// anyway).
`__main__` generates N synthetic ~600-word stories (with scripts/bench.py's generator
when it is there, else the small one below), measures, and with --bare also zips a bare
Material build of the same Markdown for comparison. Prints the figures as JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
WORDS = (
    "we the neighbours kitchen phone tree generator water childcare bike couriers assembly rota shift "
    "volunteers flood drill heat soup bread interpreters banner leaflets tenants rent strike festival "
    "stage music elders youth meeting circle consensus vote budget bakery pantry blankets radio batteries "
    "torches maps route van fuel keys tables tarp rain wind morning evening night listened learned"
).split()
PROMPTS = ("What surprised us?", "Who stepped forward?", "What resource was missing?")
EVENTS = ("action", "crisis-sim", "festival", "assembly", "mutual-aid", "training")


def measure(project_dir: Path, site_dir: Path | None = None) -> dict:
    """Pack the project once into a temp folder: zip size, entries, where the bytes go, time, peak RSS."""
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    env.pop("SOURCE_DATE_EPOCH", None)
    with tempfile.TemporaryDirectory(prefix="harvest-bench-pack-") as out:
        start = time.perf_counter()
        proc = subprocess.Popen(
            [sys.executable, "-m", "harvest.cli", "pack", "--out", out],
            cwd=project_dir,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
        if os.waitstatus_to_exitcode(status):
            sys.exit(f"harvest pack failed:\n{proc.stderr.read().decode()[-3000:]}")
        zip_path = next(Path(out).glob("*.zip"))
        by_part: Counter = Counter()
        with zipfile.ZipFile(zip_path) as archive:
            infos = archive.infolist()
            for info in infos:
                by_part[_part(info.filename)] += info.compress_size
        return {
            "zip_mb": round(zip_path.stat().st_size / 1e6, 2),
            "unzipped_mb": round(sum(i.file_size for i in infos) / 1e6, 1),
            "entries": len(infos),
            "seconds": round(seconds, 1),
            "peak_rss_mb": round(usage.ru_maxrss / 1024),
            "zip_mb_by_part": {k: round(v / 1e6, 2) for k, v in by_part.most_common()},
        }


def _part(name: str) -> str:
    parts = name.split("/")
    if parts[0] != "site" or len(parts) < 2:
        return "top-level files"
    if parts[1] == "search":
        return "search index"
    if parts[1] == "assets":
        return "theme assets"
    return "pages"


def generate_stories(folder: Path, n: int, seed: int = 7) -> None:
    """N valid ~600-word stories in folder/<year>/ with the sample vocabularies (a small stand-in for bench.py)."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    for name in ("lessons.yml", "contributors.yml"):
        shutil.copy(REPO / "stories" / name, folder / name)
    lessons = [
        line.split(":")[0]
        for line in (folder / "lessons.yml").read_text().splitlines()
        if line and not line.startswith((" ", "#"))
    ]
    people = [
        line.split(":")[0]
        for line in (folder / "contributors.yml").read_text().splitlines()
        if line and not line.startswith((" ", "#"))
    ]

    def sentence(k: int) -> str:
        return " ".join(rng.choice(WORDS) for _ in range(k)).capitalize() + "."

    def paragraph(k: int) -> str:
        return " ".join(sentence(rng.randint(8, 18)) for _ in range(k // 13))

    for i in range(n):
        year = 2019 + i % 8
        text = (
            f'---\nid: s{i:05d}\ntitle: "{sentence(5)[:-1]}"\n'
            f"date: {year}-{1 + rng.randrange(12):02d}-{1 + rng.randrange(28):02d}\n"
            f"event: {EVENTS[i % len(EVENTS)]}\nplace: Place {rng.randrange(40)}\n"
            f"contributors: [{', '.join(sorted(set(rng.sample(people, 2))))}]\n"
            f"lessons: [{', '.join(sorted(set(rng.sample(lessons, rng.randint(1, 3)))))}]\n"
            f'summary: "{sentence(12)}"\n---\n\n'
            + "\n\n".join([paragraph(150)] + [f"## {p}\n\n{paragraph(150)}" for p in PROMPTS])
            + "\n"
        )
        (folder / str(year)).mkdir(exist_ok=True)
        (folder / str(year) / f"story-{i:05d}.md").write_text(text)


BARE_CONFIG = """site_name: Bare
docs_dir: docs
use_directory_urls: false
theme: {name: material, font: false, features: [navigation.prune]}
plugins: [search, offline]
markdown_extensions: [attr_list, md_in_html, {toc: {permalink: true}}]
"""


def bare_zip_mb(stories: Path, work: Path) -> float:
    """A bare Material offline build of the same Markdown, zipped the same way (deflate level 9)."""
    bare = work / "bare"
    shutil.copytree(stories, bare / "docs", ignore=shutil.ignore_patterns("*.yml"), dirs_exist_ok=True)
    (bare / "mkdocs.yml").write_text(BARE_CONFIG)
    subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "-q"],
        cwd=bare,
        check=True,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
    )
    target = work / "bare.zip"
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for file in sorted((bare / "site").rglob("*")):
            if file.is_file():
                archive.write(file, file.relative_to(bare).as_posix())
    return round(target.stat().st_size / 1e6, 2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("n", nargs="?", type=int, default=1000)
    parser.add_argument("--keep", type=Path, help="work folder to keep (default: a temp folder, removed)")
    parser.add_argument("--bare", action="store_true", help="also zip a bare Material build for comparison")
    args = parser.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="harvest-bench-pack-"))
    try:
        project = work / f"harvest-{args.n}"
        shutil.rmtree(project, ignore_errors=True)
        try:
            sys.path.insert(0, str(Path(__file__).parent))
            from bench import generate_stories as generate  # the lead's generator, when present
        except ImportError:
            generate = generate_stories
        generate(project / "stories", args.n)
        shutil.copy(REPO / "mkdocs.yml", project / "mkdocs.yml")
        shutil.copytree(REPO / "overrides", project / "overrides")
        os.environ.setdefault("HARVEST_TODAY", "2026-11-21")
        result = {"n": args.n, "generator": generate.__module__, **measure(project)}
        if args.bare:
            result["bare_material_zip_mb"] = bare_zip_mb(project / "stories", work)
        print(json.dumps(result))
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
