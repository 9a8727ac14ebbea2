"""The admin screen changes the office live (issue 5): a supervisor closes today and the kiosk beside the
dispenser follows without a reload; counters and cut-offs are edited with clear errors."""

from __future__ import annotations

import contextlib
import urllib.error
from typing import Any

from playwright.sync_api import expect

from tests.e2e.conftest import Daemon, login

TODAY = "2026-12-01"  # the e2e daemon's simulated date


def test_closing_today_closes_the_kiosk_and_undo_reopens_it(daemon: Daemon, new_page: Any) -> None:
    assert daemon.clock.startswith(TODAY)
    admin = new_page((1600, 1000))
    login(admin, daemon.url, "supervisor")
    admin.goto(daemon.url + "/admin")
    expect(admin.locator("body[data-ready]")).to_have_count(1)
    kiosk = new_page((1080, 1920))
    kiosk.goto(daemon.url + "/kiosk")
    expect(kiosk.locator("#screen-start")).to_be_visible()
    try:
        admin.fill("#day-date", TODAY)
        admin.select_option("#day-kind", "closed")
        admin.fill("#day-note", "システム障害のため")
        admin.locator("#day-form button[type=submit]").click()
        expect(admin.locator("#calendar-msg")).to_have_text("保存しました")
        row = admin.locator(f'tr[data-day="{TODAY}"]')
        expect(row).to_contain_text("閉庁日")
        expect(row).to_contain_text("管理画面")
        expect(row).to_contain_text("システム障害のため")
        expect(kiosk.locator("#screen-closed")).to_be_visible()  # via the config_changed event, no reload
        expect(kiosk.locator(".cat-btn:visible")).to_have_count(0)
        row.get_by_role("button", name="元に戻す").click()
        admin.locator('#confirm button[value="yes"]').click()
        expect(row).to_have_count(0)
        expect(kiosk.locator("#screen-start")).to_be_visible()
    finally:
        with contextlib.suppress(urllib.error.HTTPError):  # already undone by the test itself
            daemon.api("DELETE", f"/api/admin/calendar/{TODAY}")


def test_bad_calendar_entry_is_explained(daemon: Daemon, new_page: Any) -> None:
    admin = new_page((1600, 1000))
    login(admin, daemon.url, "supervisor")
    admin.goto(daemon.url + "/admin")
    expect(admin.locator("body[data-ready]")).to_have_count(1)
    admin.locator("#day-form button[type=submit]").click()
    expect(admin.locator("#calendar-msg")).to_have_text("日付を入力してください")
    admin.fill("#day-date", "2026-12-02")  # a Wednesday
    admin.select_option("#day-kind", "holiday_opening")
    admin.locator("#day-form button[type=submit]").click()
    expect(admin.locator("#calendar-msg")).to_contain_text("休日開庁日にできるのは土日・祝日")
    expect(admin.locator('tr[data-day="2026-12-02"]')).to_have_count(0)


def test_counter_categories_and_cutoff_edited(daemon: Daemon, new_page: Any) -> None:
    admin = new_page((1600, 1000))
    login(admin, daemon.url, "supervisor")
    admin.goto(daemon.url + "/admin")
    expect(admin.locator("body[data-ready]")).to_have_count(1)
    row = admin.locator('tr[data-counter="3"]')
    before = daemon.api("GET", "/api/admin/config")
    counter3 = next(c for c in before["counters"] if c["id"] == 3)
    cat_d = next(c for c in before["categories"] if c["code"] == "D")
    assert counter3["categories"] == ["B", "C", "D"]
    try:
        row.locator('input[value="B"]').uncheck()
        row.locator('input[value="C"]').uncheck()
        row.locator('[data-save="counter"]').click()
        expect(admin.locator("#counters-msg")).to_have_text("保存しました")
        expect(row.locator('[data-f="file"]')).to_have_text("設定ファイル: B, C, D")
        assert daemon.api("GET", "/api/counters/3")["categories"] == ["D"]
        row.locator('input[value="D"]').uncheck()
        row.locator('[data-save="counter"]').click()
        expect(admin.locator("#counters-msg")).to_have_text("受付区分を1つ以上選んでください")

        cat = admin.locator('tr[data-category="D"]')
        cat.locator('[name="cutoff"]').fill("10")
        cat.locator('[data-save="category"]').click()
        expect(admin.locator("#categories-msg")).to_have_text("保存しました")
        expect(cat.locator('[data-f="changed"]')).to_have_text("設定ファイルから変更")
        cat.locator('[name="cutoff"]').fill("500")
        cat.locator('[data-save="category"]').click()
        expect(admin.locator('#categories-msg[data-kind="error"]')).to_have_count(1)
        expect(admin.locator("#categories-msg")).to_contain_text("入力")
    finally:
        daemon.api("PUT", "/api/admin/counters/3", {"categories": counter3["file_categories"]})
        daemon.api("PUT", "/api/admin/categories/D", {"cutoff_minutes": cat_d["cutoff_minutes"],
                                                       "default_service_minutes": cat_d["default_service_minutes"]})
