"""Reservations on SQLite and PostgreSQL: booking, refusals, change and cancel, check-in, priority calls,
no-shows, closed slots, the public page, and mail read back from a real SMTP server (aiosmtpd) in-process.

Over 400 lines: one file for the capability's service-level behaviour, sharing one station fixture and helpers
(cards in stock, bookings checked in) on both backends."""

from __future__ import annotations

import dataclasses
import email
import threading
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from email.message import Message
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from fastapi.testclient import TestClient

from station.app import Station
from station.clock import ManualClock
from station.domain.barcodes import make_notice_number
from station.domain.calendar import TOKYO
from station.domain.stock_csv import write_stock_csv
from station.services.audit import Actor
from station.services.errors import Conflict, Invalid, NotFound
from station.services.reservations import Throttled
from tests.conftest import OPEN_TIME, make_settings
from tests.e2e.conftest import free_port
from tests.support.events import Events
from tests.support.stock_data import fake_record

STAFF = Actor("staff")
DAY = date(2026, 12, 3)  # Thursday (1st: open until 19:00), two days after the clock's Tuesday
BIRTH = date(1980, 5, 5)


class Inbox:
    """aiosmtpd handler: keeps every message the station's SMTP client delivered."""

    def __init__(self) -> None:
        self.messages: list[Message] = []
        self.arrived = threading.Condition()

    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:
        msg = email.message_from_bytes(envelope.content)  # type: ignore[attr-defined]
        with self.arrived:
            self.messages.append(msg)
            self.arrived.notify_all()
        return "250 OK"

    def subjects(self) -> list[str]:
        return [str(email.header.make_header(email.header.decode_header(m["Subject"]))) for m in self.messages]

    def body(self, i: int) -> str:
        part = next(p for p in self.messages[i].walk() if p.get_content_type() == "text/plain")
        return part.get_payload(decode=True).decode("utf-8")


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    inbox, port = Inbox(), free_port()
    ctl = Controller(inbox, hostname="127.0.0.1", port=port)
    ctl.start()
    try:
        yield inbox, port
    finally:
        ctl.stop()


@pytest.fixture
def rst(tmp_path: Path, database_url: str, clock: ManualClock, smtp: tuple[Inbox, int]) -> Iterator[Station]:
    """A station on either backend, mail to the in-process SMTP server, and cards in stock."""
    s = make_settings(tmp_path, database_url)
    s.mail.host, s.mail.port = "127.0.0.1", smtp[1]
    st = Station(s, clock=clock, with_devices=False)
    st.start()
    st.reservations.day.stop()  # the sweep runs when the test says (no background round)
    st.reservations.mail.stop()
    yield st
    st.stop()


def seed(st: Station, *records: object, status: str = "ready") -> None:
    st.stock.import_bytes(write_stock_csv(list(records)))
    for rec in records:
        for to, kw in (("inspected", {}), ("mailed", {"mailed_on": date(2026, 11, 20)}), ("ready", {})):
            st.stock.transition(rec.notice_no, to, STAFF, **kw)  # type: ignore[attr-defined]
            if to == status:
                break


def card(i: int, **kw: object) -> object:
    return dataclasses.replace(fake_record(i), birth_date=BIRTH, is_renewal=False, **kw)


