"""A whole day on one counter PC: does the daemon stay the same size, and does printing keep up?

One real `station run --simulate` (SQLite; the in-process printer simulator and button on their real
channels; no card reader), driven over HTTP as an office drives it:

  tickets    `--tickets` (2,000: a long day and then some), every other one from the dispenser button
             (POST /api/sim/button → pty → the real button driver) and from the kiosk (POST /api/tickets);
             the queue is kept short (a dozen waiting), as in a real day;
  counters   3 clerks: call-next, every tenth a recall, open a case for the ticket (which starts the
             service) and close it (the visitor left: cancel; closing finishes the ticket);
  screens    two event streams open all day (the waiting-room display and a panel: GET /api/events,
             every frame read), the display's category list every second, and the public status page of
             the last few kiosk tickets polled as phones do (GET /t/<token>/data).

The daemon's VmRSS is read every 100 tickets. After a warm-up (the first `--warmup` tickets: every code
path has run, caches are full) the growth must be ~0: the slope (least squares) under 2 KB per ticket,
and the peak under 130 MB. At the end every ticket must have a print outcome.

Then printing alone: `--print-burst` kiosk tickets issued as fast as one client can, timed until the
last one's `ticket_printed` event arrives: the spooler and the simulator together must sustain at least
30 receipts a second (a real printer does ~5), and the ticket path must not wait for them.

    .venv/bin/python bench/day.py [--tickets 2000] [--warmup 300] [--print-burst 300] [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import NO_DEVICES, RawHttp, api_headers, pct, vm_rss_mb, write_config
from tests.support.daemon import Daemon

CLOCK = "2026-12-01T09:00"
ENV = {**NO_DEVICES, "STATION_DEVICES__PRINTER__CONNECTION": "simulator",
       "STATION_DEVICES__BUTTON__CONNECTION": "simulator", "STATION_SECURITY__TICKET_RATE_PER_MINUTE": "0",
       "STATION_DEVICES__BUTTON__DEBOUNCE_MS": "0"}  # presses come faster than a finger
CATS = ["A", "B", "C", "D"]
MAX_WAITING = 12
TARGET_SLOPE_KB = 2.0
TARGET_PEAK_MB = 130.0
TARGET_PRINTS_PER_S = 30.0


class Stream:
    """One SSE client reading every frame (a display or a panel), counting events by name."""

    def __init__(self, host: str, port: int, headers: dict[str, str]) -> None:
        self.host, self.port, self.headers = host, port, headers
        self.counts: dict[str, int] = {}
        self.printed_at: list[float] = []
        self._task: asyncio.Task[None] | None = None
        self.ready = asyncio.Event()

    def start(self) -> None:
        self._task = asyncio.create_task(self._run())

    async def _run(self) -> None:
        reader, writer = await asyncio.open_connection(self.host, self.port)
        extra = "".join(f"{k}: {v}\r\n" for k, v in self.headers.items())
        writer.write(f"GET /api/events HTTP/1.1\r\nHost: {self.host}\r\n{extra}Accept: text/event-stream\r\n\r\n"
                     .encode())
        try:
            while True:
                line = await reader.readline()
                if not line:
                    return
                if line.startswith(b"event: "):
                    name = line[7:].strip().decode()
                    self.counts[name] = self.counts.get(name, 0) + 1
                    if name == "hello":
                        self.ready.set()
                    elif name == "ticket_printed":
                        self.printed_at.append(time.perf_counter())
        finally:
            writer.close()

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            try:
                await self._task
            except (asyncio.CancelledError, ConnectionError):
                pass


class Day:
    def __init__(self, url: str, headers: dict[str, str], pid: int, tickets: int) -> None:
        from httpx import URL

        u = URL(url)
        self.host, self.port, self.headers, self.pid = u.host, u.port or 80, headers, pid
        self.tickets = tickets
        self.issued = 0
        self.served = 0
        self.tokens: list[str] = []
        self.rss: list[tuple[int, float]] = []
        self.done = asyncio.Event()
        self.errors: list[str] = []

    def http(self) -> RawHttp:
        return RawHttp(self.host, self.port, self.headers)

    async def post(self, http: RawHttp, path: str, body: object = None, ok: tuple[int, ...] = (200, 201, 202),
                   ) -> tuple[int, bytes]:
        status, data = await http.post(path, json.dumps(body).encode() if body is not None else b"")
        if status not in ok:
            self.errors.append(f"POST {path} → {status}: {data[:200]!r}")
            if len(self.errors) > 20:
                raise RuntimeError("\n".join(self.errors))
        return status, data

    async def dispenser(self) -> None:
        http = self.http()
        try:
            while self.issued < self.tickets:
                if self.issued - self.served >= MAX_WAITING:
                    await asyncio.sleep(0.01)
                    continue
                cat = CATS[self.issued % len(CATS)]
                if self.issued % 2:
                    await self.post(http, "/api/sim/button", {"category": cat})
                else:
                    _, data = await self.post(http, "/api/tickets", {"category": cat})
                    self.tokens = [*self.tokens, json.loads(data)["status_url"].rsplit("/t/", 1)[1]][-5:]
                self.issued += 1
                if self.issued % 100 == 0:
                    self.rss.append((self.issued, vm_rss_mb(self.pid)))
        finally:
            await http.aclose()

    async def counter(self, cid: int) -> None:
        http = self.http()
        body = {"counter_id": cid}
        n = idle = 0
        try:
            while True:
                status, data = await self.post(http, f"/api/counters/{cid}/call-next", ok=(200, 204))
                if status == 204:
                    # a button press is answered before its ticket exists: stop only when the dispenser is
                    # done and nobody has been waiting for a while
                    idle = idle + 1 if self.issued >= self.tickets else 0
                    if idle >= 25:
                        break
                    await asyncio.sleep(0.02)
                    continue
                idle = 0
                tid = json.loads(data)["id"]
                n += 1
                if n % 10 == 0:
                    await self.post(http, f"/api/tickets/{tid}/recall", body)
                # The case drives the ticket: opening it starts the service, closing it finishes the ticket.
                _, case = await self.post(http, "/api/cases", {"counter_id": cid, "ticket_id": tid})
                await self.post(http, f"/api/cases/{json.loads(case)['id']}/cancel")
                self.served += 1
        finally:
            await http.aclose()
        self.done.set()

    async def screens(self) -> None:
        """The display's category list every second and the public page of recent tickets, until the day ends."""
        http = self.http()
        try:
            while not self.done.is_set():
                status, _ = await http.get("/api/categories")
                if status != 200:
                    self.errors.append(f"GET /api/categories → {status}")
                for token in list(self.tokens):
                    await http.get(f"/t/{token}/data")
                await asyncio.sleep(1.0)
        finally:
            await http.aclose()


