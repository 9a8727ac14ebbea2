"""Backup and restore of a year at a 600-visitors-a-day office: time and size (README figures).

    .venv/bin/python bench/backup_year.py [--days 245] [--visitors 600] [--backend sqlite|postgres|both]

One business day is run through the services (600 visitors issued, called, served and finished at six
counters, every print attempted: the rows and audit entries the daemon writes), then its rows are copied
to the year's other business days with their dates shifted and ids moved on, as that many real days would
have left them. The office's events table is pruned by the daemons (station.store.pg_events) and is not
grown here. Cases and phone slips are not included: their personal data is purged after the handover
(D-BO-6), and their counts rows are a fraction of the queue's.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, inspect, text

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from station.app import Station
from station.clock import ManualClock
from station.domain.calendar import TOKYO
from station.domain.queue import Action
from station.ops.backup import backup, restore
from station.store.db import make_engine
from tests.conftest import PG_ADMIN_URL, make_settings

DAY = dt.date(2026, 12, 1)
COPIED = ("tickets", "ticket_prints", "audit_log", "daily_sequences")


def one_day(st: Station, clock: ManualClock, visitors: int) -> None:
    rnd = random.Random(7)
    t = dt.datetime.combine(DAY, dt.time(8, 30), TOKYO)
    step = dt.timedelta(seconds=(7.5 * 3600) / visitors)  # 8:30 to the 16:30 cut-off
    counters = [c.id for c in st.settings.counters]
    for i in range(visitors):
        clock.set(t + step * i)
        st.queue.issue(rnd.choice("AAABBCD"), source=rnd.choice(["button", "kiosk"]))
        if i % 2:  # counters call and serve as the day goes on
            for cid in counters:
                cur = st.queue.current_ticket(cid)
                if cur is not None:
                    if cur.state == "called":
                        st.queue.act(cur.id, Action.START)
                    st.queue.act(cur.id, Action.FINISH)
                st.queue.call_next(cid)


def copy_days(url: str, days: int) -> None:
    engine = make_engine(url)
    with engine.connect() as c:
        rows = {t: [dict(r._mapping) for r in c.execute(text(f"SELECT * FROM {t}"))] for t in COPIED}
        cols = {t: [col["name"] for col in inspect(c).get_columns(t)] for t in COPIED}
    max_ticket = max(r["id"] for r in rows["tickets"])
    day, made = DAY, 0
    while made < days - 1:
        day += dt.timedelta(days=1)
        if day.weekday() >= 5:
            continue
        made += 1
        shift = day - DAY
        off = made * max_ticket

        def moved(row: dict[str, Any], table: str, shift: dt.timedelta = shift, off: int = off) -> dict[str, Any]:
            out = {}
            for k, v in row.items():
                if isinstance(v, dt.datetime | dt.date):
                    v = v + shift
                elif isinstance(v, str) and len(v) >= 10 and v[4] == "-" and v[7] == "-" and k != "token":
                    try:  # SQLite hands dates back as text
                        v = (dt.datetime.fromisoformat(v) + shift).isoformat(sep=" ") if len(v) > 10 else \
                            (dt.date.fromisoformat(v) + shift).isoformat()
                    except ValueError:
                        pass
                out[k] = v
            if table == "tickets":
                out["id"] += off
                out["token"] = uuid.uuid4().hex[:24]
            elif table in ("ticket_prints", "audit_log") and out.get("ticket_id"):
                out["ticket_id"] += off
            if table == "audit_log":
                out.pop("id")
            return out

        with engine.begin() as c:
            for t in COPIED:
                names = [n for n in cols[t] if not (t == "audit_log" and n == "id")]
                stmt = text(f"INSERT INTO {t} ({', '.join(names)}) VALUES ({', '.join(':' + n for n in names)})")
                c.execute(stmt, [moved(r, t) for r in rows[t]])
    if engine.dialect.name == "postgresql":
        with engine.begin() as c:
            c.execute(text("SELECT setval(pg_get_serial_sequence('tickets', 'id'), (SELECT max(id) FROM tickets))"))
    engine.dispose()


def measure(name: str, url: str, target_url: str, days: int, visitors: int, work: Path) -> None:
    clock = ManualClock(dt.datetime.combine(DAY, dt.time(8, 30), TOKYO))
    st = Station(make_settings(work / name, url), clock=clock, with_devices=False)
    st.start()
    t0 = time.perf_counter()
    one_day(st, clock, visitors)
    st.stop()
    copy_days(url, days)
    built = time.perf_counter() - t0
    r = backup(url, work / f"{name}-backups")
    t1 = time.perf_counter()
    restored = restore(r.path, target_url)
    restore_s = time.perf_counter() - t1
    counts = r.manifest["counts"]
    if name == "sqlite":
        db_bytes = (work / name / "data" / "station.db").stat().st_size
    else:
        engine = make_engine(url)
        with engine.connect() as c:
            db_bytes = int(c.execute(text("SELECT pg_database_size(current_database())")).scalar())  # type: ignore[arg-type]
        engine.dispose()
    print(f"{name}: {days} days × {visitors} visitors = {counts['tickets']} tickets, {counts['audit_log']} audit "
          f"entries, {sum(counts.values())} rows (built in {built:.0f} s)")
    if db_bytes:
        print(f"  database {db_bytes / 1e6:.1f} MB")
    print(f"  backup  {r.seconds:.1f} s, {r.path.stat().st_size / 1e6:.1f} MB")
    print(f"  restore {restore_s:.1f} s (verified {sum(restored.counts.values())} rows)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--days", type=int, default=245)
    ap.add_argument("--visitors", type=int, default=600)
    ap.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    a = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="backup-year-") as tmp:
        work = Path(tmp)
        if a.backend in ("sqlite", "both"):
            measure("sqlite", f"sqlite:///{work / 'sqlite' / 'data' / 'station.db'}",
                    f"sqlite:///{work / 'restored' / 'station.db'}", a.days, a.visitors, work)
        if a.backend in ("postgres", "both"):
            admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
            names = [f"station_bench_{uuid.uuid4().hex[:8]}" for _ in range(2)]
            with admin.connect() as c:
                for n in names:
                    c.execute(text(f'CREATE DATABASE "{n}"'))
            base = PG_ADMIN_URL.rsplit("/", 1)[0]
            try:
                measure("postgres", f"{base}/{names[0]}", f"{base}/{names[1]}", a.days, a.visitors, work)
            finally:
                with admin.connect() as c:
                    for n in names:
                        c.execute(text(f'DROP DATABASE IF EXISTS "{n}" WITH (FORCE)'))
                admin.dispose()


if __name__ == "__main__":
    main()
