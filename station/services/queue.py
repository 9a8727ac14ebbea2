"""Issuing tickets and moving them through the queue: the use cases behind the dispenser and the panel.

Every change commits before anyone is told: the event is published and the ticket printed only
after the transaction that created or changed the ticket is durable.
"""

from __future__ import annotations

import bisect
import functools
import secrets
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Boolean, Date, String, bindparam, column, func, insert, select, text, update
from sqlalchemy.orm import Session, sessionmaker

from station.clock import Clock
from station.config import CategorySettings, StationSettings
from station.domain import queue as q
from station.domain.calendar import BusinessCalendar, business_date, dispenser_decision
from station.events import (
    CounterStateChanged,
    Event,
    EventBus,
    TicketCalled,
    TicketIssued,
    TicketStateChanged,
)
from station.services import audit
from station.services.audit import Actor
from station.services.errors import Conflict, Invalid, NotFound
from station.store.db import insert_on_conflict
from station.store.models import Counter, DailySequence, Ticket, TicketPrint, UtcDateTime


@dataclass(frozen=True)
class TicketView:
    """A ticket as screens and the API show it (no personal data exists on a ticket)."""

    id: int
    number: str
    spoken: str
    category: str
    category_name_ja: str
    category_name_en: str
    state: str
    issued_at: datetime
    called_at: datetime | None
    counter_id: int | None
    recall_count: int
    waiting_ahead: int
    estimated_wait_min: int
    printed: bool | None
    print_error: str | None
    token: str
    business_date: date
    # Reservations (issue 15): a checked-in booking's ticket, as issued (the slip prints 予約). Not stored on
    # the ticket: the reservations table knows which tickets are priority ones.
    priority: bool = False


