"""The `station` commands beside the daemon: config check, db upgrade, devices, card read."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from simulators.card import VpcdCardClient
from station.cli import app
from tests.conftest import EXAMPLE_CONFIG

runner = CliRunner()


def test_help_lists_the_commands() -> None:
    out = runner.invoke(app, ["--help"]).output
    for cmd in ("run", "db", "config", "ticket", "card", "devices"):
        assert cmd in out


def test_config_check_ok_and_bad(tmp_path: Path) -> None:
    ok = runner.invoke(app, ["config", "check", str(EXAMPLE_CONFIG)])
    assert ok.exit_code == 0 and "4 categories" in ok.output
    bad = tmp_path / "bad.toml"
    bad.write_text('[[categories]]\ncode = "A"\nprefix = "a"\nname_ja = "x"\nname_en = "x"\n', encoding="utf-8")
    r = runner.invoke(app, ["config", "check", str(bad)])
    assert r.exit_code == 2 and str(bad) in r.output and "categories.0.prefix" in r.output


def test_config_check_names_a_bad_calendar_entry(tmp_path: Path) -> None:
    cfg = tmp_path / "station.toml"
    cfg.write_text('[calendar]\nfile = "cal.toml"\n', encoding="utf-8")
    (tmp_path / "cal.toml").write_text('closed = [2026-12-01, "tomorrow"]\n', encoding="utf-8")
    r = runner.invoke(app, ["config", "check", str(cfg)])
    assert r.exit_code == 2 and "closed[1]" in r.output and "tomorrow" in r.output


def test_db_upgrade_is_idempotent(tmp_path: Path) -> None:
    for _ in range(2):
        r = runner.invoke(app, ["--config", str(EXAMPLE_CONFIG), "db", "upgrade", "--data-dir", str(tmp_path)])
        assert r.exit_code == 0, r.output
        assert "revision" in r.output
    assert (tmp_path / "station.db").exists()


def test_devices_without_a_running_daemon(tmp_path: Path) -> None:
    r = runner.invoke(app, ["--config", str(EXAMPLE_CONFIG), "devices", "--url", "http://127.0.0.1:9"])
    assert r.exit_code == 0 and "printer:" in r.output and "not running" in r.output


def test_card_read_prints_the_verdict(vpcd_card: VpcdCardClient, vpcd_reader: str) -> None:
    vpcd_card.insert("renew_soon")
    r = runner.invoke(app, ["--config", str(EXAMPLE_CONFIG), "card", "read", "--reader", vpcd_reader,
                            "--timeout", "5"])
    assert r.exit_code == 0, r.output
    assert "renew_soon" in r.output and "更新" in r.output


def test_card_read_with_no_card_is_a_clear_error(vpcd_reader: str) -> None:
    r = runner.invoke(app, ["--config", str(EXAMPLE_CONFIG), "card", "read", "--reader", vpcd_reader,
                            "--timeout", "0.5"])
    assert r.exit_code == 1 and r.output.strip()
