"""What keeps one client from holding or filling the collection point.

- `BodyGuard` (ASGI): a request body over the cap gets 413 (by its Content-Length at once, or
  as soon as a chunked body passes the cap), and a body that trickles in slower than the
  per-chunk or total timeout gets 408.
- `HeaderTimeoutH11`: uvicorn's h11 protocol, plus a deadline for a request's headers (uvicorn's
  own keep-alive timer is reset by every byte, so a client sending one byte every few seconds
  would hold the connection forever).
- `RateLimiter`: at most N submissions per client address per minute (kept in memory only;
  addresses are never logged).
"""

from __future__ import annotations

import asyncio
import logging
import signal
import threading
import time
from collections import deque

from uvicorn import Server
from uvicorn.protocols.http.h11_impl import H11Protocol

log = logging.getLogger("harvest.collect")
HEADER_TIMEOUT = 10.0  # seconds for a request line + headers
BODY_CHUNK_TIMEOUT = 10.0  # seconds between two pieces of a body
BODY_TOTAL_TIMEOUT = 60.0  # seconds for a whole body (a 10 MB photo on a slow phone)


class BodyTooLarge(Exception):
    pass


class BodyTimeout(Exception):
    pass


def _plain(status: int, text: str):
    body = text.encode("utf-8")
    start = {
        "type": "http.response.start",
        "status": status,
        "headers": [
            (b"content-type", b"text/plain; charset=utf-8"),
            (b"content-length", str(len(body)).encode()),
            (b"connection", b"close"),
        ],
    }
    return start, {"type": "http.response.body", "body": body}


class BodyGuard:
    """Wraps the app's `receive`; the app turns BodyTooLarge/BodyTimeout into pages (413/408)."""

    def __init__(
        self, app, max_bytes: int, chunk_timeout: float = BODY_CHUNK_TIMEOUT, total_timeout: float = BODY_TOTAL_TIMEOUT
    ):
        self.app, self.max_bytes = app, max_bytes
        self.chunk_timeout, self.total_timeout = chunk_timeout, total_timeout

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        length = dict(scope["headers"]).get(b"content-length")
        if length is not None:
            if not length.isdigit():
                return await self._reply(send, 400, "Bad request: the Content-Length header is not a number.\n")
            if int(length) > self.max_bytes:
                return await self._reply(
                    send,
                    413,
                    f"Too large: at most {self.max_bytes // 1_000_000} MB can be sent at once. Try a smaller photo.\n",
                )
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.total_timeout
        received = 0

        async def guarded_receive():
            nonlocal received
            timeout = min(self.chunk_timeout, deadline - loop.time())
            if timeout <= 0:
                raise BodyTimeout()
            try:
                message = await asyncio.wait_for(receive(), timeout)
            except TimeoutError:
                raise BodyTimeout() from None
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise BodyTooLarge()
            return message

        started = False

        async def tracked_send(message):
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, guarded_receive, tracked_send)
        except (BodyTooLarge, BodyTimeout) as error:  # raised where the app did not expect a body
            if not started:
                await self._reply(send, 413 if isinstance(error, BodyTooLarge) else 408, "Request refused.\n")
        except Exception as error:  # noqa: BLE001 - one line in the log, never a traceback
            log.error(
                "internal error on %s %s: %s", scope.get("method"), scope.get("path", "")[:100], type(error).__name__
            )
            if not started:
                await self._reply(send, 500, "Something went wrong on the collection point; nothing was saved.\n")

    @staticmethod
    async def _reply(send, status: int, text: str) -> None:
        start, body = _plain(status, text)
        await send(start)
        await send(body)


class HeaderTimeoutH11(H11Protocol):
    """Closes a connection whose request headers are not complete `header_timeout` seconds after it
    opened (or after the previous response)."""

    header_timeout = HEADER_TIMEOUT

    def connection_made(self, transport) -> None:
        super().connection_made(transport)
        self._header_timer: asyncio.TimerHandle | None = None
        self._arm_header_timer()

    def _arm_header_timer(self) -> None:
        self._cancel_header_timer()
        self._header_timer = self.loop.call_later(self.header_timeout, self._header_deadline)

    def _cancel_header_timer(self) -> None:
        timer = getattr(self, "_header_timer", None)
        if timer is not None:
            timer.cancel()
            self._header_timer = None

    def _header_deadline(self) -> None:
        self._header_timer = None
        waiting = self.cycle is None or self.cycle.response_complete
        if waiting and not self.transport.is_closing():
            self.transport.close()

    def handle_events(self) -> None:
        before = self.cycle
        super().handle_events()
        if self.cycle is not before:  # a request's headers arrived: the body has its own timeouts
            self._cancel_header_timer()

    def on_response_complete(self) -> None:
        self._arm_header_timer()
        super().on_response_complete()

    def connection_lost(self, exc) -> None:
        self._cancel_header_timer()
        super().connection_lost(exc)


class RateLimiter:
    """At most `per_minute` events per key in any 60 seconds."""

    def __init__(self, per_minute: int):
        self.per_minute = per_minute
        self._events: dict[str, deque] = {}
        self._lock = threading.Lock()

    def allow(self, key: str) -> bool:
        now = time.monotonic()
        with self._lock:
            if len(self._events) > 10_000:  # many addresses: forget the idle ones
                self._events = {k: v for k, v in self._events.items() if v and now - v[-1] < 60}
            events = self._events.setdefault(key, deque())
            while events and now - events[0] >= 60:
                events.popleft()
            if len(events) >= self.per_minute:
                return False
            events.append(now)
            return True

    def retry_after(self, key: str) -> int:
        with self._lock:
            events = self._events.get(key)
            return max(1, int(60 - (time.monotonic() - events[0])) + 1) if events else 1


class CollectServer(Server):
    """uvicorn's server, but Ctrl-C or SIGTERM ends `run()` normally (uvicorn re-raises the signal
    afterwards, which would skip our clean-up of the temporary site and uploads folder)."""

    def handle_exit(self, sig, frame) -> None:
        if self.should_exit and sig == signal.SIGINT:
            self.force_exit = True
        else:
            self.should_exit = True
