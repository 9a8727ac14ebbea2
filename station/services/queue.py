"""Issuing tickets and moving them through the queue: the use cases behind the dispenser and the panel.

Every change commits through the unit of work before anyone is told: the event commits with the ticket
(PostgreSQL) or is published right after the commit (SQLite), and the ticket is printed only after the
transaction that created it is durable. The SQL lives in `station.store.queue_repo`; the views in
`station.services.queue_views`.

This file is over 400 lines because the use cases share one wait-estimate cache (read by every view, updated by
finishes and counter changes); split across modules it would need a shared owner of its own. When the
queue grows further, that cache is the first thing to move out (then `services/queue/`).
"""

from __future__ import annotations

import bisect
import dataclasses
import secrets
from collections.abc import Callable, Sequence
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.orm import Session, sessionmaker

from station.clock import Clock
from station.config import CategorySettings, StationSettings
from station.domain import queue as q
from station.domain.calendar import BusinessCalendar, business_date, dispenser_decision
from station.domain.messages import Msg
from station.events import CounterStateChanged, EventBus, TicketCalled, TicketIssued, TicketStateChanged
from station.messages import text
from station.services import audit
from station.services.audit import Actor
from station.services.errors import Conflict, Invalid, NotFound
from station.services.queue_views import CategoryStatus, CounterView, NextVisitor, TicketView, VisitorStatus
from station.store import queue_repo as repo
from station.store.queue_repo import aware as _aware
from station.store.uow import Change, UnitOfWork

__all__ = ["CategoryStatus", "CounterView", "NextVisitor", "QueueService", "TicketView", "VisitorStatus"]


