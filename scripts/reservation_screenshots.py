"""The README's pictures of the resident's side: booking on a phone, the confirmation mail, 混雑状況.

    .venv/bin/python scripts/reservation_screenshots.py [--out docs/screenshots]

Starts `station run --simulate` at a fixed open time with same-day bookings allowed and mail pointed at an
SMTP server in this process (aiosmtpd), loads one obviously fake card, books it on the phone-size page,
photographs the confirmation, renders the mail the server received (text and QR) as a phone would show it,
then puts a few visitors through and photographs the public congestion page.
"""

from __future__ import annotations

import base64
import dataclasses
import email
import html
import os
import subprocess
import sys
import tempfile
from datetime import date
from email.header import decode_header, make_header
from pathlib import Path

import httpx
from aiosmtpd.controller import Controller
from playwright.sync_api import sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from screenshots import CHROMIUM_ARGS, REPO, STATION, TOKENS, call, free_port, parse_args, shot, stop, wait_for

from station.domain.stock_csv import write_stock_csv
from tests.support.stock_data import fake_record

BIRTH = date(1980, 5, 5)


class Inbox:
    def __init__(self) -> None:
        self.messages: list[email.message.Message] = []

    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:
        self.messages.append(email.message_from_bytes(envelope.content))  # type: ignore[attr-defined]
        return "250 OK"


def mail_page(msg: email.message.Message) -> str:
    """The mail as a phone's mail app would show it: subject, text, the attached QR."""
    subject = str(make_header(decode_header(msg["Subject"])))
    text = next(p for p in msg.walk() if p.get_content_type() == "text/plain").get_payload(decode=True).decode()
    png = next((p.get_payload(decode=True) for p in msg.walk() if p.get_content_type() == "image/png"), b"")
    img = f'<img alt="QR" width="160" src="data:image/png;base64,{base64.b64encode(png).decode()}">' if png else ""
    return (f'<!doctype html><html lang="ja"><meta charset="utf-8"><body style="font-family:sans-serif;margin:0">'
            f'<header style="background:#14325c;color:#fff;padding:12px 16px;font-size:15px">受信トレイ</header>'
            f'<main style="padding:16px"><h1 style="font-size:19px">{html.escape(subject)}</h1>'
            f'<p style="color:#4f5b6b;font-size:14px">From: {html.escape(msg["From"])}</p>'
            f'<pre style="white-space:pre-wrap;font:16px/1.6 sans-serif">{html.escape(text)}</pre>{img}</main>')


def main() -> None:
    args, out = parse_args(__doc__)
    inbox, smtp_port = Inbox(), free_port()
    ctl = Controller(inbox, hostname="127.0.0.1", port=smtp_port)
    ctl.start()
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        data.mkdir()
        port = free_port()
        env = {**os.environ, "STATION_RESERVATIONS__DAYS_AHEAD_MIN": "0", "STATION_MAIL__HOST": "127.0.0.1",
               "STATION_MAIL__PORT": str(smtp_port), "STATION_MAIL__OFFICE_ADDRESS": "〇〇市役所 1階 市民課",
               "STATION_MAIL__OFFICE_PHONE": "000-000-0000", "STATION_DEVICES__CARD_READER__CONNECTION": "none"}
        log = (Path(tmp) / "daemon.log").open("wb")
        proc = subprocess.Popen([str(STATION), "run", "--simulate", "--port", str(port), "--data-dir", str(data),
                                 "--clock", "2026-12-01T09:50"], cwd=REPO, stdout=log, stderr=subprocess.STDOUT,
                                env=env)
        base = f"http://127.0.0.1:{port}"
        try:
            wait_for(lambda: proc.poll() is None and call(base, "GET", "/api/health")["status"] == "ok", 60, "daemon")
            TOKENS[base] = subprocess.run([str(STATION), "token", "create", "--name", "shots", "--role", "supervisor",
                                           "--data-dir", str(data)], cwd=REPO, capture_output=True, text=True,
                                          check=True, env=env).stdout.split()[-1]
            rec = dataclasses.replace(fake_record(5, prefix="DEM", lot="L-DEMO"), birth_date=BIRTH, is_renewal=False)
            h = {"Authorization": f"Bearer {TOKENS[base]}"}
            with httpx.Client(base_url=base, headers=h, timeout=10) as c:
                c.post("/api/stock/import", files={"file": ("demo.csv", write_stock_csv([rec]), "text/csv")})
                for to in ("inspected", "mailed", "ready"):
                    c.post(f"/api/stock/cards/{rec.notice_no}/transition", json={"to": to})
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=args.chromium, args=CHROMIUM_ARGS)
                ctx = browser.new_context(viewport={"width": 390, "height": 844}, locale="ja-JP",
                                          timezone_id="Asia/Tokyo", device_scale_factor=2)
                page = ctx.new_page()
                page.goto(base + "/reserve")
                page.wait_for_selector("body[data-ready]", state="attached")
                page.get_by_label("交付通知書番号").fill(rec.notice_no)
                page.get_by_label("生年月日").fill(BIRTH.isoformat())
                page.get_by_role("button", name="次へ").click()
                page.locator("#r-days .r-choice").first.click()
                page.locator('#r-slots .r-choice[data-slot="10:00"]').click()
                page.get_by_label("メールアドレス").fill("resident@example.org")
                page.get_by_role("button", name="この内容で予約する").click()
                page.wait_for_selector("#r-done:not([hidden])")
                page.wait_for_timeout(400)
                page.screenshot(path=str(out / "reserve.png"), full_page=True)
                code = page.locator("#r-done-code").inner_text()
                print(f"wrote {out / 'reserve.png'}")
                wait_for(lambda: inbox.messages, 20, "the confirmation mail")
                page.set_content(mail_page(inbox.messages[0]))
                page.screenshot(path=str(out / "reserve-mail.png"), full_page=True)
                print(f"wrote {out / 'reserve-mail.png'}")
                kiosk = browser.new_context(viewport={"width": 1080, "height": 1920}, locale="ja-JP",
                                            timezone_id="Asia/Tokyo").new_page()
                kiosk.goto(base + "/kiosk")
                kiosk.wait_for_selector("body[data-ready]", state="attached")
                call(base, "POST", "/api/sim/scanner", {"text": code})  # the booking's QR at the kiosk's reader
                kiosk.wait_for_selector("#resv-result:not([hidden])")
                kiosk.wait_for_timeout(400)
                kiosk.screenshot(path=str(out / "kiosk-reserved.png"))
                print(f"wrote {out / 'kiosk-reserved.png'}")
                for cat in "AABCAD":
                    call(base, "POST", "/api/tickets", {"category": cat})
                call(base, "POST", "/api/counters/1/call-next")
                call(base, "POST", "/api/counters/3/call-next")
                shot(page, base, "/public", out / "public.png", full_page=True)
                browser.close()
        finally:
            stop(proc)
            ctl.stop()


if __name__ == "__main__":
    main()
