"""How a counter case moves: its states, the order of its steps, which step may run now, and what a card
tap means for the case (D-ISS, D-INS, D-OTH). Pure: no database, no clock, no device.

Read it as a supervisor would: an issuance goes notice → documents → city-staff check → resident-record
check → card tap (and the old card, for a renewal) → explained → receipt copy → issued; an insurance
support goes card tap → PINs known → consents → applied; a simple or handover procedure ticks the steps its
catalog entry lists, in any order, then completes. Rules answer with a message code (`Msg`), never a
sentence; the words are in station/messages/{ja,en}/cases.json.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from station.domain.messages import Msg

OPEN = "open"
AWAITING_STAFF = "awaiting_staff"
HANDED_OVER = "handed_over"
CLOSED = "closed"
OPEN_STATES = (OPEN, AWAITING_STAFF)
# Outcomes after which the same visitor goes on with a linked case at the same counter (the PIN reset or the
# certificate renewal the insurance support found missing): the visit, and its ticket, are not over yet.
CONTINUES = ("pin_reset_first", "renewal_first")

ISSUANCE_STEPS = ("notice", "documents", "staff_check", "juki_check", "card_tap", "explained", "receipt_copy",
                  "issued")
# D-INS: explain what the insurance use and the public-funds account are before asking for consent.
INSURANCE_STEPS = ("card_tap", "pins_known", "insurance_explained", "consents", "applied")
# Steps outside the strict order, allowed once their prerequisite is done: D-DOC-6, the ID document is
# returned to the visitor after the city-staff check (recorded, not in the clerk's key path).
OPTIONAL_STEPS: Mapping[str, Mapping[str, str]] = {"issuance": {"id_returned": "staff_check"}}
# Flows whose steps are only ticked, in any order, and that finish with "complete".
FREE_FLOWS = ("simple", "handover")
# The steps a flow confirms with a plain tick (the others carry data of their own).
TICK_STEPS: Mapping[str, tuple[str, ...]] = {"issuance": ("explained", "receipt_copy", "id_returned"),
                                              "insurance": ("pins_known", "insurance_explained")}
# application → the consent it needs (D-INS-2)
CONSENTS: Mapping[str, str] = {"insurance": "insurance_irrevocable", "public_funds": "public_funds_own_name"}
# What undoing a step takes back out of the case's working data.
UNDO_KEYS: Mapping[str, tuple[str, ...]] = {
    "notice": ("record",), "documents": ("presented", "verdict"), "juki_check": ("juki",),
    "card_tap": ("card",), "old_card_tap": ("old_card",), "pins_known": ("pins_known",),
}


def ends_visit(state: str, outcome: str | None) -> bool:
    """Whether a case in this state ends the visitor's visit at the counter (and so finishes their ticket):
    closed (issued, returned for documents, completed, cancelled) or handed to city staff, unless the
    outcome sends the visitor on to a linked procedure here."""
    return state not in OPEN_STATES and outcome not in CONTINUES


def step_order(flow: str, is_renewal: bool, catalog_steps: Sequence[str]) -> list[str]:
    """The steps of a case in the order the clerk does them; a renewal also takes the old card back."""
    if flow == "issuance":
        order = list(ISSUANCE_STEPS)
        if is_renewal:
            order.insert(order.index("card_tap") + 1, "old_card_tap")
        return order
    if flow == "insurance":
        return list(INSURANCE_STEPS)
    return list(catalog_steps)


def next_step(state: str, flow: str, order: Sequence[str], done: set[str]) -> str | None:
    """The step the clerk does next; "complete" when a free flow has ticked all; None when closed/waiting."""
    if state not in OPEN_STATES:
        return None
    for code in order:
        if code not in done:
            return code
    return "complete" if flow in FREE_FLOWS else None


def step_refusal(state: str, flow: str, order: Sequence[str], done: set[str],
                 step: str) -> tuple[str, Msg, dict[str, Any]] | None:
    """Why `step` may not run now, as (error kind "conflict"/"invalid", message, extra fields), or None.
    "cases.do_first" names the step to do first by its code; the edge words it in each language.

    Issuance is strict about order, with two exceptions: the resident-record check may run while city
    staff look at the set (D-ISS-2/3), and the new and the old card may be tapped in either order."""
    if state == HANDED_OVER:
        return "conflict", Msg("cases.with_staff"), {}
    if state not in OPEN_STATES:
        return "conflict", Msg("cases.closed"), {}
    if step in done:
        return "conflict", Msg.of("cases.step_done", step=step), {}
    if flow in FREE_FLOWS:
        if step not in order:
            return "invalid", Msg.of("cases.no_such_step", step=step), {}
        return None
    nxt = next_step(state, flow, order, done)
    ok = step == nxt
    needs = OPTIONAL_STEPS.get(flow, {}).get(step)
    if needs is not None:
        if needs in done:
            return None
        return "conflict", Msg.of("cases.do_first", step=needs), {"next_step": nxt}
    if flow == "issuance":
        if step == "juki_check" and nxt == "staff_check":
            ok = True
        if {step, nxt} <= {"card_tap", "old_card_tap"}:
            ok = True
    if ok:
        return None
    return "conflict", Msg.of("cases.do_first", step=nxt or ""), {"next_step": nxt}


# --- a card tap → what it means for the case (D-ISS-4, D-INS-1, D-INS-3, D-OTH-1) -------------------------
@dataclass(frozen=True)
class TapOutcome:
    """What a card tap does to a case: where the summary goes, whether the case closes (and how), which
    guidance slip prints, the step's detail line, or a refusal."""

    key: str = "card"                          # "card" or "old_card" in the case's data
    detail: str = ""
    refusal: Msg | None = None
    close_with: str | None = None              # outcome when the case closes on this tap
    renewal_guidance: bool = False
    pin_reset_guidance: bool = False
    slip: str | None = None                    # "renewal" / "pin_reset"
    slip_params: dict[str, Any] = field(default_factory=dict)


