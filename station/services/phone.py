"""The phone desk (D-TEL): phone reception slips, the D-TEL-4 lookup, escalations to city staff.

A slip is committed with its audit entry before the clerk sees "saved". Escalations (complaint D-TEL-2,
preprint request D-TEL-3, notice not arrived over a month D-TEL-4) become a case handed to city staff in
the same transaction (CaseService.open_handover_in), so they appear in the same queue as counter cases
(/staff). The caller's minimum details and what they said travel in the handover's note for city staff;
the slip's personal columns are emptied by CaseService's purge hook when that handover closes, and by
the end-of-day handover for calls that were not escalated (D-ALL-2). Audit entries carry ids and codes only.

The slip, its handover case, its audit entry and the handover's events commit together (the unit of work);
the SQL is in station.store.phone_repo. The read models below are the API's answers as they are.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_serializer
from sqlalchemy.orm import Session, sessionmaker

from station.clock import Clock
from station.config import StationSettings
from station.domain import phone as rules
from station.domain.calendar import business_date
from station.events import EventBus
from station.messages import both
from station.procedures_catalog import Catalog, Coded, ProcedureDef
from station.services import privacy
from station.services.audit import Actor
from station.services.errors import Conflict, Invalid
from station.store import phone_repo as repo
from station.store.models_phone import PhoneCall
from station.store.uow import UnitOfWork

PHONE_PROCEDURE = "phone"


class PhoneCallView(BaseModel):
    """One phone reception slip as the desk and the API show it (contents and caller until purged)."""

    model_config = ConfigDict(frozen=True)
    id: int
    business_date: date
    received_at: datetime
    recorded_by: str
    category: int
    category_mark: str
    category_ja: str
    category_en: str
    trivial: bool
    escalation: str | None
    escalation_ja: str | None
    case_id: int | None
    handover_id: int | None
    application_date: date | None
    days_since_application: int | None
    stale: bool
    content: str | None = Field(description="personal: null once purged")
    response: str | None
    caller_name: str | None
    caller_phone: str | None
    purged: bool
    outside_hours: bool = Field(False, description="received outside the phone desk's hours (D-CAL-3)")

    @field_serializer("content", "response", "caller_name", "caller_phone")
    def _personal(self, v: str | None) -> str | None:
        """What the caller said and who they are: blank for a reader without PERSONAL_DATA (services/privacy)."""
        return None if privacy.hidden() else v


class DeskView(BaseModel):
    """The phone desk right now (D-CAL-3): open or not, its hours, and today's calls against the one line's
    daily capacity."""

    model_config = ConfigDict(frozen=True)
    open: bool
    opens: str
    closes: str
    calls_today: int
    capacity: int
    over_capacity: bool
    message_ja: str
    message_en: str


class LookupView(BaseModel):
    """The D-TEL-4 answer: nothing personal, only dates and states."""

    model_config = ConfigDict(frozen=True)

    found: bool
    application_date: date | None = None
    days_since_application: int | None = None
    status: str | None = None
    status_ja: str | None = None
    notice_mailed: bool = False
    mailed_on: date | None = None
    receipt_deadline: date | None = None
    stale: bool = Field(False, description="over stock.stale_application_days and not mailed: hand over (D-TEL-4)")
    stale_days: int = 30
    message_ja: str = ""
    message_en: str = ""


def ensure_phone_catalog(catalog: Catalog) -> None:
    """The phone desk's escalations need their handover reasons and a procedure for the case that carries
    them to city staff. The seed fixes them (別紙1), so they are added here when a city's catalog lacks them."""
    have = {r.code for r in catalog.handover_reasons}
    for e in rules.ESCALATIONS:
        if e.code not in have:
            catalog.handover_reasons.append(Coded(code=e.code, ja=e.ja, en=e.en))
    if catalog.procedure(PHONE_PROCEDURE) is None:
        catalog.procedures.append(ProcedureDef(
            code=PHONE_PROCEDURE, ja="電話受付からの引継ぎ", en="handover from the phone desk", flow="handover",
            handover_reason="complaint", categories=[],
            steps=[Coded(code="recorded", ja="電話受付票の記録", en="phone slip recorded")]))


def _stale_days(settings: StationSettings) -> int:
    stock = getattr(settings, "stock", None)
    return int(getattr(stock, "stale_application_days", 30))


