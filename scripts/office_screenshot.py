"""The README's picture of a whole office: three counter daemons on one PostgreSQL, one waiting room.

    .venv/bin/python scripts/office_screenshot.py [--out docs/screenshots]

Starts `station run --simulate --office 3` on a throwaway PostgreSQL database (dropped at the end), issues
tickets at daemon 1 (where the dispenser hangs), has each counter call its next visitor through its own
daemon (counter 1 on :p, counter 2 on :p+1, counter 3 on :p+2), and photographs the waiting-room display
served by daemon 3: every counter's call is on it, carried by LISTEN/NOTIFY.
"""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright
from sqlalchemy import create_engine, text

sys.path.insert(0, str(Path(__file__).resolve().parent))
from screenshots import CHROMIUM_ARGS, REPO, STATION, TOKENS, call, free_port, parse_args, shot, wait_for

PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


def main() -> None:
    args, out = parse_args(__doc__)
    name = f"station_shots_{secrets.token_hex(4)}"
    url = f"postgresql://postgres@127.0.0.1:5432/{name}"
    env = {**os.environ, "STATION_DATABASE_URL": url}
    port = free_port()
    bases = [f"http://127.0.0.1:{port + i}" for i in range(3)]
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with tempfile.TemporaryDirectory(prefix="station-office-") as tmp:
        log = (Path(tmp) / "office.log").open("wb")
        proc = subprocess.Popen([str(STATION), "run", "--simulate", "--office", "3", "--port", str(port),
                                 "--data-dir", tmp, "--clock", "2026-12-01T10:20"],
                                cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            for base in bases:
                wait_for(lambda b=base: proc.poll() is None and call(b, "GET", "/api/health")["status"] == "ok",
                         90, f"daemon on {base}")
            token = subprocess.run([str(STATION), "token", "create", "--name", "screenshots", "--role",
                                    "supervisor", "--data-dir", tmp], cwd=REPO, env=env, capture_output=True,
                                   text=True, check=True).stdout.split()[-1]
            for base in bases:
                TOKENS[base] = token
            for cat in "AABCADBACD":
                call(bases[0], "POST", "/api/tickets", {"category": cat})
            for counter, base in enumerate(bases, start=1):
                call(base, "POST", f"/api/counters/{counter}/call-next")
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=args.chromium, args=CHROMIUM_ARGS)
                ctx = browser.new_context(viewport={"width": 1920, "height": 1080}, locale="ja-JP",
                                          timezone_id="Asia/Tokyo")
                shot(ctx.new_page(), bases[2], "/display", out / "office-display.png")
                browser.close()
        finally:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
            with admin.connect() as c:
                c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()


if __name__ == "__main__":
    main()
