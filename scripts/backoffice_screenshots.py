"""Screenshots of the back office and city staff's screens for the README (issue 14).

    .venv/bin/python scripts/backoffice_screenshots.py [--out docs/screenshots]

Starts `station run --simulate` (its demo stock is already ready) in a throwaway data directory, imports a
delivery of ten cards, inspects them by scan on /stock (one photo defect, one notice against the wrong
card), raises urgent trouble at counter 1, hands a preprint request and a complaint to city staff, and
photographs: /stock while inspecting, the notice mismatch, find-by-scan, the A4 mailing list, /staff with
the urgent bar and the close dialog, and the counter with busy-time mode on.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import httpx
from playwright.sync_api import Page, sync_playwright
from screenshots import CHROMIUM_ARGS, REPO, parse_args, start_daemon, stop

sys.path.insert(0, str(REPO))  # the fake cards of the tests (tests/support), from the repository root

from station.domain.stock_csv import write_stock_csv
from tests.support.stock_data import fake_record

RECS = [fake_record(i, prefix="DOC", mfg_base=290_100_000_000, lot="L2026-12-A") for i in range(1, 11)]
DEMO = {"clerk1": "demo-clerk", "supervisor": "demo-supervisor", "staff": "demo-staff"}


def session(base: str, name: str) -> httpx.Client:
    c = httpx.Client(base_url=base, timeout=10)
    me = c.post("/api/auth/login", json={"name": name, "password": DEMO[name]}).json()
    c.headers["X-CSRF-Token"] = me["csrf_token"]
    return c


def scan(page: Page, text: str) -> None:
    page.fill("#bo-scan", text)
    page.press("#bo-scan", "Enter")


def main() -> None:
    args, out = parse_args(__doc__)

    def save(page: Page, name: str, full_page: bool = False) -> None:
        page.wait_for_timeout(400)
        page.screenshot(path=str(out / name), full_page=full_page)
        print(f"wrote {(out / name).relative_to(REPO)}")

    with tempfile.TemporaryDirectory(prefix="station-bo-shots-") as tmp:
        proc, base = start_daemon(Path(tmp) / "open", "2026-12-01T10:20", simulate=True)
        try:
            clerk_api = session(base, "clerk1")
            clerk_api.post("/api/stock/import", files={"file": ("delivery.csv", write_stock_csv(RECS), "text/csv")})
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=args.chromium, args=CHROMIUM_ARGS, headless=True)

                def page(name: str, w: int = 1600, h: int = 1000) -> Page:
                    ctx = browser.new_context(viewport={"width": w, "height": h}, locale="ja-JP",
                                              timezone_id="Asia/Tokyo")
                    r = ctx.request.post(base + "/api/auth/login", data={"name": name, "password": DEMO[name]})
                    ctx.set_extra_http_headers({"X-CSRF-Token": r.json()["csrf_token"]})
                    return ctx.new_page()

                bo = page("clerk1", 1600, 1200)
                bo.goto(base + "/stock")
                bo.wait_for_selector("body[data-bo-ready]", state="attached")
                for i, rec in enumerate(RECS[:6]):
                    scan(bo, rec.manufacturing_no)
                    bo.wait_for_selector(f'#bo-pending[data-card="{rec.manufacturing_no}"]:not([hidden])')
                    if i < 5:
                        bo.press("#bo-scan", "2" if i == 3 else "Enter")
                        bo.wait_for_function(
                            f"document.getElementById('bo-verdict').textContent.includes('{rec.manufacturing_no}')")
                save(bo, "stock-inspect.png")  # the sixth card's list data beside the scan
                bo.press("#bo-scan", "Enter")
                bo.keyboard.press("F3")
                scan(bo, RECS[0].notice_no)
                scan(bo, RECS[1].manufacturing_no)
                bo.wait_for_selector("#bo-verdict.bad")
                save(bo, "stock-mismatch.png")
                bo.keyboard.press("F7")
                scan(bo, "SMP-001001")
                bo.wait_for_selector("#bo-find:not([hidden])")
                save(bo, "stock-find.png")
                clerk_api.post("/api/stock/steps", json={"to": "mailed", "first": RECS[0].manufacturing_no,
                                                         "last": RECS[-1].manufacturing_no, "date": "2026-12-01"})
                clerk_api.post(f"/api/stock/cards/{RECS[2].notice_no}/note", json={"note": "再交付（旧通知書は無効）"})
                sheet = page("clerk1", 900, 1200)
                sheet.goto(base + "/stock/print/mailing?date=2026-12-01")
                sheet.emulate_media(media="print")
                save(sheet, "stock-print-mailing.png")

                case = clerk_api.post("/api/cases", json={"counter_id": 2, "procedure": "preprint"}).json()
                clerk_api.post(f"/api/cases/{case['id']}/steps/id_taken")
                clerk_api.post(f"/api/cases/{case['id']}/complete", json={"note": "申請書を紛失"})
                clerk_api.post("/api/phone/calls", json={"category": 10, "content": "窓口の待ち時間について",
                                                         "escalation": "complaint", "caller_name": "デモ　タロウ",
                                                         "caller_phone": "090-0000-0000"})
                staff = page("staff", 1600, 1200)
                staff.goto(base + "/staff")
                staff.wait_for_selector("body[data-ready]", state="attached")
                clerk_api.post("/api/followup/urgent", json={"kind": "trouble", "counter_id": 1})
                staff.wait_for_selector(".urgent-item[data-kind=trouble]")
                save(staff, "staff-urgent.png")
                staff.click('.urgent-item [data-act="ack"]')
                row = staff.locator("#handovers tr").filter(has_text="苦情").first
                row.locator('[data-act="take"]').click()
                staff.wait_for_selector("#detail:not([hidden])")
                row.locator('[data-act="close"]').click()
                save(staff, "staff-close.png")
                staff.click("#close-cancel")

                sup = session(base, "supervisor")
                sup.put("/api/busy", json={"on": True})
                panel = page("clerk1", 1600, 1000)
                panel.goto(base + "/counter/1")
                panel.wait_for_selector("#busy-banner:not([hidden])")
                save(panel, "panel-busy.png")
                browser.close()
        finally:
            stop(proc)


if __name__ == "__main__":
    main()
