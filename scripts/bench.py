#!/usr/bin/env python3
"""Benchmark: Harvest's build against a bare Material build of the same stories.

    .venv/bin/python scripts/bench.py 1000 [5000 ...] [--repeat 3] [--keep DIR]

For each N: generate N synthetic stories that pass `harvest check`, build them with
Harvest (the repo's mkdocs.yml, all plugins) and, in the same run, build the same
Markdown with a bare mkdocs-material site (search plugin, navigation.prune, no
Harvest plugins). Each build runs in its own process; wall time and that process's
peak RSS are measured. With --repeat K the two builds alternate K times and the medians are
reported (a shared or virtual machine's noise moves single runs by 10% or more), and with
them the median of each round's own ratio (`ratio_paired`, `over_hugo_paired`: the builds of
one round run back to back, so a slow spell of the machine slows both). Prints a line per N
and, last, all figures as JSON.
The stories are the realistic corpus of scripts/corpus.py. Targets (issue 15): ratio <= 0.9 at
1,000, peak RSS <= 300 MB at 5,000, offline zip <= 12 MB at 1,000.

Harvest's timed builds are cold (no .harvest/cache: neither stories nor pages). Then, each
figure with the 1-minute load average it was measured under, `harvest index` from scratch, with
nothing changed and after one edit, each a new process as a user runs it (medians of --repeat).
With --repeat-build the terminal index is made (`harvest index`, untimed), then the same site is
built again with nothing changed and after editing one story's text (the cache warm; each build
also updates the terminal index, as it does for an archive that has one), and `harvest serve`'s
rebuilds are timed in one process as serve runs them (a story's text edited; a story added; a
story's lessons changed; the added story removed), each with the seconds its terminal-index
update took after it (`*_index_after_s`, waited for before the next change) and the seconds and
full passes of Python's cycle collector during it (`*_gc`: [seconds, full collections]), and a real
`harvest serve` on 127.0.0.1 is timed from a story's text edited to its page showing it over HTTP
(`serve_live_edit_shown_s`) and to the end of the rebuild (`serve_live_edit_rebuilt_s`).
--no-bare skips the Material build; --no-features the search, browser and zip figures.
When `hugo` is on the PATH (Debian: `apt-get install -y hugo`), the same Markdown is also built
with Hugo (minimal templates, taxonomies for lessons, contributors, place and event), alternating
with the other builds: `hugo_s`, `over_hugo`. Without it they are null and `hugo` says why.
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

# Hugo (issue 15's yardstick: "minimal templates + taxonomies, same Markdown"): a page per story,
# a list page per lesson, contributor, place and event, and the home page listing every story.
HUGO_CONFIG = """baseURL = "http://127.0.0.1/"
title = "Hugo"
disableKinds = ["RSS", "sitemap", "robotsTXT"]
[taxonomies]
  lesson = "lessons"
  contributor = "contributors"
  place = "place"
  event = "event"
"""
HUGO_LAYOUTS = {
    "_default/baseof.html": '<!doctype html><html lang="en"><head><meta charset="utf-8">'
    '<title>{{ .Title }}</title></head><body>{{ block "main" . }}{{ end }}</body></html>\n',
    "_default/single.html": '{{ define "main" }}<h1>{{ .Title }}</h1><p>{{ .Date.Format "2006-01-02" }}</p>'
    '{{ range .GetTerms "lessons" }}<a href="{{ .RelPermalink }}">{{ .LinkTitle }}</a> {{ end }}'
    "{{ .Content }}{{ end }}\n",
    "_default/list.html": '{{ define "main" }}<h1>{{ .Title }}</h1><ul>'
    '{{ range .Pages }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a></li>{{ end }}</ul>{{ end }}\n',
}


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


def public_story(project: Path) -> Path:
    """A story every profile publishes (no visibility, embargo or redaction): its page exists and
    every index holds it."""
    return next(
        p
        for p in sorted(project.glob("stories/*/story-*.md"))
        if not any(word in p.read_text("utf-8") for word in ("\nvisibility:", "\nembargo_until:", "[[redact"))
    )


def edit_one_story(project: Path, note: str) -> None:
    """Append a sentence to one story's text (a new word: every index must change)."""
    story = public_story(project)
    story.write_text(story.read_text("utf-8").rstrip("\n") + f" {note}\n", "utf-8")


def load() -> float:
    return round(os.getloadavg()[0], 2)