@dataclass(frozen=True)
class CategoryStatus:
    code: str
    name_ja: str
    name_en: str
    description_ja: str
    description_en: str
    waiting: int
    oldest_wait_min: int
    estimated_wait_min: int
    accepting: bool
    message_ja: str
    message_en: str


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
    ) -> None:
        self.settings = settings
        self.calendar = calendar
        self.sessions = sessions
        # Screens read far more than clerks write; on SQLite these sessions never wait for a writer.
        self.reads = reads or sessions
        self.clock = clock
        self.bus = bus
        # Called after commit with each new ticket (the print spooler hooks in here).
        self.on_issued = on_issued
        self._estimate_cache: tuple[date, datetime, dict[str, list[float]], dict[int, q.CounterState]] | None = None
        # Reservations (issue 15): (session, day, counter, categories, now) → the tickets call_next should call
        # from first, oldest first (checked-in bookings, or walk-ins when the fairness rule says so), or None
        # for the usual oldest-first pick. Several candidates, not one: concurrent counters skip each other's.
        self.priority_picker: Callable[[Session, date, int, list[str], datetime], list[int] | None] | None = None
        # Reservations (issue 15): (category, now) → booked visitors due soon, who will go first: the wait
        # estimate of a new walk-in counts them (the number ahead stays the tickets ahead).
        self.booked_ahead: Callable[[str, datetime], int] | None = None

    # --- helpers ---------------------------------------------------------------------------------
    def _category(self, code: str) -> CategorySettings:
        cat = self.settings.category(code)
        if cat is None:
            known = ", ".join(c.code for c in self.settings.categories)
            raise Invalid(
                f"受付区分「{code}」はありません（{known}）", f"unknown category {code!r} (known: {known})"
            )
        return cat

    def _counter_categories(self, counter_id: int) -> list[str]:
        counter = self.settings.counter(counter_id)
        if counter is None:
            raise NotFound(f"{counter_id}番窓口はありません", f"no counter {counter_id}")
        return counter.categories

    def _is_pg(self, session: Session) -> bool:
        return session.get_bind().dialect.name == "postgresql"

    @contextmanager
    def _change(self) -> Iterator[tuple[Session, list[Event]]]:
        """A write transaction and the events that announce it.

        On PostgreSQL the events are written in the same transaction (one commit, no second connection;
        the change, its audit entry and its event commit together; the daemons are woken after it). Alone
        (SQLite) they are published right after the commit. Either way nobody hears of a change that did
        not commit."""
        events: list[Event] = []
        staged = False
        with self.sessions.begin() as s:
            yield s, events
            if events:
                s.flush()  # the change first: its row locks are taken before the event's seq is drawn
                staged = self.bus.publish_in(s.connection(), events)
        if staged:
            self.bus.announce()
        else:
            for event in events:
                self.bus.publish(event)

    def cutoff_minutes(self, cat: CategorySettings) -> int:
        return cat.cutoff_minutes if cat.cutoff_minutes is not None else self.settings.calendar.default_cutoff_minutes

    # --- issuing ----------------------------------------------------------------------------------
    def issue(self, category: str, source: str = "api", actor: Actor | None = None,
              priority: bool = False) -> TicketView:
        """Commit a new numbered ticket, then announce it. Refuses outside hours and after cut-off."""
        cat = self._category(category)
        now = self.clock.now()
        decision = dispenser_decision(self.calendar, now, self.cutoff_minutes(cat))
        if not decision.accepts:
            raise Conflict(
                decision.message_ja, decision.message_en,
                next_open=decision.next_open.opens_at().isoformat() if decision.next_open else None,
            )
        day = business_date(now)
        service, states = self._estimate_inputs(day, now)
        booked = self.booked_ahead(cat.code, now) if self.booked_ahead else 0
        with self._change() as (s, events):
            # Core statements built once (module level) on the session's own connection: the ORM's unit of
            # work costs more Python than the whole SQLite commit on the press → print path.
            conn = s.connection()
            seq = self._next_seq(s, day, cat.code)
            ahead = conn.execute(_COUNT_WAITING, {"day": day, "cat": cat.code,
                                                  "waiting": q.TicketState.WAITING.value}).scalar() or 0
            number = q.format_number(cat.prefix, seq)
            token = secrets.token_urlsafe(18)
            ticket_id = conn.execute(_INSERT_TICKET, {
                "business_date": day, "category": cat.code, "seq": seq, "number": number,
                "state": q.TicketState.WAITING.value, "source": source, "token": token, "issued_at": now,
                "recall_count": 0, "transfer_count": 0,
            }).scalar_one()
            audit.record(conn, now, actor or Actor(source), "ticket.issue", number, ticket_id=ticket_id)
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
            events.append(TicketIssued(at=now, ticket_id=view.id, number=view.number, category=view.category,
                                       waiting_ahead=ahead))
        if self.on_issued:
            self.on_issued(view)
        return view

    def _estimate_inputs(self, day: date, now: datetime, s: Session | None = None,
                         ) -> tuple[dict[str, list[float]], dict[int, q.CounterState]]:
        """Today's service times and counter states for the wait estimate, re-read at most every 15 s
        (and at once after a finish or a counter change here): an estimate need not cost a query per press."""
        cached = self._estimate_cache
        if cached is not None and cached[0] == day and now - cached[1] < timedelta(seconds=15):
            return cached[2], cached[3]
        if s is not None:  # inside the caller's transaction: never a second connection (pool, SQLite lock)
            service, states = self._service_minutes(s, day), self.counter_states_in(s)
        else:
            with self.reads() as r:
                service, states = self._service_minutes(r, day), self.counter_states_in(r)
        self._estimate_cache = (day, now, service, states)
        return service, states

    def _next_seq(self, s: Session, day: date, category: str) -> int:
        """Bump the day's counter in this transaction: gapless and unique, even across daemons."""
        conn = s.connection()
        params = {"day": day, "cat": category}
        seq = conn.execute(_BUMP_SEQ, params).scalar()
        if seq is not None:
            return int(seq)
        conn.execute(
            insert_on_conflict(conn, DailySequence)
            .values(business_date=day, category=category, last_seq=0)
            .on_conflict_do_nothing()
        )
        seq = conn.execute(_BUMP_SEQ, params).scalar()
        assert seq is not None
        return int(seq)

    # --- calling ----------------------------------------------------------------------------------
    def call_next(self, counter_id: int, actor: Actor | None = None) -> TicketView | None:
        """Call the oldest waiting visitor this counter serves; exactly once across all counters.

        One statement picks and calls: UPDATE … WHERE id = (the oldest eligible row, locked with SKIP
        LOCKED on PostgreSQL) RETURNING the row and its print status. The counter's state and "nothing
        still called here" are conditions of that pick, so on the common path there is no other read;
        only when it calls nobody do we look why (paused, closed, busy, or simply nobody waiting)."""
        categories = self._counter_categories(counter_id)
        now = self.clock.now()
        day = business_date(now)
        with self._change() as (s, events):
            stmt = _call_next_statement(self._is_pg(s))
            params = {"day": day, "counter": counter_id, "cats": list(categories), "now": now,
                      "waiting": q.TicketState.WAITING.value, "open": q.CounterState.OPEN.value,
                      "called": q.next_state(q.TicketState.WAITING, q.Action.CALL).value,
                      "serving": q.TicketState.SERVING.value}
            row = None
            if self.priority_picker is not None:  # reservations (issue 15): a booked visitor may go first
                pinned = self.priority_picker(s, day, counter_id, list(categories), now)
                if pinned:
                    pin_stmt = _call_next_statement(self._is_pg(s), pinned=True)
                    row = s.execute(pin_stmt, {**params, "tids": pinned}).first()
            if row is None:
                row = s.execute(stmt, params).first()
            if row is None:
                self._why_not_called(s, counter_id, day)
                return None
            audit.record(s, now, actor or Actor.system(), "ticket.call", row.number,
                         f"counter={counter_id}", ticket_id=row.id)
            view = self._views(s, [row], now, prints={row.id: (row.print_printed, row.print_error)})[0]
            events.append(self._called_event(view, counter_id, recall=False))
        return view

    def _why_not_called(self, s: Session, counter_id: int, day: date) -> None:
        """call_next picked nobody: say why if it is the counter (paused, closed, still busy)."""
        state = self._counter_state(s, counter_id)
        if state != q.CounterState.OPEN:
            raise Conflict(
                f"{counter_id}番窓口は{'休止中' if state == q.CounterState.PAUSED else '閉鎖中'}です",
                f"counter {counter_id} is {state}",
            )
        active = s.execute(
            select(Ticket.id, Ticket.number).where(
                Ticket.business_date == day, Ticket.counter_id == counter_id, Ticket.state.in_(ACTIVE),
            ).limit(1)
        ).first()
        if active is not None:
            raise Conflict(
                f"{active.number} の対応を完了してから次を呼び出してください",
                f"finish {active.number} before calling the next visitor",
                ticket_id=active.id,
            )

    def _called_event(self, view: TicketView, counter_id: int, recall: bool) -> TicketCalled:
        counter = self.settings.counter(counter_id)
        return TicketCalled(
            at=self.clock.now(), ticket_id=view.id, number=view.number, spoken=view.spoken,
            category=view.category, counter_id=counter_id,
            counter_name_ja=counter.name_ja if counter else f"{counter_id}番窓口", recall=recall,
        )

    def act(self, ticket_id: int, action: q.Action, actor: Actor | None = None, *,
            counter_id: int | None = None, to_category: str | None = None,
            to_counter: int | None = None) -> TicketView:
        """Apply a clerk action (recall, start, finish, no-show, cancel, transfer, requeue) under a row lock."""
        now = self.clock.now()
        if action is q.Action.TRANSFER:
            if to_category is None and to_counter is None:
                raise Invalid("転送先（受付区分か窓口）を指定してください", "give a category or counter to transfer to")
            if to_category is not None:
                self._category(to_category)
            if to_counter is not None:
                self._counter_categories(to_counter)
        with self._change() as (s, events):
            t, prints = self._locked(s, ticket_id)
            try:
                new_state = q.next_state(
                    q.TicketState(t.state), action, recall_count=t.recall_count,
                    recalls_before_no_show=self.settings.queue.recalls_before_no_show,
                )
            except q.QueueRuleError as e:
                raise Conflict(e.message_ja, e.message_en, state=t.state) from e
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
            audit.record(s, now, actor or Actor.system(), f"ticket.{action.value}", t.number, detail,
                         ticket_id=t.id)
            view = self._views(s, [t], now, prints=prints)[0]
            if action is q.Action.RECALL and acting_counter is not None:
                events.append(self._called_event(view, acting_counter, recall=True))
            events.append(TicketStateChanged(
                at=now, ticket_id=view.id, number=view.number, category=view.category, state=view.state,
                counter_id=acting_counter, action=action.value,
            ))
        if action is q.Action.FINISH and t.started_at is not None:
            self._add_service_time(view.business_date, view.category, _aware(t.started_at), now)
        return view

    def _locked(self, s: Session, ticket_id: int) -> tuple[Ticket, dict[int, tuple[bool | None, str | None]]]:
        """The ticket under a row lock (PostgreSQL), with its print status read in the same statement."""
        row = s.execute(_locked_statement(self._is_pg(s)), {"tid": ticket_id}).first()
        if row is None:
            raise NotFound(f"番号札 {ticket_id} はありません", f"no ticket {ticket_id}")
        t = row[0]
        return t, {t.id: (row.print_printed, row.print_error)}

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
        self._counter_categories(counter_id)
        now = self.clock.now()
        with self._change() as (s, events):
            t, prints = self._locked(s, ticket_id)
            if t.state not in q.ACTIVE_STATES:
                raise Conflict(f"{t.number} は呼出中・対応中ではありません", f"{t.number} is not called or served")
            busy = s.scalars(select(Ticket.number).where(
                Ticket.business_date == t.business_date, Ticket.counter_id == counter_id,
                Ticket.state.in_(ACTIVE), Ticket.id != t.id)).first()
            if busy:
                raise Conflict(f"{counter_id}番窓口は {busy} の対応中です", f"counter {counter_id} is serving {busy}")
            previous = t.counter_id
            t.counter_id = counter_id
            audit.record(s, now, actor or Actor.system(), "ticket.take-over", t.number,
                         f"from={previous} to={counter_id}", ticket_id=t.id)
            view = self._views(s, [t], now, prints=prints)[0]
            events.append(TicketStateChanged(at=now, ticket_id=view.id, number=view.number, category=view.category,
                                             state=view.state, counter_id=counter_id, action="take-over"))
        return view

    # --- counters ---------------------------------------------------------------------------------
    def _counter_state(self, s: Session, counter_id: int) -> q.CounterState:
        row = s.get(Counter, counter_id)
        return q.CounterState(row.state) if row else q.CounterState.OPEN

    def set_counter_state(self, counter_id: int, state: q.CounterState, actor: Actor | None = None) -> None:
        self._counter_categories(counter_id)
        now = self.clock.now()
        with self._change() as (s, events):
            row = s.get(Counter, counter_id)
            if row is None:
                row = Counter(id=counter_id)
                s.add(row)
            row.state = state
            row.updated_at = now
            audit.record(s, now, actor or Actor.system(), f"counter.{state.value}", str(counter_id))
            events.append(CounterStateChanged(at=now, counter_id=counter_id, state=state.value))
        self._estimate_cache = None

    def counter_states(self) -> dict[int, q.CounterState]:
        with self.reads() as s:
            rows = {r.id: q.CounterState(r.state) for r in s.scalars(select(Counter))}
        return {c.id: rows.get(c.id, q.CounterState.OPEN) for c in self.settings.counters}

    def current_ticket(self, counter_id: int) -> TicketView | None:
        now = self.clock.now()
        with self.reads() as s:
            t = s.scalars(
                select(Ticket).where(
                    Ticket.business_date == business_date(now), Ticket.counter_id == counter_id,
                    Ticket.state.in_([q.TicketState.CALLED, q.TicketState.SERVING]),
                ).order_by(Ticket.called_at.desc())
            ).first()
            return self._view(s, t, now) if t else None

    def handled_today(self, counter_id: int) -> int:
        now = self.clock.now()
        with self.reads() as s:
            return s.scalar(
                select(func.count()).select_from(Ticket).where(
                    Ticket.business_date == business_date(now), Ticket.counter_id == counter_id,
                    Ticket.state == q.TicketState.DONE,
                )
            ) or 0

    # --- reading ----------------------------------------------------------------------------------
    def get(self, ticket_id: int) -> TicketView:
        now = self.clock.now()
        with self.reads() as s:
            t = s.get(Ticket, ticket_id)
            if t is None:
                raise NotFound(f"番号札 {ticket_id} はありません", f"no ticket {ticket_id}")
            return self._view(s, t, now)

    def by_token(self, token: str) -> TicketView:
        now = self.clock.now()
        with self.reads() as s:
            t = s.scalars(select(Ticket).where(Ticket.token == token)).first()
            if t is None:
                raise NotFound("この番号札は見つかりません", "ticket not found")
            return self._view(s, t, now)

    def list(self, state: str | None = None, day: date | None = None, limit: int = 500) -> list[TicketView]:
        now = self.clock.now()
        day = day or business_date(now)
        with self.reads() as s:
            stmt = select(Ticket).where(Ticket.business_date == day)
            if state:
                try:
                    q.TicketState(state)
                except ValueError as e:
                    raise Invalid(f"状態「{state}」はありません", f"unknown state {state!r}") from e
                stmt = stmt.where(Ticket.state == state)
            stmt = stmt.order_by(Ticket.issued_at, Ticket.id).limit(limit)
            return self._views(s, list(s.scalars(stmt)), now)

    def categories_status(self) -> list[CategoryStatus]:
        now = self.clock.now()
        day = business_date(now)
        with self.reads() as s:
            waiting = dict(s.execute(
                select(Ticket.category, func.count()).where(
                    Ticket.business_date == day, Ticket.state == q.TicketState.WAITING
                ).group_by(Ticket.category)
            ).all())
            oldest = dict(s.execute(
                select(Ticket.category, func.min(Ticket.issued_at)).where(
                    Ticket.business_date == day, Ticket.state == q.TicketState.WAITING
                ).group_by(Ticket.category)
            ).all())
            service = self._service_minutes(s, day)
        counters = self.counter_states()
        out = []
        for cat in self.settings.categories:
            n = int(waiting.get(cat.code, 0))
            first = oldest.get(cat.code)
            decision = dispenser_decision(self.calendar, now, self.cutoff_minutes(cat))
            out.append(CategoryStatus(
                code=cat.code, name_ja=cat.name_ja, name_en=cat.name_en,
                description_ja=cat.description_ja, description_en=cat.description_en, waiting=n,
                oldest_wait_min=int((now - _aware(first)).total_seconds() // 60) if first else 0,
                estimated_wait_min=q.estimate_wait(
                    n + (self.booked_ahead(cat.code, now) if self.booked_ahead and n else 0),
                    service.get(cat.code, []), cat.default_service_minutes,
                    self._serving_counters(cat.code, counters),
                ),
                accepting=decision.accepts, message_ja=decision.message_ja, message_en=decision.message_en,
            ))
        return out

    def _serving_counters(self, category: str, states: dict[int, q.CounterState]) -> int:
        return sum(1 for c in self.settings.counters
                   if category in c.categories and states.get(c.id) == q.CounterState.OPEN)

    def _service_minutes(self, s: Session, day: date) -> dict[str, list[float]]:
        rows = s.execute(
            select(Ticket.category, Ticket.started_at, Ticket.finished_at).where(
                Ticket.business_date == day, Ticket.state == q.TicketState.DONE,
                Ticket.started_at.is_not(None),
            )
        ).all()
        out: dict[str, list[float]] = {}
        for cat, start, end in rows:
            out.setdefault(cat, []).append((end - start).total_seconds() / 60)
        return out

    def _view(self, s: Session, t: Ticket, now: datetime) -> TicketView:
        return self._views(s, [t], now)[0]

    def _views(self, s: Session, tickets: Sequence[Any], now: datetime,
               prints: dict[int, tuple[bool | None, str | None]] | None = None) -> list[TicketView]:
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
            prints = {p.ticket_id: (p.printed, p.error) for p in s.scalars(
                select(TicketPrint).where(TicketPrint.ticket_id.in_([t.id for t in tickets])))}
        out = []
        for t in tickets:
            cat = self.settings.category(t.category)
            ahead = ahead_of.get(t.id, 0)
            prefix = cat.prefix if cat else t.number.rstrip("0123456789")
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
                printed=prints.get(t.id, (None, None))[0],
                print_error=prints.get(t.id, (None, None))[1],
                token=t.token, business_date=t.business_date,
            ))
        return out

    def _ahead(self, s: Session, waiting: list[Ticket], days: set[date]) -> dict[int, int]:
        """How many wait before each of these waiting tickets in its category.

        One ticket (the visitor's status page, a clerk's action): one COUNT on the queue index. Many (a
        list): each category's line once, sorted, then a bisect per ticket — linear, not quadratic."""
        if not waiting:
            return {}
        if len(waiting) == 1:
            t = waiting[0]
            n = s.scalar(select(func.count()).select_from(Ticket).where(
                Ticket.business_date == t.business_date, Ticket.state == q.TicketState.WAITING,
                Ticket.category == t.category,
                (Ticket.issued_at < t.issued_at) | ((Ticket.issued_at == t.issued_at) & (Ticket.id < t.id)),
            ))
            return {t.id: int(n or 0)}
        lines: dict[str, list[tuple[datetime, int]]] = {}
        for r in s.execute(
            select(Ticket.id, Ticket.category, Ticket.issued_at).where(
                Ticket.business_date.in_(days), Ticket.state == q.TicketState.WAITING
            )
        ):
            lines.setdefault(r.category, []).append((_aware(r.issued_at), r.id))
        for line in lines.values():
            line.sort()
        return {t.id: bisect.bisect_left(lines.get(t.category, []), (_aware(t.issued_at), t.id)) for t in waiting}

    def counter_states_in(self, s: Session) -> dict[int, q.CounterState]:
        rows = {r.id: q.CounterState(r.state) for r in s.scalars(select(Counter))}
        return {c.id: rows.get(c.id, q.CounterState.OPEN) for c in self.settings.counters}


