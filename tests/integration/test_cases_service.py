"""Counter cases on SQLite and PostgreSQL: issuance, returns with the 持ち物案内 slip, renewal, insurance
support, simple procedures, handover with purge, undo, audit and counts. Slips go through the real printer
driver to the TCP printer simulator; card reads arrive as the device manager publishes them on the bus."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select

from drivers.cardreader import CardInfo, PinState
from drivers.printer import ReceiptPrinter
from simulators.printer import PrinterSimulator
from station.app import Station
from station.domain.barcodes import make_notice_number
from station.domain.card_record import CardRecord, CardStatus, NoticeType
from station.domain.certificate import card_verdict
from station.domain.documents import Presented, Who
from station.events import CardRead, CardRemoved
from station.services.audit import Actor
from station.services.card_lookup import MemoryCardLookup
from station.services.errors import Conflict, Invalid, NotFound
from station.store.models import AuditEntry
from station.store.models_cases import Case, CaseConsent, Handover

CLERK = Actor("clerk1")
STAFF = Actor("city1")
TODAY = dt.date(2026, 12, 1)
NAME = "ケンショウ　タロウ"


def record(i: int, **kw: Any) -> CardRecord:
    base: dict[str, Any] = dict(
        manufacturing_no=f"{260000000000 + i:012d}", notice_no=make_notice_number("CAS", i),
        application_id=f"A{i:05d}", name_kana=NAME, birth_date=dt.date(1980, 5, 5),
        application_date=dt.date(2026, 9, 1), notice_type=NoticeType.NOTIFICATION_CARD, is_renewal=False,
        has_juki_card=False, delivery_lot="L1", status=CardStatus.READY, receipt_deadline=dt.date(2027, 2, 28),
        box=3, position=17,
    )
    base.update(kw)
    return CardRecord(**base)


@pytest.fixture
def printer_sim() -> Iterator[PrinterSimulator]:
    with PrinterSimulator(port=0) as sim:
        yield sim


def _prepare(st: Station, printer_sim: PrinterSimulator) -> Iterator[Station]:
    st.cases.lookup = MemoryCardLookup([
        record(1), record(2, has_juki_card=True), record(3, is_renewal=True),
        record(4, receipt_deadline=dt.date(2026, 11, 30)), record(5, status=CardStatus.MAILED),
        record(6, birth_date=dt.date(2012, 1, 10), notice_type=NoticeType.NUMBER_NOTICE),
    ])
    driver = ReceiptPrinter.network("127.0.0.1", printer_sim.port, timeout=2.0, poll_interval=None)
    st.printer = driver
    yield st
    driver.close()


@pytest.fixture
def st(any_station: Station, printer_sim: PrinterSimulator) -> Iterator[Station]:
    """SQLite and PostgreSQL: for the flows whose storage matters (commits, purge, counts, locking)."""
    yield from _prepare(any_station, printer_sim)


@pytest.fixture
def st1(station: Station, printer_sim: PrinterSimulator) -> Iterator[Station]:
    """SQLite only: for rules that do not depend on the database."""
    yield from _prepare(station, printer_sim)


def tap(st: Station, counter: int = 1, expires_in: int = 1000, auth_tries: int = 3, assist_tries: int = 3,
        mynumber: bool = True) -> None:
    """What the device manager publishes when a card is read on a counter's reader."""
    now = st.clock.now()
    info = CardInfo(card_present=True, is_my_number_card=mynumber,
                    cert_not_after=now + dt.timedelta(days=expires_in) if mynumber else None,
                    auth_pin=PinState(auth_tries, auth_tries == 0), sign_pin=PinState(5, False),
                    assist_pin=PinState(assist_tries, assist_tries == 0))
    before = st.cases.card_on_reader(counter)
    st.bus.publish(CardRead(at=now, counter_id=counter, verdict=card_verdict(info, now.date()).as_dict()))
    # On PostgreSQL events make a round trip through LISTEN/NOTIFY: wait until this read has arrived.
    until(lambda: st.cases.card_on_reader(counter) not in (None, before))


