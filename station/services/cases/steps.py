"""The clerk's steps on a case: issuance (D-DOC, D-ISS), insurance support (D-INS), simple and handover
procedures (D-OTH, D-APP), cancel and undo. Each step is a small function run by `CaseCore._change` in one
unit of work; the order and the meaning of a card tap are decided in `station.domain.case_flow`.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from station.domain import barcodes, case_flow
from station.domain.calendar import business_date
from station.domain.card_record import CardStatus, age_on
from station.domain.documents import Presented, Who, all_presented, check_documents
from station.events import CaseUpdated
from station.messages import text
from station.services.audit import Actor
from station.services.cases.core import OPEN_STATES, Work, step_names
from station.services.cases.handover import CaseHandovers
from station.services.cases.views import CaseView, case_data
from station.services.errors import Conflict, Invalid, NotFound
from station.store import cases_repo as repo
from station.store.models_cases import Case, CaseConsent


class CaseService(CaseHandovers):
    """Counter cases: the procedure a called visitor needs, walked step by step."""

    def _counter_of(self, case_id: int) -> int | None:
        """A case's counter (fixed when it opens); NotFound for no case."""
        cached = self._counters.get(case_id)
        if cached is not None:
            return cached
        with self.sessions() as s:
            found, counter_id = repo.counter_of(s, case_id)
        if not found:
            raise NotFound("cases.no_such_case", params={"id": case_id})
        if counter_id is not None:
            self._counters[case_id] = counter_id
        return counter_id

    def _notice_of(self, case_id: int) -> str | None:
        with self.sessions() as s:
            return self._load(s, case_id).notice_no

    def change_procedure(self, case_id: int, procedure: str, actor: Actor) -> CaseView:
        """The visitor needs something else: allowed while nothing has been done on the case yet."""
        proc = self._procedure(procedure)

        def fn(s: Session, c: Case, data: dict[str, Any], now: datetime, work: Work) -> str:
            if c.state != "open" or repo.live_steps(s, c.id):
                raise Conflict("cases.procedure_locked")
            old = c.procedure
            c.procedure, c.flow = proc.code, proc.flow
            return f"{old}->{proc.code}"

        return self._change(case_id, actor, "procedure", fn, check_order=False)

    # --- issuance (D-DOC, D-ISS) -------------------------------------------------------------------------
    def scan_notice(self, case_id: int, notice_text: str, actor: Actor) -> CaseView:
        """The notice's QR code scanned or its number typed: find the card and its shelf slot (D-ISS-1)."""
        try:
            notice = barcodes.parse_notice_number(notice_text).canonical
        except barcodes.BarcodeError as e:
            raise Invalid(e.message_ja, e.message_en) from None
        record = self.lookup.find(notice)
        if record is None:
            raise NotFound("cases.notice_not_in_stock", params={"notice": notice}, notice_no=notice)
        if record.status is not CardStatus.READY:
            code = {CardStatus.ISSUED: "cases.card_issued", CardStatus.RETURNED: "cases.card_returned"}.get(
                record.status, "cases.card_not_ready")
            raise Conflict(code, params={"status": record.status.value}, status=record.status.value)
        today = business_date(self.clock.now())

        def fn(s: Session, c: Case, data: dict[str, Any], now: datetime, work: Work) -> str:
            if c.flow != "issuance":
                raise Conflict("cases.not_issuance")
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
            raise Invalid("cases.unknown_documents", params={"codes": str(unknown)})
        notice_no = self._notice_of(case_id)
        record = self.lookup.find(notice_no) if notice_no else None  # outside any transaction (SQLite lock)

        def fn(s: Session, c: Case, data: dict[str, Any], now: datetime, work: Work) -> str:
            if record is None or c.notice_no != notice_no:
                raise Conflict("cases.scan_notice_first")
            v = check_documents(record, presented, business_date(now), self.rules)
            data["presented"] = presented_dict(presented)
            data["verdict"] = v.as_dict()
            if v.complete:
                c.state = "awaiting_staff"
                return "complete " + asserted(presented)
            if v.problems:
                c.outcome, c.state, c.closed_at = "returned_documents", "closed", now
                c.documents_slip = True
                missing_items = {p.item for p in v.problems}
                params = self.slips.documents_params(v, presented, data.get("record", {}).get("receipt_deadline"),
                                                     c.ticket_number)
                data["slip_documents"] = params
                work.slips.append(("documents", params))
                return "incomplete missing=" + ",".join(sorted(missing_items))
            # escalations only: city staff decide (D-DOC-8 and the receipt deadline)
            self._handover_in(s, c, "document_check", "documents", None, actor, now, work.events)
            return "escalated " + ",".join(e.code for e in v.escalations)

        return self._change(case_id, actor, "documents", fn, undoable=True)

    def preview_documents(self, case_id: int, presented: Presented) -> dict[str, Any]:
        """What `present_documents` would decide, without deciding it: the panel asks once before a step that
        sends the visitor home (returned for documents) or to city staff (issue 12). Nothing is written."""
        notice_no = self._notice_of(case_id)
        record = self.lookup.find(notice_no) if notice_no else None
        if record is None:
            raise Conflict("cases.scan_notice_first")
        v = check_documents(record, presented, business_date(self.clock.now()), self.rules)
        return {**v.as_dict(), "ends_visit": not v.complete}

    def present_all(self, case_id: int, actor: Actor) -> CaseView:
        """One key for the usual visitor: the holder came with everything their record asks for."""
        notice_no = self._notice_of(case_id)
        record = self.lookup.find(notice_no) if notice_no else None
        if record is None:
            raise Conflict("cases.scan_notice_first")
        return self.present_documents(case_id, all_presented(record, business_date(self.clock.now()),
                                                             Who.HOLDER, self.rules), actor)

    def staff_check(self, case_id: int, actor: Actor) -> CaseView:
        """A city-staff user confirms the set (card, ID, notice, notification card) (D-ISS-2)."""

        def fn(s: Session, c: Case, data: dict[str, Any], now: datetime, work: Work) -> str:
            prepared = {c.clerk} | {r.actor for r in repo.live_steps(s, c.id) if r.step in case_flow.PREPARING_STEPS}
            refusal = case_flow.staff_check_refusal(prepared, actor.name)
            if refusal is not None:
                raise Conflict(refusal)
            c.state = "open"
            return "checked"

        return self._change(case_id, actor, "staff_check", fn)

    def juki_check(self, case_id: int, holds: bool, actor: Actor) -> CaseView:
        """The resident record says whether a 住基カード is held; if so it is collected and cancelled (D-ISS-3)."""

        def fn(s: Session, c: Case, data: dict[str, Any], now: datetime, work: Work) -> str:
            data["juki"] = {"holds": holds, "collected": holds}
            if holds and "juki_card" not in (data.get("verdict") or {}).get("collected", []):
                raise Conflict("cases.collect_juki")
            return f"holds={holds}"

        return self._change(case_id, actor, "juki_check", fn, undoable=True)

    def card_tap(self, case_id: int, actor: Actor, role: str = "new") -> CaseView:
        """Use the card on this counter's reader: the new card (issuance), the old one (renewal), or the
        visitor's card (insurance support)."""
        counter_id = self._counter_of(case_id)
        read = self.card_on_reader(counter_id) if counter_id is not None else None
        if read is None:
            raise Conflict("cases.put_card")
        verdict = read["verdict"]
        if not verdict.get("is_my_number_card"):
            raise Conflict("cases.not_my_number_card", verdict=verdict)
        step = "old_card_tap" if role == "old" else "card_tap"

        def fn(s: Session, c: Case, data: dict[str, Any], now: datetime, work: Work) -> str:
            used = data.setdefault("reads", [])
            if read["seq"] in used:
                raise Conflict("cases.same_read")
            used.append(read["seq"])
            out = case_flow.tap_outcome(c.flow, step, bool(c.is_renewal), verdict)
            if out.refusal is not None:
                extra = {} if out.refusal.code == "cases.not_renewal" else {"verdict": verdict}
                raise Conflict(out.refusal, **extra)
            refusal = case_flow.same_card_refusal(out.key, verdict.get("card_key"), data)
            if refusal is not None:
                raise Conflict(refusal)
            data[out.key] = {
                "cert_state": verdict.get("cert_state"), "expires_on": verdict.get("expires_on"),
                "days_to_expiry": verdict.get("days_to_expiry"), "locked_pins": verdict.get("locked_pins", []),
                "messages": verdict.get("messages", []), "warnings": verdict.get("warnings", []),
                "read_at": read["at"], "card_key": verdict.get("card_key")}
            if out.close_with:
                c.outcome, c.state, c.closed_at = out.close_with, "closed", now
            c.renewal_guidance = c.renewal_guidance or out.renewal_guidance
            c.pin_reset_guidance = c.pin_reset_guidance or out.pin_reset_guidance
            if out.slip:
                params = {**out.slip_params, "ticket_number": c.ticket_number}
                data[f"slip_{out.slip}"] = params
                work.slips.append((out.slip, params))
            return out.detail

        return self._change(case_id, actor, step, fn, undoable=True)

    def tick(self, case_id: int, step: str, actor: Actor) -> CaseView:
        """A step that is only a confirmation: explained (D-DOC-7, D-ISS-4), receipt_copy (D-ISS-5),
        pins_known (D-INS-1), or any step of a simple/handover procedure."""

        def fn(s: Session, c: Case, data: dict[str, Any], now: datetime, work: Work) -> str:
            allowed = case_flow.TICK_STEPS.get(c.flow)
            if allowed is not None and step not in allowed:
                raise Invalid("cases.not_a_tick", params={"step": step})
            if step == "pins_known":
                data["pins_known"] = True
            return "ok"

        return self._change(case_id, actor, step, fn, undoable=True)

    def issue(self, case_id: int, actor: Actor) -> CaseView:
        """Hand the card over: the stock record becomes issued, the collected documents are listed (D-BO-6)."""
        with self.sessions() as s:
            c = self._load(s, case_id)
            self._check_step(c, case_data(c), {st.step for st in repo.live_steps(s, c.id)}, "issued")
            notice = c.notice_no
        if notice is None:
            raise Conflict("cases.no_notice")
        self.lookup.mark_issued(notice, actor)

        def fn(s: Session, c: Case, data: dict[str, Any], now: datetime, work: Work) -> str:
            c.collected = ",".join(case_flow.collected_kinds(data.get("verdict"), data.get("juki")))
            c.outcome, c.state, c.closed_at = "issued", "closed", now
            return "collected=" + c.collected

        return self._change(case_id, actor, "issued", fn)

    # --- insurance / public funds (D-INS) ----------------------------------------------------------------
    def consents(self, case_id: int, applications: list[str], consents: list[str], actor: Actor) -> CaseView:
        """Which applications the visitor makes, and the consents each needs (D-INS-2), with time and clerk."""
        apps = list(dict.fromkeys(applications))
        if not apps or any(a not in case_flow.CONSENTS for a in apps):
            raise Invalid("cases.choose_applications")
        missing = [a for a in apps if case_flow.CONSENTS[a] not in consents]
        if missing:
            ja = "・".join(text(f"cases.consent.{case_flow.CONSENTS[a]}", "ja") for a in missing)
            en = "; ".join(text(f"cases.consent.{case_flow.CONSENTS[a]}", "en") for a in missing)
            raise Conflict(text("cases.confirm_consent", "ja", list=ja), text("cases.confirm_consent", "en", list=en),
                           missing=[case_flow.CONSENTS[a] for a in missing])

        def fn(s: Session, c: Case, data: dict[str, Any], now: datetime, work: Work) -> str:
            for a in apps:
                s.add(CaseConsent(case_id=c.id, kind=case_flow.CONSENTS[a], at=now, clerk=actor.name))
            data["applications"] = apps
            return "consents=" + ",".join(case_flow.CONSENTS[a] for a in apps)

        return self._change(case_id, actor, "consents", fn)

    def applied(self, case_id: int, actor: Actor, applications: list[str] | None = None) -> CaseView:
        """The application(s) made on the portal terminal (D-INS-4); counted per type."""

        def fn(s: Session, c: Case, data: dict[str, Any], now: datetime, work: Work) -> str:
            agreed = data.get("applications", [])
            apps = applications if applications is not None else agreed
            extra = [a for a in apps if a not in agreed]
            if extra or not apps:
                raise Conflict("cases.no_consent_for", params={"apps": str(extra or "any")})
            c.insurance_applied = "insurance" in apps
            c.public_funds_registered = "public_funds" in apps
            c.outcome, c.state, c.closed_at = "applied", "closed", now
            return "applied=" + ",".join(apps)

        return self._change(case_id, actor, "applied", fn)

    # --- simple and handover procedures (D-OTH, D-APP, inquiry) --------------------------------------------
    def complete(self, case_id: int, outcome: str | None, actor: Actor, note: str | None = None) -> CaseView:
        """Finish a simple procedure with one of its outcomes, or hand a handover procedure to city staff."""

        def fn(s: Session, c: Case, data: dict[str, Any], now: datetime, work: Work) -> str:
            proc = self._procedure(c.procedure)
            if c.flow not in case_flow.FREE_FLOWS:
                raise Conflict("cases.finishes_through_steps")
            done = {st.step for st in repo.live_steps(s, c.id)}
            missing = [st.code for st in proc.steps if st.code not in done]
            if missing:
                raise Conflict(text("cases.steps_missing", "ja", steps="、".join(step_names(proc, missing, "ja"))),
                               text("cases.steps_missing", "en", steps=", ".join(step_names(proc, missing, "en"))))
            if c.flow == "handover":
                assert proc.handover_reason
                self._handover_in(s, c, proc.handover_reason, "complete", note, actor, now, work.events)
                return f"handover={proc.handover_reason}"
            codes = [o.code for o in proc.outcomes]
            chosen = outcome or (codes[0] if len(codes) == 1 else None)
            if chosen not in codes:
                raise Invalid("cases.choose_outcome", params={"codes": ", ".join(codes)})
            c.outcome, c.state, c.closed_at = chosen, "closed", now
            if proc.collects:
                c.collected = ",".join(proc.collects)
            return f"outcome={chosen}"

        return self._change(case_id, actor, "complete", fn, check_order=False)

    def cancel(self, case_id: int, actor: Actor) -> CaseView:
        """The visitor left before the end (nothing issued)."""

        def fn(s: Session, c: Case, data: dict[str, Any], now: datetime, work: Work) -> str:
            if c.state not in OPEN_STATES:
                raise Conflict("cases.closed")
            c.outcome, c.state, c.closed_at = "cancelled", "closed", now
            return "cancelled"

        return self._change(case_id, actor, "cancel", fn, check_order=False)

    def undo(self, case_id: int, actor: Actor) -> CaseView:
        """Take back the last step, when it had no effect outside this case (no slip, no stock change)."""
        now = self.clock.now()
        with self.uow.change() as ch:
            s = ch.session
            c = self._load(s, case_id, lock=True)
            if c.state not in OPEN_STATES:
                raise Conflict("cases.undo_closed")
            steps = [st for st in repo.live_steps(s, c.id) if st.step != "procedure"]
            if not steps:
                raise Conflict("cases.nothing_to_undo")
            last = steps[-1]
            if not last.undoable:
                raise Conflict("cases.cannot_undo", params={"step": last.step}, step=last.step)
            data = case_data(c)
            for key in case_flow.UNDO_KEYS.get(last.step, ()):
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
            ch.audit(now, actor, "case.undo", f"case:{c.id}", f"step={last.step}", ticket_id=c.ticket_id)
            ch.publish(CaseUpdated(at=now, case_id=c.id, counter_id=c.counter_id, procedure=c.procedure,
                                   state=c.state, step=f"undo:{last.step}", outcome=c.outcome,
                                   ticket_number=c.ticket_number))
            s.flush()
            view = self._view_in(s, c)
        return self._enrich(view)