def test_book_change_cancel_and_places(rst: Station, smtp: tuple[Inbox, int]) -> None:
    rec = card(1)
    seed(rst, rec)
    b = rst.reservations.booking
    before = {s.slot: s.free for s in b.slots("A", DAY).slots}
    assert before["08:30"] == 3  # 2 counters x 30 min / 12 min x (1 - 0.3 walk-in share) = 3.5 → 3
    assert max(before) == "18:00"  # the long Thursday, up to the dispenser's cut-off (18:30)
    v = b.book("A", DAY, "10:00", BIRTH, notice=rec.notice_no, email="taro@example.org")  # type: ignore[attr-defined]
    assert v.code.startswith("RSV-") and v.state == "booked" and v.mail
    assert [c.item for c in v.checklist][:2] == ["notice", "holder_id"]
    assert {s.slot: s.free for s in b.slots("A", DAY).slots}["10:00"] == 2
    with pytest.raises(Conflict) as e:  # one open booking per card
        b.book("A", DAY, "11:00", BIRTH, notice=rec.notice_no)  # type: ignore[attr-defined]
    assert e.value.code == "reservations.open_booking"
    assert b.find(v.code.lower(), BIRTH).slot == "10:00"
    moved = b.change(v.code, BIRTH, DAY, "11:00")
    free = {s.slot: s.free for s in b.slots("A", DAY).slots}
    assert moved.slot == "11:00" and free["10:00"] == 3 and free["11:00"] == 2
    cancelled = b.cancel(v.code, BIRTH)
    assert cancelled.state == "cancelled" and {s.slot: s.free for s in b.slots("A", DAY).slots}["11:00"] == 3
    with pytest.raises(Conflict):
        b.cancel(v.code, BIRTH)
    assert rst.reservations.mail.send_due() == 3  # confirmation, changed confirmation, cancellation
    inbox = smtp[0]
    subjects = inbox.subjects()
    assert "ご予約を承りました" in subjects[0] and "12月3日（木） 10:00" in subjects[0]
    assert "ご予約を取り消しました" in subjects[2]
    assert v.code in inbox.body(0)
    assert any(p.get_content_type() == "image/png" for p in inbox.messages[0].walk())  # the QR
    assert rst.reservations.mail.send_due() == 0  # never twice
    # the booking may be made again for the card once cancelled
    assert b.book("A", DAY, "10:00", BIRTH, notice=rec.notice_no).state == "booked"  # type: ignore[attr-defined]


def test_refusals_say_why_and_do_not_tell_which_notice_exists(rst: Station) -> None:
    ready, issued, waiting = card(1), card(2), card(3)
    seed(rst, ready, issued)
    seed(rst, waiting, status="inspected")
    rst.stock.transition(issued.notice_no, "issued", STAFF)  # type: ignore[attr-defined]
    b = rst.reservations.booking
    wrong_birth = pytest.raises(Conflict)
    with wrong_birth as e1:
        b.book("A", DAY, "10:00", date(1990, 1, 1), notice=ready.notice_no)  # type: ignore[attr-defined]
    with pytest.raises(Conflict) as e2:
        b.book("A", DAY, "10:00", BIRTH, notice=make_notice_number("ZZZ", 4242))
    assert e1.value.code == e2.value.code == "reservations.not_matched"
    assert e1.value.message_ja == e2.value.message_ja
    with pytest.raises(Invalid):  # the check digit, as the counter parses it
        b.book("A", DAY, "10:00", BIRTH, notice="TST-000019")
    for rec, code in ((issued, "reservations.already_issued"), (waiting, "reservations.no_card")):
        with pytest.raises(Conflict) as e:
            b.book("A", DAY, "10:00", BIRTH, notice=rec.notice_no)  # type: ignore[attr-defined]
        assert e.value.code == code
    n = ready.notice_no  # type: ignore[attr-defined]
    for day, code in ((date(2026, 12, 1), "reservations.too_late"), (date(2027, 2, 1), "reservations.too_early"),
                      (date(2026, 12, 5), "reservations.closed_day")):
        with pytest.raises(Conflict) as e:
            b.book("A", day, "10:00", BIRTH, notice=n)
        assert e.value.code == code, day
    with pytest.raises(Conflict) as e:
        b.book("A", DAY, "10:10", BIRTH, notice=n)
    assert e.value.code == "reservations.slot_unknown"
    with pytest.raises(Invalid):
        b.book("A", DAY, "10:00", BIRTH, notice=n, email="not an address")
    with pytest.raises(Conflict) as e:  # D category takes no bookings
        b.book("D", DAY, "10:00", BIRTH, notice=n)
    assert e.value.code == "reservations.not_bookable"
    # the window's cut-off: tomorrow may be booked until 17:00 today
    rst.clock.set(datetime(2026, 12, 1, 17, 0, tzinfo=TOKYO))  # type: ignore[attr-defined]
    with pytest.raises(Conflict) as e:
        b.book("A", date(2026, 12, 2), "09:00", BIRTH, notice=n)
    assert e.value.code == "reservations.too_late" and "12月1日（火） 17:00" in e.value.message_ja
    rst.clock.set(datetime(2026, 12, 1, 16, 59, tzinfo=TOKYO))  # type: ignore[attr-defined]
    assert b.book("A", date(2026, 12, 2), "09:00", BIRTH, notice=n).state == "booked"