def tap_outcome(flow: str, step: str, is_renewal: bool, verdict: Mapping[str, Any]) -> TapOutcome:
    """The verdict of the card now on the reader (`CardVerdict.as_dict()`), judged for this case's flow."""
    state = verdict.get("cert_state")
    if flow == "issuance":
        if step == "old_card_tap":
            if not is_renewal:
                return TapOutcome(refusal=Msg("cases.not_renewal"))
            return TapOutcome(key="old_card", detail=f"old cert={state}")
        if state not in ("valid", "renew_soon"):
            return TapOutcome(refusal=Msg("cases.new_cert_invalid"))
        return TapOutcome(detail=f"new cert={state}")
    if flow != "insurance":
        return TapOutcome(detail=f"cert={state}")
    locked = [p for p in verdict.get("locked_pins", []) if p in ("auth", "assist")]
    renewal = {"expires_on": verdict.get("expires_on"), "days_left": verdict.get("days_to_expiry")}
    if state == "expired":
        return TapOutcome(detail="cert=expired outcome=renewal_first", close_with="renewal_first",
                          renewal_guidance=True, slip="renewal", slip_params={**renewal, "expired": True})
    if locked:
        return TapOutcome(detail=f"locked={','.join(locked)} outcome=pin_reset_first", close_with="pin_reset_first",
                          pin_reset_guidance=True, slip="pin_reset", slip_params={"locked": locked})
    if state == "renew_soon":
        return TapOutcome(detail="cert=renew_soon guidance", renewal_guidance=True, slip="renewal",
                          slip_params={**renewal, "expired": False})
    if state != "valid":
        return TapOutcome(refusal=Msg("cases.cert_unchecked"))
    return TapOutcome(detail="cert=valid")


def same_card_refusal(key: str, card_key: str | None, data: Mapping[str, Any]) -> Msg | None:
    """A renewal takes two cards: the new one and the old one. The card tapped as one of them must not
    be the card already recorded as the other (the same card lifted and tapped again)."""
    other = (data.get("old_card" if key == "card" else "card") or {}).get("card_key")
    if card_key is not None and other == card_key:
        return Msg("visit.same_card_" + ("new" if key == "card" else "old"))
    return None


def collected_kinds(verdict: Mapping[str, Any] | None, juki: Mapping[str, Any] | None) -> list[str]:
    """What the counter keeps when the card is issued: the verdict's list, plus a collected 住基カード."""
    kinds = list((verdict or {}).get("collected", []))
    if (juki or {}).get("collected") and "juki_card" not in kinds:
        kinds.append("juki_card")
    return kinds


# Steps whose actor prepared the set a city-staff check confirms (D-ISS-2): the notice and the documents.
PREPARING_STEPS = frozenset({"notice", "documents"})


# The actor name of a request without a login (`[security] require_login = false`, tests only): no person
# to tell apart, so the two-person rule cannot apply.
UNNAMED_ACTOR = "panel"


def staff_check_refusal(prepared_by: set[str], checker: str) -> Msg | None:
    """D-ISS-2 is a second person's check (issue 13, Medium 9): whoever opened the case or prepared its set
    may not also confirm it."""
    if checker in prepared_by and checker != UNNAMED_ACTOR:
        return Msg("security.staff_check_same_person", {"name": checker})
    return None
