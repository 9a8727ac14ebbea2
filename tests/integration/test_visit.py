"""One visitor = one ticket = one case (issue 12): the case drives the ticket. Opening the called visitor's
case starts service, closing it (issued, returned for documents, handed over, completed, cancelled)
finishes the ticket and frees the counter, so the next call needs no S/F; the service time reaches the
report. Also: a renewal's old card must be another card than the new one, and the queue's refusals name
the action in the reader's language."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest

from drivers.cardreader import CardInfo, PinState
from station.app import Station
from station.clock import ManualClock
from station.domain.barcodes import make_notice_number
from station.domain.certificate import card_verdict
from station.domain.documents import Presented, Who
from station.domain.queue import Action
from station.events import CardRead
from station.services.audit import Actor
from station.services.card_lookup import MemoryCardLookup
from station.services.errors import Conflict
from tests.integration.test_cases_service import record, until

CLERK = Actor("clerk1")
STAFF = Actor("city1")
TODAY = dt.date(2026, 12, 1)


@pytest.fixture
def st(any_station: Station) -> Iterator[Station]:
    """SQLite and PostgreSQL: the case's commit and the ticket's own transaction after it, on both."""
    any_station.cases.lookup = MemoryCardLookup([record(1), record(2), record(3, is_renewal=True)])
    yield any_station


def tap(st: Station, expires_in: int = 1000, serial: int | None = 7) -> None:
    now = st.clock.now()
    info = CardInfo(card_present=True, is_my_number_card=True, cert_serial=serial,
                    cert_not_after=now + dt.timedelta(days=expires_in), auth_pin=PinState(3, False),
                    sign_pin=PinState(5, False), assist_pin=PinState(3, False))
    publish_read(st, card_verdict(info, now.date()).as_dict())


def publish_read(st: Station, verdict: dict[str, object]) -> None:
    """A read on counter 1's reader, as the device manager publishes it; on PostgreSQL the event makes a
    round trip through LISTEN/NOTIFY, so wait until this read has arrived."""
    before = st.cases.card_on_reader(1)
    st.bus.publish(CardRead(at=st.clock.now(), counter_id=1, verdict=verdict))
    until(lambda: st.cases.card_on_reader(1) not in (None, before))


def called(st: Station) -> int:
    t = st.queue.issue("A")
    got = st.queue.call_next(1, CLERK)
    assert got is not None and got.id == t.id
    return t.id


def test_issuance_drives_the_ticket_from_called_to_done(st: Station, clock: ManualClock) -> None:
    tid = called(st)
    c = st.cases.open(1, CLERK, ticket_id=tid)
    assert st.queue.get(tid).state == "serving"  # opening the case started service
    st.cases.scan_notice(c.id, make_notice_number("CAS", 1), CLERK)
    st.cases.present_all(c.id, CLERK)
    st.cases.juki_check(c.id, False, CLERK)
    st.cases.staff_check(c.id, STAFF)
    tap(st)
    st.cases.card_tap(c.id, CLERK)
    st.cases.tick(c.id, "explained", CLERK)
    st.cases.tick(c.id, "receipt_copy", CLERK)
    clock.advance(minutes=12)
    assert st.queue.get(tid).state == "serving"
    st.cases.issue(c.id, CLERK)
    assert st.queue.get(tid).state == "done"  # closing the case finished the ticket
    assert st.queue.current_ticket(1) is None  # the counter is free: N calls the next visitor
    nxt = st.queue.issue("A")
    assert st.queue.call_next(1, CLERK).id == nxt.id
    assert "12.0" in st.reports.csv_text(TODAY)  # the report's service time is the case's 12 minutes


@pytest.mark.parametrize("how", ["returned", "handover", "complete", "cancel", "escalated"])
def test_every_way_a_case_closes_frees_the_counter(st: Station, how: str) -> None:
    tid = called(st)
    proc = "inquiry" if how == "complete" else None
    c = st.cases.open(1, CLERK, proc, ticket_id=tid)
    assert st.queue.get(tid).state == "serving"
    if how == "returned":
        st.cases.scan_notice(c.id, make_notice_number("CAS", 1), CLERK)
        v = st.cases.present_documents(c.id, Presented(frozenset({"notice"})), CLERK)
        assert v.outcome == "returned_documents"
    elif how == "escalated":
        st.cases.scan_notice(c.id, make_notice_number("CAS", 1), CLERK)
        v = st.cases.present_documents(c.id, Presented(frozenset({"notice", "notification_card"}),
                                                       ("driving_licence",), proxy_reason="other",
                                                       who=Who.PROXY, proxy_ids=("passport",)), CLERK)
        assert v.state in ("handed_over", "closed")
    elif how == "handover":
        st.cases.handover(c.id, "complaint", CLERK)
    elif how == "complete":
        st.cases.tick(c.id, "answered", CLERK)
        st.cases.complete(c.id, None, CLERK)
    else:
        st.cases.cancel(c.id, CLERK)
    assert st.queue.get(tid).state == "done"
    assert st.queue.current_ticket(1) is None


def test_a_case_without_a_called_ticket_leaves_the_queue_alone(st: Station) -> None:
    waiting = st.queue.issue("A")
    c = st.cases.open(1, CLERK, ticket_id=waiting.id)  # not called: nothing to start
    assert st.queue.get(waiting.id).state == "waiting"
    st.cases.cancel(c.id, CLERK)
    assert st.queue.get(waiting.id).state == "waiting"
    walk_up = st.cases.open(1, CLERK, "inquiry")
    st.cases.cancel(walk_up.id, CLERK)  # no ticket at all


def test_s_and_f_still_work_for_a_visitor_without_a_case(st: Station) -> None:
    tid = called(st)
    st.queue.act(tid, Action.START, CLERK)
    assert st.queue.act(tid, Action.FINISH, CLERK).state == "done"


def test_a_refused_action_is_named_in_each_language(st: Station) -> None:
    t2 = st.queue.issue("A")
    with pytest.raises(Conflict) as e:
        st.queue.act(t2.id, Action.FINISH, CLERK)
    assert e.value.message_ja == "お待ちの番号には「完了」はできません"
    assert e.value.message_en == "Cannot finish a ticket that is waiting"


def test_the_same_card_tapped_again_is_not_the_old_card(st: Station) -> None:
    tid = called(st)
    c = st.cases.open(1, CLERK, ticket_id=tid)
    st.cases.scan_notice(c.id, make_notice_number("CAS", 3), CLERK)
    st.cases.present_all(c.id, CLERK)
    st.cases.staff_check(c.id, STAFF)
    st.cases.juki_check(c.id, False, CLERK)
    tap(st, expires_in=1800, serial=41)
    st.cases.card_tap(c.id, CLERK, role="new")
    tap(st, expires_in=1800, serial=41)  # lifted and tapped again: a new read of the same card
    with pytest.raises(Conflict) as e:
        st.cases.card_tap(c.id, CLERK, role="old")
    assert "新しいカード" in e.value.message_ja and "old" in e.value.message_en
    tap(st, expires_in=20, serial=12)  # the visitor's current card
    v = st.cases.card_tap(c.id, CLERK, role="old")
    assert v.old_card["cert_state"] == "renew_soon"


def test_a_locked_pin_continues_the_same_visit_with_the_pin_reset(st: Station) -> None:
    """Insurance support finds the PIN locked: the visitor goes on to the PIN reset at the same counter. The
    linked case is theirs (same ticket); the ticket ends when that case ends, not before."""
    t = st.queue.issue("B")
    assert st.queue.call_next(1, CLERK).id == t.id
    c = st.cases.open(1, CLERK, "insurance", ticket_id=t.id)
    now = st.clock.now()
    info = CardInfo(card_present=True, is_my_number_card=True, cert_serial=3,
                    cert_not_after=now + dt.timedelta(days=900), auth_pin=PinState(0, True),
                    sign_pin=PinState(5, False), assist_pin=PinState(3, False))
    publish_read(st, card_verdict(info, now.date()).as_dict())
    v = st.cases.card_tap(c.id, CLERK)
    assert v.outcome == "pin_reset_first"
    assert st.queue.get(t.id).state == "serving"  # the visit goes on
    linked = st.cases.open_linked(c.id, "pin_reset", CLERK)
    assert linked.ticket_id == t.id and linked.ticket_number == t.number
    for step in ("id_checked", "processed", "explained"):
        st.cases.tick(linked.id, step, CLERK)
    st.cases.complete(linked.id, None, CLERK)
    assert st.queue.get(t.id).state == "done"
