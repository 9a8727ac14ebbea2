"""The city-staff check is a second person's (issue 13, Medium 9; D-ISS-2).

The probe had the same `staff` user do the documents step and its own staff check. Whoever opened the case,
scanned its notice or took its documents may not confirm the set; anyone else with the permission may.
"""

from __future__ import annotations

import pytest

from station.app import Station
from station.services.audit import Actor
from station.services.errors import Conflict
from tests.support.backoffice_day import CARDS, load_stock

PREPARER = Actor("staff-one")
OTHER = Actor("staff-two")


def _prepared_case(st: Station, by: Actor) -> int:
    load_stock(st)
    t = st.queue.issue("A")
    st.queue.call_next(1)
    cid = st.cases.open(1, by, ticket_id=t.id).id
    st.cases.scan_notice(cid, CARDS[0].notice_no, by)
    st.cases.present_all(cid, by)
    assert st.cases.get(cid).state == "awaiting_staff"
    return cid


def test_who_prepared_the_set_may_not_check_it(station: Station) -> None:
    cid = _prepared_case(station, PREPARER)
    with pytest.raises(Conflict) as e:
        station.cases.staff_check(cid, PREPARER)
    assert "別の人" in e.value.message_ja and PREPARER.name in e.value.message_en
    assert station.cases.get(cid).state == "awaiting_staff"
    assert station.cases.staff_check(cid, OTHER).state == "open"
