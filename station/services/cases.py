"""Counter cases: the procedure a called visitor needs, walked step by step (D-DOC, D-ISS, D-OTH, D-INS, D-APP).

A case belongs to a ticket (or none: a walk-up question), has a procedure from the catalog, a clerk, steps
with timestamps, an outcome and a handover state. Every step commits with its audit entry before anyone is
told; slips print after the commit (a failed print leaves a reprintable slip). Personal data (the notice
number, what was presented, what the visitor said) sits only in `Case.notice_no`, `Case.data` and
`Handover.note`, and is purged when the handover to city staff closes (D-ALL-2) or the day is handed over.

Card taps: the service listens on the bus for `card_read` events from each counter's reader and uses the
latest read of the case's counter — the browser never tells the server what the card said.
"""

from __future__ import annotations

import json
import logging
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from drivers.receipt import Receipt
from station.clock import Clock
from station.config import StationSettings
from station.domain import barcodes
from station.domain.calendar import BusinessCalendar, business_date
from station.domain.card_record import CardStatus, NoticeType, age_on
from station.domain.documents import Presented, Who, all_presented, check_documents, checklist
from station.events import CardRead, CardRemoved, CaseUpdated, Envelope, EventBus, HandoverUpdated
from station.procedures_catalog import Catalog, ProcedureDef
from station.services import audit
from station.services.audit import Actor
from station.services.card_lookup import CardLookup
from station.services.errors import Conflict, Invalid, NotFound
from station.slips import guidance
from station.store.models import Ticket
from station.store.models_cases import Case, CaseConsent, CaseStep, Handover

log = logging.getLogger(__name__)

OPEN_STATES = ("open", "awaiting_staff")
CONSENTS = {
    "insurance": ("insurance_irrevocable", "健康保険証の利用申込は、申込後に取り消すことができません",
                  "the health-insurance use application cannot be withdrawn once made"),
    "public_funds": ("public_funds_own_name", "公金受取口座として登録する口座は、ご本人名義のものです",
                     "the public-funds account is in the holder's own name"),
}
NOTICE_TYPE_JA = {NoticeType.NOTIFICATION_CARD.value: "通知カード", NoticeType.NUMBER_NOTICE.value: "個人番号通知書"}
# What undoing a step takes back out of the case's working data.
UNDO_KEYS = {
    "notice": ("record",), "documents": ("presented", "verdict"), "juki_check": ("juki",),
    "card_tap": ("card",), "old_card_tap": ("old_card",), "pins_known": ("pins_known",),
}
PrinterProvider = Callable[[], Any]


@dataclass(frozen=True)
class CaseView:
    id: int
    business_date: date
    ticket_id: int | None
    ticket_number: str | None
    counter_id: int | None
    procedure: str
    procedure_ja: str
    procedure_en: str
    flow: str
    state: str
    clerk: str
    opened_at: datetime
    closed_at: datetime | None
    outcome: str | None
    outcome_ja: str | None
    outcome_en: str | None
    next_step: str | None
    steps: list[dict[str, Any]]
    history: list[dict[str, Any]]
    can_undo: bool
    record: dict[str, Any] | None
    checklist: list[dict[str, Any]]
    verdict: dict[str, Any] | None
    presented: dict[str, Any] | None
    card: dict[str, Any] | None
    old_card: dict[str, Any] | None
    juki: dict[str, Any] | None
    consents: list[dict[str, Any]]
    applications: list[str]
    handover: dict[str, Any] | None
    collected: list[dict[str, str]]
    renewal_guidance: bool
    pin_reset_guidance: bool
    documents_slip: bool
    insurance_applied: bool
    public_funds_registered: bool
    linked_case_id: int | None
    purged: bool
    outcomes: list[dict[str, str]]
    last_print: dict[str, Any] | None = None


@dataclass(frozen=True)
class HandoverView:
    id: int
    case_id: int
    counter_id: int | None
    ticket_number: str | None
    procedure: str
    procedure_ja: str
    reason: str
    reason_ja: str
    reason_en: str
    from_step: str
    state: str
    requested_at: datetime
    requested_by: str
    taken_at: datetime | None
    taken_by: str | None
    closed_at: datetime | None
    closed_by: str | None
    note: str | None


@dataclass
class _Work:
    """What a step function leaves for after the commit."""

    slips: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    events: list[Any] = field(default_factory=list)
    purge: bool = False


def _aware(dt: datetime | None) -> datetime | None:
    if dt is None:
        return None
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


