"""On PostgreSQL the token and session lookup is cached for a moment (a busy counter makes several requests a
second), but ending a login still works: at once on this daemon, within AUTH_CACHE_SECONDS when done
elsewhere. (SQLite caches nothing: tests/integration/test_auth_cli.py shows a CLI revocation counting at once.)"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import event, update

from station.app import Station
from station.services import auth as auth_mod
from station.services.auth import AUTH_CACHE_SECONDS, cheap_hasher
from station.store.models_auth import ApiToken, User

PW = "correct horse battery"


class FakeMonotonic:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


@pytest.fixture
def mono(monkeypatch: pytest.MonkeyPatch) -> FakeMonotonic:
    m = FakeMonotonic()
    monkeypatch.setattr(auth_mod, "_monotonic", m)
    return m


@pytest.fixture
def statements(pg_station: Station) -> Iterator[list[str]]:
    seen: list[str] = []

    def count(_conn, _cursor, statement, *_a) -> None:  # type: ignore[no-untyped-def]
        seen.append(statement)

    event.listen(pg_station.engine, "before_cursor_execute", count)
    yield seen
    event.remove(pg_station.engine, "before_cursor_execute", count)


def test_a_token_is_looked_up_once_then_served_from_the_cache(pg_station: Station, mono: FakeMonotonic,
                                                               statements: list[str]) -> None:
    _, secret = pg_station.auth.create_token("kiosk-script", "supervisor")
    first = pg_station.auth.principal_from_token(secret)
    n = len(statements)
    assert pg_station.auth.principal_from_token(secret) == first
    assert len(statements) == n  # no query
    assert pg_station.auth.principal_from_token(secret + "x") is None  # another secret is not a hit


def test_a_token_revoked_elsewhere_is_refused_after_the_cache_time(pg_station: Station,
                                                                    mono: FakeMonotonic) -> None:
    _, secret = pg_station.auth.create_token("script", "supervisor")
    assert pg_station.auth.principal_from_token(secret) is not None
    with pg_station.sessions.begin() as s:  # `station token revoke` in another process, or another daemon
        s.execute(update(ApiToken).values(revoked_at=pg_station.clock.now()))
    mono.t += AUTH_CACHE_SECONDS + 0.01
    assert pg_station.auth.principal_from_token(secret) is None


def test_revoking_here_takes_effect_at_once(pg_station: Station, mono: FakeMonotonic) -> None:
    _, secret = pg_station.auth.create_token("script", "supervisor")
    assert pg_station.auth.principal_from_token(secret) is not None
    pg_station.auth.revoke_token("script")
    assert pg_station.auth.principal_from_token(secret) is None


def _session(st: Station) -> str:
    st.auth.hasher = cheap_hasher()
    st.auth.add_user("boss", "supervisor", PW)
    return st.auth.login("boss", PW).session_secret


def test_logout_takes_effect_at_once(pg_station: Station, mono: FakeMonotonic) -> None:
    from station.services.audit import Actor

    secret = _session(pg_station)
    assert pg_station.auth.principal_from_session(secret) is not None
    pg_station.auth.logout(secret, Actor("boss"))
    assert pg_station.auth.principal_from_session(secret) is None


def test_a_deactivated_user_is_refused(pg_station: Station, mono: FakeMonotonic) -> None:
    secret = _session(pg_station)
    assert pg_station.auth.principal_from_session(secret) is not None
    with pg_station.sessions.begin() as s:
        s.execute(update(User).where(User.name == "boss").values(active=False))
    mono.t += AUTH_CACHE_SECONDS + 0.01  # elsewhere: within the cache time
    assert pg_station.auth.principal_from_session(secret) is None
    with pg_station.sessions.begin() as s:
        s.execute(update(User).where(User.name == "boss").values(active=True))
    assert pg_station.auth.principal_from_session(secret) is not None
    with pg_station.sessions.begin() as s:
        s.execute(update(User).where(User.name == "boss").values(active=False))
    pg_station.auth.forget_logins()  # here: at once
    assert pg_station.auth.principal_from_session(secret) is None


def test_an_expired_session_is_refused_even_when_cached(pg_station: Station, mono: FakeMonotonic) -> None:
    secret = _session(pg_station)
    p = pg_station.auth.principal_from_session(secret)
    assert p is not None and p.expires_at is not None
    pg_station.clock.set(p.expires_at)  # type: ignore[attr-defined]
    assert pg_station.auth.principal_from_session(secret) is None
