"""Issuing tickets and moving them through the queue: the use cases behind the dispenser and the panel.

Every change commits before anyone is told: the event is published and the ticket printed only
after the transaction that created or changed the ticket is durable.
"""

from __future__ import annotations

import bisect
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, sessionmaker

from station.clock import Clock
from station.config import CategorySettings, StationSettings
from station.domain import queue as q
from station.domain.calendar import BusinessCalendar, business_date, dispenser_decision
from station.events import (
    CounterStateChanged,
    EventBus,
    TicketCalled,
    TicketIssued,
    TicketStateChanged,
)
from station.services import audit
from station.services.audit import Actor
from station.services.errors import Conflict, Invalid, NotFound
from station.store.models import Counter, DailySequence, Ticket, TicketPrint


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

    def cutoff_minutes(self, cat: CategorySettings) -> int:
        return cat.cutoff_minutes if cat.cutoff_minutes is not None else self.settings.calendar.default_cutoff_minutes

    # --- issuing ----------------------------------------------------------------------------------
    def issue(self, category: str, source: str = "api", actor: Actor | None = None) -> TicketView:
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
        with self.sessions.begin() as s:
            seq = self._next_seq(s, day, cat.code)
            ahead = s.scalar(
                select(func.count()).select_from(Ticket).where(
                    Ticket.business_date == day, Ticket.category == cat.code,
                    Ticket.state == q.TicketState.WAITING,
                )
            ) or 0
            t = Ticket(
                business_date=day, category=cat.code, seq=seq, number=q.format_number(cat.prefix, seq),
                state=q.TicketState.WAITING, source=source, token=secrets.token_urlsafe(18),
                issued_at=now, recall_count=0, transfer_count=0,
            )
            s.add(t)
            s.flush()
            audit.record(s, now, actor or Actor(source), "ticket.issue", t.number, ticket_id=t.id)
            # Built from what this transaction already knows: the press → print path stays short.
            view = TicketView(
                id=t.id, number=t.number, spoken=q.spoken_number(cat.prefix, seq), category=cat.code,
                category_name_ja=cat.name_ja, category_name_en=cat.name_en, state=t.state, issued_at=now,
                called_at=None, counter_id=None, recall_count=0, waiting_ahead=ahead,
                estimated_wait_min=q.estimate_wait(ahead, service.get(cat.code, []), cat.default_service_minutes,
                                                   self._serving_counters(cat.code, states)),
                printed=None, print_error=None, token=t.token, business_date=day,
            )
        self.bus.publish(TicketIssued(at=now, ticket_id=view.id, number=view.number, category=view.category,
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
        bump = (
            update(DailySequence)
            .where(DailySequence.business_date == day, DailySequence.category == category)
            .values(last_seq=DailySequence.last_seq + 1)
            .returning(DailySequence.last_seq)
        )
        seq = s.execute(bump).scalar()
        if seq is not None:
            return int(seq)
        ins_mod = postgresql if self._is_pg(s) else sqlite
        s.execute(
            ins_mod.insert(DailySequence)
            .values(business_date=day, category=category, last_seq=0)
            .on_conflict_do_nothing()
        )
        seq = s.execute(bump).scalar()
        assert seq is not None
        return int(seq)

    # --- calling ----------------------------------------------------------------------------------
    def call_next(self, counter_id: int, actor: Actor | None = None) -> TicketView | None:
        """Call the oldest waiting visitor this counter serves; exactly once across all counters."""
        categories = self._counter_categories(counter_id)
        now = self.clock.now()
        day = business_date(now)
        with self.sessions.begin() as s:
            state = self._counter_state(s, counter_id)
            if state != q.CounterState.OPEN:
                raise Conflict(
                    f"{counter_id}番窓口は{'休止中' if state == q.CounterState.PAUSED else '閉鎖中'}です",
                    f"counter {counter_id} is {state}",
                )
            active = s.scalars(
                select(Ticket).where(
                    Ticket.business_date == day, Ticket.counter_id == counter_id,
                    Ticket.state.in_([q.TicketState.CALLED, q.TicketState.SERVING]),
                )
            ).first()
            if active is not None:
                raise Conflict(
                    f"{active.number} の対応を完了してから次を呼び出してください",
                    f"finish {active.number} before calling the next visitor",
                    ticket_id=active.id,
                )
            stmt = (
                select(Ticket)
                .where(
                    Ticket.business_date == day,
                    Ticket.state == q.TicketState.WAITING,
                    ((Ticket.target_counter_id.is_(None) & Ticket.category.in_(categories))
                     | (Ticket.target_counter_id == counter_id)),
                )
                .order_by(Ticket.issued_at, Ticket.id)
                .limit(1)
            )
            if self._is_pg(s):
                # NO KEY UPDATE: does not collide with the key-share locks that foreign keys
                # (audit entries, print records) take, so a ticket being printed is never skipped.
                stmt = stmt.with_for_update(skip_locked=True, key_share=True)
            t = s.scalars(stmt).first()
            if t is None:
                return None
            t.state = q.next_state(q.TicketState(t.state), q.Action.CALL)
            t.counter_id = counter_id
            t.called_at = now
            t.recall_count = 0
            t.target_counter_id = None
            audit.record(s, now, actor or Actor.system(), "ticket.call", t.number,
                         f"counter={counter_id}", ticket_id=t.id)
            view = self._view(s, t, now)
        self._publish_called(view, counter_id, recall=False)
        return view

    def _publish_called(self, view: TicketView, counter_id: int, recall: bool) -> None:
        counter = self.settings.counter(counter_id)
        self.bus.publish(TicketCalled(
            at=self.clock.now(), ticket_id=view.id, number=view.number, spoken=view.spoken,
            category=view.category, counter_id=counter_id,
            counter_name_ja=counter.name_ja if counter else f"{counter_id}番窓口", recall=recall,
        ))

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
        with self.sessions.begin() as s:
            stmt = select(Ticket).where(Ticket.id == ticket_id)
            if self._is_pg(s):
                stmt = stmt.with_for_update()
            t = s.scalars(stmt).first()
            if t is None:
                raise NotFound(f"番号札 {ticket_id} はありません", f"no ticket {ticket_id}")
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
            view = self._view(s, t, now)
        if action is q.Action.FINISH:
            self._estimate_cache = None
        if action is q.Action.RECALL and acting_counter is not None:
            self._publish_called(view, acting_counter, recall=True)
        self.bus.publish(TicketStateChanged(
            at=now, ticket_id=view.id, number=view.number, category=view.category, state=view.state,
            counter_id=acting_counter, action=action.value,
        ))
        return view

    def take_over(self, ticket_id: int, counter_id: int, actor: Actor | None = None) -> TicketView:
        """Another counter takes a called or served visitor (e.g. the first counter's PC died)."""
        self._counter_categories(counter_id)
        now = self.clock.now()
        with self.sessions.begin() as s:
            stmt = select(Ticket).where(Ticket.id == ticket_id)
            if self._is_pg(s):
                stmt = stmt.with_for_update()
            t = s.scalars(stmt).first()
            if t is None:
                raise NotFound(f"番号札 {ticket_id} はありません", f"no ticket {ticket_id}")
            if t.state not in q.ACTIVE_STATES:
                raise Conflict(f"{t.number} は呼出中・対応中ではありません", f"{t.number} is not called or served")
            busy = s.scalars(select(Ticket.number).where(
                Ticket.business_date == t.business_date, Ticket.counter_id == counter_id,
                Ticket.state.in_(list(q.ACTIVE_STATES)), Ticket.id != t.id)).first()
            if busy:
                raise Conflict(f"{counter_id}番窓口は {busy} の対応中です", f"counter {counter_id} is serving {busy}")
            previous = t.counter_id
            t.counter_id = counter_id
            audit.record(s, now, actor or Actor.system(), "ticket.take-over", t.number,
                         f"from={previous} to={counter_id}", ticket_id=t.id)
            view = self._view(s, t, now)
        self.bus.publish(TicketStateChanged(at=now, ticket_id=view.id, number=view.number, category=view.category,
                                            state=view.state, counter_id=counter_id, action="take-over"))
        return view

    # --- counters ---------------------------------------------------------------------------------
    def _counter_state(self, s: Session, counter_id: int) -> q.CounterState:
        row = s.get(Counter, counter_id)
        return q.CounterState(row.state) if row else q.CounterState.OPEN

    def set_counter_state(self, counter_id: int, state: q.CounterState, actor: Actor | None = None) -> None:
        self._counter_categories(counter_id)
        now = self.clock.now()
        with self.sessions.begin() as s:
            row = s.get(Counter, counter_id)
            if row is None:
                row = Counter(id=counter_id)
                s.add(row)
            row.state = state
            row.updated_at = now
            audit.record(s, now, actor or Actor.system(), f"counter.{state.value}", str(counter_id))
        self._estimate_cache = None
        self.bus.publish(CounterStateChanged(at=now, counter_id=counter_id, state=state.value))

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
                    n, service.get(cat.code, []), cat.default_service_minutes,
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

    def _views(self, s: Session, tickets: list[Ticket], now: datetime) -> list[TicketView]:
        if not tickets:
            return []
        days = {t.business_date for t in tickets}
        waiting = [t for t in tickets if t.state == q.TicketState.WAITING]
        ahead_of = self._ahead(s, waiting, days)
        # Estimates from today's service times and open counters: cached, not a query per view.
        service, counters = self._estimate_inputs(next(iter(days)), now, s)
        prints = {p.ticket_id: p for p in s.scalars(
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
                printed=prints[t.id].printed if t.id in prints else None,
                print_error=prints[t.id].error if t.id in prints else None,
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


def _aware(dt: datetime) -> datetime:
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)
