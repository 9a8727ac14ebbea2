"""Errors a service raises for the clerk or visitor to read; the web layer maps them to HTTP codes.

A service raises with a message code from the catalog (`Conflict("queue.closed", next_open=…)` or
`Conflict(Msg.of("queue.closed", n=3))`); the two sentences the API returns (`message_ja`, `message_en`)
are looked up from it. Keyword arguments other than `params` travel in the error body as they are.
The two-sentence form `Conflict("…", "…")` is still accepted for code not yet moved to the catalog.
"""

from __future__ import annotations

from collections.abc import Mapping

from station.domain.messages import Msg


class ServiceError(Exception):
    status_code = 400

    def __init__(self, code: str | Msg, message_en: str | None = None, *,
                 params: Mapping[str, object] | None = None, **extra: object) -> None:
        if message_en is None:
            from station.messages import both

            msg = code if isinstance(code, Msg) else Msg(code, dict(params or {}))
            self.code: str | None = msg.code
            message_ja, message_en = both(msg)
        else:
            self.code = None
            message_ja = str(code)
        super().__init__(f"{message_ja} / {message_en}")
        self.message_ja = message_ja
        self.message_en = message_en
        self.extra = extra


class NotFound(ServiceError):
    status_code = 404


class Conflict(ServiceError):
    """Valid request, but the state of the office forbids it now (closed, wrong ticket state …)."""

    status_code = 409


class Invalid(ServiceError):
    status_code = 422
