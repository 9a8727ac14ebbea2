"""City staff's follow-through (D-GUI-2/3, D-OTH-2/4, D-APP-3, D-TEL-2/4, D-ALL-2, D-BO-6), pure.

- A handover is closed with an **outcome**: a code from `OUTCOMES` and a few words. The outcome (never the
  case's personal data) stays for the counts once the data is purged.
- A handover that needs an answer by phone is not closed yet: it goes on the **call-back** list with the
  promised time, and is closed (outcome ``called_back``) when the call is made; its data stays until then,
  because the handover is not complete (D-ALL-2).
- **Urgent** trouble or police (D-GUI-2) is raised from a counter, shown loud on every city-staff and
  supervisor screen until a person acknowledges it; the seconds to acknowledge are kept.
- **End-of-day receipt** (D-BO-6): city staff count what they received per kind; every kind whose count
  differs from what the counters recorded is a mismatch, recorded with the receipt, never passed silently.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from station.domain.messages import Msg

# What city staff did, as a code; the words are followup.outcome.<code> in the catalogs.
OUTCOMES = ("resolved", "forms_accepted", "preprint_printed", "referred", "police_called", "jlis_answered",
            "called_back", "other")
# Closing through the old API without saying what was done.
UNSPECIFIED = "unspecified"
URGENT_KINDS = ("trouble", "police")
NOTE_MAX = 80
# Handover reasons the 業務管理者 (the contractor's supervisor) reports to city staff first (D-OTH-4).
VIA_MANAGER = frozenset({"integrated_terminal", "jlis_inquiry"})


class FollowupRuleError(ValueError):
    """A step the rules refuse: `msg` is a code of station/messages/*/followup.json."""

    def __init__(self, msg_code: str, **params: object) -> None:
        self.msg = Msg(msg_code, params)
        super().__init__(msg_code)


def check_outcome(code: str, note: str) -> str:
    """The outcome code as given, or FollowupRuleError; the note is a few words, not a record."""
    if code not in OUTCOMES:
        raise FollowupRuleError("followup.outcome_unknown", code=code, known=", ".join(OUTCOMES))
    if len(note.strip()) > NOTE_MAX:
        raise FollowupRuleError("followup.note_too_long", max=NOTE_MAX)
    return code


def check_urgent(kind: str) -> str:
    if kind not in URGENT_KINDS:
        raise FollowupRuleError("followup.urgent_unknown", kind=kind, known=", ".join(URGENT_KINDS))
    return kind


def seconds_to_ack(raised_at: datetime, acked_at: datetime) -> int:
    return max(0, int((acked_at - raised_at).total_seconds()))


@dataclass(frozen=True)
class Mismatch:
    kind: str
    expected: int
    received: int


def compare_receipt(expected: Mapping[str, int], received: Mapping[str, int]) -> list[Mismatch]:
    """Every kind whose received count differs from the counters' record (a kind missing counts as 0)."""
    kinds = sorted(set(expected) | set(received))
    return [Mismatch(k, int(expected.get(k, 0)), int(received.get(k, 0))) for k in kinds
            if int(expected.get(k, 0)) != int(received.get(k, 0))]


def needs_manager_first(reason: str) -> bool:
    """D-OTH-4: integrated-terminal work beyond the clerks' authority and J-LIS inquiries go through the
    業務管理者, who reports them to city staff."""
    return reason in VIA_MANAGER
