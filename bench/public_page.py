"""Benchmark: the public congestion page under 500 polling residents while 20 counters work (issue 15).

Setup: the station of bench/ticket_path.py (SQLite, 20 counters, the dispenser button on a pty, a parsing
TCP printer), served over HTTP by uvicorn in this process, as the daemon serves it. The load is another
process (so its Python does not share the daemon's GIL): 20 counters calling over HTTP as their panels do
(call-next → start → finish), and `--residents` asyncio clients, each polling `GET /api/public/status` every
`--interval` seconds with the ETag it last got (a 304 when nothing changed), as a phone's browser does.

Measured, against a baseline in the same run:
  press → print p99 with 20 counters calling (baseline), then the same with the residents polling;
  page p99 as the residents see it; RSS of this (the daemon's) process at the end.
Targets: press → print p99 unchanged within noise (ratio ≤ 1.5), page p99 < 50 ms, RSS < 150 MB.

    .venv/bin/python bench/public_page.py [--residents 500] [--interval 5] [--presses 300] [--quick]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import uvicorn

from bench.common import CutSink, pct, summary, vm_rss_mb
from bench.ticket_path import build, press_latencies
from station.clock import TickingClock
from web.app import create_app

LOAD = r'''
import asyncio, json, sys, time
import httpx

async def resident(client, url, interval, until, out, offset):
    await asyncio.sleep(offset)
    etag = None
    while time.monotonic() < until:
        t0 = time.perf_counter()
        headers = {"If-None-Match": etag} if etag else {}
        try:
            r = await client.get(url, headers=headers)
            if r.status_code in (200, 304):
                etag = r.headers.get("etag", etag)
                out.append((time.perf_counter() - t0, r.status_code))
        except Exception:
            out.append((float("inf"), 0))
        await asyncio.sleep(interval)

async def counter(client, base, cid, until):
    while time.monotonic() < until:
        r = await client.post(f"{base}/api/counters/{cid}/call-next")
        if r.status_code == 200:
            tid = r.json()["id"]
            await client.post(f"{base}/api/tickets/{tid}/start")
            await client.post(f"{base}/api/tickets/{tid}/finish")
        else:
            await asyncio.sleep(0.05)

async def main(base, residents, interval, seconds, counters):
    out = []
    until = time.monotonic() + seconds
    limits = httpx.Limits(max_connections=residents + counters, max_keepalive_connections=residents + counters)
    async with httpx.AsyncClient(limits=limits, timeout=30) as client:
        jobs = [counter(client, base, c, until) for c in range(1, counters + 1)]
        jobs += [resident(client, base + "/api/public/status", interval, until, out, interval * i / max(residents, 1))
                 for i in range(residents)]
        await asyncio.gather(*jobs)
    print(json.dumps(out))

asyncio.run(main(sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5])))
'''


def load(port: int, residents: int, interval: float, seconds: float, counters: int) -> subprocess.Popen[str]:
    """Counters (HTTP, as their panels call) and residents (HTTP, polling the page) in another process."""
    return subprocess.Popen([sys.executable, "-c", LOAD, f"http://127.0.0.1:{port}", str(residents), str(interval),
                             str(seconds), str(counters)], stdout=subprocess.PIPE, text=True, env={**os.environ})


def serve(st: object, port: int) -> uvicorn.Server:
    config = uvicorn.Config(create_app(st, manage_lifecycle=False), host="127.0.0.1", port=port,  # type: ignore[arg-type]
                            log_level="warning", access_log=False)
    server = uvicorn.Server(config)
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    return server


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--residents", type=int, default=500)
    ap.add_argument("--interval", type=float, default=5.0)
    ap.add_argument("--presses", type=int, default=300)
    ap.add_argument("--counters", type=int, default=20)
    ap.add_argument("--quick", action="store_true", help="100 residents, 100 presses")
    args = ap.parse_args()
    if args.quick:
        args.residents, args.presses = 100, 100
    from tests.e2e.conftest import free_port

    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        sink = CutSink()
        st, button = build(tmp, sink, args.counters)
        port = free_port()
        server = serve(st, port)
        try:
            st.settings.security.require_login = False  # counters and residents are anonymous HTTP clients here
            # The queue's clock stands still (ticket_path's); the page's cache ages in real time, as in a daemon.
            st.reservations.booking.clock = TickingClock(st.clock.now())
            st.queue.issue("A")
            sink.wait(1)
            seconds = max(20.0, args.interval * 4)
            calm_load = load(port, 0, args.interval, seconds, args.counters)
            time.sleep(2)  # the counters are calling before the timed presses
            calm = press_latencies(st, button, sink, args.presses)
            calm_load.communicate(timeout=seconds + 60)
            busy_load = load(port, args.residents, args.interval, seconds, args.counters)
            time.sleep(args.interval)  # every resident has started polling before the timed presses
            busy = press_latencies(st, button, sink, args.presses)
            out, _ = busy_load.communicate(timeout=seconds + 60)
            rss = vm_rss_mb(os.getpid())
        finally:
            server.should_exit = True
            st.stop()
            sink.close()
    page = [lat for lat, code in json.loads(out) if code]
    not_modified = sum(1 for _lat, code in json.loads(out) if code == 304)
    print(summary(f"press → printer ({args.counters} counters calling)", calm))
    print(summary(f"  … and {args.residents} residents polling", busy))
    print(summary("public status as residents see it", page))
    print(f"answers 304 Not Modified: {not_modified}/{len(page)}")
    ratio = pct(busy, 99) / pct(calm, 99)
    print(f"press p99 ratio with/without residents: {ratio:.2f}  (target ≤ 1.5, i.e. within noise)")
    print(f"page p99: {pct(page, 99) * 1000:.1f} ms  (target < 50 ms)")
    print(f"daemon RSS at the end: {rss:.0f} MB  (target < 150 MB)")


if __name__ == "__main__":
    main()
