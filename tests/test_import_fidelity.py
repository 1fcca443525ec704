"""Issue 19: a migrated collection reads as well as the original.

One collection per source kind (Jekyll with a day-first date mapping; Hugo with a page bundle and
`static/`; a Material blog with `.authors.yml`, admonitions, details, tabs, emoji, cross-links and
a `templates/` folder) is imported into one archive, checked and built once; the tests then read
the built pages: no raw generator syntax, every link between posts leads to an imported story,
every local image is there without its metadata, no outside request in Chromium, and a re-import
changes nothing and keeps a reviewer's edit. Images are written by the test (with EXIF, GPS and a
text chunk), so the fixtures stay text.
"""

from __future__ import annotations

import html
import re
import shutil
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar
from urllib.parse import unquote, urljoin

import pytest
import yaml
from PIL import Image, PngImagePlugin

from conftest import build, copy_project, run_harvest

FIXTURES = Path(__file__).parent / "fixtures" / "import" / "fidelity"
GPS_IFD = 0x8825
IMAGES = {  # written into each copied collection: where the old site kept them
    "jekyll": ["assets/img/drill.jpg", "assets/img/map.png"],
    "hugo": ["static/images/soup.jpg", "content/posts/assembly/laundry.png"],
    "material": ["docs/blog/images/rounds.png", "docs/assets/logo.png"],
}
IMPORTS = {  # collection -> (folder inside the stories folder, extra arguments)
    "jekyll": ("jekyll", ["--mapping", "{source}/map.yml"]),
    "hugo": ("hugo", []),
    "material": ("material", []),
}
REMNANTS = re.compile(r"!!!|\?\?\?|===|\{%|%\}|\{\{|\}\}|(?<![\w/]):[a-z][a-z0-9_+-]*:(?![\w/])")


def photo(path: Path, colour=(200, 40, 40)) -> None:
    """A small image carrying what must never be published: GPS, a camera note, a text chunk."""
    path.parent.mkdir(parents=True, exist_ok=True)
    image = Image.new("RGB", (24, 16), colour)
    exif = Image.Exif()
    exif[0x010E] = "exifcanary"
    exif[GPS_IFD] = {1: "N", 2: (52.0, 31.0, 12.5), 3: "E", 4: (13.0, 24.0, 1.0)}
    if path.suffix == ".png":
        info = PngImagePlugin.PngInfo()
        info.add_text("Comment", "pngtextcanary")
        image.save(path, "PNG", exif=exif.tobytes(), pnginfo=info)
    else:
        image.save(path, "JPEG", exif=exif.tobytes(), comment=b"jpegcommentcanary")


def assert_no_metadata(file: Path) -> None:
    data = file.read_bytes()
    for canary in (b"exifcanary", b"pngtextcanary", b"jpegcommentcanary"):
        assert canary not in data, (file, canary)
    with Image.open(file) as image:
        image.load()
        exif = image.getexif()
        assert not exif.get_ifd(GPS_IFD) and not dict(exif), (file, dict(exif))
        assert not {"exif", "comment", "Comment"} & set(image.info), (file, image.info)


def collection(tmp: Path, kind: str) -> Path:
    source = tmp / "sources" / kind
    shutil.copytree(FIXTURES / kind, source)
    for index, name in enumerate(IMAGES[kind]):
        photo(source / name, (40 * index, 120, 60))
    return source


def harvest_import(project: Path, kind: str, source: Path, *more: str) -> str:
    folder, extra = IMPORTS[kind]
    args = [
        str(source),
        "--into",
        f"stories/imported/{folder}",
        "--event",
        "action",
        "--add-contributors",
        *[a.format(source=source) for a in extra],
        *more,
    ]
    result = run_harvest("import", *args, cwd=project)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def count(output: str, label: str) -> int:
    return int(re.search(rf"^  {re.escape(label)}\s+(\d+)$", output, re.M).group(1))


def stories(project: Path, kind: str) -> dict[str, tuple[dict, str, Path]]:
    """imported stories of one collection: stem of the source (`river-drill`) -> (meta, body, file)."""
    found = {}
    for file in sorted((project / "stories" / "imported" / IMPORTS[kind][0]).glob("imp-*.md")):
        _, front, body = file.read_text("utf-8").split("---\n", 2)
        meta = yaml.safe_load(front)
        found[re.sub(r"^imp-(.+)-[0-9a-f]{8}$", r"\1", file.stem)] = (meta, body, file)
    return found


