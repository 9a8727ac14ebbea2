"""The screens in a real browser against a real daemon: the visitor's path end to end, hours,
reconnecting after a restart, and accessibility."""

from __future__ import annotations

import re
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from tests.e2e.conftest import CLOSED_CLOCK, NO_LOGIN, OPEN_CLOCK, Daemon, login, wait_until


def kiosk_waiting(page: Page, category: str) -> int:
    text = page.locator(f'.cat-btn[data-cat="{category}"] [data-f="waiting"]').inner_text()
    m = re.search(r"\d+", text)
    assert m, text
    return int(m.group())


def test_button_to_kiosk_to_panel_to_display_to_status(daemon: Daemon, new_page: Any) -> None:
    kiosk = new_page((1080, 1920))
    kiosk.goto(daemon.url + "/kiosk")
    expect(kiosk.locator("body[data-ready]")).to_have_count(1)
    before = kiosk_waiting(kiosk, "A")

    display = new_page((1920, 1080), speech=True)
    display.goto(daemon.url + "/display")
    expect(display.locator("body[data-ready]")).to_have_count(1)

    panel = new_page()
    login(panel, daemon.url, "clerk1")
    panel.goto(daemon.url + "/counter/1")
    expect(panel.locator("body[data-ready]")).to_have_count(1)

    # The dispenser button, pressed on the simulator panel, goes through the pty to the real driver.
    sim = new_page()
    sim.goto(daemon.url + "/sim")
    expect(sim.locator("body[data-ready]")).to_have_count(1)
    # The daemon is shared by the package's tests: the newest row may be an earlier test's ticket.
    rows = sim.locator("#sim-tickets tr")
    newest_before = rows.first.get_attribute("data-number") if rows.count() else None
    sim.locator('.sim-press[data-cat="A"]').click()
    wait_until(lambda: kiosk_waiting(kiosk, "A") == before + 1, 10, "kiosk waiting count for A")
    row = rows.first
    expect(row).to_be_visible()
    if newest_before is not None:  # the list follows the new ticket by itself (live event → refetch)
        expect(row).not_to_have_attribute("data-number", newest_before)
    number = row.get_attribute("data-number")
    assert number and number.startswith("A")
    status_path = row.locator("a.status-link").get_attribute("href")
    assert status_path and status_path.startswith("/t/")
    # ... and its receipt was printed by the simulated printer, shown as an image.
    expect(sim.locator("#jobs img").first).to_be_visible()

    # The clerk calls with the keyboard alone.
    panel.locator("body").press("n")
    expect(panel.locator("#cur-number")).to_have_text(number)
    expect(panel.locator("#cur-state")).to_have_text("呼び出し中")

    newest = display.locator("#calls .call.newest")
    expect(newest.locator(".call-number")).to_have_text(number)
    expect(newest.locator(".call-counter-num")).to_have_text("1")
    spoken = f"受付番号 A {int(number[1:])} 番の方、1番窓口へお越しください"
    display.wait_for_function("t => window.__spoken.includes(t)", arg=spoken)

    status = new_page((390, 844))
    status.goto(daemon.url + status_path)
    expect(status.locator("#s-called")).to_be_visible()
    expect(status.locator("#s-called")).to_contain_text("呼び出されました")
    expect(status.locator("#s-called")).to_contain_text("1番窓口へ")

    # A recall speaks again; finishing frees the panel.
    panel.locator("body").press("r")
    display.wait_for_function("t => window.__spoken.filter(x => x === t).length >= 2", arg=spoken)
    panel.locator("body").press("s")
    expect(panel.locator("#cur-state")).to_have_text("対応中")
    panel.locator("body").press("f")
    expect(panel.locator("#current-empty")).to_be_visible()
    for p in (kiosk, display, panel, sim, status):
        assert p.js_errors == []


def test_status_page_counts_ahead_and_404(daemon: Daemon, new_page: Any) -> None:
    first = daemon.api("POST", "/api/tickets", {"category": "D"})
    second = daemon.api("POST", "/api/tickets", {"category": "D"})
    page = new_page((390, 844))
    page.goto(second["status_url"])
    expect(page.locator("#s-number")).to_have_text(second["number"])
    expect(page.locator("#s-ahead")).to_have_text(str(second["waiting_ahead"]))
    assert second["waiting_ahead"] >= 1
    # Live: when the ticket ahead is cancelled, the count drops without a reload.
    daemon.api("POST", f"/api/tickets/{first['id']}/cancel")
    expect(page.locator("#s-ahead")).to_have_text(str(second["waiting_ahead"] - 1))
    resp = page.goto(daemon.url + "/t/not-a-real-token")
    assert resp is not None and resp.status == 404
    expect(page.locator("h1")).to_have_text("この番号札は見つかりません")
    assert page.locator("html").get_attribute("lang") == "ja"


