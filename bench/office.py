"""Benchmark: a whole office emptying its queue — 50 counters over 3 daemons on one PostgreSQL — against a
bare SQL loop on the same table shape in the same run; the same on SQLite with one daemon.

Setup: a throwaway PostgreSQL database `station_bench_<random>` (dropped at the end); 3 real `station run`
processes (not simulated, no devices), each `STATION_COUNTER_ID=i`, with a config of 50 counters serving
every category; 10,000 waiting tickets inserted with bulk SQL (tickets + daily_sequences, as the
dispenser would have left them). Then 50 counter workers, spread over the daemons, each loop as fast as
they can through the HTTP API: `call-next` → `start` → `finish` (the domain allows finish only from
serving), until call-next answers 204. Every step is a transaction with its audit entry and an event
published through PostgreSQL (LISTEN/NOTIFY), exactly as at a real counter.

Baselines (psycopg, 50 threads, a copy of the `tickets` table with the same columns and indexes):
  bare call:               SELECT … ORDER BY issued_at LIMIT 1 FOR NO KEY UPDATE SKIP LOCKED + UPDATE, one
                           transaction per call (what the brief names);
  bare call+start+finish:  the same, then two more UPDATE transactions (the same three state changes the
                           daemon makes per visitor).
Targets: daemon throughput ≥ 0.5 × bare call throughput; daemon RSS < 120 MB.

    .venv/bin/python bench/office.py [--tickets 10000] [--workers 50] [--daemons 3] [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import json
import os
import secrets
import sqlite3
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx
import psycopg

from bench.common import (
    NO_DEVICES,
    RawHttp,
    api_headers,
    cpu_seconds,
    pg_database,
    postgres_cpu_seconds,
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
FIRST_ISSUE = datetime(2026, 12, 1, 0, 0, tzinfo=UTC)  # 09:00 in Tokyo, before the clock's 10:00
CATS = ["A", "B", "C", "D"]
TARGET_RATIO = 0.5
TARGET_RSS_MB = 120


# --- setup ------------------------------------------------------------------------------------------

def ticket_rows(n: int) -> tuple[list[tuple[object, ...]], dict[str, int]]:
    rows, last = [], dict.fromkeys(CATS, 0)
    for i in range(n):
        cat = CATS[i % len(CATS)]
        last[cat] += 1
        rows.append((DAY, cat, last[cat], f"{cat}{last[cat]:03d}", "waiting", "bench", secrets.token_urlsafe(18),
                     FIRST_ISSUE + timedelta(milliseconds=300 * i), 0, 0))
    return rows, last


def sqlite_time(t: object) -> str:
    assert isinstance(t, datetime)
    return t.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")  # as SQLAlchemy stores it on SQLite


COLS = "business_date, category, seq, number, state, source, token, issued_at, recall_count, transfer_count"


def fill_pg(url: str, table: str, n: int, sequences: bool) -> None:
    rows, last = ticket_rows(n)
    with psycopg.connect(url) as c, c.cursor() as cur:
        with cur.copy(f"COPY {table} ({COLS}) FROM STDIN") as cp:
            for r in rows:
                cp.write_row(r)
        if sequences:
            cur.executemany("INSERT INTO daily_sequences (business_date, category, last_seq) VALUES (%s, %s, %s) "
                            "ON CONFLICT (business_date, category) DO UPDATE SET last_seq = EXCLUDED.last_seq",
                            [(DAY, k, v) for k, v in last.items()])
        cur.execute(f"ANALYZE {table}")


def fill_sqlite(db: Path, n: int) -> None:
    rows, last = ticket_rows(n)
    c = sqlite3.connect(db, timeout=30)
    with c:
        c.executemany(f"INSERT INTO tickets ({COLS}) VALUES (?,?,?,?,?,?,?,?,?,?)",
                      [(*r[:7], sqlite_time(r[7]), *r[8:]) for r in rows])
        c.executemany("INSERT INTO daily_sequences (business_date, category, last_seq) VALUES (?, ?, ?) "
                      "ON CONFLICT (business_date, category) DO UPDATE SET last_seq = excluded.last_seq",
                      [(DAY, k, v) for k, v in last.items()])
    c.execute("ANALYZE")
    c.close()


# --- the daemons ------------------------------------------------------------------------------------

class PgWaits:
    """What the database's sessions are doing while the daemons work: pg_stat_activity sampled every 20 ms,
    counted by (state, wait event, start of the query) — where the time goes on the database side."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.counts: collections.Counter[tuple[str, str, str]] = collections.Counter()
        self.samples = 0
        self.max_sessions = 0
        self._stop = threading.Event()
        self._t = threading.Thread(target=self._run, daemon=True)
        self._t.start()

    def _run(self) -> None:
        with psycopg.connect(self.url, autocommit=True) as c:
            while not self._stop.is_set():
                rows = c.execute(
                    "SELECT state, coalesce(wait_event_type || ':' || wait_event, 'CPU'), left(query, 60) "
                    "FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() "
                    "AND backend_type = 'client backend'").fetchall()
                self.samples += 1
                self.max_sessions = max(self.max_sessions, len(rows))
                for r in rows:
                    if r[0] != "idle" and not r[2].startswith("LISTEN"):
                        self.counts[(r[0], r[1], " ".join(r[2].split()))] += 1
                self._stop.wait(0.02)

    def stop(self, top: int = 12) -> list[str]:
        self._stop.set()
        self._t.join()
        n = max(self.samples, 1)
        lines = [f"database connections open at most: {self.max_sessions} (all daemons; pool limit 30 each + listener)",
                 f"database sessions busy (mean over {n} samples of pg_stat_activity), by wait and query:"]
        for (state, wait, query), k in self.counts.most_common(top):
            lines.append(f"  {k / n:6.2f}  {state:20.20} {wait:28.28} {query}")
        return lines


