"""Handing a case to city staff and their queue (D-GUI-2/3, D-OTH-2/4, D-APP-3, D-TEL-2/3/4).

A handover is requested from any step (or as a phone-desk case opens), taken by exactly one city-staff
user, and closed; closing closes the case and purges its personal data (D-ALL-2) in the same transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from station.domain.calendar import business_date
from station.events import CaseUpdated, Event, HandoverUpdated
from station.services.audit import Actor, record
from station.services.cases.core import OPEN_STATES, CaseCore, Work
from station.services.cases.views import CaseView, HandoverView, handover_view
from station.services.errors import Conflict, Invalid, NotFound
from station.store import cases_repo as repo
from station.store.models_cases import Case, CaseStep, Handover


class CaseHandovers(CaseCore):
    def _handover_in(self, s: Session, c: Case, reason: str, from_step: str, note: str | None, actor: Actor,
                     now: datetime, events: list[Event]) -> Handover:
        if self.catalog.handover_reason(reason) is None:
            known = ", ".join(r.code for r in self.catalog.handover_reasons)
            raise Invalid("cases.no_such_reason", params={"reason": reason, "known": known})
        if c.state not in OPEN_STATES:
            raise Conflict("cases.cannot_hand_over")
        h = Handover(case_id=c.id, business_date=c.business_date, reason=reason, from_step=from_step,
                     state="waiting", requested_at=now, requested_by=actor.name, note=note or None)
        s.add(h)
        s.flush()
        c.state = "handed_over"
        c.outcome = "handed_over"
        events.append(HandoverUpdated(at=now, handover_id=h.id, case_id=c.id, counter_id=c.counter_id,
                                      reason=reason, state="waiting"))
        return h

    def open_handover_in(self, s: Session, procedure: str, reason: str, note: str | None, actor: Actor,
                         now: datetime) -> tuple[int, int, list[Any]]:
        """A case handed to city staff as it opens, away from any counter (the phone desk, D-TEL-2/3/4), in
        the caller's transaction. Returns (case id, handover id, events the caller publishes with its change)."""
        proc = self._procedure(procedure)
        c = Case(business_date=business_date(now), ticket_id=None, ticket_number=None, counter_id=None,
                 procedure=proc.code, flow=proc.flow, state="open", clerk=actor.name, opened_at=now, collected="",
                 data="{}", renewal_guidance=False, pin_reset_guidance=False, documents_slip=False,
                 insurance_applied=False, public_funds_registered=False)
        s.add(c)
        s.flush()
        record(s, now, actor, "case.open", f"case:{c.id}", f"procedure={proc.code} counter=None")
        events: list[Event] = []
        h = self._handover_in(s, c, reason, "open", note, actor, now, events)
        s.add(CaseStep(case_id=c.id, step="handover", at=now, actor=actor.name, detail=f"reason={reason}"))
        record(s, now, actor, "case.handover", f"case:{c.id}", f"reason={reason}")
        return c.id, h.id, list(events)

    def handover(self, case_id: int, reason: str, actor: Actor, note: str | None = None) -> CaseView:
        """Hand the case to city staff from any step, with a reason from the catalog."""
        if note is not None and len(note) > 500:
            raise Invalid("cases.note_too_long")

        def fn(s: Session, c: Case, data: dict[str, Any], now: datetime, work: Work) -> str:
            done = [st.step for st in repo.live_steps(s, c.id)]
            self._handover_in(s, c, reason, done[-1] if done else "open", note, actor, now, work.events)
            return f"reason={reason}"

        return self._change(case_id, actor, "handover", fn, check_order=False)

    def _handover_change(self, handover_id: int, actor: Actor, to: str,
                         on_close: Callable[[Any, Handover, Case, datetime], None] | None = None) -> HandoverView:
        now = self.clock.now()
        with self.uow.change() as ch:
            s = ch.session
            h = repo.load_handover(s, handover_id, lock=True)
            if h is None:
                raise NotFound("cases.no_such_handover", params={"id": handover_id})
            c = self._load(s, h.case_id, lock=True)
            if to == "taken":
                if h.state != "waiting":
                    raise Conflict("cases.handover_taken" if h.taken_by else "cases.handover_taken_anon",
                                   params={"by": h.taken_by or "", "state": h.state}, state=h.state)
                h.state, h.taken_at, h.taken_by = "taken", now, actor.name
            else:
                if h.state == "closed":
                    raise Conflict("cases.handover_closed", state=h.state)
                if h.state == "waiting":
                    h.taken_at, h.taken_by = now, actor.name
                h.state, h.closed_at, h.closed_by = "closed", now, actor.name
                c.state, c.closed_at = "closed", now
            s.add(CaseStep(case_id=c.id, step=f"handover_{to}", at=now, actor=actor.name,
                           detail=f"handover={h.id}", undoable=False))
            ch.audit(now, actor, f"handover.{to}", f"case:{c.id}", f"handover={h.id} reason={h.reason}",
                     ticket_id=c.ticket_id)
            if to == "closed":
                if on_close is not None:  # what city staff did (services/followup.py), same transaction
                    on_close(ch, h, c, now)
                self._purge_in(ch, c, now, actor)  # D-ALL-2: personal data goes once the handover is complete
            ch.publish(HandoverUpdated(at=now, handover_id=h.id, case_id=c.id, counter_id=c.counter_id,
                                       reason=h.reason, state=h.state),
                       CaseUpdated(at=now, case_id=c.id, counter_id=c.counter_id, procedure=c.procedure,
                                   state=c.state, step=f"handover_{to}", outcome=c.outcome,
                                   ticket_number=c.ticket_number))
            s.flush()
            view = handover_view(self.catalog, h, c)
        return view

    def take(self, handover_id: int, actor: Actor) -> HandoverView:
        """A city-staff user takes the handed-over case (one of them, exactly once)."""
        return self._handover_change(handover_id, actor, "taken")

    def close_handover(self, handover_id: int, actor: Actor,
                       on_close: Callable[[Any, Handover, Case, datetime], None] | None = None) -> HandoverView:
        """City staff finished: the case closes and its personal data is purged (D-ALL-2). `on_close(change,
        handover, case, now)` writes the outcome in the same transaction, before the purge."""
        return self._handover_change(handover_id, actor, "closed", on_close)

    def handovers(self, states: tuple[str, ...] = ("waiting", "taken"), day: date | None = None) -> list[HandoverView]:
        with self.sessions() as s:
            return [handover_view(self.catalog, h, c) for h, c in repo.handovers(s, states, day)]

    def get_handover(self, handover_id: int) -> HandoverView:
        with self.sessions() as s:
            h = repo.load_handover(s, handover_id)
            if h is None:
                raise NotFound("cases.no_such_handover", params={"id": handover_id})
            return handover_view(self.catalog, h, repo.load(s, h.case_id))  # type: ignore[arg-type]
