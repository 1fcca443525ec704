"""`harvest collect` as a contributor and a maintainer meet it: a real server on 127.0.0.1.

Submit → a story file in stories/_inbox/ that `harvest check` accepts + a receipt; bad answers →
errors beside their fields with the text kept; `harvest inbox accept` + `harvest build` publishes;
hostile submissions are refused or neutralised, nothing is written outside the inbox, and the
server's log never shows a traceback.
"""

from __future__ import annotations

import html
import io
import re
import socket
import struct
import zlib

import lxml.html
import pytest
import requests
from PIL import Image

from collect_helpers import VALID, receipt, start_collect, tree
from conftest import build, copy_project, run_harvest


@pytest.fixture
def server(project, sample_site):
    collecting = start_collect(project, sample_site, "--per-minute", "1000")
    yield collecting
    log = collecting.stop()
    assert "Traceback" not in log, log


@pytest.fixture(scope="module")
def shared_server(tmp_path_factory, sample_site):
    """One server for the tests that must write nothing (each checks the inbox stays empty)."""
    collecting = start_collect(
        copy_project(tmp_path_factory.mktemp("shared") / "archive"), sample_site, "--per-minute", "1000"
    )
    yield collecting
    log = collecting.stop()
    assert "Traceback" not in log, log


def post(server, data, files=None, **kwargs):
    return requests.post(server.url + "/contribute/", data=data, files=files, timeout=30, **kwargs)


# --- the happy path ------------------------------------------------------------------------------


def test_submission_becomes_an_inbox_story_with_a_receipt(server):
    assert requests.get(server.url + "/contribute/", timeout=10).status_code == 200
    code = receipt(post(server, VALID))
    [story] = server.stories()
    text = story.read_text("utf-8")
    assert re.fullmatch(
        r'---\nid: "2026-03-the-kettle-brigade-[0-9a-f]{4}"\ntitle: "The kettle brigade"\ndate: 2026-03-02\n'
        r'event: "assembly"\nplace: "Saltwick Yards"\ncontributors: \[\]\nlessons: \["mutual-care", "logistics"\]\n'
        r'summary: "Tea kept everyone going\."\nvisibility: "public"\n---\n\n## What surprised us\?\n\n'
        r"How much tea we needed\.\n",
        text,
    ), text
    check = run_harvest("check", cwd=server.project)
    assert check.returncode == 0, check.stdout + check.stderr
    shown = run_harvest("inbox", "show", code.lower().replace("-", " "), cwd=server.project)
    assert shown.returncode == 0, shown.stderr
    assert f"receipt: {code}" in shown.stdout and 'title: "The kettle brigade"' in shown.stdout
    listed = run_harvest("inbox", "list", cwd=server.project)
    assert code in listed.stdout and "1 story in stories/_inbox/" in listed.stdout


def test_two_stories_with_the_same_title_never_overwrite(server):
    codes = {receipt(post(server, VALID)) for _ in range(3)}
    assert len(codes) == 3 and len(server.stories()) == 3


@pytest.mark.parametrize(
    "changes, field, message",
    [
        ({"title": ""}, "title", "This is needed."),
        ({"date": "2026-02-30"}, "date", "'2026-02-30' is not a real date."),
        ({"event": "picnic"}, "event", "Unknown event kind 'picnic'"),
        ({"lessons": []}, "lessons", "Choose at least one lesson."),
        ({"lessons": ["not-a-lesson"]}, "lessons", "Unknown lesson 'not-a-lesson'"),
        ({"answer-surprised": ""}, "answers", "No prompt is answered."),
        ({"consent": ["1"]}, "consent", "Please confirm both points before sending."),
        ({"visibility": "everyone"}, "visibility", "Unknown visibility 'everyone'"),
        ({"contributors": "???"}, "contributors", "'???' cannot be used as a handle"),
    ],
)
def test_bad_answers_are_shown_beside_their_field_and_the_text_is_kept(shared_server, changes, field, message):
    server = shared_server
    data = {**VALID, "place": "Cups <&> saucers", **changes}
    response = post(server, data)
    assert response.status_code == 400
    errors = re.search(rf'<ul class="hc-error" id="err-{field}">(.*?)</ul>', response.text, re.S)
    assert errors and message in html.unescape(errors.group(1)), response.text
    page = html.unescape(response.text)
    for name in ("title", "place", "summary", "answer-surprised", "date"):
        if data[name]:
            assert data[name] in page, name
    assert 'value="Cups &lt;&amp;&gt; saucers"' in response.text  # kept, and escaped
    assert server.stories() == []


