"""Screenshots of the operating manual for the README (issue 16), from a real simulated daemon.

    .venv/bin/python scripts/manual_screenshots.py [--out docs/screenshots]

The manual screen with a half-width search and its marked matches; the phone desk with ④ pressed and the
caller's question typed, the manual beside it; city staff's review of a proposal with its diff.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parent))

from screenshots import CHROMIUM_ARGS, call, parse_args, start_daemon, stop

DEMO = {"clerk1": "demo-clerk", "staff": "demo-staff"}


def main() -> None:
    args, out = parse_args(__doc__)
    with tempfile.TemporaryDirectory(prefix="station-manual-shots-") as tmp:
        proc, base = start_daemon(Path(tmp) / "sim", "2026-12-01T10:00", simulate=True)
        try:
            body = call(base, "GET", "/api/manual/articles/proxy")["body"]
            call(base, "POST", "/api/manual/proposals", {
                "slug": "proxy", "question": "委任状の様式はどこにありますか", "origin": "phone",
                "origin_ref": "phone:2",
                "body": body + "- 委任状の様式は本市のホームページにあります〔D-ALL-3〕。\n"})
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=args.chromium, args=CHROMIUM_ARGS, headless=True)

                def page(user: str) -> Page:
                    ctx = browser.new_context(viewport={"width": 1400, "height": 900}, locale="ja-JP",
                                              timezone_id="Asia/Tokyo")
                    r = ctx.request.post(base + "/api/auth/login", data={"name": user, "password": DEMO[user]})
                    ctx.set_extra_http_headers({"X-CSRF-Token": r.json()["csrf_token"]})
                    return ctx.new_page()

                clerk = page("clerk1")
                clerk.goto(base + "/manual")
                clerk.fill("#q", "ﾌﾟﾚﾌﾟﾘﾝﾄ 申し込み")
                clerk.wait_for_selector("#hits mark")
                clerk.locator("#hits a").first.click()
                clerk.wait_for_selector("#a-title:not(:empty)")
                clerk.screenshot(path=str(out / "manual.png"))
                phone = page("clerk1")
                phone.goto(base + "/phone")
                phone.keyboard.press("4")
                phone.locator("#content").click()
                phone.keyboard.type("はがきが届かない")
                phone.wait_for_selector("#mp-hits mark")
                phone.locator("#mp-hits a").first.click()
                phone.wait_for_selector("#mp-title")
                phone.screenshot(path=str(out / "manual-phone.png"), full_page=True)
                staff = page("staff")
                staff.goto(base + "/manual/review")
                staff.wait_for_selector(".manual-proposal .diff-add")
                staff.screenshot(path=str(out / "manual-review.png"), full_page=True)
                browser.close()
            for name in ("manual.png", "manual-phone.png", "manual-review.png"):
                print(f"wrote {out / name}")
        finally:
            stop(proc)


if __name__ == "__main__":
    main()