def test_slot_full_and_renewal_without_notice(rst: Station) -> None:
    recs = [card(i) for i in range(1, 5)]
    seed(rst, *recs)
    b = rst.reservations.booking
    for rec in recs[:3]:
        b.book("A", DAY, "09:00", BIRTH, notice=rec.notice_no)  # type: ignore[attr-defined]
    with pytest.raises(Conflict) as e:
        b.book("A", DAY, "09:00", BIRTH, notice=recs[3].notice_no)  # type: ignore[attr-defined]
    assert e.value.code == "reservations.slot_full"
    r = b.book("B", DAY, "09:00", date(1970, 1, 1))  # 電子証明書更新: no notice needed
    assert r.category == "B" and r.checklist == []
    assert b.find(r.code, date(1970, 1, 1)).code == r.code
    with pytest.raises(NotFound):
        b.find(r.code, date(1970, 1, 2))


def test_wrong_birth_dates_are_throttled(rst: Station) -> None:
    rec = card(1)
    seed(rst, rec)
    b = rst.reservations.booking
    for _ in range(5):
        with pytest.raises(Conflict):
            b.identify(rec.notice_no, date(1999, 1, 1), client="10.0.0.9")  # type: ignore[attr-defined]
    with pytest.raises(Throttled):  # even the right date, from this client, for a while
        b.identify(rec.notice_no, BIRTH, client="10.0.0.9")  # type: ignore[attr-defined]
    rst.clock.advance(minutes=11)  # type: ignore[attr-defined]
    assert b.identify(rec.notice_no, BIRTH, client="10.0.0.9").checklist  # type: ignore[attr-defined]


def _checked_in_day(rst: Station, clock: ManualClock, n: int = 1) -> list[str]:
    recs = [card(i) for i in range(1, n + 1)]
    seed(rst, *recs)
    codes = [rst.reservations.booking.book("A", DAY, "10:00", BIRTH, notice=r.notice_no).code  # type: ignore[attr-defined]
             for r in recs]
    return codes


def test_check_in_on_time_is_called_before_walk_ins(rst: Station, clock: ManualClock) -> None:
    codes = _checked_in_day(rst, clock, 3)
    clock.set(datetime(2026, 12, 3, 9, 40, tzinfo=TOKYO))
    early = rst.reservations.checkin.check_in(codes[0])
    assert early.outcome == "too_early" and early.ticket_id is None and "9:45" in early.message_ja.replace("09", "9")
    clock.set(datetime(2026, 12, 3, 9, 50, tzinfo=TOKYO))
    walk1 = rst.queue.issue("A")
    walk2 = rst.queue.issue("A")
    on_time = rst.reservations.checkin.check_in(codes[0])
    assert on_time.outcome == "priority" and on_time.priority and on_time.number
    again = rst.reservations.checkin.check_in(codes[0])  # scanning twice gives the same ticket
    assert again.ticket_id == on_time.ticket_id
    clock.set(datetime(2026, 12, 3, 10, 6, tzinfo=TOKYO))
    late = rst.reservations.checkin.check_in(codes[1])  # 6 minutes late: a normal ticket, said kindly
    assert late.outcome == "late" and not late.priority and "5分以上" in late.message_ja
    called = rst.queue.call_next(1)
    assert called is not None and called.id == on_time.ticket_id  # the booked visitor first
    rst.queue.act(called.id, __import__("station.domain.queue", fromlist=["Action"]).Action.START)
    board = rst.reservations.day.board(DAY)
    slot = next(s for s in board.slots if s.category == "A" and s.slot == "10:00")
    assert [e.state for e in slot.entries] == ["checked_in", "checked_in", "booked"]
    assert board.counts["late"] == 1
    assert rst.queue.call_next(2).id == walk1.id  # type: ignore[union-attr]
    clock.set(datetime(2026, 12, 3, 10, 31, tzinfo=TOKYO))
    assert rst.reservations.day.sweep()["no_show"] == 1  # the third never came: its place is released
    assert rst.reservations.day.board(DAY).counts["no_show"] == 1
    with pytest.raises(Conflict):
        rst.reservations.checkin.check_in(codes[2])
    assert walk2.id


