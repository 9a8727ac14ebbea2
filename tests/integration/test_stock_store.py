"""Card stock on SQLite and PostgreSQL: import (all or nothing, idempotent), lifecycle with audit,
shelving and lookup, deadlines, the phone desk's application lookup, and the migration."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from station.app import Station
from station.clock import ManualClock
from station.domain.card_record import CardStatus
from station.domain.stock_csv import COLUMNS, write_stock_csv
from station.services.audit import Actor
from station.services.errors import Conflict, Invalid, NotFound
from station.services.stock import ImportRejected
from station.store.models import AuditEntry
from station.store.models_stock import Card, CardEvent, StockImportBatch
from tests.conftest import OPEN_TIME
from tests.support.stock_data import fake_record, fake_records

SAMPLES = Path(__file__).resolve().parents[2] / "config" / "samples"
CLERK = Actor("clerk-a")


def count(st: Station, model: type) -> int:
    with st.sessions() as s:
        return s.scalar(select(func.count()).select_from(model)) or 0


def stock_audit(st: Station) -> list[AuditEntry]:
    """The stock's own audit entries: a new database also starts with the starter manual's import."""
    with st.sessions() as s:
        return list(s.scalars(select(AuditEntry).where(AuditEntry.action.like("stock.%")).order_by(AuditEntry.id)))


def test_sample_files_import_shift_jis_and_utf8_bom(any_station: Station) -> None:
    r1 = any_station.stock.import_file(SAMPLES / "card_issuance_list_sjis.csv", CLERK)
    r2 = any_station.stock.import_file(SAMPLES / "card_issuance_list_utf8.csv", CLERK)
    assert (r1.encoding, r1.imported, r2.encoding, r2.imported) == ("cp932", 20, "utf-8-sig", 20)
    assert count(any_station, Card) == 40
    c = any_station.stock.find("260200000003")
    assert c.name_kana == "サンプル\u3000タロウ" and c.birth_date == date(1975, 3, 3)  # 昭和50年3月3日 in Shift_JIS
    assert c.status == "received" and c.delivery_lot == "L2026-10-B"


def test_ten_thousand_rows_with_one_bad_row_import_nothing_and_name_it(any_station: Station) -> None:
    recs = fake_records(10_000)
    data = bytearray(write_stock_csv(recs))
    lines = data.decode().split("\r\n")
    # Line 5,001 of the file (the 5,000th card): a check digit off by one.
    cells = lines[5000].split(",")
    cells[1] = cells[1][:-1] + str((int(cells[1][-1]) + 1) % 10)
    lines[5000] = ",".join(cells)
    with pytest.raises(ImportRejected) as e:
        any_station.stock.import_bytes("\r\n".join(lines).encode(), "bad.csv", CLERK)
    rep = e.value.report
    assert [(p.line, p.column) for p in rep.problems] == [(5001, "交付通知書番号")]
    assert "チェックディジット" in rep.problems[0].reason_ja and rep.row_count == 10_000
    assert e.value.status_code == 422 and e.value.extra["problems"][0]["line"] == 5001
    assert count(any_station, Card) == 0 and count(any_station, StockImportBatch) == 0
    assert stock_audit(any_station) == []


def test_same_file_twice_is_idempotent(any_station: Station) -> None:
    data = write_stock_csv(fake_records(250))
    first = any_station.stock.import_bytes(data, "a.csv", CLERK)
    assert first.imported == 250 and not first.already_imported and (first.first_box, first.last_box) == (1, 3)
    with any_station.sessions() as s:
        before = s.execute(select(Card.id, Card.manufacturing_no, Card.box, Card.position).order_by(Card.id)).all()
    again = any_station.stock.import_bytes(data, "a-copy.csv", CLERK)
    assert again.already_imported and again.imported == 0 and again.batch_id == first.batch_id
    with any_station.sessions() as s:
        after = s.execute(select(Card.id, Card.manufacturing_no, Card.box, Card.position).order_by(Card.id)).all()
    assert before == after and count(any_station, StockImportBatch) == 1
    assert [e.action for e in stock_audit(any_station)] == ["stock.import"]


def test_duplicates_against_stock_reject_the_whole_file(any_station: Station) -> None:
    any_station.stock.import_bytes(write_stock_csv(fake_records(10)), "a.csv", CLERK)
    # A new file: 5 new cards, then card 3 again (different encoding → different bytes, same card).
    data = write_stock_csv([*fake_records(5, start=100), fake_record(3)], encoding="cp932")
    with pytest.raises(ImportRejected) as e:
        any_station.stock.import_bytes(data, "b.csv", CLERK)
    assert [(p.line, p.column) for p in e.value.report.problems] == [(7, "製造管理番号"), (7, "交付通知書番号")]
    assert "既に在庫" in e.value.report.problems[0].reason_ja
    assert count(any_station, Card) == 10 and count(any_station, StockImportBatch) == 1


def test_file_level_problems_and_stock_duplicates_are_reported_together(any_station: Station) -> None:
    any_station.stock.import_bytes(write_stock_csv(fake_records(3)), "a.csv", CLERK)
    data = write_stock_csv([fake_record(1), fake_record(50)]).replace(b"L2026-11-A\r\n", b"L 1\r\n", 1)
    rep = any_station.stock.check_file(data)
    assert [(p.line, p.column) for p in rep.problems] == [(2, "納品ロット")]  # line 2 is bad in itself
    data = write_stock_csv([fake_record(50), fake_record(1)]).replace(b"L2026-11-A\r\n", b"L 1\r\n", 1)
    with pytest.raises(ImportRejected) as e:
        any_station.stock.import_bytes(data, "c.csv", CLERK)
    assert [(p.line, p.column) for p in e.value.report.problems] == [
        (2, "納品ロット"), (3, "製造管理番号"), (3, "交付通知書番号")]


def test_shelving_order_new_lots_new_boxes_and_lookup(any_station: Station) -> None:
    any_station.settings.stock.box_size = 10
    # Lot A: 25 cards given in reverse order → 3 boxes in manufacturing order.
    any_station.stock.import_bytes(write_stock_csv(list(reversed(fake_records(25)))), "a.csv", CLERK)
    boxes = any_station.stock.boxes()
    assert [(b.label, b.count, b.first_manufacturing_no[-3:], b.last_manufacturing_no[-3:]) for b in boxes] == [
        ("BOX-0001", 10, "000", "009"), ("BOX-0002", 10, "010", "019"), ("BOX-0003", 5, "020", "024")]
    # A later delivery with lower numbers still goes to new boxes: nothing on the shelf moves.
    lot_b = fake_records(4, mfg_base=250_000_000_000, lot="L-B", prefix="TSB")
    r = any_station.stock.import_bytes(write_stock_csv(lot_b), "b.csv", CLERK)
    assert (r.first_box, r.last_box) == (4, 4)
    c = any_station.stock.find(fake_record(13).notice_no.replace("-", ""))  # typed without the hyphen
    assert (c.box, c.position, c.box_label) == (2, 4, "BOX-0002")
    assert any_station.stock.find(fake_record(13).manufacturing_no).id == c.id
    full_width = "".join(chr(ord(ch) + 0xFEE0) for ch in fake_record(13).manufacturing_no)
    assert any_station.stock.find(full_width).id == c.id  # full-width digits from an IME
    slots = any_station.stock.box_slots(3)
    assert [s.position for s in slots] == [1, 2, 3, 4, 5] and slots[0].manufacturing_no.endswith("020")
    with pytest.raises(NotFound):
        any_station.stock.find("260199999999")
    with pytest.raises(Invalid):
        any_station.stock.find("12345")


def test_lifecycle_through_issue_with_events_and_audit(any_station: Station, clock: ManualClock) -> None:
    any_station.stock.import_bytes(write_stock_csv(fake_records(3)), "a.csv", CLERK)
    rec = fake_record(0)
    stock = any_station.stock
    assert stock.transition(rec.manufacturing_no, "inspected", CLERK).status == "inspected"
    with pytest.raises(Conflict) as e:
        stock.mark_issued(rec.notice_no, CLERK)
    assert "検品済から交付済には変更できません" in e.value.message_ja and e.value.status_code == 409
    m = stock.transition(rec.notice_no, "mailed", CLERK, mailed_on=date(2026, 11, 30))
    assert (m.mailed_on, m.receipt_deadline) == (date(2026, 11, 30), date(2027, 2, 28))
    with pytest.raises(Conflict, match="交付前設定"):
        stock.mark_issued(rec.notice_no, CLERK)
    stock.transition(rec.notice_no, "ready", CLERK)
    issued = stock.mark_issued(rec.notice_no.replace("-", "ー"), Actor("counter-2"))
    assert issued.status == "issued" and issued.box is None  # its slot is free again
    with pytest.raises(Conflict, match="変更できません"):
        stock.transition(rec.notice_no, "returned", CLERK, reason="cancelled")
    hist = stock.history(rec.notice_no)
    assert [(h.from_status, h.to_status) for h in hist] == [
        ("", "received"), ("received", "inspected"), ("inspected", "mailed"), ("mailed", "ready"),
        ("ready", "issued")]
    assert hist[-1].actor == "counter-2" and hist[-1].detail == "slot=BOX-0001/1"
    entries = stock_audit(any_station)
    assert [e.action for e in entries] == ["stock.import", "stock.inspected", "stock.mailed", "stock.ready",
                                           "stock.issued"]
    dump = " ".join(f"{e.target} {e.detail}" for e in entries)
    assert rec.name_kana not in dump and "タロウ" not in dump and str(rec.birth_date) not in dump


def test_defect_and_return_reasons(any_station: Station) -> None:
    any_station.stock.import_bytes(write_stock_csv(fake_records(2)), "a.csv", CLERK)
    a = fake_record(0).manufacturing_no
    with pytest.raises(Conflict, match="不良の理由"):
        any_station.stock.transition(a, "defect", CLERK)
    d = any_station.stock.transition(a, "defect", CLERK, reason="photo")
    assert d.defect_reason == "photo" and d.box is None  # a defect leaves the shelf plan (issue 14)
    r = any_station.stock.transition(a, "returned", CLERK, reason="defect")
    assert (r.status, r.return_reason, r.box) == ("returned", "defect", None)
    with pytest.raises(Conflict, match="移行先の状態が不明"):
        any_station.stock.transition(fake_record(1).notice_no, "lost", CLERK)


def test_mail_by_range_and_by_scanned_notices(any_station: Station) -> None:
    stock = any_station.stock
    stock.import_bytes(write_stock_csv(fake_records(10)), "a.csv", CLERK)
    recs = fake_records(10)
    for r in recs[:8]:
        stock.transition(r.manufacturing_no, "inspected", CLERK)
    stock.transition(recs[2].manufacturing_no, "defect", CLERK, reason="print")
    res = stock.mail_range(recs[0].manufacturing_no, recs[5].manufacturing_no, date(2026, 11, 30), CLERK)
    assert res.mailed == 5 and res.skipped == {"defect": 1} and res.receipt_deadline == date(2027, 2, 28)
    assert stock.find(recs[5].notice_no).status == "mailed" and stock.find(recs[2].notice_no).status == "defect"
    assert count(any_station, CardEvent) == 8 + 1 + 5
    # Scanning: one bad notice (not inspected yet) → nothing changes, every problem listed.
    with pytest.raises(Conflict) as e:
        stock.mail_notices([recs[6].notice_no, recs[8].notice_no, "AB1-234567"], date(2026, 12, 1), CLERK)
    assert [p["notice_no"] for p in e.value.extra["problems"]] == ["AB1-234567", recs[8].notice_no]  # type: ignore[index]
    assert stock.find(recs[6].notice_no).status == "inspected"
    res = stock.mail_notices([recs[6].notice_no, recs[7].notice_no, recs[6].notice_no], date(2026, 12, 1), CLERK)
    assert res.mailed == 2 and stock.find(recs[7].notice_no).receipt_deadline == date(2027, 3, 1)
    assert [c.notice_no for c in stock.notice_list(date(2026, 12, 1))] == [recs[6].notice_no, recs[7].notice_no]
    with pytest.raises(Conflict, match="検品済のカードがありません"):
        stock.mail_range(recs[8].manufacturing_no, recs[9].manufacturing_no, date(2026, 12, 1), CLERK)
    with any_station.sessions() as s:
        mails = s.scalars(select(AuditEntry.detail).where(AuditEntry.action == "stock.mailed")).all()
    assert len(mails) == 2 and "count=5" in mails[0]


def test_overdue_and_stale_lists_and_application_lookup(any_station: Station, clock: ManualClock) -> None:
    stock = any_station.stock
    recs = [fake_record(i, application_date=date(2026, 10, 1) + timedelta(days=i * 10)) for i in range(6)]
    # application dates: 10-01 + 10·i days - i days (fake_record shifts by i % 20): …, 10-28, 11-06, 11-15
    stock.import_bytes(write_stock_csv(recs), "a.csv", CLERK)
    for r in recs[:3]:
        stock.transition(r.manufacturing_no, "inspected", CLERK)
        stock.transition(r.manufacturing_no, "mailed", CLERK, mailed_on=date(2026, 11, 1))
    stock.transition(recs[1].manufacturing_no, "ready", CLERK)
    # Deadline 2027-01-30; move the clock past it.
    assert stock.overdue() == []
    clock.set(OPEN_TIME + timedelta(days=61))  # 2027-01-31
    assert [c.manufacturing_no for c in stock.overdue()] == [r.manufacturing_no for r in recs[:3]]
    assert stock.find(recs[0].notice_no).past_deadline
    returned = stock.transition(recs[0].manufacturing_no, "returned", CLERK, reason="deadline_passed")
    assert returned.return_reason == "deadline_passed"
    assert len(stock.overdue()) == 2
    # Stale on 2026-12-01 with 30 days: applied on or before 2026-11-01 and not mailed.
    clock.set(OPEN_TIME)
    stale = stock.stale_applications()
    assert [c.manufacturing_no for c in stale] == [recs[3].manufacturing_no]
    a = stock.find_by_application(recs[3].application_id)
    assert a is not None and a.handover_suggested and a.days_since_application == 34 and not a.notice_mailed
    assert "引き継いで" in a.message_ja
    b = stock.find_by_application(recs[1].notice_no)
    assert b is not None and b.notice_mailed and not b.handover_suggested and b.mailed_on == date(2026, 11, 1)
    assert stock.find_by_application("12345678901234567890123") is None
    with pytest.raises(Invalid):
        stock.find_by_application("not-a-number")


def test_personal_fields_can_be_purged(any_station: Station) -> None:
    any_station.stock.import_bytes(write_stock_csv(fake_records(1)), "a.csv", CLERK)
    with any_station.sessions.begin() as s:
        s.execute(Card.__table__.update().values(name_kana=None, birth_date=None))
    c = any_station.stock.find(fake_record(0).notice_no)
    assert c.name_kana is None and c.birth_date is None and c.record().name_kana is None


def test_migration_matches_the_models(any_station: Station) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from station.store.models import Base

    with any_station.engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn), Base.metadata)
        mine = [d for d in diffs if "card" in repr(d) or "stock_import" in repr(d)]
        assert mine == []
        assert conn.execute(text("SELECT count(*) FROM cards")).scalar() == 0
    assert COLUMNS[0] == "製造管理番号"
    assert CardStatus.RECEIVED.value == "received"