def test_accept_then_build_publishes_and_reject_logs_the_reason(server):
    code = receipt(post(server, {**VALID, "title": "Kettles at dawn"}))
    other = receipt(post(server, {**VALID, "title": "A story to withdraw"}))
    accepted = run_harvest("inbox", "accept", code, cwd=server.project)
    assert accepted.returncode == 0, accepted.stderr
    moved = list((server.project / "stories" / "2026").glob("2026-03-kettles-at-dawn-*.md"))
    assert len(moved) == 1
    story_id = moved[0].stem
    ledger = (server.project / "stories" / "ids.txt").read_text()
    assert f"{story_id} 2026-03-02 2026/{moved[0].name}" in ledger
    rejected = run_harvest("inbox", "reject", other, "--reason", "asked to withdraw it", cwd=server.project)
    assert rejected.returncode == 0, rejected.stderr
    assert server.stories() == []
    log = (server.inbox / "moderation.log").read_text()
    assert f"\taccept\t{code}\t{story_id}\tstories/2026/{moved[0].name}\n" in log
    assert f"\treject\t{other}\t" in log and "\tasked to withdraw it\n" in log
    gone = run_harvest("inbox", "show", other, cwd=server.project)
    assert gone.returncode == 1 and "rejected: asked to withdraw it" in gone.stderr
    site = build(server.project)
    page = (site / "2026" / moved[0].stem / "index.html").read_text("utf-8")
    assert "Kettles at dawn" in page and "How much tea we needed." in page
    assert "A story to withdraw" not in "".join(p.read_text("utf-8", "replace") for p in site.rglob("*.html"))


def test_a_photo_arrives_without_its_location(server, tmp_path):
    image = Image.new("RGB", (40, 30), (200, 40, 40))
    exif = Image.Exif()
    exif[0x010E] = "exifcanary"
    exif[0x8825] = {1: "N", 2: (52.0, 31.0, 12.5), 3: "E", 4: (13.0, 24.0, 1.0)}
    data = io.BytesIO()
    image.save(data, "JPEG", exif=exif.tobytes())
    assert b"exifcanary" in data.getvalue()
    code = receipt(post(server, VALID, files={"photo": ("IMG_0001.jpg", data.getvalue(), "image/jpeg")}))
    [story] = server.stories()
    photo = server.inbox / f"{story.stem}.jpg"
    assert f'images: ["{photo.name}"]' in story.read_text()
    stored = photo.read_bytes()
    assert b"exifcanary" not in stored and b"Exif" not in stored
    with Image.open(photo) as saved:
        assert saved.size == (40, 30) and not saved.getexif()
    assert run_harvest("check", cwd=server.project).returncode == 0
    assert run_harvest("inbox", "accept", code, cwd=server.project).returncode == 0
    assert (server.project / "stories" / "2026" / photo.name).is_file() and not photo.exists()


def test_join_page_shows_the_qr_code_inline(server):
    page = requests.get(server.url + "/join", timeout=10).text
    assert "Tell your story: scan this" in page and "<svg" in page and "<path" in page
    assert f"{server.url}/contribute/" in page
    assert not re.search(r'(src|href)="(https?:)?//', page)


# --- hostile submissions -------------------------------------------------------------------------


