"""Two people, not one (issue 13, Medium 9): the city-staff check (D-ISS-2) and taking over a visitor.

The probe had the same `staff` user do the documents step and its own staff check. Whoever opened the case,
scanned its notice or took its documents may not confirm the set; anyone else with the permission may.
And a clerk took over another counter's live visitor while that counter was up: a clerk takes over only
from a closed counter; the supervisor at any time.
"""

from __future__ import annotations

import pytest

from station.app import Station
from station.domain.queue import CounterState
from station.services.audit import Actor
from station.services.errors import Conflict
from tests.security.conftest import Office
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


def test_take_over_only_from_a_closed_counter_or_by_the_supervisor(office: Office) -> None:
    """The probe's clerk took over another counter's live visitor while that counter was up."""
    c = office.client()
    other = office.ids["other_ticket"]  # called at counter 2, which is open
    r = c.post(f"/api/tickets/{other}/take-over", json={"counter_id": 1}, headers=office.headers("clerk"))
    assert r.status_code == 403 and "2番窓口は開いています" in r.json()["detail"]["message_ja"]
    office.station.queue.set_counter_state(2, CounterState.CLOSED)  # its PC died: the supervisor closed it
    own = office.ids["own_ticket"]
    assert c.post(f"/api/tickets/{own}/cancel", json={}, headers=office.headers("clerk")).status_code == 200
    r = c.post(f"/api/tickets/{other}/take-over", json={"counter_id": 1}, headers=office.headers("clerk"))
    assert r.status_code == 200, r.text


def test_the_supervisor_takes_over_at_any_time(office: Office) -> None:
    c = office.client()
    r = c.post(f"/api/tickets/{office.ids['other_ticket']}/take-over", json={"counter_id": 3},
               headers=office.headers("supervisor"))
    assert r.status_code == 200, r.text
