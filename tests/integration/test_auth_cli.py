"""`station user …` and `station token …` against the same data directory the daemon uses."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from fastapi.testclient import TestClient
from typer.testing import CliRunner

from station.app import Station
from station.cli import app as cli
from station.clock import ManualClock
from station.domain.timezone import TOKYO
from tests.conftest import EXAMPLE_CONFIG, make_settings
from web.app import create_app


def run(*args: str, input: str | None = None) -> tuple[int, str, str]:
    r = CliRunner().invoke(cli, list(args), input=input)
    return r.exit_code, r.stdout, r.stderr


def test_user_and_token_commands(tmp_path: Path, clock: ManualClock) -> None:
    base = ["--config", str(EXAMPLE_CONFIG), "--data-dir", str(tmp_path / "data")]
    code, out, _ = run(*base, "user", "add", "tanaka", "--role", "clerk", "--counter", "2", "--password-stdin",
                       input="pass-word-1\n")
    assert code == 0 and "tanaka (clerk, counter 2)" in out
    code, _, err = run(*base, "user", "add", "tanaka", "--role", "clerk", "--password-stdin", input="pass-word-1\n")
    assert code == 1 and "既にあります" in err
    code, _, err = run(*base, "user", "add", "x", "--role", "root", "--password-stdin", input="pass-word-1\n")
    assert code == 1 and "役割「root」はありません" in err
    code, _, err = run(*base, "user", "add", "y", "--role", "admin", "--password-stdin", input="short\n")
    assert code == 1 and "8文字以上" in err
    code, out, _ = run(*base, "user", "list")
    assert code == 0 and "tanaka" in out and "clerk" in out and "pass-word-1" not in out
    code, out, err = run(*base, "token", "create", "--role", "supervisor", "--name", "office-script")
    assert code == 0 and "二度と表示されません" in err
    token = out.strip()
    assert token.startswith("stn_") and len(token) > 40
    code, out, _ = run(*base, "token", "list")
    assert "office-script" in out and token not in out

    st = Station(make_settings(tmp_path, security={"require_login": True}), clock=clock, with_devices=False)
    st.start()
    try:
        c = TestClient(create_app(st, manage_lifecycle=False))
        assert c.post("/api/counters/1/pause").status_code == 401
        assert c.post("/api/counters/1/pause", headers={"Authorization": f"Bearer {token}"}).status_code == 200
        r = c.post("/api/auth/login", json={"name": "tanaka", "password": "pass-word-1"})
        assert r.status_code == 200 and r.json()["counter_id"] == 2
        code, out, _ = run(*base, "user", "passwd", "tanaka", "--password-stdin", input="pass-word-2\n")
        assert code == 0
        assert c.get("/api/auth/me").status_code == 401  # a new password ends the sessions
        code, _, _ = run(*base, "token", "revoke", "office-script")
        assert c.post("/api/counters/1/pause", headers={"Authorization": f"Bearer {token}"}).status_code == 401
        today = datetime.now(TOKYO).date()  # the commands run on the real clock
        entries = {(e.actor.split(":")[0], e.action) for e in st.auth.audit_entries(day=today)}
        assert {("cli", "user.add"), ("cli", "token.create"), ("cli", "user.password")} <= entries
    finally:
        st.stop()
