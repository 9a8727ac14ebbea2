"""Importing the カード発行一覧 (D-BO-1): the whole file or nothing.

Bad rows (in the file, or duplicating cards already in stock) are all reported and nothing is written.
The same file again (same bytes, by SHA-256) changes nothing and says which batch already holds it. Rows
are written with one bulk statement per chunk (stock_repo.bulk_insert), and the unique constraints are the
final guard against a duplicate: when one fires (a concurrent import), the transaction is rolled back and
the duplicates are named. A mixin of StockService (apart only to keep each file readable): it uses the
service's settings, sessions, clock and unit of work.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from station.domain import stock as rules
from station.domain.calendar import business_date
from station.domain.stock_csv import ImportReport, parse_stock_csv
from station.services.audit import Actor
from station.services.errors import Conflict, Invalid, NotFound
from station.services.stock.views import CheckResult, ImportResult, ProblemView
from station.store import stock_repo as repo
from station.store.models_stock import StockImportBatch

if TYPE_CHECKING:
    from sqlalchemy.orm import sessionmaker

    from station.clock import Clock
    from station.store.uow import UnitOfWork

ProgressFn = repo.ProgressFn


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


def _already(b: StockImportBatch) -> ImportResult:
    return ImportResult(batch_id=b.id, imported=0, already_imported=True, encoding=b.encoding,
                        first_box=b.first_box, last_box=b.last_box, file_sha256=b.file_sha256)


class StockImport:
    """The import use cases of StockService."""

    sessions: sessionmaker[Session]
    clock: Clock
    uow: UnitOfWork

    @property
    def cfg(self) -> Any:
        raise NotImplementedError

    def today(self) -> date:
        raise NotImplementedError

    # --- import -----------------------------------------------------------------------------------------
    def check_file(self, data: bytes) -> ImportReport:
        """Parse and validate without writing (also against stock): what an import would say."""
        report = parse_stock_csv(data, self.today())
        with self.sessions() as s:
            self._stock_duplicates(s, report)
        report.sort()
        return report

    def check(self, data: bytes) -> CheckResult:
        """`check_file` as the read model the API answers with."""
        rep = self.check_file(data)
        return CheckResult(ok=rep.ok, rows=rep.row_count, encoding=rep.encoding,
                           problems=[ProblemView.model_validate(p.as_dict()) for p in rep.problems])

    def import_file(self, path: Path | str, actor: Actor | None = None,
                    progress: ProgressFn | None = None) -> ImportResult:
        p = Path(path)
        try:
            data = p.read_bytes()
        except OSError as e:
            raise NotFound("stock.file_unreadable", params={"name": p.name, "reason": e.strerror or ""}) from e
        return self.import_bytes(data, p.name, actor, progress)

    def import_bytes(self, data: bytes, file_name: str = "", actor: Actor | None = None,
                     progress: ProgressFn | None = None) -> ImportResult:
        """Import a カード発行一覧 file: everything, or nothing with ImportRejected naming every bad row."""
        actor = actor or Actor.system()
        now = self.clock.now()
        with self.sessions() as s:  # the same file again: answer before parsing it
            done = repo.batch_by_hash(s, hashlib.sha256(data).hexdigest())
            if done is not None:
                return _already(done)
        try:
            with _gc_paused():
                report = parse_stock_csv(data, business_date(now))
                return self._import(report, file_name, actor, now, progress)
        except IntegrityError:
            pass
        # A unique constraint fired: another import got there first. Say which (or that it was this file).
        with self.sessions() as s:
            done = repo.batch_by_hash(s, report.file_sha256)
            if done is not None:
                return _already(done)
            self._stock_duplicates(s, report)
        report.sort()
        if report.ok:  # pragma: no cover - a constraint fired yet no duplicate is visible now
            raise Conflict("stock.import_conflict")
        raise ImportRejected(report)

    def _import(self, report: ImportReport, file_name: str, actor: Actor, now: datetime,
                progress: ProgressFn | None) -> ImportResult:
        with self.uow.change() as ch:
            s = ch.session
            done = repo.batch_by_hash(s, report.file_sha256)
            if done is not None:
                return _already(done)
            if not report.ok:
                self._stock_duplicates(s, report)
                report.sort()
                raise ImportRejected(report)
            rows = report.rows
            slots = rules.assign_slots([(r[0], r[9]) for r in rows], self.cfg.box_size, repo.occupied_boxes(s))
            boxes = [sl.box for sl in slots.values()]
            batch = StockImportBatch(
                imported_at=now, actor=actor.name, file_name=file_name[:200], file_sha256=report.file_sha256,
                encoding=report.encoding, row_count=len(rows), first_box=min(boxes), last_box=max(boxes),
            )
            batch_id = repo.add_batch(s, batch)
            repo.bulk_insert(s, rows, slots, batch_id, now, progress)
            ch.audit(now, actor, "stock.import", f"batch:{batch_id}",
                     f"rows={len(rows)} boxes={batch.first_box}-{batch.last_box} "
                     f"encoding={report.encoding} sha256={report.file_sha256[:16]}")
            return ImportResult(batch_id=batch_id, imported=len(rows), already_imported=False,
                                encoding=report.encoding, first_box=batch.first_box, last_box=batch.last_box,
                                file_sha256=report.file_sha256)

    def _stock_duplicates(self, s: Session, report: ImportReport) -> None:
        """Add a problem for every good row whose manufacturing or notice number is already in stock."""
        if not report.rows:
            return
        by_mfg = {r[0]: line for r, line in zip(report.rows, report.lines, strict=True)}
        by_notice = {r[1]: line for r, line in zip(report.rows, report.lines, strict=True)}
        for key, lines, column, code in (
            ("manufacturing_no", by_mfg, "製造管理番号", "stock.duplicate_manufacturing_no"),
            ("notice_no", by_notice, "交付通知書番号", "stock.duplicate_notice_no"),
        ):
            for found in repo.existing(s, key, list(lines)):
                report.add(lines[found], column, code)
