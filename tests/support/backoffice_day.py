"""A scripted business day at the counter and on the phone, for the report and end-of-day tests.

Every procedure of the catalog is handled once (issuance issued / returned / cancelled, insurance applied
and sent to renew first, certificate renewal, PIN reset, card cancellation, card change and preprint
handed to city staff, application support, an inquiry), tickets are called and served at times the script
sets, and ten phone calls are taken (trivial ones, a D-TEL-4 lookup that must be handed over, a preprint
request and a complaint). Every handover is then taken and closed by city staff. The script returns what
it used (names, birth dates, words said) and the waits it produced, so tests can compute the expected
figures independently of the report code.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from drivers.cardreader import CardInfo, PinState
from station.app import Station
from station.domain import queue as q
from station.domain.barcodes import make_notice_number
from station.domain.card_record import CardRecord, NoticeType
from station.domain.certificate import card_verdict
from station.domain.documents import Presented
from station.domain.stock_csv import write_stock_csv
from station.domain.timezone import TOKYO
from station.events import CardRead
from station.services.audit import Actor
from station.services.errors import Conflict

CLERK = Actor("clerk-day")
STAFF = Actor("city-day")
DAY = dt.date(2026, 12, 1)


def card(i: int, name: str, birth: dt.date, applied: dt.date, **kw: Any) -> CardRecord:
    return CardRecord(manufacturing_no=f"{270900000000 + i:012d}", notice_no=make_notice_number("DAY", i),
                      application_id=f"8{i:022d}", name_kana=name, birth_date=birth, application_date=applied,
                      notice_type=kw.pop("notice_type", NoticeType.NOTIFICATION_CARD), is_renewal=False,
                      has_juki_card=False, delivery_lot="L-DAY", **kw)


# Cards in stock: 1 is issued today, 2 returned for documents (stays on the shelf for the holder's next
# visit), 3 mailed (a caller asks about it), 4 applied two months ago and never mailed (D-TEL-4).
CARDS = [
    card(1, "コウフ　イチロウ", dt.date(1961, 2, 3), dt.date(2026, 10, 20)),
    card(2, "モドリ　ジロウ", dt.date(1972, 4, 5), dt.date(2026, 10, 21)),
    card(3, "ユウソウ　サブロウ", dt.date(1983, 6, 7), dt.date(2026, 11, 10)),
    card(4, "フチャク　シロウ", dt.date(1994, 8, 9), dt.date(2026, 9, 25)),
]
CALLERS = [("デンワ　クジョウコ", "090-1111-2222"), ("デンワ　ヨウシコ", "080-3333-4444"),
           ("デンワ　フチャクコ", "070-5555-6666")]
NOTES = ["ヘンコウ　タナカ様、住所変更（ヒミツメモ1）", "プレプリ　サトウ様（ヒミツメモ2）"]
SECRET = "ヒミツ"  # every word a caller said carries this marker


@dataclass
class DayResult:
    waits: dict[str, list[float]] = field(default_factory=dict)  # category → minutes issued→called
    services: dict[str, list[float]] = field(default_factory=dict)  # category → minutes started→finished
    wait_hours: dict[int, list[float]] = field(default_factory=dict)
    used_names: list[str] = field(default_factory=list)
    used_birth_dates: list[str] = field(default_factory=list)
    kept_names: list[str] = field(default_factory=list)  # stock cards still waiting for their holder
    stale_refused: bool = False


def at(hh: int, mm: int) -> dt.datetime:
    return dt.datetime(DAY.year, DAY.month, DAY.day, hh, mm, tzinfo=TOKYO)


def tap(st: Station, counter: int, expires_in: int = 1000) -> None:
    """What the device manager publishes when a card is read on a counter's reader."""
    import time

    now = st.clock.now()
    info = CardInfo(card_present=True, is_my_number_card=True, cert_not_after=now + dt.timedelta(days=expires_in),
                    auth_pin=PinState(3, False), sign_pin=PinState(5, False), assist_pin=PinState(3, False))
    before = st.cases.card_on_reader(counter)
    st.bus.publish(CardRead(at=now, counter_id=counter, verdict=card_verdict(info, now.date()).as_dict()))
    deadline = time.monotonic() + 5  # on PostgreSQL the event makes a round trip through LISTEN/NOTIFY
    while st.cases.card_on_reader(counter) in (None, before):
        assert time.monotonic() < deadline, "card read did not arrive"
        time.sleep(0.005)


def load_stock(st: Station) -> None:
    st.clock.set(at(8, 40))
    st.stock.import_bytes(write_stock_csv(CARDS), "day.csv", CLERK)
    for c in CARDS[:3]:
        st.stock.transition(c.notice_no, "inspected", CLERK)
        st.stock.transition(c.notice_no, "mailed", CLERK, mailed_on=dt.date(2026, 11, 20))
    for c in CARDS[:2]:
        st.stock.transition(c.notice_no, "ready", CLERK)
    st.stock.transition(CARDS[3].notice_no, "inspected", CLERK)


