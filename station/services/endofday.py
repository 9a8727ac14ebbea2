"""End of day (D-BO-6) and purge (D-ALL-2).

At the end of each day the supervisor prints the checklist of everything collected from visitors (per case
and counted by kind: notices, 通知カード or 紛失届, check sheets, 交付控, cancelled 住基カード …), hands the
papers to city staff and marks the day handed over. Then the personal data of every closed case of that
day is purged (the case's notice number and working data, its handover note, the phone slips' contents and
caller details, and the name and birth date of the cards issued that day), and the audit log records the
counts. `purge()` (`station purge`) does the same for days older than the retention, refusing what is not
handed over yet unless forced with a reason.

The SQL is in station.store.reports_repo (and the phone and stock repositories for their own tables);
every write commits through the unit of work with its audit entry.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from station.clock import Clock
from station.config import StationSettings
from station.domain.calendar import business_date
from station.events import EventBus
from station.messages import both, text
from station.services.audit import Actor
from station.services.errors import Conflict, Invalid
from station.store import phone_repo, stock_repo
from station.store import reports_repo as repo
from station.store.models_backoffice import BackofficeDay
from station.store.uow import Change, UnitOfWork

# The order of the checklist (D-BO-6); kinds not listed follow alphabetically.
KIND_ORDER = ("notice", "notification_card", "loss_report", "check_sheet", "receipt_copy", "juki_card",
              "current_card")


def _kind_key(kind: str) -> tuple[int, str]:
    return (KIND_ORDER.index(kind) if kind in KIND_ORDER else len(KIND_ORDER), kind)


class EndOfDayService:
    def __init__(self, settings: StationSettings, sessions: sessionmaker[Session], clock: Clock, cases: Any,
                 phone: Any, uow: UnitOfWork | None = None) -> None:
        self.settings = settings
        self.sessions = sessions
        self.clock = clock
        self.cases = cases
        self.phone = phone
        self.uow = uow or UnitOfWork(sessions, EventBus())  # no events of its own
        # Whether city staff confirmed the day's papers (services/followup.py; wired in station/app.py).
        self.has_receipt: Callable[[date], bool] | None = None

    def today(self) -> date:
        return business_date(self.clock.now())

    # --- reading ---------------------------------------------------------------------------------------
    def day_status(self, day: date) -> dict[str, Any] | None:
        """None while the day is not handed over; else who closed it, when, and the counts."""
        with self.sessions() as s:
            d = repo.closed_day(s, day)
            if d is None:
                return None
            return {"date": day.isoformat(), "closed_at": d.closed_at.isoformat(), "closed_by": d.closed_by,
                    "collected": json.loads(d.collected or "{}"), "purged_cases": d.purged_cases,
                    "purged_calls": d.purged_calls, "purged_cards": d.purged_cards}

    def checklist(self, day: date) -> dict[str, Any]:
        """Everything collected on a day, per case and counted by kind (no personal data: ticket numbers)."""
        catalog = self.cases.catalog
        with self.sessions() as s:
            rows = repo.collected_of_day(s, day)
            open_cases, open_handovers = repo.open_counts(s, day)
            still_open = repo.open_cases_of_day(s, day)
        counts: dict[str, int] = {}
        cases = []
        for cid, number, counter, proc, collected, closed_at in rows:
            kinds = sorted((k for k in collected.split(",") if k), key=_kind_key)
            for k in kinds:
                counts[k] = counts.get(k, 0) + 1
            p = catalog.procedure(proc)
            cases.append({"case_id": cid, "ticket_number": number, "counter_id": counter, "procedure": proc,
                          "procedure_ja": p.ja if p else proc,
                          "closed_at": closed_at.isoformat() if closed_at else None,
                          "items": [{"kind": k, "ja": catalog.doc_name(k)[0], "en": catalog.doc_name(k)[1]}
                                    for k in kinds]})
        return {
            "date": day.isoformat(),
            "cases": cases,
            "counts": [{"kind": k, "ja": catalog.doc_name(k)[0], "en": catalog.doc_name(k)[1], "count": n}
                       for k, n in sorted(counts.items(), key=lambda kv: _kind_key(kv[0]))],
            "total_items": sum(counts.values()),
            "open_cases": open_cases,
            "open_handovers": open_handovers,
            "open_list": [self._open_case(catalog, *row) for row in still_open],
            "closed": self.day_status(day),
        }

    @staticmethod
    def _open_case(catalog: Any, cid: int, number: str | None, counter: int | None, proc: str,
                   state: str) -> dict[str, Any]:
        """One case that keeps the day from being purged whole: which, where, and the link to it."""
        p = catalog.procedure(proc)
        where = text("eod.counter", n=counter) if counter else text("eod.no_counter")
        label = text("eod.open_case", case_id=cid, ticket=number or text("eod.no_ticket"), counter=where,
                     procedure=p.ja if p else proc, state=text(f"eod.state.{state}"))
        # awaiting/handed over: the city staff's page; open: the counter's case screen
        href = f"/counter/{counter}/case/{cid}" if counter and state == "open" else f"/staff#case-{cid}"
        return {"case_id": cid, "ticket_number": number, "counter_id": counter, "procedure": proc, "state": state,
                "label_ja": label, "href": href}

    # --- closing a day ----------------------------------------------------------------------------------
    def close_day(self, day: date, actor: Actor) -> dict[str, Any]:
        """The collected papers were handed to city staff: the day is closed and its personal data purged."""
        if day > self.today():
            raise Invalid("reports.day_in_future")
        if self.day_status(day) is not None:
            raise Conflict("reports.day_closed", params={"day": day})
        if (self.settings.backoffice.require_staff_receipt and self.has_receipt is not None
                and not self.has_receipt(day)):
            raise Conflict("followup.receipt_missing", params={"day": day.isoformat()})
        check = self.checklist(day)
        counts = {c["kind"]: c["count"] for c in check["counts"]}
        purged = self._purge_day(day, actor, include_open=False)
        now = self.clock.now()
        with self.uow.change() as ch:
            if repo.closed_day(ch.session, day) is not None:  # another counter closed it meanwhile
                raise Conflict("reports.day_closed", params={"day": day})
            purged["cards"] += self._purge_returned(ch, now, actor)
            repo.add_closed_day(ch.session, BackofficeDay(
                business_date=day, closed_at=now, closed_by=actor.name,
                collected=json.dumps(counts, ensure_ascii=False), purged_cases=purged["cases"],
                purged_calls=purged["calls"], purged_cards=purged["cards"]))
            ch.audit(now, actor, "day.close", f"day:{day.isoformat()}",
                     f"collected={check['total_items']} cases={purged['cases']} calls={purged['calls']} "
                     f"cards={purged['cards']} still_open={check['open_cases']}")
        status = self.day_status(day)
        assert status is not None
        return {**status, "still_open": check["open_cases"]}

    def _purge_day(self, day: date, actor: Actor, include_open: bool) -> dict[str, int]:
        """Purge one day's personal data: cases (with their handover notes and linked phone slips), the other
        phone slips, and the cards issued on those cases. Each part is idempotent."""
        with self.sessions() as s:
            notices = repo.issued_notices(s, day, only_closed=not include_open)
        n_cases = self.cases.purge_day(day, actor, include_open=include_open)
        now = self.clock.now()
        with self.uow.change() as ch:
            n_calls = self.phone.purge_day_in(ch.session, day, now, include_escalated=include_open)
            n_cards = self._purge_cards(ch.session, notices, now)
            if n_calls or n_cards:
                ch.erased()
                ch.audit(now, actor, "personal.purge", f"day:{day.isoformat()}", f"calls={n_calls} cards={n_cards}")
        return {"cases": n_cases, "calls": n_calls, "cards": n_cards}

    def _purge_returned(self, ch: Change, now: datetime, actor: Actor) -> int:
        """Cards that left the stock (returned) keep the holder's data only for `[backoffice] retention_days`
        after they left (issue 13, Low 14): every close and every purge empties the older ones."""
        n = stock_repo.purge_returned(ch.session, now - timedelta(days=self.settings.backoffice.retention_days), now)
        if n:
            ch.erased()
            ch.audit(now, actor, "personal.purge", "returned_cards", f"cards={n}")
        return n

    @staticmethod
    def _purge_cards(s: Session, notices: list[str], now: datetime) -> int:
        """The holder's name and birth date on cards already issued (the card stock keeps them only for the
        counter, models_stock.Card: 'personal: purged after handover')."""
        return stock_repo.purge_issued(s, notices, now)

    # --- purge by retention ------------------------------------------------------------------------------
    def purge(self, actor: Actor, older_than_days: int | None = None, force: bool = False,
              reason: str | None = None) -> dict[str, Any]:
        """Purge personal data of days at least `older_than_days` old (default: [backoffice] retention_days).

        Days handed over (D-BO-6) are purged; a day not handed over, or a case still open or with city
        staff, is refused and listed — unless `force` with a `reason`, which purges them too."""
        days_old = self.settings.backoffice.retention_days if older_than_days is None else older_than_days
        if days_old < 0:
            raise Invalid("reports.days_negative")
        reason = (reason or "").strip()
        if force and not reason:
            raise Invalid("reports.force_needs_reason")
        cutoff = self.today() - timedelta(days=days_old)
        with self.sessions() as s:
            days = sorted(repo.case_days_not_purged(s, cutoff) | phone_repo.days_not_purged(s, cutoff))
            closed = repo.closed_days(s, cutoff)
        refused: list[dict[str, Any]] = []
        totals = {"cases": 0, "calls": 0, "cards": 0}
        for day in days:
            if day not in closed and not force:
                ja, en = both("reports.day_not_handed_over")
                refused.append({"date": day.isoformat(), "reason_ja": ja, "reason_en": en})
                continue
            got = self._purge_day(day, actor, include_open=force)
            for k in totals:
                totals[k] += got[k]
            if not force:
                with self.sessions() as s:
                    still = repo.cases_not_purged(s, day)
                if still:
                    ja, en = both("reports.cases_still_open", n=still)
                    refused.append({"date": day.isoformat(), "cases": still, "reason_ja": ja, "reason_en": en})
        now = self.clock.now()
        with self.uow.change() as ch:
            totals["cards"] += self._purge_returned(ch, now, actor)
            ch.audit(now, actor, "purge", f"older_than:{days_old}",
                     f"days={len(days)} cases={totals['cases']} calls={totals['calls']} cards={totals['cards']} "
                     f"refused={len(refused)} forced={'yes' if force else 'no'}"
                     + (f" reason={reason[:200]}" if force else ""))
        return {"cutoff": cutoff.isoformat(), "older_than_days": days_old, "forced": force,
                "days": [d.isoformat() for d in days], "purged_cases": totals["cases"],
                "purged_calls": totals["calls"], "purged_cards": totals["cards"], "refused": refused}
