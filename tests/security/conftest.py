"""A station seen from outside (issue 13): logins on, a token per role, two counters with work on each.

The seed puts counter 2's things at id 2 wherever it can (ticket 2 is called at counter 2), so the id-form
table can write "2" as `2.0`, `02`, `+2` … and mean counter 2's row. A clerk is bound to counter 1.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from station.app import Station
from station.clock import ManualClock
from station.services.auth import cheap_hasher
from tests.conftest import make_settings
from web.app import create_app

LAN = ("10.1.2.3", 40000)  # inside the allow-list below, not this PC
ROLES = ("clerk", "clerk_nocounter", "supervisor", "city_staff", "admin")


@dataclass
class Office:
    station: Station
    app: FastAPI
    tokens: dict[str, str]
    ids: dict[str, int] = field(default_factory=dict)

    def client(self, addr: tuple[str, int] = LAN) -> TestClient:
        return TestClient(self.app, client=addr, raise_server_exceptions=False)

    def headers(self, who: str | None) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[who]}"} if who else {}


def start_office(tmp_path: Path, clock: ManualClock, **security: Any) -> Office:
    settings = make_settings(tmp_path, security={"require_login": True, **security})
    settings.server.allow_networks = ["127.0.0.0/8", "10.0.0.0/8"]
    st = Station(settings, clock=clock, with_devices=False, simulate=True)
    st.auth.hasher = cheap_hasher()
    st.start()
    tokens = {
        "clerk": st.auth.create_token("t-clerk", "clerk", 1)[1],
        "clerk_nocounter": st.auth.create_token("t-clerk-free", "clerk", None)[1],
        "supervisor": st.auth.create_token("t-supervisor", "supervisor")[1],
        "city_staff": st.auth.create_token("t-staff", "city_staff")[1],
        "admin": st.auth.create_token("t-admin", "admin")[1],
    }
    own = st.queue.issue("A")
    st.queue.call_next(1)
    other = st.queue.issue("C")  # counter 1 does not serve C, counter 2 does
    st.queue.call_next(2)
    assert (own.id, other.id) == (1, 2)
    return Office(st, create_app(st, manage_lifecycle=False), tokens, {"own_ticket": own.id, "other_ticket": other.id})


@pytest.fixture
def office(tmp_path: Path, clock: ManualClock) -> Iterator[Office]:
    o = start_office(tmp_path, clock)
    yield o
    o.station.stop()
