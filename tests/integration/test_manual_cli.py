"""`station manual export / import`: the city edits the manual as files and brings them back (issue 16)."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from station.cli import app
from tests.conftest import EXAMPLE_CONFIG

runner = CliRunner()


def test_export_edit_import(tmp_path: Path) -> None:
    base = ["--config", str(EXAMPLE_CONFIG), "--data-dir", str(tmp_path / "data")]
    out = tmp_path / "manual"
    r = runner.invoke(app, ["manual", "export", str(out), *base])
    assert r.exit_code == 0, r.output
    assert (out / "hours.md").read_text(encoding="utf-8").startswith("---\nslug: hours\n")
    hours = out / "hours.md"
    hours.write_text(hours.read_text(encoding="utf-8").replace("電話は1回線です", "電話は1回線だけです"),
                     encoding="utf-8")
    r = runner.invoke(app, ["manual", "import", str(out), *base])
    assert r.exit_code == 0 and "更新 1" in r.output and "updated 1" in r.output, r.output
    (out / "broken.md").write_text("---\ntitle: x\n", encoding="utf-8")
    r = runner.invoke(app, ["manual", "import", str(out), *base])
    assert r.exit_code == 1 and "何も変更していません" in r.output


def test_readings_come_from_a_child_process() -> None:
    """The reading dictionary stays out of the daemon: a child computes unknown readings once per text."""
    import sys

    from station.services import manual_reading

    assert "pykakasi" not in sys.modules
    assert manual_reading.readings(["代理人の受取", "交付通知書"]) == ["だいりにんのうけとり", "こうふつうちしょ"]
    assert "pykakasi" not in sys.modules
