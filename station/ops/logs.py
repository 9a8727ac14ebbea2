"""Structured logs: one JSON object per line, and one request id per HTTP request on every line it causes.

    STATION_LOG_FORMAT=json     JSON lines on stderr (journald keeps them; `journalctl -u station -o cat | jq`)
    STATION_LOG_FILE=PATH       also a rotating file (10 MB × 5), for a PC without journald

Why JSON: the city's IT staff search months of journal by field (request id, level, logger), and a line
of JSON survives a message that itself holds newlines or quotes. The personal-data filter
(station.logfilter) still runs first on every handler: it masks the record before it is formatted here,
and each text field is masked once more, exception text included.

The request id comes from the client's `X-Request-ID` (a proxy's or another daemon's, if well formed) or
is made here, is answered in the same header, and is on every log line the request causes (uvicorn's
access line, the services' lines, exceptions) as `request_id`. FastAPI runs plain `def` routes in worker
threads with a copy of the request's context, so the id follows the request there.
"""

from __future__ import annotations

import json
import logging
import logging.handlers
import os
import re
import uuid
from datetime import UTC, datetime
from typing import Any

from station.logfilter import PersonalDataFilter, mask_text
from station.request_context import request_id

_GOOD_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class RequestIdFilter(logging.Filter):
    """Puts the current request's id on every record (None outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id.get()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time (UTC, ISO 8601), level, logger, message, request id, exception."""

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        rid = getattr(record, "request_id", None)
        if rid:
            out["request_id"] = rid
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            out["exc"] = record.exc_text
        if record.stack_info:
            out["stack"] = record.stack_info
        # Each text masked once more on its own (masking the JSON line would eat its quotes).
        return json.dumps({k: mask_text(v) if isinstance(v, str) else v for k, v in out.items()}, ensure_ascii=False)


def configure(root: logging.Logger | None = None, env: dict[str, str] | None = None) -> None:
    """Apply STATION_LOG_FORMAT / STATION_LOG_FILE to the root logger's handlers (after basicConfig).

    Adds the request-id filter everywhere; the caller then installs the personal-data filter, which
    covers the file handler added here too."""
    root = root or logging.getLogger()
    env = env if env is not None else dict(os.environ)
    fmt: logging.Formatter | None = JsonFormatter() if env.get("STATION_LOG_FORMAT", "").lower() == "json" else None
    path = env.get("STATION_LOG_FILE")
    if path and not any(isinstance(h, logging.handlers.RotatingFileHandler) for h in root.handlers):
        file_handler = logging.handlers.RotatingFileHandler(path, maxBytes=10 * 1024 * 1024, backupCount=5,
                                                            encoding="utf-8")
        file_handler.setFormatter(JsonFormatter())  # a file is for tools: always JSON
        root.addHandler(file_handler)
    for h in root.handlers:
        if fmt is not None and not isinstance(h, logging.handlers.RotatingFileHandler):
            h.setFormatter(fmt)
        if not any(isinstance(f, RequestIdFilter) for f in h.filters):
            # before the personal-data filter, which does not touch the extra attribute
            h.filters.insert(0, RequestIdFilter())
        if not any(isinstance(f, PersonalDataFilter) for f in h.filters):
            h.addFilter(PersonalDataFilter())


class RequestIdMiddleware:
    """Plain ASGI: sets the request's id for everything that runs on its behalf, answers it in a header."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = next((v.decode("latin-1") for k, v in scope.get("headers", []) if k == b"x-request-id"), "")
        rid = given if _GOOD_ID.match(given) else uuid.uuid4().hex[:16]
        token = request_id.set(rid)

        async def send_with_id(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (b"x-request-id", rid.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            request_id.reset(token)
