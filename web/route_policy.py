"""The route table: what every endpoint of the app needs (issue 6; scopes and personal reads, issue 13).

Kept apart from web/security.py (which enforces it) so the table reads as one page. tests/faults/
test_authorization.py walks app.routes and fails for a route missing here, then checks every role against
what the rule says; tests/security/ checks the scopes with every way of writing an id.
"""

from __future__ import annotations

from dataclasses import dataclass

from station.domain import roles
from station.domain.roles import Permission as P

# Pseudo-permissions of the table.
AUTHENTICATED = "authenticated"  # any logged-in user or token
SIM = "sim"  # simulator controls: open from this PC (loopback), else the admin's CONFIG permission
UNLISTED = "unlisted"  # a route missing from the table: refused until someone decides


@dataclass(frozen=True)
class Policy:
    """What an endpoint needs. permission None: open to anyone (kiosk, display, visitor).

    scope: "counter" (the {counter_id} in the path must be the clerk's), "ticket" (the {ticket_id}
    must be a ticket the clerk's counter holds or could call), "ticket+body" (and a `counter_id`
    in the JSON body, if any, must be the clerk's own counter), "body" (only that body check, and a
    `ticket_id` in the body must be one the clerk may act on), "take-over" (the body check, and another
    counter's ticket only once that counter is closed: roles.may_take_over), "case" (the {case_id} must be a case of the
    clerk's counter, roles.may_open_case), "counter+case" (both), "list" (a `counter_id` query must be the
    clerk's own; the route limits the list with `list_counter`). Every value is the one the route will
    get after validation (web/request_values.py); a value that does not validate is refused."""

    permission: P | str | None
    scope: str | None = None
    why: str = ""
    # A read of personal data to record in the audit log (who, which id, when): "case", "card" …
    reads: str | None = None


OPEN = Policy(None)


def _open(why: str) -> Policy:
    return Policy(None, None, why)


_QUEUE_TICKET = Policy(P.QUEUE_OPERATE, "ticket+body", "clerk panel action on a visitor's ticket")
_CASE = Policy(P.CASES, "case", "a step of a case of one's own counter")