def test_fairness_walk_in_waiting_too_long_goes_after_r_in_a_row(rst: Station, clock: ManualClock) -> None:
    from station.domain.queue import Action

    codes = _checked_in_day(rst, clock, 3)
    clock.set(datetime(2026, 12, 3, 9, 20, tzinfo=TOKYO))
    walk = rst.queue.issue("A")
    clock.set(datetime(2026, 12, 3, 9, 55, tzinfo=TOKYO))  # the walk-in has waited 35 min (> W = 30)
    tickets = [rst.reservations.checkin.check_in(c).ticket_id for c in codes]
    order = []
    for _ in range(4):
        t = rst.queue.call_next(1)
        assert t is not None
        order.append(t.id)
        rst.queue.act(t.id, Action.START)
        rst.queue.act(t.id, Action.FINISH)
    assert order == [tickets[0], tickets[1], walk.id, tickets[2]]  # R = 2 in a row, then the walk-in


def test_close_slot_mails_its_residents(rst: Station, smtp: tuple[Inbox, int]) -> None:
    recs = [card(1), card(2)]
    seed(rst, *recs)
    b = rst.reservations.booking
    with_mail = b.book("A", DAY, "13:00", BIRTH, notice=recs[0].notice_no, email="a@example.org")  # type: ignore[attr-defined]
    b.book("A", DAY, "13:00", BIRTH, notice=recs[1].notice_no)  # type: ignore[attr-defined]
    closed = rst.reservations.day.close_slot(DAY, "A", "13:00", "全国システムの停止", STAFF)
    assert sorted(closed.affected) == sorted([with_mail.code, closed.affected[1] if closed.affected[0] ==
                                              with_mail.code else closed.affected[0]])
    assert closed.mailed == 1
    assert next(s for s in b.slots("A", DAY).slots if s.slot == "13:00").closed
    with pytest.raises(Conflict):
        b.book("A", DAY, "13:00", BIRTH, notice=recs[0].notice_no)  # type: ignore[attr-defined]
    rst.reservations.mail.send_due()
    subjects = smtp[0].subjects()
    assert any("中止" in s for s in subjects)
    body = smtp[0].body(next(i for i, s in enumerate(subjects) if "中止" in s))
    assert "全国システムの停止" in body and with_mail.code in body


def test_reminder_the_day_before_and_purge_after(rst: Station, clock: ManualClock, smtp: tuple[Inbox, int]) -> None:
    rec = card(1)
    seed(rst, rec)
    v = rst.reservations.booking.book("A", DAY, "10:00", BIRTH, notice=rec.notice_no, email="r@example.org")  # type: ignore[attr-defined]
    clock.set(datetime(2026, 12, 2, 9, 0, tzinfo=TOKYO))
    assert rst.reservations.day.sweep()["reminders"] == 1
    assert rst.reservations.day.sweep()["reminders"] == 1  # asked again …
    rst.reservations.mail.send_due()
    assert sum("明日のご予約" in s for s in smtp[0].subjects()) == 1  # … queued once
    clock.set(datetime(2026, 12, 4, 9, 0, tzinfo=TOKYO))
    done = rst.reservations.day.sweep()
    assert done["no_show"] == 1 and done["purged"] == 1
    with pytest.raises(NotFound):  # the birth date digest is gone with the visit
        rst.reservations.booking.find(v.code, BIRTH)


@pytest.fixture
def client(rst: Station) -> Iterator[TestClient]:
    from web.app import create_app

    with TestClient(create_app(rst, manage_lifecycle=False)) as c:
        yield c