ACTIVE = [q.TicketState.CALLED, q.TicketState.SERVING]  # a counter is busy with such a ticket


def _print_columns() -> tuple[Any, Any]:
    """A ticket's print status as two columns of the statement that reads the ticket (no second query)."""
    return (
        select(TicketPrint.printed).where(TicketPrint.ticket_id == Ticket.id).scalar_subquery()
        .correlate(Ticket).label("print_printed"),
        select(TicketPrint.error).where(TicketPrint.ticket_id == Ticket.id).scalar_subquery()
        .correlate(Ticket).label("print_error"),
    )


@functools.cache
def _locked_statement(pg: bool) -> Any:
    """The ticket by id (:tid) with its print status, row-locked on PostgreSQL. Built once: building a
    statement costs more Python than executing a cached one."""
    stmt = select(Ticket, *_print_columns()).where(Ticket.id == bindparam("tid"))
    return stmt.with_for_update(of=Ticket) if pg else stmt


# issue()'s statements, built once: constructing a statement costs more Python than running it.
_BUMP_SEQ = (
    update(DailySequence)
    .where(DailySequence.business_date == bindparam("day"), DailySequence.category == bindparam("cat"))
    .values(last_seq=DailySequence.last_seq + 1)
    .returning(DailySequence.last_seq)
)
_COUNT_WAITING = select(func.count()).select_from(Ticket).where(
    Ticket.business_date == bindparam("day"), Ticket.category == bindparam("cat"),
    Ticket.state == bindparam("waiting"),
)
_INSERT_TICKET = insert(Ticket).returning(Ticket.id)


