"""Cost per visitor over HTTP, against the raw SQL floor measured in the same run, at two sizes of the day.

One real `station run --simulate` (SQLite, the in-process printer simulator printing every ticket, no card
reader), one keep-alive HTTP client (bench.common.RawHttp, not httpx: its own CPU would be measured).
What is timed, sequentially, `--n` times each:

  issue          POST /api/tickets (kiosk)                       floor: INSERT + COMMIT
  call-next      POST /api/counters/1/call-next                  floor: UPDATE … RETURNING + COMMIT
  visitor        call-next → start → finish (three requests)     floor: the same three statements
  visitor (next) POST /api/counters/1/next-visitor → start, when the daemon has that route (two requests:
                 next-visitor finishes the current visitor and calls the next)

and the daemon's CPU per request over each phase (/proc/<pid>/stat). The floor runs on a copy of the
daemon's own `tickets` table (same columns and indexes, WAL, synchronous=FULL) in the same run. Then the
day is grown to `--day` tickets (finished visitors written straight into the database, as a long day
leaves them) and everything is measured again: the cost must not grow with the day.

Last, a burst like the one in issue 19: `--burst` seconds of 7 issuing and 3 calling clients, each on
its own connection; visitors per second and daemon CPU per request.

Targets (issue 19): issue p50 ≤ 5× floor, visitor p50 ≤ 6× floor, daemon CPU per call step ≤ 4 ms,
flat from 100 to 5,000 tickets of the day.

    .venv/bin/python bench/visitor.py [--n 300] [--day 5000] [--burst 20] [--quick] [--profile DIR]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import secrets
import sqlite3
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (
    NO_DEVICES,
    RawHttp,
    api_headers,
    cpu_seconds,
    pct,
    start_profile,
    stop_profile,
    summary,
    top_frames,
    vm_rss_mb,
    write_config,
)
from tests.support.daemon import Daemon

CLOCK = "2026-12-01T10:00"
DAY = "2026-12-01"
ENV = {**NO_DEVICES, "STATION_DEVICES__PRINTER__CONNECTION": "simulator",
       "STATION_SECURITY__TICKET_RATE_PER_MINUTE": "0"}
TARGETS = {"issue": 5.0, "visitor": 6.0, "cpu_ms": 4.0}


# --- the floor: the statements the daemon must run at least, on a copy of its own table ------------------

def floor_db(daemon_db: Path, path: Path) -> sqlite3.Connection:
    c = sqlite3.connect(path, isolation_level=None)
    c.execute("PRAGMA journal_mode=WAL")
    c.execute("PRAGMA synchronous=FULL")
    schema = sqlite3.connect(daemon_db)
    for (sql,) in schema.execute("SELECT sql FROM sqlite_master WHERE tbl_name = 'tickets' AND sql IS NOT NULL"):
        c.execute(sql.replace("tickets", "floor_tickets"))
    schema.close()
    return c


def floor(c: sqlite3.Connection, n: int) -> dict[str, list[float]]:
    """Per statement kind, the latency of each (BEGIN IMMEDIATE … COMMIT, as the daemon writes)."""
    out: dict[str, list[float]] = {"issue": [], "call": [], "visitor": []}
    base = c.execute("SELECT count(*) FROM floor_tickets").fetchone()[0]
    t_issue = "2026-12-01 01:00:00.000000"
    for i in range(2 * n):  # the calls below take 1.5 n
        t0 = time.perf_counter()
        c.execute("BEGIN IMMEDIATE")
        c.execute("INSERT INTO floor_tickets (business_date, category, seq, number, state, source, token, issued_at, "
                  "recall_count, transfer_count) VALUES (?, 'A', ?, ?, 'waiting', 'api', ?, ?, 0, 0)",
                  (DAY, base + i + 1, f"A{base + i + 1:05d}", secrets.token_urlsafe(18), t_issue))
        c.execute("COMMIT")
        out["issue"].append(time.perf_counter() - t0)

    def call() -> int:
        c.execute("BEGIN IMMEDIATE")
        row = c.execute("UPDATE floor_tickets SET state = 'called', counter_id = 1, called_at = ? WHERE id = ("
                        "SELECT id FROM floor_tickets WHERE business_date = ? AND state = 'waiting' "
                        "ORDER BY issued_at, id LIMIT 1) RETURNING id", (t_issue, DAY)).fetchone()
        c.execute("COMMIT")
        return int(row[0])

    for _ in range(n // 2):
        t0 = time.perf_counter()
        call()
        out["call"].append(time.perf_counter() - t0)
    for _ in range(n):  # whole visitors: call, start, finish
        t0 = time.perf_counter()
        tid = call()
        for state in ("serving", "done"):
            c.execute("BEGIN IMMEDIATE")
            c.execute("UPDATE floor_tickets SET state = ?, finished_at = ? WHERE id = ?", (state, t_issue, tid))
            c.execute("COMMIT")
        out["visitor"].append(time.perf_counter() - t0)
    return out


# --- growing the day: finished visitors written as a long day leaves them ---------------------------------

def grow_day(db: Path, total: int) -> int:
    """Add finished tickets until the day has `total`; the day's numbering is bumped to match."""
    c = sqlite3.connect(db, timeout=30)
    have = c.execute("SELECT count(*) FROM tickets WHERE business_date = ?", (DAY,)).fetchone()[0]
    add = max(0, total - have)
    cats = ["B", "C", "D"]
    last = {k: v for k, v in c.execute("SELECT category, last_seq FROM daily_sequences WHERE business_date = ?",
                                       (DAY,))}
    rows = []
    t = datetime(2026, 12, 1, 0, 0, tzinfo=UTC)  # 09:00 in Tokyo, before the bench's 10:00 clock

    def ts(x: datetime) -> str:
        return x.strftime("%Y-%m-%d %H:%M:%S.%f")

    for i in range(add):
        cat = cats[i % len(cats)]
        last[cat] = last.get(cat, 0) + 1
        issued = t + timedelta(milliseconds=600 * i / max(1, add) * 60)
        rows.append((DAY, cat, last[cat], f"{cat}{last[cat]:03d}", "done", "bench", secrets.token_urlsafe(18),
                     ts(issued), ts(issued + timedelta(minutes=3)), ts(issued + timedelta(minutes=4)),
                     ts(issued + timedelta(minutes=4 + i % 9)), 1 + i % 3, 0, 0))
    with c:
        c.executemany("INSERT INTO tickets (business_date, category, seq, number, state, source, token, issued_at, "
                      "called_at, started_at, finished_at, counter_id, recall_count, transfer_count) "
                      "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)", rows)
        c.executemany("INSERT INTO daily_sequences (business_date, category, last_seq) VALUES (?, ?, ?) "
                      "ON CONFLICT (business_date, category) DO UPDATE SET last_seq = excluded.last_seq",
                      [(DAY, k, v) for k, v in last.items()])
    c.close()
    return have + add