async def run_day(url: str, headers: dict[str, str], pid: int, tickets: int) -> tuple[Day, dict[str, int]]:
    day = Day(url, headers, pid, tickets)
    streams = [Stream(day.host, day.port, headers) for _ in range(2)]
    for s in streams:
        s.start()
    await asyncio.wait_for(asyncio.gather(*(s.ready.wait() for s in streams)), 10)
    day.rss.append((0, vm_rss_mb(pid)))
    screens = asyncio.create_task(day.screens())
    await asyncio.gather(day.dispenser(), *(day.counter(c) for c in (1, 2, 3)))
    day.done.set()
    await screens
    counts = dict(streams[0].counts)
    for s in streams:
        await s.stop()
    return day, counts


async def print_burst(url: str, headers: dict[str, str], n: int) -> dict[str, float]:
    """n kiosk tickets back to back; receipts/s from the first issue to the n-th ticket_printed event."""
    from httpx import URL

    u = URL(url)
    stream = Stream(u.host, u.port or 80, headers)
    stream.start()
    await asyncio.wait_for(stream.ready.wait(), 10)
    http = RawHttp(u.host, u.port or 80, headers)
    body = json.dumps({"category": "A"}).encode()
    lat: list[float] = []
    t0 = time.perf_counter()
    try:
        for _ in range(n):
            t = time.perf_counter()
            status, data = await http.post("/api/tickets", body)
            lat.append(time.perf_counter() - t)
            if status != 201:
                raise RuntimeError(f"issue → {status}: {data[:200]!r}")
        issued = time.perf_counter() - t0
        deadline = time.monotonic() + 60
        while len(stream.printed_at) < n and time.monotonic() < deadline:
            await asyncio.sleep(0.01)
    finally:
        await http.aclose()
        await stream.stop()
    if len(stream.printed_at) < n:
        raise RuntimeError(f"only {len(stream.printed_at)} of {n} tickets printed within 60 s")
    printed = stream.printed_at[n - 1] - t0
    return {"issued_s": issued, "printed_s": printed, "issue_p50": pct(lat, 50), "issue_p99": pct(lat, 99)}