class RssWatch:
    """The peak VmRSS of some processes, sampled every 0.2 s."""

    def __init__(self, pids: list[int]) -> None:
        self.pids = pids
        self.peak = dict.fromkeys(pids, 0.0)
        self._stop = threading.Event()
        self._t = threading.Thread(target=self._run, daemon=True)
        self._t.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            for p in self.pids:
                try:
                    self.peak[p] = max(self.peak[p], vm_rss_mb(p))
                except OSError:
                    pass
            self._stop.wait(0.2)

    def stop(self) -> dict[int, float]:
        self._stop.set()
        self._t.join()
        return self.peak


async def drain(urls: list[str], headers: dict[str, str], workers: int) -> tuple[float, list[float], int, int]:
    """`workers` counters calling until nobody is waiting: (seconds, call-next latencies, visitors, errors).

    Each counter keeps one HTTP/1.1 connection to its daemon (keep-alive, as a browser panel does) and uses
    RawHttp, not httpx: httpx's CPU per request was a third of the daemons' on these 2 shared cores."""
    lat: list[float] = []
    done = 0
    errors = 0

    async def counter(cid: int) -> None:
        nonlocal done, errors
        u = httpx.URL(urls[(cid - 1) % len(urls)])
        http = RawHttp(u.host, u.port or 80, headers)
        body = json.dumps({"counter_id": cid}).encode()
        try:
            while True:
                t0 = time.perf_counter()
                status, data = await http.post(f"/api/counters/{cid}/call-next")
                lat.append(time.perf_counter() - t0)
                if status == 204:
                    return
                if status != 200:
                    errors += 1
                    if errors > 50:
                        raise RuntimeError(f"call-next {status}: {data[:300]!r}")
                    continue
                tid = json.loads(data)["id"]
                for step in ("start", "finish"):
                    status, data = await http.post(f"/api/tickets/{tid}/{step}", body)
                    if status != 200:
                        raise RuntimeError(f"{step} {status}: {data[:300]!r}")
                done += 1
        finally:
            await http.aclose()

    t0 = time.perf_counter()
    await asyncio.gather(*(counter(c) for c in range(1, workers + 1)))
    return time.perf_counter() - t0, lat, done, errors