def test_kiosk_issues_and_returns(daemon: Daemon, new_page: Any) -> None:
    kiosk = new_page((1080, 1920))
    kiosk.goto(daemon.url + "/kiosk")
    expect(kiosk.locator("body[data-ready]")).to_have_count(1)
    # Everything fits the portrait screen: no scrolling.
    assert kiosk.evaluate("document.documentElement.scrollHeight <= window.innerHeight")
    box = kiosk.locator('.cat-btn[data-cat="C"]').bounding_box()
    assert box and box["height"] >= 90 and box["width"] >= 90
    kiosk.locator('.cat-btn[data-cat="C"]').click()
    expect(kiosk.locator("#screen-issued")).to_be_visible()
    expect(kiosk.locator("#issued-number")).to_have_text(re.compile(r"^C\d{3}$"))
    expect(kiosk.locator("#k-issued")).to_have_text("発券しました")
    kiosk.locator("#back").click()
    expect(kiosk.locator("#screen-start")).to_be_visible()


def test_kiosk_printer_fault_keeps_number_on_screen(daemon: Daemon, new_page: Any) -> None:
    kiosk = new_page((1080, 1920))
    kiosk.goto(daemon.url + "/kiosk")
    expect(kiosk.locator("body[data-ready]")).to_have_count(1)
    daemon.api("POST", "/api/sim/printer/state", {"state": "paper_out"})
    try:
        kiosk.locator('.cat-btn[data-cat="B"]').click()
        expect(kiosk.locator("#issued-fault")).to_be_visible()
        expect(kiosk.locator("#issued-fault")).to_contain_text("番号をお控えください")
        expect(kiosk.locator("#issued-number")).to_have_text(re.compile(r"^B\d{3}$"))
    finally:
        daemon.api("POST", "/api/sim/printer/state", {"state": "online"})


def test_kiosk_printer_fault_shown_without_live_events(daemon: Daemon, new_page: Any) -> None:
    """The print's outcome normally comes over the live stream. A kiosk whose stream is not there (still
    connecting after the page loaded, or reconnecting after a blip) asks the daemon about the ticket it just
    issued, so the visitor still gets the note."""
    kiosk = new_page((1080, 1920))
    kiosk.route(re.compile(r"/api/events(\?|$)"), lambda route: route.abort())
    kiosk.goto(daemon.url + "/kiosk")
    expect(kiosk.locator("body[data-ready]")).to_have_count(1)
    expect(kiosk.locator("#reconnect")).to_be_visible()  # no live stream at all
    daemon.api("POST", "/api/sim/printer/state", {"state": "paper_out"})
    try:
        kiosk.locator('.cat-btn[data-cat="B"]').click()
        # Well before the start screen would come back (8 s): the answer came from asking, not from the timer.
        expect(kiosk.locator("#issued-fault")).to_be_visible(timeout=5_000)
        expect(kiosk.locator("#issued-number")).to_have_text(re.compile(r"^B\d{3}$"))
    finally:
        daemon.api("POST", "/api/sim/printer/state", {"state": "online"})


def test_kiosk_closed_outside_hours(tmp_path: Any, new_page: Any) -> None:
    d = Daemon(tmp_path / "closed", CLOSED_CLOCK, simulate=False, env=NO_LOGIN).start()
    try:
        kiosk = new_page((1080, 1920))
        kiosk.goto(d.url + "/kiosk")
        expect(kiosk.locator("#screen-closed")).to_be_visible()
        expect(kiosk.locator("#screen-start")).to_be_hidden()
        expect(kiosk.locator("#closed-message")).to_contain_text("本日の受付は終了しました")
        expect(kiosk.locator("#closed-message")).to_contain_text("次の受付は")
        expect(kiosk.locator(".cat-btn:visible")).to_have_count(0)
    finally:
        d.stop()


