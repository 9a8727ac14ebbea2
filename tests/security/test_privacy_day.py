"""Nothing personal left on disk after the day is handed over (issue 13, Low 11; "Must hold": the privacy test).

A whole scripted day (tests/support/backoffice_day.py: the card list imported, every procedure at the counter,
phone calls with the callers' names and numbers, handovers with notes, city staff closing them), then the
end-of-day close, then the station stopped — and every file under the data directory (the database, its WAL
and shared-memory files, logs, anything else) is read as bytes and searched for every personal string the
day used, in UTF-8 and in the UTF-16 SQLite could have stored. Before the fix the WAL still held the purged
kana name, birth date and a handover note until a checkpoint.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from station.app import Station
from station.clock import ManualClock
from tests.conftest import make_settings
from tests.support.backoffice_day import CALLERS, CLERK, DAY, NOTES, SECRET, STAFF, run_day


def _files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()]


def _found(blobs: dict[Path, bytes], text: str) -> list[str]:
    forms = {text.encode("utf-8"), text.encode("utf-16-le"), text.encode("utf-16-be")}
    return [f"{p.name}" for p, b in blobs.items() if any(f in b for f in forms)]


def test_a_full_day_leaves_no_personal_string_in_any_file(tmp_path: Path, clock: ManualClock) -> None:
    settings = make_settings(tmp_path)
    st = Station(settings, clock=clock, with_devices=False)
    st.start()
    try:
        day = run_day(st)
        check = st.end_of_day.checklist(DAY)  # city staff receive the collected papers first (issue 14)
        st.followup.receive(DAY, {c["kind"]: c["count"] for c in check["counts"]}, "", STAFF)
        st.end_of_day.close_day(DAY, CLERK)
        running = {p: p.read_bytes() for p in _files(settings.data_dir)}  # the daemon goes on after the close
    finally:
        st.stop()
    stopped = {p: p.read_bytes() for p in _files(settings.data_dir)}
    personal = [*day.used_names, *day.used_birth_dates, *NOTES, SECRET,
                *(name for name, _ in CALLERS), *(phone for _, phone in CALLERS)]
    assert len(personal) > 8
    for when, blobs in (("running", running), ("stopped", stopped)):
        assert any(p.name == "station.db" for p in blobs), sorted(p.name for p in blobs)
        leaks = {text: where for text in personal if (where := _found(blobs, text))}
        assert not leaks, (when, leaks)
        for name in day.kept_names:  # cards still waiting for their holder keep what the counter needs
            assert _found(blobs, name), (when, name)


def test_data_files_are_private(tmp_path: Path, clock: ManualClock) -> None:
    """The data directory 0700, the database and its WAL 0600: other accounts on the PC read nothing."""
    settings = make_settings(tmp_path)
    st = Station(settings, clock=clock, with_devices=False)
    st.start()
    try:
        st.queue.issue("A")
        mode = stat.S_IMODE(os.stat(settings.data_dir).st_mode)
        assert mode == 0o700, oct(mode)
        for p in _files(settings.data_dir):
            m = stat.S_IMODE(p.stat().st_mode)
            assert m & 0o077 == 0, f"{p.name} {oct(m)}"
    finally:
        st.stop()
