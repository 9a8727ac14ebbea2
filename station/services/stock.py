"""Card stock use cases (D-BO-1..4, D-TEL-4): import the issuance list, move cards through their
lifecycle, shelve them in boxes, find them fast, and list deadlines.

Rules live in station.domain.stock (state machine, shelving, deadlines) and station.domain.stock_csv
(the file); this module adds the database, the clock and the audit log. Every change commits with its
audit entry; audit entries and card events carry numbers and reasons only, never a name or birth date.

Import: the whole file or nothing. Bad rows (in the file, or duplicating cards already in stock) are all
reported and nothing is written. The same file again (same bytes, by SHA-256) changes nothing and says
which batch already holds it. Rows are written with one bulk statement per chunk — executemany on
SQLite, COPY on PostgreSQL — and the unique constraints are the final guard against a duplicate: when one
fires (a concurrent import), the transaction is rolled back and the duplicates are named.

Bulk transitions (mailing a range or a stack of scanned notices) write one card event per card and one
audit entry for the operation (range or count, date), so the audit log stays readable.
"""

from __future__ import annotations

import collections
import contextlib
import dataclasses
import gc
import hashlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from station.clock import Clock
from station.config import StationSettings
from station.domain import stock as rules
from station.domain.barcodes import BarcodeError, make_box_label, normalize_input, parse_notice_number
from station.domain.calendar import business_date
from station.domain.card_record import CardRecord, CardStatus, NoticeType
from station.domain.stock_csv import ImportReport, parse_stock_csv
from station.events import EventBus
from station.services import audit
from station.services.audit import Actor
from station.services.errors import Conflict, Invalid, NotFound
from station.store.models_stock import Card, CardEvent, StockImportBatch

CHUNK = 5000
_LOOKUP_CHUNK = 500
ProgressFn = Callable[[int, int], None]
# Columns written by the bulk import, in this order.
INSERT_COLUMNS = (
    "manufacturing_no", "notice_no", "application_id", "name_kana", "birth_date", "application_date",
    "notice_type", "is_renewal", "has_juki_card", "delivery_lot", "status", "box", "position", "batch_id",
    "updated_at",
)


@contextlib.contextmanager
def _gc_paused() -> Iterator[None]:
    """No cyclic garbage collection while a big file becomes rows: the rows are acyclic tuples, and the
    collector's full passes over a heap growing by 100,000 of them cost a fifth of the import."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


class ImportRejected(Invalid):
    """The file has bad rows; nothing was imported. ``report`` lists every one."""

    def __init__(self, report: ImportReport) -> None:
        ja, en = report.summary_ja_en()
        super().__init__(ja, en, rows=report.row_count, bad_rows=len(report.bad_lines), encoding=report.encoding,
                         problems=[p.as_dict() for p in report.problems])
        self.report = report


@dataclass(frozen=True)
class ImportResult:
    batch_id: int
    imported: int  # cards added now (0 when the file was imported before)
    already_imported: bool
    encoding: str
    first_box: int | None
    last_box: int | None
    file_sha256: str


@dataclass(frozen=True)
class CardSummary:
    """A card as lists show it: numbers, status, slot, dates — no personal data."""

    id: int
    manufacturing_no: str
    notice_no: str
    application_id: str
    application_date: date
    notice_type: str
    is_renewal: bool
    has_juki_card: bool
    delivery_lot: str
    status: str
    status_ja: str
    defect_reason: str | None
    return_reason: str | None
    mailed_on: date | None
    receipt_deadline: date | None
    box: int | None
    position: int | None
    box_label: str | None


@dataclass(frozen=True)
class CardView(CardSummary):
    """One card with its holder's personal fields (None once purged): for the single-card lookup only."""

    name_kana: str | None
    birth_date: date | None
    batch_id: int
    past_deadline: bool

    def record(self) -> CardRecord:
        return CardRecord(
            manufacturing_no=self.manufacturing_no, notice_no=self.notice_no, application_id=self.application_id,
            name_kana=self.name_kana, birth_date=self.birth_date, application_date=self.application_date,
            notice_type=NoticeType(self.notice_type), is_renewal=self.is_renewal,
            has_juki_card=self.has_juki_card, delivery_lot=self.delivery_lot, status=CardStatus(self.status),
            mailed_on=self.mailed_on, receipt_deadline=self.receipt_deadline, box=self.box, position=self.position,
        )


