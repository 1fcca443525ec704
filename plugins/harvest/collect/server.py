"""The collection point's web app (Starlette): the archive, the form, /join and moderation.

Routes: `/contribute/` (GET the form, POST a story: a plain HTML form, no script needed),
`/join` (the QR code, large), `/moderate…` (token + CSRF), and the built archive for the rest.
The server never builds or publishes: accepted stories only move into the stories folder.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup, escape
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.formparsers import MultiPartException, MultiPartParser
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from harvest.collect.form import FIELD_ORDER, Collector
from harvest.collect.guard import (
    BODY_CHUNK_TIMEOUT,
    BODY_TOTAL_TIMEOUT,
    BodyGuard,
    BodyTimeout,
    BodyTooLarge,
    RateLimiter,
)
from harvest.collect.moderation import accept, find_entry, list_inbox, reject
from harvest.collect.qr import qr_svg
from harvest.core.problems import HarvestError
from harvest.intake.fields import FIELDS

log = logging.getLogger("harvest.collect")
COOKIE = "harvest_moderator"
MAX_FIELD_BYTES = 256 * 1024
# Our own pages load nothing but this server's CSS and script.
OWN_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
}


@dataclass
class ServerOptions:
    site_dir: Path
    join_url: str  # what the QR code and /join point to
    token: str  # the moderation token (printed in the maintainer's terminal only)
    max_body_bytes: int = 10_000_000
    per_minute: int = 10  # submissions per client address per minute
    body_chunk_timeout: float = BODY_CHUNK_TIMEOUT
    body_total_timeout: float = BODY_TOTAL_TIMEOUT


def moderation_token() -> str:
    return secrets.token_urlsafe(24)


def create_app(collector: Collector, options: ServerOptions):
    env = Environment(loader=PackageLoader("harvest", "templates/collect"), autoescape=select_autoescape(default=True))
    assets = {
        name: resources.files("harvest").joinpath(f"templates/collect/{name}").read_bytes()
        for name in ("collect.css", "collect.js")
    }
    limiter = RateLimiter(options.per_minute)
    csrf = hmac.new(options.token.encode(), b"harvest-collect-csrf", hashlib.sha256).hexdigest()
    choices = collector.choices()
    labels = (
        {f.name: f.label for f in FIELDS}
        | {key: p.title for p, key in choices["prompts"]}
        | {"answers": "Your answers", "photo": "The photo", "consent": "Before you send it", "form": "The form"}
    )

    def page(name: str, status: int = 200, **context) -> HTMLResponse:
        html = env.get_template(name).render(site_name=collector.settings.site_name, **context)
        return HTMLResponse(html, status_code=status, headers=OWN_HEADERS)

    def message(status: int, heading: str, *lines: str, back: str | None = None) -> HTMLResponse:
        return page("message.html", status, heading=heading, lines=lines, back=back)

    def form_page(values: dict, errors: dict, status: int = 200) -> HTMLResponse:
        return page(
            "form.html",
            status,
            values=values,
            errors=errors,
            order=list(dict.fromkeys([*FIELD_ORDER, *labels])),
            labels=labels,
            **choices,
        )

    async def contribute(request: Request) -> Response:
        if request.method == "GET":
            return form_page(collector.blank(), {})
        client = request.client.host if request.client else "?"
        if not limiter.allow(client):
            wait = limiter.retry_after(client)
            response = message(
                429,
                "Please wait a moment",
                f"Many stories were sent from this device in the last "
                f"minute. Wait {wait} seconds, go back and send it again: what you wrote is still "
                "in the form.",
                back="javascript:history.back()",
            )
            response.headers["Retry-After"] = str(wait)
            return response
        try:
            form = await read_form(request)
        except BodyTooLarge:
            return too_large()
        except BodyTimeout:
            return message(
                408, "Sending took too long", "The connection was too slow. Try again, perhaps without the photo."
            )
        except (HTTPException, MultiPartException) as error:
            detail = error.detail if isinstance(error, HTTPException) else error.message
            return message(400, "The form could not be read", str(detail))
        try:
            lists = {key: [v for v in form.getlist(key) if isinstance(v, str)] for key in form}
            values = collector.read(lists)
            upload = form.get("photo")
            photo = await upload.read() if isinstance(upload, UploadFile) and upload.filename else None
        finally:
            await form.close()
        try:
            outcome = await run_in_threadpool(collector.submit, values, photo)
        except (OSError, HarvestError) as error:
            log.error("a story could not be saved: %s", getattr(error, "strerror", None) or error)
            return form_page(
                values,
                {
                    "form": [
                        "Your story could not be saved on the collection point's "
                        "computer. Nothing was kept; please tell a maintainer."
                    ]
                },
                500,
            )
        if outcome.errors:
            return form_page(values, outcome.errors, 400)
        if outcome.path is None:  # not reached: `submit` writes the story whenever it finds no errors
            raise RuntimeError("a submission without errors was not written")
        log.info("story received: receipt %s (%s)", outcome.code, outcome.path.name)
        return page("receipt.html", code=outcome.code)

    def too_large() -> HTMLResponse:
        response = message(
            413,
            "Too large to send",
            f"At most {options.max_body_bytes // 1_000_000} MB can be sent "
            "at once. Go back and choose a smaller photo (your text is still in the form).",
            back="javascript:history.back()",
        )
        response.headers["Connection"] = "close"
        return response

    async def join(request: Request) -> Response:
        return page("join.html", url=options.join_url, svg=qr_svg(options.join_url))

    async def asset(request: Request) -> Response:
        name = request.path_params["name"]
        if name not in assets:
            raise HTTPException(404)
        kind = "text/css" if name.endswith(".css") else "text/javascript"
        return Response(assets[name], media_type=kind, headers={"X-Content-Type-Options": "nosniff"})

    # --- moderation ----------------------------------------------------------------------------

    def is_moderator(request: Request) -> bool:
        given = request.cookies.get(COOKIE, "")
        return bool(given) and hmac.compare_digest(given.encode(), options.token.encode())

    async def moderate(request: Request) -> Response:
        given = request.query_params.get("token")
        if given is not None:
            if not hmac.compare_digest(given.encode(), options.token.encode()):
                return message(
                    403,
                    "Wrong moderation address",
                    "Use the address printed in the terminal where `harvest collect` runs.",
                    back="/",
                )
            response = RedirectResponse("/moderate", status_code=303, headers=OWN_HEADERS)
            response.set_cookie(COOKIE, options.token, httponly=True, samesite="strict", path="/moderate")
            return response
        if not is_moderator(request):
            return message(
                403,
                "Moderators only",
                "Open the moderation address printed in the terminal where `harvest collect` runs.",
                back="/",
            )
        entries = await run_in_threadpool(list_inbox, collector.settings, collector.vocabulary)
        return page("moderate.html", entries=entries, notice=request.query_params.get("done", "")[:200])

    async def moderate_story(request: Request) -> Response:
        if not is_moderator(request):
            return message(403, "Moderators only", "Open the moderation address printed in the terminal.", back="/")
        try:
            entry = await run_in_threadpool(
                find_entry, collector.settings, collector.vocabulary, request.query_params.get("name", "")
            )
        except HarvestError as error:
            return message(404, "Not in the inbox", error.report(), back="/moderate")
        return page("moderate_story.html", entry=entry, text=entry.text(), csrf=csrf)

    async def decide(request: Request) -> Response:
        if not is_moderator(request):
            return message(403, "Moderators only", "Open the moderation address printed in the terminal.", back="/")
        if request.path_params["action"] not in ("accept", "reject"):
            raise HTTPException(404)
        origin = request.headers.get("origin")
        site = request.headers.get("sec-fetch-site")
        host = request.headers.get("host", "")
        if (origin is not None and origin != f"http://{host}") or site not in (None, "same-origin", "none"):
            return message(403, "Refused", "This request did not come from the moderation page.", back="/moderate")
        try:
            form = await request.form(max_files=0, max_fields=10, max_part_size=4096)
        except (BodyTooLarge, BodyTimeout, HTTPException):
            return message(400, "Refused", "The request could not be read.", back="/moderate")
        if not hmac.compare_digest(str(form.get("csrf", "")).encode(), csrf.encode()):
            return message(
                403,
                "Refused",
                "This request did not come from the moderation page (its form token is missing or wrong).",
                back="/moderate",
            )
        name, action = str(form.get("name", "")), request.path_params["action"]
        settings, vocabulary = collector.settings, collector.vocabulary
        try:
            entry = await run_in_threadpool(find_entry, settings, vocabulary, name)
            if action == "accept":
                target = await run_in_threadpool(accept, settings, vocabulary, entry)
                done = f"Accepted {entry.story_id} into {settings.display_path(target)}"
            else:
                await run_in_threadpool(reject, settings, entry, str(form.get("reason", "")))
                done = f"Rejected {entry.story_id}"
        except HarvestError as error:
            return message(400, "Not done", error.report(), back="/moderate")
        log.info("moderation: %s", done)
        return RedirectResponse(f"/moderate?{_query(done=done)}", status_code=303, headers=OWN_HEADERS)

    async def to_form(request: Request) -> Response:
        return RedirectResponse("/contribute/", status_code=308)

    routes = [
        Route("/contribute/", contribute, methods=["GET", "POST"]),
        Route("/contribute", to_form, methods=["GET", "POST"]),
        Route("/contribute/index.html", to_form, methods=["GET"]),
        Route("/join", join),
        Route("/join/", join),
        Route("/_collect/{name:str}", asset),
        Route("/moderate", moderate),
        Route("/moderate/story", moderate_story),
        Route("/moderate/{action:str}", decide, methods=["POST"]),
        Mount("/", app=ArchiveFiles(directory=options.site_dir, html=True, closing=join_snippet(options.join_url))),
    ]
    app = Starlette(routes=routes)
    return BodyGuard(app, options.max_body_bytes, options.body_chunk_timeout, options.body_total_timeout)


READ_ALOUD_MARK = b'class="harvest-ra-sections'


def join_snippet(url: str) -> bytes:
    """The read-aloud view's closing screen, as an inert <template> readaloud.js shows last.

    Only pages served by `harvest collect` carry it: the built site stays as it is, and the QR
    code is inline SVG (no request anywhere)."""
    html = Markup(
        '<template id="harvest-collect-join"><h3>Tell your story: scan this</h3>'
        '<div class="harvest-ra-qr">{svg}</div><p class="harvest-ra-join-url">{url}</p></template>\n'
    )
    return html.format(svg=Markup(qr_svg(url)), url=escape(url)).encode()


class ArchiveFiles(StaticFiles):
    """The built archive; pages with a read-aloud view get the closing screen right after <body>
    (before the page's scripts, so readaloud.js finds it when it runs)."""

    def __init__(self, *, closing: bytes, **kwargs) -> None:
        super().__init__(**kwargs)
        self.closing = closing

    async def get_response(self, path: str, scope) -> Response:
        response = await super().get_response(path, scope)
        if not isinstance(response, FileResponse) or response.media_type != "text/html":
            return response
        html = await run_in_threadpool(Path(response.path).read_bytes)
        body = html.find(b"<body")
        end = html.find(b">", body) + 1 if body >= 0 else 0
        if READ_ALOUD_MARK not in html or end <= 0:
            return response
        page = html[:end] + self.closing + html[end:]
        return Response(page, status_code=response.status_code, media_type="text/html")


class StrictMultiPartParser(MultiPartParser):
    """Starlette's multipart parser, but text fields are always read as UTF-8 and invalid bytes
    become U+FFFD (which the form refuses) instead of being silently re-read as Latin-1."""

    def on_part_end(self) -> None:
        if self._current_part.file is None:
            text = bytes(self._current_part.data).decode("utf-8", errors="replace")
            self.items.append((self._current_part.field_name, text))
        else:
            super().on_part_end()


async def read_form(request: Request):
    if request.headers.get("content-type", "").lower().startswith("multipart/form-data"):
        parser = StrictMultiPartParser(
            request.headers, request.stream(), max_files=1, max_fields=60, max_part_size=MAX_FIELD_BYTES
        )
        return await parser.parse()
    return await request.form(max_files=0, max_fields=60, max_part_size=MAX_FIELD_BYTES)


def _query(**params) -> str:
    from urllib.parse import urlencode

    return urlencode(params)
