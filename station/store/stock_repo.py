"""The card stock's SQL (D-BO-1..4): the only code that reads or writes `cards`, `card_events` and
`stock_import_batches`, and the only stock code that knows which database it talks to.

Why here: the bulk import writes with COPY on PostgreSQL and the driver's executemany on SQLite, and row
locks (`FOR UPDATE`) exist only on PostgreSQL; the use cases (station.services.stock) stay the same on both.
Every function takes the caller's Session (or Connection), so a use case decides the transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, Engine, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.sql import Select

from station.domain.card_record import CardStatus, NoticeType
from station.domain.stock import Slot
from station.store.models_stock import Card, CardEvent, StockImportBatch

CHUNK = 5000
LOOKUP_CHUNK = 500
ProgressFn = Callable[[int, int], None]
# Columns written by the bulk import, in this order.
INSERT_COLUMNS = (
    "manufacturing_no", "notice_no", "application_id", "name_kana", "birth_date", "application_date",
    "notice_type", "is_renewal", "has_juki_card", "delivery_lot", "status", "box", "position", "batch_id",
    "updated_at",
)
# How a card is addressed: by its id, its manufacturing number or its notice number.
KEYS = {"id": Card.id, "manufacturing_no": Card.manufacturing_no, "notice_no": Card.notice_no,
        "application_id": Card.application_id}


def is_pg(s: Session | Connection) -> bool:
    bind = s.get_bind() if isinstance(s, Session) else s.engine
    return bind.dialect.name == "postgresql"


def _locked(s: Session, stmt: Select[Any], lock: bool) -> Select[Any]:
    """Row locks where the database has them (PostgreSQL); SQLite serialises writers on its own."""
    return stmt.with_for_update() if lock and is_pg(s) else stmt


# --- import -----------------------------------------------------------------------------------------
def batch_by_hash(s: Session, sha: str) -> StockImportBatch | None:
    return s.scalars(select(StockImportBatch).where(StockImportBatch.file_sha256 == sha)).first()


def get_batch(s: Session, batch_id: int) -> StockImportBatch | None:
    return s.get(StockImportBatch, batch_id)


def occupied_boxes(s: Session) -> list[int]:
    return list(s.scalars(select(Card.box).where(Card.box.is_not(None)).distinct()).all())


def add_batch(s: Session, batch: StockImportBatch) -> int:
    s.add(batch)
    s.flush()
    return batch.id


def existing(s: Session, key: str, values: Sequence[str]) -> Iterable[str]:
    """Which of `values` of column `key` (manufacturing_no, notice_no) are already in stock."""
    col = KEYS[key]
    for i in range(0, len(values), LOOKUP_CHUNK):
        yield from s.scalars(select(col).where(col.in_(values[i:i + LOOKUP_CHUNK])))


def bulk_insert(s: Session, rows: list[tuple[Any, ...]], slots: dict[str, Slot], batch_id: int,
                now: datetime, progress: ProgressFn | None) -> None:
    """Write the parsed rows (CardRecord field order) as new received cards, chunk by chunk: COPY on
    PostgreSQL, the driver's executemany on SQLite. A duplicate raises SQLAlchemy's IntegrityError on both."""
    total = len(rows)
    conn = s.connection()
    received = CardStatus.RECEIVED.value
    kinds = {k: k.value for k in NoticeType}
    if is_pg(s):
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


# --- lookup -----------------------------------------------------------------------------------------
def load(s: Session, key: str, value: str | int, lock: bool = False) -> Card | None:
    """One card by id, manufacturing number or notice number; locked for update when `lock`."""
    return s.scalars(_locked(s, select(Card).where(KEYS[key] == value), lock)).first()


def find_row(engine: Engine, key: str, value: str) -> Any:
    """The counter's hot path: one indexed SELECT on its own connection, no ORM (a Core row)."""
    with engine.connect() as conn:
        return conn.execute(select(Card.__table__).where(KEYS[key] == value)).first()


def newest(s: Session, key: str, value: str) -> Card | None:
    """The newest card of an application (or notice): a re-issued card supersedes the first."""
    return s.scalars(select(Card).where(KEYS[key] == value).order_by(Card.id.desc())).first()


