#!/usr/bin/env python3
"""Benchmark: pulling and building a federation of P peers × N stories each (issue 18).

    .venv/bin/python scripts/bench_federation.py --peers 5 --stories 500 [--peers 2 --stories 500 …] [--keep DIR]

One peer archive of N synthetic stories (scripts/bench.py's generator) is exported once, signed;
the follower lists P peers that all fetch that bundle (as many folders), so a federation of
P × N stories is pulled and built. Each step runs in its own process: wall time and that
process's peak RSS are reported. With two sizes, prints t(large)/t(small) for the build.
Issue 18's target, 20 × 2,500 (50,000 stories), is far beyond a shared 2-core machine's
budget; run it on a quiet machine: --peers 20 --stories 2500 and --peers 2 --stories 2500.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench import REPO, generate_stories, timed


def project(folder: Path, n: int) -> Path:
    generate_stories(folder / "stories", n)
    shutil.copy(REPO / "mkdocs.yml", folder / "mkdocs.yml")
    shutil.copytree(REPO / "overrides", folder / "overrides")
    config = folder / "mkdocs.yml"
    config.write_text(config.read_text().replace("  - harvest-search ", "  - harvest-federation\n  - harvest-search "))
    return folder


def run(peers: int, stories: int, work: Path, env: dict) -> dict:
    py = sys.executable
    case = work / f"p{peers}-n{stories}"
    shutil.rmtree(case, ignore_errors=True)
    key = case / "key"
    case.mkdir(parents=True)
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True)
    origin = project(case / "origin", stories)
    export_s, export_mb = timed(
        [py, "-m", "harvest.cli", "export", "--sign-key", str(key), "--out", str(case / "bundle")], origin, env
    )
    follower = project(case / "follower", 0)
    public = " ".join((case / "key.pub").read_text().split()[:2])
    lines = ["peers:"]
    for p in range(peers):
        shutil.copytree(case / "bundle", case / f"bundle-{p}")
        lines += [
            f"  peer-{p}:",
            f"    name: Peer {p}",
            f"    key: {public}",
            f"    source: {{folder: {case / f'bundle-{p}'}}}",
        ]
    (follower / "stories" / "federation.yml").write_text("\n".join(lines) + "\n")
    pull_s, pull_mb = timed([py, "-m", "harvest.cli", "federation", "pull"], follower, env)
    build_s, build_mb = timed([py, "-m", "harvest.cli", "build"], follower, env)
    return {
        "peers": peers,
        "stories_each": stories,
        "total": peers * stories,
        "export_s": round(export_s, 2),
        "export_peak_rss_mb": round(export_mb),
        "pull_s": round(pull_s, 2),
        "pull_peak_rss_mb": round(pull_mb),
        "build_s": round(build_s, 2),
        "build_peak_rss_mb": round(build_mb),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--peers", type=int, action="append", required=True)
    parser.add_argument("--stories", type=int, action="append", required=True)
    parser.add_argument("--keep", type=Path, default=None, help="work folder to keep (default: a temporary one)")
    args = parser.parse_args()
    if len(args.peers) != len(args.stories):
        parser.error("give --peers and --stories the same number of times")
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "HARVEST_TODAY": "2026-11-21"}
    env.pop("HARVEST_PROFILE", None)
    work = args.keep or Path(tempfile.mkdtemp(prefix="harvest-bench-federation-"))
    results = []
    try:
        for peers, stories in zip(args.peers, args.stories, strict=True):
            result = run(peers, stories, work, env)
            results.append(result)
            print(
                f"{peers} peers × {stories} = {peers * stories} stories: export {result['export_s']} s, "
                f"pull {result['pull_s']} s ({result['pull_peak_rss_mb']} MB), build {result['build_s']} s "
                f"({result['build_peak_rss_mb']} MB)",
                flush=True,
            )
        if len(results) >= 2:
            small, large = min(results, key=lambda r: r["total"]), max(results, key=lambda r: r["total"])
            print(
                f"t({large['total']})/t({small['total']}) build: {large['build_s'] / small['build_s']:.2f}, "
                f"pull: {large['pull_s'] / small['pull_s']:.2f} (linear: {large['total'] / small['total']:.1f})"
            )
        print(json.dumps(results, indent=1))
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