@dataclass(frozen=True)
class CardEventView:
    at: datetime
    actor: str
    from_status: str
    to_status: str
    reason: str
    detail: str


@dataclass(frozen=True)
class MailResult:
    mailed: int
    mailed_on: date
    receipt_deadline: date
    skipped: dict[str, int]  # status → count of cards in the range left alone (range mailing only)


@dataclass(frozen=True)
class BoxView:
    box: int
    label: str
    count: int
    first_manufacturing_no: str
    last_manufacturing_no: str
    delivery_lot: str


@dataclass(frozen=True)
class SlotView:
    box: int
    position: int
    manufacturing_no: str
    notice_no: str
    status: str


@dataclass(frozen=True)
class ApplicationStatus:
    """What the phone desk needs for "my notice has not arrived" (D-TEL-4): no personal data."""

    application_id: str
    notice_no: str
    application_date: date
    days_since_application: int
    status: str
    status_ja: str
    notice_mailed: bool
    mailed_on: date | None
    receipt_deadline: date | None
    handover_suggested: bool  # over stale_application_days and still not mailed
    message_ja: str
    message_en: str


def _summary_fields(c: Card) -> dict[str, Any]:
    return dict(
        id=c.id, manufacturing_no=c.manufacturing_no, notice_no=c.notice_no, application_id=c.application_id,
        application_date=c.application_date, notice_type=c.notice_type, is_renewal=c.is_renewal,
        has_juki_card=c.has_juki_card, delivery_lot=c.delivery_lot, status=c.status,
        status_ja=rules.STATUS_JA[CardStatus(c.status)], defect_reason=c.defect_reason,
        return_reason=c.return_reason, mailed_on=c.mailed_on, receipt_deadline=c.receipt_deadline,
        box=c.box, position=c.position, box_label=make_box_label(c.box) if c.box else None,
    )


def summary_of(c: Card) -> CardSummary:
    return CardSummary(**_summary_fields(c))