def events_of(s: Session, card_id: int) -> list[CardEvent]:
    return list(s.scalars(select(CardEvent).where(CardEvent.card_id == card_id).order_by(CardEvent.id)))


# --- lifecycle --------------------------------------------------------------------------------------
def add_event(s: Session, event: CardEvent) -> None:
    s.add(event)


def in_range(s: Session, first: str, last: str, lock: bool = False) -> list[Card]:
    stmt = select(Card).where(Card.manufacturing_no.between(first, last)).order_by(Card.manufacturing_no)
    return list(s.scalars(_locked(s, stmt, lock)))


def by_notices(s: Session, notices: Sequence[str], lock: bool = False) -> dict[str, Card]:
    found: dict[str, Card] = {}
    for i in range(0, len(notices), LOOKUP_CHUNK):
        stmt = select(Card).where(Card.notice_no.in_(notices[i:i + LOOKUP_CHUNK]))
        found.update((c.notice_no, c) for c in s.scalars(_locked(s, stmt, lock)))
    return found


def bulk_mail(s: Session, cards: list[Card], mailed_on: date, deadline: date, actor: str, now: datetime) -> None:
    """Mark `cards` mailed with one UPDATE per chunk and one card event each."""
    ids = [c.id for c in cards]
    for i in range(0, len(ids), LOOKUP_CHUNK):
        s.execute(update(Card).where(Card.id.in_(ids[i:i + LOOKUP_CHUNK]))
                  .values(status=CardStatus.MAILED.value, mailed_on=mailed_on, receipt_deadline=deadline,
                          updated_at=now).execution_options(synchronize_session=False))
    detail = f"mailed_on={mailed_on} deadline={deadline}"
    s.execute(insert(CardEvent), [
        dict(card_id=c.id, at=now, actor=actor, from_status=c.status, to_status=CardStatus.MAILED.value,
             reason="", detail=detail) for c in cards
    ])
    for c in cards:  # keep the loaded objects truthful for the caller
        s.expire(c)


def purge_issued(s: Session, notices: list[str], now: datetime) -> int:
    """Empty the holder's name and birth date on cards already issued (end of day, D-ALL-2)."""
    n = 0
    for i in range(0, len(notices), LOOKUP_CHUNK):
        res = s.execute(update(Card).where(Card.notice_no.in_(notices[i:i + LOOKUP_CHUNK]), Card.status == "issued",
                                           Card.personal_purged_at.is_(None))
                        .values(name_kana=None, birth_date=None, personal_purged_at=now)
                        .execution_options(synchronize_session=False))
        n += int(res.rowcount or 0)
    return n


def purge_returned(s: Session, returned_before: datetime, now: datetime) -> int:
    """Empty the holder's name and birth date on cards that left the stock (returned to J-LIS — after a
    defect, a passed deadline or a cancellation) before `returned_before` (issue 13, Low 14). A returned
    card is never handed over, so nothing needs them any more; a defect card still in stock keeps them
    until it leaves."""
    res = s.execute(update(Card).where(Card.status == "returned", Card.personal_purged_at.is_(None),
                                       Card.updated_at <= returned_before)
                    .values(name_kana=None, birth_date=None, personal_purged_at=now)
                    .execution_options(synchronize_session=False))
    return int(res.rowcount or 0)


# --- shelving and deadlines -------------------------------------------------------------------------
def boxes(s: Session) -> list[tuple[int, int, str, str, str]]:
    """(box, count, lowest and highest manufacturing number, lot) of every box in use."""
    return [tuple(r) for r in s.execute(  # type: ignore[misc]
        select(Card.box, func.count(), func.min(Card.manufacturing_no), func.max(Card.manufacturing_no),
               func.min(Card.delivery_lot))
        .where(Card.box.is_not(None)).group_by(Card.box).order_by(Card.box)
    ).all()]


def box_slots(s: Session, box: int) -> list[tuple[int, str, str, str]]:
    """(position, manufacturing number, notice number, status) of one box, in slot order."""
    return [tuple(r) for r in s.execute(  # type: ignore[misc]
        select(Card.position, Card.manufacturing_no, Card.notice_no, Card.status)
        .where(Card.box == box).order_by(Card.position)
    ).all()]


