"""Benchmark: does the waiting-room display stay the same size over a whole day of calls?

The display runs unattended from opening to closing. This drives a real `station run` (SQLite, no
devices) through many visitors — issue, call, recall now and then, finish — while `/display` is open
in Debian's chromium, and reads the page's own counters through the DevTools protocol after a forced
garbage collection: JS heap in use, DOM nodes, event listeners. The baseline is the same page after a
short warm-up in the same run; what matters is growth per thousand calls, which should be ~0.

A busy office calls 600–900 visitors a day; the default run calls 2,000 (a long day and then some),
with one forced SSE reconnect in the middle (the daemon restarted), as happens when a PC reboots.

    .venv/bin/python bench/display_memory.py [--calls 2000] [--quick]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx
from playwright.sync_api import CDPSession, Page, sync_playwright

from bench.common import NO_DEVICES, api_headers, write_config
from tests.support.daemon import Daemon

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]


def measure(cdp: CDPSession) -> dict[str, float]:
    """Heap and DOM after a full GC: what the page really keeps."""
    cdp.send("HeapProfiler.collectGarbage")
    heap = cdp.send("Runtime.getHeapUsage")
    dom = cdp.send("Memory.getDOMCounters")
    return {"heap_kb": heap["usedSize"] / 1024, "nodes": dom["nodes"], "listeners": dom["jsEventListeners"]}


def visitors(client: httpx.Client, n: int, page: Page, seen_before: int) -> int:
    """n visitors through counter 1; waits until the display has shown the last call."""
    last = ""
    for i in range(n):
        t = client.post("/api/tickets", json={"category": "A"}).json()
        called = client.post("/api/counters/1/call-next")
        called.raise_for_status()
        if i % 10 == 0:
            client.post(f"/api/tickets/{t['id']}/recall").raise_for_status()
        client.post(f"/api/tickets/{t['id']}/start").raise_for_status()
        client.post(f"/api/tickets/{t['id']}/finish").raise_for_status()
        last = t["number"]
    page.wait_for_function("n => document.body.textContent.includes(n)", arg=last, timeout=30000)
    return seen_before + n


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--calls", type=int, default=2000)
    ap.add_argument("--quick", action="store_true", help="400 calls (a smoke run)")
    ap.add_argument("--chromium", default="/usr/bin/chromium")
    args = ap.parse_args()
    calls = 400 if args.quick else args.calls

    with tempfile.TemporaryDirectory(prefix="station-dispmem-") as tmp:
        root = Path(tmp)
        config = write_config(root, counters=1, categories=("A",))
        env = {**NO_DEVICES, "STATION_SECURITY__REQUIRE_LOGIN": "true"}
        d = Daemon(root / "d", simulate=False, env=env, config=config).start()
        try:
            headers = api_headers(config, d.data_dir, env)
            with httpx.Client(base_url=d.url, headers=headers, timeout=10) as client, sync_playwright() as p:
                browser = p.chromium.launch(executable_path=args.chromium, args=CHROMIUM_ARGS)
                page = browser.new_page(viewport={"width": 1920, "height": 1080})
                page.goto(d.url + "/display")
                page.wait_for_selector("body[data-ready]", state="attached")
                cdp = page.context.new_cdp_session(page)
                done = visitors(client, 100, page, 0)  # warm-up: every code path has run once
                base = measure(cdp)
                rows: list[tuple[int, dict[str, float]]] = [(done, base)]
                half = calls // 2
                step = max(100, calls // 8)
                restarted = False
                t0 = time.perf_counter()
                while done < 100 + calls:
                    if not restarted and done - 100 >= half:
                        d.stop()  # the display must reconnect and carry on
                        d.start()
                        restarted = True
                    done = visitors(client, step, page, done)
                    rows.append((done, measure(cdp)))
                elapsed = time.perf_counter() - t0
                browser.close()
        finally:
            d.stop()

    print(f"display after N calls (forced GC), {calls} calls in {elapsed:.0f} s, one daemon restart midway")
    print(f"{'calls':>7} {'heap KB':>9} {'DOM nodes':>10} {'listeners':>10}")
    for n, m in rows:
        print(f"{n:7d} {m['heap_kb']:9.0f} {m['nodes']:10.0f} {m['listeners']:10.0f}")
    last = rows[-1][1]
    per_k = 1000 / max(1, rows[-1][0] - rows[0][0])
    growth: dict[str, Any] = {k: (last[k] - base[k]) * per_k for k in base}
    print(f"growth per 1000 calls vs warm-up baseline: heap {growth['heap_kb']:+.0f} KB, "
          f"DOM nodes {growth['nodes']:+.0f}, listeners {growth['listeners']:+.0f}")
    ok = growth["nodes"] <= 50 and growth["listeners"] <= 5 and growth["heap_kb"] <= 256
    print("bounded: " + ("yes" if ok else "NO — the display grows with every call"))


if __name__ == "__main__":
    main()