def article(site: Path, meta: dict, kind: str) -> tuple[str, Path]:
    page = site / "imported" / IMPORTS[kind][0] / meta["id"] / "index.html"
    text = page.read_text("utf-8")
    return text[text.index("<article") : text.index("</article>")], page


@pytest.fixture(scope="module")
def imported(tmp_path_factory):
    """The three collections imported into one archive (outputs kept), checked and built once."""
    tmp = tmp_path_factory.mktemp("fidelity")
    project = copy_project(tmp / "archive")
    outputs = {kind: harvest_import(project, kind, collection(tmp, kind)) for kind in IMPORTS}
    check = run_harvest("check", cwd=project)
    assert check.returncode == 0 and "0 error(s), 0 warning(s)" in check.stdout, check.stdout + check.stderr
    return project, outputs, build(project), tmp


def test_each_collection_imports_what_its_generator_published(imported):
    project, outputs, _, _ = imported
    assert {k: (count(o, "imported (new)"), count(o, "skipped")) for k, o in outputs.items()} == {
        "jekyll": (4, 1),
        "hugo": (2, 1),
        "material": (2, 1),
    }
    assert "2019-06-01-unfinished.md:1: a draft" in outputs["jekyll"]
    assert "plans.md:1: a draft" in outputs["hugo"]
    assert "template_article.md: a template (in a `templates/` folder)" in outputs["material"]
    assert set(stories(project, "jekyll")) == {"river-drill", "first-drill", "sandbag-day", "radio-net"}
    assert set(stories(project, "material")) == {"heatwave", "bike-relay"}


def test_day_first_dates_and_default_lessons_come_from_the_mapping(imported):
    project = imported[0]
    found = stories(project, "jekyll")
    assert str(found["river-drill"][0]["date"]) == "2019-03-04"  # 04/03/2019, day first
    assert str(found["sandbag-day"][0]["date"]) == "2019-04-10"
    assert found["first-drill"][0]["lessons"] == ["safety"]  # no tags: lessons_default


def test_placeholders_do_not_read_as_content(imported):
    project, _, site, _ = imported
    for kind in IMPORTS:
        for name, (meta, _, _) in stories(project, kind).items():
            assert meta["place"] == "", (kind, name)
            text, _ = article(site, meta, kind)
            assert "Unknown" not in text and 'href="../../../../places/' not in text
            assert meta["summary"] != meta["title"]
    material = stories(project, "material")
    assert material["bike-relay"][0]["summary"] == "Twelve riders carried leaflets across town in relays 🚲."
    imported_ids = [m["id"] for kind in IMPORTS for m, _, _ in stories(project, kind).values()]
    for listing in (site / "places").rglob("index.html"):  # no place page lists a story without a place
        assert not any(story_id in listing.read_text("utf-8") for story_id in imported_ids), listing
    related = (site / "imported" / "material" / material["heatwave"][0]["id"] / "index.html").read_text("utf-8")
    assert "Unknown" not in related


def test_built_pages_show_no_generator_syntax(imported):
    project, _, site, _ = imported
    for kind in IMPORTS:
        for name, (meta, _body, _) in stories(project, kind).items():
            text, _ = article(site, meta, kind)
            visible = html.unescape(re.sub(r"<pre.*?</pre>|<[^>]+>", " ", text, flags=re.S))
            assert not REMNANTS.search(visible), (kind, name, REMNANTS.search(visible).group(0))
    heatwave = article(site, stories(project, "material")["heatwave"][0], "material")[0]
    assert (
        '<div class="admonition info">' in heatwave and '<p class="admonition-title">Before you start</p>' in heatwave
    )
    assert '<details class="note">' in heatwave and "<summary>How the rounds worked</summary>" in heatwave
    assert '<details class="tip" open' in heatwave and "<summary>Tip</summary>" in heatwave
    assert "<strong>Morning</strong>" in heatwave and "<strong>Evening</strong>" in heatwave
    assert "📆" in heatwave and "☀" in heatwave and "💧" in heatwave
    assert "!!! this stays code" in heatwave  # code is never converted