def until(cond: Any, timeout: float = 5.0) -> None:
    import time

    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.005)  # polling a condition with a deadline


def slip(sim: PrinterSimulator, title: str, n: int = 1) -> list[Any]:
    """The printed jobs carrying a slip title (tickets print on the same printer), waiting for n of them."""
    import time

    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        jobs = [j for j in sim.jobs if title in j.text]
        if len(jobs) >= n:
            return jobs
        time.sleep(0.01)  # polling the simulator's job list with a deadline
    raise AssertionError(f"no {n} job(s) with {title!r}: {[j.text[:40] for j in sim.jobs]}")


def flat(text: str) -> str:
    """A slip's text without the line breaks and indents the 48-column wrapping put in."""
    return text.replace("\n", "").replace("　", "")


def issuance_case(st: Station, i: int = 1) -> int:
    t = st.queue.issue("A")
    c = st.cases.open(1, CLERK, ticket_id=t.id)
    assert c.procedure == "issuance" and c.ticket_number == t.number and c.next_step == "notice"
    return c.id


def audit_rows(st: Station) -> list[AuditEntry]:
    with st.sessions() as s:
        return list(s.scalars(select(AuditEntry).order_by(AuditEntry.id)))


def test_whole_issuance_with_juki_card(st: Station) -> None:
    cid = issuance_case(st)
    notice = make_notice_number("CAS", 2)
    c = st.cases.scan_notice(cid, notice.replace("-", "").lower(), CLERK)
    assert c.record["box_label"] == "BOX-0003" and c.record["position"] == 17
    assert c.record["has_juki_card"] and c.record["name_kana"] == NAME and c.record["notice_type_ja"] == "通知カード"
    assert [r["item"] for r in c.checklist] == ["notice", "holder_id", "notification_card", "juki_card"]
    c = st.cases.present_all(cid, CLERK)
    assert c.state == "awaiting_staff" and c.next_step == "staff_check" and c.verdict["complete"]
    with pytest.raises(Conflict):
        st.cases.card_tap(cid, CLERK)  # nothing on the reader yet
    tap(st)
    with pytest.raises(Conflict, match="本市職員"):
        st.cases.card_tap(cid, CLERK)  # the card waits for the city-staff check
    assert [v.id for v in st.cases.awaiting_staff_check()] == [cid]
    c = st.cases.juki_check(cid, True, CLERK)  # may run while city staff look
    c = st.cases.staff_check(cid, STAFF)
    assert c.state == "open" and c.next_step == "card_tap"
    c = st.cases.card_tap(cid, CLERK)
    assert c.card["cert_state"] == "valid"
    with pytest.raises(Conflict):
        st.cases.issue(cid, CLERK)
    c = st.cases.tick(cid, "explained", CLERK)
    c = st.cases.tick(cid, "receipt_copy", CLERK)
    assert c.next_step == "issued"
    c = st.cases.issue(cid, CLERK)
    assert c.outcome == "issued" and c.state == "closed" and c.outcome_ja == "交付済み"
    assert [k["code"] for k in c.collected] == ["notice", "notification_card", "juki_card", "check_sheet",
                                                 "receipt_copy"]
    assert st.cases.lookup.find(notice).status is CardStatus.ISSUED
    steps = [h["step"] for h in c.history]
    assert steps == ["notice", "documents", "juki_check", "staff_check", "card_tap", "explained", "receipt_copy",
                     "issued"]
    assert [h["actor"] for h in c.history][3] == "city1"
    actions = [a.action for a in audit_rows(st) if a.target == f"case:{cid}"]
    assert actions == ["case.open"] + [f"case.{s}" for s in steps]
    counts = st.cases.counts_for(TODAY)
    assert counts["issued"] == 1 and counts["cases"]["issuance"] == {"issued": 1}
    assert counts["collected"]["juki_card"] == 1
    assert st.cases.collected_for(TODAY)[0]["notice_no"] == notice
    with pytest.raises(Conflict):
        st.cases.tick(cid, "explained", CLERK)  # closed


