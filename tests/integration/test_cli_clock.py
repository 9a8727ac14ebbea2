"""Issue 12 item 10: one clock per installation. A command run beside a daemon with a simulated clock
writes its audit entries at the daemon's time, not the real one; without a (living) daemon, real time."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

from typer.testing import CliRunner

from station.app import Station
from station.cli import app as cli
from station.clock import (
    CLOCK_FILE,
    ManualClock,
    SystemClock,
    TickingClock,
    installation_clock,
    remove_installation_clock,
    write_installation_clock,
)
from station.domain.calendar import BusinessCalendar
from station.domain.timezone import TOKYO
from tests.conftest import EXAMPLE_CONFIG, make_settings

SIMULATED = datetime(2031, 6, 4, 10, 0, tzinfo=TOKYO)  # a Wednesday, years from the real clock


def test_a_command_beside_the_daemon_uses_the_daemons_clock(tmp_path: Path) -> None:
    data = tmp_path / "data"
    write_installation_clock(data, TickingClock(SIMULATED))  # what `station run --clock …` does at start
    r = CliRunner().invoke(cli, ["--config", str(EXAMPLE_CONFIG), "--data-dir", str(data), "user", "add", "sato",
                                 "--role", "clerk", "--password-stdin"], input="pass-word-1\n")
    assert r.exit_code == 0, r.output
    st = Station(make_settings(tmp_path), clock=ManualClock(SIMULATED), with_devices=False)
    st.start()
    try:
        entries = [e for e in st.auth.audit_entries(day=SIMULATED.date()) if e.action == "user.add"]
        assert len(entries) == 1 and entries[0].actor.startswith("cli:")
    finally:
        st.stop()
    remove_installation_clock(data)
    assert not (data / CLOCK_FILE).exists()


def test_without_a_living_daemon_commands_use_real_time(tmp_path: Path) -> None:
    cal = BusinessCalendar()
    assert isinstance(installation_clock(tmp_path, cal), SystemClock)
    (tmp_path / CLOCK_FILE).write_text(json.dumps({"spec": "2031-06-04T10:00@0", "pid": 2 ** 22 + 12345}))
    assert isinstance(installation_clock(tmp_path, cal), SystemClock)  # that process is gone
    write_installation_clock(tmp_path, TickingClock(SIMULATED))
    got = installation_clock(tmp_path, cal)
    assert got.simulated and abs((got.now() - SIMULATED).total_seconds()) < 60
