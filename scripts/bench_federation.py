#!/usr/bin/env python3
"""Benchmark: pulling and building a federation of P peers × N stories each (issue 18).

    .venv/bin/python scripts/bench_federation.py --peers 20 --stories 2500 [--timeout 3600] [--keep DIR]
    .venv/bin/python scripts/bench_federation.py --peers 5 --stories 500 --peers 2 --stories 500

One peer archive of N synthetic stories (scripts/bench.py's generator) is exported once, signed;
the follower lists P peers that all fetch that bundle (as many folders), so a federation of
P × N stories is pulled and built. Each step runs in its own process: wall time and that
process's peak RSS are reported. With one size, a reference of a tenth as many peers is run
too, so the last line (JSON) has t(large)/t(small) for pull and build: issue 18's target,
20 × 2,500, gives t(50,000)/t(5,000). `--timeout` bounds each step (seconds): a step that
takes longer is stopped and reported, not waited for.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench import REPO, generate_stories


class StepTimedOut(Exception):
    pass


def timed(cmd: list[str], cwd: Path, env: dict, timeout: float | None = None) -> tuple[float, float, float]:
    """-> (wall seconds, peak RSS in MB, CPU seconds) of one child process; StepTimedOut past
    `timeout`. CPU time (user + system) is what to compare on a shared machine: wall time there
    depends on what else runs."""
    import threading
    import time

    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    timer = threading.Timer(timeout, proc.kill) if timeout else None
    if timer:
        timer.start()
    _, status, usage = os.wait4(proc.pid, 0)
    if timer:
        timer.cancel()
    wall = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    if timeout and wall >= timeout:
        raise StepTimedOut(f"{' '.join(cmd[2:5])}: stopped after {timeout:g} s (peak {usage.ru_maxrss / 1024:.0f} MB)")
    if code:
        sys.exit(f"command failed: {' '.join(cmd)}\n{proc.stderr.read().decode()[-3000:]}")
    return wall, usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime


def project(folder: Path, n: int) -> Path:
    generate_stories(folder / "stories", n)
    shutil.copy(REPO / "mkdocs.yml", folder / "mkdocs.yml")
    shutil.copytree(REPO / "overrides", folder / "overrides")
    config = folder / "mkdocs.yml"
    config.write_text(config.read_text().replace("  - harvest-search ", "  - harvest-federation\n  - harvest-search "))
    return folder


def run(peers: int, stories: int, work: Path, env: dict, timeout: float | None = None) -> dict:
    py = sys.executable
    case = work / f"p{peers}-n{stories}"
    shutil.rmtree(case, ignore_errors=True)
    key = case / "key"
    case.mkdir(parents=True)
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True)
    origin = project(case / "origin", stories)
    export_s, export_mb, _ = timed(
        [py, "-m", "harvest.cli", "export", "--sign-key", str(key), "--out", str(case / "bundle")], origin, env, timeout
    )
    # The corpus has members-only stories: a public bundle carries the rest (about 95%).
    with zipfile.ZipFile(next((case / "bundle").glob("*.zip"))) as bundle:
        exported = sum(1 for name in bundle.namelist() if name.endswith(".md"))
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
    pull_s, pull_mb, pull_cpu = timed([py, "-m", "harvest.cli", "federation", "pull"], follower, env, timeout)
    stored = sum(1 for _ in (follower / "stories" / "_federation").rglob("*.md"))
    if stored != peers * exported:  # a bench that measured fewer stories than it says would mislead
        sys.exit(f"pulled {stored} stories, expected {peers * exported}")
    build_s, build_mb, build_cpu = timed([py, "-m", "harvest.cli", "build"], follower, env, timeout)
    return {
        "peers": peers,
        "stories_each": stories,
        "total": peers * exported,  # the stories pulled and built (the public ones)
        "export_s": round(export_s, 2),
        "export_peak_rss_mb": round(export_mb),
        "pull_s": round(pull_s, 2),
        "pull_peak_rss_mb": round(pull_mb),
        "pull_cpu_s": round(pull_cpu, 2),
        "build_s": round(build_s, 2),
        "build_cpu_s": round(build_cpu, 2),
        "build_peak_rss_mb": round(build_mb),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--peers", type=int, action="append", required=True)
    parser.add_argument("--stories", type=int, action="append", required=True)
    parser.add_argument("--keep", type=Path, default=None, help="work folder to keep (default: a temporary one)")
    parser.add_argument("--timeout", type=float, default=None, help="stop any one step after this many seconds")
    args = parser.parse_args()
    if len(args.peers) != len(args.stories):
        parser.error("give --peers and --stories the same number of times")
    if len(args.peers) == 1 and args.peers[0] >= 2:  # the reference for t(large)/t(small)
        args.peers.insert(0, max(1, args.peers[0] // 10))
        args.stories.insert(0, args.stories[0])
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "HARVEST_TODAY": "2026-11-21"}
    env.pop("HARVEST_PROFILE", None)
    work = args.keep or Path(tempfile.mkdtemp(prefix="harvest-bench-federation-"))
    results = []
    report: dict = {"loadavg_before": [round(x, 2) for x in os.getloadavg()], "cpus": os.cpu_count()}
    try:
        for peers, stories in zip(args.peers, args.stories, strict=True):
            try:
                result = run(peers, stories, work, env, args.timeout)
            except StepTimedOut as stopped:
                print(f"{peers} peers × {stories}: {stopped}", flush=True)
                report.setdefault("stopped", []).append({"peers": peers, "stories_each": stories, "why": str(stopped)})
                continue
            result["loadavg_after"] = [round(x, 2) for x in os.getloadavg()]
            results.append(result)
            print(
                f"{peers} peers × {stories} = {peers * stories} stories: export {result['export_s']} s, "
                f"pull {result['pull_s']} s ({result['pull_peak_rss_mb']} MB), build {result['build_s']} s "
                f"({result['build_peak_rss_mb']} MB)",
                flush=True,
            )
        report["runs"] = results
        if len(results) >= 2:
            small, large = min(results, key=lambda r: r["total"]), max(results, key=lambda r: r["total"])
            report["ratio"] = {
                "of": f"t({large['total']})/t({small['total']})",
                "build": round(large["build_s"] / small["build_s"], 2),
                "pull": round(large["pull_s"] / small["pull_s"], 2),
                "build_cpu": round(large["build_cpu_s"] / small["build_cpu_s"], 2),
                "pull_cpu": round(large["pull_cpu_s"] / small["pull_cpu_s"], 2),
                "build_peak_rss": round(large["build_peak_rss_mb"] / small["build_peak_rss_mb"], 2),
                "linear": round(large["total"] / small["total"], 1),
            }
            print(
                f"{report['ratio']['of']} build: {report['ratio']['build']:.2f}, pull: {report['ratio']['pull']:.2f} "
                f"(linear: {report['ratio']['linear']})"
            )
        print(json.dumps(report))
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
