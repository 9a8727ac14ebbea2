"""Issue 12 items 10 and 11: the end-of-day page names the open cases that keep the day from being purged
(each a link), says when the day was handed over in Tokyo time, Japanese style, and a closed day's dispenser
issues no more tickets."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from station.app import Station
from station.domain.timezone import TOKYO, ja_datetime
from station.services.audit import Actor
from station.services.errors import Conflict
from web.app import create_app

CLERK = Actor("clerk1")
SUPERVISOR = Actor("supervisor")
STAFF = Actor("city1")
TODAY = dt.date(2026, 12, 1)


@pytest.fixture
def client(station: Station) -> Iterator[TestClient]:
    with TestClient(create_app(station, manage_lifecycle=False)) as c:
        yield c


def test_open_cases_are_listed_and_linked(station: Station, client: TestClient) -> None:
    t = station.queue.issue("A")
    c = station.cases.open(2, CLERK, ticket_id=t.id)
    check = station.end_of_day.checklist(TODAY)
    assert check["open_cases"] == 1
    [o] = check["open_list"]
    assert o["case_id"] == c.id and o["href"] == f"/counter/2/case/{c.id}"
    assert o["label_ja"] == f"案件{c.id}（{t.number}・2番窓口・交付・対応中）"
    page = client.get(f"/end-of-day?date={TODAY}").text
    assert f'href="/counter/2/case/{c.id}"' in page and o["label_ja"] in page


def test_closing_the_day_closes_the_dispenser_and_says_when_in_tokyo(station: Station, client: TestClient) -> None:
    station.queue.issue("A")
    station.clock.set(dt.datetime(2026, 12, 1, 16, 20, tzinfo=TOKYO))  # 07:20 UTC, before the cut-off
    check = station.end_of_day.checklist(TODAY)  # city staff receive the collected papers first (issue 14)
    station.followup.receive(TODAY, {c["kind"]: c["count"] for c in check["counts"]}, "", STAFF)
    station.end_of_day.close_day(TODAY, SUPERVISOR)
    with pytest.raises(Conflict) as e:
        station.queue.issue("A")
    assert e.value.message_ja == "12月1日の業務は終了しました（引渡し済み）。番号札は発行できません"
    assert not any(c.accepting for c in station.queue.categories_status())
    page = client.get(f"/end-of-day?date={TODAY}").text
    assert "引渡し済み（supervisor、2026年12月1日（火）16時20分）" in page
    assert "UTC" not in page
    # the next day issues again
    station.clock.set(dt.datetime(2026, 12, 2, 9, 0, tzinfo=TOKYO))
    assert station.queue.issue("A").number.endswith("001")


def test_ja_datetime() -> None:
    assert ja_datetime(dt.datetime(2026, 12, 1, 23, 48, tzinfo=dt.UTC)) == "2026年12月2日（水）8時48分"
    assert ja_datetime("2026-12-01T23:48:05+00:00", seconds=True) == "2026年12月2日（水）8時48分05秒"
    assert ja_datetime(None) == "—"
