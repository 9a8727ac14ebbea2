"""Where one counter's call-next → start → finish spends its time, in one process and one thread.

No HTTP and no concurrency: the same service calls the API makes (authenticate the bearer token, call_next,
act START, act FINISH), timed phase by phase, with cProfile over the whole loop. On PostgreSQL the event
transport is live (the publish path is part of every call). This is the tool behind the "where the time
goes" notes in README's performance section; bench/office.py measures the whole office.

    .venv/bin/python bench/profile_call.py [--db pg|sqlite] [--n 300] [--top 30]
"""

from __future__ import annotations

import argparse
import collections
import cProfile
import io
import pstats
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import pct, pg_database, write_config
from bench.office import fill_pg, fill_sqlite
from station.app import Station
from station.clock import ManualClock
from station.config import load_settings
from station.domain.queue import Action
from station.domain.timezone import TOKYO
from station.services.audit import Actor

REPO = Path(__file__).resolve().parent.parent


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", choices=["pg", "sqlite"], default="pg")
    ap.add_argument("--n", type=int, default=300)
    ap.add_argument("--top", type=int, default=30)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as d:
        drop = None
        url = ""
        if args.db == "pg":
            url, drop = pg_database("station_prof")
        settings = load_settings(write_config(Path(d), counters=3), Path(d) / "data")
        settings.database_url = url
        for dev in (settings.devices.printer, settings.devices.button, settings.devices.scanner,
                    settings.devices.card_reader):
            dev.connection = "none"
        st = Station(settings, clock=ManualClock(datetime(2026, 12, 1, 10, 0, tzinfo=TOKYO)), with_devices=False)
        st.start()
        try:
            if args.db == "pg":
                fill_pg(url, "tickets", args.n + 10, sequences=True)
            else:
                fill_sqlite(settings.data_dir / "station.db", args.n + 10)
            _, secret = st.auth.create_token("prof", "supervisor")
            counter = settings.counters[0].id
            times: dict[str, list[float]] = collections.defaultdict(list)

            def timed(name: str, fn, *a, **kw):  # type: ignore[no-untyped-def]
                t0 = time.perf_counter()
                out = fn(*a, **kw)
                times[name].append(time.perf_counter() - t0)
                return out

            def one() -> None:
                p = timed("auth (token lookup)", st.auth.principal_from_token, secret)
                actor = Actor(p.name, "127.0.0.1")
                v = timed("call_next", st.queue.call_next, counter, actor)
                timed("start", st.queue.act, v.id, Action.START, actor, counter_id=counter)
                timed("finish", st.queue.act, v.id, Action.FINISH, actor, counter_id=counter)

            for _ in range(10):  # warm up
                one()
            prof = cProfile.Profile()
            prof.enable()
            for _ in range(args.n):
                one()
            prof.disable()
            print(f"--- {args.db}: {args.n} visitors, one thread (ms per call)")
            for name, xs in times.items():
                xs = xs[10:]
                print(f"  {name:22} p50={pct(xs, 50) * 1000:6.2f}  p99={pct(xs, 99) * 1000:6.2f}  "
                      f"mean={sum(xs) / len(xs) * 1000:6.2f}")
            out = io.StringIO()
            pstats.Stats(prof, stream=out).sort_stats("cumulative").print_stats(args.top)
            print(out.getvalue())
        finally:
            st.stop()
            if drop:
                drop()  # type: ignore[operator]


if __name__ == "__main__":
    main()
