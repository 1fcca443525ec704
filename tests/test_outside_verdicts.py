"""The outside-request check remembers what it cleared (`offline.verdicts`): the same report as a
check that reads everything, for every kind of file; a file is judged again whenever its bytes
differ; nothing that loads from another host is ever remembered; the file under .harvest/cache/
is ignored when foreign, damaged or malformed."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import pytest

from harvest.offline import verdicts as verdicts_module
from harvest.offline.outside import scan_site
from harvest.offline.verdicts import Verdicts, content_key, verdicts_for
from test_offline_check import BUNDLE, PAGE, PLANTED, plant

CLEAN = {
    "index.html": '<!doctype html><html><head><link rel="stylesheet" href="assets/site.css">\n'
    '<link rel="canonical" href="https://archive.example.org/"></head>\n<body>'
    '<a href="https://example.org/about">about</a>\n<pre class="mermaid">graph TD</pre>'
    '<script src="assets/javascripts/bundle.x.min.js"></script></body></html>',
    "stories/a/index.html": '<html><body><a href="https://example.org/a">a</a>'
    '<a href="https://github.com/o/r" data-md-component="source">repo</a></body></html>',
    "assets/site.css": "a { background: url(../img/x.png) }\n",
    "assets/javascripts/bundle.x.min.js": BUNDLE,
    "search/index.json": json.dumps(
        {"docs": [{"text": f"<p>story {n} <a href='https://example.org/{n}'>out</a></p>"} for n in range(5)]}
    ),
}
HOSTILE = {
    **PLANTED,
    "feed.json": json.dumps({"items": [{"content_html": "<p><img src='https://tracker.example/p.gif'></p>"}]}),
    "windows.html": "<html>\r\n<body>\r\n<img src='https://img.example.com/crlf.png'>\r<p>x</p></body></html>",
}


def report_of(site: Path, verdicts: Verdicts | None = None, pages: set[str] | None = None):
    report = scan_site(site, pages, verdicts)
    return report.loads, report.links, report.dormant, report.files_scanned


@pytest.mark.parametrize(
    "files, hits, misses",
    [
        (CLEAN, 5, 0),
        (HOSTILE, 1, 5),  # app.js only (its URLs are judged with the pages); feed.json: the file and its string
        ({**CLEAN, **HOSTILE}, 4, 5),
    ],
    ids=["clean", "hostile", "both"],
)
def test_remembered_or_not_the_report_is_the_same(tmp_path, files, hits, misses):
    site = plant(tmp_path / "site", files)
    expected = report_of(site)
    memory = Verdicts(None)
    assert report_of(site, memory) == expected  # judged
    assert report_of(site, memory) == expected  # remembered
    on_disk = Verdicts(tmp_path / "cache")
    assert report_of(site, on_disk) == expected and on_disk.save()
    again = Verdicts(tmp_path / "cache")  # a new process
    assert report_of(site, again) == expected
    assert (again.hits, again.misses) == (hits, misses)


def test_features_and_dormant_loads_come_back_from_memory(tmp_path):
    """A remembered page still triggers Material's conditional loads (its features are kept)."""
    site = plant(tmp_path, {"assets/javascripts/bundle.x.min.js": BUNDLE, "index.html": PAGE.format(body="<p>hi</p>")})
    memory = Verdicts(None)
    assert scan_site(site, verdicts=memory).loads == [] and len(memory) == 2
    plant(site, {"story.html": PAGE.format(body='<pre class="diagram mermaid">graph TD</pre>')})
    for _ in range(2):
        loads = scan_site(site, verdicts=memory).loads
        assert [(f.url, "story.html" in f.because) for f in loads] == [
            ("https://unpkg.com/mermaid@11/dist/mermaid.min.js", True)
        ]
    assert memory.hits >= 3


def test_a_file_that_loads_is_never_remembered(tmp_path):
    site = plant(
        tmp_path, {"a.html": "<img src='https://img.example.com/a.png'>", "b.css": "@import 'https://x.example/f.css';"}
    )
    memory = Verdicts(None)
    for _ in range(3):
        assert len(scan_site(site, verdicts=memory).loads) == 2
    assert len(memory) == 0 and memory.hits == 0


