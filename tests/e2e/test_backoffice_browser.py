"""The back office in a real browser (issue 14): a delivery of 20 cards inspected by scan with one defect,
notices checked against cards (a mismatch is loud) and mailed by range, made ready by scan, one issued at
the counter and one returned; and the demo stock of `station run --simulate` issued at once, no CLI."""

from __future__ import annotations

from typing import Any

import httpx
from playwright.sync_api import Page, expect

from station.domain.stock_csv import write_stock_csv
from tests.e2e.conftest import Daemon
from tests.e2e.test_cases_browser import next_step, sim
from tests.support.stock_data import fake_record

RECS = [fake_record(i, prefix="BOF", mfg_base=280_100_000_000, lot="L-BO") for i in range(1, 21)]


def import_delivery(daemon: Daemon) -> None:
    with httpx.Client(base_url=daemon.url, timeout=10) as c:
        me = c.post("/api/auth/login", json={"name": "clerk2", "password": "demo-clerk"}).json()
        r = c.post("/api/stock/import", files={"file": ("bo.csv", write_stock_csv(RECS), "text/csv")},
                   headers={"X-CSRF-Token": me["csrf_token"]})
        assert r.status_code in (200, 201), r.text


def scan(page: Page, text: str) -> None:
    page.locator("#bo-scan").fill(text)
    page.locator("#bo-scan").press("Enter")


def issue_at_counter(daemon: Daemon, user: Any, notice_no: str, counter: int = 1) -> None:
    """A visitor with this notice, from ticket to card handed over, on the counter's screens only."""
    clerk = user("clerk1", "demo-clerk")
    staff = user("staff", "demo-staff")
    ticket = daemon.api("POST", "/api/tickets", {"category": "A"})
    clerk.goto(f"{daemon.url}/counter/{counter}")
    expect(clerk.locator("body[data-ready]")).to_have_count(1)
    clerk.locator("body").press("n")
    expect(clerk.locator("#cur-number")).to_have_text(ticket["number"])
    staff.goto(daemon.url + "/staff")
    expect(staff.locator("body[data-ready]")).to_have_count(1)
    clerk.locator("#open-case").click()
    expect(clerk.locator("body[data-ready]")).to_have_count(1)
    next_step(clerk, "notice")
    sim(daemon, "scanner", {"text": notice_no.replace("-", "")})
    expect(clerk.locator("#c-slot")).to_contain_text("BOX-")
    next_step(clerk, "documents")
    clerk.locator("body").press("a")  # A fills the checklist visibly (issue 12) …
    clerk.locator("body").press("Enter")  # … and the clerk confirms it
    next_step(clerk, "staff_check")
    clerk.locator("body").press("Enter")  # 住基カード: none
    staff.goto(daemon.url + "/staff")
    expect(staff.locator("body[data-ready]")).to_have_count(1)
    staff.locator(f'#checks tr[data-case="{clerk.url.rsplit("/", 1)[1]}"] [data-act="check"]').click()
    next_step(clerk, "card_tap")
    sim(daemon, "card", {"action": "insert", "profile": "valid"})
    next_step(clerk, "explained")
    clerk.locator("body").press("Enter")
    next_step(clerk, "receipt_copy")
    clerk.locator("body").press("Enter")
    next_step(clerk, "issued")
    clerk.locator("body").press("Enter")
    expect(clerk.locator("#closed-msg")).to_contain_text("交付済み")
    sim(daemon, "card", {"action": "remove"})
    for act in ("start", "finish"):
        clerk.context.request.post(f"{daemon.url}/api/tickets/{ticket['id']}/{act}")
    assert clerk.js_errors == [] and staff.js_errors == []


def card(daemon: Daemon, page: Page, ref: str) -> dict[str, Any]:
    return page.context.request.get(f"{daemon.url}/api/stock/cards/{ref}").json()  # type: ignore[no-any-return]