class PhoneService:
    def __init__(self, settings: StationSettings, sessions: sessionmaker[Session], clock: Clock, bus: EventBus,
                 cases: Any, stock: Any = None, uow: UnitOfWork | None = None) -> None:
        self.settings = settings
        self.sessions = sessions
        self.clock = clock
        self.bus = bus
        self.uow = uow or UnitOfWork(sessions, bus)
        self.cases = cases
        self.stock = stock
        ensure_phone_catalog(cases.catalog)
        cases.purge_hooks.append(self._purge_for_case)

    @property
    def stale_days(self) -> int:
        return _stale_days(self.settings)

    # --- D-TEL-4: when was it applied for? ---------------------------------------------------------------
    def lookup(self, ref: str) -> LookupView:
        """The application behind a notice number or 申請書ID the caller reads out (no personal data back)."""
        ref = (ref or "").strip()
        if not ref:
            raise Invalid("phone.lookup_ref_missing")
        if self.stock is None:
            ja, en = both("phone.no_stock")
            return LookupView(found=False, stale_days=self.stale_days, message_ja=ja, message_en=en)
        st = self.stock.find_by_application(ref)  # Invalid for a malformed number
        if st is None:
            ja, en = both("phone.application_unknown")
            return LookupView(found=False, stale_days=self.stale_days, message_ja=ja, message_en=en)
        # the stock's answer is the rule's (domain.stock.is_stale_application): not mailed and over the threshold
        stale = bool(st.handover_suggested)
        return LookupView(found=True, application_date=st.application_date,
                          days_since_application=st.days_since_application, status=st.status,
                          status_ja=st.status_ja, notice_mailed=st.notice_mailed, mailed_on=st.mailed_on,
                          receipt_deadline=st.receipt_deadline, stale=stale, stale_days=self.stale_days,
                          message_ja=st.message_ja, message_en=st.message_en)

    # --- the slip --------------------------------------------------------------------------------------------
    def record(self, category: int, actor: Actor, *, content: str | None = None, response: str | None = None,
               escalation: str | None = None, caller_name: str | None = None, caller_phone: str | None = None,
               lookup_ref: str | None = None, application_date: date | None = None) -> PhoneCallView:
        """Save one phone reception slip (電話受付票); with `escalation`, hand it to city staff at once.

        Notice not arrived (④): with `lookup_ref` the application date comes from the card stock; the
        caller may instead say the date (`application_date`). Over `stock.stale_application_days` and not
        mailed, the call must be handed over (D-TEL-4) — refused otherwise, with the reason."""
        content = (content or "").strip() or None
        response = (response or "").strip() or None
        caller_name = (caller_name or "").strip() or None
        caller_phone = (caller_phone or "").strip() or None
        lookup_ref = (lookup_ref or "").strip() or None
        problems = rules.check_slip(category, content, response, escalation, caller_name, caller_phone)
        if problems:
            words = [(x.field, *both(x.msg)) for x in problems]
            raise Invalid(problems[0].msg, field=problems[0].field,
                          problems=[{"field": f, "ja": ja, "en": en} for f, ja, en in words])
        now = self.clock.now()
        today = business_date(now)
        days: int | None = None
        stale = False
        looked_up = False
        if category == rules.NOTICE_NOT_ARRIVED and lookup_ref:
            found = self.lookup(lookup_ref)
            if found.found:
                application_date = found.application_date
                stale, looked_up = found.stale, True  # the lookup knows whether the notice was mailed
        if application_date is not None:
            days = (today - application_date).days
            if days < 0:
                raise Invalid("phone.application_date_future", field="application_date")
            if not looked_up:  # only the date the caller said: the same threshold (D-TEL-4)
                stale = rules.is_stale(application_date, today, self.stale_days)
        if category == rules.NOTICE_NOT_ARRIVED and stale and escalation is None:
            raise Conflict("phone.must_hand_over", params={"days": days},
                           field="escalation", suggest="notice_not_arrived", days_since_application=days)
        trivial = content is None and response is None and escalation is None
        with self.uow.change() as ch:
            s = ch.session
            call = repo.add(s, PhoneCall(
                business_date=today, received_at=now, recorded_by=actor.name, category=category, trivial=trivial,
                escalation=escalation, application_date=application_date, days_since_application=days, stale=stale,
                content=content, response=response, caller_name=caller_name, caller_phone=caller_phone,
                lookup_ref=lookup_ref if escalation else None))
            if escalation:
                cat = rules.BY_CODE[category]
                note = "\n".join(x for x in (
                    f"電話 {cat.mark}{cat.short_ja}／{rules.ESCALATION_BY_CODE[escalation].ja}",
                    f"氏名: {caller_name}　電話: {caller_phone}",
                    f"申請日: {application_date:%Y-%m-%d}（{days}日経過）" if application_date else None,
                    f"番号: {lookup_ref}" if lookup_ref else None,
                    f"内容: {content}", f"対応: {response}" if response else None) if x)
                case_id, handover_id, events = self.cases.open_handover_in(
                    s, PHONE_PROCEDURE, escalation, note[:500], actor, now)
                call.case_id, call.handover_id = case_id, handover_id
                ch.publish(*events)  # in the slip's transaction: the staff queue sees it iff it committed
            ch.audit(now, actor, "phone.record", f"phone_call:{call.id}",
                     f"category={category} trivial={trivial} escalation={escalation or '-'} stale={stale}"
                     + ("" if rules.desk_open(self.cases.calendar, now) else " outside_hours")
                     + (f" handover={call.handover_id}" if escalation else ""))
            view = self._view(call)
        return view

    # --- purge (D-ALL-2) -----------------------------------------------------------------------------------
    def _purge_for_case(self, s: Session, case_id: int, now: datetime) -> None:
        """CaseService's purge hook: the escalated call's personal details go with its case's."""
        repo.purge_case(s, case_id, now)

    def purge_day_in(self, s: Session, day: date, now: datetime, include_escalated: bool = False) -> int:
        """Empty the personal columns of a day's calls (end of day). Calls still with city staff keep theirs
        unless `include_escalated` (a forced purge); returns how many calls were purged."""
        return repo.purge_day(s, day, now, include_escalated)

    # --- reading -------------------------------------------------------------------------------------------
    def list(self, day: date | None = None, limit: int = 200) -> list[PhoneCallView]:
        day = day or business_date(self.clock.now())
        with self.sessions() as s:
            return [self._view(c) for c in repo.of_day(s, day, limit)]

    def counts_for(self, day: date) -> dict[str, Any]:
        """Calls per category ①–⑩, trivial ones, escalations per kind (D-TEL-1, D-ALL-1): nothing personal."""
        with self.sessions() as s:
            by_cat, esc, trivial, stale = repo.counts(s, day)
        return {
            "date": day.isoformat(),
            "total": sum(by_cat.values()),
            "by_category": [{"category": c.code, "mark": c.mark, "ja": c.short_ja, "en": c.en,
                             "count": by_cat.get(c.code, 0)} for c in rules.CATEGORIES],
            "trivial": trivial,
            "stale_notice": stale,
            "escalations": {e.code: esc.get(e.code, 0) for e in rules.ESCALATIONS},
            "escalations_total": sum(esc.values()),
        }

    def desk(self) -> DeskView:
        """Is the phone desk open now, and how busy is the line today (D-CAL-3)."""
        now = self.clock.now()
        cal = self.cases.calendar
        with self.sessions() as s:
            n = sum(repo.counts(s, business_date(now))[0].values())
        is_open = rules.desk_open(cal, now)
        opens, closes = f"{cal.open_time:%H:%M}", f"{cal.close_time:%H:%M}"
        code = "phone_desk.open" if is_open else "phone_desk.closed"
        ja, en = both(code, opens=opens, closes=closes, n=n, capacity=rules.DESK_CALLS_PER_DAY)
        return DeskView(open=is_open, opens=opens, closes=closes, calls_today=n, capacity=rules.DESK_CALLS_PER_DAY,
                        over_capacity=n >= rules.DESK_CALLS_PER_DAY, message_ja=ja, message_en=en)

    def _view(self, c: PhoneCall) -> PhoneCallView:
        cat = rules.BY_CODE.get(c.category)
        esc = rules.ESCALATION_BY_CODE.get(c.escalation or "")
        return PhoneCallView(
            id=c.id, business_date=c.business_date, received_at=c.received_at, recorded_by=c.recorded_by,
            category=c.category, category_mark=cat.mark if cat else "?", category_ja=cat.short_ja if cat else "",
            category_en=cat.en if cat else "", trivial=c.trivial, escalation=c.escalation,
            escalation_ja=esc.ja if esc else None, case_id=c.case_id, handover_id=c.handover_id,
            application_date=c.application_date, days_since_application=c.days_since_application, stale=c.stale,
            content=c.content, response=c.response, caller_name=c.caller_name, caller_phone=c.caller_phone,
            purged=c.purged_at is not None,
            outside_hours=not rules.desk_open(self.cases.calendar, c.received_at),
        )


def categories() -> list[dict[str, Any]]:
    return [asdict(c) for c in rules.CATEGORIES]


def escalations() -> list[dict[str, Any]]:
    return [asdict(e) for e in rules.ESCALATIONS]