def run_daemons(tmp: Path, n_daemons: int, env_base: dict[str, str], args: argparse.Namespace,
                fill: object) -> dict[str, object]:
    tmp.mkdir(parents=True, exist_ok=True)
    config = write_config(tmp, counters=args.workers)
    daemons: list[Daemon] = []
    try:
        for i in range(1, n_daemons + 1):  # one after another: the first migrates
            env = {**NO_DEVICES, **env_base, "STATION_COUNTER_ID": str(i)}
            daemons.append(Daemon(tmp / f"d{i}", simulate=False, clock=CLOCK, env=env, config=config).start())
        headers = api_headers(config, daemons[0].data_dir, daemons[0].env)
        fill()  # type: ignore[operator]
        pids = [d.proc.pid for d in daemons if d.proc]
        idle = [vm_rss_mb(p) for p in pids]
        watch = RssWatch(pids)
        spies = [start_profile(p, Path(args.profile)) for p in pids] if args.profile else []
        waits = PgWaits(env_base["STATION_DATABASE_URL"]) if "STATION_DATABASE_URL" in env_base else None
        cpu0 = ([cpu_seconds(p) for p in pids], time.process_time(), postgres_cpu_seconds())
        secs, lat, done, errors = asyncio.run(drain([d.url for d in daemons], headers, args.workers))
        cpu = ([cpu_seconds(p) - c for p, c in zip(pids, cpu0[0], strict=True)], time.process_time() - cpu0[1],
               postgres_cpu_seconds() - cpu0[2])
        peak = watch.stop()
        db_waits = waits.stop() if waits else []
        for spy in spies:
            stop_profile(spy)
        for p in pids if args.profile else []:
            print(f"profile of daemon {p} ({args.profile}/daemon-{p}.txt), inclusive share of samples:")
            print("\n".join("  " + line for line in top_frames(Path(args.profile) / f"daemon-{p}.txt", 30)))
        return {"secs": secs, "lat": lat, "done": done, "errors": errors, "idle": idle, "peak": list(peak.values()),
                "db_waits": db_waits, "cpu": cpu}
    finally:
        for d in daemons:
            d.stop()


# --- the bare SQL baseline -----------------------------------------------------------------------------

def bare_pg(url: str, table: str, workers: int, full: bool) -> tuple[float, list[float], int]:
    """50 threads, one connection each, calling (and with `full`, starting and finishing) until empty."""
    lat: list[float] = []
    count = [0]
    lock = threading.Lock()
    now = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)
    cats = list(CATS)
    barrier = threading.Barrier(workers + 1)

    def work(cid: int) -> None:
        with psycopg.connect(url) as c:
            barrier.wait()
            while True:
                t0 = time.perf_counter()
                with c.transaction():
                    row = c.execute(
                        f"SELECT id FROM {table} WHERE business_date = %s AND state = 'waiting' AND "
                        "((target_counter_id IS NULL AND category = ANY(%s)) OR target_counter_id = %s) "
                        "ORDER BY issued_at, id LIMIT 1 FOR NO KEY UPDATE SKIP LOCKED", (DAY, cats, cid)).fetchone()
                    if row is not None:
                        c.execute(f"UPDATE {table} SET state = 'called', counter_id = %s, called_at = %s, "
                                  "recall_count = 0, target_counter_id = NULL WHERE id = %s", (cid, now, row[0]))
                dt = time.perf_counter() - t0
                with lock:
                    lat.append(dt)
                if row is None:
                    return
                if full:
                    for state, col in (("serving", "started_at"), ("done", "finished_at")):
                        with c.transaction():
                            c.execute(f"SELECT id FROM {table} WHERE id = %s FOR UPDATE", (row[0],))
                            c.execute(f"UPDATE {table} SET state = %s, {col} = %s WHERE id = %s",
                                      (state, now, row[0]))
                with lock:
                    count[0] += 1

    threads = [threading.Thread(target=work, args=(i,)) for i in range(1, workers + 1)]
    for t in threads:
        t.start()
    barrier.wait()
    t0 = time.perf_counter()
    for t in threads:
        t.join()
    return time.perf_counter() - t0, lat, count[0]