def test_incomplete_documents_print_the_slip_and_return(st: Station, printer_sim: PrinterSimulator) -> None:
    cid = issuance_case(st)
    st.cases.scan_notice(cid, make_notice_number("CAS", 2), CLERK)
    c = st.cases.present_documents(cid, Presented(frozenset({"notice"}), ("health_insurance",)), CLERK)
    assert c.outcome == "returned_documents" and c.state == "closed" and c.documents_slip
    assert c.last_print == {"kind": "documents", "printed": True, "error": None}
    [job] = slip(printer_sim, "持ち物のご案内")
    text = job.text.replace("\n", "").replace("　", "")
    for phrase in ("持ち物のご案内", "本日はカードをお渡しできませんでした", "通知カード", "紛失届",
                   "住民基本台帳カード", "写真のない書類は2点必要です", "交付通知書", "2027年2月28日（日）まで",
                   "平日 8時30分～17時00分", "第1・第3木曜日は19時00分まで", "休日開庁日 9時00分～12時00分",
                   "12月13日（日）", "本日12月1日（火）は17時00分まで", "紛失した場合は紛失届が必要です"):
        assert phrase in text, (phrase, text)
    assert "次の開庁日" not in text  # open today until 17:00: today's hours, not the next day (issue 12)
    assert NAME not in text and "1980" not in text
    assert st.cases.slip_text(cid, "documents").splitlines()[1] == "持ち物のご案内"
    assert st.cases.reprint(cid, "documents", CLERK)["printed"]
    assert len(slip(printer_sim, "持ち物のご案内", 2)) == 2
    counts = st.cases.counts_for(TODAY)
    assert counts["returned_documents"] == 1 and counts["documents_slips"] == 1 and counts["issued"] == 0
    with pytest.raises(Conflict):
        st.cases.undo(cid, CLERK)


def test_printer_fault_leaves_the_slip_reprintable(st1: Station, printer_sim: PrinterSimulator) -> None:
    st = st1
    cid = issuance_case(st)
    st.cases.scan_notice(cid, make_notice_number("CAS", 1), CLERK)
    printer_sim.set_state("paper_out")
    c = st.cases.present_documents(cid, Presented(frozenset({"notice", "notification_card"})), CLERK)
    assert c.outcome == "returned_documents" and c.last_print["printed"] is False and c.last_print["error"]
    printer_sim.set_state("online")
    assert st.cases.reprint(cid, "documents", CLERK)["printed"]
    [job] = slip(printer_sim, "持ち物のご案内")
    assert "ご本人の本人確認書類" in flat(job.text)


def test_renewal_taps_both_cards(st1: Station) -> None:
    st = st1
    cid = issuance_case(st)
    c = st.cases.scan_notice(cid, make_notice_number("CAS", 3), CLERK)
    # the seed lists the number document for renewals too (renewal_needs_number_document = true, issue 12)
    assert [r["item"] for r in c.checklist] == ["notice", "holder_id", "notification_card", "current_card"]
    st.cases.present_all(cid, CLERK)
    st.cases.staff_check(cid, STAFF)
    c = st.cases.juki_check(cid, False, CLERK)
    assert "old_card_tap" in [s["code"] for s in c.steps]
    tap(st, expires_in=20)  # the old card: certificate nearly expired
    c = st.cases.card_tap(cid, CLERK, role="old")
    assert c.old_card["cert_state"] == "renew_soon"
    with pytest.raises(Conflict, match="別のカード"):
        st.cases.card_tap(cid, CLERK, role="new")  # the same read cannot be the new card
    tap(st, expires_in=1800)
    c = st.cases.card_tap(cid, CLERK, role="new")
    st.cases.tick(cid, "explained", CLERK)
    st.cases.tick(cid, "receipt_copy", CLERK)
    c = st.cases.issue(cid, CLERK)
    assert "current_card" in [k["code"] for k in c.collected]
    assert st.cases.counts_for(TODAY)["issued_renewals"] == 1


