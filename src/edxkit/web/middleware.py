"""ASGI middleware of the app: a request-body size limit (413 with a message), a Server-Timing header and
security headers (a Content-Security-Policy allowing only the app's own scripts, no framing by others)."""

from __future__ import annotations

import json
import time
from typing import Any

MB = 1024 * 1024
SECURITY_HEADERS = (
    (
        b"content-security-policy",
        b"default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
        b"object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'self'",
    ),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
)


class BodyLimit:
    """ASGI middleware: refuse request bodies over ``max_bytes`` with 413 and a message, while streaming.

    The Content-Length header is checked first; bodies sent without it are counted as they arrive.
    """

    def __init__(self, app: Any, max_bytes: int) -> None:
        self.app, self.max_bytes = app, max_bytes

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        length = headers.get(b"content-length")
        if length is not None and length.isdigit() and int(length) > self.max_bytes:
            await self._refuse(scope, send)
            return
        seen = 0

        async def limited() -> dict[str, Any]:
            nonlocal seen
            message: dict[str, Any] = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    raise _TooLargeError
            return message

        try:
            await self.app(scope, limited, send)
        except _TooLargeError:
            await self._refuse(scope, send)

    async def _refuse(self, _scope: dict[str, Any], send: Any) -> None:
        body = json.dumps(
            {
                "detail": f"the upload is larger than the limit of {self.max_bytes / MB:.3g} MB; "
                "nothing was stored"
            }
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


class _TooLargeError(Exception):
    pass


class ResponseHeaders:
    """ASGI middleware: ``Server-Timing: app;dur=MS`` (time to the response start, in ms) and the security
    headers on every response. The timing header lets the browser's developer tools and the benchmark see the
    server's own time."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()

        async def timed(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                ms = (time.perf_counter() - start) * 1000.0
                message = dict(message)
                message["headers"] = [
                    *message.get("headers", []),
                    (b"server-timing", f"app;dur={ms:.2f}".encode()),
                    *SECURITY_HEADERS,
                ]
            await send(message)

        await self.app(scope, receive, timed)
