"""Screenshots of every screen for the README, from a real simulated daemon and Debian's chromium.

    .venv/bin/python scripts/screenshots.py [--out docs/screenshots]

Starts `station run --simulate` on a free port in a throwaway data directory at a fixed open time,
puts a morning's worth of visitors through it (button presses, calls, a card on the reader), then
photographs each screen at the size it is used at: desktop for the clerk, admin and simulator
panels, 1080×1920 portrait for the kiosk, full HD for the waiting-room display, a phone for the
visitor's status page. A second, plain daemon in the evening shows the kiosk's closed screen.
"""

from __future__ import annotations

import argparse
import json
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, sync_playwright

REPO = Path(__file__).resolve().parent.parent
STATION = Path(sys.executable).with_name("station")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# simulator mode's demo users (README)
DEMO = {"clerk1": "demo-clerk", "supervisor": "demo-supervisor", "staff": "demo-staff"}
TOKENS: dict[str, str] = {}  # base URL → a supervisor API token for the script's own calls


def call(base: str, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
    data = json.dumps(body).encode() if body is not None else None
    headers = {"Content-Type": "application/json"}
    if base in TOKENS:
        headers["Authorization"] = f"Bearer {TOKENS[base]}"
    req = urllib.request.Request(base + path, data=data, method=method, headers=headers)
    with urllib.request.urlopen(req, timeout=10) as r:
        raw = r.read()
        return json.loads(raw) if raw else None


def wait_for(cond: Any, timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            got = cond()
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            got = None
        if got:
            return got
        time.sleep(0.1)
    raise SystemExit(f"timed out waiting for {what}")


def start_daemon(data_dir: Path, clock: str, simulate: bool) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    args = [str(STATION), "run", "--port", str(port), "--data-dir", str(data_dir), "--clock", clock]
    if simulate:
        args.insert(2, "--simulate")
    log = (data_dir.parent / f"{data_dir.name}.log").open("wb")
    proc = subprocess.Popen(args, cwd=REPO, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    wait_for(lambda: proc.poll() is None and call(base, "GET", "/api/health")["status"] == "ok", 60,
             f"daemon on {base}")
    out = subprocess.run([str(STATION), "token", "create", "--name", "screenshots", "--role", "supervisor",
                          "--data-dir", str(data_dir)], cwd=REPO, capture_output=True, text=True, check=True)
    TOKENS[base] = out.stdout.split()[-1]
    return proc, base


def stop(proc: subprocess.Popen[bytes]) -> None:
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()


def populate(base: str) -> dict[str, Any]:
    """A plausible mid-morning: a queue in every category, three counters busy, a card on the reader."""
    # Two real button presses (the dispenser debounces, so one at a time), the rest from the kiosk API.
    for n, cat in enumerate("AB", start=1):
        call(base, "POST", "/api/sim/button", {"category": cat})
        wait_for(lambda n=n: len(call(base, "GET", "/api/tickets")) >= n, 15, "a button press to become a ticket")
    for cat in "ACBADCAB":
        call(base, "POST", "/api/tickets", {"category": cat})
    first = call(base, "POST", "/api/counters/2/call-next")
    call(base, "POST", f"/api/tickets/{first['id']}/start")
    call(base, "POST", f"/api/tickets/{first['id']}/finish")
    call(base, "POST", "/api/counters/3/call-next")
    call(base, "POST", "/api/counters/2/call-next")
    current = call(base, "POST", "/api/counters/1/call-next")
    call(base, "POST", f"/api/tickets/{current['id']}/start")
    waiting = call(base, "POST", "/api/tickets", {"category": "A"})
    return {"current": current, "waiting": waiting}


def shot(page: Page, base: str, path: str, out: Path, ready: bool = True, full_page: bool = False) -> None:
    page.goto(base + path)
    if ready:
        page.wait_for_selector("body[data-ready]", state="attached")
    page.wait_for_timeout(400)  # let fonts and the last live update settle before the photo
    page.screenshot(path=str(out), full_page=full_page)
    print(f"wrote {out.relative_to(REPO) if out.is_relative_to(REPO) else out}")


def parse_args(doc: str | None) -> tuple[argparse.Namespace, Path]:
    """`--out DIR` (made if missing) and `--chromium PATH`, shared by the screenshot scripts."""
    ap = argparse.ArgumentParser(description=(doc or "").split("\n")[0])
    ap.add_argument("--out", type=Path, default=REPO / "docs" / "screenshots")
    ap.add_argument("--chromium", default="/usr/bin/chromium")
    args = ap.parse_args()
    out: Path = args.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    return args, out


def load_cards(base: str) -> list[Any]:
    """Two obviously fake cards on the shelf, ready: a first card and one for the incomplete set."""
    import dataclasses
    import datetime as dt

    if str(REPO) not in sys.path:  # run as a script: the repository's own modules (the fake stock rows)
        sys.path.insert(0, str(REPO))
    from station.domain.stock_csv import write_stock_csv
    from tests.support.stock_data import fake_record

    recs = [dataclasses.replace(fake_record(i, prefix="SHT", lot="L-SHOTS"), birth_date=dt.date(1980, 5, 5),
                                is_renewal=False, has_juki_card=False) for i in (1, 2)]
    import httpx  # the stock import is a file upload

    with httpx.Client(base_url=base, timeout=20) as c:
        me = c.post("/api/auth/login", json={"name": "supervisor", "password": DEMO["supervisor"]}).json()
        h = {"X-CSRF-Token": me["csrf_token"]}
        c.post("/api/stock/import", files={"file": ("shots.csv", write_stock_csv(recs), "text/csv")}, headers=h)
        for r in recs:
            for to in ("inspected", "mailed", "ready"):
                c.post(f"/api/stock/cards/{r.notice_no}/transition", json={"to": to}, headers=h)
    return recs


def case_steps(clerk: Page, staff: Page, base: str, out: Path) -> None:
    """A first-card issuance on the counter PC at 1366×768, one picture per step; then an incomplete set
    asking once before the visitor is sent home."""
    first, short = load_cards(base)

    def snap(name: str, step: str | None = None) -> None:
        if step:
            clerk.wait_for_selector(f'#step-name[data-step="{step}"]', timeout=15000)
        clerk.wait_for_timeout(300)
        clerk.screenshot(path=str(out / f"case-{name}.png"))
        print(f"wrote case-{name}.png")

    clerk.goto(base + "/counter/1/case?procedure=issuance")  # the panel picture's visitor, for a card
    clerk.wait_for_selector("body[data-ready]", state="attached")
    call(base, "POST", "/api/sim/card", {"action": "remove"})
    snap("1-notice", "notice")
    call(base, "POST", "/api/sim/scanner", {"text": first.notice_no.replace("-", "")})
    clerk.wait_for_selector('#step-name[data-step="documents"]', timeout=15000)
    clerk.keyboard.press("a")
    snap("2-documents-filled-by-a", "documents")
    clerk.keyboard.press("Enter")
    snap("3-staff-check", "staff_check")
    clerk.keyboard.press("Enter")
    staff.goto(base + "/staff")
    staff.wait_for_selector("body[data-ready]", state="attached")
    staff.click('#checks [data-act="check"]')
    call(base, "POST", "/api/sim/card", {"action": "insert", "profile": "valid"})
    snap("4-explained", "explained")
    clerk.keyboard.press("Enter")
    clerk.wait_for_selector('#step-name[data-step="receipt_copy"]', timeout=15000)
    clerk.keyboard.press("Enter")
    clerk.wait_for_selector('#step-name[data-step="issued"]', timeout=15000)
    clerk.keyboard.press("Enter")
    clerk.wait_for_selector("#closed-msg", timeout=15000)
    snap("5-issued")
    call(base, "POST", "/api/sim/card", {"action": "remove"})
    clerk.goto(base + "/counter/1/case?procedure=issuance")
    clerk.wait_for_selector('#step-name[data-step="notice"]', timeout=15000)
    call(base, "POST", "/api/sim/scanner", {"text": short.notice_no.replace("-", "")})
    clerk.wait_for_selector('#step-name[data-step="documents"]', timeout=15000)
    clerk.check('#checklist input[data-doc="notice"]')
    clerk.select_option("#holder-id-1", "health_insurance")
    clerk.keyboard.press("Enter")
    clerk.wait_for_selector("#confirm:not([hidden])", timeout=15000)
    snap("6-incomplete-asks-once")
    clerk.keyboard.press("Enter")
    clerk.wait_for_selector("#printed", timeout=15000)
    snap("7-returned-slip-printed")


def main() -> None:
    args, out = parse_args(__doc__)

    with tempfile.TemporaryDirectory(prefix="station-shots-") as tmp:
        proc, base = start_daemon(Path(tmp) / "open", "2026-12-01T10:20", simulate=True)
        closed_proc, closed_base = start_daemon(Path(tmp) / "closed", "2026-12-01T21:00", simulate=False)
        try:
            state = populate(base)
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=args.chromium, args=CHROMIUM_ARGS)

                def page(w: int, h: int, user: str | None = None) -> Page:
                    ctx = browser.new_context(viewport={"width": w, "height": h}, locale="ja-JP",
                                              timezone_id="Asia/Tokyo")
                    if user:  # log in as the login form does: session cookie, then the CSRF header
                        r = ctx.request.post(base + "/api/auth/login", data={"name": user, "password": DEMO[user]})
                        ctx.set_extra_http_headers({"X-CSRF-Token": r.json()["csrf_token"]})
                    return ctx.new_page()

                panel = page(1366, 768, "clerk1")  # the counter PC (issue 12)
                panel.goto(base + "/counter/1")
                panel.wait_for_selector("body[data-ready]", state="attached")
                call(base, "POST", "/api/sim/card", {"action": "insert", "profile": "renew_soon"})
                call(base, "POST", "/api/sim/scanner", {"text": f"TK-{state['waiting']['id']}"})
                panel.wait_for_selector("#card-verdict[data-level]:not([data-level=''])", timeout=20000)
                panel.wait_for_selector("#scan-result .scan-number", timeout=10000)
                panel.wait_for_timeout(400)
                panel.screenshot(path=str(out / "panel.png"))
                print("wrote panel.png")

                case_steps(page(1366, 768, "clerk1"), page(1366, 768, "staff"), base, out)

                shot(page(1080, 1920), base, "/kiosk", out / "kiosk.png")
                kiosk = page(1080, 1920)
                kiosk.goto(base + "/kiosk")
                kiosk.wait_for_selector("body[data-ready]", state="attached")
                kiosk.click('.cat-btn[data-cat="B"]')
                kiosk.wait_for_selector("#screen-issued:not([hidden])")
                kiosk.wait_for_timeout(300)
                kiosk.screenshot(path=str(out / "kiosk-issued.png"))
                print("wrote kiosk-issued.png")
                shot(page(1080, 1920), closed_base, "/kiosk", out / "kiosk-closed.png")

                shot(page(1920, 1080), base, "/display", out / "display.png")
                status_path = state["waiting"]["status_url"].removeprefix(base)
                shot(page(390, 844), base, status_path, out / "status.png")
                called = call(base, "GET", "/api/tickets?state=called")[0]
                called_path = next(r["status_path"] for r in call(base, "GET", "/sim/tickets")
                                   if r["id"] == called["id"])
                shot(page(390, 844), base, called_path, out / "status-called.png")
                call(base, "PUT", "/api/admin/calendar/2026-12-26",
                     {"kind": "holiday_opening", "note": "年末の臨時開庁"})
                shot(page(1600, 1000, "supervisor"), base, "/admin", out / "admin.png", full_page=True)
                shot(page(1600, 1000), base, "/sim", out / "sim.png")
                browser.close()
        finally:
            stop(proc)
            stop(closed_proc)


if __name__ == "__main__":
    main()