def test_new_card_must_read_as_my_number_card_with_a_valid_certificate(st1: Station) -> None:
    st = st1
    cid = issuance_case(st)
    st.cases.scan_notice(cid, make_notice_number("CAS", 1), CLERK)
    st.cases.present_all(cid, CLERK)
    st.cases.staff_check(cid, STAFF)
    st.cases.juki_check(cid, False, CLERK)
    tap(st, mynumber=False)
    with pytest.raises(Conflict, match="マイナンバーカード"):
        st.cases.card_tap(cid, CLERK)
    tap(st, expires_in=-5)
    with pytest.raises(Conflict, match="有効ではありません"):
        st.cases.card_tap(cid, CLERK)
    tap(st, counter=2)  # another counter's reader is not ours
    with pytest.raises(Conflict):
        st.cases.card_tap(cid, CLERK)
    st.bus.publish(CardRemoved(at=st.clock.now(), counter_id=1))
    until(lambda: st.cases.card_on_reader(1) is None)
    with pytest.raises(Conflict, match="置いてください"):
        st.cases.card_tap(cid, CLERK)


def test_juki_holder_must_hand_in_the_juki_card(st1: Station) -> None:
    st = st1
    cid = issuance_case(st)
    st.cases.scan_notice(cid, make_notice_number("CAS", 1), CLERK)  # no 住基カード on the stock record
    st.cases.present_all(cid, CLERK)
    with pytest.raises(Conflict, match="住基カード"):
        st.cases.juki_check(cid, True, CLERK)  # the resident records say otherwise: redo the documents


def test_escalations_and_stock_states(st1: Station) -> None:
    st = st1
    cid = issuance_case(st)
    with pytest.raises(Invalid, match="チェックディジット"):
        good = make_notice_number("CAS", 1)
        st.cases.scan_notice(cid, good[:-1] + str((int(good[-1]) + 1) % 10), CLERK)
    with pytest.raises(NotFound):
        st.cases.scan_notice(cid, make_notice_number("CAS", 99), CLERK)
    with pytest.raises(Conflict, match="まだ交付できません"):
        st.cases.scan_notice(cid, make_notice_number("CAS", 5), CLERK)
    st.cases.scan_notice(cid, make_notice_number("CAS", 4), CLERK)
    c = st.cases.present_all(cid, CLERK)  # the receipt deadline has passed: city staff decide
    assert c.state == "handed_over" and c.handover["reason"] == "document_check"
    [h] = st.cases.handovers()
    assert h.case_id == cid and h.from_step == "documents"


def test_proxy_for_work_is_returned_with_the_reason(st1: Station, printer_sim: PrinterSimulator) -> None:
    st = st1
    cid = issuance_case(st)
    st.cases.scan_notice(cid, make_notice_number("CAS", 1), CLERK)
    p = Presented(frozenset({"notice", "notification_card", "delegation", "proxy_proof"}), ("driving_licence",),
                  Who.PROXY, "work", ("passport",))
    c = st.cases.present_documents(cid, p, CLERK)
    assert c.outcome == "returned_documents"
    assert "代理人の理由が「仕事のため」" in c.verdict["problems"][0]["ja"]
    [job] = slip(printer_sim, "持ち物のご案内")
    assert "就業等のため来庁できない場合" in flat(job.text)


def test_under_15_needs_the_guardian(st1: Station) -> None:
    st = st1
    cid = issuance_case(st)
    c = st.cases.scan_notice(cid, make_notice_number("CAS", 6), CLERK)
    assert c.record["under_guardian_age"] and c.record["age"] == 14
    assert [r["item"] for r in c.checklist][-2:] == ["guardian", "guardian_id"]
    c = st.cases.present_all(cid, CLERK)
    assert c.state == "awaiting_staff"