def test_api_booking_page_and_public_status(client: TestClient, rst: Station) -> None:
    rec = card(1)
    seed(rst, rec)
    assert [c["code"] for c in client.get("/api/reservations/categories").json()] == ["A", "B"]
    days = client.get("/api/reservations/days", params={"category": "A"}).json()
    assert days[0]["day"] == "2026-12-02" and all(d["free"] > 0 for d in days)
    r = client.post("/api/reservations/identify", json={"notice": rec.notice_no, "birth_date": str(BIRTH)})  # type: ignore[attr-defined]
    assert r.status_code == 200 and r.json()["checklist"][0]["item"] == "notice"
    r = client.post("/api/reservations", json={"category": "A", "day": str(DAY), "slot": "10:00",
                                               "birth_date": str(BIRTH), "notice": rec.notice_no})  # type: ignore[attr-defined]
    assert r.status_code == 201, r.text
    code = r.json()["code"]
    assert "birth" not in r.text and rec.name_kana not in r.text  # type: ignore[attr-defined]
    r = client.post("/api/reservations", json={"category": "A", "day": str(DAY), "slot": "10:00",
                                               "birth_date": str(BIRTH), "notice": "x" * 30})
    assert r.status_code == 422
    assert client.post("/api/reservations/lookup", json={"code": code, "birth_date": "1999-01-01"}).status_code == 404
    assert client.get(f"/reserve/qr/{code}.png").headers["content-type"] == "image/png"
    for page in ("/reserve", "/reserve/manage", "/reserve/checklist", "/public"):
        assert client.get(page).status_code == 200, page
    status = client.get("/api/public/status")
    assert status.status_code == 200 and status.headers["cache-control"].startswith("public")
    assert client.get("/api/public/status", headers={"If-None-Match": status.headers["etag"]}).status_code == 304
    rst.queue.issue("A")
    rst.clock.advance(seconds=6)  # type: ignore[attr-defined]  # on PostgreSQL the event reaches the bus a moment later
    after = client.get("/api/public/status", headers={"If-None-Match": status.headers["etag"]})
    assert after.status_code == 200 and after.json()["categories"][0]["waiting"] == 1
    assert "ticket_id" not in after.text and "token" not in after.text


def test_api_rate_limit_on_the_booking_page(client: TestClient, rst: Station) -> None:
    rst.settings.reservations.rate_per_minute = 3
    body = {"notice": make_notice_number("ZZZ", 1), "birth_date": "1980-01-01"}
    codes = [client.post("/api/reservations/identify", json=body).status_code for _ in range(4)]
    assert codes == [409, 409, 409, 429]


def test_ticket_watch_mails_when_the_turn_is_near(rst: Station, smtp: tuple[Inbox, int]) -> None:
    from station.domain.queue import Action

    tickets = [rst.queue.issue("A") for _ in range(3)]
    mine = tickets[-1]
    assert rst.reservations.congestion.watch(mine.token, "me@example.org", ahead=1).ahead == 1
    assert rst.reservations.day.sweep()["turn_near"] == 0  # 2 ahead
    t = rst.queue.call_next(1)
    rst.queue.act(t.id, Action.START)  # type: ignore[union-attr]
    assert rst.reservations.day.sweep()["turn_near"] == 1
    assert rst.reservations.day.sweep()["turn_near"] == 0  # the address is gone once used
    rst.reservations.mail.send_due()
    assert any(mine.number in s for s in smtp[0].subjects())