def test_a_delivery_from_inspection_to_issued_and_returned(daemon: Daemon, user: Any) -> None:
    import_delivery(daemon)
    page = user("clerk2", "demo-clerk")
    page.goto(daemon.url + "/stock")
    expect(page.locator("body[data-bo-ready]")).to_have_count(1)
    # inspection: each card scanned, its list data beside, Enter = OK; the 5th a photo defect (key 2)
    for i, rec in enumerate(RECS):
        scan(page, rec.manufacturing_no)
        expect(page.locator("#bo-pending")).to_have_attribute("data-card", rec.manufacturing_no)
        expect(page.locator("#bo-listdata")).to_contain_text(rec.name_kana)
        expect(page.locator("#bo-listdata")).to_contain_text(rec.notice_no)
        page.locator("#bo-scan").press("2" if i == 4 else "Enter")
        expect(page.locator("#bo-verdict")).to_contain_text(rec.manufacturing_no)
    assert card(daemon, page, RECS[4].notice_no)["status"] == "defect"
    assert card(daemon, page, RECS[4].notice_no)["box"] is None  # off the shelf plan
    # notice check: the right pair passes quietly, a wrong pair is loud
    page.keyboard.press("F3")
    scan(page, RECS[0].notice_no)
    scan(page, RECS[0].manufacturing_no)
    expect(page.locator("body")).to_have_attribute("data-verdict", "ok")
    scan(page, RECS[1].notice_no)
    scan(page, RECS[2].manufacturing_no)
    expect(page.locator("#bo-verdict.bad")).to_contain_text("不一致")
    # mailed by range (the defect is left alone and counted)
    form = page.locator("#bo-range")
    form.locator('select[name="to"]').select_option("mailed")
    form.locator('input[name="first"]').fill(RECS[0].manufacturing_no)
    form.locator('input[name="last"]').fill(RECS[-1].manufacturing_no)
    form.locator("button").click()
    expect(page.locator("#bo-range-result")).to_contain_text("19枚")
    expect(page.locator("#bo-range-result")).to_contain_text("対象外 1枚")
    # 交付前設定 by scan; a defect is refused with the reason, loud
    page.keyboard.press("F5")
    for rec in RECS[:3]:
        scan(page, rec.notice_no)
        expect(page.locator("#bo-verdict")).to_contain_text(rec.manufacturing_no)
    scan(page, RECS[4].notice_no)
    expect(page.locator("#bo-verdict.bad")).to_contain_text("不良")
    # find by scan: box and position in large type
    page.keyboard.press("F7")
    scan(page, RECS[1].notice_no)
    box = card(daemon, page, RECS[1].notice_no)["box"]
    expect(page.locator("#bo-find-box")).to_have_text(f"BOX-{box:04d}")
    # one returned (cancelled)
    page.keyboard.press("F6")
    page.locator("#bo-reason").select_option("cancelled")
    scan(page, RECS[2].notice_no)
    expect(page.locator("#bo-verdict")).to_contain_text(RECS[2].manufacturing_no)
    assert card(daemon, page, RECS[2].notice_no)["return_reason"] == "cancelled"
    # the lists page and print
    page.locator("#bo-kind").select_option("defect")
    expect(page.locator("#bo-list-table tbody")).to_contain_text(RECS[4].notice_no)
    assert page.js_errors == []
    # one issued at the counter
    issue_at_counter(daemon, user, RECS[0].notice_no)
    assert card(daemon, page, RECS[0].notice_no)["status"] == "issued"


def test_the_demo_stock_can_be_issued_at_once(daemon: Daemon, user: Any) -> None:
    """`station run --simulate` seeded the shipped samples as ready: no CLI, no back office first."""
    page = user("clerk1", "demo-clerk")
    first = card(daemon, page, "SMP-001019")
    assert first["status"] == "ready" and first["box_label"]
    issue_at_counter(daemon, user, "SMP-001019", counter=1)
    assert card(daemon, page, "SMP-001019")["status"] == "issued"
