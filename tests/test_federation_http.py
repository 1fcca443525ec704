"""Federation over http(s) (issue 18): a peer's bundle fetched from a local http.server on
127.0.0.1, with the same signature check as a folder, and refusals for a too-large bundle
(with and without Content-Length), a redirect to another host, a 404, a server too slow,
and plain http without `allow_http: true`."""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from test_federation import BUNDLE, bundles, harvest, make_archive, public_key  # noqa: F401  (bundles: fixture)

BIG = 3 * 1024**2  # over `max_mb: 1`


class Handler(BaseHTTPRequestHandler):
    folder: Path  # bundle 1 and its signature
    port: int

    def log_message(self, *args) -> None:  # quiet test output
        pass

    def _send(self, status: int, body: bytes = b"", length: bool = True, headers: dict | None = None) -> None:
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        if length:
            self.send_header("Content-Length", str(len(body)))
        else:
            self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        route, _, name = self.path.lstrip("/").partition("/")
        if route == "ok" and name in (BUNDLE, BUNDLE + ".sig"):
            self._send(200, (self.folder / name).read_bytes())
        elif route == "unsigned" and name == BUNDLE:
            self._send(200, (self.folder / name).read_bytes())
        elif route == "same-host":
            self._send(302, headers={"Location": f"/ok/{name}"})
        elif route == "other-host":  # the same server, by another name: another host all the same
            self._send(302, headers={"Location": f"http://localhost:{self.port}/ok/{name}"})
        elif route == "big-honest":
            self._send(200, bytes(BIG))
        elif route == "big-no-length":
            self.close_connection = True
            self._send(200, bytes(BIG), length=False)
        elif route == "slow":
            self.send_response(200)
            self.send_header("Content-Length", "100000")
            self.end_headers()
            try:
                for _ in range(600):
                    self.wfile.write(b"x")
                    self.wfile.flush()
                    time.sleep(0.1)
            except OSError:
                pass
        else:
            self._send(404, b"not here")


@pytest.fixture
def server(bundles):  # noqa: F811  (the fixture imported above)
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    Handler.folder, Handler.port = bundles["v1"], httpd.server_address[1]
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def follow(tmp_path: Path, bundles, source: str) -> Path:  # noqa: F811
    b = make_archive(tmp_path / "b", "Harbour Tenants", stories=False)
    (b / "stories" / "federation.yml").write_text(
        f"peers:\n  riverside:\n    name: Riverside Commune\n    key: {public_key(bundles['key'])}\n"
        f"    source: {source}\n"
    )
    return b


@pytest.mark.parametrize("route", ["ok/", "ok", "same-host/", f"ok/{BUNDLE}"])
def test_pull_over_http(tmp_path, bundles, server, route):  # noqa: F811
    b = follow(tmp_path, bundles, f"{{url: '{server}/{route}', allow_http: true}}")
    result = harvest(b, "federation", "pull")
    assert "riverside (Riverside Commune, bundle 1 of 2026-06-01): 10 new" in result.stdout, result.stdout
    assert (b / "stories/_federation/riverside/2026/flood-drill.md").is_file()


@pytest.mark.parametrize(
    "route, options, message",
    [
        ("unsigned/", "", "the bundle is not signed"),
        ("missing/", "", f"/missing/{BUNDLE}: the server answered HTTP 404"),
        ("other-host/", "", "redirects to http://localhost:"),
        ("big-honest/", ", max_mb: 1", f"{BIG} bytes, over the 1048576-byte limit"),
        ("big-no-length/", ", max_mb: 1", "larger than the 1048576-byte limit"),
        ("slow/", ", timeout: 2", "not fetched within 2 seconds"),
    ],
    ids=["unsigned", "404", "redirect-other-host", "too-big", "too-big-no-content-length", "slow"],
)
def test_pull_over_http_refuses(tmp_path, bundles, server, route, options, message):  # noqa: F811
    b = follow(tmp_path, bundles, f"{{url: '{server}/{route}', allow_http: true{options}}}")
    started = time.monotonic()
    result = harvest(b, "federation", "pull", ok=False)
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
    assert result.stdout.startswith("riverside: REFUSED: ") and message in result.stdout, result.stdout
    assert not (b / "stories" / "_federation").exists()
    assert time.monotonic() - started < 30


@pytest.mark.parametrize(
    "source, expected",
    [
        ("{url: 'http://127.0.0.1:9/'}", "peers.riverside.source.url: plain http:// shows whoever watches"),
        ("{url: 'ftp://example.org/b/'}", "peers.riverside.source.url: 'ftp://example.org/b/' is not an https://"),
        ("{url: 'https://me:secret@example.org/'}", "peers.riverside.source.url: has a user name or password"),
        ("{url: 'https://example.org/', max_mb: 0}", "peers.riverside.source.max_mb: should be a whole number"),
        ("{url: 'https://example.org/', timeout: yes}", "peers.riverside.source.timeout: should be a whole number"),
        ("{url: 'https://example.org/', allow_http: 1}", "peers.riverside.source.allow_http: should be true or false"),
        ("{folder: /tmp/x, allow_http: true}", "peers.riverside.source.allow_http: only for url sources"),
    ],
)
def test_url_sources_are_validated(tmp_path, bundles, source, expected):  # noqa: F811
    b = follow(tmp_path, bundles, source)
    result = harvest(b, "federation", "pull", ok=False)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "stories/federation.yml:5: " + expected in result.stderr, result.stderr