@pytest.mark.postgres
def test_fifty_residents_race_for_the_last_ten_places(tmp_path: Path, pg_database: str, clock: ManualClock) -> None:
    from tests.conftest import _clean_pg

    _clean_pg(pg_database)
    s = make_settings(tmp_path, pg_database)
    st = Station(s, clock=clock, with_devices=False)
    st.start()
    try:
        st.reservations.day.stop()
        recs = [card(i) for i in range(1, 51)]
        seed(st, *recs)
        b = st.reservations.booking
        with st.sessions.begin() as ses:  # the slot has 10 places left
            from station.store import reservations_repo as repo

            repo.set_slot(ses, DAY, "A", "10:00", capacity=10, closed=False, reason="", actor="t", now=OPEN_TIME)
        barrier = threading.Barrier(50)
        results: list[str] = []
        lock = threading.Lock()

        def go(rec: object) -> None:
            barrier.wait()
            try:
                b.book("A", DAY, "10:00", BIRTH, notice=rec.notice_no)  # type: ignore[attr-defined]
                out = "ok"
            except Conflict as e:
                out = e.code or "?"
            with lock:
                results.append(out)

        threads = [threading.Thread(target=go, args=(r,)) for r in recs]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        assert results.count("ok") == 10 and results.count("reservations.slot_full") == 40
        assert next(x for x in b.slots("A", DAY).slots if x.slot == "10:00").free == 0
    finally:
        st.stop()


def test_booking_qr_at_the_scanner_checks_in_and_tells_the_kiosk(rst: Station, clock: ManualClock) -> None:
    from station.services.reservation_checkin import ReservationCheckedIn

    codes = _checked_in_day(rst, clock, 1)
    clock.set(datetime(2026, 12, 3, 9, 55, tzinfo=TOKYO))
    heard = Events()
    rst.bus.add_listener(lambda env: heard(env.event))  # on PostgreSQL the event comes back through NOTIFY
    assert rst.reservations.checkin.on_scan("TK-12") is False  # a ticket goes on to the panel
    assert rst.reservations.checkin.on_scan(codes[0]) is True
    ev = heard.wait_for(lambda e: isinstance(e, ReservationCheckedIn))
    assert ev.outcome == "priority" and ev.number.startswith("A")  # type: ignore[attr-defined]
    assert rst.reservations.checkin.on_scan("RSV-AAAAAAAA") is True  # a code, but no booking: the kiosk says so
    ev = heard.wait_for(lambda e: isinstance(e, ReservationCheckedIn) and e.outcome == "refused")
    assert "見つかりません" in ev.message_ja  # type: ignore[attr-defined]


