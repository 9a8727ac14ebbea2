"""Who is reading, for the views that carry personal fields (issue 13, High 2).

Why one switch read by the views: personal fields (a case's card record, what the visitor presented, a
handover note) leaked to the supervisor through the routes nobody thought of (`GET /api/cases`, the answer
to `POST /api/cases`), while the obvious ones were refused. So the rule is not in the routes: each view
that carries personal fields blanks them itself when it is serialised for a reader without the
PERSONAL_DATA permission. The web layer sets the reader once per request (web/security.py `enforce`, which
runs on every route); code that is not answering a request (slips, the CLI, tests) sees the fields as they are.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

# True: may see personal fields; False: blank them; None: not answering a web request.
_reader_sees_personal: ContextVar[bool | None] = ContextVar("reader_sees_personal", default=None)


def set_reader(sees_personal: bool) -> None:
    """For this request (its context): may the reader see personal fields?"""
    _reader_sees_personal.set(sees_personal)


def hidden() -> bool:
    """Whether a view being serialised now must blank its personal fields."""
    return _reader_sees_personal.get() is False


@contextmanager
def reading_as(sees_personal: bool) -> Iterator[None]:
    """For code and tests outside a request: serialise as such a reader."""
    token = _reader_sees_personal.set(sees_personal)
    try:
        yield
    finally:
        _reader_sees_personal.reset(token)
