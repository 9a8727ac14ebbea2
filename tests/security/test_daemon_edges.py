"""What only a real `station run` shows (issue 13, Medium 4, 5, 6 and Low 12): uvicorn's forwarded headers,
the event stream as an anonymous client, a body declared huge, over a real socket."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.integration.test_event_stream import frames
from tests.support.daemon import Daemon

NO_DEVICES = {f"STATION_DEVICES__{d}__CONNECTION": "none" for d in ("PRINTER", "BUTTON", "SCANNER", "CARD_READER")}


@pytest.fixture(scope="module")
def daemon(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Daemon]:
    # No simulated devices: the simulators' fixed ports and the shared pcscd belong to whoever runs them.
    d = Daemon(tmp_path_factory.mktemp("sec") / "data", simulate=False, env=NO_DEVICES).start()
    yield d
    d.stop()


@pytest.fixture(scope="module")
def supervisor(daemon: Daemon) -> dict[str, str]:
    return daemon.supervisor_headers()


def _wrong_logins(daemon: Daemon, name: str, n: int, xff: bool) -> list[httpx.Response]:
    out = []
    for i in range(n):
        headers = {"X-Forwarded-For": f"127.0.1.{i + 1}", "X-Real-IP": f"127.0.2.{i + 1}"} if xff else {}
        out.append(httpx.post(f"{daemon.url}/api/auth/login", json={"name": name, "password": f"wrong-{i}"},
                              headers=headers, timeout=10))
    return out


def test_forwarded_for_from_loopback_is_not_believed(daemon: Daemon, supervisor: dict[str, str]) -> None:
    """12 wrong logins with a new X-Forwarded-For each: still one client, so 429 after the limit."""
    answers = [r.status_code for r in _wrong_logins(daemon, "clerk2", 12, xff=True)]
    assert 429 in answers and answers.index(429) == 5, answers
    r = _wrong_logins(daemon, "clerk2", 1, xff=True)[0]
    assert r.status_code == 429 and int(r.headers["retry-after"]) > 0
    audit = httpx.get(f"{daemon.url}/api/audit", params={"action": "auth.login"},
                      headers=supervisor, timeout=10).json()
    entries = audit if isinstance(audit, list) else audit.get("entries", audit.get("items", []))
    clients = {e.get("client") for e in entries}
    assert clients and not any(str(c).startswith(("127.0.1.", "127.0.2.")) for c in clients), clients


def test_a_trusted_proxy_is_believed_when_configured(tmp_path: Path) -> None:
    d = Daemon(tmp_path / "data", simulate=False,
               env={**NO_DEVICES, "STATION_SERVER__TRUSTED_PROXIES": '["127.0.0.1", "::1"]'}).start()
    try:
        answers = [r.status_code for r in _wrong_logins(d, "clerk2", 8, xff=True)]
        assert 429 not in answers, answers  # eight clients, one failure each
    finally:
        d.stop()


def _read_until(it: Iterator[dict[str, str]], event: str, deadline_s: float = 10.0) -> list[dict[str, str]]:
    seen = []
    end = time.monotonic() + deadline_s
    for f in it:
        seen.append(f)
        if f.get("event") == event or time.monotonic() > end:
            return seen
    return seen


def test_the_anonymous_stream_carries_only_public_events(daemon: Daemon, supervisor: dict[str, str]) -> None:
    """A case's progress goes to logged-in screens, never to an anonymous one (the same rule keeps scans
    and card reads off it: the anonymous stream is an allow-list of the public screens' events)."""
    token = supervisor
    with httpx.stream("GET", f"{daemon.url}/api/events", timeout=10,
                      headers={"X-Forwarded-For": "10.9.9.9"}) as anon, \
            httpx.stream("GET", f"{daemon.url}/api/events", timeout=10, headers=token) as staff:
        a, s = frames(anon.iter_lines()), frames(staff.iter_lines())
        assert next(a)["event"] == "hello" and next(s)["event"] == "hello"
        r = httpx.post(f"{daemon.url}/api/cases", json={"counter_id": 1}, headers=token, timeout=10)
        assert r.status_code == 201, r.text
        marker = httpx.post(f"{daemon.url}/api/tickets", json={"category": "A"}, timeout=10).json()
        staff_seen = _read_until(s, "ticket_issued")
        anon_seen = _read_until(a, "ticket_issued")
    staff_events = {f.get("event") for f in staff_seen}
    anon_events = {f.get("event") for f in anon_seen}
    assert "case_updated" in staff_events, staff_seen
    assert "case_updated" not in anon_events and "ticket_issued" in anon_events, anon_seen
    assert json.loads(anon_seen[-1]["data"])["number"] == marker["number"]


def test_a_body_declared_huge_is_refused_before_it_is_sent(daemon: Daemon) -> None:
    """Content-Length 100 MB and no body at all: the answer is 413 at once (nothing was waited for)."""
    host, port = "127.0.0.1", daemon.port
    with socket.create_connection((host, port), timeout=5) as sock:
        sock.sendall(b"POST /api/tickets HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                     b"Content-Length: 104857600\r\n\r\n")
        start = time.monotonic()
        head = sock.recv(4096).decode(errors="replace")
        took = time.monotonic() - start
    assert head.startswith("HTTP/1.1 413"), head[:200]
    assert took < 2.0
