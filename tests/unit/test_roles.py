"""The roles table (issue 6, item 4): who may do what, and the clerk's counter scope."""

from __future__ import annotations

import pytest

from station.domain import roles
from station.domain.roles import Permission as P
from station.domain.roles import Role as R

# role → exactly the permissions it must have; everything else is refused.
EXPECTED = {
    R.CLERK: {P.QUEUE_OPERATE, P.CASES, P.PERSONAL_DATA, P.PHONE, P.BACK_OFFICE},
    R.SUPERVISOR: {P.QUEUE_OPERATE, P.ALL_COUNTERS, P.CASES, P.PHONE, P.BACK_OFFICE, P.REPORTS, P.END_OF_DAY,
                   P.AUDIT_READ, P.CONFIG, P.BUSY_MODE},
    R.CITY_STAFF: {P.HANDOVER, P.STAFF_CHECK, P.PERSONAL_DATA, P.CASES, P.BUSY_MODE},  # 混雑時体制 (issue 14)
    R.ADMIN: {P.CONFIG, P.USERS, P.AUDIT_READ},
}
# The operating manual (issue 16): who answers reads and proposes; the supervisor collects; city staff review.
EXPECTED[R.CLERK] |= {P.MANUAL_READ, P.MANUAL_PROPOSE}
EXPECTED[R.SUPERVISOR] |= {P.MANUAL_READ, P.MANUAL_PROPOSE, P.MANUAL_COLLECT}
EXPECTED[R.CITY_STAFF] |= {P.MANUAL_READ, P.MANUAL_PROPOSE, P.MANUAL_COLLECT, P.MANUAL_REVIEW}


@pytest.mark.parametrize("role", list(R))
@pytest.mark.parametrize("perm", list(P))
def test_every_role_and_permission(role: R, perm: P) -> None:
    assert roles.allowed(role, perm) is (perm in EXPECTED[role])
    assert roles.allowed(role.value, perm.value) is (perm in EXPECTED[role])


def test_tables_agree() -> None:
    assert set(roles.ROLE_PERMISSIONS) == set(R) == set(roles.ROLE_NAMES)
    assert roles.permissions(R.ADMIN) == ["audit.read", "config", "users"]
    assert roles.roles_with(P.AUDIT_READ) == {R.SUPERVISOR, R.ADMIN}
    assert roles.roles_with(P.USERS) == {R.ADMIN}


def test_unknown_names_are_refused() -> None:
    assert not roles.allowed("root", P.CONFIG)
    assert not roles.allowed(R.ADMIN, "everything")
    with pytest.raises(ValueError, match="役割「root」はありません"):
        roles.parse_role("root")
    assert roles.parse_role(" Supervisor ") is R.SUPERVISOR


def test_clerk_counter_scope() -> None:
    assert roles.needs_counter(R.CLERK) and not roles.needs_counter(R.SUPERVISOR)
    assert not roles.needs_counter(R.ADMIN) and not roles.needs_counter(R.CITY_STAFF)
    assert roles.may_use_counter(R.CLERK, 1, 1)
    assert not roles.may_use_counter(R.CLERK, 1, 2)
    assert not roles.may_use_counter(R.CLERK, None, 1)
    assert roles.may_use_counter(R.SUPERVISOR, None, 3)
    assert not roles.may_use_counter(R.ADMIN, None, 1)
    assert not roles.may_use_counter(R.CITY_STAFF, 1, 1)


@pytest.mark.parametrize(("ticket_counter", "target", "category", "ok"), [
    (1, None, "C", True),       # called by my counter
    (2, None, "A", False),      # called by another counter
    (None, 1, "D", True),       # transferred to my counter
    (None, 2, "A", False),      # transferred to another counter
    (None, None, "A", True),    # waiting in a category I serve
    (None, None, "C", False),   # waiting in a category I do not serve
])
def test_clerk_ticket_scope(ticket_counter: int | None, target: int | None, category: str, ok: bool) -> None:
    kw = {"ticket_counter": ticket_counter, "ticket_target_counter": target, "ticket_category": category}
    assert roles.may_act_on_ticket(R.CLERK, 1, ["A", "B"], **kw) is ok
    assert roles.may_act_on_ticket(R.SUPERVISOR, None, [], **kw)
    assert not roles.may_act_on_ticket(R.ADMIN, None, ["A", "B", "C", "D"], **kw)
    assert not roles.may_act_on_ticket(R.CLERK, None, ["A", "B"], **kw)