def bare_sqlite(db: Path, workers: int, full: bool) -> tuple[float, list[float], int]:
    """The same on SQLite (WAL, synchronous=FULL, BEGIN IMMEDIATE), 50 threads behind one lock as in the daemon."""
    lat: list[float] = []
    count = [0]
    lock = threading.Lock()
    writer = threading.Lock()
    barrier = threading.Barrier(workers + 1)

    def work(cid: int) -> None:
        c = sqlite3.connect(db, timeout=30, isolation_level=None, check_same_thread=False)
        c.execute("PRAGMA journal_mode=WAL")
        c.execute("PRAGMA synchronous=FULL")
        barrier.wait()

        def tx(fn: object) -> object:
            with writer:
                c.execute("BEGIN IMMEDIATE")
                try:
                    out = fn()  # type: ignore[operator]
                finally:
                    c.execute("COMMIT")
            return out

        while True:
            t0 = time.perf_counter()

            def call() -> object:
                row = c.execute(
                    "SELECT id FROM bench_tickets WHERE business_date = ? AND state = 'waiting' AND "
                    "((target_counter_id IS NULL AND category IN ('A','B','C','D')) OR target_counter_id = ?) "
                    "ORDER BY issued_at, id LIMIT 1", (DAY, cid)).fetchone()
                if row is not None:
                    c.execute("UPDATE bench_tickets SET state = 'called', counter_id = ?, called_at = ? WHERE id = ?",
                              (cid, "2026-12-01 01:00:00", row[0]))
                return row

            row = tx(call)
            with lock:
                lat.append(time.perf_counter() - t0)
            if row is None:
                break
            if full:
                for state in ("serving", "done"):
                    tx(lambda s=state, r=row: c.execute("UPDATE bench_tickets SET state = ? WHERE id = ?",
                                                         (s, r[0])))  # type: ignore[index]
            with lock:
                count[0] += 1
        c.close()

    threads = [threading.Thread(target=work, args=(i,)) for i in range(1, workers + 1)]
    for t in threads:
        t.start()
    barrier.wait()
    t0 = time.perf_counter()
    for t in threads:
        t.join()
    return time.perf_counter() - t0, lat, count[0]


# --- reporting ---------------------------------------------------------------------------------------

def report(label: str, bare: dict[str, tuple[float, list[float], int]], res: dict[str, object],
           tickets: int) -> None:
    secs, lat, done = res["secs"], res["lat"], res["done"]
    assert isinstance(secs, float) and isinstance(lat, list) and isinstance(done, int)
    print(f"--- {label}")
    for name, (bsecs, blat, bdone) in bare.items():
        print(summary(f"bare {name} (per call)", blat) + f"  {bdone / bsecs:8.1f} calls/s")
    print(summary("daemon call-next (HTTP)", lat) + f"  {done / secs:8.1f} calls/s")
    print(f"visitors served: {done}/{tickets} in {secs:.1f} s; call-next errors (non-200/204): {res['errors']}")
    thr = done / secs
    for name, (bsecs, _blat, bdone) in bare.items():
        r = thr / (bdone / bsecs)
        note = f"(target ≥ {TARGET_RATIO:g})  {'OK' if r >= TARGET_RATIO else 'MISSED'}" if name == "call" else ""
        print(f"ratio throughput daemon / bare {name}: {r:.2f}  {note}")
    idle, peak = res["idle"], res["peak"]
    assert isinstance(idle, list) and isinstance(peak, list)
    print("daemon RSS MB (idle → peak): " + ", ".join(f"{a:.0f} → {b:.0f}" for a, b in zip(idle, peak, strict=True))
          + f"  (target < {TARGET_RSS_MB})  {'OK' if max(peak) < TARGET_RSS_MB else 'MISSED'}")
    cpu = res.get("cpu")
    if cpu:  # where the machine's CPU went during the run (this machine has os.cpu_count() cores)
        daemons, client, pg = cpu  # type: ignore[misc]
        print(f"CPU seconds during the run ({secs:.1f} s wall, {os.cpu_count()} cores): daemons "
              + " + ".join(f"{c:.1f}" for c in daemons) + f", bench client {client:.1f}, PostgreSQL {pg:.1f}"
              + f"; per visitor: daemons {sum(daemons) / max(done, 1) * 1000:.2f} ms, "
              f"client {client / max(done, 1) * 1000:.2f} ms")
    for line in res.get("db_waits") or []:  # type: ignore[union-attr]
        print(line)