# Every link from one post to another, by source kind: (post, link text) -> the post it leads to.
CROSS_LINKS = {
    "jekyll": {
        ("river-drill", "first drill"): "first-drill",
        ("river-drill", "sandbag day"): "sandbag-day",
        ("river-drill", "radio net"): "radio-net",
        ("first-drill", "what came next"): "river-drill",
        ("sandbag-day", "the river drill"): "river-drill",
    },
    "hugo": {
        ("soup-line", "assembly"): "assembly",
        ("soup-line", "the assembly notes"): "assembly",
        ("soup-line", "the same notes in full"): "assembly",
        ("assembly", "soup line"): "soup-line",
    },
    "material": {
        ("heatwave", "relay riders' list"): "bike-relay",
        ("heatwave", "May Day relay"): "bike-relay",
        ("bike-relay", "heatwave rounds"): "heatwave",
    },
}
TEXT_ONLY = {"jekyll": ("river-drill", "2017 drill"), "hugo": ("soup-line", "rota")}


def links_of(text: str, page: Path) -> dict[str, Path]:
    return {
        html.unescape(re.sub(r"<[^>]+>", "", label)).strip(): Path(unquote(urljoin(page.as_uri(), href)[7:]))
        for href, label in re.findall(r'<a href="([^"#:]+)(?:#[^"]*)?"[^>]*>(.*?)</a>', text, re.S)
    }


@pytest.mark.parametrize("kind", list(IMPORTS))
def test_links_between_posts_lead_to_the_imported_stories(imported, kind):
    project, _, site, _ = imported
    found = stories(project, kind)
    for (name, label), target in CROSS_LINKS[kind].items():
        text, page = article(site, found[name][0], kind)
        links = links_of(text, page)
        assert label in links, (name, label, sorted(links))
        resolved = links[label]
        resolved = resolved / "index.html" if resolved.is_dir() else resolved
        assert resolved == site / "imported" / IMPORTS[kind][0] / found[target][0]["id"] / "index.html"
        assert resolved.is_file()
    if kind in TEXT_ONLY:
        name, label = TEXT_ONLY[kind]
        text, page = article(site, found[name][0], kind)
        assert label in text and label not in links_of(text, page)


@pytest.mark.parametrize("kind", list(IMPORTS))
def test_local_images_are_copied_next_to_the_story_without_metadata(imported, kind):
    project, _, site, _ = imported
    shown = 0
    for _name, (meta, body, file) in stories(project, kind).items():
        for ref in re.findall(r"!\[[^\]]*\]\(([^)]+)\)", body):
            if ref.startswith("http"):
                continue
            assert ref.startswith(meta["id"] + "/"), ref
            assert_no_metadata(file.parent / ref)
            text, page = article(site, meta, kind)
            sources = [
                Path(unquote(urljoin(page.as_uri(), src)[7:])) for src in re.findall(r'<img[^>]+src="([^"]+)"', text)
            ]
            assert all(s.is_file() for s in sources), sources
            for built in sources:
                assert_no_metadata(built)
            shown += 1
    assert shown == {"jekyll": 3, "hugo": 2, "material": 2}[kind]


def test_remote_images_stay_links_without_the_option(imported):
    project = imported[0]
    body = stories(project, "material")["heatwave"][1]
    assert "[Sun over the bay](https://cdn.example.com/sun.jpg)" in body


def test_pages_make_no_outside_request(imported, page):
    project, _, site, _ = imported
    for kind in IMPORTS:
        for meta, _, _ in stories(project, kind).values():
            page.goto((site / "imported" / IMPORTS[kind][0] / meta["id"] / "index.html").as_uri())
            page.wait_for_load_state("load")
            broken = page.evaluate(
                "[...document.querySelectorAll('article img')]"
                ".filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.src)"
            )
            assert broken == [], broken
    assert page.request_log.outside == [], page.request_log.outside


