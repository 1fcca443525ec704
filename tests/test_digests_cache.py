"""Feeds and emails are made again only when what they read changed (digests/outputs.py): under
`serve` (the plugin kept between rebuilds) and from `.harvest/cache/digests/` between builds;
never stale, never showing a story the profile may no longer see, never trusting a bad cache."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from conftest import build, copy_project, run_harvest

ENV = {"HARVEST_TODAY": "2026-11-21", "SOURCE_DATE_EPOCH": "1790000000", "NO_COLOR": "1"}
FLOOD = "stories/2026/flood-drill.md"  # the only public story of March 2026
ANSWER = "## What resource was missing?\n\n"  # its answer shows in the digest's email and feed entry
CANARY = "Canary-soup-kettle"
COUNTS = re.compile(r"feeds and emails: (\d+) made, (\d+) from the cache, (\d+) unchanged in place")
# Every feed and email file the sample's public build writes.
OUTPUT = re.compile(r"^(feeds/.*|digests/([^/]+)/\2\.(eml|html|txt))$")


def outputs(site: Path) -> dict[str, bytes]:
    found = {}
    for path in sorted(site.rglob("*")):
        rel = path.relative_to(site).as_posix()
        if path.is_file() and OUTPUT.match(rel):
            found[rel] = path.read_bytes()
    assert found, f"no feed or email in {site}"
    return found


def edit(project: Path, new: str) -> None:
    path = project / FLOOD
    text = path.read_text("utf-8")
    assert ANSWER in text
    path.write_text(text.replace(ANSWER, ANSWER + new, 1), "utf-8")


def serve_build(project: Path, site: Path, startup: bool = False):
    """One build as `mkdocs serve` runs it; -> the digests plugin (the same instance every rebuild)."""
    from mkdocs.commands.build import build as mkdocs_build

    from harvest.site.project import load_mkdocs_config

    config = load_mkdocs_config(project / "mkdocs.yml", site_dir=str(site))
    if startup:
        config.plugins.on_startup(command="serve", dirty=True)
    mkdocs_build(config, dirty=True)
    return config.plugins["harvest-digests"]


def cli_build(project: Path, *args: str) -> tuple[int, int, int]:
    result = run_harvest("build", *args, cwd=project, env=ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    found = COUNTS.search(result.stderr)
    assert found, result.stderr
    made, stored, in_place = map(int, found.groups())
    return made, stored, in_place


@pytest.fixture
def env(monkeypatch):
    for key, value in ENV.items():
        monkeypatch.setenv(key, value)


def test_an_edit_in_one_period_makes_only_what_shows_it(tmp_path, env):
    project = copy_project(tmp_path / "archive")
    served = tmp_path / "served"
    plugin = serve_build(project, served, startup=True)
    first = outputs(served)
    assert set(plugin.rendered) == set(first)  # nothing reused on a first build
    plugin = serve_build(project, served)
    assert plugin.rendered == []  # nothing changed: nothing made
    edit(project, f"{CANARY} in every kitchen. ")
    plugin = serve_build(project, served)
    # Written by hand: the March 2026 digest's email, and the feeds that hold the story or the
    # digest (every story is among the newest 50); no other digest's email, no other lesson's feed.
    feeds = ["stories", "digests", "lessons/communication", "lessons/logistics", "lessons/safety"]
    expected = {f"digests/2026-03/2026-03.{suffix}" for suffix in ("eml", "html", "txt")} | {
        f"feeds/{name}{suffix}" for name in feeds for suffix in (".atom.xml", ".rss.xml", ".json")
    }
    assert set(plugin.rendered) == expected
    served_now = outputs(served)
    assert CANARY.encode() in served_now["digests/2026-03/2026-03.txt"]
    assert CANARY.encode() in served_now["feeds/lessons/safety.json"]
    # Byte for byte what a clean build, which reads and keeps no cache, writes.
    assert served_now == outputs(build(project, "--no-cache", env=ENV))
    assert {path for path in first if first[path] != served_now[path]} <= expected


@pytest.mark.parametrize(
    "hide",
    [
        lambda text: text.replace("lang: en", "lang: en\nvisibility: private", 1),
        lambda text: text.replace("lang: en", "lang: en\nembargo_until: 2027-01-01", 1),
        lambda text: text.replace(CANARY, f"[[redact]]{CANARY}[[/redact]]", 1),
    ],
    ids=["private", "embargoed", "redacted"],
)
def test_a_hidden_story_leaves_every_feed_and_email_on_the_next_warm_build(tmp_path, env, hide):
    project = copy_project(tmp_path / "archive")
    edit(project, f"{CANARY} by the door. ")
    assert "visibility:" not in (project / FLOOD).read_text("utf-8")  # public by default
    served = tmp_path / "served"
    serve_build(project, served, startup=True)
    assert any(CANARY.encode() in data for data in outputs(served).values())
    cli_build(project)  # and the cache on disk is warm
    path = project / FLOOD
    path.write_text(hide(path.read_text("utf-8")), "utf-8")
    made, _, _ = cli_build(project)  # from the cache on disk, in a new process
    assert made > 0
    serve_build(project, served)  # from what the kept plugin wrote (the cache has the new ones now)
    for site in (served, project / "site"):
        leaked = [name for name, data in outputs(site).items() if CANARY.encode() in data]
        assert leaked == [], site


def _flip_a_byte(file: Path) -> None:
    data = bytearray(file.read_bytes())
    data[-2] ^= 1
    file.write_bytes(bytes(data))


@pytest.mark.parametrize(
    "corrupt",
    [
        _flip_a_byte,
        lambda file: file.write_bytes(file.read_bytes()[:100]),
        lambda file: file.write_bytes(b'{"format": 1}\n' + file.read_bytes().partition(b"\n")[2]),
        lambda file: file.write_bytes(b"\xff\xfe not ours"),
    ],
    ids=["flipped byte", "truncated", "foreign header", "garbage"],
)
def test_a_bad_cache_file_is_ignored_and_made_again(tmp_path, corrupt):
    project = copy_project(tmp_path / "archive")
    made, stored, _ = cli_build(project)
    assert made > 0 and stored == 0
    clean = outputs(project / "site")
    files = sorted((project / ".harvest" / "cache" / "digests").glob("*.out"))
    assert len(files) == len(clean)
    assert {file.stat().st_mode & 0o777 for file in files} == {0o600}
    assert cli_build(project) == (0, made, 0)  # a warm build makes nothing
    for file in files:
        corrupt(file)
    assert cli_build(project) == (made, 0, 0)  # every output made again, none trusted
    assert outputs(project / "site") == clean
    assert cli_build(project) == (0, made, 0)  # and the cache written anew


PAGE = '<p>Our <a href="../drill/">drill</a> <img src="x.png" alt=""></p>'


@pytest.mark.parametrize(
    ("across_builds", "cleaned_again"),
    [
        (True, 0),  # `serve`: the next build reuses what this one cleaned
        (False, 1),  # a process that builds once keeps nothing past the build
    ],
)
def test_the_portable_memo_keeps_past_a_build_only_for_serve(across_builds, cleaned_again):
    from harvest.digests.render import PortableMemo, portable_html

    memo = PortableMemo(across_builds=across_builds)
    memo.new_build()
    expected = '<p>Our <a href="https://example.org/2026/drill/" rel="noopener noreferrer">drill</a> </p>'
    assert portable_html(PAGE, "https://example.org/2026/x/") == expected
    assert memo(PAGE, "https://example.org/2026/x/") == expected
    assert memo(PAGE, "https://example.org/2026/x/") == expected
    assert memo.made == 1  # once per build however many outputs show it
    memo.end_build()
    memo.new_build()
    assert memo(PAGE, "https://example.org/2026/x/") == expected
    assert memo.made == cleaned_again


def test_a_job_s_files_are_made_and_written_one_at_a_time(tmp_path):
    """The digests' feed is three files of ~4 MB each at 5,000 stories: each is written (and
    stored) before the next is made, not all three held at once."""
    from harvest.digests.outputs import Job, Outputs, OutputStore

    paths = ("feeds/x.atom.xml", "feeds/x.rss.xml", "feeds/x.json")
    site = tmp_path / "site"
    store = OutputStore(tmp_path / "cache", "slot")
    seen = []

    def make():
        for number, path in enumerate(paths):
            seen.append(sorted(p.name for p in site.rglob("*") if p.is_file()))
            yield f"file {number} of {path}".encode()

    outputs = Outputs(store, None)
    done = outputs.write([Job("feed", paths, "key", make)], lambda path: str(site / path))
    assert done == set(paths)
    assert seen == [[], ["x.atom.xml"], ["x.atom.xml", "x.rss.xml"]]
    assert (site / paths[2]).read_bytes() == b"file 2 of feeds/x.json"
    assert [store.get(path, "key") for path in paths] == [f"file {n} of {p}".encode() for n, p in enumerate(paths)]
    # made again from the store: the same bytes, nothing made
    again = Outputs(store, None)
    again.write([Job("feed", paths, "key", lambda: pytest.fail("made although stored"))], lambda path: str(site / path))
    assert again.counts == {"rendered": 0, "stored": 1, "in place": 0}