def edit_story(project: Path, round_: int) -> None:
    """Change one word of one story's text (a different word each round)."""
    story = next(iter(sorted((project / "stories").glob("*/story-00001.md"))))
    text = story.read_text()
    story.write_text(text.replace("\n\n## ", f"\n\nEdited {round_}.\n\n## ", 1))


def repeat_builds(project: Path, env: dict, repeat: int, cold_s: float) -> dict:
    py = sys.executable
    # As an archivist who searches from the terminal has it: the terminal index exists, so each
    # build and each serve rebuild brings it up to date too (`whoosh: auto`). Without it, every
    # `*_index_after_s` would be 0.0: no index to update, not an instant update.
    timed([py, "-m", "harvest.cli", "index"], project, env)
    nothing, edited = [], []
    for round_ in range(repeat):
        la = load()
        nothing.append((timed([py, "-m", "harvest.cli", "build"], project, env)[0], la))
        edit_story(project, round_)
        la = load()
        edited.append((timed([py, "-m", "harvest.cli", "build"], project, env)[0], la))
    t_nothing = statistics.median(t for t, _ in nothing)
    t_edited = statistics.median(t for t, _ in edited)
    return {
        "terminal_index": True,  # (made before these runs: they update it as they go)
        "repeat_nothing_changed_s": round(t_nothing, 2),
        "repeat_nothing_changed_ratio": round(t_nothing / cold_s, 3),
        "repeat_nothing_changed_runs": [[round(t, 2), la] for t, la in nothing],
        "repeat_one_edit_s": round(t_edited, 2),
        "repeat_one_edit_ratio": round(t_edited / cold_s, 3),
        "repeat_one_edit_runs": [[round(t, 2), la] for t, la in edited],
        **serve_rebuilds(project, env),
        **serve_live(project, env),
    }


SERVE_SCRIPT = """
import gc, json, os, sys, tempfile, time
from pathlib import Path
from mkdocs.commands.build import build
from mkdocs.config import load_config
project = Path(sys.argv[1]); os.chdir(project)
site = tempfile.mkdtemp(prefix="harvest-serve-bench-")
def config():
    c = load_config("mkdocs.yml", site_dir=site)
    c.site_url = "http://127.0.0.1:8000/"
    return c
first = config()
first.plugins.on_startup(command="serve", dirty=True)
t = time.perf_counter(); build(first, serve_url="http://127.0.0.1:8000/", dirty=True)
out = {"serve_first_build_s": round(time.perf_counter() - t, 2)}
story = sorted(project.glob("stories/*/story-00002.md"))[0]
def index_after(c):
    # The terminal index is updated after each rebuild, in its own thread: timed apart, and
    # waited for, so that no timed rebuild shares the machine with the last one's update.
    t = time.perf_counter(); c.plugins["harvest-search"].wait_for_index()
    return round(time.perf_counter() - t, 2)
out["serve_first_index_after_s"] = index_after(first)
collecting = {"seconds": 0.0, "full": 0}  # Python's cycle collector during a timed rebuild
def collector(phase, info, started=[0.0]):
    if phase == "start":
        started[0] = time.perf_counter()
    else:
        collecting["seconds"] += time.perf_counter() - started[0]
        collecting["full"] += info["generation"] == 2
gc.callbacks.append(collector)
def timed(name, change):
    change()
    la = round(os.getloadavg()[0], 2)
    c = config()
    collecting.update(seconds=0.0, full=0)
    t = time.perf_counter(); build(c, serve_url="http://127.0.0.1:8000/", dirty=True)
    out[name] = [round(time.perf_counter() - t, 2), la]
    out[name.removesuffix("_s") + "_gc"] = [round(collecting["seconds"], 2), collecting["full"]]
    out[name.removesuffix("_s") + "_index_after_s"] = index_after(c)
timed("serve_nothing_changed_s", lambda: None)
def text_edit():
    story.write_text(story.read_text().replace("\\n\\n## ", "\\n\\nServe edit.\\n\\n## ", 1))
timed("serve_text_edit_s", text_edit)
def add():
    (story.parent / "story-99999.md").write_text(story.read_text().replace("id: s00002", "id: s99999"))
timed("serve_story_added_s", add)
def lessons():
    lines = story.read_text().split("\\n")
    at = next(i for i, line in enumerate(lines) if line.startswith("lessons:"))
    lines[at] = "lessons: [outreach]" if lines[at] != "lessons: [outreach]" else "lessons: [joy]"
    story.write_text("\\n".join(lines))
timed("serve_lessons_changed_s", lessons)
timed("serve_story_removed_s", lambda: (story.parent / "story-99999.md").unlink())
import shutil; shutil.rmtree(site, ignore_errors=True)  # the preview folder, as serve removes it
print(json.dumps(out))
"""


