"""Fetching a peer's bundle over http(s) with the standard library, trusting nothing the server says.

- https only, unless the peer's entry says `allow_http: true` (a bundle is signed, so plain http
  cannot forge one, but it shows every watcher which archives we follow and when).
- No redirect to another scheme, host or port: the address in federation.yml is the one we
  chose to trust with our requests (a redirect elsewhere could point at our own network).
- At most `max_bytes`, counted while streaming to a file: Content-Length is only used to refuse
  early, never to decide how much to read.
- One deadline for the whole download, headers included: a server that sends a byte a second
  never holds a pull for longer than `timeout` seconds.
"""

from __future__ import annotations

import http.client
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

from harvest.federation.bundle import BUNDLE_NAME, BundleRefused

CHUNK = 64 * 1024
MAX_REDIRECTS = 5
DEFAULT_PORTS = {"http": 80, "https": 443}


def bundle_urls(location: str) -> tuple[str, str]:
    """-> (the bundle's URL, its signature's URL): a folder URL gets the bundle's file name."""
    base = urlsplit(location)
    bundle = location if base.path.endswith(".zip") else location.rstrip("/") + "/" + BUNDLE_NAME
    return bundle, bundle + ".sig"


def _place(url: str) -> tuple[str, str, int]:
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    return scheme, (parts.hostname or "").lower(), parts.port or DEFAULT_PORTS.get(scheme, 0)


class _SamePlaceRedirects(urllib.request.HTTPRedirectHandler):
    max_redirections = MAX_REDIRECTS

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        if _place(newurl) != _place(req.full_url):
            raise BundleRefused(
                f"{req.full_url} redirects to {newurl} (another host, port or scheme): refused; "
                "put the address the bundle is really at in federation.yml"
            )
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def _opener() -> urllib.request.OpenerDirector:
    # Only http(s) handlers: a redirect could otherwise reach file:// or ftp:// (refused above too).
    opener = urllib.request.OpenerDirector()
    for handler in (
        urllib.request.ProxyHandler(),
        urllib.request.UnknownHandler(),
        urllib.request.HTTPHandler(),
        urllib.request.HTTPSHandler(),
        urllib.request.HTTPDefaultErrorHandler(),
        _SamePlaceRedirects(),
        urllib.request.HTTPErrorProcessor(),
    ):
        opener.add_handler(handler)
    return opener


def download(url: str, target: Path, max_bytes: int, timeout: float, missing_ok: bool = False) -> bool:
    """Stream `url` into `target`. -> False when `missing_ok` and the server says 404; refuses
    (BundleRefused) anything larger than `max_bytes`, slower than `timeout` seconds in all,
    redirected elsewhere, or failing."""
    outcome: dict[str, object] = {}
    cancelled = threading.Event()

    def run() -> None:
        try:
            outcome["found"] = _stream(url, target, max_bytes, timeout, cancelled)
        except BaseException as error:  # noqa: BLE001 (handed to the caller's thread, which re-raises it)
            outcome["error"] = error

    # A thread, so the deadline holds even while http.client waits for headers sent a byte at a time.
    worker = threading.Thread(target=run, name="harvest-pull", daemon=True)
    worker.start()
    worker.join(timeout)
    if worker.is_alive():
        cancelled.set()
        raise BundleRefused(f"{url}: not fetched within {timeout:g} seconds: refused")
    error = outcome.get("error")
    if isinstance(error, BundleRefused):
        raise error
    if isinstance(error, urllib.error.HTTPError):
        if error.code == 404 and missing_ok:
            return False
        raise BundleRefused(f"{url}: the server answered HTTP {error.code} {error.reason}")
    if isinstance(error, urllib.error.URLError):
        raise BundleRefused(f"{url}: could not be fetched ({error.reason})")
    if isinstance(error, (OSError, http.client.HTTPException, ValueError)):
        raise BundleRefused(f"{url}: could not be fetched ({error})")
    if error is not None:
        raise error  # type: ignore[misc]  # (an error of ours: a traceback is the honest report)
    return bool(outcome.get("found"))


def _stream(url: str, target: Path, max_bytes: int, timeout: float, cancelled: threading.Event) -> bool:
    request = urllib.request.Request(url, headers={"User-Agent": "harvest-federation", "Accept-Encoding": "identity"})
    with _opener().open(request, timeout=timeout) as response:
        length = response.headers.get("Content-Length", "")
        if length.strip().isdigit() and int(length) > max_bytes:
            raise BundleRefused(f"{url}: {int(length)} bytes, over the {max_bytes}-byte limit (max_mb): refused")
        total = 0
        with open(target, "wb") as out:
            while not cancelled.is_set():
                chunk = response.read1(CHUNK)
                if not chunk:
                    return True
                total += len(chunk)
                if total > max_bytes:
                    raise BundleRefused(
                        f"{url}: larger than the {max_bytes}-byte limit (max_mb) "
                        "(whatever its Content-Length said): refused"
                    )
                out.write(chunk)
    return False


def fetch_url(location: str, workdir: Path, max_bytes: int, timeout: float, sig_bytes: int) -> Path:
    """The peer's bundle and its signature (if the server has one) in `workdir`; -> the zip."""
    bundle_url, signature_url = bundle_urls(location)
    started = time.monotonic()
    local = workdir / BUNDLE_NAME
    download(bundle_url, local, max_bytes, timeout)
    left = max(1.0, timeout - (time.monotonic() - started))
    signature = workdir / (BUNDLE_NAME + ".sig")
    if not download(signature_url, signature, sig_bytes, left, missing_ok=True):
        signature.unlink(missing_ok=True)  # verify_bundle says "not signed"
    return local