def bench_pg(args: argparse.Namespace, tmp: Path) -> None:
    url, drop = pg_database()
    try:
        bare: dict[str, tuple[float, list[float], int]] = {}
        res: dict[str, object] = {}

        def fill() -> None:
            fill_pg(url, "tickets", args.tickets, sequences=True)
            with psycopg.connect(url) as c:  # the baseline's copy: same columns, same indexes, no rows
                c.execute("CREATE TABLE bench_tickets (LIKE tickets INCLUDING ALL)")
            for full in (False, True):
                with psycopg.connect(url) as c:
                    c.execute("TRUNCATE bench_tickets")
                fill_pg(url, "bench_tickets", args.tickets, sequences=False)
                bare["call" if not full else "call+start+finish"] = bare_pg(url, "bench_tickets", args.workers, full)

        # the baselines run inside run_daemons after its daemons are up and idle, before the daemons' run
        res = run_daemons(tmp / "pg", args.daemons, {"STATION_DATABASE_URL": url}, args, fill)
        report(f"PostgreSQL: {args.daemons} daemons, {args.workers} counters, {args.tickets} waiting tickets",
               bare, res, args.tickets)
    finally:
        drop()  # type: ignore[operator]


def bench_sqlite(args: argparse.Namespace, tmp: Path) -> None:
    bare: dict[str, tuple[float, list[float], int]] = {}
    db = tmp / "sqlite" / "d1" / "station.db"

    def fill() -> None:
        fill_sqlite(db, args.tickets)
        raw = tmp / "bare.db"
        c = sqlite3.connect(raw)
        c.execute("PRAGMA journal_mode=WAL")
        schema = sqlite3.connect(db)
        for (sql,) in schema.execute("SELECT sql FROM sqlite_master WHERE tbl_name = 'tickets' AND sql IS NOT NULL"):
            c.execute(sql.replace("tickets", "bench_tickets"))
        schema.close()
        c.commit()
        c.close()
        for full in (False, True):
            c = sqlite3.connect(raw)
            c.execute("DELETE FROM bench_tickets")
            rows, _ = ticket_rows(args.tickets)
            c.executemany(f"INSERT INTO bench_tickets ({COLS}) VALUES (?,?,?,?,?,?,?,?,?,?)",
                          [(*r[:7], sqlite_time(r[7]), *r[8:]) for r in rows])
            c.commit()
            c.close()
            bare["call" if not full else "call+start+finish"] = bare_sqlite(raw, args.workers, full)

    res = run_daemons(tmp / "sqlite", 1, {}, args, fill)
    report(f"SQLite: 1 daemon, {args.workers} counters, {args.tickets} waiting tickets", bare, res, args.tickets)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--tickets", type=int, default=10_000)
    ap.add_argument("--workers", type=int, default=50)
    ap.add_argument("--daemons", type=int, default=3)
    ap.add_argument("--only", choices=["pg", "sqlite"])
    ap.add_argument("--profile", metavar="DIR", help="py-spy each daemon during the run (collapsed stacks in DIR)")
    ap.add_argument("--quick", action="store_true", help="2,000 tickets (for bench/run.py --quick)")
    args = ap.parse_args()
    if args.quick:
        args.tickets = min(args.tickets, 2000)
    with tempfile.TemporaryDirectory() as d:
        if args.only != "sqlite":
            bench_pg(args, Path(d))
        if args.only != "pg":
            bench_sqlite(args, Path(d))


if __name__ == "__main__":
    main()