def test_undo_where_safe(st1: Station) -> None:
    st = st1
    cid = issuance_case(st)
    with pytest.raises(Conflict, match="取り消せる手順"):
        st.cases.undo(cid, CLERK)
    st.cases.scan_notice(cid, make_notice_number("CAS", 1), CLERK)
    c = st.cases.undo(cid, CLERK)
    assert c.record is None and c.next_step == "notice"
    st.cases.scan_notice(cid, make_notice_number("CAS", 2), CLERK)
    st.cases.present_all(cid, CLERK)
    c = st.cases.undo(cid, CLERK)  # the set was complete: back to the checklist
    assert c.state == "open" and c.next_step == "documents" and c.verdict is None
    st.cases.present_all(cid, CLERK)
    c = st.cases.staff_check(cid, STAFF)
    assert not c.can_undo
    with pytest.raises(Conflict, match="取り消せません"):
        st.cases.undo(cid, CLERK)
    st.cases.juki_check(cid, True, CLERK)
    c = st.cases.undo(cid, CLERK)
    assert c.juki is None and c.next_step == "juki_check"
    assert [h["undone"] for h in c.history].count(True) == 3
    assert [a.action for a in audit_rows(st)].count("case.undo") == 3


def test_insurance_with_renew_soon_prints_guidance_and_counts(st: Station, printer_sim: PrinterSimulator) -> None:
    t = st.queue.issue("D")
    c = st.cases.open(1, CLERK, ticket_id=t.id)
    assert c.procedure == "insurance" and c.next_step == "card_tap"
    tap(st, expires_in=30)
    c = st.cases.card_tap(cid := c.id, CLERK)
    assert c.renewal_guidance and c.state == "open" and c.next_step == "pins_known"
    [job] = slip(printer_sim, "電子証明書の更新のご案内")
    assert "あと30日" in flat(job.text) and "2026年12月31日" in flat(job.text)
    with pytest.raises(Conflict):
        st.cases.consents(cid, ["insurance"], ["insurance_irrevocable"], CLERK)  # PINs first
    st.cases.tick(cid, "pins_known", CLERK)
    with pytest.raises(Conflict, match="説明"):  # D-INS: explained before the consents (issue 12)
        st.cases.consents(cid, ["insurance"], ["insurance_irrevocable"], CLERK)
    st.cases.tick(cid, "insurance_explained", CLERK)
    with pytest.raises(Conflict, match="本人名義"):
        st.cases.consents(cid, ["insurance", "public_funds"], ["insurance_irrevocable"], CLERK)
    with pytest.raises(Invalid):
        st.cases.consents(cid, ["lottery"], [], CLERK)
    st.clock.advance(minutes=3)
    c = st.cases.consents(cid, ["insurance", "public_funds"], ["insurance_irrevocable", "public_funds_own_name"],
                          CLERK)
    assert [k["kind"] for k in c.consents] == ["insurance_irrevocable", "public_funds_own_name"]
    assert all(k["clerk"] == "clerk1" and k["at"].startswith("2026-12-01T01:03") for k in c.consents)
    c = st.cases.applied(cid, CLERK)
    assert c.outcome == "applied" and c.insurance_applied and c.public_funds_registered
    counts = st.cases.counts_for(TODAY)
    assert counts["renewal_guidance"] == 1 and counts["insurance_applications"] == 1
    assert counts["public_funds_registrations"] == 1 and counts["cases"]["insurance"] == {"applied": 1}
    assert counts["consents"] == {"insurance_irrevocable": 1, "public_funds_own_name": 1}


@pytest.mark.parametrize(("kw", "outcome", "text_in"), [
    ({"auth_tries": 0}, "pin_reset_first", "暗証番号の再設定のご案内"),
    ({"assist_tries": 0}, "pin_reset_first", "券面事項入力補助用"),
    ({"expires_in": -3}, "renewal_first", "有効期限が切れています"),
])
def test_insurance_routes_to_pin_reset_or_renewal_first(st1: Station, printer_sim: PrinterSimulator,
                                                        kw: dict[str, int], outcome: str, text_in: str) -> None:
    st = st1
    c = st.cases.open(1, CLERK, procedure="insurance")
    tap(st, **kw)
    c = st.cases.card_tap(c.id, CLERK)
    assert c.outcome == outcome and c.state == "closed"
    [job] = slip(printer_sim, "ご案内")
    assert text_in in flat(job.text)
    linked = st.cases.open_linked(c.id, "pin_reset" if outcome == "pin_reset_first" else "cert_renewal", CLERK)
    assert linked.linked_case_id == c.id
    key = "pin_reset_guidance" if outcome == "pin_reset_first" else "renewal_guidance"
    assert st.cases.counts_for(TODAY)[key] == 1


