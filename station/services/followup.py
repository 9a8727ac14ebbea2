"""City staff's follow-through (issue 14): close a handover with its outcome, call-backs, urgent trouble
or police, the 業務管理者's forwarding (D-OTH-4) and the end-of-day receipt of collected papers (D-BO-6).

Rules in station.domain.followup; SQL in station.store.followup_repo; every write commits through the
unit of work with its audit entry (codes and counts only). Closing a handover goes through the case
service (`close_handover(…, on_close=…)`), so outcome, close and purge are one transaction.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from station.clock import Clock
from station.domain import followup as rules
from station.domain.calendar import business_date
from station.events import HandoverUpdated, UrgentUpdated
from station.messages import both
from station.services.audit import Actor
from station.services.errors import Conflict, Invalid, NotFound
from station.services.followup_views import (
    CallbackView,
    FollowupCounts,
    HeldView,
    KindCount,
    OutcomeChoice,
    OutcomeView,
    PreprintView,
    ReceiptView,
    UrgentView,
)
from station.store import followup_repo as repo
from station.store.models_followup import (
    Callback,
    HandoverForward,
    HandoverOutcome,
    Preprint,
    StaffReceipt,
    UrgentAlert,
)
from station.store.uow import UnitOfWork


def _conflict(e: rules.FollowupRuleError) -> Invalid:
    return Invalid(e.msg.code, params=e.msg.params)


class FollowupService:
    def __init__(self, sessions: sessionmaker[Session], clock: Clock, uow: UnitOfWork, cases: Any,
                 end_of_day: Any) -> None:
        self.sessions = sessions
        self.clock = clock
        self.uow = uow
        self.cases = cases
        self.end_of_day = end_of_day

    def today(self) -> date:
        return business_date(self.clock.now())

    # --- outcomes ---------------------------------------------------------------------------------------
    @staticmethod
    def outcomes() -> list[OutcomeChoice]:
        """The outcome codes city staff choose from, with their words."""
        return [OutcomeChoice(code=c, label_ja=both(f"followup.outcome.{c}")[0],
                              label_en=both(f"followup.outcome.{c}")[1]) for c in rules.OUTCOMES]

    def close(self, handover_id: int, code: str, note: str, actor: Actor) -> OutcomeView:
        """Close a handover with what was done: the outcome is kept, then the case's personal data purged."""
        try:
            rules.check_outcome(code, note)
        except rules.FollowupRuleError as e:
            raise _conflict(e) from None
        with self.sessions() as s:
            cb = repo.callback_of(s, handover_id)
            if cb is not None and cb.done_at is None and code != "called_back":
                raise Conflict("followup.callback_open")
        return self._close(handover_id, code, note.strip(), actor)

    def _close(self, handover_id: int, code: str, note: str, actor: Actor,
               extra: Any = None) -> OutcomeView:
        def on_close(ch: Any, h: Any, c: Any, now: datetime) -> None:
            repo.add(ch.session, HandoverOutcome(handover_id=h.id, business_date=h.business_date, reason=h.reason,
                                                 code=code, note=note, closed_at=now, closed_by=actor.name))
            ch.audit(now, actor, "handover.outcome", f"handover:{h.id}", f"code={code} reason={h.reason}")
            if extra is not None:
                extra(ch, now)

        self.cases.close_handover(handover_id, actor, on_close=on_close)
        return self.outcome(handover_id)

    def outcome(self, handover_id: int) -> OutcomeView:
        with self.sessions() as s:
            o = repo.outcome(s, handover_id)
            if o is None:
                raise NotFound("followup.no_outcome", params={"id": handover_id})
            ja, en = both(f"followup.outcome.{o.code}")
            return OutcomeView(handover_id=o.handover_id, code=o.code, label_ja=ja, label_en=en, note=o.note,
                               closed_at=o.closed_at, closed_by=o.closed_by)

    # --- call-backs -------------------------------------------------------------------------------------
    def promise_callback(self, handover_id: int, promised_at: datetime, actor: Actor) -> CallbackView:
        """The caller is to be called back: the handover stays open (its data is needed) until done."""
        now = self.clock.now()
        if promised_at.tzinfo is None:
            raise Invalid("followup.time_needs_zone")
        h = self.cases.get_handover(handover_id)
        if h.state == "closed":
            raise Conflict("cases.handover_closed", state=h.state)
        with self.uow.change() as ch:
            if repo.callback_of(ch.session, handover_id) is not None:
                raise Conflict("followup.callback_exists")
            cb = repo.add(ch.session, Callback(handover_id=handover_id, business_date=business_date(now),
                                               promised_at=promised_at, created_at=now, created_by=actor.name))
            ch.audit(now, actor, "callback.promise", f"handover:{handover_id}", f"at={promised_at.isoformat()}")
            ch.publish(HandoverUpdated(at=now, handover_id=handover_id, case_id=h.case_id, counter_id=h.counter_id,
                                       reason=h.reason, state=h.state))
            return self._cb_view(cb, now)

    def callback_done(self, callback_id: int, note: str, actor: Actor) -> CallbackView:
        """Called back: the handover closes (outcome called_back) and its personal data goes."""
        with self.sessions() as s:
            cb = repo.callback(s, callback_id)
            if cb is None:
                raise NotFound("followup.no_callback", params={"id": callback_id})
            if cb.done_at is not None:
                raise Conflict("followup.callback_done")
            handover_id = cb.handover_id

        def mark(ch: Any, now: datetime) -> None:
            row = repo.callback(ch.session, callback_id, lock=True)
            assert row is not None
            row.done_at, row.done_by = now, actor.name
            ch.audit(now, actor, "callback.done", f"handover:{handover_id}",
                     f"late={'yes' if now > row.promised_at else 'no'}")

        try:
            rules.check_outcome("called_back", note)
        except rules.FollowupRuleError as e:
            raise _conflict(e) from None
        self._close(handover_id, "called_back", note.strip(), actor, extra=mark)
        with self.sessions() as s:
            row = repo.callback(s, callback_id)
            assert row is not None
            return self._cb_view(row, self.clock.now())

    def callbacks(self, open_only: bool = False) -> list[CallbackView]:
        now = self.clock.now()
        with self.sessions() as s:
            return [self._cb_view(c, now) for c in repo.callbacks(s, None, open_only)]

    @staticmethod
    def _cb_view(c: Callback, now: datetime) -> CallbackView:
        return CallbackView(id=c.id, handover_id=c.handover_id, promised_at=c.promised_at, created_by=c.created_by,
                            done_at=c.done_at, done_by=c.done_by, late=c.done_at is None and now > c.promised_at)

    # --- the 業務管理者 in the loop (D-OTH-4) -------------------------------------------------------------
    def held_for_manager(self) -> list[HeldView]:
        """Handovers the 業務管理者 must report to city staff first (integrated terminal, J-LIS), not yet passed on."""
        waiting = [h for h in self.cases.handovers(("waiting",)) if rules.needs_manager_first(h.reason)]
        with self.sessions() as s:
            done = repo.forwarded(s, [h.id for h in waiting])
        return [HeldView(handover_id=h.id, reason=h.reason, reason_ja=h.reason_ja, reason_en=h.reason_en,
                         counter_id=h.counter_id, ticket_number=h.ticket_number, requested_at=h.requested_at)
                for h in waiting if h.id not in done]

    def forward(self, handover_id: int, actor: Actor) -> list[HeldView]:
        """The 業務管理者 reported it and hands it over: city staff see it now. Returns what is still held."""
        h = self.cases.get_handover(handover_id)
        if not rules.needs_manager_first(h.reason):
            raise Conflict("followup.not_for_manager")
        now = self.clock.now()
        with self.uow.change() as ch:
            if repo.forwarded(ch.session, [handover_id]):
                raise Conflict("followup.forwarded_already")
            repo.add(ch.session, HandoverForward(handover_id=handover_id, forwarded_at=now, forwarded_by=actor.name))
            ch.audit(now, actor, "handover.forward", f"handover:{handover_id}", f"reason={h.reason}")
            ch.publish(HandoverUpdated(at=now, handover_id=handover_id, case_id=h.case_id, counter_id=h.counter_id,
                                       reason=h.reason, state=h.state))
        return self.held_for_manager()

    # --- preprints (D-APP-3) ---------------------------------------------------------------------------
    def preprint_printed(self, handover_id: int, actor: Actor) -> PreprintView:
        """City staff printed the reissued form: it waits at the visitor's counter (the ID is still held)."""
        h = self.cases.get_handover(handover_id)
        if h.reason != "preprint":
            raise Conflict("followup.not_preprint")
        if h.state == "closed":
            raise Conflict("cases.handover_closed", state=h.state)
        if h.state == "waiting":
            h = self.cases.take(handover_id, actor)
        now = self.clock.now()
        with self.uow.change() as ch:
            if repo.preprint(ch.session, handover_id) is not None:
                raise Conflict("followup.preprint_printed_already")
            p = repo.add(ch.session, Preprint(handover_id=handover_id, business_date=business_date(now),
                                              counter_id=h.counter_id, ticket_number=h.ticket_number,
                                              printed_at=now, printed_by=actor.name))
            ch.audit(now, actor, "preprint.printed", f"handover:{handover_id}", f"counter={h.counter_id}")
            ch.publish(HandoverUpdated(at=now, handover_id=handover_id, case_id=h.case_id, counter_id=h.counter_id,
                                       reason=h.reason, state="printed"))
            return self._pp_view(p)

    def preprint_given(self, handover_id: int, actor: Actor) -> PreprintView:
        """The clerk gave the form to the visitor (and their ID back): the handover closes and is purged."""
        with self.sessions() as s:
            p = repo.preprint(s, handover_id)
            if p is None:
                raise NotFound("followup.no_preprint", params={"id": handover_id})
            if p.given_at is not None:
                raise Conflict("followup.preprint_given_already")

        def mark(ch: Any, now: datetime) -> None:
            row = repo.preprint(ch.session, handover_id, lock=True)
            assert row is not None
            row.given_at, row.given_by = now, actor.name
            ch.audit(now, actor, "preprint.given", f"handover:{handover_id}", f"counter={row.counter_id}")

        self._close(handover_id, "preprint_printed", "", actor, extra=mark)
        with self.sessions() as s:
            row = repo.preprint(s, handover_id)
            assert row is not None
            return self._pp_view(row)

    def preprints(self, counter_id: int | None = None, pending_only: bool = True) -> list[PreprintView]:
        with self.sessions() as s:
            return [self._pp_view(p) for p in repo.preprints(s, counter_id, pending_only)]

    @staticmethod
    def _pp_view(p: Preprint) -> PreprintView:
        return PreprintView(handover_id=p.handover_id, counter_id=p.counter_id, ticket_number=p.ticket_number,
                            printed_at=p.printed_at, printed_by=p.printed_by, given_at=p.given_at,
                            given_by=p.given_by)

    # --- urgent -----------------------------------------------------------------------------------------
    def raise_urgent(self, kind: str, counter_id: int | None, actor: Actor) -> UrgentView:
        """Trouble or police at a counter (D-GUI-2): loud on every city-staff and supervisor screen."""
        try:
            rules.check_urgent(kind)
        except rules.FollowupRuleError as e:
            raise _conflict(e) from None
        now = self.clock.now()
        with self.uow.change() as ch:
            a = repo.add(ch.session, UrgentAlert(business_date=business_date(now), kind=kind, counter_id=counter_id,
                                                 raised_at=now, raised_by=actor.name))
            ch.audit(now, actor, "urgent.raise", f"urgent:{a.id}", f"kind={kind} counter={counter_id}")
            ch.publish(UrgentUpdated(at=now, alert_id=a.id, kind=kind, counter_id=counter_id, state="raised"))
            return self._urgent_view(a)

    def acknowledge(self, alert_id: int, actor: Actor) -> UrgentView:
        """A person has it: the time from raising to this is kept."""
        now = self.clock.now()
        with self.uow.change() as ch:
            a = repo.urgent(ch.session, alert_id, lock=True)
            if a is None:
                raise NotFound("followup.no_urgent", params={"id": alert_id})
            if a.acked_at is not None:
                raise Conflict("followup.urgent_acked", params={"by": a.acked_by or ""})
            a.acked_at, a.acked_by = now, actor.name
            a.ack_seconds = rules.seconds_to_ack(a.raised_at, now)
            ch.audit(now, actor, "urgent.ack", f"urgent:{a.id}", f"seconds={a.ack_seconds}")
            ch.publish(UrgentUpdated(at=now, alert_id=a.id, kind=a.kind, counter_id=a.counter_id,
                                     state="acknowledged", ack_seconds=a.ack_seconds))
            return self._urgent_view(a)

    def open_urgent(self) -> list[UrgentView]:
        with self.sessions() as s:
            return [self._urgent_view(a) for a in repo.urgent_open(s)]

    @staticmethod
    def _urgent_view(a: UrgentAlert) -> UrgentView:
        ja, en = both(f"followup.urgent.{a.kind}")
        return UrgentView(id=a.id, kind=a.kind, label_ja=ja, label_en=en, counter_id=a.counter_id,
                          raised_at=a.raised_at, raised_by=a.raised_by, acked_at=a.acked_at, acked_by=a.acked_by,
                          ack_seconds=a.ack_seconds)

    # --- the end-of-day receipt (D-BO-6) ----------------------------------------------------------------
    def receipt(self, day: date) -> ReceiptView:
        """What the counters recorded as collected on `day`, with city staff's count once given."""
        check = self.end_of_day.checklist(day)
        expected = {c["kind"]: (c["ja"], c["en"], int(c["count"])) for c in check["counts"]}
        with self.sessions() as s:
            r = repo.receipt(s, day)
            got = json.loads(r.received) if r else {}
            exp = json.loads(r.expected) if r else {k: v[2] for k, v in expected.items()}
            mism = json.loads(r.mismatches) if r else []
        names = {k: (v[0], v[1]) for k, v in expected.items()}
        kinds = sorted(set(exp) | set(got), key=lambda k: list(expected).index(k) if k in expected else 99)

        def kc(k: str) -> KindCount:
            ja, en = names.get(k, (k, k))
            return KindCount(kind=k, label_ja=ja, label_en=en, expected=int(exp.get(k, 0)),
                             received=int(got[k]) if k in got else (None if r is None else 0))

        return ReceiptView(date=day, kinds=[kc(k) for k in kinds], received_at=r.received_at if r else None,
                           received_by=r.received_by if r else None,
                           mismatches=[kc(m["kind"]) for m in mism], note=r.note if r else "")

    def receive(self, day: date, received: dict[str, int], note: str, actor: Actor) -> ReceiptView:
        """City staff counted the papers: kept with every mismatch (a mismatch needs a note, and is audited)."""
        if any(n < 0 for n in received.values()):
            raise Invalid("followup.count_negative")
        check = self.end_of_day.checklist(day)
        expected = {c["kind"]: int(c["count"]) for c in check["counts"]}
        mism = rules.compare_receipt(expected, received)
        note = note.strip()
        if mism and not note:
            raise Invalid("followup.mismatch_needs_note", params={"n": len(mism)})
        now = self.clock.now()
        with self.uow.change() as ch:
            if repo.receipt(ch.session, day) is not None:
                raise Conflict("followup.receipt_exists", params={"day": day.isoformat()})
            repo.add(ch.session, StaffReceipt(
                business_date=day, received_at=now, received_by=actor.name, expected=json.dumps(expected),
                received=json.dumps({k: int(v) for k, v in received.items()}),
                mismatches=json.dumps([m.__dict__ for m in mism]), note=note[:200]))
            ch.audit(now, actor, "day.receipt", f"day:{day.isoformat()}",
                     f"kinds={len(expected)} items={sum(received.values())} mismatches={len(mism)}"
                     + "".join(f" {m.kind}:{m.expected}->{m.received}" for m in mism))
        return self.receipt(day)

    def has_receipt(self, day: date) -> bool:
        with self.sessions() as s:
            return repo.receipt(s, day) is not None

    # --- counts -----------------------------------------------------------------------------------------
    def counts(self, day: date | None = None) -> FollowupCounts:
        day = day or self.today()
        with self.sessions() as s:
            outcomes = repo.outcome_counts(s, day)
            alerts = repo.urgent_of_day(s, day)
            cbs = repo.callbacks(s, day, open_only=False)
            r = repo.receipt(s, day)
            pps = repo.preprints_of_day(s, day)
        acked = [a.ack_seconds for a in alerts if a.ack_seconds is not None]
        return FollowupCounts(date=day, outcomes=outcomes, urgent_raised=len(alerts), urgent_acknowledged=len(acked),
                              urgent_ack_seconds_max=max(acked) if acked else None,
                              callbacks_done=sum(1 for c in cbs if c.done_at), callbacks_open=sum(
                                  1 for c in cbs if not c.done_at),
                              receipt=r is not None, receipt_mismatches=len(json.loads(r.mismatches)) if r else 0,
                              preprints_printed=len(pps), preprints_given=sum(1 for p in pps if p.given_at))