class QueueService:
    def __init__(
        self,
        settings: StationSettings,
        calendar: BusinessCalendar,
        sessions: sessionmaker[Session],
        clock: Clock,
        bus: EventBus,
        on_issued: Callable[[TicketView], None] | None = None,
        reads: sessionmaker[Session] | None = None,
        owe_print: Callable[[Connection, int, datetime], None] | None = None,
    ) -> None:
        self.settings = settings
        self.calendar = calendar
        self.sessions = sessions
        # Screens read far more than clerks write; on SQLite these sessions never wait for a writer.
        self.reads = reads or sessions
        self.clock = clock
        self.bus = bus
        self.uow = UnitOfWork(sessions, bus)
        # Called after commit with each new ticket (the print spooler hooks in here); `owe_print` inside the
        # ticket's transaction, so a ticket and the spooler's job for it commit together (issue 19).
        self.on_issued = on_issued
        self.owe_print = owe_print
        self._estimate_cache: tuple[date, datetime, dict[str, list[float]], dict[int, q.CounterState]] | None = None
        # Reservations (issue 15): (session, day, counter, categories, now) → the tickets call_next should call
        # from first, oldest first (checked-in bookings, or walk-ins when the fairness rule says so), or None
        # for the usual oldest-first pick. Several candidates, not one: concurrent counters skip each other's.
        self.priority_picker: Callable[[Session, date, int, list[str], datetime], list[int] | None] | None = None
        # Reservations (issue 15): (category, now) → booked visitors due soon, who will go first: the wait
        # estimate of a new walk-in counts them (the number ahead stays the tickets ahead).
        self.booked_ahead: Callable[[str, datetime], int] | None = None

    # --- checks the routers use too --------------------------------------------------------------
    def category(self, code: str) -> CategorySettings:
        """The category's settings, or Invalid (422) naming the known ones."""
        cat = self.settings.category(code)
        if cat is None:
            raise Invalid("queue.unknown_category",
                          params={"code": code, "known": ", ".join(c.code for c in self.settings.categories)})
        return cat

    def counter_categories(self, counter_id: int) -> list[str]:
        """The categories this counter serves, or NotFound (404) for a counter the office does not have."""
        counter = self.settings.counter(counter_id)
        if counter is None:
            raise NotFound("queue.unknown_counter", params={"counter_id": counter_id})
        return counter.categories

    def cutoff_minutes(self, cat: CategorySettings) -> int:
        return cat.cutoff_minutes if cat.cutoff_minutes is not None else self.settings.calendar.default_cutoff_minutes

    # --- issuing ----------------------------------------------------------------------------------
    def issue(self, category: str, source: str = "api", actor: Actor | None = None,
              priority: bool = False) -> TicketView:
        """Commit a new numbered ticket, then announce it. Refuses outside hours and after cut-off."""
        cat = self.category(category)
        now = self.clock.now()
        decision = dispenser_decision(self.calendar, now, self.cutoff_minutes(cat))
        if not decision.accepts:
            raise Conflict(
                decision.reason,
                next_open=decision.next_open.opens_at().isoformat() if decision.next_open else None,
            )
        day = business_date(now)
        service, states = self._estimate_inputs(day, now)
        booked = self.booked_ahead(cat.code, now) if self.booked_ahead else 0
        with self.uow.change() as ch:
            if repo.day_handed_over(ch.session.connection(), day):  # the day was closed (end of day, issue 12)
                raise Conflict("eod.dispenser_closed",
                               params={"day": Msg.of("calendar.day", month=day.month, day=day.day)})
            # Core statements built once (in the repository) on the session's own connection: the ORM's unit
            # of work costs more Python than the whole SQLite commit on the press → print path.
            conn = ch.session.connection()
            seq = repo.next_seq(conn, day, cat.code)
            ahead = repo.count_waiting(conn, day, cat.code)
            number = q.format_number(cat.prefix, seq)
            token = secrets.token_urlsafe(18)
            ticket_id = repo.insert_ticket(
                conn, business_date=day, category=cat.code, seq=seq, number=number,
                state=q.TicketState.WAITING.value, source=source, token=token, issued_at=now,
                recall_count=0, transfer_count=0,
            )
            # Through the connection, not ch.audit's ORM add: the hot path skips the ORM's flush.
            audit.record(conn, now, actor or Actor(source), "ticket.issue", number, ticket_id=ticket_id)
            if self.owe_print:
                self.owe_print(conn, ticket_id, now)
            # Built from what this transaction already knows: the press → print path stays short.
            view = TicketView(
                id=ticket_id, number=number, spoken=q.spoken_number(cat.prefix, seq), category=cat.code,
                category_name_ja=cat.name_ja, category_name_en=cat.name_en, state=q.TicketState.WAITING.value,
                issued_at=now,
                called_at=None, counter_id=None, recall_count=0, waiting_ahead=ahead,
                estimated_wait_min=q.estimate_wait(ahead + booked, service.get(cat.code, []),
                                                   cat.default_service_minutes,
                                                   self._serving_counters(cat.code, states)),
                printed=None, print_error=None, token=token, business_date=day, priority=priority,
            )
            ch.publish(TicketIssued(at=now, ticket_id=view.id, number=view.number, category=view.category,
                                    waiting_ahead=ahead))
            if self.on_issued:
                on_issued = self.on_issued
                ch.then(lambda: on_issued(view))
        return view

    def _estimate_inputs(self, day: date, now: datetime, s: Session | None = None,
                         ) -> tuple[dict[str, list[float]], dict[int, q.CounterState]]:
        """Today's service times and counter states for the wait estimate, re-read at most every 15 s
        (and at once after a finish or a counter change here): an estimate need not cost a query per press."""
        cached = self._estimate_cache
        if cached is not None and cached[0] == day and now - cached[1] < timedelta(seconds=15):
            return cached[2], cached[3]
        if s is not None:  # inside the caller's transaction: never a second connection (pool, SQLite lock)
            service, states = repo.service_minutes(s, day), self.counter_states_in(s)
        else:
            with self.reads() as r:
                service, states = repo.service_minutes(r, day), self.counter_states_in(r)
        self._estimate_cache = (day, now, service, states)
        return service, states

    # --- calling ----------------------------------------------------------------------------------
    def call_next(self, counter_id: int, actor: Actor | None = None) -> TicketView | None:
        """Call the oldest waiting visitor this counter serves; exactly once across all counters.

        One statement picks and calls: UPDATE … WHERE id = (the oldest eligible row, locked with SKIP
        LOCKED on PostgreSQL) RETURNING the row and its print status. The counter's state and "nothing
        still called here" are conditions of that pick, so on the common path there is no other read;
        only when it calls nobody do we look why (paused, closed, busy, or simply nobody waiting)."""
        categories = self.counter_categories(counter_id)
        now = self.clock.now()
        day = business_date(now)
        with self.uow.change() as ch:
            s = ch.session
            row = self._pick_and_call(s, day, counter_id, categories, now)
            if row is None:
                self._why_not_called(s, counter_id, day)
                return None
            audit.record(s.connection(), now, actor or Actor.system(), "ticket.call", row.number,
                         f"counter={counter_id}", ticket_id=row.id)  # Core: no ORM flush on the hot path
            view = self._views(s, [row], now, prints={row.id: (row.print_printed, row.print_error)})[0]
            ch.publish(self._called_event(view, counter_id, recall=False))
        return view

    def _pick_and_call(self, s: Session, day: date, counter_id: int, categories: Sequence[str],
                       now: datetime) -> Any:
        """The one statement that picks and calls (a booked visitor first when the reservations hook
        pins some), or None when nobody is called."""
        called = q.next_state(q.TicketState.WAITING, q.Action.CALL).value
        if self.priority_picker is not None:  # reservations (issue 15): a booked visitor may go first
            pinned = self.priority_picker(s, day, counter_id, list(categories), now)
            if pinned:
                row = repo.call_next(s, day=day, counter_id=counter_id, categories=categories, now=now,
                                     called=called, among=pinned)
                if row is not None:
                    return row
        return repo.call_next(s, day=day, counter_id=counter_id, categories=categories, now=now, called=called)

    def _why_not_called(self, s: Session, counter_id: int, day: date) -> None:
        """call_next picked nobody: say why if it is the counter (paused, closed, still busy)."""
        state = repo.counter_state(s, counter_id)
        if state != q.CounterState.OPEN:
            code = "queue.counter_paused" if state == q.CounterState.PAUSED else "queue.counter_closed"
            raise Conflict(code, params={"counter_id": counter_id})
        active = repo.active_at(s, day, counter_id)
        if active is not None:
            raise Conflict("queue.finish_first", params={"number": active.number}, ticket_id=active.id)

    def _called_event(self, view: TicketView, counter_id: int, recall: bool) -> TicketCalled:
        counter = self.settings.counter(counter_id)
        return TicketCalled(
            at=self.clock.now(), ticket_id=view.id, number=view.number, spoken=view.spoken,
            category=view.category, counter_id=counter_id,
            counter_name_ja=counter.name_ja if counter else text("queue.counter_name", "ja", counter_id=counter_id),
            recall=recall,
        )

    def act(self, ticket_id: int, action: q.Action, actor: Actor | None = None, *,
            counter_id: int | None = None, to_category: str | None = None,
            to_counter: int | None = None) -> TicketView:
        """Apply a clerk action (recall, start, finish, no-show, cancel, transfer, requeue) under a row lock."""
        now = self.clock.now()
        if action is q.Action.TRANSFER:
            if to_category is None and to_counter is None:
                raise Invalid("queue.transfer_target_missing")
            if to_category is not None:
                self.category(to_category)
            if to_counter is not None:
                self.counter_categories(to_counter)
        with self.uow.change() as ch:
            t, prints = self._locked(ch.session, ticket_id)
            view = self._act_in(ch, t, prints, action, now, actor, counter_id=counter_id, to_category=to_category,
                                to_counter=to_counter)
        if action is q.Action.FINISH and t.started_at is not None:
            self._add_service_time(view.business_date, view.category, _aware(t.started_at), now)
        return view

    def _act_in(self, ch: Change, t: Any, prints: repo.Prints, action: q.Action, now: datetime,
                actor: Actor | None, *, counter_id: int | None = None, to_category: str | None = None,
                to_counter: int | None = None) -> TicketView:
        """One clerk action on a locked ticket inside the caller's change: the rule, the row, audit, events."""
        try:
            new_state = q.next_state(
                q.TicketState(t.state), action, recall_count=t.recall_count,
                recalls_before_no_show=self.settings.queue.recalls_before_no_show,
            )
        except q.QueueRuleError as e:
            raise Conflict(e.msg, state=t.state) from e
        acting_counter = counter_id or t.counter_id
        t.state = new_state
        if action is q.Action.RECALL:
            t.recall_count += 1
            t.called_at = now
        elif action is q.Action.START:
            t.started_at = now
        elif action in (q.Action.FINISH, q.Action.NO_SHOW, q.Action.CANCEL):
            t.finished_at = now
        elif action is q.Action.TRANSFER:
            if to_category is not None and to_category != t.category:
                t.original_category = t.original_category or t.category
                t.category = to_category
            t.target_counter_id = to_counter
            t.transfer_count += 1
            t.counter_id = None
            t.called_at = t.started_at = None
            t.recall_count = 0
        elif action is q.Action.REQUEUE:
            t.counter_id = None
            t.called_at = None
            t.recall_count = 0
        detail = f"counter={acting_counter}"
        if action is q.Action.TRANSFER:
            detail += f" to_category={to_category} to_counter={to_counter}"
        repo.save(ch.session, t)
        audit.record(ch.session.connection(), now, actor or Actor.system(), f"ticket.{action.value}", t.number,
                     detail, ticket_id=t.id)
        view = self._views(ch.session, [t], now, prints=prints)[0]
        if action is q.Action.RECALL and acting_counter is not None:
            ch.publish(self._called_event(view, acting_counter, recall=True))
        ch.publish(TicketStateChanged(
            at=now, ticket_id=view.id, number=view.number, category=view.category, state=view.state,
            counter_id=acting_counter, action=action.value,
        ))
        return view

    def next_visitor(self, counter_id: int, actor: Actor | None = None) -> NextVisitor:
        """The clerk's N key: finish the visitor served at this counter and call the next, in one transaction.

        One request instead of finish + call-next (a visitor costs two requests with start, not three).
        A visitor only called, not yet started, is not finished by surprise: 409 as call-next answers
        (start or mark them first). Nobody waiting, or the counter paused or closed: the finish still
        counts and `called` is None; with nothing to finish either, the same refusals as call-next."""
        categories = self.counter_categories(counter_id)
        now = self.clock.now()
        day = business_date(now)
        finished: TicketView | None = None
        started_at: datetime | None = None
        with self.uow.change() as ch:
            s = ch.session
            active = repo.active_at(s, day, counter_id)
            if active is not None:
                t, prints = self._locked(s, active.id)
                if t.state != q.TicketState.SERVING:
                    raise Conflict("queue.finish_first", params={"number": t.number}, ticket_id=t.id)
                finished = self._act_in(ch, t, prints, q.Action.FINISH, now, actor, counter_id=counter_id)
                started_at = _aware(t.started_at) if t.started_at else None
            row = self._pick_and_call(s, day, counter_id, categories, now)
            called: TicketView | None = None
            if row is None:
                if finished is None:
                    self._why_not_called(s, counter_id, day)
            else:
                audit.record(s.connection(), now, actor or Actor.system(), "ticket.call", row.number,
                             f"counter={counter_id}", ticket_id=row.id)
                called = self._views(s, [row], now, prints={row.id: (row.print_printed, row.print_error)})[0]
                ch.publish(self._called_event(called, counter_id, recall=False))
        if finished is not None and started_at is not None:
            self._add_service_time(finished.business_date, finished.category, started_at, now)
        return NextVisitor(finished=finished, called=called)

    # --- the visitor's case drives the ticket (issue 12) ---------------------------------------------
    def begin_service(self, ticket_id: int, counter_id: int | None, actor: Actor | None = None) -> TicketView | None:
        """The clerk opened the called visitor's case: the ticket is now being served (its service time
        starts). A ticket in any other state (still waiting, already served, finished) is left as it is."""
        if self.get(ticket_id).state != q.TicketState.CALLED:
            return None
        try:
            return self.act(ticket_id, q.Action.START, actor, counter_id=counter_id)
        except Conflict:  # another screen moved it first: nothing to start
            return None

    def end_service(self, ticket_id: int, counter_id: int | None, actor: Actor | None = None) -> TicketView | None:
        """The visitor's case closed (issued, returned for documents, handed over, completed): the ticket
        finishes and the counter is free for the next call. A called ticket whose case never started
        service is started and finished; a ticket already finished or back in the queue is left alone."""
        state = self.get(ticket_id).state
        try:
            if state == q.TicketState.CALLED:
                self.act(ticket_id, q.Action.START, actor, counter_id=counter_id)
                state = q.TicketState.SERVING
            if state == q.TicketState.SERVING:
                return self.act(ticket_id, q.Action.FINISH, actor, counter_id=counter_id)
        except Conflict:
            return None
        return None

    def _locked(self, s: Session, ticket_id: int) -> tuple[Any, repo.Prints]:
        """The ticket under a row lock (PostgreSQL), with its print status read in the same statement."""
        found = repo.locked(s, ticket_id)
        if found is None:
            raise NotFound("queue.ticket_not_found", params={"ticket_id": ticket_id})
        return found

    def _add_service_time(self, day: date, category: str, started: datetime, finished: datetime) -> None:
        """A finish here counts in the wait estimate at once, without re-reading the day's service times
        (that query grows with the day and ran after every finish)."""
        cached = self._estimate_cache
        if cached is None or cached[0] != day:
            return
        service = {k: list(v) for k, v in cached[2].items()}  # copy: readers may hold the old one
        service.setdefault(category, []).append((finished - started).total_seconds() / 60)
        self._estimate_cache = (cached[0], cached[1], service, cached[3])

    def take_over(self, ticket_id: int, counter_id: int, actor: Actor | None = None) -> TicketView:
        """Another counter takes a called or served visitor (e.g. the first counter's PC died)."""
        self.counter_categories(counter_id)
        now = self.clock.now()
        with self.uow.change() as ch:
            s = ch.session
            t, prints = self._locked(s, ticket_id)
            if t.state not in q.ACTIVE_STATES:
                raise Conflict("queue.not_active", params={"number": t.number})
            busy = repo.active_at(s, t.business_date, counter_id, other_than=t.id)
            if busy is not None:
                raise Conflict("queue.counter_busy", params={"counter_id": counter_id, "busy": busy.number})
            previous = t.counter_id
            t.counter_id = counter_id
            repo.save(s, t)
            ch.audit(now, actor or Actor.system(), "ticket.take-over", t.number, f"from={previous} to={counter_id}",
                     ticket_id=t.id)
            view = self._views(s, [t], now, prints=prints)[0]
            ch.publish(TicketStateChanged(at=now, ticket_id=view.id, number=view.number, category=view.category,
                                             state=view.state, counter_id=counter_id, action="take-over"))
        return view

    # --- counters ---------------------------------------------------------------------------------
    def set_counter_state(self, counter_id: int, state: q.CounterState, actor: Actor | None = None) -> None:
        self.counter_categories(counter_id)
        now = self.clock.now()
        with self.uow.change() as ch:
            repo.set_counter_state(ch.session, counter_id, state, now)
            ch.audit(now, actor or Actor.system(), f"counter.{state.value}", str(counter_id))
            ch.publish(CounterStateChanged(at=now, counter_id=counter_id, state=state.value))
        self._estimate_cache = None

    def counter_states(self) -> dict[int, q.CounterState]:
        with self.reads() as s:
            return self.counter_states_in(s)

    def counter_states_in(self, s: Session) -> dict[int, q.CounterState]:
        rows = repo.counter_states(s)
        return {c.id: rows.get(c.id, q.CounterState.OPEN) for c in self.settings.counters}

    def current_ticket(self, counter_id: int) -> TicketView | None:
        now = self.clock.now()
        with self.reads() as s:
            t = repo.current_ticket(s, business_date(now), counter_id)
            return self._view(s, t, now) if t else None

    def handled_today(self, counter_id: int) -> int:
        with self.reads() as s:
            return repo.handled_today(s, business_date(self.clock.now()), counter_id)

    def counter(self, counter_id: int) -> CounterView:
        """One counter as the panel and the API show it; NotFound for a counter the office does not have."""
        c = self.settings.counter(counter_id)
        if c is None:
            raise NotFound("queue.unknown_counter", params={"counter_id": counter_id})
        now = self.clock.now()
        day = business_date(now)
        with self.reads() as s:
            t = repo.current_ticket(s, day, counter_id)
            current = self._view(s, t, now) if t else None
            state = self.counter_states_in(s)[c.id]
            handled = repo.handled_today(s, day, counter_id)
        return CounterView(id=c.id, name_ja=c.name_ja, name_en=c.name_en, categories=c.categories,
                           state=state.value, current_ticket=current, handled_today=handled)

    # --- reading ----------------------------------------------------------------------------------
    def get(self, ticket_id: int) -> TicketView:
        now = self.clock.now()
        with self.reads() as s:
            t = repo.get(s, ticket_id)
            if t is None:
                raise NotFound("queue.ticket_not_found", params={"ticket_id": ticket_id})
            return self._view(s, t, now)

    def by_token(self, token: str) -> TicketView:
        now = self.clock.now()
        with self.reads() as s:
            t = repo.by_token(s, token)
            if t is None:
                raise NotFound("queue.token_not_found")
            return self._view(s, t, now)

    def visitor_status(self, token: str) -> VisitorStatus:
        """The ticket's status page (its QR code): NotFound for a token no ticket has."""
        v = self.by_token(token)
        counter = self.settings.counter(v.counter_id) if v.counter_id else None
        return VisitorStatus(
            number=v.number, category_name_ja=v.category_name_ja, category_name_en=v.category_name_en,
            state=v.state, waiting_ahead=v.waiting_ahead, estimated_wait_min=v.estimated_wait_min,
            counter_id=v.counter_id, counter_name_ja=counter.name_ja if counter else None,
            counter_name_en=counter.name_en if counter else None, recall_count=v.recall_count,
            now=self.clock.now().isoformat(),
        )

    def list(self, state: str | None = None, day: date | None = None, limit: int = 500,
             offset: int = 0) -> list[TicketView]:
        now = self.clock.now()
        if state:
            try:
                q.TicketState(state)
            except ValueError as e:
                raise Invalid("queue.unknown_state", params={"state": state}) from e
        with self.reads() as s:
            return self._views(s, repo.of_day(s, day or business_date(now), state, limit, offset), now)

    def categories_status(self) -> list[CategoryStatus]:
        now = self.clock.now()
        day = business_date(now)
        with self.reads() as s:
            waiting, oldest = repo.waiting_by_category(s, day)
            service = repo.service_minutes(s, day)
            counters = self.counter_states_in(s)
            handed_over = repo.day_handed_over(s, day)
        out = []
        for cat in self.settings.categories:
            n = waiting.get(cat.code, 0)
            first = oldest.get(cat.code)
            decision = dispenser_decision(self.calendar, now, self.cutoff_minutes(cat))
            if handed_over:
                decision = dataclasses.replace(decision, accepts=False, reason=Msg.of(
                    "eod.dispenser_closed", day=Msg.of("calendar.day", month=day.month, day=day.day)))
            out.append(CategoryStatus(
                code=cat.code, name_ja=cat.name_ja, name_en=cat.name_en,
                description_ja=cat.description_ja, description_en=cat.description_en, prefix=cat.prefix,
                waiting=n, oldest_wait_min=int((now - first).total_seconds() // 60) if first else 0,
                estimated_wait_min=q.estimate_wait(
                    n + (self.booked_ahead(cat.code, now) if self.booked_ahead and n else 0),
                    service.get(cat.code, []), cat.default_service_minutes,
                    self._serving_counters(cat.code, counters),
                ),
                accepting=decision.accepts,
                message_ja=text(decision.reason, "ja"), message_en=text(decision.reason, "en"),
            ))
        return out

    def _serving_counters(self, category: str, states: dict[int, q.CounterState]) -> int:
        return sum(1 for c in self.settings.counters
                   if category in c.categories and states.get(c.id) == q.CounterState.OPEN)

    def _view(self, s: Session, t: Any, now: datetime) -> TicketView:
        return self._views(s, [t], now)[0]

    def _views(self, s: Session, tickets: Sequence[Any], now: datetime,
               prints: repo.Prints | None = None) -> list[TicketView]:
        """Views of tickets (ORM rows, or result rows with the same column names). `prints`: each ticket's
        (printed, error) when the caller already read them with the ticket (then no query here)."""
        if not tickets:
            return []
        days = {t.business_date for t in tickets}
        waiting = [t for t in tickets if t.state == q.TicketState.WAITING]
        ahead_of = self._ahead(s, waiting, days)
        # Estimates from today's service times and open counters, for waiting tickets only: cached, not a
        # query per view; a called or finished ticket has no estimate.
        service, counters = self._estimate_inputs(next(iter(days)), now, s) if waiting else ({}, {})
        if prints is None:
            prints = repo.prints_of(s, [t.id for t in tickets])
        out = []
        for t in tickets:
            cat = self.settings.category(t.category)
            ahead = ahead_of.get(t.id, 0)
            prefix = cat.prefix if cat else t.number.rstrip("0123456789")
            printed, print_error = prints.get(t.id, (None, None))
            out.append(TicketView(
                id=t.id, number=t.number, spoken=q.spoken_number(prefix, t.seq), category=t.category,
                category_name_ja=cat.name_ja if cat else t.category,
                category_name_en=cat.name_en if cat else t.category, state=t.state,
                issued_at=_aware(t.issued_at), called_at=_aware(t.called_at) if t.called_at else None,
                counter_id=t.counter_id, recall_count=t.recall_count, waiting_ahead=ahead,
                estimated_wait_min=q.estimate_wait(
                    ahead, service.get(t.category, []), cat.default_service_minutes if cat else 10.0,
                    self._serving_counters(t.category, counters),
                ) if t.state == q.TicketState.WAITING else 0,
                printed=printed, print_error=print_error, token=t.token, business_date=t.business_date,
            ))
        return out

    def _ahead(self, s: Session, waiting: list[Any], days: set[date]) -> dict[int, int]:
        """How many wait before each of these waiting tickets in its category.

        One ticket (the visitor's status page, a clerk's action): one COUNT on the queue index. Many (a
        list): each category's line once, sorted, then a bisect per ticket — linear, not quadratic."""
        if not waiting:
            return {}
        if len(waiting) == 1:
            return {waiting[0].id: repo.ahead_of_one(s, waiting[0])}
        lines = repo.waiting_lines(s, days)
        return {t.id: bisect.bisect_left(lines.get(t.category, []), (_aware(t.issued_at), t.id)) for t in waiting}