def test_simple_and_handover_procedures(st1: Station) -> None:
    st = st1
    c = st.cases.open(1, CLERK, procedure="cert_renewal")
    with pytest.raises(Conflict, match="まだ済んでいない"):
        st.cases.complete(c.id, None, CLERK)
    for step in ("id_checked", "processed", "explained"):
        st.cases.tick(c.id, step, CLERK)
    assert st.cases.complete(c.id, None, CLERK).outcome == "done"
    c = st.cases.open(None, CLERK, procedure="application_support")  # a walk-up, no counter
    st.cases.tick(c.id, "explained", CLERK)
    with pytest.raises(Invalid):
        st.cases.complete(c.id, None, CLERK)
    assert st.cases.complete(c.id, "express", CLERK).outcome == "express"
    c = st.cases.open(1, CLERK, procedure="card_cancel")
    for step in ("id_checked", "processed", "explained"):
        st.cases.tick(c.id, step, CLERK)
    assert [k["code"] for k in st.cases.complete(c.id, None, CLERK).collected] == ["current_card"]
    c = st.cases.open(1, CLERK, procedure="preprint")
    st.cases.tick(c.id, "id_taken", CLERK)
    c = st.cases.complete(c.id, None, CLERK, note="申請書を紛失")
    assert c.state == "handed_over" and c.handover["reason"] == "preprint"
    with pytest.raises(Invalid):
        st.cases.tick(st.cases.open(1, CLERK, procedure="inquiry").id, "nope", CLERK)
    counts = st.cases.counts_for(TODAY)
    assert counts["cases"]["cert_renewal"] == {"done": 1}
    assert counts["cases"]["application_support"] == {"express": 1}
    assert counts["handovers"] == {"preprint": 1}


def test_handover_taken_and_closed_purges_personal_data(st: Station) -> None:
    cid = issuance_case(st)
    notice = make_notice_number("CAS", 2)
    st.cases.scan_notice(cid, notice, CLERK)
    with pytest.raises(Invalid):
        st.cases.handover(cid, "boredom", CLERK)
    c = st.cases.handover(cid, "complaint", CLERK, note="窓口で大声、説明に納得されず")
    assert c.state == "handed_over" and c.handover["state"] == "waiting" and c.handover["from_step"] == "notice"
    with pytest.raises(Conflict, match="引き継がれています"):
        st.cases.present_all(cid, CLERK)
    [h] = st.cases.handovers()
    assert h.reason_ja == "苦情・トラブル" and h.note
    h = st.cases.take(h.id, STAFF)
    assert h.state == "taken" and h.taken_by == "city1"
    with pytest.raises(Conflict, match="すでに対応"):
        st.cases.take(h.id, Actor("city2"))
    h = st.cases.close_handover(h.id, STAFF)
    assert h.state == "closed" and h.note is None
    assert st.cases.handovers() == []
    with st.sessions() as s:
        row = s.get(Case, cid)
        assert row.notice_no is None and row.data is None and row.purged_at is not None
        assert row.outcome == "handed_over" and row.state == "closed" and row.procedure == "issuance"
        assert s.scalars(select(Handover.note)).all() == [None]
    c = st.cases.get(cid)
    assert c.purged and c.record is None and c.checklist == []
    assert "case.purge" in [a.action for a in audit_rows(st)]
    counts = st.cases.counts_for(TODAY)
    assert counts["handovers"] == {"complaint": 1} and counts["cases"]["issuance"] == {"handed_over": 1}
    with pytest.raises(Conflict):
        st.cases.close_handover(h.id, STAFF)