# Every route of the app, decided one by one. tests/faults/test_authorization.py walks app.routes and
# fails for a route missing here, then checks every role against what the rule says.
ROUTE_POLICY: dict[tuple[str, str], Policy] = {
    # --- open: shows nothing personal --------------------------------------------------------------
    ("GET", "/api/health"): _open("device lights, monitoring"),
    ("GET", "/metrics"): _open("Prometheus: counts and timings by category, counter and device, nothing personal"),
    ("GET", "/api/categories"): _open("kiosk and display: waiting counts per category"),
    ("GET", "/api/counters"): _open("display: counters and the numbers they serve"),
    ("GET", "/api/counters/{counter_id}"): _open("display / panel: a counter and its current number"),
    ("GET", "/api/events"): _open("display and panels: the live stream (numbers only)"),
    ("GET", "/api/tickets"): _open("display: today's numbers and states (no personal data on tickets)"),
    ("GET", "/api/tickets/{ticket_id}"): _open("a number's state"),
    ("POST", "/api/tickets"): _open("the kiosk issues tickets without login"),
    ("POST", "/api/auth/login"): _open("logging in"),
    # --- the clerk's counter ------------------------------------------------------------------------
    ("POST", "/api/counters/{counter_id}/call-next"): Policy(P.QUEUE_OPERATE, "counter", "call the next visitor"),
    ("POST", "/api/counters/{counter_id}/next-visitor"): Policy(P.QUEUE_OPERATE, "counter",
                                                                 "finish the visitor served here, call the next"),
    ("POST", "/api/counters/{counter_id}/pause"): Policy(P.QUEUE_OPERATE, "counter", "pause the counter"),
    ("POST", "/api/counters/{counter_id}/resume"): Policy(P.QUEUE_OPERATE, "counter", "resume the counter"),
    ("POST", "/api/counters/{counter_id}/close"): Policy(P.QUEUE_OPERATE, "counter", "close the counter"),
    ("POST", "/api/tickets/{ticket_id}/recall"): _QUEUE_TICKET,
    ("POST", "/api/tickets/{ticket_id}/start"): _QUEUE_TICKET,
    ("POST", "/api/tickets/{ticket_id}/finish"): _QUEUE_TICKET,
    ("POST", "/api/tickets/{ticket_id}/no-show"): _QUEUE_TICKET,
    ("POST", "/api/tickets/{ticket_id}/cancel"): _QUEUE_TICKET,
    ("POST", "/api/tickets/{ticket_id}/requeue"): _QUEUE_TICKET,
    ("POST", "/api/tickets/{ticket_id}/transfer"): Policy(P.QUEUE_OPERATE, "ticket", "transfer"),
    ("POST", "/api/tickets/{ticket_id}/reprint"): Policy(P.QUEUE_OPERATE, "ticket", "print a ticket again"),
    # another counter's called visitor (its PC went down): the taking counter (body) must be one's own
    ("POST", "/api/tickets/{ticket_id}/take-over"): Policy(P.QUEUE_OPERATE, "take-over",
                                                           "take over a called visitor of a closed counter"),
    # --- card stock, back office (D-BO); the single-card lookup shows the holder's personal fields ------
    ("POST", "/api/stock/import"): Policy(P.BACK_OFFICE, None, "import the card issuance list"),
    ("GET", "/api/stock/cards/{notice_or_mfg}"): Policy(P.PERSONAL_DATA, None, "one card, with name and birth date",
                                                        reads="card"),
    ("GET", "/api/stock/cards/{card}/history"): Policy(P.BACK_OFFICE),
    ("POST", "/api/stock/cards/{card}/transition"): Policy(P.BACK_OFFICE),
    ("POST", "/api/stock/mail"): Policy(P.BACK_OFFICE, None, "notices mailed"),
    ("GET", "/api/stock/overdue"): Policy(P.BACK_OFFICE),
    ("GET", "/api/stock/stale"): Policy(P.BACK_OFFICE),
    ("GET", "/api/stock/notices"): Policy(P.BACK_OFFICE),
    ("GET", "/api/stock/applications/{application_id_or_notice}"): Policy(P.BACK_OFFICE, None, "D-TEL-4 lookup"),
    ("GET", "/api/stock/boxes"): Policy(P.BACK_OFFICE),
    ("GET", "/api/stock/boxes/{box}"): Policy(P.BACK_OFFICE),
    ("GET", "/api/stock/boxes/{box}/label.png"): Policy(P.BACK_OFFICE),
    ("GET", "/stock"): Policy(P.BACK_OFFICE, None, "back-office stock screen"),
    # --- counter cases (issue 7): clerks work them; personal working data until the handover closes ----
    ("GET", "/api/cases/catalog"): Policy(P.CASES, None, "procedures and document rules"),
    ("GET", "/api/cases/counts"): Policy(P.CASES, None, "per-day counts (no personal data)"),
    ("GET", "/api/cases/collected"): Policy(P.PERSONAL_DATA, None, "collected documents per case (notice numbers)"),
    ("GET", "/api/cases/awaiting-staff-check"): Policy(P.STAFF_CHECK, None, "sets waiting for city staff"),
    ("POST", "/api/cases/purge-day"): Policy(P.END_OF_DAY, None, "purge a handed-over day's cases"),
    ("GET", "/api/cases"): Policy(P.CASES, "list", "a clerk: their counter's; supervisor: without personal fields"),
    ("POST", "/api/cases"): Policy(P.CASES, "body", "open a case at one's own counter, for one's own ticket"),
    ("GET", "/api/cases/{case_id}"): Policy(P.PERSONAL_DATA, "case", "a case with its working data", reads="case"),
    ("POST", "/api/cases/{case_id}/procedure"): _CASE,
    ("POST", "/api/cases/{case_id}/notice"): _CASE,
    ("POST", "/api/cases/{case_id}/documents"): _CASE,
    ("POST", "/api/cases/{case_id}/documents/all"): _CASE,
    ("POST", "/api/cases/{case_id}/juki-check"): _CASE,
    ("POST", "/api/cases/{case_id}/card-tap"): _CASE,
    ("POST", "/api/cases/{case_id}/steps/{step}"): _CASE,
    ("POST", "/api/cases/{case_id}/issue"): _CASE,
    ("POST", "/api/cases/{case_id}/consents"): _CASE,
    ("POST", "/api/cases/{case_id}/applied"): _CASE,
    ("POST", "/api/cases/{case_id}/complete"): _CASE,
    ("POST", "/api/cases/{case_id}/cancel"): _CASE,
    ("POST", "/api/cases/{case_id}/undo"): _CASE,
    ("POST", "/api/cases/{case_id}/handover"): _CASE,
    ("POST", "/api/cases/{case_id}/link"): _CASE,
    ("GET", "/api/cases/{case_id}/slips/{kind}"): _CASE,
    ("POST", "/api/cases/{case_id}/slips/{kind}/reprint"): _CASE,
    # --- city staff (本市職員): their check and the handover queue ----------------------------------------
    ("POST", "/api/cases/{case_id}/staff-check"): Policy(P.STAFF_CHECK, None, "D-ISS-2 check by city staff"),
    ("GET", "/api/handovers"): Policy(P.HANDOVER, None, "the handover queue (notes are personal)",
                                      reads="handovers"),
    ("GET", "/api/handovers/{handover_id}"): Policy(P.HANDOVER, reads="handover"),
    ("POST", "/api/handovers/{handover_id}/take"): Policy(P.HANDOVER),
    ("POST", "/api/handovers/{handover_id}/close"): Policy(P.HANDOVER, None, "close: purges the case (D-ALL-2)"),
    ("GET", "/staff"): Policy(P.HANDOVER, None, "city-staff screen"),
    ("GET", "/counter/{counter_id}/case"): Policy(P.QUEUE_OPERATE, "counter", "the counter's current case"),
    ("GET", "/counter/{counter_id}/case/{case_id}"): Policy(P.QUEUE_OPERATE, "counter+case", "case screen (panel)"),
    # --- phone desk (D-TEL), reports (D-ALL-1), end of day and purge (D-BO-6, D-ALL-2): issue 8 ------------
    ("GET", "/api/phone/categories"): Policy(P.PHONE),
    ("GET", "/api/phone/lookup"): Policy(P.PHONE, None, "D-TEL-4 application date (nothing personal)"),
    ("POST", "/api/phone/calls"): Policy(P.PHONE, None, "save a phone reception slip"),
    ("GET", "/api/phone/calls"): Policy(P.PERSONAL_DATA, None, "slips with what callers said", reads="phone_calls"),
    ("GET", "/api/phone/counts"): Policy(P.PHONE),
    ("GET", "/phone"): Policy(P.PHONE, None, "phone desk screen"),
    ("GET", "/api/reports/daily"): Policy(P.REPORTS, None, "daily counts for the city"),
    ("GET", "/api/reports/daily.csv"): Policy(P.REPORTS),
    ("GET", "/reports"): Policy(P.REPORTS, None, "reports screen"),
    ("GET", "/reports/print"): Policy(P.REPORTS, None, "printable A4 daily report"),
    ("GET", "/api/end-of-day"): Policy(P.END_OF_DAY, None, "collected papers per case (ticket numbers, kinds)"),
    ("POST", "/api/end-of-day/close"): Policy(P.END_OF_DAY, None, "day handed over: purges its personal data"),
    ("POST", "/api/purge"): Policy(P.END_OF_DAY, None, "purge by retention (forced needs a reason)"),
    ("GET", "/end-of-day"): Policy(P.END_OF_DAY, None, "end-of-day checklist screen"),
    # --- logged-in users --------------------------------------------------------------------------
    ("GET", "/api/auth/me"): Policy(AUTHENTICATED, None, "who am I, my permissions and CSRF token"),
    ("POST", "/api/auth/logout"): Policy(AUTHENTICATED, None, "end the session"),
    ("GET", "/api/audit"): Policy(P.AUDIT_READ, None, "the audit log (supervisor, admin)"),
    # --- simulator (only mounted with --simulate): a newcomer's demo on this PC -----------------------
    ("POST", "/api/sim/button"): Policy(SIM),
    ("GET", "/api/sim/printer/jobs"): Policy(SIM),
    ("GET", "/api/sim/printer/jobs/{job_id}.png"): Policy(SIM),
    ("GET", "/api/sim/printer/state"): Policy(SIM),
    ("POST", "/api/sim/printer/state"): Policy(SIM),
    ("POST", "/api/sim/printer/speed"): Policy(SIM),
    ("GET", "/api/sim/card"): Policy(SIM),
    ("POST", "/api/sim/card"): Policy(SIM),
    ("POST", "/api/sim/scanner"): Policy(SIM),
    ("GET", "/sim"): Policy(SIM),
    ("GET", "/sim/tickets"): Policy(SIM),
    # --- pages ----------------------------------------------------------------------------------------
    ("GET", "/"): _open("list of screens"),
    ("GET", "/login"): _open("login page"),
    ("GET", "/kiosk"): _open("ticket kiosk"),
    ("GET", "/display"): _open("waiting-room display"),
    ("GET", "/t/{token}"): _open("visitor's status page (the token is the secret)"),
    ("GET", "/t/{token}/data"): _open("visitor's status data"),
    ("GET", "/counter/{counter_id}"): Policy(P.QUEUE_OPERATE, "counter", "clerk panel of one counter"),
    ("GET", "/admin"): Policy(P.CONFIG, None, "configuration screen"),
    ("GET", "/api/admin/config"): Policy(P.CONFIG, None, "live configuration with the file's values"),
    ("PUT", "/api/admin/calendar/{day}"): Policy(P.CONFIG, None, "close / open a date"),
    ("DELETE", "/api/admin/calendar/{day}"): Policy(P.CONFIG, None, "undo a date's change"),
    ("PUT", "/api/admin/counters/{counter_id}"): Policy(P.CONFIG, None, "categories a counter serves"),
    ("PUT", "/api/admin/categories/{code}"): Policy(P.CONFIG, None, "cut-off and service time"),
    ("GET", "/audit"): Policy(P.AUDIT_READ, None, "audit log screen"),
    # --- added by issues 12, 14, 15 (visit, back office, reservations) -----------------------------------
    ("POST", "/api/stock/steps"): Policy(P.BACK_OFFICE, None, "a lifecycle step for a range, box or scans"),
    ("POST", "/api/stock/notice-check"): Policy(P.BACK_OFFICE, None, "notice against card (D-BO-1)"),
    ("POST", "/api/stock/cards/{card}/note"): Policy(P.BACK_OFFICE, None, "note written on the notice"),
    ("GET", "/api/stock/lists/{kind}"): Policy(P.BACK_OFFICE),
    ("GET", "/api/stock/counts"): Policy(P.BACK_OFFICE),
    ("GET", "/api/stock/locate/{ref}"): Policy(P.BACK_OFFICE, None, "box and position only (D-ISS-1)"),
    ("GET", "/stock/print/{sheet}"): Policy(P.BACK_OFFICE, None, "A4 lists and forms (D-BO-5)"),
    ("POST", "/api/cases/{case_id}/documents/check"): _CASE,
    ("GET", "/api/followup/outcomes"): Policy(P.HANDOVER),
    ("POST", "/api/followup/handovers/{handover_id}/close"): Policy(P.HANDOVER, None, "close with outcome, purge"),
    ("POST", "/api/followup/handovers/{handover_id}/callback"): Policy(P.HANDOVER, None, "promise a call-back"),
    ("GET", "/api/followup/callbacks"): Policy(P.HANDOVER),
    ("POST", "/api/followup/callbacks/{callback_id}/done"): Policy(P.HANDOVER, None, "called back: close, purge"),
    ("POST", "/api/followup/urgent"): Policy(P.CASES, None, "trouble or police raised at a counter (D-GUI-2)"),
    ("GET", "/api/followup/urgent"): Policy(AUTHENTICATED, None, "open alerts (kind, counter, time)"),
    ("POST", "/api/followup/urgent/{alert_id}/ack"): Policy(AUTHENTICATED, None, "a person acknowledges"),
    ("GET", "/api/followup/receipt"): Policy(P.HANDOVER, None, "the day's papers per kind (counts)"),
    ("POST", "/api/followup/receipt"): Policy(P.HANDOVER, None, "city staff received the papers (D-BO-6)"),
    ("GET", "/api/followup/counts"): Policy(AUTHENTICATED, None, "counts only"),
    ("POST", "/api/followup/handovers/{handover_id}/preprint-printed"): Policy(P.HANDOVER, None, "D-APP-3 printed"),
    ("GET", "/api/followup/preprints"): Policy(P.CASES, None, "forms waiting at counters (numbers only)"),
    ("POST", "/api/followup/preprints/{handover_id}/given"): Policy(P.CASES, None, "D-APP-3 form given, purge"),
    ("GET", "/api/followup/held"): Policy(AUTHENTICATED, None, "D-OTH-4 handover ids held for the manager"),
    ("POST", "/api/followup/handovers/{handover_id}/forward"): Policy(P.END_OF_DAY, None, "業務管理者 forwards"),
    ("GET", "/api/busy"): _open("busy-time mode banner: panels, kiosk, display"),
    ("PUT", "/api/busy"): Policy(P.BUSY_MODE, None, "混雑時体制 on/off (supervisor, city staff)"),
    ("GET", "/api/busy/counts"): Policy(AUTHENTICATED, None, "minutes on (counts only)"),
    ("GET", "/api/phone/desk"): Policy(P.PHONE),
    ("GET", "/api/reservations/categories"): _open("procedures that take bookings"),
    ("GET", "/api/reservations/days"): _open("bookable days with free places (counts only)"),
    ("GET", "/api/reservations/slots"): _open("a day's slots with free places (counts only)"),
    ("POST", "/api/reservations/identify"): _open("resident: notice + birth date → own checklist (throttled)"),
    ("POST", "/api/reservations"): _open("resident books (notice + birth date, throttled)"),
    ("POST", "/api/reservations/lookup"): _open("resident: code + birth date → own booking"),
    ("POST", "/api/reservations/cancel"): _open("resident: code + birth date"),
    ("POST", "/api/reservations/change"): _open("resident: code + birth date"),
    ("POST", "/api/reservations/check-in"): _open("the kiosk checks a booking in (like issuing a ticket)"),
    ("POST", "/api/reservations/staff"): Policy(P.PHONE, None, "phone desk / counter books for a resident"),
    ("GET", "/api/reservations/board"): Policy(P.QUEUE_OPERATE, None, "the day's bookings per slot (codes)"),
    ("POST", "/api/reservations/slots/close"): Policy(P.CONFIG, None, "supervisor closes a slot (outage)"),
    ("POST", "/api/reservations/slots/reopen"): Policy(P.CONFIG, None, "supervisor reopens a slot"),
    ("POST", "/api/reservations/sweep"): Policy(P.CONFIG, None, "run no-shows, reminders, purge now"),
    ("GET", "/api/reservations/outbox"): Policy(P.CONFIG, None, "mail outbox (kinds and states, no addresses)"),
    ("GET", "/api/reservations/priority"): _open("display: today's priority ticket numbers (予約 mark)"),
    ("GET", "/api/public/status"): _open("congestion page data: counts, no ids, no personal data"),
    ("POST", "/t/{token}/watch"): _open("visitor: mail me when my turn is near (the token is the secret)"),
    ("GET", "/reserve"): _open("resident's booking page"),
    ("GET", "/reserve/manage"): _open("resident: check, change, cancel"),
    ("GET", "/reserve/checklist"): _open("resident: what to bring"),
    ("GET", "/reserve/qr/{code}.png"): _open("a booking code as a QR image (encodes only the code given)"),
    ("GET", "/public"): _open("congestion page (混雑状況)"),
    ("GET", "/reservations"): Policy(P.QUEUE_OPERATE, None, "staff: the day's bookings, close a slot, book by phone"),
    # --- the operating manual (issue 16, D-ALL-3): nothing personal in it -----------------------------------
    ("GET", "/api/manual/articles"): Policy(P.MANUAL_READ),
    ("GET", "/api/manual/search"): Policy(P.MANUAL_READ, None, "a miss is counted, nobody recorded"),
    ("GET", "/api/manual/edition"): Policy(P.MANUAL_READ),
    ("GET", "/api/manual/words"): Policy(P.MANUAL_READ, None, "the panel's words"),
    ("GET", "/api/manual/articles/{slug}"): Policy(P.MANUAL_READ),
    ("PUT", "/api/manual/articles/{slug}"): Policy(P.MANUAL_REVIEW, None, "city staff publish directly"),
    ("POST", "/api/manual/articles/{slug}/read"): Policy(P.MANUAL_READ, None, "count a reading"),
    ("GET", "/api/manual/articles/{slug}/versions"): Policy(P.MANUAL_READ),
    ("GET", "/api/manual/articles/{slug}/versions/{version}"): Policy(P.MANUAL_READ),
    ("GET", "/api/manual/articles/{slug}/diff"): Policy(P.MANUAL_READ),
    ("POST", "/api/manual/proposals"): Policy(P.MANUAL_PROPOSE, None, "propose from the counter (D-ALL-3)"),
    ("GET", "/api/manual/proposals"): Policy(P.MANUAL_COLLECT, None, "the supervisor collects, city staff review"),
    ("GET", "/api/manual/proposals/{proposal_id}"): Policy(P.MANUAL_COLLECT),
    ("POST", "/api/manual/proposals/{proposal_id}/accept"): Policy(P.MANUAL_REVIEW, None, "publishes a version"),
    ("POST", "/api/manual/proposals/{proposal_id}/reject"): Policy(P.MANUAL_REVIEW),
    ("GET", "/api/manual/unanswered"): Policy(P.MANUAL_COLLECT, None, "monthly list for the city"),
    ("GET", "/api/manual/export"): Policy(P.MANUAL_COLLECT, None, "the city's copy as Markdown files"),
    ("POST", "/api/manual/import"): Policy(P.MANUAL_REVIEW, None, "the city's files replace versions"),
    ("GET", "/api/manual/manual.pdf"): Policy(P.MANUAL_READ, None, "the printed manual"),
    ("GET", "/manual"): Policy(P.MANUAL_READ, None, "manual screen"),
    ("GET", "/manual/review"): Policy(P.MANUAL_COLLECT, None, "proposals and the monthly list"),
    # period reports and the staffing what-if (issue 17): supervisor only (per-clerk figures)
    ("GET", "/api/reports/period"): Policy(P.REPORTS, None, "any period's counts, times, per counter and clerk"),
    ("GET", "/api/reports/period.{fmt}"): Policy(P.REPORTS, None, "the same as csv, xlsx or A4 pdf"),
    ("GET", "/reports/period"): Policy(P.REPORTS, None, "period report screen"),
    ("GET", "/api/reports/staffing"): Policy(P.REPORTS, None, "staffing what-if: a recorded day replayed"),
    ("GET", "/reports/staffing"): Policy(P.REPORTS, None, "staffing what-if screen"),
}


def policy_for(method: str, path: str) -> Policy:
    m = "GET" if method == "HEAD" else method
    return ROUTE_POLICY.get((m, path), Policy(UNLISTED))


def allowed_roles(policy: Policy, *, local: bool = False) -> frozenset[str] | None:
    """The roles a policy lets through (ignoring counter scope); None = open to anyone."""
    perm = policy.permission
    if perm is None or (perm == SIM and local):
        return None
    if perm == SIM:
        perm = P.CONFIG
    if perm == AUTHENTICATED:
        return frozenset(r.value for r in roles.Role)
    if perm == UNLISTED:
        return frozenset()
    return frozenset(r.value for r in roles.roles_with(perm))
