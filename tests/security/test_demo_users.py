"""Demo accounts do not survive into production (issue 13, Medium 8).

A data dir once run with `--simulate` has clerk1/demo-clerk, admin/demo-admin … (documented in the README).
A plain `station run` on it refuses those logins (403, audited), ends sessions opened with them, and no
real user may be given a demo password.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from station.app import Station
from station.clock import ManualClock
from station.services.auth import DEMO_USERS
from station.services.errors import Invalid
from tests.conftest import make_settings
from web.app import create_app


def _station(tmp_path: Path, clock: ManualClock, simulate: bool) -> Station:
    st = Station(make_settings(tmp_path, security={"require_login": True}), clock=clock, with_devices=False,
                 simulate=simulate)
    st.start()
    return st


def test_demo_logins_work_only_in_simulator_mode(tmp_path: Path, clock: ManualClock) -> None:
    sim = _station(tmp_path, clock, simulate=True)
    c = TestClient(create_app(sim, manage_lifecycle=False))
    assert c.post("/api/auth/login", json={"name": "admin", "password": "demo-admin"}).status_code == 200
    cookie = c.cookies.get("station_session")
    assert c.get("/api/auth/me").status_code == 200
    sim.stop()

    real = _station(tmp_path, clock, simulate=False)
    try:
        app = create_app(real, manage_lifecycle=False)
        old = TestClient(app, cookies={"station_session": cookie or ""})
        assert old.get("/api/auth/me").status_code == 401  # the simulator's session ends with it
        c = TestClient(app)
        for name, _role, counter, password in DEMO_USERS:
            body = {"name": name, "password": password, **({"counter_id": counter} if counter else {})}
            r = c.post("/api/auth/login", json=body)
            assert r.status_code == 403, (name, r.status_code, r.text)
            assert "デモ用のユーザー" in r.json()["detail"]["message_ja"]
        entries = real.auth.audit_entries(action="auth.login_refused")
        assert any("demo_user" in e.detail for e in entries)
        # a real password on a demo name is the office's choice, and works
        real.auth.set_password("admin", "a-real-long-password")
        assert c.post("/api/auth/login", json={"name": "admin", "password": "a-real-long-password"}).status_code == 200
    finally:
        real.stop()


def test_no_real_user_gets_a_demo_password(station: Station) -> None:
    for password in {p for *_, p in DEMO_USERS}:
        with pytest.raises(Invalid):
            station.auth.add_user("someone", "admin", password)