@functools.cache
def _call_next_statement(pg: bool, pinned: bool = False) -> Any:
    """call_next's one statement: pick the oldest eligible waiting ticket and call it, in one round trip.

    The pick is a scalar subquery (PostgreSQL runs it once, before the update) that locks its row with
    FOR NO KEY UPDATE SKIP LOCKED, so concurrent callers on every daemon take different rows — exactly
    once. NO KEY UPDATE does not collide with the key-share locks that foreign keys (audit entries, print
    records) take, so a ticket being printed is never skipped. The counter's own conditions (open, not
    still busy with a called or served ticket) are uncorrelated, so they are checked once, and a counter
    that may not call locks nothing. On SQLite the transaction holds the write lock from BEGIN IMMEDIATE.
    Written as SQL text once: building the equivalent expression per call cost more Python than the rest
    of the call."""
    cols = list(Ticket.__table__.c)
    pin = "\n              AND t.id IN :tids" if pinned else ""  # reservations (issue 15): one of these, if callable
    sql = f"""
        UPDATE tickets SET state = :called, counter_id = :counter, called_at = :now, recall_count = 0,
               target_counter_id = NULL
        WHERE id = (
            SELECT t.id FROM tickets t
            WHERE t.business_date = :day AND t.state = :waiting
              AND ((t.target_counter_id IS NULL AND t.category IN :cats) OR t.target_counter_id = :counter)
              AND NOT EXISTS (SELECT 1 FROM tickets a WHERE a.business_date = :day AND a.counter_id = :counter
                              AND a.state IN (:called, :serving))
              AND NOT EXISTS (SELECT 1 FROM counters c WHERE c.id = :counter AND c.state <> :open){pin}
            ORDER BY t.issued_at, t.id LIMIT 1{" FOR NO KEY UPDATE SKIP LOCKED" if pg else ""})
        RETURNING {", ".join(c.name for c in cols)},
            (SELECT p.printed FROM ticket_prints p WHERE p.ticket_id = tickets.id) AS print_printed,
            (SELECT p.error FROM ticket_prints p WHERE p.ticket_id = tickets.id) AS print_error"""
    return (
        text(sql)
        .bindparams(bindparam("day", type_=Date()), bindparam("now", type_=UtcDateTime()),
                    bindparam("cats", expanding=True), *([bindparam("tids", expanding=True)] if pinned else []))
        .columns(*cols, column("print_printed", Boolean()), column("print_error", String()))
    )


def _aware(dt: datetime) -> datetime:
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)
