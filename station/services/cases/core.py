"""The case service's core: opening a case, running one step as one unit of work, reading, counts, purge.

Every write goes through `UnitOfWork.change()`: the case row (locked on PostgreSQL), its step, its audit
entry and its `CaseUpdated`/`HandoverUpdated` events commit together; slips print after the commit
(`Change.then`), so a failed print leaves a reprintable slip. A step answers with the view of the rows it
has just written, built inside its transaction: no second read of the case after the commit.

Card taps: the service listens on the bus for `card_read` events from each counter's reader and uses the
latest read of the case's counter — the browser never tells the server what the card said.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Protocol

from sqlalchemy.orm import Session, sessionmaker

from station.clock import Clock
from station.config import StationSettings
from station.domain import case_flow
from station.domain.calendar import BusinessCalendar, business_date
from station.domain.documents import Who, checklist
from station.domain.messages import Msg
from station.events import CardRead, CardRemoved, CaseUpdated, Envelope, Event, EventBus
from station.messages import text
from station.procedures_catalog import Catalog, ProcedureDef
from station.services.audit import Actor
from station.services.card_lookup import CardLookup
from station.services.cases.slips import PrinterProvider, Slips
from station.services.cases.views import CaseView, case_data, case_view, order_of
from station.services.errors import Conflict, Invalid, NotFound
from station.store import cases_repo as repo
from station.store.models_cases import Case, CaseStep
from station.store.uow import Change, UnitOfWork

OPEN_STATES = case_flow.OPEN_STATES
log = logging.getLogger("station.services.cases")


class TicketLink(Protocol):
    """What the case needs of the queue: the visitor's case drives their ticket (issue 12). Opening the
    case starts service; closing it finishes the ticket and frees the counter. `QueueService` is one."""

    def begin_service(self, ticket_id: int, counter_id: int | None, actor: Actor | None = None) -> Any: ...
    def end_service(self, ticket_id: int, counter_id: int | None, actor: Actor | None = None) -> Any: ...


@dataclass
class Work:
    """What a step leaves for its change besides rows: slips to print after commit, events, a purge."""

    change: Change
    slips: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    purge: bool = False


StepFn = Callable[[Session, Case, dict[str, Any], datetime, Work], str]


def refuse(refusal: tuple[str, Msg, dict[str, Any]] | None) -> None:
    """Raise the service error a domain refusal names."""
    if refusal is None:
        return
    kind, msg, extra = refusal
    raise (Invalid if kind == "invalid" else Conflict)(msg, **extra)


def step_names(proc: ProcedureDef | None, codes: list[str], lang: str) -> list[str]:
    """Steps by their catalog names in one language (the code when the catalog has none)."""
    names = {st.code: (st.ja if lang == "ja" else st.en) for st in proc.steps} if proc else {}
    return [names.get(c, c) for c in codes]


class CaseCore:
    def __init__(
        self,
        settings: StationSettings,
        calendar: BusinessCalendar,
        catalog: Catalog,
        sessions: sessionmaker[Session],
        clock: Clock,
        bus: EventBus,
        lookup: CardLookup,
        printer: PrinterProvider | None = None,
    ) -> None:
        self.settings = settings
        self.catalog = catalog
        self.rules = catalog.document_rules()
        self.sessions = sessions
        self.uow = UnitOfWork(sessions, bus)
        self.clock = clock
        self.bus = bus
        self.lookup = lookup
        self.slips = Slips(settings, calendar, catalog, clock, printer or (lambda: None))
        self._cards: dict[int, dict[str, Any]] = {}
        self._cards_lock = threading.Lock()
        self._counters: dict[int, int] = {}  # case → its counter, fixed when the case opens
        # Called as hook(session, case_id, now) inside every purge's transaction, so a capability that
        # keeps personal data about a case (the phone desk's slips) purges it together (D-ALL-2).
        self.purge_hooks: list[Callable[[Session, int, datetime], None]] = []
        # The queue, wired by the composition root: None in tests of cases alone (then tickets stay as they are).
        self.tickets: TicketLink | None = None
        bus.add_listener(self._on_event)

    @property
    def calendar(self) -> BusinessCalendar:
        return self.slips.calendar

    @calendar.setter
    def calendar(self, value: BusinessCalendar) -> None:  # the daemon reloads the calendar at midnight
        self.slips.calendar = value

    # --- the card reader, as the bus reports it -------------------------------------------------------
    def _on_event(self, env: Envelope) -> None:
        ev = env.event
        if isinstance(ev, CardRead):
            with self._cards_lock:
                self._cards[ev.counter_id] = {"seq": env.seq, "at": ev.at.isoformat(), "verdict": ev.verdict}
        elif isinstance(ev, CardRemoved):
            with self._cards_lock:
                self._cards.pop(ev.counter_id, None)

    def card_on_reader(self, counter_id: int) -> dict[str, Any] | None:
        with self._cards_lock:
            return self._cards.get(counter_id)

    # --- helpers -------------------------------------------------------------------------------------
    def _procedure(self, code: str) -> ProcedureDef:
        p = self.catalog.procedure(code)
        if p is None:
            known = ", ".join(x.code for x in self.catalog.procedures)
            raise Invalid("cases.no_such_procedure", params={"code": code, "known": known})
        return p

    @staticmethod
    def _load(s: Session, case_id: int, lock: bool = False) -> Case:
        c = repo.load(s, case_id, lock=lock)
        if c is None:
            raise NotFound("cases.no_such_case", params={"id": case_id})
        return c

    def _check_step(self, c: Case, data: dict[str, Any], done: set[str], step: str) -> None:
        refusal = case_flow.step_refusal(c.state, c.flow, order_of(self.catalog, c, data), done, step)
        if refusal is not None and refusal[1].code == "cases.do_first":
            proc = self.catalog.procedure(c.procedure)
            nxt = [str(refusal[1].params["step"])]
            raise Conflict(text("cases.do_first", "ja", want=step_names(proc, nxt, "ja")[0]),
                           text("cases.do_first", "en", want=step_names(proc, nxt, "en")[0]), **refusal[2])
        refuse(refusal)

    def _view_in(self, s: Session, c: Case, rows: list[CaseStep] | None = None) -> CaseView:
        """The case's view from the session it was read or changed in (flushed rows, not yet committed);
        `rows`: its steps when the caller has them already."""
        h = repo.latest_handover(s, c.id)
        return case_view(self.catalog, c, repo.steps(s, c.id) if rows is None else rows, repo.consents(s, c.id), h,
                         self.slips.last_print.get(c.id))

    def _change(self, case_id: int, actor: Actor, step: str, fn: StepFn, *,
                undoable: bool = False, check_order: bool = True) -> CaseView:
        """Run one step under the case's row lock: the step, its audit entry and events commit together;
        its slips print after the commit and the answer carries the last print's outcome."""
        now = self.clock.now()
        printed: list[dict[str, Any]] = []
        with self.uow.change() as ch:
            s = ch.session
            work = Work(ch)
            c = self._load(s, case_id, lock=True)
            rows = repo.steps(s, c.id)
            data = case_data(c)
            if check_order:
                self._check_step(c, data, {st.step for st in rows if st.undone_at is None}, step)
            was_open = c.state in OPEN_STATES
            detail = fn(s, c, data, now, work)
            c.data = json.dumps(data, ensure_ascii=False, default=str) if c.purged_at is None else None
            row = CaseStep(case_id=c.id, step=step, at=now, actor=actor.name, detail=detail, undoable=undoable)
            s.add(row)
            ch.audit(now, actor, f"case.{step}", f"case:{c.id}", detail, ticket_id=c.ticket_id)
            if work.purge:
                self._purge_in(ch, c, now, actor)
            ch.publish(*work.events, CaseUpdated(
                at=now, case_id=c.id, counter_id=c.counter_id, procedure=c.procedure, state=c.state, step=step,
                outcome=c.outcome, ticket_number=c.ticket_number))
            for kind, params in work.slips:
                ch.then(lambda k=kind, p=params: printed.append(self.slips.print(case_id, k, p)))
            if was_open and case_flow.ends_visit(c.state, c.outcome):  # the visit ends with its case
                self._then_ticket(ch, "end", c.ticket_id, c.counter_id, actor)
            s.flush()
            view = self._view_in(s, c, [*rows, row])  # the rows as read, and the step just written
        if printed:
            view = view.model_copy(update={"last_print": printed[-1]})
        return self._enrich(view)

    def _ticket(self, what: str, ticket_id: int | None, counter_id: int | None, actor: Actor) -> None:
        """Start or finish the visitor's ticket. A failure here never undoes the case (it has committed):
        it is logged and the clerk can still use S/F on the panel."""
        if ticket_id is None or self.tickets is None:
            return
        try:
            if what == "begin":
                self.tickets.begin_service(ticket_id, counter_id, actor)
            else:
                self.tickets.end_service(ticket_id, counter_id, actor)
        except Exception as exc:  # the case is committed; the panel's S/F still work
            log.warning("ticket %s: %s_service failed: %s", ticket_id, what, type(exc).__name__)

    def _then_ticket(self, ch: Change, what: str, ticket_id: int | None, counter_id: int | None,
                     actor: Actor) -> None:
        """After the case's commit (the queue writes in its own transaction: one SQLite writer at a time)."""
        if ticket_id is not None:
            ch.then(lambda: self._ticket(what, ticket_id, counter_id, actor))

    # --- opening ---------------------------------------------------------------------------------------
    def open(self, counter_id: int | None, actor: Actor, procedure: str | None = None,
             ticket_id: int | None = None, linked_case_id: int | None = None) -> CaseView:
        """Open a case for a called ticket (or a walk-up without one); the same ticket's open case is reused."""
        if counter_id is not None and self.settings.counter(counter_id) is None:
            raise NotFound("cases.no_such_counter", params={"id": counter_id})
        now = self.clock.now()
        number = category = None
        if ticket_id is not None:
            with self.sessions() as s:
                t = repo.ticket(s, ticket_id)
                if t is None:
                    raise NotFound("cases.no_such_ticket", params={"id": ticket_id})
                number, category = t.number, t.category
                existing = repo.open_case_of_ticket(s, ticket_id)
            if existing is not None and (procedure is None or existing[1] == procedure):
                self._ticket("begin", ticket_id, counter_id, actor)
                return self.get(existing[0])
        with self.uow.change() as ch:
            s = ch.session
            proc = self._procedure(procedure) if procedure else self.catalog.default_procedure(category)
            c = Case(business_date=business_date(now), ticket_id=ticket_id, ticket_number=number,
                     counter_id=counter_id, procedure=proc.code, flow=proc.flow, state="open", clerk=actor.name,
                     opened_at=now, linked_case_id=linked_case_id, collected="", data="{}",
                     renewal_guidance=False, pin_reset_guidance=False, documents_slip=False,
                     insurance_applied=False, public_funds_registered=False)
            s.add(c)
            s.flush()
            ch.audit(now, actor, "case.open", f"case:{c.id}",
                     f"procedure={proc.code} counter={counter_id}" + (f" linked={linked_case_id}"
                                                                      if linked_case_id else ""),
                     ticket_id=ticket_id)
            ch.publish(CaseUpdated(at=now, case_id=c.id, counter_id=counter_id, procedure=proc.code, state="open",
                                   step="open", ticket_number=number))
            if counter_id is not None:
                self._counters[c.id] = counter_id
            self._then_ticket(ch, "begin", ticket_id, counter_id, actor)
            view = self._view_in(s, c, [])
        return view  # nothing to enrich: no notice has been scanned on a new case

    def open_linked(self, case_id: int, procedure: str, actor: Actor) -> CaseView:
        """Continue with another procedure for the same visitor (D-ISS-6 insurance, PIN reset first …)."""
        with self.sessions() as s:
            found, counter_id = repo.counter_of(s, case_id)
            ticket_id = repo.ticket_of(s, case_id) if found else None
        if not found:
            raise NotFound("cases.no_such_case", params={"id": case_id})
        # The same visitor, the same ticket: the linked case is theirs (Alt+C finds it; its close ends the visit).
        return self.open(counter_id, actor, procedure, ticket_id=ticket_id, linked_case_id=case_id)

    # --- reading -------------------------------------------------------------------------------------------------
    def exists(self, case_id: int) -> bool:
        """Whether a case exists (the case page checks before rendering its shell)."""
        with self.sessions() as s:
            return repo.exists(s, case_id)

    def get(self, case_id: int) -> CaseView:
        with self.sessions() as s:
            view = self._view_in(s, self._load(s, case_id))
        return self._enrich(view)

    def open_case_of_ticket(self, ticket_id: int, procedure: str | None = None) -> int | None:
        """The id of the ticket's open case that `open` would reuse (read only: the case page's GET)."""
        with self.sessions() as s:
            existing = repo.open_case_of_ticket(s, ticket_id)
        if existing is not None and (procedure is None or existing[1] == procedure):
            return existing[0]
        return None

    def active_for_counter(self, counter_id: int) -> CaseView | None:
        with self.sessions() as s:
            c = repo.active_for_counter(s, counter_id)
            view = self._view_in(s, c) if c else None
        return self._enrich(view) if view else None

    def list(self, day: date | None = None, counter_id: int | None = None, limit: int = 200,
             offset: int = 0) -> list[CaseView]:
        day = day or business_date(self.clock.now())
        with self.sessions() as s:
            return [self._view_in(s, c) for c in repo.for_day(s, day, counter_id, limit, offset)]

    def awaiting_staff_check(self) -> list[CaseView]:
        """Issuance cases whose document set waits for a city-staff check (D-ISS-2)."""
        with self.sessions() as s:
            ids = repo.awaiting_staff_ids(s)
        return [self.get(i) for i in ids]

    def _enrich(self, view: CaseView) -> CaseView:
        """Add what the card stock knows (name for the clerk to confirm, the checklist), outside any
        transaction: the stock lookup opens its own session."""
        if view.purged or not view.record or not view.record.get("notice_no"):
            return view
        full = self.lookup.find(view.record["notice_no"])
        if full is None:
            return view
        record = {**view.record, "name_kana": full.name_kana}
        check = view.checklist
        if view.flow == "issuance":
            who = Who((view.presented or {}).get("who", "holder"))
            check = [{"item": r.item, "ja": r.ja, "en": r.en, "rule": r.rule, "alternatives": list(r.alternatives)}
                     for r in checklist(full, business_date(self.clock.now()), who, self.rules)]
        return view.model_copy(update={"record": record, "checklist": check})

    # --- purge (D-ALL-2) ----------------------------------------------------------------------------------------
    def _purge_in(self, ch: Change, c: Case, now: datetime, actor: Actor) -> None:
        if c.purged_at is not None:
            return
        c.notice_no = None
        c.data = None
        c.purged_at = now
        for h in repo.handovers_of(ch.session, c.id):
            h.note = None
        ch.audit(now, actor, "case.purge", f"case:{c.id}", "notice_no,data,handover_note", ticket_id=c.ticket_id)
        ch.erased()
        for hook in self.purge_hooks:
            hook(ch.session, c.id, now)

    def purge(self, case_id: int, actor: Actor) -> None:
        """Delete the personal data of one closed case (the end-of-day handover calls this)."""
        now = self.clock.now()
        with self.uow.change() as ch:
            c = self._load(ch.session, case_id, lock=True)
            if c.state in OPEN_STATES or c.state == "handed_over":
                raise Conflict("cases.purge_open")
            self._purge_in(ch, c, now, actor)

    def purge_day(self, day: date, actor: Actor, include_open: bool = False) -> int:
        """Purge every closed case of a day (after the D-BO-6 handover); returns how many were purged.
        `include_open`: also cases still open or with city staff (`station purge --force`, with a reason)."""
        now = self.clock.now()
        n = 0
        with self.uow.change() as ch:
            for c in repo.to_purge(ch.session, day, include_open):
                self._purge_in(ch, c, now, actor)
                n += 1
        return n

    # --- counts (D-ALL-1) and the end-of-day list (D-BO-6) ------------------------------------------------------
    def counts_for(self, day: date) -> dict[str, Any]:
        """Every kind of handling on a day, for the supervisor's report: nothing personal."""
        with self.sessions() as s:
            k = repo.counts_for(s, day)
        f = k.flags
        return {
            "date": day.isoformat(), "cases_total": f["cases_total"], "cases": k.by_procedure,
            **{name: f[name] for name in ("issued", "issued_renewals", "returned_documents", "documents_slips",
                                          "renewal_guidance", "pin_reset_guidance", "insurance_applications",
                                          "public_funds_registrations")},
            "consents": k.consents, "handovers": k.handovers, "handovers_total": sum(k.handovers.values()),
            "collected": k.collected, "open": f["open"],
        }

    def collected_for(self, day: date) -> list[dict[str, Any]]:
        """What was collected per case on a day (notices, 通知カード/紛失届, check sheets, 交付控, 住基カード)."""
        with self.sessions() as s:
            return [{"case_id": c.id, "ticket_number": c.ticket_number, "procedure": c.procedure,
                     "notice_no": c.notice_no, "collected": c.collected.split(",")} for c in repo.collected_for(s, day)]

    # --- slips ----------------------------------------------------------------------------------------------
    def slip_text(self, case_id: int, kind: str) -> str:
        """The text of a case's slip (for previews and checks)."""
        return self.slips.receipt(kind, self._slip_params(case_id, kind)).plain_text()

    def _slip_params(self, case_id: int, kind: str) -> dict[str, Any]:
        with self.sessions() as s:
            params = case_data(self._load(s, case_id)).get(f"slip_{kind}")
        if params is None:
            raise NotFound("cases.no_slip", params={"kind": kind})
        return params

    def reprint(self, case_id: int, kind: str, actor: Actor) -> dict[str, Any]:
        """Print a case's slip again (printer fault, or the visitor asks)."""
        result = self.slips.print(case_id, kind, self._slip_params(case_id, kind))
        with self.uow.change() as ch:
            c = self._load(ch.session, case_id)
            ch.audit(self.clock.now(), actor, "case.reprint", f"case:{c.id}",
                     f"slip={kind} {'ok' if result['printed'] else 'failed'}", ticket_id=c.ticket_id)
        return result
