"""On SQLite the login lookup is cached too (issue 19), checked against a marker file beside the database, so a
command beside the daemon that ends a login (`station token revoke`, a new password) counts at the very next
request, while a busy counter's requests cost no query."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import event

from station.app import Station
from station.services.auth import AuthService
from station.store.db import make_engine, make_session_factory


@pytest.fixture
def statements(station: Station) -> Iterator[list[str]]:
    seen: list[str] = []

    def count(_conn, _cursor, statement, *_a) -> None:  # type: ignore[no-untyped-def]
        seen.append(statement)

    event.listen(station.engine, "before_cursor_execute", count)
    yield seen
    event.remove(station.engine, "before_cursor_execute", count)


def test_a_token_is_looked_up_once(station: Station, statements: list[str]) -> None:
    _, secret = station.auth.create_token("kiosk-script", "supervisor")
    first = station.auth.principal_from_token(secret)
    n = len(statements)
    assert station.auth.principal_from_token(secret) == first
    assert station.auth.cached_principal(secret, "token") == first  # what the web layer asks without a thread
    assert len(statements) == n
    assert station.auth.cached_principal(secret + "x", "token") is None


def test_a_revocation_by_a_command_beside_the_daemon_counts_at_once(station: Station) -> None:
    _, secret = station.auth.create_token("script", "supervisor")
    assert station.auth.principal_from_token(secret) is not None
    engine = make_engine(station.settings.effective_database_url)  # `station token revoke`: its own process
    try:
        cli = AuthService(station.settings, make_session_factory(engine), station.clock)
        cli.revoke_token("script")
    finally:
        engine.dispose()
    assert station.auth.cached_principal(secret, "token") is None
    assert station.auth.principal_from_token(secret) is None
