"""City staff's follow-through (issue 14): a handover closed with its outcome (kept) and its personal data
purged; a call-back keeps the handover open until done; urgent trouble acknowledged with its seconds;
the end-of-day receipt records a mismatch and is required before the day is purged."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, text

from station.app import Station
from station.clock import ManualClock
from station.services.audit import Actor
from station.services.errors import Conflict, Invalid, NotFound
from station.store.models_cases import Handover

CLERK = Actor("clerk-a")
STAFF = Actor("staff-a")


def complaint(st: Station, secret: str = "ヒミツの苦情") -> int:
    call = st.phone.record(10, CLERK, content=secret, escalation="complaint", caller_name="テスト　ハナコ",
                           caller_phone="090-0000-1111")
    assert call.handover_id
    return int(call.handover_id)


def test_close_with_outcome_keeps_the_outcome_and_purges(station: Station) -> None:
    hid = complaint(station)
    station.cases.take(hid, STAFF)
    with pytest.raises(Invalid):
        station.followup.close(hid, "made_up", "", STAFF)
    out = station.followup.close(hid, "resolved", "説明して納得", STAFF)
    assert out.code == "resolved" and out.label_ja == "その場で対応・解決"
    with station.sessions() as s:
        h = s.scalars(select(Handover).where(Handover.id == hid)).one()
        assert h.state == "closed" and h.note is None  # purged
        dump = "".join(str(r) for r in s.execute(text("SELECT * FROM phone_calls")))
    assert "ヒミツ" not in dump and "ハナコ" not in dump
    assert station.followup.counts().outcomes == {"resolved": 1}


def test_a_call_back_keeps_the_handover_until_done(station: Station, clock: ManualClock) -> None:
    hid = complaint(station)
    station.cases.take(hid, STAFF)
    cb = station.followup.promise_callback(hid, clock.now() + timedelta(hours=1), STAFF)
    assert not cb.late and station.cases.get_handover(hid).note  # data kept: the call is still to make
    with pytest.raises(Conflict):
        station.followup.close(hid, "resolved", "", STAFF)
    clock.advance(hours=2)
    assert station.followup.callbacks(open_only=True)[0].late
    done = station.followup.callback_done(cb.id, "", STAFF)
    assert done.done_by == STAFF.name and station.cases.get_handover(hid).state == "closed"
    c = station.followup.counts()
    assert (c.callbacks_done, c.callbacks_open, c.outcomes) == (1, 0, {"called_back": 1})


def test_urgent_is_acknowledged_once_with_its_seconds(station: Station, clock: ManualClock) -> None:
    events: list[str] = []
    station.bus.add_listener(lambda env: events.append(env.event.name))
    a = station.followup.raise_urgent("trouble", 1, CLERK)
    assert [u.id for u in station.followup.open_urgent()] == [a.id]
    clock.advance(seconds=42)
    ack = station.followup.acknowledge(a.id, STAFF)
    assert ack.ack_seconds == 42 and station.followup.open_urgent() == []
    with pytest.raises(Conflict):
        station.followup.acknowledge(a.id, STAFF)
    assert events.count("urgent_updated") == 2
    assert station.followup.counts().urgent_ack_seconds_max == 42


def test_end_of_day_receipt_mismatch_is_recorded_and_required(station: Station) -> None:
    from tests.support.backoffice_day import DAY, run_day

    run_day(station)
    form = station.followup.receipt(DAY)
    expected = {k.kind: k.expected for k in form.kinds}
    assert expected["notice"] == 1 and form.received_at is None
    with pytest.raises(Conflict, match="受領"):
        station.end_of_day.close_day(DAY, CLERK)
    short = {**expected, "notice": 0}
    with pytest.raises(Invalid, match="不一致の理由"):
        station.followup.receive(DAY, short, "", STAFF)
    r = station.followup.receive(DAY, short, "通知書1枚は翌日回収", STAFF)
    assert [(m.kind, m.expected, m.received) for m in r.mismatches] == [("notice", 1, 0)]
    assert station.end_of_day.close_day(DAY, CLERK)["closed_by"] == CLERK.name
    assert station.followup.counts(DAY).receipt_mismatches == 1


def test_migration_matches_the_models(any_station: Station) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from station.store import models_followup  # noqa: F401
    from station.store.models import Base

    with any_station.engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    mine = [d for d in diffs if any(t in repr(d) for t in ("handover_outcomes", "urgent_alerts",
                                                            "handover_callbacks", "staff_receipts", "notice_note"))]
    assert mine == []


def test_preprint_from_request_to_the_form_given(station: Station) -> None:
    case = station.cases.open(1, CLERK, "preprint")
    station.cases.tick(case.id, "id_taken", CLERK)
    done = station.cases.complete(case.id, None, CLERK, "申請書を紛失")
    hid = int(done.handover["id"])  # type: ignore[index]
    with pytest.raises(NotFound):
        station.followup.preprint_given(hid, CLERK)  # not printed yet
    p = station.followup.preprint_printed(hid, STAFF)
    assert p.counter_id == 1 and [x.handover_id for x in station.followup.preprints(1)] == [hid]
    given = station.followup.preprint_given(hid, CLERK)
    assert given.given_by == CLERK.name and station.followup.preprints(1) == []
    assert station.cases.get_handover(hid).state == "closed"
    c = station.followup.counts()
    assert (c.preprints_printed, c.preprints_given, c.outcomes) == (1, 1, {"preprint_printed": 1})


def test_integrated_terminal_goes_through_the_manager_first(station: Station) -> None:
    case = station.cases.open(1, CLERK, "issuance")
    v = station.cases.handover(case.id, "integrated_terminal", CLERK, "住所変更の反映が必要")
    hid = int(v.handover["id"])  # type: ignore[index]
    held = station.followup.held_for_manager()
    assert [h.handover_id for h in held] == [hid] and held[0].reason == "integrated_terminal"
    assert station.followup.forward(hid, Actor("supervisor")) == []
    with pytest.raises(Conflict):
        station.followup.forward(hid, Actor("supervisor"))
    other = station.cases.handover(station.cases.open(2, CLERK, "issuance").id, "complaint", CLERK, None)
    with pytest.raises(Conflict):
        station.followup.forward(int(other.handover["id"]), Actor("supervisor"))  # type: ignore[index]