def test_reimport_is_idempotent_and_keeps_reviewers_edits(tmp_path):
    project = copy_project(tmp_path / "archive")
    for kind in IMPORTS:
        source = collection(tmp_path, kind)
        first = harvest_import(project, kind, source)
        files = {p: p.read_bytes() for p in (project / "stories" / "imported").rglob("*") if p.is_file()}
        again = harvest_import(project, kind, source)
        assert count(again, "unchanged") == count(first, "imported (new)") and count(again, "updated") == 0
        assert {p: p.read_bytes() for p in (project / "stories" / "imported").rglob("*") if p.is_file()} == files
        meta, _body, file = next(iter(stories(project, kind).values()))
        edited = file.read_text("utf-8").replace(meta["title"], meta["title"] + " (reviewed)")
        file.write_text(edited, "utf-8")
        third = harvest_import(project, kind, source)
        assert count(third, "kept (edited)") == 1 and file.read_text("utf-8") == edited


# --- remote images, fetched once when asked (from a server on this machine) -----------------------


class _Images(BaseHTTPRequestHandler):
    hits: ClassVar[list[str]] = []  # shared by the handler's instances: one per request
    routes: ClassVar[dict[str, tuple[str, bytes, dict]]] = {}

    def do_GET(self):
        type(self).hits.append(self.path)
        content_type, data, headers = self.routes.get(self.path, ("text/plain", b"missing", {"status": 404}))
        self.send_response(headers.get("status", 200))
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", headers.get("length", str(len(data))))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


@pytest.fixture
def image_server(tmp_path):
    jpeg = tmp_path / "sun.jpg"
    photo(jpeg)
    _Images.hits = []
    _Images.routes = {
        "/sun.jpg": ("image/jpeg", jpeg.read_bytes(), {}),
        "/page.jpg": ("image/jpeg", b"<html>not an image</html>", {}),
        "/huge.jpg": ("image/jpeg", b"\xff\xd8", {"length": "900000000"}),
    }
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Images)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_remote_images_are_fetched_once_checked_and_stripped(tmp_path, image_server):
    source = tmp_path / "blog"
    (source / "_posts").mkdir(parents=True)
    (source / "_posts" / "2020-05-01-sunny.md").write_text(
        f"---\ntitle: Sunny\ndate: 2020-05-01\ntags: [joy]\n---\n\nThe bay. ![Sun]({image_server}/sun.jpg)\n"
        f"Again ![Sun again]({image_server}/sun.jpg), ![Page]({image_server}/page.jpg), "
        f"![Huge]({image_server}/huge.jpg), ![Gone]({image_server}/gone.jpg).\n",
        "utf-8",
    )
    project = copy_project(tmp_path / "archive")

    plain = run_harvest("import", str(source), "--event", "festival", cwd=project)
    assert plain.returncode == 0 and _Images.hits == []  # without the option nothing is fetched
    shutil.rmtree(project / "stories" / "_inbox")

    out = run_harvest(
        "import", str(source), "--event", "festival", "--into", "stories/imported", "--fetch-remote-images", cwd=project
    ).stdout
    assert sorted(_Images.hits) == ["/gone.jpg", "/huge.jpg", "/page.jpg", "/sun.jpg"]  # each address once
    file = next((project / "stories" / "imported").glob("imp-sunny-*.md"))
    body = file.read_text("utf-8")
    copies = re.findall(r"!\[Sun(?: again)?\]\((imp-sunny-[0-9a-f]{8}/sun-[0-9a-f]{8}\.jpg)\)", body)
    assert len(copies) == 2 and copies[0] == copies[1]
    assert_no_metadata(file.parent / copies[0])
    for name in ("page", "huge", "gone"):
        assert f"[{name.capitalize()}]({image_server}/{name}.jpg)" in body
    assert "page.jpg not fetched: it is not a JPEG, PNG, GIF or WebP image" in out, out
    assert "huge.jpg not fetched: it is 900 MB, over the 10 MB limit" in out
    assert "gone.jpg not fetched: it could not be fetched" in out
    assert run_harvest("check", cwd=project).returncode == 0
    site = build(project)
    assert len(list((site / "imported").rglob("sun-*.jpg"))) == 1

    _Images.hits = []
    again = run_harvest(
        "import", str(source), "--event", "festival", "--into", "stories/imported", "--fetch-remote-images", cwd=project
    ).stdout
    assert "/sun.jpg" not in _Images.hits  # the copy next to the story is used again
    assert count(again, "unchanged") == 1