def serve_rebuilds(project: Path, env: dict) -> dict:
    """`harvest serve`'s rebuilds, in one process as serve runs them (plugins kept, dirty builds)."""
    done = subprocess.run(
        [sys.executable, "-c", SERVE_SCRIPT, str(project)], env=env, capture_output=True, text=True, check=False
    )
    if done.returncode:
        sys.exit(f"serve benchmark failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _get(url: str, timeout: float) -> bytes | None:
    import urllib.request

    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # 127.0.0.1 only
            return response.read()
    except OSError:
        return None


def _until(test, seconds: float, step: float = 0.05) -> float | None:
    """Seconds until `test()` is true, polled every `step`; None when not within `seconds`."""
    start = time.perf_counter()
    while time.perf_counter() - start < seconds:
        if test():
            return time.perf_counter() - start
        time.sleep(step)
    return None


def serve_live(project: Path, env: dict) -> dict:
    """`harvest serve` as an editor meets it: a real server on 127.0.0.1, a story's text edited, and
    the time until its page shows the edit over HTTP (the quick page), then until the rebuild is
    done (another page is served again: the server holds every other request until then). Every
    wait is bounded."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    base = f"http://127.0.0.1:{port}/"
    story = public_story(project)
    page = base + story.relative_to(project / "stories").with_suffix("").as_posix() + "/"
    server = subprocess.Popen(
        [sys.executable, "-m", "harvest.cli", "serve", "-a", f"127.0.0.1:{port}"],
        cwd=project,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    out: dict = {}
    try:
        first = _until(lambda: _get(page, 10) is not None, 1800, 0.5)
        if first is None:
            return {"serve_live_error": "the server did not answer within 30 minutes"}
        out["serve_live_first_build_s"] = round(first, 1)
        time.sleep(3)  # the watcher's first look at the folder
        for turn in range(3):
            word = f"Livebenchword{turn}"
            la = load()
            story.write_text(story.read_text().replace("\n\n## ", f"\n\n{word}.\n\n## ", 1))
            start = time.perf_counter()
            shown = _until(lambda word=word: word.encode() in (_get(page, 300) or b""), 300)
            rebuilt = _until(lambda: _get(base + "lessons/", 300) is not None, 300)
            done = time.perf_counter() - start if rebuilt is not None else None
            out.setdefault("serve_live_edit_shown_s", []).append(round(shown, 2) if shown is not None else None)
            out.setdefault("serve_live_edit_rebuilt_s", []).append(round(done, 2) if done is not None else None)
            out.setdefault("serve_live_edit_load", []).append(la)
            time.sleep(2)
    finally:
        server.terminate()
        try:
            server.wait(60)
        except subprocess.TimeoutExpired:
            server.kill()
    return out


def index_runs(project: Path, env: dict, repeat: int) -> dict:
    """`harvest index` runs, each a new process: {figure: s, figure_load: 1-min load}."""
    py, figures = sys.executable, {}

    def run(name: str, argv: list[str], before=None, turns: int = repeat) -> None:
        times, loads = [], []
        for turn in range(turns):
            if before:
                before(turn)
            loads.append(load())
            times.append(timed([py, "-m", "harvest.cli", *argv], project, env)[0])
        figures[name] = round(statistics.median(times), 2)
        figures[f"{name}_load"] = max(loads)
        if turns > 1:
            figures[f"{name}_runs"] = [round(t, 2) for t in times]

    run("index_full_s", ["index", "--rebuild"])
    run("index_nothing_changed_s", ["index"])

    # Three edits at least: every third update also merges the small segments (`SMALL_SEGMENTS`).
    def edit(turn: int) -> None:
        edit_one_story(project, f"Bench index note {turn}.")

    run("index_one_edit_s", ["index"], edit, turns=max(repeat, 3))
    return figures


def hugo_site(stories: Path, folder: Path) -> None:
    """The same story files as Hugo content, with minimal layouts."""
    shutil.copytree(stories, folder / "content", ignore=shutil.ignore_patterns("*.yml"))
    (folder / "hugo.toml").write_text(HUGO_CONFIG)
    for name, text in HUGO_LAYOUTS.items():
        (folder / "layouts" / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / "layouts" / name).write_text(text)


def _paired(runs: list[tuple[float, float]], others: list[tuple[float, float]], digits: int) -> float:
    """The median of each round's ratio (runs[i] / others[i]: timed back to back)."""
    return round(statistics.median(a / b for (a, _), (b, _) in zip(runs, others, strict=False)), digits)


def bench(
    n: int, work: Path, repeat: int = 1, repeat_build: bool = False, bare: bool = True, feature_benches: bool = True
) -> dict:
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "HARVEST_TODAY": "2026-11-21"}
    env.pop("HARVEST_PROFILE", None)
    harvest_dir, bare_dir, hugo_dir = work / f"harvest-{n}", work / f"bare-{n}", work / f"hugo-{n}"
    hugo = shutil.which("hugo")
    for d in (harvest_dir, bare_dir, hugo_dir):
        shutil.rmtree(d, ignore_errors=True)
    generate_stories(harvest_dir / "stories", n)
    shutil.copy(REPO / "mkdocs.yml", harvest_dir / "mkdocs.yml")
    shutil.copytree(REPO / "overrides", harvest_dir / "overrides")
    shutil.copytree(harvest_dir / "stories", bare_dir / "docs", ignore=shutil.ignore_patterns("*.yml"))
    (bare_dir / "mkdocs.yml").write_text(BARE_CONFIG)
    if hugo:
        hugo_site(harvest_dir / "stories", hugo_dir)

    py = sys.executable
    harvest_runs, bare_runs, hugo_runs = [], [], []
    loads = []
    for _ in range(repeat):  # alternate, so a slow spell of the machine hits both
        shutil.rmtree(harvest_dir / ".harvest" / "cache", ignore_errors=True)  # a cold build: no story or page cache
        loads.append(load())
        harvest_runs.append(timed([py, "-m", "harvest.cli", "build"], harvest_dir, env))
        if bare:
            bare_runs.append(timed([py, "-m", "mkdocs", "build", "-q"], bare_dir, env))
        if hugo:
            shutil.rmtree(hugo_dir / "public", ignore_errors=True)
            hugo_runs.append(timed([hugo, "--quiet"], hugo_dir, env))
    bare_runs = bare_runs or [(float("nan"), 0.0)]
    t_harvest = statistics.median(t for t, _ in harvest_runs)
    t_bare = statistics.median(t for t, _ in bare_runs)
    rss_harvest, rss_bare = max(r for _, r in harvest_runs), max(r for _, r in bare_runs)
    t_hugo = statistics.median(t for t, _ in hugo_runs) if hugo_runs else None
    result = {
        "n": n,
        "harvest_s": round(t_harvest, 2),
        "load_average": loads,
        "bare_s": round(t_bare, 2),
        "ratio": round(t_harvest / t_bare, 3),
        "ratio_paired": _paired(harvest_runs, bare_runs, 3),
        "hugo_s": round(t_hugo, 2) if t_hugo else None,
        "over_hugo": round(t_harvest / t_hugo, 2) if t_hugo else None,
        "over_hugo_paired": _paired(harvest_runs, hugo_runs, 2) if hugo_runs else None,
        **({"hugo_runs_s": [round(t, 2) for t, _ in hugo_runs]} if len(hugo_runs) > 1 else {}),
        **({} if hugo else {"hugo": "not installed (Debian: apt-get install -y hugo)"}),
        **(
            {
                "harvest_runs_s": [round(t, 2) for t, _ in harvest_runs],
                "bare_runs_s": [round(t, 2) for t, _ in bare_runs],
            }
            if repeat > 1
            else {}
        ),
        "harvest_site_mb": round(size_mb(harvest_dir / "site"), 1),
        "bare_site_mb": round(size_mb(bare_dir / "site"), 1) if bare else None,
        "harvest_peak_rss_mb": round(rss_harvest),
        "bare_peak_rss_mb": round(rss_bare),
        "cold_build_load": load(),
    }
    if repeat_build:
        result.update(repeat_builds(harvest_dir, env, repeat, t_harvest))
    result.update(index_runs(harvest_dir, env, repeat))
    for name in ("bench_search", "bench_pack") if feature_benches else ():  # feature benchmarks, when present
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
    parser.add_argument("--repeat-build", action="store_true", help="also time warm builds and serve rebuilds")
    parser.add_argument("--no-bare", action="store_true", help="skip the bare Material build")
    parser.add_argument("--no-features", action="store_true", help="skip the search and pack benchmarks")
    parser.add_argument("--keep", type=Path, help="work folder to keep (default: a temp folder, removed)")
    args = parser.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="harvest-bench-"))
    results = []
    try:
        for n in args.sizes:
            results.append(
                bench(n, work, max(1, args.repeat), args.repeat_build, not args.no_bare, not args.no_features)
            )
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