def deadline_before(s: Session, statuses: Iterable[str], day: date, offset: int = 0,
                    limit: int | None = None) -> list[Card]:
    return list(s.scalars(select(Card).where(Card.status.in_(list(statuses)), Card.receipt_deadline < day)
                          .order_by(Card.receipt_deadline, Card.manufacturing_no).offset(offset).limit(limit)))


def mailed_on(s: Session, day: date, offset: int = 0, limit: int | None = None) -> list[Card]:
    return list(s.scalars(select(Card).where(Card.mailed_on == day).order_by(Card.manufacturing_no)
                          .offset(offset).limit(limit)))


def applied_by(s: Session, statuses: Iterable[str], cutoff: date, offset: int = 0,
               limit: int | None = None) -> list[Card]:
    """Pages (offset, limit): a large stock never answers in one piece (issue 13, Medium 7)."""
    return list(s.scalars(select(Card).where(Card.status.in_(list(statuses)), Card.application_date <= cutoff)
                          .order_by(Card.application_date, Card.manufacturing_no).offset(offset).limit(limit)))


# --- the back office by scan (issue 14) -------------------------------------------------------------
def taken_slots(s: Session) -> list[Slot]:
    """Every (box, position) held by a card on the shelf."""
    return [Slot(b, p) for b, p in s.execute(select(Card.box, Card.position).where(Card.box.is_not(None)))]


def in_box(s: Session, box: int, lock: bool = False) -> list[Card]:
    stmt = select(Card).where(Card.box == box).order_by(Card.position)
    return list(s.scalars(_locked(s, stmt, lock)))


def page(s: Session, where: Sequence[Any], order: Sequence[Any], offset: int, limit: int) -> tuple[list[Card], int]:
    """One page of cards matching `where`, and how many match in all."""
    total = int(s.scalar(select(func.count()).select_from(Card).where(*where)) or 0)
    rows = list(s.scalars(select(Card).where(*where).order_by(*order).offset(offset).limit(limit)))
    return rows, total


def overdue_filter(statuses: Iterable[str], day: date) -> tuple[list[Any], list[Any]]:
    return ([Card.status.in_(list(statuses)), Card.receipt_deadline < day],
            [Card.receipt_deadline, Card.manufacturing_no])


def stale_filter(statuses: Iterable[str], cutoff: date) -> tuple[list[Any], list[Any]]:
    return ([Card.status.in_(list(statuses)), Card.application_date <= cutoff],
            [Card.application_date, Card.manufacturing_no])


def status_filter(status: str) -> tuple[list[Any], list[Any]]:
    return [Card.status == status], [Card.manufacturing_no]


def status_counts(s: Session) -> dict[str, int]:
    return {st: int(n) for st, n in s.execute(select(Card.status, func.count()).group_by(Card.status))}


def has_any_batch(s: Session) -> bool:
    return s.scalar(select(func.count()).select_from(StockImportBatch)) != 0


def of_batch(s: Session, batch_id: int) -> list[Card]:
    return list(s.scalars(select(Card).where(Card.batch_id == batch_id).order_by(Card.manufacturing_no)))


def awaiting(s: Session, statuses: Iterable[str], limit: int) -> list[Card]:
    """Cards waiting for their holder, soonest deadline first (the counter's notice list)."""
    return list(s.scalars(select(Card).where(Card.status.in_(list(statuses)))
                          .order_by(Card.receipt_deadline, Card.manufacturing_no).limit(limit)))


def issued_between(s: Session, start: datetime, end: datetime) -> list[tuple[Card, datetime]]:
    """Cards handed over in [start, end), with when (from their lifecycle events)."""
    rows = s.execute(select(Card, CardEvent.at).join(CardEvent, CardEvent.card_id == Card.id)
                     .where(CardEvent.to_status == CardStatus.ISSUED.value, CardEvent.at >= start,
                            CardEvent.at < end).order_by(CardEvent.at))
    return [(c, at) for c, at in rows]
