"""Where each role goes: the page after login, and the header menu every page shows (issue 12, item 9).

Pure: the role and the clerk's counter come in, paths and message codes come out (`nav.*` in
station/messages/*/navigation.json). A menu entry is shown only to a role that has the permission its
page needs, so the menu never offers a page that would answer 403.
"""

from __future__ import annotations

from dataclasses import dataclass

from station.domain.roles import P, Permission, Role, allowed


@dataclass(frozen=True)
class NavItem:
    code: str        # nav.<code> is its label
    path: str
    permission: Permission


def counter_path(counter_id: int | None) -> str:
    return f"/counter/{counter_id}" if counter_id else "/"


def menu(role: Role | str, counter_id: int | None) -> list[NavItem]:
    """The header menu of this role, in the order of a working day."""
    items = [
        NavItem("counter", counter_path(counter_id), P.QUEUE_OPERATE),
        NavItem("staff", "/staff", P.HANDOVER),
        NavItem("phone", "/phone", P.PHONE),
        NavItem("stock", "/stock", P.BACK_OFFICE),
        NavItem("reports", "/reports", P.REPORTS),
        NavItem("end_of_day", "/end-of-day", P.END_OF_DAY),
        NavItem("audit", "/audit", P.AUDIT_READ),
        NavItem("admin", "/admin", P.CONFIG),
    ]
    return [i for i in items if allowed(role, i.permission)]


def landing(role: Role | str, counter_id: int | None) -> str:
    """The page a user lands on after login: a clerk their own counter, city staff the handover queue,
    a supervisor the day's overview (the daily report), an admin the configuration."""
    try:
        r = Role(role)
    except ValueError:
        return "/"
    if r is Role.CLERK:
        return counter_path(counter_id)
    if r is Role.CITY_STAFF:
        return "/staff"
    if r is Role.SUPERVISOR:
        return "/reports"
    return "/admin"