class CaseService:
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
        self.calendar = calendar
        self.catalog = catalog
        self.rules = catalog.document_rules()
        self.sessions = sessions
        self.clock = clock
        self.bus = bus
        self.lookup = lookup
        self._printer = printer or (lambda: None)
        self._cards: dict[int, dict[str, Any]] = {}
        self._cards_lock = threading.Lock()
        self._last_print: dict[int, dict[str, Any]] = {}
        # Called as hook(session, case_id, now) inside every purge's transaction, so a capability that
        # keeps personal data about a case (the phone desk's slips) purges it together (D-ALL-2).
        self.purge_hooks: list[Callable[[Session, int, datetime], None]] = []
        bus.add_listener(self._on_event)

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
            raise Invalid(f"手続き「{code}」はありません（{known}）", f"unknown procedure {code!r} (known: {known})")
        return p

    def _load(self, s: Session, case_id: int, lock: bool = False) -> Case:
        stmt = select(Case).where(Case.id == case_id)
        if lock and s.get_bind().dialect.name == "postgresql":
            stmt = stmt.with_for_update()
        c = s.scalars(stmt).first()
        if c is None:
            raise NotFound(f"案件 {case_id} はありません", f"no case {case_id}")
        return c

    @staticmethod
    def _data(c: Case) -> dict[str, Any]:
        return json.loads(c.data) if c.data else {}

    @staticmethod
    def _done(s: Session, case_id: int) -> list[CaseStep]:
        return list(s.scalars(select(CaseStep).where(CaseStep.case_id == case_id, CaseStep.undone_at.is_(None))
                              .order_by(CaseStep.id)))

    def _order(self, c: Case, data: dict[str, Any]) -> list[str]:
        if c.flow == "issuance":
            order = ["notice", "documents", "staff_check", "juki_check", "card_tap", "explained", "receipt_copy",
                     "issued"]
            if (data.get("record") or {}).get("is_renewal"):
                order.insert(order.index("card_tap") + 1, "old_card_tap")
            return order
        if c.flow == "insurance":
            return ["card_tap", "pins_known", "consents", "applied"]
        return [st.code for st in self._procedure(c.procedure).steps]

    def _next_step(self, c: Case, data: dict[str, Any], done: set[str]) -> str | None:
        if c.state not in OPEN_STATES:
            return None
        for code in self._order(c, data):
            if code not in done:
                return code
        return "complete" if c.flow in ("simple", "handover") else None

    def _step_allowed(self, c: Case, data: dict[str, Any], done: set[str], step: str) -> None:
        if c.state == "handed_over":
            raise Conflict("この案件は本市職員に引き継がれています", "this case is with city staff")
        if c.state not in OPEN_STATES:
            raise Conflict("この案件は終了しています", "this case is closed")
        if step in done:
            raise Conflict("この手順は済んでいます", f"step {step} is already done")
        nxt = self._next_step(c, data, done)
        if c.flow in ("simple", "handover"):
            if step not in self._order(c, data):
                raise Invalid(f"手順「{step}」はこの手続きにありません", f"no step {step!r} in this procedure")
            return
        ok = step == nxt
        if c.flow == "issuance":
            if step == "juki_check" and nxt == "staff_check":
                ok = True  # the resident-record check may run while city staff look (D-ISS-2/3)
            if {step, nxt} <= {"card_tap", "old_card_tap"}:
                ok = True
        if not ok:
            names = {st.code: st.ja for st in self._procedure(c.procedure).steps}
            want = names.get(nxt or "", nxt or "")
            raise Conflict(f"先に「{want}」を済ませてください", f"do {nxt!r} first", next_step=nxt)

    def _change(self, case_id: int, actor: Actor, step: str, fn: Callable[..., str], *,
                undoable: bool = False, check_order: bool = True) -> CaseView:
        """Run one step under the case's row lock, record it and its audit entry, then print and publish."""
        now = self.clock.now()
        work = _Work()
        with self.sessions.begin() as s:
            c = self._load(s, case_id, lock=True)
            data = self._data(c)
            done = {st.step for st in self._done(s, c.id)}
            if check_order:
                self._step_allowed(c, data, done, step)
            detail = fn(s, c, data, now, work)
            c.data = json.dumps(data, ensure_ascii=False, default=str) if c.purged_at is None else None
            s.add(CaseStep(case_id=c.id, step=step, at=now, actor=actor.name, detail=detail, undoable=undoable))
            audit.record(s, now, actor, f"case.{step}", f"case:{c.id}", detail, ticket_id=c.ticket_id)
            if work.purge:
                self._purge_in(s, c, now, actor)
            work.events.append(CaseUpdated(at=now, case_id=c.id, counter_id=c.counter_id, procedure=c.procedure,
                                           state=c.state, step=step, outcome=c.outcome,
                                           ticket_number=c.ticket_number))
        printed = [self._print(case_id, kind, params) for kind, params in work.slips]
        for ev in work.events:
            self.bus.publish(ev)
        view = self.get(case_id)
        if printed:
            view = _with_print(view, printed[-1])
        return view

    # --- opening ---------------------------------------------------------------------------------------
    def open(self, counter_id: int | None, actor: Actor, procedure: str | None = None,
             ticket_id: int | None = None, linked_case_id: int | None = None) -> CaseView:
        """Open a case for a called ticket (or a walk-up without one); the same ticket's open case is reused."""
        if counter_id is not None and self.settings.counter(counter_id) is None:
            raise NotFound(f"{counter_id}番窓口はありません", f"no counter {counter_id}")
        now = self.clock.now()
        number = category = None
        if ticket_id is not None:
            with self.sessions() as s:
                t = s.get(Ticket, ticket_id)
                if t is None:
                    raise NotFound(f"番号札 {ticket_id} はありません", f"no ticket {ticket_id}")
                number, category = t.number, t.category
                existing = s.scalars(select(Case.id, Case.procedure).where(
                    Case.ticket_id == ticket_id, Case.state.in_(OPEN_STATES)).order_by(Case.id.desc())).first()
            if existing is not None:
                with self.sessions() as s:
                    row = s.get(Case, existing)
                    reuse = row is not None and (procedure is None or row.procedure == procedure)
                if reuse:
                    return self.get(existing)
        with self.sessions.begin() as s:
            proc = self._procedure(procedure) if procedure else self.catalog.default_procedure(category)
            c = Case(business_date=business_date(now), ticket_id=ticket_id, ticket_number=number,
                     counter_id=counter_id, procedure=proc.code, flow=proc.flow, state="open", clerk=actor.name,
                     opened_at=now, linked_case_id=linked_case_id, collected="", data="{}",
                     renewal_guidance=False, pin_reset_guidance=False, documents_slip=False,
                     insurance_applied=False, public_funds_registered=False)
            s.add(c)
            s.flush()
            audit.record(s, now, actor, "case.open", f"case:{c.id}",
                         f"procedure={proc.code} counter={counter_id}" + (f" linked={linked_case_id}"
                                                                          if linked_case_id else ""),
                         ticket_id=ticket_id)
            ev = CaseUpdated(at=now, case_id=c.id, counter_id=counter_id, procedure=proc.code, state="open",
                             step="open", ticket_number=number)
            cid = c.id
        self.bus.publish(ev)
        return self.get(cid)

    def open_linked(self, case_id: int, procedure: str, actor: Actor) -> CaseView:
        """Continue with another procedure for the same visitor (D-ISS-6 insurance, PIN reset first …)."""
        base = self.get(case_id)
        return self.open(base.counter_id, actor, procedure, ticket_id=None, linked_case_id=case_id)

    def change_procedure(self, case_id: int, procedure: str, actor: Actor) -> CaseView:
        """The visitor needs something else: allowed while nothing has been done on the case yet."""
        proc = self._procedure(procedure)

        def fn(s: Session, c: Case, data: dict[str, Any], now: datetime, work: _Work) -> str:
            if c.state != "open" or self._done(s, c.id):
                raise Conflict("手順を始めた案件の手続きは変えられません", "the case has steps already")
            old = c.procedure
            c.procedure, c.flow = proc.code, proc.flow
            return f"{old}->{proc.code}"

        return self._change(case_id, actor, "procedure", fn, check_order=False)

    # --- issuance (D-DOC, D-ISS) -------------------------------------------------------------------------
    def scan_notice(self, case_id: int, text: str, actor: Actor) -> CaseView:
        """The notice's QR code scanned or its number typed: find the card and its shelf slot (D-ISS-1)."""
        try:
            notice = barcodes.parse_notice_number(text).canonical
        except barcodes.BarcodeError as e:
            raise Invalid(e.message_ja, e.message_en) from None
        record = self.lookup.find(notice)
        if record is None:
            raise NotFound(f"交付通知書 {notice} のカードは在庫にありません。本市職員に確認してください",
                           f"no card in stock for notice {notice}; ask city staff", notice_no=notice)
        if record.status is not CardStatus.READY:
            msg = {CardStatus.ISSUED: ("このカードは交付済みです", "this card was already issued"),
                   CardStatus.RETURNED: ("このカードは返納されています", "this card was returned")}.get(
                record.status, (f"このカードはまだ交付できません（{record.status.value}）。本市職員に確認してください",
                                f"this card is not ready ({record.status.value}); ask city staff"))
            raise Conflict(*msg, status=record.status.value)
        today = business_date(self.clock.now())

        def fn(s: Session, c: Case, data: dict[str, Any], now: datetime, work: _Work) -> str:
            if c.flow != "issuance":
                raise Conflict("交付の案件ではありません", "not an issuance case")
            age = age_on(record.birth_date, today) if record.birth_date else None
            c.notice_no = notice
            c.is_renewal = record.is_renewal
            data["record"] = {
                "manufacturing_no": record.manufacturing_no, "box": record.box, "position": record.position,
                "box_label": barcodes.make_box_label(record.box) if record.box else None,
                "notice_type": record.notice_type.value, "is_renewal": record.is_renewal,
                "has_juki_card": record.has_juki_card, "age": age,
                "under_guardian_age": age is not None and age < self.rules.guardian_under_age,
                "receipt_deadline": record.receipt_deadline.isoformat() if record.receipt_deadline else None,
            }
            return f"mfg={record.manufacturing_no} renewal={record.is_renewal} juki={record.has_juki_card}"

        return self._change(case_id, actor, "notice", fn, undoable=True)

    def present_documents(self, case_id: int, presented: Presented, actor: Actor) -> CaseView:
        """The clerk's ticks → the verdict. Incomplete: 持ち物案内 printed, case returned. Escalation: to city
        staff. Complete: the ID is kept and the case waits for the city-staff check (D-DOC-6, D-ISS-2)."""
        unknown = [d for d in presented.documents if d not in self.rules.documents]
        if unknown:
            raise Invalid(f"書類コード {unknown} はありません", f"unknown document codes {unknown}")

        with self.sessions() as s:
            notice_no = self._load(s, case_id).notice_no
        record = self.lookup.find(notice_no) if notice_no else None  # outside any transaction (SQLite lock)

        def fn(s: Session, c: Case, data: dict[str, Any], now: datetime, work: _Work) -> str:
            if record is None or c.notice_no != notice_no:
                raise Conflict("先に交付通知書を読み取ってください", "scan the notice first")
            today = business_date(now)
            v = check_documents(record, presented, today, self.rules)
            data["presented"] = _presented_dict(presented)
            data["verdict"] = v.as_dict()
            if v.complete:
                c.state = "awaiting_staff"
                return "complete"
            if v.problems:
                c.outcome = "returned_documents"
                c.state = "closed"
                c.closed_at = now
                c.documents_slip = True
                required = {r.item: r for r in v.required}
                missing_items = {p.item for p in v.problems}
                params = {
                    "missing": [[self._plain_name(p.item), _why(p)] for p in v.problems],
                    "bring_also": [self._plain_name(r.item) for r in v.required
                                   if r.item not in missing_items and r.item in required
                                   and r.item not in ("proxy_reason", "guardian")],
                    "deadline": data.get("record", {}).get("receipt_deadline"),
                    "ticket_number": c.ticket_number,
                }
                data["slip_documents"] = params
                work.slips.append(("documents", params))
                return "incomplete missing=" + ",".join(sorted(missing_items))
            # escalations only: city staff decide (D-DOC-8 and the receipt deadline)
            self._handover_in(s, c, "document_check", "documents", None, actor, now, work)
            return "escalated " + ",".join(e.code for e in v.escalations)

        return self._change(case_id, actor, "documents", fn, undoable=True)

    def present_all(self, case_id: int, actor: Actor) -> CaseView:
        """One key for the usual visitor: the holder came with everything their record asks for."""
        with self.sessions() as s:
            notice_no = self._load(s, case_id).notice_no
        record = self.lookup.find(notice_no) if notice_no else None
        if record is None:
            raise Conflict("先に交付通知書を読み取ってください", "scan the notice first")
        return self.present_documents(case_id, all_presented(record, business_date(self.clock.now()),
                                                             Who.HOLDER, self.rules), actor)

    def _plain_name(self, item: str) -> str:
        names = {"holder_id": "ご本人の本人確認書類（運転免許証・パスポートなどの原本）",
                 "proxy_id": "代理人の本人確認書類（原本）", "guardian_id": "保護者の本人確認書類（原本）",
                 "guardian": "保護者の方の同伴", "proxy_reason": "代理受取の理由（国が認める理由のみ）"}
        if item in names:
            return names[item]
        return self.catalog.doc_name(item)[0]

    def staff_check(self, case_id: int, actor: Actor) -> CaseView:
        """A city-staff user confirms the set (card, ID, notice, notification card) (D-ISS-2)."""

        def fn(s: Session, c: Case, data: dict[str, Any], now: datetime, work: _Work) -> str:
            c.state = "open"
            return "checked"

        return self._change(case_id, actor, "staff_check", fn)

    def juki_check(self, case_id: int, holds: bool, actor: Actor) -> CaseView:
        """The resident record says whether a 住基カード is held; if so it is collected and cancelled (D-ISS-3)."""

        def fn(s: Session, c: Case, data: dict[str, Any], now: datetime, work: _Work) -> str:
            data["juki"] = {"holds": holds, "collected": holds}
            if holds and "juki_card" not in (data.get("verdict") or {}).get("collected", []):
                raise Conflict("住基カードを保有しています。住基カードを回収してください（書類の確認からやり直し）",
                               "the resident holds a 住基カード: collect it (redo the document check)")
            return f"holds={holds}"

        return self._change(case_id, actor, "juki_check", fn, undoable=True)

    def card_tap(self, case_id: int, actor: Actor, role: str = "new") -> CaseView:
        """Use the card on this counter's reader: the new card (issuance), the old one (renewal), or the
        visitor's card (insurance support)."""
        with self.sessions() as s:
            c = self._load(s, case_id)
            counter_id = c.counter_id
        read = self.card_on_reader(counter_id) if counter_id is not None else None
        if read is None:
            raise Conflict("カードをカードリーダーに置いてください", "put the card on the reader")
        verdict = read["verdict"]
        if not verdict.get("is_my_number_card"):
            raise Conflict("マイナンバーカードとして読み取れません。カードを確認してください",
                           "the card does not read as a My Number Card", verdict=verdict)
        step = "old_card_tap" if role == "old" else "card_tap"

        def fn(s: Session, c: Case, data: dict[str, Any], now: datetime, work: _Work) -> str:
            used = data.setdefault("reads", [])
            if read["seq"] in used:
                raise Conflict("同じ読み取りです。別のカードを置いてください",
                               "this read was used already; put the other card")
            used.append(read["seq"])
            state = verdict.get("cert_state")
            summary = {"cert_state": state, "expires_on": verdict.get("expires_on"),
                       "days_to_expiry": verdict.get("days_to_expiry"), "locked_pins": verdict.get("locked_pins", []),
                       "messages": verdict.get("messages", []), "warnings": verdict.get("warnings", []),
                       "read_at": read["at"]}
            if c.flow == "issuance":
                if step == "old_card_tap":
                    if not c.is_renewal:
                        raise Conflict("更新ではありません", "not a renewal")
                    data["old_card"] = summary
                    return f"old cert={state}"
                if state not in ("valid", "renew_soon"):
                    raise Conflict("新しいカードの電子証明書が有効ではありません。本市職員に確認してください",
                                   "the new card's certificate is not valid; ask city staff", verdict=verdict)
                data["card"] = summary
                return f"new cert={state}"
            if c.flow != "insurance":
                data["card"] = summary
                return f"cert={state}"
            data["card"] = summary
            locked = [p for p in verdict.get("locked_pins", []) if p in ("auth", "assist")]
            if state == "expired":
                c.outcome, c.state, c.closed_at = "renewal_first", "closed", now
                c.renewal_guidance = True
                params = {"expires_on": verdict.get("expires_on"), "days_left": verdict.get("days_to_expiry"),
                          "expired": True, "ticket_number": c.ticket_number}
                data["slip_renewal"] = params
                work.slips.append(("renewal", params))
                return "cert=expired outcome=renewal_first"
            if locked:
                c.outcome, c.state, c.closed_at = "pin_reset_first", "closed", now
                c.pin_reset_guidance = True
                params = {"locked": locked, "ticket_number": c.ticket_number}
                data["slip_pin_reset"] = params
                work.slips.append(("pin_reset", params))
                return f"locked={','.join(locked)} outcome=pin_reset_first"
            if state == "renew_soon":
                c.renewal_guidance = True
                params = {"expires_on": verdict.get("expires_on"), "days_left": verdict.get("days_to_expiry"),
                          "expired": False, "ticket_number": c.ticket_number}
                data["slip_renewal"] = params
                work.slips.append(("renewal", params))
                return "cert=renew_soon guidance"
            if state != "valid":
                raise Conflict("電子証明書を確認できません", "the certificate could not be checked", verdict=verdict)
            return "cert=valid"

        return self._change(case_id, actor, step, fn, undoable=True)

    def tick(self, case_id: int, step: str, actor: Actor) -> CaseView:
        """A step that is only a confirmation: explained (D-DOC-7, D-ISS-4), receipt_copy (D-ISS-5),
        pins_known (D-INS-1), or any step of a simple/handover procedure."""
        flow_ticks = {"issuance": ("explained", "receipt_copy"), "insurance": ("pins_known",)}

        def fn(s: Session, c: Case, data: dict[str, Any], now: datetime, work: _Work) -> str:
            allowed = flow_ticks.get(c.flow)
            if allowed is not None and step not in allowed:
                raise Invalid(f"手順「{step}」はここでは確認できません", f"step {step!r} is not a confirmation step")
            if step == "pins_known":
                data["pins_known"] = True
            return "ok"

        return self._change(case_id, actor, step, fn, undoable=True)

    def issue(self, case_id: int, actor: Actor) -> CaseView:
        """Hand the card over: the stock record becomes issued, the collected documents are listed (D-BO-6)."""
        with self.sessions() as s:
            c = self._load(s, case_id)
            data = self._data(c)
            done = {st.step for st in self._done(s, c.id)}
            self._step_allowed(c, data, done, "issued")
            notice = c.notice_no
        if notice is None:
            raise Conflict("交付通知書がありません", "no notice on this case")
        self.lookup.mark_issued(notice, actor)

        def fn(s: Session, c: Case, data: dict[str, Any], now: datetime, work: _Work) -> str:
            kinds = list((data.get("verdict") or {}).get("collected", []))
            if (data.get("juki") or {}).get("collected") and "juki_card" not in kinds:
                kinds.append("juki_card")
            c.collected = ",".join(kinds)
            c.outcome, c.state, c.closed_at = "issued", "closed", now
            return "collected=" + c.collected

        return self._change(case_id, actor, "issued", fn)

    # --- insurance / public funds (D-INS) ----------------------------------------------------------------
    def consents(self, case_id: int, applications: list[str], consents: list[str], actor: Actor) -> CaseView:
        """Which applications the visitor makes, and the consents each needs (D-INS-2), with time and clerk."""
        apps = list(dict.fromkeys(applications))
        if not apps or any(a not in CONSENTS for a in apps):
            raise Invalid("申込の種類を選んでください（insurance / public_funds）",
                          "choose the applications: insurance and/or public_funds")
        missing = [a for a in apps if CONSENTS[a][0] not in consents]
        if missing:
            ja = "・".join(CONSENTS[a][1] for a in missing)
            en = "; ".join(CONSENTS[a][2] for a in missing)
            raise Conflict(f"次の点についてご本人の同意を確認してください: {ja}",
                           f"confirm the visitor's consent: {en}", missing=[CONSENTS[a][0] for a in missing])

        def fn(s: Session, c: Case, data: dict[str, Any], now: datetime, work: _Work) -> str:
            for a in apps:
                s.add(CaseConsent(case_id=c.id, kind=CONSENTS[a][0], at=now, clerk=actor.name))
            data["applications"] = apps
            return "consents=" + ",".join(CONSENTS[a][0] for a in apps)

        return self._change(case_id, actor, "consents", fn)

    def applied(self, case_id: int, actor: Actor, applications: list[str] | None = None) -> CaseView:
        """The application(s) made on the portal terminal (D-INS-4); counted per type."""

        def fn(s: Session, c: Case, data: dict[str, Any], now: datetime, work: _Work) -> str:
            agreed = data.get("applications", [])
            apps = applications if applications is not None else agreed
            extra = [a for a in apps if a not in agreed]
            if extra or not apps:
                raise Conflict("同意を確認していない申込があります", f"no consent recorded for {extra or 'any'}")
            c.insurance_applied = "insurance" in apps
            c.public_funds_registered = "public_funds" in apps
            c.outcome, c.state, c.closed_at = "applied", "closed", now
            return "applied=" + ",".join(apps)

        return self._change(case_id, actor, "applied", fn)

    # --- simple and handover procedures (D-OTH, D-APP, inquiry) --------------------------------------------
    def complete(self, case_id: int, outcome: str | None, actor: Actor, note: str | None = None) -> CaseView:
        """Finish a simple procedure with one of its outcomes, or hand a handover procedure to city staff."""

        def fn(s: Session, c: Case, data: dict[str, Any], now: datetime, work: _Work) -> str:
            proc = self._procedure(c.procedure)
            if c.flow not in ("simple", "handover"):
                raise Conflict("この手続きは手順に沿って完了します", "this procedure finishes through its steps")
            done = {st.step for st in self._done(s, c.id)}
            missing = [st.ja for st in proc.steps if st.code not in done]
            if missing:
                raise Conflict(f"まだ済んでいない手順があります: {'、'.join(missing)}",
                               f"steps not done yet: {len(missing)}")
            if c.flow == "handover":
                assert proc.handover_reason
                self._handover_in(s, c, proc.handover_reason, "complete", note, actor, now, work)
                return f"handover={proc.handover_reason}"
            codes = [o.code for o in proc.outcomes]
            chosen = outcome or (codes[0] if len(codes) == 1 else None)
            if chosen not in codes:
                raise Invalid(f"結果を選んでください（{', '.join(codes)}）", f"choose an outcome ({', '.join(codes)})")
            c.outcome, c.state, c.closed_at = chosen, "closed", now
            if proc.collects:
                c.collected = ",".join(proc.collects)
            return f"outcome={chosen}"

        return self._change(case_id, actor, "complete", fn, check_order=False)

    def cancel(self, case_id: int, actor: Actor) -> CaseView:
        """The visitor left before the end (nothing issued)."""

        def fn(s: Session, c: Case, data: dict[str, Any], now: datetime, work: _Work) -> str:
            if c.state not in OPEN_STATES:
                raise Conflict("この案件は終了しています", "this case is closed")
            c.outcome, c.state, c.closed_at = "cancelled", "closed", now
            return "cancelled"

        return self._change(case_id, actor, "cancel", fn, check_order=False)

    # --- undo ------------------------------------------------------------------------------------------------
    def undo(self, case_id: int, actor: Actor) -> CaseView:
        """Take back the last step, when it had no effect outside this case (no slip, no stock change)."""
        now = self.clock.now()
        with self.sessions.begin() as s:
            c = self._load(s, case_id, lock=True)
            if c.state not in OPEN_STATES:
                raise Conflict("終了した案件の手順は取り消せません", "the case is closed")
            steps = [st for st in self._done(s, c.id) if st.step != "procedure"]
            if not steps:
                raise Conflict("取り消せる手順がありません", "nothing to undo")
            last = steps[-1]
            if not last.undoable:
                raise Conflict("この手順は取り消せません", f"step {last.step} cannot be undone", step=last.step)
            data = self._data(c)
            for key in UNDO_KEYS.get(last.step, ()):
                data.pop(key, None)
            if last.step == "documents":
                c.state = "open"
            if last.step == "notice":
                c.notice_no = None
                c.is_renewal = None
            if last.step == "card_tap" and c.flow == "insurance":
                c.renewal_guidance = False
            c.data = json.dumps(data, ensure_ascii=False, default=str)
            last.undone_at, last.undone_by = now, actor.name
            audit.record(s, now, actor, "case.undo", f"case:{c.id}", f"step={last.step}", ticket_id=c.ticket_id)
            ev = CaseUpdated(at=now, case_id=c.id, counter_id=c.counter_id, procedure=c.procedure, state=c.state,
                             step=f"undo:{last.step}", outcome=c.outcome, ticket_number=c.ticket_number)
        self.bus.publish(ev)
        return self.get(case_id)

    # --- handover to city staff (D-GUI-2/3, D-OTH-2/4, D-APP-3) ---------------------------------------------
    def _handover_in(self, s: Session, c: Case, reason: str, from_step: str, note: str | None, actor: Actor,
                     now: datetime, work: _Work) -> None:
        if self.catalog.handover_reason(reason) is None:
            known = ", ".join(r.code for r in self.catalog.handover_reasons)
            raise Invalid(f"引継ぎ理由「{reason}」はありません（{known}）", f"unknown handover reason {reason!r}")
        if c.state not in OPEN_STATES:
            raise Conflict("この案件は引継ぎできません（終了済みか引継ぎ中）",
                           "the case is closed or already handed over")
        h = Handover(case_id=c.id, business_date=c.business_date, reason=reason, from_step=from_step,
                     state="waiting", requested_at=now, requested_by=actor.name, note=note or None)
        s.add(h)
        s.flush()
        c.state = "handed_over"
        c.outcome = "handed_over"
        work.events.append(HandoverUpdated(at=now, handover_id=h.id, case_id=c.id, counter_id=c.counter_id,
                                           reason=reason, state="waiting"))

    def open_handover_in(self, s: Session, procedure: str, reason: str, note: str | None, actor: Actor,
                         now: datetime) -> tuple[int, int, list[Any]]:
        """A case handed to city staff as it opens, away from any counter (the phone desk, D-TEL-2/3/4), in
        the caller's transaction. Returns (case id, handover id, events the caller publishes after commit)."""
        proc = self._procedure(procedure)
        c = Case(business_date=business_date(now), ticket_id=None, ticket_number=None, counter_id=None,
                 procedure=proc.code, flow=proc.flow, state="open", clerk=actor.name, opened_at=now, collected="",
                 data="{}", renewal_guidance=False, pin_reset_guidance=False, documents_slip=False,
                 insurance_applied=False, public_funds_registered=False)
        s.add(c)
        s.flush()
        audit.record(s, now, actor, "case.open", f"case:{c.id}", f"procedure={proc.code} counter=None")
        work = _Work()
        self._handover_in(s, c, reason, "open", note, actor, now, work)
        s.add(CaseStep(case_id=c.id, step="handover", at=now, actor=actor.name, detail=f"reason={reason}"))
        audit.record(s, now, actor, "case.handover", f"case:{c.id}", f"reason={reason}")
        h = s.scalars(select(Handover).where(Handover.case_id == c.id)).one()
        return c.id, h.id, work.events

    def handover(self, case_id: int, reason: str, actor: Actor, note: str | None = None) -> CaseView:
        """Hand the case to city staff from any step, with a reason from the catalog."""
        if note is not None and len(note) > 500:
            raise Invalid("メモは500文字までです", "the note is limited to 500 characters")

        def fn(s: Session, c: Case, data: dict[str, Any], now: datetime, work: _Work) -> str:
            done = [st.step for st in self._done(s, c.id)]
            self._handover_in(s, c, reason, done[-1] if done else "open", note, actor, now, work)
            return f"reason={reason}"

        return self._change(case_id, actor, "handover", fn, check_order=False)

    def _handover_change(self, handover_id: int, actor: Actor, to: str) -> HandoverView:
        now = self.clock.now()
        with self.sessions.begin() as s:
            stmt = select(Handover).where(Handover.id == handover_id)
            if s.get_bind().dialect.name == "postgresql":
                stmt = stmt.with_for_update()
            h = s.scalars(stmt).first()
            if h is None:
                raise NotFound(f"引継ぎ {handover_id} はありません", f"no handover {handover_id}")
            c = self._load(s, h.case_id, lock=True)
            if to == "taken":
                if h.state != "waiting":
                    who = f"（{h.taken_by}）" if h.taken_by else ""
                    raise Conflict(f"この引継ぎはすでに対応されています{who}", f"handover is {h.state}",
                                   state=h.state)
                h.state, h.taken_at, h.taken_by = "taken", now, actor.name
            else:
                if h.state == "closed":
                    raise Conflict("この引継ぎは完了しています", "handover is closed", state=h.state)
                if h.state == "waiting":
                    h.taken_at, h.taken_by = now, actor.name
                h.state, h.closed_at, h.closed_by = "closed", now, actor.name
                c.state, c.closed_at = "closed", now
            s.add(CaseStep(case_id=c.id, step=f"handover_{to}", at=now, actor=actor.name,
                           detail=f"handover={h.id}", undoable=False))
            audit.record(s, now, actor, f"handover.{to}", f"case:{c.id}", f"handover={h.id} reason={h.reason}",
                         ticket_id=c.ticket_id)
            if to == "closed":
                self._purge_in(s, c, now, actor)  # D-ALL-2: personal data goes once the handover is complete
            events = [HandoverUpdated(at=now, handover_id=h.id, case_id=c.id, counter_id=c.counter_id,
                                      reason=h.reason, state=h.state),
                      CaseUpdated(at=now, case_id=c.id, counter_id=c.counter_id, procedure=c.procedure,
                                  state=c.state, step=f"handover_{to}", outcome=c.outcome,
                                  ticket_number=c.ticket_number)]
        for ev in events:
            self.bus.publish(ev)
        return self.get_handover(handover_id)

    def take(self, handover_id: int, actor: Actor) -> HandoverView:
        """A city-staff user takes the handed-over case (one of them, exactly once)."""
        return self._handover_change(handover_id, actor, "taken")

    def close_handover(self, handover_id: int, actor: Actor) -> HandoverView:
        """City staff finished: the case closes and its personal data is purged (D-ALL-2)."""
        return self._handover_change(handover_id, actor, "closed")

    def handovers(self, states: tuple[str, ...] = ("waiting", "taken"), day: date | None = None) -> list[HandoverView]:
        with self.sessions() as s:
            stmt = select(Handover, Case).join(Case, Case.id == Handover.case_id).where(Handover.state.in_(states))
            if day is not None:
                stmt = stmt.where(Handover.business_date == day)
            rows = s.execute(stmt.order_by(Handover.requested_at, Handover.id)).all()
            return [self._handover_view(h, c) for h, c in rows]

    def get_handover(self, handover_id: int) -> HandoverView:
        with self.sessions() as s:
            h = s.get(Handover, handover_id)
            if h is None:
                raise NotFound(f"引継ぎ {handover_id} はありません", f"no handover {handover_id}")
            return self._handover_view(h, s.get(Case, h.case_id))  # type: ignore[arg-type]

    def _handover_view(self, h: Handover, c: Case) -> HandoverView:
        r = self.catalog.handover_reason(h.reason)
        p = self.catalog.procedure(c.procedure)
        return HandoverView(
            id=h.id, case_id=c.id, counter_id=c.counter_id, ticket_number=c.ticket_number, procedure=c.procedure,
            procedure_ja=p.ja if p else c.procedure, reason=h.reason, reason_ja=r.ja if r else h.reason,
            reason_en=r.en if r else h.reason, from_step=h.from_step, state=h.state,
            requested_at=_aware(h.requested_at), requested_by=h.requested_by,  # type: ignore[arg-type]
            taken_at=_aware(h.taken_at), taken_by=h.taken_by, closed_at=_aware(h.closed_at), closed_by=h.closed_by,
            note=h.note,
        )

    def awaiting_staff_check(self) -> list[CaseView]:
        """Issuance cases whose document set waits for a city-staff check (D-ISS-2)."""
        with self.sessions() as s:
            ids = list(s.scalars(select(Case.id).where(Case.state == "awaiting_staff").order_by(Case.opened_at)))
        return [self.get(i) for i in ids]

    # --- purge (D-ALL-2) ----------------------------------------------------------------------------------------
    def _purge_in(self, s: Session, c: Case, now: datetime, actor: Actor) -> None:
        if c.purged_at is not None:
            return
        c.notice_no = None
        c.data = None
        c.purged_at = now
        for h in s.scalars(select(Handover).where(Handover.case_id == c.id)):
            h.note = None
        audit.record(s, now, actor, "case.purge", f"case:{c.id}", "notice_no,data,handover_note",
                     ticket_id=c.ticket_id)
        for hook in self.purge_hooks:
            hook(s, c.id, now)

    def purge(self, case_id: int, actor: Actor) -> None:
        """Delete the personal data of one closed case (the end-of-day handover calls this)."""
        now = self.clock.now()
        with self.sessions.begin() as s:
            c = self._load(s, case_id, lock=True)
            if c.state in OPEN_STATES or c.state == "handed_over":
                raise Conflict("対応中の案件は削除できません", "the case is still being handled")
            self._purge_in(s, c, now, actor)

    def purge_day(self, day: date, actor: Actor, include_open: bool = False) -> int:
        """Purge every closed case of a day (after the D-BO-6 handover); returns how many were purged.
        `include_open`: also cases still open or with city staff (`station purge --force`, with a reason)."""
        now = self.clock.now()
        n = 0
        with self.sessions.begin() as s:
            states = () if include_open else (Case.state == "closed",)
            for c in s.scalars(select(Case).where(Case.business_date == day, *states,
                                                  Case.purged_at.is_(None))):
                self._purge_in(s, c, now, actor)
                n += 1
        return n

    # --- reading -------------------------------------------------------------------------------------------------
    def get(self, case_id: int) -> CaseView:
        with self.sessions() as s:
            view = self._view(s, self._load(s, case_id))
        return self._enrich(view)

    def active_for_counter(self, counter_id: int) -> CaseView | None:
        with self.sessions() as s:
            c = s.scalars(select(Case).where(Case.counter_id == counter_id, Case.state.in_(OPEN_STATES))
                          .order_by(Case.id.desc())).first()
            view = self._view(s, c) if c else None
        return self._enrich(view) if view else None

    def list(self, day: date | None = None, counter_id: int | None = None, limit: int = 200) -> list[CaseView]:
        day = day or business_date(self.clock.now())
        with self.sessions() as s:
            stmt = select(Case).where(Case.business_date == day)
            if counter_id is not None:
                stmt = stmt.where(Case.counter_id == counter_id)
            return [self._view(s, c) for c in s.scalars(stmt.order_by(Case.id.desc()).limit(limit))]

    def _enrich(self, view: CaseView) -> CaseView:
        """Add what the card stock knows (name for the clerk to confirm, the checklist), outside any
        transaction: the stock lookup opens its own session."""
        import dataclasses

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
        return dataclasses.replace(view, record=record, checklist=check)

    def _view(self, s: Session, c: Case) -> CaseView:
        proc = self.catalog.procedure(c.procedure)
        data = self._data(c)
        rows = list(s.scalars(select(CaseStep).where(CaseStep.case_id == c.id).order_by(CaseStep.id)))
        live = [r for r in rows if r.undone_at is None]
        done = {r.step: r for r in live}
        names = {st.code: (st.ja, st.en) for st in proc.steps} if proc else {}
        names.setdefault("old_card_tap", ("古いカードの読み取り・回収", "tap and collect the old card"))
        steps = [{"code": code, "ja": names.get(code, (code, code))[0], "en": names.get(code, (code, code))[1],
                  "done": code in done, "at": _aware(done[code].at).isoformat() if code in done else None,  # type: ignore[union-attr]
                  "actor": done[code].actor if code in done else None}
                 for code in self._order(c, data)]
        outcomes = proc.outcome_names() if proc else {}
        record = dict(data["record"]) if data.get("record") else None
        if record is not None and c.notice_no:
            record["notice_no"] = c.notice_no
            record["notice_type_ja"] = NOTICE_TYPE_JA.get(record.get("notice_type", ""), "")
            record["name_kana"] = None
        consents = [{"kind": k.kind, "at": _aware(k.at).isoformat(), "clerk": k.clerk}  # type: ignore[union-attr]
                    for k in s.scalars(select(CaseConsent).where(CaseConsent.case_id == c.id).order_by(CaseConsent.id))]
        h = s.scalars(select(Handover).where(Handover.case_id == c.id).order_by(Handover.id.desc())).first()
        last_undoable = next((r for r in reversed(live) if r.step != "procedure"), None)
        return CaseView(
            id=c.id, business_date=c.business_date, ticket_id=c.ticket_id, ticket_number=c.ticket_number,
            counter_id=c.counter_id, procedure=c.procedure, procedure_ja=proc.ja if proc else c.procedure,
            procedure_en=proc.en if proc else c.procedure, flow=c.flow, state=c.state, clerk=c.clerk,
            opened_at=_aware(c.opened_at), closed_at=_aware(c.closed_at), outcome=c.outcome,  # type: ignore[arg-type]
            outcome_ja=outcomes.get(c.outcome or "", (None, None))[0],
            outcome_en=outcomes.get(c.outcome or "", (None, None))[1],
            next_step=self._next_step(c, data, set(done)), steps=steps,
            history=[{"step": r.step, "at": _aware(r.at).isoformat(), "actor": r.actor,  # type: ignore[union-attr]
                      "detail": r.detail, "undone": r.undone_at is not None} for r in rows],
            can_undo=bool(c.state in OPEN_STATES and last_undoable is not None and last_undoable.undoable),
            record=record, checklist=[], verdict=data.get("verdict"), presented=data.get("presented"),
            card=data.get("card"),
            old_card=data.get("old_card"), juki=data.get("juki"), consents=consents,
            applications=list(data.get("applications", [])),
            handover=dataclass_dict(self._handover_view(h, c)) if h else None,
            collected=[{"code": k, "ja": self.catalog.doc_name(k)[0], "en": self.catalog.doc_name(k)[1]}
                       for k in c.collected.split(",") if k],
            renewal_guidance=c.renewal_guidance, pin_reset_guidance=c.pin_reset_guidance,
            documents_slip=c.documents_slip, insurance_applied=c.insurance_applied,
            public_funds_registered=c.public_funds_registered, linked_case_id=c.linked_case_id,
            purged=c.purged_at is not None,
            outcomes=[{"code": k, "ja": v[0], "en": v[1]} for k, v in outcomes.items()],
            last_print=self._last_print.get(c.id),
        )

    # --- counts (D-ALL-1) and the end-of-day list (D-BO-6) ------------------------------------------------------
    def counts_for(self, day: date) -> dict[str, Any]:
        """Every kind of handling on a day, for the supervisor's report: nothing personal."""
        with self.sessions() as s:
            by_proc: dict[str, dict[str, int]] = {}
            for proc, outcome, n in s.execute(
                select(Case.procedure, Case.outcome, func.count()).where(Case.business_date == day)
                .group_by(Case.procedure, Case.outcome)
            ).all():
                by_proc.setdefault(proc, {})[outcome or "open"] = int(n)

            def count(*cond: Any) -> int:
                return int(s.scalar(select(func.count()).select_from(Case).where(Case.business_date == day, *cond))
                           or 0)

            handovers = {r: int(n) for r, n in s.execute(
                select(Handover.reason, func.count()).where(Handover.business_date == day).group_by(Handover.reason)
            ).all()}
            collected: dict[str, int] = {}
            for (kinds,) in s.execute(select(Case.collected).where(Case.business_date == day, Case.collected != "")):
                for k in kinds.split(","):
                    collected[k] = collected.get(k, 0) + 1
            consents = {k: int(n) for k, n in s.execute(
                select(CaseConsent.kind, func.count()).join(Case, Case.id == CaseConsent.case_id)
                .where(Case.business_date == day).group_by(CaseConsent.kind)).all()}
            return {
                "date": day.isoformat(),
                "cases_total": count(),
                "cases": by_proc,
                "issued": count(Case.outcome == "issued"),
                "issued_renewals": count(Case.outcome == "issued", Case.is_renewal.is_(True)),
                "returned_documents": count(Case.outcome == "returned_documents"),
                "documents_slips": count(Case.documents_slip.is_(True)),
                "renewal_guidance": count(Case.renewal_guidance.is_(True)),
                "pin_reset_guidance": count(Case.pin_reset_guidance.is_(True)),
                "insurance_applications": count(Case.insurance_applied.is_(True)),
                "public_funds_registrations": count(Case.public_funds_registered.is_(True)),
                "consents": consents,
                "handovers": handovers,
                "handovers_total": sum(handovers.values()),
                "collected": collected,
                "open": count(Case.state.in_(OPEN_STATES)),
            }

    def collected_for(self, day: date) -> list[dict[str, Any]]:
        """What was collected per case on a day (notices, 通知カード/紛失届, check sheets, 交付控, 住基カード)."""
        with self.sessions() as s:
            rows = s.scalars(select(Case).where(Case.business_date == day, Case.collected != "").order_by(Case.id))
            return [{"case_id": c.id, "ticket_number": c.ticket_number, "procedure": c.procedure,
                     "notice_no": c.notice_no, "collected": c.collected.split(",")} for c in rows]

    # --- slips --------------------------------------------------------------------------------------------------
    def _receipt(self, kind: str, params: dict[str, Any]) -> Receipt:
        office = self.settings.office.name
        now = self.clock.now()
        if kind == "documents":
            deadline = date.fromisoformat(params["deadline"]) if params.get("deadline") else None
            return guidance.documents_slip(office, self.calendar, now,
                                           missing=[(a, b) for a, b in params["missing"]],
                                           bring_also=params["bring_also"], deadline=deadline,
                                           ticket_number=params.get("ticket_number"))
        if kind == "renewal":
            exp = date.fromisoformat(params["expires_on"]) if params.get("expires_on") else None
            return guidance.renewal_slip(office, self.calendar, now, expires_on=exp, days_left=params.get("days_left"),
                                         expired=bool(params.get("expired")),
                                         ticket_number=params.get("ticket_number"))
        if kind == "pin_reset":
            return guidance.pin_reset_slip(office, self.calendar, now, locked=params["locked"],
                                           ticket_number=params.get("ticket_number"))
        raise Invalid(f"案内票「{kind}」はありません", f"unknown slip {kind!r}")

    def _print(self, case_id: int, kind: str, params: dict[str, Any]) -> dict[str, Any]:
        printer = self._printer()
        error = None
        if printer is None:
            error = "プリンタが設定されていません"
        else:
            try:
                printer.print_receipt(self._receipt(kind, params))
            except Exception as exc:  # the case is committed; the slip can be reprinted
                error = str(getattr(exc, "message_ja", "") or exc)[:200] or "印刷できませんでした"
                log.warning("slip %s for case %s not printed: %s", kind, case_id, type(exc).__name__)
        result = {"kind": kind, "printed": error is None, "error": error}
        self._last_print[case_id] = result
        return result

    def slip_text(self, case_id: int, kind: str) -> str:
        """The text of a case's slip (for previews and checks)."""
        return self._receipt(kind, self._slip_params(case_id, kind)).plain_text()

    def _slip_params(self, case_id: int, kind: str) -> dict[str, Any]:
        with self.sessions() as s:
            c = self._load(s, case_id)
            params = self._data(c).get(f"slip_{kind}")
        if params is None:
            raise NotFound("この案件にはその案内票がありません", f"no {kind} slip on this case")
        return params

    def reprint(self, case_id: int, kind: str, actor: Actor) -> dict[str, Any]:
        """Print a case's slip again (printer fault, or the visitor asks)."""
        result = self._print(case_id, kind, self._slip_params(case_id, kind))
        with self.sessions.begin() as s:
            c = self._load(s, case_id)
            audit.record(s, self.clock.now(), actor, "case.reprint", f"case:{c.id}",
                         f"slip={kind} {'ok' if result['printed'] else 'failed'}", ticket_id=c.ticket_id)
        return result


