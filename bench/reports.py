"""The period report of a 600-visitors-a-day office over a month and a year: time and peak RSS per format.

    .venv/bin/python bench/reports.py [--visitors 600] [--month-days 21] [--year-days 245]
                                      [--periods month,year] [--quick]

One business day is run through the services and copied to the other business days (bench/backup_year.py's
one_day and copy_days: the rows and audit entries the daemon writes), on SQLite. Then each format — the JSON
view, CSV, the Excel workbook, the A4 PDF — is produced in a fresh child process, so its time and its peak
resident memory (ru_maxrss from wait4) are its own and not the builder's. The month must answer in < 2 s
(issue 17); the year shows that memory follows the days, not the visitors.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

FORMATS = ("json", "csv", "xlsx", "pdf")


def build(work: Path, visitors: int, days: int) -> str:
    from bench.backup_year import DAY, copy_days, one_day
    from station.app import Station
    from station.clock import ManualClock
    from station.domain.timezone import TOKYO
    from tests.conftest import make_settings

    url = f"sqlite:///{work / 'station.db'}"
    clock = ManualClock(dt.datetime.combine(DAY, dt.time(8, 30), TOKYO))
    st = Station(make_settings(work, url), clock=clock, with_devices=False)
    st.start()
    one_day(st, clock, visitors)
    st.stop()
    copy_days(url, days)
    return url


def child(url: str, work: str, start: str, end: str, fmt: str) -> None:
    """Produce one format and print its seconds (the parent reads the child's peak RSS)."""
    from station.app import Station
    from station.domain.period import PeriodKind
    from tests.conftest import make_settings

    st = Station(make_settings(Path(work), url), with_devices=False)
    st.start()
    t0 = time.perf_counter()
    p = st.period_reports.period(PeriodKind.RANGE, dt.date.fromisoformat(start), dt.date.fromisoformat(end))
    if fmt == "json":
        size = len(st.period_reports.report(p).model_dump_json())
    else:
        size = len(st.period_reports.export(p, fmt))
    elapsed = time.perf_counter() - t0
    st.stop()
    print(json.dumps({"seconds": elapsed, "bytes": size}))


def measure(url: str, work: Path, start: dt.date, end: dt.date, fmt: str) -> tuple[float, float, int]:
    proc = subprocess.Popen([sys.executable, __file__, "--child", url, str(work), start.isoformat(), end.isoformat(),
                             fmt], stdout=subprocess.PIPE, text=True)
    out = proc.stdout.read() if proc.stdout else ""
    _pid, status, usage = os.wait4(proc.pid, 0)
    assert status == 0, f"{fmt} child failed"
    r = json.loads(out.strip().splitlines()[-1])
    return r["seconds"], usage.ru_maxrss / 1024, r["bytes"]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--visitors", type=int, default=600)
    ap.add_argument("--month-days", type=int, default=21)
    ap.add_argument("--year-days", type=int, default=245)
    ap.add_argument("--quick", action="store_true", help="200 visitors, 5-day month, 20-day year (a smoke run)")
    ap.add_argument("--periods", default="month,year", help="which of month,year to run")
    ap.add_argument("--child", nargs=5, metavar=("URL", "WORK", "START", "END", "FMT"))
    a = ap.parse_args()
    if a.child:
        child(*a.child)
        return
    if a.quick:
        a.visitors, a.month_days, a.year_days = 200, 5, 20
    from bench.backup_year import DAY

    for label, days in (("month", a.month_days), ("year", a.year_days)):
        if label not in a.periods.split(","):
            continue
        with tempfile.TemporaryDirectory() as d:
            work = Path(d)
            t0 = time.perf_counter()
            url = build(work, a.visitors, days)
            end = DAY + dt.timedelta(days=days * 7 // 5 + 2)
            print(f"{label}: {days} business days × {a.visitors} visitors built in {time.perf_counter() - t0:.0f} s "
                  f"({DAY} – {end})")
            base_t, base_rss, _ = measure(url, work, DAY, DAY, "json")
            print(f"  {'one day, json (baseline)':28} {base_t:6.2f} s  peak RSS {base_rss:6.0f} MB")
            for fmt in FORMATS:
                t, rss, size = measure(url, work, DAY, end, fmt)
                print(f"  {label + ', ' + fmt:28} {t:6.2f} s  peak RSS {rss:6.0f} MB  ({size / 1024:,.0f} KiB)  "
                      f"×{t / base_t:.1f} time, ×{rss / base_rss:.2f} RSS of the one-day baseline")


if __name__ == "__main__":
    main()