def run_day(st: Station) -> DayResult:
    """The whole day; every handover closed by city staff at the end."""
    clock: Any = st.clock
    r = DayResult()
    load_stock(st)
    issued: dict[str, tuple[int, dt.datetime]] = {}

    def issue(label: str, category: str, when: dt.datetime) -> None:
        clock.set(when)
        issued[label] = (st.queue.issue(category).id, when)

    def serve(label: str, counter: int, call: dt.datetime, start: dt.datetime) -> int:
        tid, issued_at = issued[label]
        clock.set(call)
        t = st.queue.call_next(counter)
        assert t is not None and t.id == tid, f"{label}: called {t and t.number}"
        clock.set(start)
        st.queue.act(tid, q.Action.START)
        cat = t.category
        w = (call - issued_at).total_seconds() / 60
        r.waits.setdefault(cat, []).append(w)
        r.wait_hours.setdefault(issued_at.hour, []).append(w)
        return tid

    def finish(tid: int, started: dt.datetime, done: dt.datetime, cat: str) -> None:
        """The visit ends at `done`: the case that closed then finished the ticket (issue 12: the case drives
        the ticket); a visit whose case goes on (renewal first) is finished here, as the clerk's F would."""
        clock.set(done)
        if st.queue.get(tid).state != q.TicketState.DONE:
            st.queue.act(tid, q.Action.FINISH)
        r.services.setdefault(cat, []).append((done - started).total_seconds() / 60)

    # morning tickets (counter 1 serves A B, 2 serves A C, 3 serves B C D; the oldest waiting is called)
    issue("A1", "A", at(9, 0))
    issue("D1", "D", at(9, 2))
    issue("A2", "A", at(9, 5))
    issue("C1", "C", at(9, 6))
    issue("B1", "B", at(9, 10))
    issue("A3", "A", at(10, 0))
    issue("D2", "D", at(10, 1))
    issue("C2", "C", at(10, 3))
    issue("B2", "B", at(10, 20))
    issue("A4", "A", at(10, 30))
    clock.set(at(10, 35))
    st.queue.act(issued["A4"][0], q.Action.CANCEL)  # the visitor left before being called

    # A1: issuance, issued (card 1)
    tid = serve("A1", 1, at(9, 4), at(9, 5))
    cid = st.cases.open(1, CLERK, ticket_id=tid).id
    st.cases.scan_notice(cid, CARDS[0].notice_no, CLERK)
    st.cases.present_all(cid, CLERK)
    st.cases.staff_check(cid, STAFF)
    st.cases.juki_check(cid, False, CLERK)
    tap(st, 1)
    st.cases.card_tap(cid, CLERK)
    st.cases.tick(cid, "explained", CLERK)
    st.cases.tick(cid, "receipt_copy", CLERK)
    clock.set(at(9, 17))
    v = st.cases.issue(cid, CLERK)
    assert v.outcome == "issued", v
    finish(tid, at(9, 5), at(9, 17), "A")
    r.used_names.append(CARDS[0].name_kana or "")
    r.used_birth_dates.append(CARDS[0].birth_date.isoformat() if CARDS[0].birth_date else "")

    # D1: insurance and public funds applied (counter 3)
    tid = serve("D1", 3, at(9, 8), at(9, 9))
    cid = st.cases.open(3, CLERK, ticket_id=tid).id
    tap(st, 3)
    st.cases.card_tap(cid, CLERK)
    st.cases.tick(cid, "pins_known", CLERK)
    st.cases.tick(cid, "insurance_explained", CLERK)  # D-INS
    st.cases.consents(cid, ["insurance", "public_funds"], ["insurance_irrevocable", "public_funds_own_name"], CLERK)
    clock.set(at(9, 24))
    assert st.cases.applied(cid, CLERK).outcome == "applied"
    finish(tid, at(9, 9), at(9, 24), "D")

    # A2: issuance returned for documents (card 2: no ID document shown)
    tid = serve("A2", 2, at(9, 20), at(9, 21))
    cid = st.cases.open(2, CLERK, ticket_id=tid).id
    st.cases.scan_notice(cid, CARDS[1].notice_no, CLERK)
    clock.set(at(9, 25))
    v = st.cases.present_documents(cid, Presented(documents=frozenset({"notice", "notification_card"})), CLERK)
    assert v.outcome == "returned_documents", v
    finish(tid, at(9, 21), at(9, 25), "A")
    r.kept_names.append(CARDS[1].name_kana or "")

    # C1: card change, handed to city staff with a note (counter 2)
    tid = serve("C1", 2, at(9, 30), at(9, 31))
    cid = st.cases.open(2, CLERK, "card_change", ticket_id=tid).id
    st.cases.tick(cid, "explained", CLERK)
    st.cases.tick(cid, "forms_filled", CLERK)
    clock.set(at(9, 40))
    assert st.cases.complete(cid, None, CLERK, note=NOTES[0]).state == "handed_over"
    finish(tid, at(9, 31), at(9, 40), "C")

    # B1: certificate renewal (counter 1)
    tid = serve("B1", 1, at(9, 40), at(9, 41))
    cid = st.cases.open(1, CLERK, "cert_renewal", ticket_id=tid).id
    for step in ("id_checked", "processed", "explained"):
        st.cases.tick(cid, step, CLERK)
    clock.set(at(9, 49))
    st.cases.complete(cid, "done", CLERK)
    finish(tid, at(9, 41), at(9, 49), "B")

    # A3: issuance, the visitor leaves (cancelled case)
    tid = serve("A3", 1, at(10, 10), at(10, 11))
    cid = st.cases.open(1, CLERK, ticket_id=tid).id
    clock.set(at(10, 12))
    st.cases.cancel(cid, CLERK)
    finish(tid, at(10, 11), at(10, 12), "A")

    # D2: insurance, but the certificate has expired → renew first (counter 3)
    tid = serve("D2", 3, at(10, 15), at(10, 16))
    cid = st.cases.open(3, CLERK, ticket_id=tid).id
    tap(st, 3, expires_in=-10)
    assert st.cases.card_tap(cid, CLERK).outcome == "renewal_first"
    finish(tid, at(10, 16), at(10, 20), "D")

    # C2: preprint (application form reissue), handed to city staff (counter 2)
    tid = serve("C2", 2, at(10, 25), at(10, 26))
    cid = st.cases.open(2, CLERK, "preprint", ticket_id=tid).id
    st.cases.tick(cid, "id_taken", CLERK)
    clock.set(at(10, 33))
    st.cases.complete(cid, None, CLERK, note=NOTES[1])
    finish(tid, at(10, 26), at(10, 33), "C")

    # B2: PIN reset (counter 3)
    tid = serve("B2", 3, at(10, 40), at(10, 42))
    cid = st.cases.open(3, CLERK, "pin_reset", ticket_id=tid).id
    for step in ("id_checked", "processed", "explained"):
        st.cases.tick(cid, step, CLERK)
    clock.set(at(10, 52))
    st.cases.complete(cid, "done", CLERK)
    finish(tid, at(10, 42), at(10, 52), "B")

    # walk-ups without a ticket
    clock.set(at(11, 0))
    cid = st.cases.open(3, CLERK, "card_cancel").id
    for step in ("id_checked", "processed", "explained"):
        st.cases.tick(cid, step, CLERK)
    st.cases.complete(cid, "done", CLERK)
    cid = st.cases.open(2, CLERK, "application_support").id
    st.cases.tick(cid, "explained", CLERK)
    st.cases.complete(cid, "online", CLERK)
    cid = st.cases.open(2, CLERK, "inquiry").id
    st.cases.tick(cid, "answered", CLERK)
    st.cases.complete(cid, "answered", CLERK)

    # the phone desk
    clock.set(at(13, 0))
    ph = st.phone
    ph.record(1, CLERK)
    ph.record(1, CLERK)
    ph.record(2, CLERK, content=f"受取に必要なもの（{SECRET}A）", response="交付通知書と本人確認書類")
    ph.record(3, CLERK, content=f"休日の予約（{SECRET}B）")
    ph.record(6, CLERK, content=f"公金口座の登録方法（{SECRET}C）", response="マイナポータルで登録できます")
    ph.record(4, CLERK, content=f"通知書が届かない（{SECRET}D）", lookup_ref=CARDS[2].notice_no)
    try:
        ph.record(4, CLERK, content=f"申請から2か月、通知書が来ない（{SECRET}E）", lookup_ref=CARDS[3].application_id)
    except Conflict:
        r.stale_refused = True
    ph.record(4, CLERK, content=f"申請から2か月、通知書が来ない（{SECRET}E）", lookup_ref=CARDS[3].application_id,
              escalation="notice_not_arrived", caller_name=CALLERS[2][0], caller_phone=CALLERS[2][1])
    ph.record(1, CLERK, content=f"申請書をなくした（{SECRET}F）", escalation="preprint",
              caller_name=CALLERS[1][0], caller_phone=CALLERS[1][1])
    ph.record(10, CLERK, content=f"説明がわかりにくい（{SECRET}G）", escalation="complaint",
              caller_name=CALLERS[0][0], caller_phone=CALLERS[0][1])
    ph.record(9, CLERK)
    r.used_names += [n for n, _ in CALLERS]
    r.kept_names += [CARDS[2].name_kana or "", CARDS[3].name_kana or ""]

    # city staff take and close every handover
    clock.set(at(15, 0))
    for h in st.cases.handovers():
        st.cases.take(h.id, STAFF)
        st.cases.close_handover(h.id, STAFF)
    clock.set(at(17, 30))
    return r