@pytest.mark.postgres
def test_priority_calls_stay_exactly_once_across_counters_on_postgres(pg_station: Station, clock: ManualClock) -> None:
    """Six counters call at once while booked and walk-in visitors wait: every ticket is called once."""
    from station.domain.queue import Action

    st = pg_station
    st.reservations.day.stop()
    recs = [card(i) for i in range(1, 4)]
    seed(st, *recs)
    codes = [st.reservations.booking.book("A", DAY, "10:00", BIRTH, notice=r.notice_no).code  # type: ignore[attr-defined]
             for r in recs]
    clock.set(datetime(2026, 12, 3, 10, 0, tzinfo=TOKYO))
    walk = [st.queue.issue("A").id for _ in range(12)]
    prio = [st.reservations.checkin.check_in(c).ticket_id for c in codes]
    st.settings.counters = [type(st.settings.counters[0])(id=i, categories=["A"]) for i in range(1, 7)]
    called: list[int] = []
    lock = threading.Lock()
    barrier = threading.Barrier(6)

    def counter(cid: int) -> None:
        barrier.wait()
        while True:
            t = st.queue.call_next(cid)
            if t is None:
                return
            with lock:
                called.append(t.id)
            st.queue.act(t.id, Action.START)
            st.queue.act(t.id, Action.FINISH)

    threads = [threading.Thread(target=counter, args=(i,)) for i in range(1, 7)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(called) == sorted(walk + prio)  # each exactly once
    assert set(called[:6]) >= set(prio)  # the booked visitors among the first calls


def test_walk_in_wait_estimate_counts_booked_visitors_due(rst: Station, clock: ManualClock) -> None:
    _checked_in_day(rst, clock, 3)
    clock.set(datetime(2026, 12, 3, 9, 40, tzinfo=TOKYO))
    first = rst.queue.issue("A")
    second = rst.queue.issue("A")
    assert first.waiting_ahead == 0 and second.waiting_ahead == 1
    # 1 ahead + 3 booked for 10:00 on 2 counters at 12 min: (1 + 3) x 12 / 2 = 24 min
    assert second.estimated_wait_min == 24


def test_mail_retries_when_the_server_is_down_and_sends_once_when_back(rst: Station, clock: ManualClock,
                                                                       smtp: tuple[Inbox, int]) -> None:
    rec = card(1)
    seed(rst, rec)
    port = rst.settings.mail.port
    rst.settings.mail.port = free_port()  # nobody listens there
    rst.reservations.booking.book("A", DAY, "10:00", BIRTH, notice=rec.notice_no, email="x@example.org")  # type: ignore[attr-defined]
    assert rst.reservations.mail.send_due() == 0
    [m] = rst.reservations.day.outbox()
    assert (m.state, m.attempts) == ("pending", 1)
    assert rst.reservations.mail.send_due() == 0  # backing off: not due yet
    rst.settings.mail.port = port
    clock.advance(minutes=2)
    assert rst.reservations.mail.send_due() == 1
    assert rst.reservations.mail.send_due() == 0
    assert len(smtp[0].messages) == 1 and rst.reservations.day.outbox()[0].state == "sent"


def test_public_page_typical_wait_by_hour_from_the_same_weekday(rst: Station, clock: ManualClock) -> None:
    from station.domain.queue import Action

    for weeks, wait in ((1, 10), (2, 20), (3, 30)):  # three earlier Tuesdays at 10:00, called after `wait` minutes
        clock.set(datetime(2026, 12, 1, 10, 0, tzinfo=TOKYO) - timedelta(weeks=weeks))
        t = rst.queue.issue("A")
        clock.advance(minutes=wait)
        rst.queue.call_next(1)
        rst.queue.act(t.id, Action.START)
        rst.queue.act(t.id, Action.FINISH)
    clock.set(OPEN_TIME)
    view, _etag = rst.reservations.congestion.status()
    a = next(c for c in view.categories if c.code == "A")
    assert [(h.hour, h.typical_wait_min) for h in a.typical_by_hour] == [(10, 20)]  # the median
    assert view.open_today and (view.opens, view.closes) == ("08:30", "17:00")


def test_same_day_slots_already_under_way_take_no_booking(rst: Station) -> None:
    rec = card(1)
    seed(rst, rec)
    rst.settings.reservations.days_ahead_min = 0  # an office that books the same day
    b = rst.reservations.booking
    free = {s.slot: s.free for s in b.slots("A", date(2026, 12, 1)).slots}
    assert free["09:30"] == 0 and free["10:00"] == 0 and free["10:30"] == 3  # the clock says 10:00
    with pytest.raises(Conflict) as e:
        b.book("A", date(2026, 12, 1), "10:00", BIRTH, notice=rec.notice_no)  # type: ignore[attr-defined]
    assert e.value.code == "reservations.slot_past"
    assert b.book("A", date(2026, 12, 1), "10:30", BIRTH, notice=rec.notice_no).slot == "10:30"  # type: ignore[attr-defined]


@pytest.mark.postgres
def test_two_daemons_sweeping_at_once_close_a_no_show_once(pg_station: Station, clock: ManualClock) -> None:
    st = pg_station
    st.reservations.day.stop()
    recs = [card(1), card(2)]
    seed(st, *recs)
    codes = [st.reservations.booking.book("A", DAY, "10:00", BIRTH, notice=r.notice_no).code  # type: ignore[attr-defined]
             for r in recs]
    clock.set(datetime(2026, 12, 3, 10, 0, tzinfo=TOKYO))
    st.reservations.checkin.check_in(codes[0])  # the other never comes
    clock.set(datetime(2026, 12, 3, 10, 31, tzinfo=TOKYO))
    barrier = threading.Barrier(4)
    results: list[int] = []

    def sweep() -> None:
        barrier.wait()
        results.append(st.reservations.day.sweep()["no_show"])

    threads = [threading.Thread(target=sweep) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(results) == [0, 0, 0, 1]
    board = st.reservations.day.board(DAY)
    slot = next(s for s in board.slots if s.category == "A" and s.slot == "10:00")
    assert slot.booked == 1 and board.counts["no_show"] == 1  # the checked-in visitor still holds a place