# --- the daemon's side -----------------------------------------------------------------------------------

class Phase:
    """Latencies of one kind of request and the daemon CPU the phase used."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.lat: list[float] = []
        self.requests = 0
        self._cpu0 = cpu_seconds(pid)
        self.cpu = 0.0

    def done(self) -> Phase:
        self.cpu = cpu_seconds(self.pid) - self._cpu0
        return self

    def cpu_ms(self) -> float:
        return self.cpu / max(self.requests, 1) * 1000


async def expect(http: RawHttp, path: str, ok: tuple[int, ...] = (200, 201), body: bytes = b"") -> tuple[int, bytes]:
    status, data = await http.post(path, body)
    if status not in ok:
        raise RuntimeError(f"POST {path} → {status}: {data[:300]!r}")
    return status, data


async def sequential(url: str, headers: dict[str, str], pid: int, n: int, has_next: bool) -> dict[str, Phase]:
    from httpx import URL

    u = URL(url)
    http = RawHttp(u.host, u.port or 80, headers)
    body = json.dumps({"counter_id": 1}).encode()
    out: dict[str, Phase] = {}
    cat = json.dumps({"category": "A"}).encode()
    try:
        ph = Phase(pid)
        for _ in range(3 * n):  # enough waiting visitors for the phases below
            t0 = time.perf_counter()
            await expect(http, "/api/tickets", body=cat)
            ph.lat.append(time.perf_counter() - t0)
            ph.requests += 1
        out["issue"] = ph.done()
        ph, calls = Phase(pid), Phase(pid)
        for _ in range(n):
            t0 = time.perf_counter()
            _, data = await expect(http, "/api/counters/1/call-next")
            calls.lat.append(time.perf_counter() - t0)
            tid = json.loads(data)["id"]
            await expect(http, f"/api/tickets/{tid}/start", body=body)
            await expect(http, f"/api/tickets/{tid}/finish", body=body)
            ph.lat.append(time.perf_counter() - t0)
            ph.requests += 3
            calls.requests += 3
        out["visitor"] = ph.done()
        out["call-next"] = calls.done()  # its CPU is the visitor phase's, per request
        if has_next:
            ph = Phase(pid)
            for _ in range(n):  # next-visitor finishes the one served here and calls the next; then start
                t0 = time.perf_counter()
                _, data = await expect(http, "/api/counters/1/next-visitor")
                await expect(http, f"/api/tickets/{json.loads(data)['called']['id']}/start", body=body)
                ph.lat.append(time.perf_counter() - t0)
                ph.requests += 2
            out["visitor (next)"] = ph.done()
            _, data = await expect(http, "/api/counters/1/next-visitor")  # the last one finished, one called
            tid = json.loads(data)["called"]["id"]
            await expect(http, f"/api/tickets/{tid}/start", body=body)
            await expect(http, f"/api/tickets/{tid}/finish", body=body)
    finally:
        await http.aclose()
    return out


async def burst(url: str, headers: dict[str, str], pid: int, seconds: float, issuers: int = 7,
                callers: int = 3) -> dict[str, float]:
    from httpx import URL

    u = URL(url)
    stop = time.monotonic() + seconds
    counts = {"issued": 0, "visitors": 0, "call_steps": 0, "requests": 0}
    call_lat: list[float] = []
    cat = json.dumps({"category": "A"}).encode()

    async def issuer() -> None:
        http = RawHttp(u.host, u.port or 80, headers)
        try:
            while time.monotonic() < stop:
                await expect(http, "/api/tickets", body=cat)
                counts["issued"] += 1
                counts["requests"] += 1
        finally:
            await http.aclose()

    async def caller(cid: int) -> None:
        http = RawHttp(u.host, u.port or 80, headers)
        body = json.dumps({"counter_id": cid}).encode()
        try:
            while time.monotonic() < stop:
                t0 = time.perf_counter()
                status, data = await expect(http, f"/api/counters/{cid}/call-next", ok=(200, 204))
                call_lat.append(time.perf_counter() - t0)
                counts["requests"] += 1
                counts["call_steps"] += 1
                if status == 204:
                    await asyncio.sleep(0.005)
                    continue
                tid = json.loads(data)["id"]
                for step in ("start", "finish"):
                    await expect(http, f"/api/tickets/{tid}/{step}", body=body)
                    counts["requests"] += 1
                    counts["call_steps"] += 1
                counts["visitors"] += 1
        finally:
            await http.aclose()

    cpu0, t0 = cpu_seconds(pid), time.perf_counter()
    await asyncio.gather(*(issuer() for _ in range(issuers)), *(caller(c) for c in range(1, callers + 1)))
    secs, cpu = time.perf_counter() - t0, cpu_seconds(pid) - cpu0
    return {**counts, "secs": secs, "cpu": cpu, "call_p50": pct(call_lat, 50), "call_p99": pct(call_lat, 99)}


def has_route(url: str, headers: dict[str, str], path: str) -> bool:
    import httpx

    spec = httpx.get(url + "/openapi.json", headers=headers, timeout=10).json()
    return path in spec.get("paths", {})


def report_round(label: str, fl: dict[str, list[float]], res: dict[str, Phase]) -> dict[str, float]:
    print(f"--- {label}")
    floors = {"issue": pct(fl["issue"], 50), "call-next": pct(fl["call"], 50), "visitor": pct(fl["visitor"], 50),
              "visitor (next)": pct(fl["visitor"], 50)}
    print(summary("floor: INSERT + COMMIT", fl["issue"]))
    print(summary("floor: UPDATE … RETURNING + COMMIT", fl["call"]))
    print(summary("floor: call + start + finish", fl["visitor"]))
    ratios: dict[str, float] = {}
    for name, ph in res.items():
        ratios[name] = pct(ph.lat, 50) / floors[name]
        print(summary(f"daemon {name} (HTTP)", ph.lat)
              + f"  ×{ratios[name]:5.1f} floor  CPU {ph.cpu_ms():5.2f} ms/request")
    ratios["cpu_call_ms"] = res["visitor"].cpu_ms()
    ratios["visitor_p50"] = pct(res["visitor"].lat, 50)
    ratios["issue_p50"] = pct(res["issue"].lat, 50)
    return ratios


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=300, help="requests per timed phase")
    ap.add_argument("--day", type=int, default=5000, help="tickets of the day for the second round")
    ap.add_argument("--burst", type=float, default=20.0, help="seconds of the 7 + 3 client burst (0: none)")
    ap.add_argument("--quick", action="store_true", help="100 per phase, a 2,000-ticket day, a 5 s burst")
    ap.add_argument("--profile", metavar="DIR", help="py-spy the daemon during the rounds (collapsed stacks in DIR)")
    args = ap.parse_args()
    if args.quick:
        args.n, args.day, args.burst = min(args.n, 100), min(args.day, 2000), min(args.burst, 5.0)

    with tempfile.TemporaryDirectory(prefix="station-visitor-") as tmp:
        root = Path(tmp)
        config = write_config(root, counters=3)
        d = Daemon(root / "d", simulate=True, clock=CLOCK, env=ENV, config=config).start(timeout=120)
        try:
            assert d.proc is not None
            pid = d.proc.pid
            headers = api_headers(config, d.data_dir, d.env)
            has_next = has_route(d.url, headers, "/api/counters/{counter_id}/next-visitor")
            db = d.data_dir / "station.db"
            fdb = floor_db(db, root / "floor.db")
            rss0 = vm_rss_mb(pid)
            asyncio.run(sequential(d.url, headers, pid, 30, has_next))  # warm-up: every path has run once
            spy = start_profile(pid, Path(args.profile)) if args.profile else None
            rounds = []
            for size in (0, args.day):
                day = grow_day(db, size) if size else None
                fl = floor(fdb, args.n)
                res = asyncio.run(sequential(d.url, headers, pid, args.n, has_next))
                count = sqlite3.connect(db).execute("SELECT count(*) FROM tickets").fetchone()[0]
                label = (f"{count} tickets of the day at the end of the round" if day is None else
                         f"day grown to {day} tickets before the round, {count} at its end")
                rounds.append(report_round(label, fl, res))
            if spy:
                stop_profile(spy)
                print(f"profile ({args.profile}/daemon-{pid}.txt), inclusive share of samples:")
                print("\n".join("  " + line for line in top_frames(Path(args.profile) / f"daemon-{pid}.txt", 40)))
            b = asyncio.run(burst(d.url, headers, pid, args.burst)) if args.burst else None
            rss1 = vm_rss_mb(pid)
        finally:
            d.stop()

    if b:
        print(f"--- burst: 7 issuing + 3 calling clients for {b['secs']:.1f} s")
        print(f"issued {b['issued']:.0f} ({b['issued'] / b['secs']:.0f}/s), visitors served {b['visitors']:.0f} "
              f"({b['visitors'] / b['secs']:.1f}/s), call-next p50 {b['call_p50'] * 1000:.1f} ms p99 "
              f"{b['call_p99'] * 1000:.1f} ms; daemon CPU {b['cpu'] / max(b['requests'], 1) * 1000:.2f} ms/request")
    small, big = rounds
    print("--- targets")
    ok = max(small["issue"], big["issue"]) <= TARGETS["issue"]
    print(f"issue p50 / floor: {small['issue']:.1f}× (day of {args.day}: {big['issue']:.1f}×)  "
          f"(target ≤ {TARGETS['issue']:g})  {'OK' if ok else 'MISSED'}")
    print(f"visitor p50 / floor: {small['visitor']:.1f}× (day of {args.day}: {big['visitor']:.1f}×)  "
          f"(target ≤ {TARGETS['visitor']:g})  "
          f"{'OK' if max(small['visitor'], big['visitor']) <= TARGETS['visitor'] else 'MISSED'}")
    if "visitor (next)" in small:
        print(f"visitor with next-visitor p50 / floor: {small['visitor (next)']:.1f}× "
              f"(day of {args.day}: {big['visitor (next)']:.1f}×)")
    cpu = max(small["cpu_call_ms"], big["cpu_call_ms"])
    print(f"daemon CPU per call step: {small['cpu_call_ms']:.2f} ms (day of {args.day}: {big['cpu_call_ms']:.2f} ms)  "
          f"(target ≤ {TARGETS['cpu_ms']:g})  {'OK' if cpu <= TARGETS['cpu_ms'] else 'MISSED'}")
    growth = big["visitor_p50"] / small["visitor_p50"]
    issue_growth = big["issue_p50"] / small["issue_p50"]
    print(f"visitor p50 at {args.day} vs small day: {growth:.2f}×; issue: {issue_growth:.2f}×  "
          f"(target ~1)  {'OK' if growth <= 1.3 else 'MISSED'}")
    print(f"daemon RSS: {rss0:.0f} MB at start → {rss1:.0f} MB at the end")


if __name__ == "__main__":
    main()