def _png_bomb() -> bytes:
    """A tiny PNG that claims 100000×100000 pixels."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", 100_000, 100_000, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\0" * 1000))
        + chunk(b"IEND", b"")
    )


@pytest.mark.parametrize(
    "name, content, message",
    [
        ("bomb.png", _png_bomb(), "megapixels"),
        ("notes.jpg", b"Just some text pretending to be a photo.\n", "is not a JPEG, PNG, GIF or WebP image"),
        ("../../../../evil.md", b"---\ntitle: evil\n---\n", "is not a JPEG, PNG, GIF or WebP image"),
        ("cut.jpg", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01", "The photo"),
        ("svg.jpg", b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', "is not a JPEG"),
    ],
)
def test_hostile_photos_are_refused(shared_server, name, content, message):
    server = shared_server
    before = tree(server.project.parent, skip=server.inbox)
    response = post(server, VALID, files={"photo": (name, content, "image/jpeg")})
    assert response.status_code == 400
    errors = re.search(r'<ul class="hc-error" id="err-photo">(.*?)</ul>', response.text, re.S)
    assert errors and message in html.unescape(errors.group(1))
    assert "The kettle brigade" in response.text  # the text is kept
    assert server.stories() == [] and not list(server.inbox.glob("*.png")) and not list(server.inbox.glob("*.jpg"))
    after = tree(server.project.parent, skip=server.inbox)
    assert {k for k in after if not k.startswith("collect-")} == {k for k in before if not k.startswith("collect-")}


SCRIPTS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    '" onmouseover="alert(1)',
    "<svg onload=alert(1)>",
    "javascript:alert(1)",
    "{{ 7*7 }}",
]


def test_scripts_in_every_field_are_neutralised(server):
    codes = []
    for number, script in enumerate(SCRIPTS):
        data = {
            **VALID,
            "title": f"Title {number} {script}",
            "place": f"Place {script}",
            "summary": f"Summary {script}",
            "answer-surprised": f"Answer {script} [link]({script})",
            "contributors": script,
            "event": script,
            "visibility": script,
            "lessons": [script],
            "date": script,
            "consent": [script],
        }
        response = post(server, data)  # refused (the choices are wrong): everything shown again, escaped
        assert response.status_code == 400
        form = response.text.split("<form", 1)[1]
        assert "<script>alert" not in form and "<img src=x" not in form and "<svg onload" not in form
        assert 'onmouseover="alert' not in form and "49" not in form.replace("490", "")
        assert f"Title {number} {script}" in html.unescape(form)  # kept, as text
        # With the choices right, the free text goes in as text and is published escaped.
        data.update({k: VALID[k] for k in ("event", "visibility", "lessons", "date", "consent")})
        response = post(server, data)
        if response.status_code == 200:
            codes.append(receipt(response))
        else:
            assert response.status_code == 400 and 'class="hc-error"' in response.text
    assert len(codes) >= 4, "most of these are plain text to the archive"
    assert run_harvest("check", cwd=server.project).returncode == 0
    for code in codes:
        assert run_harvest("inbox", "accept", code, cwd=server.project).returncode == 0
    site = build(server.project)
    pages = [p.read_text("utf-8") for p in site.glob("2026/2026-03-title-*/index.html")]
    assert len(pages) == len(codes)
    for body in pages:
        assert "Summary " in body
        tree_ = lxml.html.fromstring(body)
        assert not [s for s in tree_.iter("script") if "alert(1)" in (s.text or "")]
        handlers = [
            (el.tag, name)
            for el in tree_.iter()
            if isinstance(el.tag, str)
            for name, value in el.attrib.items()
            if name.startswith("on") and "alert" in value
        ]
        assert handlers == []
        assert not [el for el in tree_.iter("a") if "javascript:" in (el.get("href") or "")]


@pytest.mark.parametrize(
    "body, content_type",
    [
        (
            b"title=%FF%FEbad&"
            + b"&".join(f"{k}={v}".encode() for k, v in VALID.items() if isinstance(v, str) and k != "title"),
            "application/x-www-form-urlencoded",
        ),
        (
            b'--b\r\nContent-Disposition: form-data; name="title"\r\n\r\n\xff\xfe\xc3(bad\r\n--b--\r\n',
            "multipart/form-data; boundary=b",
        ),
    ],
)
def test_invalid_utf8_is_refused(shared_server, body, content_type):
    server = shared_server
    response = requests.post(server.url + "/contribute/", data=body, headers={"Content-Type": content_type}, timeout=10)
    assert response.status_code == 400
    errors = re.search(r'<ul class="hc-error" id="err-title">(.*?)</ul>', response.text, re.S)
    assert errors and "not valid UTF-8" in errors.group(1)
    assert server.stories() == []


def test_honeypot_and_unknown_fields(server):
    response = post(server, {**VALID, "website": "http://spam.example"})
    assert response.status_code == 400 and "filled in by a program" in response.text
    assert server.stories() == []
    code = receipt(post(server, {**VALID, "../../id": "x", "images": "../../../etc/passwd", "id": "taken"}))
    [story] = server.stories()
    text = story.read_text()
    assert "passwd" not in text and "taken" not in text and code


def _raw(server, request: bytes, body_chunks=()) -> bytes:
    host, port = server.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=20) as sock:
        sock.sendall(request)
        try:
            for chunk in body_chunks:
                sock.sendall(chunk)
        except (BrokenPipeError, ConnectionResetError):
            pass
        data = b""
        try:
            while chunk := sock.recv(65536):
                data += chunk
        except (TimeoutError, ConnectionResetError):
            pass
        return data


def test_a_50_mb_body_gets_413(shared_server):
    server = shared_server
    head = (
        b"POST /contribute/ HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: multipart/form-data; boundary=b\r\n"
        b"Content-Length: 52428800\r\n\r\n"
    )
    assert _raw(server, head).startswith(b"HTTP/1.1 413")
    chunked = (
        b"POST /contribute/ HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: multipart/form-data; boundary=b\r\n"
        b"Transfer-Encoding: chunked\r\n\r\n"
    )
    piece = b"x" * 1_000_000
    chunks = [b'--b\r\nContent-Disposition: form-data; name="photo"; filename="a.jpg"\r\n\r\n']
    chunks = [f"{len(c):x}\r\n".encode() + c + b"\r\n" for c in chunks + [piece] * 50]
    assert _raw(server, chunked, chunks).startswith(b"HTTP/1.1 413")
    assert server.stories() == []


def test_rate_limit_per_client(project, sample_site):
    server = start_collect(project, sample_site, "--per-minute", "2")
    try:
        statuses = [post(server, {**VALID, "title": ""}).status_code for _ in range(3)]
        assert statuses == [400, 400, 429]
        limited = post(server, VALID)
        assert limited.status_code == 429 and int(limited.headers["Retry-After"]) >= 1
        assert "go back and send it again" in limited.text
    finally:
        log = server.stop()
    assert "Traceback" not in log


# --- moderation in the server --------------------------------------------------------------------


def test_moderation_page_needs_the_token_and_a_csrf_token(server):
    code = receipt(post(server, VALID))
    [story] = server.stories()
    anonymous = requests.get(server.url + "/moderate", timeout=10)
    assert anonymous.status_code == 403 and "The kettle brigade" not in anonymous.text
    assert requests.get(server.url + "/moderate?token=wrong", timeout=10).status_code == 403
    session = requests.Session()
    listing = session.get(server.url + f"/moderate?token={server.token}", timeout=10)
    assert listing.status_code == 200 and code in listing.text and "The kettle brigade" in listing.text
    assert listing.url == server.url + "/moderate"  # the token is not left in the address
    shown = session.get(server.url + f"/moderate/story?name={story.name}", timeout=10)
    csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', shown.text).group(1)
    for data, headers in [
        ({"name": story.name}, {}),  # no CSRF token
        ({"name": story.name, "csrf": "0" * 64}, {}),  # a wrong one
        ({"name": story.name, "csrf": csrf}, {"Origin": "http://evil.example"}),
        ({"name": story.name, "csrf": csrf}, {"Sec-Fetch-Site": "cross-site"}),
    ]:
        refused = session.post(server.url + "/moderate/accept", data=data, headers=headers, timeout=10)
        assert refused.status_code == 403 and story.exists()
    outsider = requests.post(server.url + "/moderate/accept", data={"name": story.name, "csrf": csrf}, timeout=10)
    assert outsider.status_code == 403 and story.exists()
    done = session.post(
        server.url + "/moderate/accept",
        data={"name": story.name, "csrf": csrf},
        headers={"Origin": server.url},
        timeout=10,
    )
    assert done.status_code == 200 and "Accepted" in done.text and not story.exists()
    assert (server.project / "stories" / "2026" / story.name).is_file()
    assert f"\taccept\t{code}\t" in (server.inbox / "moderation.log").read_text()