def _why(p: Any) -> str:
    """The reason line under a missing item on the slip: only what the item's name does not say already."""
    if p.kind == "missing":
        m = re.search(r"（(.*)）$", p.ja)
        return m.group(1) if m else ""
    return p.ja


def dataclass_dict(view: Any) -> dict[str, Any]:
    import dataclasses

    out = dataclasses.asdict(view)
    for k, v in out.items():
        if isinstance(v, datetime):
            out[k] = v.isoformat()
    return out


def _with_print(view: CaseView, result: dict[str, Any]) -> CaseView:
    import dataclasses

    return dataclasses.replace(view, last_print=result)


def _presented_dict(p: Presented) -> dict[str, Any]:
    return {"documents": sorted(p.documents), "holder_ids": list(p.holder_ids), "who": p.who.value,
            "proxy_reason": p.proxy_reason, "proxy_ids": list(p.proxy_ids), "guardian_present": p.guardian_present,
            "guardian_ids": list(p.guardian_ids), "copies": sorted(p.copies)}


def presented_from(data: dict[str, Any]) -> Presented:
    try:
        who = Who(data.get("who", "holder"))
    except ValueError as e:
        raise Invalid("来庁者の区分は holder か proxy です", "who must be holder or proxy") from e
    return Presented(
        documents=frozenset(data.get("documents", [])), holder_ids=tuple(data.get("holder_ids", [])), who=who,
        proxy_reason=data.get("proxy_reason"), proxy_ids=tuple(data.get("proxy_ids", [])),
        guardian_present=bool(data.get("guardian_present", False)), guardian_ids=tuple(data.get("guardian_ids", [])),
        copies=frozenset(data.get("copies", [])),
    )