def asserted(p: Presented) -> str:
    """What the clerk confirmed, for the step's record: kinds of documents, never a number or a name."""
    parts = [f"docs={','.join(sorted(p.documents))}", f"ids={','.join(p.holder_ids)}", f"who={p.who.value}"]
    if p.who is Who.PROXY:
        parts += [f"proxy_reason={p.proxy_reason}", f"proxy_ids={','.join(p.proxy_ids)}"]
    if p.guardian_present or p.guardian_ids:
        parts += [f"guardian={'present' if p.guardian_present else 'absent'}",
                  f"guardian_ids={','.join(p.guardian_ids)}"]
    return " ".join(parts)


def presented_dict(p: Presented) -> dict[str, Any]:
    return {"documents": sorted(p.documents), "holder_ids": list(p.holder_ids), "who": p.who.value,
            "proxy_reason": p.proxy_reason, "proxy_ids": list(p.proxy_ids), "guardian_present": p.guardian_present,
            "guardian_ids": list(p.guardian_ids), "copies": sorted(p.copies)}


def presented_from(data: dict[str, Any]) -> Presented:
    """The clerk's ticks as the API sends them → the pure rule's input."""
    try:
        who = Who(data.get("who", "holder"))
    except ValueError as e:
        raise Invalid("cases.bad_who") from e
    return Presented(
        documents=frozenset(data.get("documents", [])), holder_ids=tuple(data.get("holder_ids", [])), who=who,
        proxy_reason=data.get("proxy_reason"), proxy_ids=tuple(data.get("proxy_ids", [])),
        guardian_present=bool(data.get("guardian_present", False)), guardian_ids=tuple(data.get("guardian_ids", [])),
        copies=frozenset(data.get("copies", [])),
    )
