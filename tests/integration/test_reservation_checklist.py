"""The pre-visit checklist (what to bring) is the counter's own checklist for the same record and day."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime

import pytest

from station.app import Station
from station.clock import ManualClock
from station.domain.calendar import TOKYO
from station.domain.card_record import NoticeType
from station.domain.stock_csv import write_stock_csv
from station.services.audit import Actor
from tests.support.stock_data import fake_record

CLERK, STAFF = Actor("clerk1"), Actor("staff")
DAY = date(2026, 12, 3)


@pytest.mark.parametrize("kind", ["renewal", "juki", "under15", "number_notice", "notification_card"])
def test_pre_visit_checklist_equals_the_counters(station: Station, clock: ManualClock, kind: str) -> None:
    base = dataclasses.replace(fake_record(7), birth_date=date(1980, 5, 5), is_renewal=False, has_juki_card=False,
                               notice_type=NoticeType.NOTIFICATION_CARD)
    rec = {
        "renewal": dataclasses.replace(base, is_renewal=True),
        "juki": dataclasses.replace(base, has_juki_card=True),
        "under15": dataclasses.replace(base, birth_date=date(2011, 12, 4)),  # 14 on the booked day, 15 the day after
        "number_notice": dataclasses.replace(base, notice_type=NoticeType.NUMBER_NOTICE),
        "notification_card": base,
    }[kind]
    station.stock.import_bytes(write_stock_csv([rec]))
    for to, kw in (("inspected", {}), ("mailed", {"mailed_on": date(2026, 11, 20)}), ("ready", {})):
        station.stock.transition(rec.notice_no, to, STAFF, **kw)
    seen = station.reservations.booking.identify(rec.notice_no, rec.birth_date, day=DAY)  # type: ignore[arg-type]
    booked = station.reservations.booking.book("A", DAY, "10:00", rec.birth_date, notice=rec.notice_no)  # type: ignore[arg-type]
    clock.set(datetime(2026, 12, 3, 10, 0, tzinfo=TOKYO))  # the visit
    t = station.queue.issue("A")
    case = station.cases.open(1, CLERK, ticket_id=t.id)
    case = station.cases.scan_notice(case.id, rec.notice_no, CLERK)
    counter = [(c["item"], c["ja"]) for c in case.checklist]
    assert [(c.item, c.ja) for c in seen.checklist] == counter
    assert [(c.item, c.ja) for c in booked.checklist] == counter
    items = {c["item"] for c in case.checklist}
    expected = {"renewal": "current_card", "juki": "juki_card", "under15": "guardian",
                "number_notice": "number_notice", "notification_card": "notification_card"}[kind]
    assert expected in items


def test_visitors_sent_home_for_documents_are_counted_by_checklist_seen(station: Station, clock: ManualClock) -> None:
    from station.domain.documents import Presented

    recs = [dataclasses.replace(fake_record(i), birth_date=date(1980, 5, 5), is_renewal=False) for i in (11, 12)]
    station.stock.import_bytes(write_stock_csv(recs))
    for rec in recs:
        for to, kw in (("inspected", {}), ("mailed", {"mailed_on": date(2026, 11, 20)}), ("ready", {})):
            station.stock.transition(rec.notice_no, to, STAFF, **kw)
    b = station.reservations.booking
    seen = b.book("A", DAY, "10:00", date(1980, 5, 5), notice=recs[0].notice_no)
    b.identify(recs[0].notice_no, date(1980, 5, 5))  # the resident opens "what to bring" after booking
    unseen = b.book("A", DAY, "10:00", date(1980, 5, 5), notice=recs[1].notice_no)
    clock.set(datetime(2026, 12, 3, 9, 55, tzinfo=TOKYO))
    for booking, rec in ((seen, recs[0]), (unseen, recs[1])):
        ticket = station.reservations.checkin.check_in(booking.code)
        case = station.cases.open(1, CLERK, ticket_id=ticket.ticket_id)
        station.cases.scan_notice(case.id, rec.notice_no, CLERK)
        station.cases.present_documents(case.id, Presented(documents=frozenset({"notice"})), CLERK)  # no ID
    counts = station.reservations.day.board(DAY).counts
    assert counts["documents.seen.visits"] == counts["documents.seen.returned"] == 1
    assert counts["documents.unseen.visits"] == counts["documents.unseen.returned"] == 1