def test_panel_reconnects_after_daemon_restart(tmp_path: Any, new_page: Any) -> None:
    d = Daemon(tmp_path / "restart", OPEN_CLOCK, simulate=False, env=NO_LOGIN).start()
    try:
        panel = new_page()
        panel.goto(d.url + "/counter/1")
        expect(panel.locator("body[data-ready]")).to_have_count(1)
        banner = panel.locator("#reconnect")
        expect(banner).to_be_hidden()
        expect(panel.locator("#clock-sim")).to_have_text("時刻はシミュレーションです")

        d.stop(kill=True)
        expect(banner).to_be_visible()
        expect(banner).to_have_text("再接続中…")

        d.start()  # same port, same data directory
        expect(banner).to_be_hidden(timeout=15_000)
        # Live again: a ticket issued now shows up without reloading the page.
        waiting = panel.locator('#cat-rows tr[data-cat="A"] [data-f="waiting"]')
        before = int(waiting.inner_text())
        d.api("POST", "/api/tickets", {"category": "A"})
        expect(waiting).to_have_text(str(before + 1))
    finally:
        d.stop()


def test_panel_shows_card_verdict_and_scanned_ticket(daemon: Daemon, new_page: Any) -> None:
    panel = new_page()
    login(panel, daemon.url, "clerk1")
    panel.goto(daemon.url + "/counter/1")
    expect(panel.locator("body[data-ready]")).to_have_count(1)
    expect(panel.locator('#lights [data-dev="printer"]')).to_have_attribute("data-health", "ok")
    tk = daemon.api("POST", "/api/tickets", {"category": "D"})
    daemon.api("POST", "/api/sim/scanner", {"text": f"TK-{tk['id']}"})
    expect(panel.locator("#scan-result .scan-number")).to_have_text(tk["number"])
    daemon.api("POST", "/api/sim/card", {"action": "insert", "profile": "expired"})
    try:
        expect(panel.locator("#card-verdict")).to_have_attribute("data-level", "bad", timeout=15_000)
        expect(panel.locator("#card-verdict")).to_contain_text("有効期限が切れています")
    finally:
        daemon.api("POST", "/api/sim/card", {"action": "remove"})
    # A printer fault turns its light red with the reason in words.
    daemon.api("POST", "/api/sim/printer/state", {"state": "cover_open"})
    try:
        light = panel.locator('#lights [data-dev="printer"]')
        expect(light).to_have_attribute("data-health", "down")
        expect(light.locator(".dev-reason")).not_to_be_empty()
    finally:
        daemon.api("POST", "/api/sim/printer/state", {"state": "online"})


def test_english_switch(daemon: Daemon, new_page: Any) -> None:
    page = new_page()
    login(page, daemon.url, "clerk1")
    page.goto(daemon.url + "/counter/1?lang=en")
    assert page.locator("html").get_attribute("lang") == "en"
    expect(page.locator("h1")).to_contain_text("Clerk panel")
    page.goto(daemon.url + "/kiosk")  # remembered by cookie
    assert page.locator("html").get_attribute("lang") == "en"
    page.goto(daemon.url + "/kiosk?lang=ja")
    assert page.locator("html").get_attribute("lang") == "ja"


SCREENS = [("/kiosk", (1080, 1920)), ("/display", (1920, 1080)), ("/counter/1", (1600, 1000)),
           ("status", (390, 844)), ("/admin", (1600, 1000)), ("/sim", (1600, 1000)), ("/", (1280, 800))]


@pytest.mark.parametrize(("path", "size"), SCREENS, ids=[s[0] for s in SCREENS])
def test_accessibility_and_lang(daemon: Daemon, new_page: Any, path: str, size: tuple[int, int]) -> None:
    if path == "status":
        path = daemon.api("POST", "/api/tickets", {"category": "D"})["status_url"].removeprefix(daemon.url)
    page = new_page(size)
    if path in ("/counter/1", "/admin"):
        login(page, daemon.url, "clerk1" if path == "/counter/1" else "supervisor")
    page.goto(daemon.url + path)
    if path != "/":
        expect(page.locator("body[data-ready]")).to_have_count(1)
    assert page.locator("html").get_attribute("lang") == "ja"
    results = Axe().run(page)
    bad = [(v["id"], v["impact"], v["help"], [n["target"] for n in v["nodes"]][:3])
           for v in results.response["violations"] if v["impact"] in ("serious", "critical")]
    assert bad == [], bad
