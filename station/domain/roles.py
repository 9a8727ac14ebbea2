"""Roles and what each may do (issue 6, item 4). Pure: no I/O, no clock.

Who works at the office (DOMAIN.md "Who works there"):
- clerk       (受託者): their own counter's queue (call, recall, start, finish, transfer …) and its cases;
- supervisor  (業務管理者): every counter, reports, end of day, the audit log;
- city_staff  (本市職員): the handover queue and the staff checks;
- admin       (システム管理者): configuration and users.
The kiosk, the waiting-room display and the visitor's status page need no login and are not roles:
they only use the open endpoints (see web/security.py ROUTE_POLICY).

Roles do not inherit from each other: each role's permissions are listed in full below, so reading
one line answers "may a supervisor do X?". A permission new work needs is added here and granted
explicitly; the route table in web/security.py names the permission each endpoint needs.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

from station.domain.messages import Msg


class Role(StrEnum):
    CLERK = "clerk"
    SUPERVISOR = "supervisor"
    CITY_STAFF = "city_staff"
    ADMIN = "admin"


class Permission(StrEnum):
    # Operate a counter's queue: call next, recall, start, finish, no-show, cancel, requeue, transfer,
    # reprint, pause/resume/close the counter; the clerk panel page. Clerks: their own counter only.
    QUEUE_OPERATE = "queue.operate"
    # Act on any counter, not only one's own (otherwise QUEUE_OPERATE is scoped to the bound counter).
    ALL_COUNTERS = "queue.all_counters"
    # Case records at the counter (document checks, procedures); may hold personal data until handover.
    CASES = "cases"
    # Read personal fields of a case (names, birth dates, what a caller said). D-ALL-2; item 6.
    PERSONAL_DATA = "personal_data"
    # The handover queue (引継ぎ) and the city staff's checks of what clerks prepared.
    HANDOVER = "handover"
    STAFF_CHECK = "staff_check"
    # Phone desk slips (D-TEL) and back-office card work (D-BO).
    PHONE = "phone"
    BACK_OFFICE = "back_office"
    # Counts and reports for the city (D-ALL-1), end-of-day close (D-BO-6).
    REPORTS = "reports"
    END_OF_DAY = "end_of_day"
    # The audit log (who did what, when, from where).
    AUDIT_READ = "audit.read"
    # Configuration (categories, counters, calendar, devices) and user accounts / API tokens.
    CONFIG = "config"
    USERS = "users"
    # Switch busy-time mode (混雑時体制) on or off: the supervisor or city staff (D-OTH-5).
    BUSY_MODE = "busy_mode"
    # The operating manual (運営マニュアル, D-ALL-3, issue 16): everyone who answers reads it; those who answer
    # (clerks, the supervisor) propose changes; the supervisor collects them and the city's monthly list;
    # city staff review: accept (a new version is published), edit and accept, or reject; and import files.
    MANUAL_READ = "manual.read"
    MANUAL_PROPOSE = "manual.propose"
    MANUAL_COLLECT = "manual.collect"
    MANUAL_REVIEW = "manual.review"


P = Permission

ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.CLERK: frozenset({P.QUEUE_OPERATE, P.CASES, P.PERSONAL_DATA, P.PHONE, P.BACK_OFFICE,
                           P.MANUAL_READ, P.MANUAL_PROPOSE}),
    Role.SUPERVISOR: frozenset({
        P.QUEUE_OPERATE, P.ALL_COUNTERS, P.CASES, P.PHONE, P.BACK_OFFICE, P.REPORTS, P.END_OF_DAY,
        P.AUDIT_READ,
        # The admin screen is where the supervisor cancels and reprints today's tickets (issue 5).
        P.CONFIG, P.BUSY_MODE,
        P.MANUAL_READ, P.MANUAL_PROPOSE, P.MANUAL_COLLECT,
    }),
    Role.CITY_STAFF: frozenset({P.HANDOVER, P.STAFF_CHECK, P.PERSONAL_DATA, P.CASES, P.BUSY_MODE,
                                P.MANUAL_READ, P.MANUAL_PROPOSE, P.MANUAL_COLLECT, P.MANUAL_REVIEW}),
    Role.ADMIN: frozenset({P.CONFIG, P.USERS, P.AUDIT_READ}),
}

# The words for each role: codes of station/messages/*/auth.json.
ROLE_NAMES: dict[Role, str] = {role: f"auth.role.{role.value}" for role in Role}


class UnknownRole(ValueError):
    """A role name that is not one of `Role`: `msg` says so as a code; the words are looked up when read."""

    def __init__(self, value: str) -> None:
        self.msg = Msg.of("auth.role_unknown", value=value, known=", ".join(r.value for r in Role))
        super().__init__(self.msg.code)

    def __str__(self) -> str:
        from station.messages import both  # the catalog, read at the edge (when someone reads the words)

        return " / ".join(both(self.msg))


def parse_role(value: str) -> Role:
    """The role named by `value`; UnknownRole (a ValueError, with the known roles) for anything else."""
    try:
        return Role(value.strip().lower())
    except ValueError:
        raise UnknownRole(value) from None


def allowed(role: Role | str, permission: Permission | str) -> bool:
    try:
        return Permission(permission) in ROLE_PERMISSIONS[Role(role)]
    except ValueError:
        return False


def permissions(role: Role | str) -> list[str]:
    return sorted(p.value for p in ROLE_PERMISSIONS[Role(role)])


def roles_with(permission: Permission | str) -> frozenset[Role]:
    return frozenset(r for r in Role if allowed(r, permission))


def needs_counter(role: Role | str) -> bool:
    """A role that operates a queue without ALL_COUNTERS works at one counter, bound at login."""
    return allowed(role, P.QUEUE_OPERATE) and not allowed(role, P.ALL_COUNTERS)


def may_use_counter(role: Role | str, own_counter: int | None, counter_id: int) -> bool:
    """May this role act on `counter_id`? Clerks only on their own counter."""
    if not allowed(role, P.QUEUE_OPERATE):
        return False
    if allowed(role, P.ALL_COUNTERS):
        return True
    return own_counter is not None and own_counter == counter_id


def may_act_on_ticket(
    role: Role | str,
    own_counter: int | None,
    own_categories: Iterable[str],
    *,
    ticket_counter: int | None,
    ticket_target_counter: int | None,
    ticket_category: str,
) -> bool:
    """May this role act on a ticket? A clerk: a ticket their counter called, or a waiting one their
    counter could call (sent to their counter, or of a category it serves and sent to no counter)."""
    if not allowed(role, P.QUEUE_OPERATE):
        return False
    if allowed(role, P.ALL_COUNTERS):
        return True
    if own_counter is None:
        return False
    if ticket_counter is not None:
        return ticket_counter == own_counter
    if ticket_target_counter is not None:
        return ticket_target_counter == own_counter
    return ticket_category in set(own_categories)


def may_open_case(role: Role | str, own_counter: int | None, case_counter: int | None) -> bool:
    """May this role read or act on a case of `case_counter` (None: a walk-up case away from a counter)?

    Cases are scoped like tickets (issue 13, Medium 3): a clerk only their own counter's cases (and walk-up
    ones); the supervisor every counter's (seeing counts and states — personal fields are blanked for a
    role without PERSONAL_DATA by the views); city staff every case, since handovers and staff checks come
    from every counter."""
    if allowed(role, P.ALL_COUNTERS) or allowed(role, P.HANDOVER):
        return True
    if not allowed(role, P.CASES):
        return False
    return case_counter is None or (own_counter is not None and own_counter == case_counter)


def may_take_over(role: Role | str, own_counter: int | None, ticket_counter: int | None,
                  ticket_counter_closed: bool) -> bool:
    """Take over another counter's called visitor (issue 13, Medium 9): the supervisor always; a clerk only
    for their own counter, and from another counter only once that counter is closed (its PC went down and
    it was closed, by the supervisor or at the end of its day) — never while its clerk is still serving."""
    if allowed(role, P.ALL_COUNTERS):
        return True
    if not allowed(role, P.QUEUE_OPERATE) or own_counter is None:
        return False
    return ticket_counter in (None, own_counter) or ticket_counter_closed
