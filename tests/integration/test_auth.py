"""Logins, sessions, CSRF, API tokens, rate limiting, allow-list, clerk scope and audit (issue 6, items 4–6).

Through FastAPI's test client against a station on SQLite and on PostgreSQL, with `[security]
require_login = true` (other tests run with it off).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, text

from station.app import Station
from station.clock import ManualClock
from station.services.auth import cheap_hasher
from station.store.models import AuditEntry
from station.store.models_auth import AuthSession, LoginFailure
from tests.conftest import make_settings
from web.app import create_app

SECURE = {"require_login": True, "session_minutes": 60, "login_max_failures": 5, "login_window_minutes": 5}
PW = "correct horse battery"
# What does not depend on the database runs on SQLite only (the rest on SQLite and PostgreSQL).
SQLITE_ONLY = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def secure_settings(tmp_path: Path, database_url: str = "", **server: object):  # type: ignore[no-untyped-def]
    s = make_settings(tmp_path, database_url, security=SECURE)
    for k, v in server.items():
        setattr(s.server, k, v)
    return s


@pytest.fixture
def st(tmp_path: Path, database_url: str, clock: ManualClock) -> Iterator[Station]:
    station = Station(secure_settings(tmp_path, database_url), clock=clock, with_devices=False)
    station.auth.hasher = cheap_hasher()  # argon2 at full cost takes ~0.7 s per hash on this machine
    station.start()
    station.auth.add_user("clerk1", "clerk", PW, counter_id=1)
    station.auth.add_user("floater", "clerk", PW)  # no bound counter: picks one at login
    station.auth.add_user("boss", "supervisor", PW)
    station.auth.add_user("root", "admin", PW)
    yield station
    station.stop()


@pytest.fixture
def app(st: Station):  # type: ignore[no-untyped-def]
    return create_app(st, manage_lifecycle=False)


def client(app, **kw: object) -> TestClient:  # type: ignore[no-untyped-def]
    return TestClient(app, **kw)  # type: ignore[arg-type]


def login(c: TestClient, name: str, password: str = PW, **extra: object) -> str:
    r = c.post("/api/auth/login", json={"name": name, "password": password, **extra})
    assert r.status_code == 200, r.text
    return str(r.json()["csrf_token"])


def audit_rows(st: Station) -> list[AuditEntry]:
    with st.sessions() as s:
        return list(s.scalars(select(AuditEntry).order_by(AuditEntry.id)))


def test_login_me_logout(app, st: Station) -> None:  # type: ignore[no-untyped-def]
    c = client(app)
    assert c.get("/api/auth/me").status_code == 401
    r = c.post("/api/auth/login", json={"name": "clerk1", "password": PW})
    assert r.status_code == 200
    me = r.json()
    assert me["name"] == "clerk1" and me["role"] == "clerk" and me["counter_id"] == 1 and me["via"] == "session"
    assert "queue.operate" in me["permissions"] and "audit.read" not in me["permissions"]
    cookie = r.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Secure" not in cookie
    secret = c.cookies["station_session"]
    with st.sessions() as s:  # only the hash is stored
        assert s.scalar(select(AuthSession.id_hash)) != secret
    assert c.get("/api/auth/me").json()["csrf_token"] == me["csrf_token"]
    # the pages carry the token for their scripts
    assert f'<meta name="csrf-token" content="{me["csrf_token"]}">' in c.get("/kiosk").text
    assert c.post("/api/auth/logout").status_code == 403  # a state change: CSRF header needed
    assert c.post("/api/auth/logout", headers={"X-CSRF-Token": me["csrf_token"]}).status_code == 204
    assert c.get("/api/auth/me").status_code == 401
    # the old cookie is dead on the server, not only forgotten by this browser
    replay = client(app, cookies={"station_session": secret})
    assert replay.get("/api/auth/me").status_code == 401
    actions = [(e.actor, e.action) for e in audit_rows(st)]
    assert ("clerk1", "auth.login") in actions and ("clerk1", "auth.logout") in actions


@SQLITE_ONLY
def test_secure_cookie_over_https(app) -> None:  # type: ignore[no-untyped-def]
    c = client(app, base_url="https://testserver")
    r = c.post("/api/auth/login", json={"name": "boss", "password": PW})
    assert "Secure" in r.headers["set-cookie"]


@SQLITE_ONLY
def test_wrong_password_and_login_needs_json(app) -> None:  # type: ignore[no-untyped-def]
    c = client(app)
    r = c.post("/api/auth/login", json={"name": "clerk1", "password": "nope-nope"})
    assert r.status_code == 401 and r.json()["detail"]["message_ja"] == "ユーザー名またはパスワードが違います"
    r = c.post("/api/auth/login", json={"name": "nobody", "password": PW})
    assert r.status_code == 401
    r = c.post("/api/auth/login", content=f'{{"name": "clerk1", "password": "{PW}"}}',
               headers={"Content-Type": "text/plain"})
    assert r.status_code in (415, 422)
    r = c.post("/api/auth/login", content=f'{{"name": "clerk1", "password": "{PW}"}}')  # no Content-Type
    assert r.status_code in (415, 422)
    assert "station_session" not in c.cookies


def test_csrf_refused_without_header_and_token_needs_none(app, st: Station) -> None:  # type: ignore[no-untyped-def]
    c = client(app)
    csrf = login(c, "clerk1")
    c.post("/api/tickets", json={"category": "A"})
    r = c.post("/api/counters/1/call-next")
    assert r.status_code == 403 and "CSRF" in r.json()["detail"]["message_ja"]
    forged = ("y" if csrf[0] == "x" else "x") + csrf[1:]
    assert c.post("/api/counters/1/call-next", headers={"X-CSRF-Token": forged}).status_code == 403
    r = c.post("/api/counters/1/call-next", headers={"X-CSRF-Token": csrf})
    assert r.status_code == 200
    # the kiosk's call stays open even for a browser with a session and no header (it is anonymous then)
    assert c.post("/api/tickets", json={"category": "A"}).status_code == 201
    # an API token: no cookie, no CSRF header
    _, token = st.auth.create_token("script", "supervisor")
    t = client(app)
    r = t.post("/api/counters/2/call-next", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 200 and r.json()["counter_id"] == 2
    assert t.post("/api/counters/3/pause", headers={"Authorization": "Bearer stn_wrong"}).status_code == 401
    assert t.post("/api/counters/3/pause").status_code == 401
    assert t.post("/api/counters/3/pause").headers["www-authenticate"] == "Bearer"
    st.auth.revoke_token("script")
    assert t.post("/api/counters/3/pause", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    actors = {e.actor for e in audit_rows(st) if e.action == "ticket.call"}
    assert actors == {"clerk1", "token:script"}


def test_login_rate_limit_429(app, st: Station, clock: ManualClock) -> None:  # type: ignore[no-untyped-def]
    c = client(app)
    for _ in range(5):
        assert c.post("/api/auth/login", json={"name": "clerk1", "password": "wrong-one"}).status_code == 401
    r = c.post("/api/auth/login", json={"name": "clerk1", "password": PW})  # even the right password
    assert r.status_code == 429 and "ログインの失敗が続いたため" in r.json()["detail"]["message_ja"]
    # another PC, and another user from this PC, are not locked out
    assert client(app, client=("127.0.0.2", 4000)).post(
        "/api/auth/login", json={"name": "clerk1", "password": PW}).status_code == 200
    login(c, "boss")
    clock.advance(minutes=5, seconds=1)
    login(c, "clerk1")
    with st.sessions() as s:  # success clears this user's failures from this client
        assert s.scalar(text("SELECT count(*) FROM login_failures WHERE at > :t"), {"t": clock.now()}) == 0
    assert "auth.login_refused" in {e.action for e in audit_rows(st)}


def test_session_expires(app, clock: ManualClock) -> None:  # type: ignore[no-untyped-def]
    c = client(app)
    login(c, "boss")
    clock.advance(minutes=59)
    assert c.get("/api/auth/me").status_code == 200
    clock.advance(minutes=1)
    assert c.get("/api/auth/me").status_code == 401
    assert c.get("/counter/1", follow_redirects=False).status_code == 303


def test_clerk_cannot_act_on_another_counter(app, st: Station) -> None:  # type: ignore[no-untyped-def]
    c = client(app)
    csrf = login(c, "clerk1")
    h = {"X-CSRF-Token": csrf}
    _, tok = st.auth.create_token("boss-script", "supervisor")
    boss = {"Authorization": f"Bearer {tok}"}
    a = c.post("/api/tickets", json={"category": "A"}).json()
    cc = c.post("/api/tickets", json={"category": "C"}).json()
    called2 = c.post("/api/counters/2/call-next", headers=boss).json()  # counter 2 calls A001
    assert called2["id"] == a["id"]
    assert c.post("/api/counters/2/call-next", headers=h).status_code == 403
    assert c.post("/api/counters/2/pause", headers=h).status_code == 403
    r = c.post(f"/api/tickets/{a['id']}/finish", headers=h)
    assert r.status_code == 403 and r.json()["detail"]["message_ja"] == "他の窓口の番号札は操作できません"
    assert c.post(f"/api/tickets/{cc['id']}/cancel", headers=h).status_code == 403  # C: not served at 1
    assert c.post(f"/api/tickets/{a['id']}/transfer", headers=h, json={"counter_id": 1}).status_code == 403
    b = c.post("/api/tickets", json={"category": "B"}).json()
    assert c.post(f"/api/tickets/{b['id']}/cancel", headers=h, json={"counter_id": 2}).status_code == 403
    assert c.post("/api/counters/1/call-next", headers=h).json()["id"] == b["id"]
    assert c.post(f"/api/tickets/{b['id']}/start", headers=h, json={"counter_id": 1}).status_code == 200
    assert c.post(f"/api/tickets/{b['id']}/finish", headers=h).json()["state"] == "done"
    assert c.get("/counter/1").status_code == 200 and c.get("/counter/2").status_code == 403
    # a clerk with no bound counter picks one at login, and is then held to it
    f = client(app)
    r = f.post("/api/auth/login", json={"name": "floater", "password": PW})
    assert r.status_code == 422 and "窓口を選んで" in r.json()["detail"]["message_ja"]
    fh = {"X-CSRF-Token": login(f, "floater", counter_id=3)}
    assert f.post("/api/counters/3/pause", headers=fh).status_code == 200
    assert f.post("/api/counters/1/pause", headers=fh).status_code == 403
    # a bound clerk cannot pick another counter at login
    assert client(app).post("/api/auth/login",
                            json={"name": "clerk1", "password": PW, "counter_id": 2}).status_code == 403


@SQLITE_ONLY
def test_roles_and_pages(app) -> None:  # type: ignore[no-untyped-def]
    anon = client(app)
    r = anon.get("/counter/1", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/login?next=%2Fcounter%2F1"
    assert anon.get("/admin", follow_redirects=False).status_code == 303
    assert anon.get("/api/audit").status_code == 401
    for path in ("/", "/kiosk", "/display", "/login", "/api/categories", "/api/counters", "/api/health"):
        assert anon.get(path).status_code == 200, path
    admin = client(app)
    login(admin, "root")
    assert admin.get("/admin").status_code == 200 and admin.get("/counter/1").status_code == 403
    assert admin.get("/api/audit").status_code == 200
    clerk = client(app)
    login(clerk, "clerk1")
    assert clerk.get("/api/audit").status_code == 403 and clerk.get("/admin").status_code == 403
    assert "403" in clerk.get("/admin").text and "この操作の権限がありません" in clerk.get("/admin").text
    assert clerk.get("/audit").status_code == 403
    boss = client(app)
    login(boss, "boss")
    assert boss.get("/audit").status_code == 200 and boss.get("/counter/3").status_code == 200
    page = client(app).get("/login", params={"next": "https://evil.example/"})
    assert 'data-next="/"' in page.text


def test_audit_has_logins_never_passwords(  # type: ignore[no-untyped-def]
    app, st: Station, caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    c = client(app)
    secret_typed_as_name = "MyS3cret-in-name-field"
    assert c.post("/api/auth/login", json={"name": secret_typed_as_name, "password": "hunter2-xyz"}).status_code == 401
    assert c.post("/api/auth/login", json={"name": "clerk1", "password": "wrong-password"}).status_code == 401
    login(c, "boss")
    _, token = st.auth.create_token("display-pc", "supervisor")
    rows = c.get("/api/audit").json()
    actions = [(e["actor"], e["action"], e["detail"]) for e in rows]
    assert ("boss", "auth.login", "role=supervisor counter=None") in actions
    assert ("clerk1", "auth.login_failed", "reason=bad_password") in actions
    assert ("(unknown)", "auth.login_failed", "reason=unknown_user") in actions
    assert {"user.add", "token.create"} <= {e["action"] for e in rows}
    assert rows[0]["at"] >= rows[-1]["at"]  # newest first
    assert [e["action"] for e in c.get("/api/audit", params={"action": "auth."}).json()] == [
        "auth.login", "auth.login_failed", "auth.login_failed"]
    assert {e["actor"] for e in c.get("/api/audit", params={"actor": "boss"}).json()} == {"boss"}
    assert c.get("/api/audit", params={"day": "2026-11-30"}).json() == []
    everything = " ".join(f"{e.actor} {e.action} {e.target} {e.detail}" for e in audit_rows(st))
    with st.sessions() as s:
        everything += " ".join(str(v) for row in s.execute(select(LoginFailure)).all() for v in row)
    everything += " ".join(r.getMessage() for r in caplog.records)
    for secret in (PW, "hunter2-xyz", "wrong-password", secret_typed_as_name, token):
        assert secret not in everything


def test_allow_list(tmp_path: Path, clock: ManualClock) -> None:
    st = Station(secure_settings(tmp_path, allow_networks=["127.0.0.0/8", "192.168.10.0/24"]), clock=clock,
                 with_devices=False)
    st.start()
    try:
        app = create_app(st, manage_lifecycle=False)
        r = client(app, client=("10.9.9.9", 5000)).get("/api/health")
        assert r.status_code == 403
        assert r.json()["detail"]["message_ja"].startswith("この端末（10.9.9.9）からは利用できません")
        page = client(app, client=("10.9.9.9", 5000)).get("/kiosk")
        assert page.status_code == 403 and "利用できません" in page.text
        assert client(app, client=("192.168.10.77", 5000)).get("/api/health").status_code == 200
        assert client(app, client=("127.0.0.1", 5000)).get("/api/health").status_code == 200
        assert client(app, client=("::ffff:192.168.10.5", 5000)).get("/api/health").status_code == 200
        assert client(app, client=("::1", 5000)).get("/api/health").status_code == 403  # not listed here
    finally:
        st.stop()
