"""The two slowest clerk paths, timed in one process over the real app (TestClient, SQLite): the case page
(GET /api/cases/{id} and GET /counter/{id}/case/{case_id}) and a card tap → the next step's view.

    .venv/bin/python bench/case_page.py [--n 50] [--db sqlite|pg]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from fastapi.testclient import TestClient

from bench.common import pg_database
from station.app import Station
from station.clock import ManualClock
from station.services.card_lookup import MemoryCardLookup
from tests.conftest import OPEN_TIME, make_settings
from tests.integration.test_cases_service import record, tap
from web.app import create_app


def ms(xs: list[float]) -> str:
    xs = sorted(xs)
    return f"p50 {statistics.median(xs) * 1000:.1f} ms, p90 {xs[int(len(xs) * 0.9)] * 1000:.1f} ms"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=50)
    ap.add_argument("--db", choices=["sqlite", "pg"], default="sqlite")
    args = ap.parse_args()
    url, drop = pg_database("station_case") if args.db == "pg" else ("", None)
    with tempfile.TemporaryDirectory() as d:
        st = Station(make_settings(Path(d), url), clock=ManualClock(OPEN_TIME), with_devices=False)
        st.start()
        try:
            st.cases.lookup = MemoryCardLookup([record(i) for i in range(1, args.n + 2)])
            with TestClient(create_app(st, manage_lifecycle=False)) as c:
                page, api, taps = [], [], []
                for i in range(1, args.n + 1):
                    cid = c.post("/api/cases", json={"counter_id": 1, "procedure": "issuance"}).json()["id"]
                    c.post(f"/api/cases/{cid}/notice", json={"text": record(i).notice_no})
                    c.post(f"/api/cases/{cid}/documents/all")
                    c.post(f"/api/cases/{cid}/staff-check")
                    c.post(f"/api/cases/{cid}/juki-check", json={"holds": False})
                    t0 = time.perf_counter()
                    r = c.get(f"/api/cases/{cid}")
                    api.append(time.perf_counter() - t0)
                    assert r.status_code == 200, r.text
                    t0 = time.perf_counter()
                    r = c.get(f"/counter/1/case/{cid}")
                    page.append(time.perf_counter() - t0)
                    assert r.status_code == 200, r.text
                    tap(st)
                    t0 = time.perf_counter()
                    r = c.post(f"/api/cases/{cid}/card-tap")
                    taps.append(time.perf_counter() - t0)
                    assert r.status_code == 200 and r.json()["next_step"] == "explained", r.text
                    c.post(f"/api/cases/{cid}/cancel")
                print(f"GET /api/cases/{{id}}:          {ms(api)}")
                print(f"GET /counter/1/case/{{id}}:     {ms(page)}")
                print(f"POST card-tap → next step:    {ms(taps)}")
        finally:
            st.stop()
            if drop is not None:
                drop()  # type: ignore[operator]


if __name__ == "__main__":
    main()
