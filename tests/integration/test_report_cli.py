"""`station report` and `station purge` through Typer's CliRunner against one installation (data dir +
database URL, SQLite and PostgreSQL), and the reports / end-of-day API and pages.

The commands run on the real clock, so the data is written a few days back from today by a station on a
manual clock, as the daemon would have written it then."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner

from station.app import Station
from station.cli import app as cli
from station.clock import ManualClock, SystemClock
from station.domain.calendar import business_date
from station.domain.timezone import TOKYO
from station.services.audit import Actor
from station.store.models import AuditEntry
from station.store.models_cases import Handover
from station.store.models_phone import PhoneCall
from tests.conftest import EXAMPLE_CONFIG, make_settings
from tests.support.backoffice_day import DAY, run_day
from web.app import create_app

CLERK = Actor("clerk")


def _write_days(tmp_path: Path, database_url: str) -> tuple[dt.date, dt.date]:
    """Ten days ago: a call and a complaint still with city staff, day not handed over. Nine days ago: a
    call, day handed over at the end of day."""
    today = business_date(SystemClock().now())
    old, closed = today - dt.timedelta(days=10), today - dt.timedelta(days=9)
    clock = ManualClock(dt.datetime.combine(old, dt.time(10, 0), TOKYO))
    st = Station(make_settings(tmp_path, database_url), clock=clock, with_devices=False)
    st.start()
    try:
        st.phone.record(2, CLERK, content="古い問い合わせヒミツ1")
        st.phone.record(10, CLERK, content="苦情ヒミツ2", escalation="complaint", caller_name="フルイ　クジョウ",
                        caller_phone="090-9999-0000")
        clock.set(dt.datetime.combine(closed, dt.time(10, 0), TOKYO))
        st.phone.record(6, CLERK, content="公金口座ヒミツ3")
        st.followup.receive(closed, {}, "", CLERK)  # city staff's receipt first (issue 14)
        st.end_of_day.close_day(closed, CLERK)
        st.phone.record(6, CLERK, content="引渡し後の電話ヒミツ4")  # after the close: purged by retention
    finally:
        st.stop()
    return old, closed


def _calls(tmp_path: Path, database_url: str) -> list[PhoneCall]:
    st = Station(make_settings(tmp_path, database_url), with_devices=False)
    st.start()
    try:
        with st.sessions() as s:
            return list(s.scalars(select(PhoneCall).order_by(PhoneCall.id)))
    finally:
        st.stop()


def _audit(tmp_path: Path, database_url: str, action: str) -> list[AuditEntry]:
    st = Station(make_settings(tmp_path, database_url), with_devices=False)
    st.start()
    try:
        with st.sessions() as s:
            return list(s.scalars(select(AuditEntry).where(AuditEntry.action == action)))
    finally:
        st.stop()


def _runner(tmp_path: Path, database_url: str) -> Callable[..., Any]:
    runner = CliRunner()
    env = {"STATION_DATABASE_URL": database_url}

    def invoke(*args: str) -> Any:
        return runner.invoke(cli, ["--config", str(EXAMPLE_CONFIG), "--data-dir", str(tmp_path / "data"), *args],
                             env=env)

    return invoke


def test_report_and_purge_commands(tmp_path: Path, database_url: str) -> None:
    old, closed = _write_days(tmp_path, database_url)
    run = _runner(tmp_path, database_url)

    r = run("report", "--date", old.isoformat(), "--csv")
    assert r.exit_code == 0, r.output
    rows = {(x[0], x[1], x[3]): x[4] for x in csv.reader(io.StringIO(r.stdout))}
    assert rows[("phone", "total", "count")] == "2" and rows[("phone", "10", "count")] == "1"
    assert rows[("escalations", "from_phone", "count")] == "1"
    r = run("report", "--date", closed.isoformat())
    assert r.exit_code == 0 and "電話受付 / phone calls: 2" in r.stdout and "引渡し / handed over: 済み" in r.stdout
    assert run("report", "--date", "yesterday").exit_code == 2

    # not handed over → refused, nothing of that day purged; the handed-over day is purged
    r = run("purge", "--older-than", "5")
    assert r.exit_code == 1, r.output
    assert old.isoformat() in r.stderr and "引渡し" in r.stderr and "--force" in r.stderr
    calls = _calls(tmp_path, database_url)
    assert [c.content is None for c in calls] == [False, False, True, True]
    assert calls[1].caller_name == "フルイ　クジョウ"

    r = run("purge", "--older-than", "5", "--force")
    assert r.exit_code == 2 and "--reason" in r.output
    r = run("purge", "--older-than", "5", "--force", "--reason", "保存期間超過（市の指示）")
    assert r.exit_code == 0, r.output
    assert "forced" in r.stdout
    calls = _calls(tmp_path, database_url)
    assert all(c.content is None and c.caller_name is None and c.purged_at for c in calls)
    assert [c.category for c in calls] == [2, 10, 6, 6]  # the counts stay
    st = Station(make_settings(tmp_path, database_url), with_devices=False)
    st.start()
    try:
        with st.sessions() as s:
            assert all(h.note is None for h in s.scalars(select(Handover)))
    finally:
        st.stop()
    entries = _audit(tmp_path, database_url, "purge")
    assert len(entries) == 2 and "forced=yes" in entries[-1].detail and "reason=保存期間超過" in entries[-1].detail
    assert "forced=no" in entries[0].detail and "refused=1" in entries[0].detail
    assert all("ヒミツ" not in e.detail and "フルイ" not in e.detail for e in entries)
    r = run("purge", "--older-than", "5")
    assert r.exit_code == 0 and "cases 0, 電話 calls 0" in r.stdout  # nothing left, nothing refused


def test_reports_and_end_of_day_api(station: Station) -> None:
    run_day(station)
    c = TestClient(create_app(station, manage_lifecycle=False))
    d = DAY.isoformat()
    r = c.get("/api/reports/daily", params={"date": d}).json()
    assert r["tickets"]["total"] == 10 and r["phone"]["total"] == 10 and r["day"] is None
    res = c.get("/api/reports/daily.csv", params={"date": d})
    assert res.status_code == 200 and res.headers["content-type"].startswith("text/csv")
    assert res.content.startswith(b"\xef\xbb\xbf") and f"daily-report-{d}.csv" in res.headers["content-disposition"]
    assert "phone,10,⑩苦情,count,1" in res.content.decode("utf-8-sig")
    page = c.get("/reports/print", params={"date": d})
    assert page.status_code == 200 and "業務日報" in page.text and "2026年12月1日（火）" in page.text
    assert "@page" not in page.text and "/static/css/backoffice.css" in page.text
    assert c.get("/reports", params={"date": d}).status_code == 200

    eod = c.get("/api/end-of-day", params={"date": d}).json()
    assert eod["total_items"] == 5 and eod["closed"] is None
    page = c.get("/end-of-day", params={"date": d})
    assert page.status_code == 200 and "回収書類引渡しチェックリスト" in page.text and "交付通知書" in page.text
    assert c.post("/api/end-of-day/close", json={"date": "2030-01-01"}).status_code == 422
    assert c.post("/api/end-of-day/close", json={"date": d}).status_code == 409  # no staff receipt yet (issue 14)
    counts = {k["kind"]: k["count"] for k in eod["counts"]}
    assert c.post("/api/followup/receipt", json={"date": d, "received": counts}).status_code == 200
    closed = c.post("/api/end-of-day/close", json={"date": d})
    assert closed.status_code == 200 and closed.json()["purged_cards"] == 1
    assert c.post("/api/end-of-day/close", json={"date": d}).status_code == 409
    assert c.get("/api/reports/daily", params={"date": d}).json()["day"]["closed_by"]
    assert "引渡し済み" in c.get("/end-of-day", params={"date": d}).text
    r = c.post("/api/purge", json={"older_than_days": 0, "force": True})
    assert r.status_code == 422 and "理由" in r.json()["detail"]["message_ja"]
    r = c.post("/api/purge", json={"older_than_days": 0})
    assert r.status_code == 200 and r.json()["refused"] == []