def test_audit_and_events_carry_no_personal_data(st: Station) -> None:
    seen: list[Any] = []
    st.bus.add_listener(lambda env: seen.append(env.event))
    cid = issuance_case(st)
    notice = make_notice_number("CAS", 2)
    st.cases.scan_notice(cid, notice, CLERK)
    st.cases.handover(cid, "complaint", CLERK, note="ケンショウ様の苦情")
    until(lambda: any(type(e).__name__ == "HandoverUpdated" for e in seen))
    for a in audit_rows(st):
        blob = f"{a.target} {a.detail}"
        assert notice not in blob and "ケンショウ" not in blob and "1980" not in blob
    for ev in seen:
        blob = str(dataclasses.asdict(ev))
        assert notice not in blob and "ケンショウ" not in blob
    assert {type(e).__name__ for e in seen} >= {"CaseUpdated", "HandoverUpdated"}


def test_end_of_day_purge_and_counts_unchanged(st: Station) -> None:
    cid = issuance_case(st)
    st.cases.scan_notice(cid, make_notice_number("CAS", 1), CLERK)
    st.cases.present_documents(cid, Presented(frozenset({"notice"}), ("passport",)), CLERK)
    open_case = st.cases.open(1, CLERK, procedure="inquiry")
    before = st.cases.counts_for(TODAY)
    with pytest.raises(Conflict):
        st.cases.purge(open_case.id, STAFF)
    assert st.cases.purge_day(TODAY, STAFF) == 1
    with st.sessions() as s:
        assert s.get(Case, cid).data is None
    assert st.cases.counts_for(TODAY) == before
    assert st.cases.purge_day(TODAY, STAFF) == 0


def test_change_procedure_and_ticket_reuse(st1: Station) -> None:
    st = st1
    t = st.queue.issue("C")
    c = st.cases.open(1, CLERK, ticket_id=t.id)
    assert c.procedure == "card_change"
    assert st.cases.open(1, CLERK, ticket_id=t.id).id == c.id  # the same ticket's open case
    c = st.cases.change_procedure(c.id, "inquiry", CLERK)
    assert c.procedure == "inquiry" and c.flow == "simple"
    st.cases.tick(c.id, "answered", CLERK)
    with pytest.raises(Conflict):
        st.cases.change_procedure(c.id, "issuance", CLERK)
    with pytest.raises(NotFound):
        st.cases.open(1, CLERK, ticket_id=999999)
    with pytest.raises(Invalid):
        st.cases.open(1, CLERK, procedure="astrology")
    with st.sessions() as s:
        assert s.scalars(select(CaseConsent)).all() == []
    assert st.cases.active_for_counter(1).id == c.id


def test_cards_come_from_the_stock_service(station: Station) -> None:
    """The daemon's own wiring: the card stock answers the notice and becomes issued."""
    from station.domain.stock_csv import write_stock_csv
    from tests.support.stock_data import fake_record

    rec = dataclasses.replace(fake_record(1), birth_date=dt.date(1980, 5, 5))  # not a renewal, no 住基カード
    station.stock.import_bytes(write_stock_csv([rec]))
    for to, kw in (("inspected", {}), ("mailed", {"mailed_on": TODAY}), ("ready", {})):
        station.stock.transition(rec.notice_no, to, STAFF, **kw)
    cid = issuance_case(station)
    c = station.cases.scan_notice(cid, rec.notice_no, CLERK)
    assert c.record["box"] is not None and c.record["name_kana"] == rec.name_kana
    station.cases.present_all(cid, CLERK)
    station.cases.staff_check(cid, STAFF)
    station.cases.juki_check(cid, False, CLERK)
    tap(station)
    station.cases.card_tap(cid, CLERK)
    station.cases.tick(cid, "explained", CLERK)
    station.cases.tick(cid, "receipt_copy", CLERK)
    assert station.cases.issue(cid, CLERK).outcome == "issued"
    assert station.stock.find(rec.notice_no).status == "issued"
