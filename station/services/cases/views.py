"""What a case and a handover look like to the panel and the city-staff queue: one pydantic model each,
returned by the service and by the router (`response_model`) as it is.

`record`, `verdict`, `presented` and the handover note are personal working data: null once the case is
purged (D-ALL-2). Builders here are pure over rows the caller already loaded, so a step can answer with
the view of the rows it just wrote instead of reading them back.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_serializer

from station.domain import case_flow
from station.domain.card_record import NoticeType
from station.procedures_catalog import Catalog
from station.services import privacy
from station.store.models_cases import Case, CaseConsent, CaseStep, Handover

NOTICE_TYPE_JA = {NoticeType.NOTIFICATION_CARD.value: "通知カード", NoticeType.NUMBER_NOTICE.value: "個人番号通知書"}
OLD_CARD_STEP = ("古いカードの読み取り・回収", "tap and collect the old card")


class HandoverView(BaseModel):
    """One handover to city staff, as their queue shows it."""

    model_config = ConfigDict(frozen=True)

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
    state: str = Field(description="waiting / taken / closed")
    requested_at: datetime
    requested_by: str
    taken_at: datetime | None
    taken_by: str | None
    closed_at: datetime | None
    closed_by: str | None
    note: str | None = Field(description="what the visitor said: personal (null for a reader without the "
                             "personal-data permission, and once purged)")

    @field_serializer("note")
    def _personal_note(self, v: str | None) -> str | None:
        return None if privacy.hidden() else v


# Fields of CaseView that hold personal working data: blanked for a reader without PERSONAL_DATA.
CASE_PERSONAL_FIELDS = ("record", "verdict", "presented", "card", "old_card", "juki")


class CaseView(BaseModel):
    """A case as the panel shows it. `record`, `verdict`, `presented` and the handover note are personal
    working data: null once the case is purged (D-ALL-2)."""

    model_config = ConfigDict(frozen=True)

    id: int
    business_date: date
    ticket_id: int | None
    ticket_number: str | None
    counter_id: int | None
    procedure: str
    procedure_ja: str
    procedure_en: str
    flow: str
    state: str = Field(description="open / awaiting_staff / handed_over / closed")
    clerk: str
    opened_at: datetime
    closed_at: datetime | None
    outcome: str | None
    outcome_ja: str | None
    outcome_en: str | None
    next_step: str | None = Field(description="the step the clerk does next (null when closed or waiting)")
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
    to_collect: list[dict[str, str]] = Field(default_factory=list,
                                             description="what the counter keeps once the card is issued, by name")
    renewal_guidance: bool
    pin_reset_guidance: bool
    documents_slip: bool
    insurance_applied: bool
    public_funds_registered: bool
    linked_case_id: int | None
    purged: bool
    outcomes: list[dict[str, str]]
    last_print: dict[str, Any] | None = None

    # --- personal fields, for a reader without PERSONAL_DATA (station/services/privacy.py) ---------------
    @field_serializer(*CASE_PERSONAL_FIELDS)
    def _personal(self, v: dict[str, Any] | None) -> dict[str, Any] | None:
        return None if privacy.hidden() else v

    @field_serializer("handover")
    def _personal_handover(self, v: dict[str, Any] | None) -> dict[str, Any] | None:
        return {**v, "note": None} if v and privacy.hidden() else v

    @field_serializer("history")
    def _personal_history(self, v: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [{**h, "detail": None} for h in v] if privacy.hidden() else v


def aware(dt: datetime | None) -> datetime | None:
    """In UTC, as the store hands them back: a view built from rows just written (still holding the
    clock's Tokyo time) reads the same as one built from rows read back."""
    if dt is None:
        return None
    return dt.astimezone(UTC) if dt.tzinfo else dt.replace(tzinfo=UTC)


def case_data(c: Case) -> dict[str, Any]:
    """The case's working data (personal; None once purged)."""
    return json.loads(c.data) if c.data else {}


def order_of(catalog: Catalog, c: Case, data: dict[str, Any]) -> list[str]:
    proc = catalog.procedure(c.procedure)
    return case_flow.step_order(c.flow, bool((data.get("record") or {}).get("is_renewal")),
                                [st.code for st in proc.steps] if proc else [])


def handover_view(catalog: Catalog, h: Handover, c: Case) -> HandoverView:
    r = catalog.handover_reason(h.reason)
    p = catalog.procedure(c.procedure)
    return HandoverView(
        id=h.id, case_id=c.id, counter_id=c.counter_id, ticket_number=c.ticket_number, procedure=c.procedure,
        procedure_ja=p.ja if p else c.procedure, reason=h.reason, reason_ja=r.ja if r else h.reason,
        reason_en=r.en if r else h.reason, from_step=h.from_step, state=h.state,
        requested_at=aware(h.requested_at), requested_by=h.requested_by,  # type: ignore[arg-type]
        taken_at=aware(h.taken_at), taken_by=h.taken_by, closed_at=aware(h.closed_at), closed_by=h.closed_by,
        note=h.note,
    )


def _iso_dict(v: BaseModel) -> dict[str, Any]:
    """A nested view as the panel has always received it: datetimes as `isoformat()` strings."""
    return {k: (x.isoformat() if isinstance(x, datetime) else x) for k, x in v.model_dump().items()}


def case_view(catalog: Catalog, c: Case, rows: list[CaseStep], consents: list[CaseConsent],
              h: Handover | None, last_print: dict[str, Any] | None) -> CaseView:
    """The view of one case from its rows: every step (undone ones too), consents, latest handover."""
    proc = catalog.procedure(c.procedure)
    data = case_data(c)
    live = [r for r in rows if r.undone_at is None]
    done = {r.step: r for r in live}
    names = {st.code: (st.ja, st.en) for st in proc.steps} if proc else {}
    names.setdefault("old_card_tap", OLD_CARD_STEP)
    order = order_of(catalog, c, data)
    steps = []
    for code in order:
        ja, en = names.get(code, (code, code))
        r = done.get(code)
        steps.append({"code": code, "ja": ja, "en": en, "done": r is not None,
                      "at": aware(r.at).isoformat() if r is not None else None,  # type: ignore[union-attr]
                      "actor": r.actor if r is not None else None})
    outcomes = proc.outcome_names() if proc else {}
    record = dict(data["record"]) if data.get("record") else None
    if record is not None and c.notice_no:
        record["notice_no"] = c.notice_no
        record["notice_type_ja"] = NOTICE_TYPE_JA.get(record.get("notice_type", ""), "")
        record["name_kana"] = None
    last_undoable = next((r for r in reversed(live) if r.step != "procedure"), None)
    outcome_names = outcomes.get(c.outcome or "", (None, None))
    return CaseView(
        id=c.id, business_date=c.business_date, ticket_id=c.ticket_id, ticket_number=c.ticket_number,
        counter_id=c.counter_id, procedure=c.procedure, procedure_ja=proc.ja if proc else c.procedure,
        procedure_en=proc.en if proc else c.procedure, flow=c.flow, state=c.state, clerk=c.clerk,
        opened_at=aware(c.opened_at), closed_at=aware(c.closed_at), outcome=c.outcome,  # type: ignore[arg-type]
        outcome_ja=outcome_names[0], outcome_en=outcome_names[1],
        next_step=case_flow.next_step(c.state, c.flow, order, set(done)), steps=steps,
        history=[{"step": r.step, "at": aware(r.at).isoformat(), "actor": r.actor,  # type: ignore[union-attr]
                  "detail": r.detail, "undone": r.undone_at is not None} for r in rows],
        can_undo=bool(c.state in case_flow.OPEN_STATES and last_undoable is not None and last_undoable.undoable),
        record=record, checklist=[], verdict=data.get("verdict"), presented=data.get("presented"),
        card=data.get("card"), old_card=data.get("old_card"), juki=data.get("juki"),
        consents=[{"kind": k.kind, "at": aware(k.at).isoformat(), "clerk": k.clerk}  # type: ignore[union-attr]
                  for k in consents],
        applications=list(data.get("applications", [])),
        handover=_iso_dict(handover_view(catalog, h, c)) if h else None,
        collected=[{"code": k, "ja": catalog.doc_name(k)[0], "en": catalog.doc_name(k)[1]}
                   for k in c.collected.split(",") if k],
        to_collect=[{"code": k, "ja": catalog.doc_name(k)[0], "en": catalog.doc_name(k)[1]}
                    for k in (data.get("verdict") or {}).get("collected", [])],
        renewal_guidance=c.renewal_guidance, pin_reset_guidance=c.pin_reset_guidance,
        documents_slip=c.documents_slip, insurance_applied=c.insurance_applied,
        public_funds_registered=c.public_funds_registered, linked_case_id=c.linked_case_id,
        purged=c.purged_at is not None,
        outcomes=[{"code": k, "ja": v[0], "en": v[1]} for k, v in outcomes.items()],
        last_print=last_print,
    )