def slope_kb(points: list[tuple[int, float]]) -> float:
    """Least-squares growth of RSS in KB per ticket."""
    if len(points) < 2:
        return float("nan")
    xs, ys = [p[0] for p in points], [p[1] * 1024 for p in points]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    den = sum((x - mx) ** 2 for x in xs)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / den if den else float("nan")


def outcomes(db: Path) -> tuple[int, int, int]:
    """(tickets, printed, without any print record)."""
    c = sqlite3.connect(db)
    total = c.execute("SELECT count(*) FROM tickets").fetchone()[0]
    printed = c.execute("SELECT count(*) FROM ticket_prints WHERE printed").fetchone()[0]
    missing = c.execute("SELECT count(*) FROM tickets t WHERE NOT EXISTS "
                        "(SELECT 1 FROM ticket_prints p WHERE p.ticket_id = t.id)").fetchone()[0]
    c.close()
    return total, printed, missing


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--tickets", type=int, default=2000)
    ap.add_argument("--warmup", type=int, default=300, help="tickets before the slope is measured")
    ap.add_argument("--print-burst", type=int, default=300)
    ap.add_argument("--quick", action="store_true", help="600 tickets, 200 warm-up, a 150-ticket print burst")
    args = ap.parse_args()
    if args.quick:
        args.tickets, args.warmup, args.print_burst = min(args.tickets, 600), min(args.warmup, 200), 150

    with tempfile.TemporaryDirectory(prefix="station-day-") as tmp:
        root = Path(tmp)
        config = write_config(root, counters=3)
        d = Daemon(root / "d", simulate=True, clock=CLOCK, env=ENV, config=config).start(timeout=120)
        try:
            assert d.proc is not None
            pid = d.proc.pid
            headers = api_headers(config, d.data_dir, d.env)
            rss_start = vm_rss_mb(pid)
            t0 = time.perf_counter()
            day, events = asyncio.run(run_day(d.url, headers, pid, args.tickets))
            secs = time.perf_counter() - t0
            rss_day = vm_rss_mb(pid)
            burst = asyncio.run(print_burst(d.url, headers, args.print_burst)) if args.print_burst else None
            rss_end = vm_rss_mb(pid)
            db = d.data_dir / "station.db"
            d.stop()
            total, printed, missing = outcomes(db)
        finally:
            d.stop()

    print(f"a day of {args.tickets} tickets (half button, half kiosk), 3 counters with cases, 2 event streams, "
          f"display and status page polling: {secs:.0f} s, {day.served} visitors served")
    print("events on one stream: " + ", ".join(f"{k} {v}" for k, v in sorted(events.items())))
    if day.errors:
        print(f"errors ({len(day.errors)}): " + "; ".join(day.errors[:5]))
    print(f"{'tickets':>8} {'RSS MB':>8}")
    for n, mb in day.rss:
        print(f"{n:8d} {mb:8.1f}")
    after = [p for p in day.rss if p[0] >= args.warmup]
    slope = slope_kb(after)
    peak = max(mb for _, mb in [*day.rss, (0, rss_day), (0, rss_end)])
    print(f"RSS: {rss_start:.1f} MB at start, {rss_day:.1f} MB after the day, {rss_end:.1f} MB after the print burst")
    print(f"RSS slope after {args.warmup} tickets: {slope:+.2f} KB/ticket  (target < {TARGET_SLOPE_KB:g})  "
          f"{'OK' if slope < TARGET_SLOPE_KB else 'MISSED'}")
    print(f"RSS peak: {peak:.1f} MB  (target < {TARGET_PEAK_MB:g})  {'OK' if peak < TARGET_PEAK_MB else 'MISSED'}")
    if burst:
        rate = args.print_burst / burst["printed_s"]
        print(f"print burst: {args.print_burst} kiosk tickets issued in {burst['issued_s']:.2f} s (issue p50 "
              f"{burst['issue_p50'] * 1000:.1f} ms, p99 {burst['issue_p99'] * 1000:.1f} ms), all printed after "
              f"{burst['printed_s']:.2f} s: {rate:.0f} receipts/s  (target ≥ {TARGET_PRINTS_PER_S:g})  "
              f"{'OK' if rate >= TARGET_PRINTS_PER_S else 'MISSED'}")
    print(f"print outcomes after shutdown: {total} tickets, {printed} printed, {missing} without any record  "
          f"(target 0)  {'OK' if missing == 0 else 'MISSED'}")


if __name__ == "__main__":
    main()
