"""Card-stock import and lookup, against the raw cost of the same work, measured in the same run.

Import: `StockService.import_bytes` of a 100,000-row カード発行一覧 file, end to end (encoding
detection, CSV parsing, per-row validation incl. check digits and in-file duplicates, slotting, the
insert, the audit entry, commit) — next to a raw bulk insert of the same 100,000 already-typed rows into
an identical `cards` table (same columns, constraints and indexes): `executemany` in one transaction
on SQLite (WAL, synchronous=FULL, as the station runs it), `COPY … FROM STDIN` on PostgreSQL.
Each side runs on a fresh table, alternating, `--reps` times; the medians give the ratio. Target ≤ 3×.
This machine is shared: wall-clock times swing with other work, so on SQLite (all in this process) the
CPU-time ratio is printed too; on PostgreSQL the server does the COPY work, so only wall time is fair.

Lookup: with the 100,000 cards in stock, `StockService.find` by notice number and by manufacturing
number (random, half each): p50/p99, next to the same indexed SELECT on the bare DBAPI connection.

Run: .venv/bin/python bench/stock_import.py [--rows 100000] [--reps 3] [--lookups 2000] [--no-pg]
PostgreSQL: a throwaway database on STATION_TEST_PG's server (default postgres@127.0.0.1:5432), dropped after.
"""

from __future__ import annotations

import argparse
import os
import random
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import create_engine, text

from bench.common import pct, summary
from station.app import Station
from station.clock import ManualClock
from station.config import load_settings
from station.domain.calendar import BusinessCalendar
from station.domain.stock_csv import parse_stock_csv, write_stock_csv
from station.domain.timezone import TOKYO
from station.services.stock import INSERT_COLUMNS
from tests.support.stock_data import fake_records

