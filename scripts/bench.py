#!/usr/bin/env python3
"""Benchmark: Harvest's build against a bare Material build of the same stories.

    .venv/bin/python scripts/bench.py 1000 [5000 ...] [--repeat 3] [--keep DIR]

For each N: generate N synthetic stories that pass `harvest check`, build them with
Harvest (the repo's mkdocs.yml, all plugins) and, in the same run, build the same
Markdown with a bare mkdocs-material site (search plugin, navigation.prune, no
Harvest plugins). Each build runs in its own process; wall time and that process's
peak RSS are measured. With --repeat K the two builds alternate K times and the medians are
reported (a shared or virtual machine's noise moves single runs by 10% or more). Prints a
line per N and, last, all figures as JSON.
Targets (issue 2): ratio <= 1.10, t(5000)/t(1000) <= 5.2, peak RSS <= 400 MB at 5000.

Harvest's timed builds are cold (no .harvest/cache). Then the incremental figures (issue 15),
each with the 1-minute load average it was measured under: a repeat build with nothing changed
and after one story's edit (the cache warm), and `harvest index` from scratch, with nothing
changed and after one edit, each a new process as a user runs it (medians of --repeat).
`--skip-features` leaves out the feature benchmarks (search queries, browser, zip).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
# The corpus issue 15 asks to measure on: Zipf vocabulary, 300–1,200 words (median ≈ 790), 5%
# members-only, 3.5% redacted, 40 places, 120 contributors. One generator for every benchmark.
from corpus import generate_stories  # noqa: E402

BARE_CONFIG = """site_name: Bare
docs_dir: docs
theme:
  name: material
  font: false
  features: [navigation.prune]
plugins:
  - search
markdown_extensions: [attr_list, md_in_html, {toc: {permalink: true}}]
"""


def timed(cmd: list[str], cwd: Path, env: dict) -> tuple[float, float]:
    """-> (wall seconds, peak RSS in MB) of one child process."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode:
        sys.exit(f"command failed: {' '.join(cmd)}\n{proc.stderr.read().decode()[-3000:]}")
    return wall, usage.ru_maxrss / 1024


def size_mb(folder: Path) -> float:
    return sum(f.stat().st_size for f in folder.rglob("*") if f.is_file()) / 1e6


def edit_one_story(project: Path, note: str) -> None:
    """Append a sentence to one story (a new word: every index must change)."""
    story = next(p for p in sorted((project / "stories").rglob("*.md")) if not p.name.startswith("_"))
    story.write_text(story.read_text("utf-8").rstrip("\n") + f" {note}\n", "utf-8")


def load() -> float:
    return round(os.getloadavg()[0], 2)


def incremental(project: Path, env: dict, repeat: int) -> dict:
    """Repeat builds and `harvest index` runs, the cache and index warm: {figure: s, figure_load: 1-min load}."""
    py, figures = sys.executable, {}

    def run(name: str, argv: list[str], before=None) -> None:
        times, loads = [], []
        for turn in range(repeat):
            if before:
                before(turn)
            loads.append(load())
            times.append(timed([py, "-m", "harvest.cli", *argv], project, env)[0])
        figures[name] = round(statistics.median(times), 2)
        figures[f"{name}_load"] = max(loads)

    run("build_repeat_s", ["build"])
    run("build_one_edit_s", ["build"], lambda turn: edit_one_story(project, f"Bench build note {turn}."))
    run("index_full_s", ["index", "--rebuild"])
    run("index_nothing_changed_s", ["index"])
    run("index_one_edit_s", ["index"], lambda turn: edit_one_story(project, f"Bench index note {turn}."))
    return figures


def bench(n: int, work: Path, repeat: int = 1, features: bool = True) -> dict:
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "HARVEST_TODAY": "2026-11-21"}
    env.pop("HARVEST_PROFILE", None)
    harvest_dir, bare_dir = work / f"harvest-{n}", work / f"bare-{n}"
    for d in (harvest_dir, bare_dir):
        shutil.rmtree(d, ignore_errors=True)
    generate_stories(harvest_dir / "stories", n)
    shutil.copy(REPO / "mkdocs.yml", harvest_dir / "mkdocs.yml")
    shutil.copytree(REPO / "overrides", harvest_dir / "overrides")
    shutil.copytree(harvest_dir / "stories", bare_dir / "docs", ignore=shutil.ignore_patterns("*.yml"))
    (bare_dir / "mkdocs.yml").write_text(BARE_CONFIG)

    py = sys.executable
    harvest_runs, bare_runs = [], []
    for _ in range(repeat):  # alternate, so a slow spell of the machine hits both
        shutil.rmtree(harvest_dir / ".harvest" / "cache", ignore_errors=True)  # a cold build
        harvest_runs.append(timed([py, "-m", "harvest.cli", "build"], harvest_dir, env))
        bare_runs.append(timed([py, "-m", "mkdocs", "build", "-q"], bare_dir, env))
    t_harvest = statistics.median(t for t, _ in harvest_runs)
    t_bare = statistics.median(t for t, _ in bare_runs)
    rss_harvest, rss_bare = max(r for _, r in harvest_runs), max(r for _, r in bare_runs)
    result = {
        "n": n,
        "harvest_s": round(t_harvest, 2),
        "bare_s": round(t_bare, 2),
        "ratio": round(t_harvest / t_bare, 3),
        **(
            {
                "harvest_runs_s": [round(t, 2) for t, _ in harvest_runs],
                "bare_runs_s": [round(t, 2) for t, _ in bare_runs],
            }
            if repeat > 1
            else {}
        ),
        "harvest_site_mb": round(size_mb(harvest_dir / "site"), 1),
        "bare_site_mb": round(size_mb(bare_dir / "site"), 1),
        "harvest_peak_rss_mb": round(rss_harvest),
        "bare_peak_rss_mb": round(rss_bare),
        "cold_build_load": load(),
    }
    result.update(incremental(harvest_dir, env, repeat))
    result["build_repeat_over_cold"] = round(result["build_repeat_s"] / t_harvest, 3)
    result["build_one_edit_over_cold"] = round(result["build_one_edit_s"] / t_harvest, 3)
    for name in ("bench_search", "bench_pack") if features else ():  # feature benchmarks, when present
        module_file = Path(__file__).with_name(f"{name}.py")
        if module_file.exists():
            sys.path.insert(0, str(module_file.parent))
            result.update(
                {
                    f"{name.split('_')[1]}_{k}": v
                    for k, v in __import__(name).measure(harvest_dir, harvest_dir / "site").items()
                }
            )
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("sizes", nargs="*", type=int, default=[1000])
    parser.add_argument("--repeat", type=int, default=1, help="build each site this many times; report medians")
    parser.add_argument("--keep", type=Path, help="work folder to keep (default: a temp folder, removed)")
    parser.add_argument("--skip-features", action="store_true", help="leave out search, browser and zip figures")
    args = parser.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="harvest-bench-"))
    results = []
    try:
        for n in args.sizes:
            results.append(bench(n, work, max(1, args.repeat), features=not args.skip_features))
            print(" ".join(f"{k}={v}" for k, v in results[-1].items()), flush=True)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    summary = {"runs": results}
    by_n = {r["n"]: r for r in results}
    if 1000 in by_n and 5000 in by_n:
        summary["scaling_5000_over_1000"] = round(by_n[5000]["harvest_s"] / by_n[1000]["harvest_s"], 2)
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
