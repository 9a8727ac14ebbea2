"""Transport-level protections every response and request gets, whatever the route (issue 13).

- `BodyLimitMiddleware`: a request body larger than its route's limit is refused with 413 **before** it is
  read whole — at once from Content-Length, or as soon as a chunked body passes the limit. JSON calls are
  small (`[server] max_json_bytes`); the card issuance list upload has its own `[server] max_import_bytes`.
  Why here and not per route: a 100 MB JSON ticket request was parsed in full (and the counter's pause
  waited seconds behind it) before any route could look at it.
- `SecurityHeadersMiddleware`: a Content-Security-Policy with a per-request nonce for the two inline
  scripts the pages have (`csp_nonce(request)` in templates), X-Frame-Options, nosniff, Referrer-Policy
  (the visitor's status URL carries its token), Permissions-Policy, and `Cache-Control: no-store` on
  everything but /static — every page and API answer may carry personal data or a CSRF token, and a
  shared counter PC's browser cache must not keep them.

Both are plain ASGI middlewares (no BaseHTTPMiddleware: it would buffer the event stream).
"""

from __future__ import annotations

import secrets
from typing import Any

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from station import messages

IMPORT_PATHS = frozenset({"/api/stock/import"})  # routes that take a file upload, with the import limit
NO_CSP_PATHS = frozenset({"/docs", "/redoc", "/docs/oauth2-redirect"})  # FastAPI's schema viewers (no data)
# `window.print()` in the print buttons' onclick (end-of-day checklist, printable report).
PRINT_HANDLER_HASH = "'sha256-MguIPR6qNR8D3B+eAlK+bIRTZe8t3wkOY4B/56Me9FU='"


class BodyTooLarge(HTTPException):
    """Raised from `receive` when a streamed body passes its limit. An HTTPException, so FastAPI's body
    parsing passes it on untouched (anything else it would turn into a 400)."""

    def __init__(self, limit: int) -> None:
        ja, en = messages.both("security.body_too_large", limit_kb=limit // 1024)
        super().__init__(status_code=413, detail={"message_ja": ja, "message_en": en, "limit_bytes": limit})


def _limit(scope: Scope) -> int:
    app: Any = scope.get("app")
    server = app.state.station.settings.server
    return server.max_import_bytes if scope.get("path") in IMPORT_PATHS else server.max_json_bytes


class BodyLimitMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = _limit(scope)
        declared = Headers(scope=scope).get("content-length")
        if declared is not None:
            try:
                too_big = int(declared) > limit
            except ValueError:
                too_big = False  # h11 refuses a malformed length before we get here
            if too_big:
                err = BodyTooLarge(limit)
                await JSONResponse({"detail": err.detail}, status_code=413,
                                   headers={"Connection": "close"})(scope, receive, send)
                return
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise BodyTooLarge(limit)
            return message

        started = False

        async def tracked(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counted, tracked)
        except BodyTooLarge as err:  # raised outside FastAPI's body parsing (a middleware, a raw stream)
            if started:
                raise
            await JSONResponse({"detail": err.detail}, status_code=413,
                               headers={"Connection": "close"})(scope, receive, send)


def content_security_policy(nonce: str) -> str:
    return "; ".join([
        "default-src 'self'",
        f"script-src 'self' 'nonce-{nonce}' 'unsafe-hashes' {PRINT_HANDLER_HASH}",
        "style-src 'self'",
        "style-src-attr 'unsafe-inline'",  # a few style="" attributes (report legend); no <style> blocks
        "img-src 'self' data: blob:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ])


FIXED_HEADERS = [
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=(), payment=()"),
    (b"cross-origin-opener-policy", b"same-origin"),
]


class SecurityHeadersMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        nonce = secrets.token_urlsafe(16)
        scope.setdefault("state", {})["csp_nonce"] = nonce
        path = str(scope.get("path", ""))
        static = path.startswith("/static/")

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {k.lower() for k, _ in headers}
                extra = [(k, v) for k, v in FIXED_HEADERS if k not in present]
                if path not in NO_CSP_PATHS and b"content-security-policy" not in present:
                    extra.append((b"content-security-policy", content_security_policy(nonce).encode()))
                if not static and b"cache-control" not in present:
                    extra.append((b"cache-control", b"no-store"))
                message = {**message, "headers": headers + extra}
            await send(message)

        await self.app(scope, receive, with_headers)


def csp_nonce(request: Any) -> str:
    """For templates: <script nonce="{{ csp_nonce(request) }}">."""
    return str(getattr(request.state, "csp_nonce", "") or "")
