"""Issue 12 item 9: one header menu by role on every page, each user's landing page after login, and a
logout everywhere. Pages are read as a logged-in browser gets them (sessions, require_login on)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from station.app import Station
from station.clock import ManualClock
from tests.integration.test_auth import PW, cheap_hasher, login, secure_settings
from web.app import create_app

PAGES = {"clerk1": ["/counter/2", "/phone", "/stock"],
         "city1": ["/staff"],
         "boss": ["/", "/counter/1", "/phone", "/stock", "/reports", "/end-of-day", "/audit", "/admin"],
         "root": ["/admin", "/audit"]}
MENUS = {"clerk1": ["/counter/2", "/phone", "/stock"],
         "city1": ["/staff"],
         "boss": ["/", "/phone", "/stock", "/reports", "/end-of-day", "/audit", "/admin"],
         "root": ["/audit", "/admin"]}
HOMES = {"clerk1": "/counter/2", "city1": "/staff", "boss": "/reports", "root": "/admin"}


@pytest.fixture
def st(tmp_path: Path, clock: ManualClock) -> Iterator[Station]:
    station = Station(secure_settings(tmp_path), clock=clock, with_devices=False)
    station.auth.hasher = cheap_hasher()
    station.start()
    station.auth.add_user("clerk1", "clerk", PW, counter_id=2)
    station.auth.add_user("city1", "city_staff", PW)
    station.auth.add_user("boss", "supervisor", PW)
    station.auth.add_user("root", "admin", PW)
    yield station
    station.stop()


def menu_of(html: str) -> list[str]:
    nav = re.search(r'<nav class="topnav".*?</nav>', html, re.S)
    assert nav, "no header menu"
    return re.findall(r'href="([^"]+)"', nav.group(0))


@pytest.mark.parametrize("user", list(PAGES))
def test_menu_by_role_on_every_page_and_the_landing_page(st: Station, user: str) -> None:
    with TestClient(create_app(st, manage_lifecycle=False)) as c:
        r = c.post("/api/auth/login", json={"name": user, "password": PW})
        assert r.json()["home"] == HOMES[user]
        for page in PAGES[user]:
            html = c.get(page).text
            assert menu_of(html) == MENUS[user], page
            assert 'id="nav-logout"' in html and "ログアウト" in html, page
            for href in menu_of(html):  # the menu never offers a page that answers 403
                assert c.get(href).status_code == 200, (user, href)


def test_no_menu_for_visitors_and_screens(st: Station) -> None:
    with TestClient(create_app(st, manage_lifecycle=False)) as c:
        login(c, "boss")
        for page in ("/kiosk", "/display"):
            assert 'class="topnav"' not in c.get(page).text
