"""The collection point's parts on their own: timeouts against slow clients (a real uvicorn on
127.0.0.1 with short deadlines), receipt codes, the terminal banner with --lan, building the
archive when no --site-dir is given, and a clear message when the optional extra is missing."""

from __future__ import annotations

import io
import re
import socket
import threading
import time
from contextlib import redirect_stdout
from pathlib import Path

import pytest

from collect_helpers import start_collect
from conftest import run_harvest


@pytest.fixture
def fast_server(project, sample_site):
    """create_app + uvicorn with 1 s header and body-chunk deadlines and a 3 s body deadline."""
    import uvicorn

    from harvest.collect.form import Collector
    from harvest.collect.guard import CollectServer, HeaderTimeoutH11
    from harvest.collect.server import ServerOptions, create_app
    from harvest.core.archive import load_archive
    from harvest.intake.check import load_vocabulary
    from harvest.site.project import settings_from_file

    settings = settings_from_file(project / "mkdocs.yml")
    archive, _ = load_archive(settings)
    (project / "uploads").mkdir()
    collector = Collector(
        settings, load_vocabulary(settings), archive.lessons, settings.stories_dir / "_inbox", project / "uploads"
    )
    app = create_app(
        collector,
        ServerOptions(sample_site, "http://127.0.0.1/contribute/", "token", body_chunk_timeout=1, body_total_timeout=3),
    )

    class Quick(HeaderTimeoutH11):
        header_timeout = 1

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    server = CollectServer(
        uvicorn.Config(app, http=Quick, lifespan="off", access_log=False, log_level="warning", timeout_keep_alive=1)
    )
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    yield sock.getsockname()[1]
    server.should_exit = True
    thread.join(10)
    sock.close()


def _closed_after(port: int, first: bytes, trickle: bytes, every: float, limit: float) -> tuple[float, bytes]:
    """Send `first`, then `trickle` one byte at a time; -> (seconds until the server answered or closed, answer)."""
    start = time.monotonic()
    with socket.create_connection(("127.0.0.1", port), timeout=limit) as conn:
        conn.sendall(first)
        conn.setblocking(False)
        answer = b""
        for byte in trickle:
            try:
                conn.sendall(bytes([byte]))
            except OSError:
                break
            time.sleep(every)
            try:
                data = conn.recv(65536)
                if not data:
                    break
                answer += data
                break
            except BlockingIOError:
                continue
            except OSError:
                break
        return time.monotonic() - start, answer


@pytest.mark.parametrize(
    "first, trickle, every, expected",
    [
        (b"GET / HTTP/1.1\r\nHost: x\r\n", b"X-Slow: " + b"a" * 200, 0.1, b""),  # slow headers
        (b"", b"GET / HTTP/1.1\r\nHost: x\r\n" + b"X: y\r\n" * 50, 0.1, b""),  # slower still
        (
            b"POST /contribute/ HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
            b"Content-Length: 1000\r\n\r\ntitle=",
            b"a" * 100,
            1.5,
            b"HTTP/1.1 408",
        ),  # a body that stalls
        (
            b"POST /contribute/ HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
            b"Content-Length: 1000\r\n\r\ntitle=",
            b"a" * 100,
            0.5,
            b"HTTP/1.1 408",
        ),  # one that trickles
    ],
)
def test_slow_clients_cannot_hold_a_connection(fast_server, first, trickle, every, expected):
    seconds, answer = _closed_after(fast_server, first, trickle, every, limit=15)
    assert seconds < 6, seconds
    assert answer.startswith(expected), answer[:200]


@pytest.mark.parametrize(
    "typed, code",
    [
        ("K7QM-4XPD", "K7QM-4XPD"),
        ("k7qm 4xpd", "K7QM-4XPD"),
        ("K7QM4XPD", "K7QM-4XPD"),
        ("o1lI-0000", "0111-0000"),
        ("K7QM-4XP", None),
        ("K7QM-4XPDU", None),
        ("../../etc", None),
        ("", None),
    ],
)
def test_receipt_codes_are_read_forgivingly(typed, code):
    from harvest.collect.receipts import ALPHABET, new_code, normalise_code

    assert normalise_code(typed) == code
    made = new_code()
    assert re.fullmatch(rf"[{ALPHABET}]{{4}}-[{ALPHABET}]{{4}}", made) and normalise_code(made) == made


def test_lan_banner_prints_every_address_and_a_qr_code():
    from harvest.cli.collect import _banner
    from harvest.collect.qr import qr_terminal
    from harvest.collect.server import ServerOptions
    from harvest.core.settings import Settings

    settings = Settings.for_directory(Path("stories"), site_name="Our archive")
    options = ServerOptions(Path("."), "http://192.168.1.20:8123/contribute/", "secret-token")
    out = io.StringIO()
    with redirect_stdout(out):
        _banner(settings, 8123, ["192.168.1.20", "10.0.0.7"], True, options, qr_terminal)
    text = out.getvalue()
    assert "On the local network: http://192.168.1.20:8123/contribute/" in text
    assert "On the local network: http://10.0.0.7:8123/contribute/" in text
    assert "http://127.0.0.1:8123/join" in text and "token=secret-token" in text
    assert text.count("█") > 100  # the QR code's blocks


def test_collect_builds_the_chosen_profile_when_no_site_dir_is_given(project):
    import requests

    server = start_collect(project, None, "--profile", "members")
    try:
        home = requests.get(server.url + "/", timeout=10)
        assert home.status_code == 200 and "<html" in home.text
        form = requests.get(server.url + "/contribute/", timeout=10)
        assert 'action="/contribute/"' in form.text and 'method="post"' in form.text
        assert requests.get(server.url + "/contribute", timeout=10, allow_redirects=False).status_code == 308
    finally:
        log = server.stop()
    assert "Traceback" not in log
    assert server.proc.returncode == 0
    built = re.search(r"built (\S+) \(profile members\)", server.banner)
    assert built, server.banner
    assert not Path(built.group(1)).exists()  # the temporary build is removed when the server stops


def test_without_the_extra_collect_says_what_to_install(project, tmp_path):
    blocker = tmp_path / "block"
    blocker.mkdir()
    (blocker / "starlette.py").write_text("raise ImportError('blocked for the test', name='starlette')\n")
    import os

    result = run_harvest(
        "collect", cwd=project, env={"PYTHONPATH": f"{blocker}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    )
    assert result.returncode == 1 and "needs starlette" in result.stderr and "[collect]" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("profile", ["archive"])
def test_the_archive_profile_is_never_served_to_the_local_network(project, profile):
    """Everyone on the venue's Wi-Fi could read private stories and real names: refused before listening."""
    result = run_harvest("collect", "--lan", "--profile", profile, "--port", "0", cwd=project)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "harvest collect: --lan: profile 'archive' shows every story and real names" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (project / "stories" / "_inbox").exists()
