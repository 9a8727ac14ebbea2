"""Counter cases: the procedure a called visitor needs, walked step by step (D-DOC, D-ISS, D-OTH, D-INS, D-APP).

A case belongs to a ticket (or none: a walk-up question), has a procedure from the catalog, a clerk, steps
with timestamps, an outcome and a handover state. Personal data (the notice number, what was presented, what
the visitor said) sits only in `Case.notice_no`, `Case.data` and `Handover.note`, and is purged when the
handover to city staff closes (D-ALL-2) or the day is handed over.

The package, imports pointing one way only (no circle):
  views    — `CaseView`, `HandoverView` (pydantic; the API's response models) and their builders
  slips    — the guidance slips and their printing
  core     — opening, one step as one unit of work, reading, counts, purge      (views, slips)
  handover — handing to city staff, their queue                                 (core, views)
  steps    — the clerk's steps; `CaseService` is the whole service               (handover, core, views, slips)
Rules (states, order, tap verdict → outcome) are in `station.domain.case_flow`; SQL in `station.store.cases_repo`.
"""

from station.services.cases.steps import CaseService, presented_from
from station.services.cases.views import CaseView, HandoverView

__all__ = ["CaseService", "CaseView", "HandoverView", "presented_from"]