def test_changed_bytes_are_judged_again_whatever_the_file_stamp(tmp_path):
    site = plant(tmp_path, {"a.html": "<img src='pics/a.png'>", "b.json": '{"t": "<p>fine</p>"}'})
    memory = Verdicts(None)
    assert scan_site(site, verdicts=memory).loads == []
    for name, text in {
        "a.html": "<img src='//img.example/a.png'>",
        "b.json": '{"t": "<img src=//x.example/>"}',
    }.items():
        before = (site / name).stat()
        (site / name).write_text(text)
        os.utime(site / name, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert sorted(f.url for f in scan_site(site, verdicts=memory).loads) == ["//img.example/a.png", "//x.example/"]


def test_an_edited_search_index_parses_only_the_markup_that_changed(tmp_path, monkeypatch):
    docs = [{"text": f"<p>story {n}</p>"} for n in range(50)]
    site = plant(tmp_path, {"index.json": json.dumps({"docs": docs})})
    memory = Verdicts(None)
    scan_site(site, verdicts=memory)
    fed = []
    from harvest.offline import outside

    original = outside._PageScanner.feed
    monkeypatch.setattr(outside._PageScanner, "feed", lambda self, text: (fed.append(text), original(self, text)))
    docs[7]["text"] = "<p>story 7 <img src='https://tracker.example/7.gif'></p>"
    (site / "index.json").write_text(json.dumps({"docs": docs}))
    assert [f.url for f in scan_site(site, verdicts=memory).loads] == ["https://tracker.example/7.gif"]
    assert fed == [docs[7]["text"]]


def test_line_numbers_count_as_a_text_read_does(tmp_path):
    """Bytes are hashed, then read as `Path.read_text` reads them (universal newlines)."""
    site = plant(tmp_path, {})
    (site / "w.html").write_bytes(b"<p>\r\n</p>\r<p>\n</p><img src='https://a.example/x.png'>\xff")
    (site / "w.css").write_bytes(b"a{}\r\r\nb{background:url(https://b.example/y.png)}")
    assert {(f.file, f.line) for f in scan_site(site, verdicts=Verdicts(None)).loads} == {("w.html", 4), ("w.css", 3)}


# --- the file under .harvest/cache/ --------------------------------------------------------------


def cache_file(tmp_path: Path) -> Path:
    return tmp_path / "cache" / "outside.json"


def filled(tmp_path: Path) -> Path:
    site = plant(tmp_path / "site", CLEAN)
    memory = Verdicts(tmp_path / "cache")
    scan_site(site, verdicts=memory)
    assert memory.save() and cache_file(tmp_path).is_file()
    return site


def rewrite(path: Path, header_change=None, entries_change=None, checksum: bool = True) -> None:
    head, _, body = path.read_bytes().partition(b"\n")
    header, entries = json.loads(head), json.loads(body)
    if entries_change:
        entries_change(entries)
    body = json.dumps(entries).encode()
    header = {**header, **(header_change or {})}
    if checksum:
        header["checksum"] = hashlib.sha256(body).hexdigest()
    path.write_bytes(json.dumps(header).encode() + b"\n" + body)


def _clear(hostile: bytes):
    """An entry claiming the hostile page was cleared."""

    def change(entries):
        entries[content_key("html", hostile)] = [[], [], []]

    return change


MALFORMED = [5, None, [[1], [], []], [[], [], [3]], [[[1, 2, 3]], [], []], [[], []], {"links": []}, [[], [], "mermaid"]]


def _malformed(entries):
    """Every entry shaped otherwise than a checker writes it (one claims the hostile page)."""
    for number, key in enumerate(entries):
        entries[key] = MALFORMED[number % len(MALFORMED)]
    entries[content_key("html", HOSTILE_PAGE)] = [[], [], [1]]


HOSTILE_PAGE = b"<script src='https://cdn.example.com/t.js'></script>"
DAMAGE = {
    "foreign checker": lambda p: rewrite(p, {"checker": "0" * 32}, _clear(HOSTILE_PAGE)),
    "wrong format": lambda p: rewrite(p, {"format": 99}, _clear(HOSTILE_PAGE)),
    "another namespace": lambda p: rewrite(p, {"namespace": "stories"}, _clear(HOSTILE_PAGE)),
    "wrong checksum": lambda p: rewrite(p, None, _clear(HOSTILE_PAGE), checksum=False),
    "truncated": lambda p: p.write_bytes(p.read_bytes()[:-7]),
    "not JSON": lambda p: p.write_bytes(b"\xff\xfe{"),
    "body not a mapping": lambda p: p.write_bytes(p.read_bytes().partition(b"\n")[0] + b"\n[]"),
    "malformed entries": lambda p: rewrite(p, None, _malformed),
    "symbolic link": lambda p: (p.rename(p.with_name("elsewhere")), p.symlink_to(p.with_name("elsewhere"))),
}


@pytest.mark.parametrize("damage", list(DAMAGE), ids=list(DAMAGE))
def test_a_foreign_or_damaged_file_is_ignored(tmp_path, damage):
    site = filled(tmp_path)
    plant(site, {"hostile.html": HOSTILE_PAGE.decode()})
    expected = report_of(site)
    assert "hostile.html" in {f.file for f in expected[0]}
    DAMAGE[damage](cache_file(tmp_path))
    memory = Verdicts(tmp_path / "cache")
    assert report_of(site, memory) == expected
    assert memory.hits == 0
    assert memory.save()
    assert not cache_file(tmp_path).is_symlink()
    assert report_of(site, Verdicts(tmp_path / "cache")) == expected  # written anew, and valid


def test_a_valid_file_is_used(tmp_path):
    """The control for the test above: the same planted entry under the right header is read (as
    trusted as the project folder itself, like every cache under .harvest/)."""
    site = filled(tmp_path)
    plant(site, {"hostile.html": HOSTILE_PAGE.decode()})
    rewrite(cache_file(tmp_path), None, _clear(HOSTILE_PAGE))
    assert "hostile.html" in {f.file for f in report_of(site)[0]}
    assert "hostile.html" not in {f.file for f in report_of(site, Verdicts(tmp_path / "cache"))[0]}


def test_the_file_is_the_owners_only(tmp_path):
    filled(tmp_path)
    assert cache_file(tmp_path).stat().st_mode & 0o077 == 0


def test_the_checker_code_is_part_of_the_key(tmp_path, monkeypatch):
    site = filled(tmp_path)
    monkeypatch.setattr(verdicts_module, "checker_version", lambda: "another checker")
    memory = Verdicts(tmp_path / "cache")
    scan_site(site, verdicts=memory)
    assert memory.hits == 0


def test_one_memory_per_project_for_the_life_of_the_process(tmp_path):
    first = verdicts_for(tmp_path / "a")
    assert verdicts_for(tmp_path / "a") is first and verdicts_for(tmp_path / "b") is not first
    assert first.folder == (tmp_path / "a").resolve() / ".harvest" / "cache"
