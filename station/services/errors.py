"""Errors a service raises for the clerk or visitor to read; the web layer maps them to HTTP codes."""

from __future__ import annotations


class ServiceError(Exception):
    status_code = 400

    def __init__(self, message_ja: str, message_en: str, **extra: object) -> None:
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