class StockService:
    def __init__(self, settings: StationSettings, sessions: sessionmaker[Session], clock: Clock,
                 bus: EventBus | None = None) -> None:
        self.settings = settings
        self.sessions = sessions
        self.clock = clock
        self.bus = bus

    @property
    def cfg(self) -> Any:
        return self.settings.stock

    def today(self) -> date:
        return business_date(self.clock.now())

    @staticmethod
    def _is_pg(s: Session) -> bool:
        return s.get_bind().dialect.name == "postgresql"

    # --- import -----------------------------------------------------------------------------------------
    def check_file(self, data: bytes) -> ImportReport:
        """Parse and validate without writing (also against stock): what an import would say."""
        report = parse_stock_csv(data, self.today())
        with self.sessions() as s:
            self._stock_duplicates(s, report)
        report.sort()
        return report

    def import_file(self, path: Path | str, actor: Actor | None = None,
                    progress: ProgressFn | None = None) -> ImportResult:
        p = Path(path)
        try:
            data = p.read_bytes()
        except OSError as e:
            raise NotFound(f"ファイルを読めません: {p.name}", f"cannot read {p.name}: {e.strerror}") from e
        return self.import_bytes(data, p.name, actor, progress)

    def import_bytes(self, data: bytes, file_name: str = "", actor: Actor | None = None,
                     progress: ProgressFn | None = None) -> ImportResult:
        """Import a カード発行一覧 file: everything, or nothing with ImportRejected naming every bad row."""
        actor = actor or Actor.system()
        now = self.clock.now()
        with self.sessions() as s:  # the same file again: answer before parsing it
            done = self._batch_by_hash(s, hashlib.sha256(data).hexdigest())
            if done is not None:
                return self._already(done)
        try:
            with _gc_paused():
                report = parse_stock_csv(data, business_date(now))
                return self._import(report, file_name, actor, now, progress)
        except IntegrityError:
            pass
        # A unique constraint fired: another import got there first. Say which (or that it was this file).
        with self.sessions() as s:
            done = self._batch_by_hash(s, report.file_sha256)
            if done is not None:
                return self._already(done)
            self._stock_duplicates(s, report)
        report.sort()
        if report.ok:  # pragma: no cover - a constraint fired yet no duplicate is visible now
            raise Conflict("取り込み中に競合しました。もう一度お試しください", "import conflicted; try again")
        raise ImportRejected(report)

    def _batch_by_hash(self, s: Session, sha: str) -> StockImportBatch | None:
        return s.scalars(select(StockImportBatch).where(StockImportBatch.file_sha256 == sha)).first()

    @staticmethod
    def _already(b: StockImportBatch) -> ImportResult:
        return ImportResult(batch_id=b.id, imported=0, already_imported=True, encoding=b.encoding,
                            first_box=b.first_box, last_box=b.last_box, file_sha256=b.file_sha256)

    def _import(self, report: ImportReport, file_name: str, actor: Actor, now: datetime,
                progress: ProgressFn | None) -> ImportResult:
        with self.sessions.begin() as s:
            done = self._batch_by_hash(s, report.file_sha256)
            if done is not None:
                return self._already(done)
            if not report.ok:
                self._stock_duplicates(s, report)
                report.sort()
                raise ImportRejected(report)
            rows = report.rows
            occupied = s.scalars(select(Card.box).where(Card.box.is_not(None)).distinct()).all()
            slots = rules.assign_slots([(r[0], r[9]) for r in rows], self.cfg.box_size, occupied)
            boxes = [sl.box for sl in slots.values()]
            batch = StockImportBatch(
                imported_at=now, actor=actor.name, file_name=file_name[:200], file_sha256=report.file_sha256,
                encoding=report.encoding, row_count=len(rows), first_box=min(boxes), last_box=max(boxes),
            )
            s.add(batch)
            s.flush()
            self._bulk_insert(s, rows, slots, batch.id, now, progress)
            audit.record(s, now, actor, "stock.import", f"batch:{batch.id}",
                         f"rows={len(rows)} boxes={batch.first_box}-{batch.last_box} "
                         f"encoding={report.encoding} sha256={report.file_sha256[:16]}")
            return ImportResult(batch_id=batch.id, imported=len(rows), already_imported=False,
                                encoding=report.encoding, first_box=batch.first_box, last_box=batch.last_box,
                                file_sha256=report.file_sha256)

    def _bulk_insert(self, s: Session, rows: list[tuple[Any, ...]], slots: dict[str, rules.Slot], batch_id: int,
                     now: datetime, progress: ProgressFn | None) -> None:
        """Write the parsed rows (CardRecord field order) as new received cards, chunk by chunk."""
        total = len(rows)
        conn = s.connection()
        received = CardStatus.RECEIVED.value
        kinds = {k: k.value for k in NoticeType}
        if self._is_pg(s):
            import psycopg

            raw = conn.connection.driver_connection
            copy_sql = f"COPY cards ({', '.join(INSERT_COLUMNS)}) FROM STDIN"
            try:
                with raw.cursor() as cur:  # type: ignore[union-attr]
                    for start in range(0, total, CHUNK):
                        with cur.copy(copy_sql) as cp:
                            write = cp.write_row
                            for r in rows[start:start + CHUNK]:
                                box, pos = slots[r[0]]
                                write((r[0], r[1], r[2], r[3], r[4], r[5], kinds[r[6]], r[7], r[8], r[9], received,
                                       box, pos, batch_id, now))
                        if progress:
                            progress(min(start + CHUNK, total), total)
            except psycopg.IntegrityError as e:  # the driver's own: make it SQLAlchemy's, as on SQLite
                raise IntegrityError(copy_sql, None, e) from e
            return
        # SQLite: the driver's executemany, with values bound exactly as SQLAlchemy binds them.
        dialect = conn.dialect
        date_bind = Card.__table__.c.birth_date.type.bind_processor(dialect)
        ts_bind = Card.__table__.c.updated_at.type.bind_processor(dialect)
        stamp = ts_bind(now) if ts_bind else now
        distinct = {r[4] for r in rows} | {r[5] for r in rows}
        dv = {v: (date_bind(v) if date_bind and v is not None else v) for v in distinct}
        sql = (f"INSERT INTO cards ({', '.join(INSERT_COLUMNS)}) "
               f"VALUES ({', '.join('?' * len(INSERT_COLUMNS))})")
        for start in range(0, total, CHUNK):
            chunk = []
            for r in rows[start:start + CHUNK]:
                box, pos = slots[r[0]]
                chunk.append((r[0], r[1], r[2], r[3], dv[r[4]], dv[r[5]], kinds[r[6]], r[7], r[8], r[9], received,
                              box, pos, batch_id, stamp))
            conn.exec_driver_sql(sql, chunk)  # type: ignore[arg-type]
            if progress:
                progress(min(start + CHUNK, total), total)

    def _stock_duplicates(self, s: Session, report: ImportReport) -> None:
        """Add a problem for every good row whose manufacturing or notice number is already in stock."""
        if not report.rows:
            return
        by_mfg = {r[0]: line for r, line in zip(report.rows, report.lines, strict=True)}
        by_notice = {r[1]: line for r, line in zip(report.rows, report.lines, strict=True)}
        for col, keys, column, ja, en in (
            (Card.manufacturing_no, by_mfg, "製造管理番号", "この製造管理番号のカードは既に在庫にあります",
             "a card with this manufacturing number is already in stock"),
            (Card.notice_no, by_notice, "交付通知書番号", "この交付通知書番号のカードは既に在庫にあります",
             "a card with this notice number is already in stock"),
        ):
            values = list(keys)
            for i in range(0, len(values), _LOOKUP_CHUNK):
                for found in s.scalars(select(col).where(col.in_(values[i:i + _LOOKUP_CHUNK]))):
                    report.add(keys[found], column, ja, en)

    # --- lookup -----------------------------------------------------------------------------------------
    def _where_for(self, text: str) -> Any:
        norm = normalize_input(text)
        if len(norm) == 12 and norm.isdigit():
            return Card.manufacturing_no == norm
        try:
            return Card.notice_no == parse_notice_number(norm).canonical
        except BarcodeError as e:
            raise Invalid(f"製造管理番号（数字12桁）か交付通知書番号を入力してください: {e.message_ja}",
                          f"give a manufacturing number (12 digits) or a notice number: {e.message_en}") from None

    def _load(self, s: Session, ref: str | int, lock: bool = False, allow_id: bool = True) -> Card:
        # A card id is at most 8 digits; a notice number typed without its hyphen is 9 characters.
        if isinstance(ref, int) or (allow_id and ref.isdigit() and len(ref) <= 8):
            stmt = select(Card).where(Card.id == int(ref))
        else:
            stmt = select(Card).where(self._where_for(ref))
        if lock and self._is_pg(s):
            stmt = stmt.with_for_update()
        c = s.scalars(stmt).first()
        if c is None:
            raise NotFound(f"カードが見つかりません: {ref}", f"no card {ref} in stock")
        return c

    def _view(self, c: Card, today: date) -> CardView:
        """From a Card or a Core row of the cards table (same attribute names)."""
        return CardView(**_summary_fields(c), name_kana=c.name_kana, birth_date=c.birth_date,
                        batch_id=c.batch_id,
                        past_deadline=rules.is_past_deadline(c.status, c.receipt_deadline, today))

    def find(self, notice_or_mfg: str) -> CardView:
        """The card for a notice number (as scanned or typed) or a manufacturing number; NotFound if none."""
        where = self._where_for(notice_or_mfg)
        today = self.today()
        with self.engine_connect() as conn:  # one indexed SELECT, no ORM: this is the counter's hot path
            row = conn.execute(select(Card.__table__).where(where)).first()
        if row is None:
            raise NotFound(f"カードが見つかりません: {notice_or_mfg}", f"no card {notice_or_mfg} in stock")
        return self._view(row, today)  # type: ignore[arg-type]

    def engine_connect(self) -> Any:
        return self.sessions.kw["bind"].connect()

    def get(self, card_ref: str | int) -> CardView:
        """By card id (up to 8 digits), manufacturing number or notice number."""
        with self.sessions() as s:
            return self._view(self._load(s, card_ref), self.today())

    def history(self, card_ref: str | int) -> list[CardEventView]:
        with self.sessions() as s:
            c = self._load(s, card_ref)
            batch = s.get(StockImportBatch, c.batch_id)
            first = CardEventView(at=batch.imported_at, actor=batch.actor, from_status="",  # type: ignore[union-attr]
                                  to_status=CardStatus.RECEIVED.value, reason="import",
                                  detail=f"batch:{c.batch_id}")
            evs = s.scalars(select(CardEvent).where(CardEvent.card_id == c.id).order_by(CardEvent.id))
            return [first, *(CardEventView(e.at, e.actor, e.from_status, e.to_status, e.reason, e.detail)
                             for e in evs)]

    # --- lifecycle --------------------------------------------------------------------------------------
    def transition(self, card_ref: str | int, to: str, actor: Actor | None = None, *, reason: str | None = None,
                   mailed_on: date | None = None) -> CardView:
        """Move one card to ``to`` (Conflict with the reason when the rules forbid it)."""
        actor = actor or Actor.system()
        now = self.clock.now()
        today = business_date(now)
        with self.sessions.begin() as s:
            c = self._load(s, card_ref, lock=True)
            if to == CardStatus.MAILED and mailed_on is None:
                mailed_on = today
            try:
                t = rules.plan_transition(
                    c.status, to, today=today, reason=reason, mailed_on=mailed_on,
                    application_date=c.application_date, deadline=c.receipt_deadline,
                    deadline_days=self.cfg.receipt_deadline_days,
                )
            except rules.StockRuleError as e:
                raise Conflict(e.message_ja, e.message_en, status=c.status) from e
            self._apply(s, c, t, actor, now)
            return self._view(c, today)

    def _apply(self, s: Session, c: Card, t: rules.Transition, actor: Actor, now: datetime) -> None:
        detail = ""
        c.status = t.to_status.value
        c.updated_at = now
        if t.to_status is CardStatus.DEFECT:
            c.defect_reason = t.reason
        elif t.to_status is CardStatus.INSPECTED:
            c.defect_reason = None
        if t.to_status is CardStatus.RETURNED:
            c.return_reason = t.reason
        if t.mailed_on is not None:
            c.mailed_on, c.receipt_deadline = t.mailed_on, t.receipt_deadline
            detail = f"mailed_on={t.mailed_on} deadline={t.receipt_deadline}"
        if t.leaves_shelf and c.box is not None:
            detail = f"slot={make_box_label(c.box)}/{c.position}"
            c.box = c.position = None
        s.add(CardEvent(card_id=c.id, at=now, actor=actor.name, from_status=t.from_status.value,
                        to_status=t.to_status.value, reason=t.reason, detail=detail))
        audit.record(s, now, actor, f"stock.{t.to_status.value}", c.manufacturing_no,
                     f"{t.from_status.value}->{t.to_status.value}" + (f" reason={t.reason}" if t.reason else "")
                     + (f" {detail}" if detail else ""))

    def mark_issued(self, notice_no: str, actor: Actor | None = None) -> CardView:
        """Called by the procedures flow when the card is handed over (ready → issued)."""
        try:
            canonical = parse_notice_number(notice_no).canonical
        except BarcodeError as e:
            raise Invalid(e.message_ja, e.message_en) from None
        return self.transition(canonical, CardStatus.ISSUED.value, actor)

    def mail_range(self, from_mfg: str, to_mfg: str, mailed_on: date, actor: Actor | None = None) -> MailResult:
        """Mark every inspected card from ``from_mfg`` to ``to_mfg`` (inclusive) mailed on ``mailed_on``.

        Cards in the range in any other state (defect, already mailed …) are left alone and counted."""
        a, b = normalize_input(from_mfg), normalize_input(to_mfg)
        for v in (a, b):
            if not (len(v) == 12 and v.isdigit()):
                raise Invalid(f"製造管理番号は数字12桁です: {v}", f"a manufacturing number is 12 digits: {v}")
        if a > b:
            raise Invalid("範囲の始めが終わりより後です", "the range starts after it ends")
        actor = actor or Actor.system()
        now = self.clock.now()
        today = business_date(now)
        with self.sessions.begin() as s:
            stmt = select(Card).where(Card.manufacturing_no.between(a, b)).order_by(Card.manufacturing_no)
            if self._is_pg(s):
                stmt = stmt.with_for_update()
            cards = list(s.scalars(stmt))
            eligible = [c for c in cards if c.status == CardStatus.INSPECTED]
            skipped = dict(collections.Counter(c.status for c in cards if c.status != CardStatus.INSPECTED))
            if not eligible:
                raise Conflict(f"範囲 {a}〜{b} に検品済のカードがありません（{len(cards)}枚）",
                               f"no inspected card in {a}..{b} ({len(cards)} cards in the range)", skipped=skipped)
            try:
                rules.check_mailing_date(mailed_on, today=today,
                                         application_date=max(c.application_date for c in eligible))
            except rules.StockRuleError as e:
                raise Invalid(e.message_ja, e.message_en) from e
            deadline = self._bulk_mail(s, eligible, mailed_on, actor, now)
            audit.record(s, now, actor, "stock.mailed", f"{a}..{b}",
                         f"count={len(eligible)} mailed_on={mailed_on} deadline={deadline} skipped={skipped}")
        return MailResult(len(eligible), mailed_on, deadline, skipped)

    def mail_notices(self, notice_numbers: Sequence[str], mailed_on: date,
                     actor: Actor | None = None) -> MailResult:
        """Mark the cards of scanned notices mailed: all of them, or none with every problem listed."""
        actor = actor or Actor.system()
        now = self.clock.now()
        today = business_date(now)
        problems: list[dict[str, str]] = []
        canon: list[str] = []
        for text in notice_numbers:
            try:
                n = parse_notice_number(text).canonical
            except BarcodeError as e:
                problems.append({"notice_no": text, "reason_ja": e.message_ja, "reason_en": e.message_en})
                continue
            if n not in canon:  # a double scan is harmless
                canon.append(n)
        if not canon and not problems:
            raise Invalid("交付通知書番号がありません", "no notice numbers given")
        with self.sessions.begin() as s:
            found: dict[str, Card] = {}
            for i in range(0, len(canon), _LOOKUP_CHUNK):
                stmt = select(Card).where(Card.notice_no.in_(canon[i:i + _LOOKUP_CHUNK]))
                if self._is_pg(s):
                    stmt = stmt.with_for_update()
                found.update((c.notice_no, c) for c in s.scalars(stmt))
            for n in canon:
                c = found.get(n)
                if c is None:
                    problems.append({"notice_no": n, "reason_ja": "在庫にありません", "reason_en": "not in stock"})
                    continue
                try:
                    rules.plan_transition(c.status, CardStatus.MAILED, today=today, mailed_on=mailed_on,
                                          application_date=c.application_date,
                                          deadline_days=self.cfg.receipt_deadline_days)
                except rules.StockRuleError as e:
                    problems.append({"notice_no": n, "reason_ja": e.message_ja, "reason_en": e.message_en})
            if problems:
                raise Conflict(f"{len(problems)}件の通知書を発送済にできません（1件も変更していません）",
                               f"{len(problems)} notices cannot be marked mailed (nothing was changed)",
                               problems=problems)
            cards = [found[n] for n in canon]
            deadline = self._bulk_mail(s, cards, mailed_on, actor, now)
            audit.record(s, now, actor, "stock.mailed", f"scan:{len(cards)}",
                         f"count={len(cards)} mailed_on={mailed_on} deadline={deadline}")
        return MailResult(len(cards), mailed_on, deadline, {})

    def _bulk_mail(self, s: Session, cards: list[Card], mailed_on: date, actor: Actor, now: datetime) -> date:
        deadline = rules.receipt_deadline(mailed_on, self.cfg.receipt_deadline_days)
        ids = [c.id for c in cards]
        for i in range(0, len(ids), _LOOKUP_CHUNK):
            s.execute(update(Card).where(Card.id.in_(ids[i:i + _LOOKUP_CHUNK]))
                      .values(status=CardStatus.MAILED.value, mailed_on=mailed_on, receipt_deadline=deadline,
                              updated_at=now).execution_options(synchronize_session=False))
        detail = f"mailed_on={mailed_on} deadline={deadline}"
        s.execute(insert(CardEvent), [
            dict(card_id=c.id, at=now, actor=actor.name, from_status=c.status, to_status=CardStatus.MAILED.value,
                 reason="", detail=detail) for c in cards
        ])
        for c in cards:  # keep the loaded objects truthful for the caller
            s.expire(c)
        return deadline

    # --- shelving ---------------------------------------------------------------------------------------
    def boxes(self) -> list[BoxView]:
        """The slot list: every box in use, its range of manufacturing numbers and its card count."""
        with self.sessions() as s:
            rows = s.execute(
                select(Card.box, func.count(), func.min(Card.manufacturing_no), func.max(Card.manufacturing_no),
                       func.min(Card.delivery_lot))
                .where(Card.box.is_not(None)).group_by(Card.box).order_by(Card.box)
            ).all()
        return [BoxView(box, make_box_label(box), n, lo, hi, lot) for box, n, lo, hi, lot in rows]

    def box_slots(self, box: int) -> list[SlotView]:
        with self.sessions() as s:
            rows = s.execute(
                select(Card.position, Card.manufacturing_no, Card.notice_no, Card.status)
                .where(Card.box == box).order_by(Card.position)
            ).all()
        if not rows:
            raise NotFound(f"{make_box_label(box) if 1 <= box <= 9999 else box} にカードはありません",
                           f"no cards in box {box}")
        return [SlotView(box, pos, mfg, notice, st) for pos, mfg, notice, st in rows]

    # --- deadlines --------------------------------------------------------------------------------------
    def overdue(self, today: date | None = None) -> list[CardSummary]:
        """Cards waiting for their holder past the receipt deadline (to be returned), oldest first."""
        today = today or self.today()
        with self.sessions() as s:
            cards = s.scalars(
                select(Card).where(Card.status.in_([st.value for st in rules.AWAITING_HOLDER]),
                                   Card.receipt_deadline < today)
                .order_by(Card.receipt_deadline, Card.manufacturing_no)
            )
            return [summary_of(c) for c in cards]

    def notice_list(self, mailed_on: date) -> list[CardSummary]:
        """Notices mailed on a day with their receipt deadlines, in manufacturing order (D-BO-3)."""
        with self.sessions() as s:
            cards = s.scalars(select(Card).where(Card.mailed_on == mailed_on).order_by(Card.manufacturing_no))
            return [summary_of(c) for c in cards]

    def stale_applications(self, today: date | None = None) -> list[CardSummary]:
        """Applications at least ``stale_application_days`` old whose notice is not mailed (D-TEL-4)."""
        today = today or self.today()
        cutoff = rules.stale_cutoff(today, self.cfg.stale_application_days)
        with self.sessions() as s:
            cards = s.scalars(
                select(Card).where(Card.status.in_([st.value for st in rules.NOT_MAILED]),
                                   Card.application_date <= cutoff)
                .order_by(Card.application_date, Card.manufacturing_no)
            )
            return [summary_of(c) for c in cards]

    def find_by_application(self, application_id_or_notice: str) -> ApplicationStatus | None:
        """For the phone desk: the newest card of an application (by 申請書ID or notice number), or None."""
        norm = normalize_input(application_id_or_notice).replace("-", "")
        if len(norm) == 23 and norm.isdigit():
            where: Any = Card.application_id == norm
        else:
            try:
                where = Card.notice_no == parse_notice_number(application_id_or_notice).canonical
            except BarcodeError as e:
                raise Invalid(f"申請書ID（数字23桁）か交付通知書番号を入力してください: {e.message_ja}",
                              f"give an application ID (23 digits) or a notice number: {e.message_en}") from None
        today = self.today()
        with self.sessions() as s:
            c = s.scalars(select(Card).where(where).order_by(Card.id.desc())).first()
            if c is None:
                return None
            days = (today - c.application_date).days
            stale = rules.is_stale_application(c.status, c.application_date, today, self.cfg.stale_application_days)
            mailed = c.mailed_on is not None
            if stale:
                ja = f"申請から{days}日経過、通知書未発送です。市職員へ引き継いでください"
                en = f"{days} days since application and the notice is not mailed: hand over to city staff"
            elif mailed:
                ja = f"通知書は{c.mailed_on:%Y年%m月%d日}に発送済です（受取期限 {c.receipt_deadline:%Y年%m月%d日}）"
                en = f"notice mailed on {c.mailed_on} (receipt deadline {c.receipt_deadline})"
            else:
                ja = f"申請から{days}日、カードは届いており通知書の発送準備中です"
                en = f"{days} days since application; the card is here and the notice is being prepared"
            return ApplicationStatus(
                application_id=c.application_id, notice_no=c.notice_no, application_date=c.application_date,
                days_since_application=days, status=c.status, status_ja=rules.STATUS_JA[CardStatus(c.status)],
                notice_mailed=mailed, mailed_on=c.mailed_on, receipt_deadline=c.receipt_deadline,
                handover_suggested=stale, message_ja=ja, message_en=en,
            )


def as_dict(view: object) -> dict[str, Any]:
    return dataclasses.asdict(view)  # type: ignore[call-overload]


def summaries(cards: Iterable[Card]) -> list[CardSummary]:
    return [summary_of(c) for c in cards]
