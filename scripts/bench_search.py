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
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "plugins"))
sys.path.insert(0, str(Path(__file__).parent))
from bench import BARE_CONFIG, timed  # noqa: E402  (the same bare site and timer as the build benchmark)
from corpus import generate_stories  # noqa: E402  (the realistic corpus every benchmark measures)

QUERIES = [
    "flood",
    "generator",
    "phone tree",
    '"phone tree"',
    "kitchen water",
    "lesson:communication",
    "place:marsh",
    "contributor:crew",
    "event:festival",
    "date:[2021-01 to 2021-06]",
    "flood OR heat",
    "bread NOT soup",
    "missing:batteries",
    "drills",
    "torches AND maps",
    "vakomi",
    "selunar",
    "kestrel",
    "assembly budget",
    "couriers",
]
# --- measuring -------------------------------------------------------------------------------------


def _env() -> dict:
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "HARVEST_TODAY": "2026-11-21"}
    env.pop("HARVEST_PROFILE", None)
    return env


def _size_mb(folder: Path) -> float:
    return round(sum(f.stat().st_size for f in folder.rglob("*") if f.is_file()) / 1e6, 2)


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def measure(project_dir: Path, site_dir: Path) -> dict:
    """Index full / one-story update, query latency and browser first results for a built project."""
    from harvest.core.archive import load_archive
    from harvest.search.documents import documents
    from harvest.search.index import index_dir, update_index
    from harvest.search.query import open_searcher
    from harvest.site.project import settings_from_file

    project_dir, site_dir = Path(project_dir).resolve(), Path(site_dir).resolve()
    env, py = _env(), sys.executable
    os.environ["HARVEST_TODAY"] = env["HARVEST_TODAY"]
    result: dict = {}
    wall, rss = timed([py, "-m", "harvest.cli", "index", "--rebuild"], project_dir, env)
    result.update(index_full_s=round(wall, 2), index_full_peak_rss_mb=round(rss))
    settings = settings_from_file(project_dir / "mkdocs.yml")
    result["index_mb"] = _size_mb(index_dir(settings))

    # one story changes: the index update itself, and `harvest index` end to end (it re-scans every file)
    story = next(p for p in sorted((project_dir / "stories").rglob("*.md")) if not p.name.startswith("_"))
    original = story.read_text()
    try:
        story.write_text(original.rstrip("\n") + " A late note about the quayside generator.\n")
        archive, _ = load_archive(settings)
        docs = list(documents(archive))
        start = time.perf_counter()
        report = update_index(docs, index_dir(settings), settings.prompts)
        result["reindex_one_s"] = round(time.perf_counter() - start, 3)
        assert report.touched == 1, report.summary()
        story.write_text(original.rstrip("\n") + " Another late note.\n")
        wall, _ = timed([py, "-m", "harvest.cli", "index"], project_dir, env)
        result["reindex_one_cli_s"] = round(wall, 2)
    finally:
        story.write_text(original)
        timed([py, "-m", "harvest.cli", "index"], project_dir, env)

    searcher = open_searcher(settings)
    times = []
    try:
        for round_number in range(4):
            for query in QUERIES:
                start = time.perf_counter()
                searcher.search(query, limit=10)
                if round_number:  # the first round warms caches
                    times.append(time.perf_counter() - start)
    finally:
        searcher.close()
    result.update(
        query_median_ms=round(statistics.median(times) * 1000, 1), query_p90_ms=round(_percentile(times, 0.9) * 1000, 1)
    )
    start = time.perf_counter()
    found = subprocess.run(
        [py, "-m", "harvest.cli", "search", "--no-update", "flood"],
        cwd=project_dir,
        env=env,
        capture_output=True,
        text=True,
    )
    result["search_cli_s"] = round(time.perf_counter() - start, 2)
    assert found.returncode == 0, found.stderr

    search_dir = site_dir / "search"
    sizes = [f.stat().st_size for f in search_dir.rglob("*.js")]
    result.update(
        browser_index_mb=round(sum(sizes) / 1e6, 2),
        browser_largest_file_kb=round(max(sizes) / 1e3),
        browser_files=len(sizes),
    )
    result.update(_browser_first_results(site_dir))
    return result


def _browser_first_results(site_dir: Path) -> dict:
    """Fresh tab on the home page from file://; time from typing a query to the first results shown."""
    chromium = os.environ.get("HARVEST_CHROMIUM", "/usr/bin/chromium")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return {}
    if not Path(chromium).exists():
        return {}
    times, outside = [], []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        for query in ("generator", "phone tree", "marsh", "couriers", "crew", "bread soup"):
            context = browser.new_context()
            context.on("request", lambda r: outside.append(r.url) if not r.url.startswith(("file:", "data:")) else None)
            page = context.new_page()
            page.goto((site_dir / "index.html").as_uri())
            page.wait_for_load_state("load")
            page.locator(".md-search__input").click()
            start = time.perf_counter()
            page.keyboard.type(query, delay=0)
            page.wait_for_selector(".md-search-result__item", timeout=30_000)
            times.append(time.perf_counter() - start)
            context.close()
        browser.close()
    return {
        "browser_first_results_s": round(max(times), 3),
        "browser_first_results_median_s": round(statistics.median(times), 3),
        "browser_outside_requests": len(outside),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("n", type=int, nargs="?", default=1000, help="number of synthetic stories")
    parser.add_argument("--keep", type=Path, help="work folder to keep (default: a temp folder, removed)")
    parser.add_argument(
        "--compare",
        action="store_true",
        help="also build the same stories with Material's search instead, and bare Material",
    )
    args = parser.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="harvest-bench-search-"))
    project = work / f"search-{args.n}"
    try:
        shutil.rmtree(project, ignore_errors=True)
        generate_stories(project / "stories", args.n)
        shutil.copy(REPO / "mkdocs.yml", project / "mkdocs.yml")
        shutil.copytree(REPO / "overrides", project / "overrides")
        env, py = _env(), sys.executable
        wall, rss = timed([py, "-m", "harvest.cli", "build"], project, env)
        figures = {"n": args.n, "build_s": round(wall, 2), "build_peak_rss_mb": round(rss)}
        wall, _ = timed([py, "-m", "harvest.cli", "build"], project, env)
        figures["rebuild_s"] = round(wall, 2)
        figures.update(measure(project, project / "site"))
        wall, _ = timed([py, "-m", "harvest.cli", "build"], project, env)  # now also updates the whoosh index
        figures["rebuild_with_index_s"] = round(wall, 2)
        if args.compare:
            config = (project / "mkdocs.yml").read_text()
            (project / "mkdocs.yml").write_text(config.replace("  - harvest-search", "  - search"))
            wall, _ = timed([py, "-m", "harvest.cli", "build", "-d", str(work / "material-site")], project, env)
            figures["build_material_search_s"] = round(wall, 2)
            (project / "mkdocs.yml").write_text(config)
            bare = work / f"bare-{args.n}"
            shutil.rmtree(bare, ignore_errors=True)
            shutil.copytree(project / "stories", bare / "docs", ignore=shutil.ignore_patterns("*.yml"))
            (bare / "mkdocs.yml").write_text(BARE_CONFIG)
            wall, _ = timed([py, "-m", "mkdocs", "build", "-q"], bare, env)
            figures["bare_material_s"] = round(wall, 2)
            figures["ratio"] = round(figures["build_s"] / figures["bare_material_s"], 3)
        print(json.dumps(figures))
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