REPO = Path(__file__).resolve().parent.parent
PG_ADMIN_URL = os.environ.get("STATION_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
NOW = datetime(2026, 12, 1, 10, 0, tzinfo=TOKYO)


def make_station(tmp: Path, url: str) -> Station:
    settings = load_settings(REPO / "config" / "station.example.toml", tmp / "data")
    settings.database_url = url
    for dev in (settings.devices.printer, settings.devices.button, settings.devices.scanner,
                settings.devices.card_reader):
        dev.connection = "none"
    st = Station(settings, clock=ManualClock(NOW), calendar=BusinessCalendar(), with_devices=False)
    st.start()
    return st


def typed_rows(data: bytes) -> list[tuple[Any, ...]]:
    """The rows the import writes, fully typed (batch 1, slots in order), for the raw baseline."""
    rep = parse_stock_csv(data)
    now = NOW.astimezone(UTC)
    return [(*r[:6], r[6].value, r[7], r[8], r[9], "received", i // 100 + 1, i % 100 + 1, 1, now)
            for i, r in enumerate(rep.rows)]


def timed(fn: Callable[[], object]) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def timed2(fn: Callable[[], object]) -> tuple[float, float]:
    """(wall, CPU of this process)."""
    t0, c0 = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - t0, time.process_time() - c0


# --- SQLite -------------------------------------------------------------------------------------------

def sqlite_raw(db: Path, rows: list[tuple[Any, ...]]) -> tuple[float, float]:
    """executemany into the station's own (migrated, empty) cards table, one transaction."""
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("PRAGMA foreign_keys=ON")
    conn.execute("INSERT INTO stock_import_batches (id, imported_at, actor, file_name, file_sha256, encoding, "
                 "row_count) VALUES (1, '2026-12-01 01:00:00.000000', 'bench', '', 'x', 'utf-8', 0)")
    sql = f"INSERT INTO cards ({', '.join(INSERT_COLUMNS)}) VALUES ({', '.join('?' * len(INSERT_COLUMNS))})"
    stamp = rows[0][-1].strftime("%Y-%m-%d %H:%M:%S.%f")
    # Values as SQLite stores them (dates as ISO text) — the conversion is not timed.
    conv = [(*r[:4], r[4].isoformat(), r[5].isoformat(), *r[6:14], stamp) for r in rows]
    def load() -> None:
        conn.execute("BEGIN IMMEDIATE")
        conn.executemany(sql, conv)
        conn.execute("COMMIT")

    out = timed2(load)
    conn.close()
    return out


def bench_sqlite(tmp: Path, data: bytes, rows: list[tuple[Any, ...]],
                 reps: int) -> tuple[list[tuple[float, float]], list[tuple[float, float]]]:
    imp, raw = [], []
    for i in range(reps):
        d = tmp / f"sqlite-{i}"
        st = make_station(d / "imp", f"sqlite:///{d / 'imp.db'}")
        imp.append(timed2(lambda st=st: st.stock.import_bytes(data, "bench.csv")))
        st.stop()
        st = make_station(d / "raw", f"sqlite:///{d / 'raw.db'}")  # migrated, empty
        st.stop()
        raw.append(sqlite_raw(d / "raw.db", rows))
    return imp, raw


# --- PostgreSQL ---------------------------------------------------------------------------------------

def pg_truncate(url: str) -> None:
    eng = create_engine(url)
    with eng.begin() as c:
        c.execute(text("TRUNCATE card_events, cards, stock_import_batches, audit_log RESTART IDENTITY CASCADE"))
    eng.dispose()


def pg_raw(url: str, rows: list[tuple[Any, ...]]) -> float:
    import psycopg

    pg_truncate(url)
    with psycopg.connect(url.replace("postgresql+psycopg", "postgresql")) as conn:
        conn.execute("INSERT INTO stock_import_batches (id, imported_at, actor, file_name, file_sha256, encoding, "
                     "row_count) VALUES (1, now(), 'bench', '', 'x', 'utf-8', 0)")
        conn.commit()
        t0 = time.perf_counter()
        with conn.cursor() as cur, cur.copy(f"COPY cards ({', '.join(INSERT_COLUMNS)}) FROM STDIN") as cp:
            for r in rows:
                cp.write_row(r)
        conn.commit()
        return time.perf_counter() - t0


def bench_pg(tmp: Path, url: str, data: bytes, rows: list[tuple[Any, ...]],
             reps: int) -> tuple[list[float], list[float], Station]:
    imp, raw = [], []
    st = make_station(tmp / "pg", url)
    for _ in range(reps):
        raw.append(pg_raw(url, rows))
        pg_truncate(url)
        imp.append(timed(lambda: st.stock.import_bytes(data, "bench.csv")))
    return imp, raw, st


# --- lookups ------------------------------------------------------------------------------------------

def lookups(st: Station, keys: list[str], raw_fn: Callable[[str], object]) -> tuple[list[float], list[float]]:
    svc, base = [], []
    for k in keys:
        t0 = time.perf_counter()
        st.stock.find(k)
        svc.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        raw_fn(k)
        base.append(time.perf_counter() - t0)
    return svc, base


def lookup_keys(data: bytes, n: int) -> list[str]:
    rep = parse_stock_csv(data)
    rnd = random.Random(7)
    picks = [rep.rows[rnd.randrange(len(rep.rows))] for _ in range(n)]
    return [r[1] if i % 2 else r[0] for i, r in enumerate(picks)]


def report_import(name: str, imp: list[float], raw: list[float], n: int) -> float:
    mi, mr = statistics.median(imp), statistics.median(raw)
    print(f"{name:10} import {mi:6.2f} s ({n / mi:8.0f} rows/s)   raw {mr:6.2f} s ({n / mr:8.0f} rows/s)"
          f"   ratio {mi / mr:4.2f}x  (target ≤ 3x)   runs import={[round(x, 2) for x in imp]} "
          f"raw={[round(x, 2) for x in raw]}")
    return mi / mr


def report_lookup(name: str, svc: list[float], base: list[float]) -> None:
    print(summary(f"{name} find (service)", svc))
    print(summary(f"{name} raw indexed SELECT", base))
    print(f"{name:10} lookup p99 ratio {pct(svc, 99) / pct(base, 99):4.2f}x")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--lookups", type=int, default=2000)
    ap.add_argument("--no-pg", action="store_true")
    a = ap.parse_args()

    data = write_stock_csv(fake_records(a.rows))
    rows = typed_rows(data)
    parse_s = statistics.median(timed(lambda: parse_stock_csv(data)) for _ in range(3))
    print(f"{a.rows} rows, {len(data) / 1e6:.1f} MB UTF-8; parse+validate alone {parse_s:.2f} s "
          f"({a.rows / parse_s:.0f} rows/s)")
    keys = lookup_keys(data, a.lookups)
    with tempfile.TemporaryDirectory() as td:
        tmp = Path(td)
        imp2, raw2 = bench_sqlite(tmp, data, rows, a.reps)
        report_import("SQLite", [w for w, _ in imp2], [w for w, _ in raw2], a.rows)
        report_import("SQLite CPU", [c for _, c in imp2], [c for _, c in raw2], a.rows)
        st = make_station(tmp / "sqlite-0" / "imp", f"sqlite:///{tmp / 'sqlite-0' / 'imp.db'}")
        conn = sqlite3.connect(tmp / "sqlite-0" / "imp.db")

        def raw_sqlite(k: str) -> object:
            col = "manufacturing_no" if k.isdigit() else "notice_no"
            return conn.execute(f"SELECT * FROM cards WHERE {col} = ?", (k,)).fetchone()

        report_lookup("SQLite", *lookups(st, keys, raw_sqlite))
        conn.close()
        st.stop()
        if a.no_pg:
            return 0
        name = f"station_bench_{uuid.uuid4().hex[:8]}"
        admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as c:
            c.execute(text(f'CREATE DATABASE "{name}"'))
        url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
        try:
            imp, raw, st = bench_pg(tmp, url, data, rows, a.reps)
            report_import("PostgreSQL", imp, raw, a.rows)
            import psycopg

            pconn = psycopg.connect(url.replace("postgresql+psycopg", "postgresql"), autocommit=True)

            def raw_pg(k: str) -> object:
                col = "manufacturing_no" if k.isdigit() else "notice_no"
                return pconn.execute(f"SELECT * FROM cards WHERE {col} = %s", (k,)).fetchone()

            report_lookup("PostgreSQL", *lookups(st, keys, raw_pg))
            pconn.close()
            st.stop()
        finally:
            with admin.connect() as c:
                c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
