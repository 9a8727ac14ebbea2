"""`station ops install` into a temporary root: users, modes, config, units that `systemd-analyze verify`
accepts, udev rules, and the daemon started exactly as its unit says (command line and environment)."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from station.cli import app
from station.config import load_settings
from station.ops.install import InstallPlan, render_units
from tests.support.daemon import free_port

runner = CliRunner()
VENV = Path(sys.prefix)
# The users are made by systemd-sysusers (Debian's systemd package), as on a counter PC.
needs_sysusers = pytest.mark.skipif(shutil.which("systemd-sysusers") is None, reason="systemd-sysusers not installed")


def install(root: Path, *args: str) -> str:
    r = runner.invoke(app, ["ops", "install", "--root", str(root), "--venv", str(VENV), *args])
    assert r.exit_code == 0, r.output
    return r.output


def unit(path: Path) -> dict[str, list[str]]:
    """key → values of a unit file (continuation lines joined)."""
    out: dict[str, list[str]] = {}
    text = path.read_text(encoding="utf-8").replace("\\\n", " ")
    for line in text.splitlines():
        if "=" in line and not line.startswith(("#", "[")):
            k, _, v = line.partition("=")
            out.setdefault(k, []).append(v)
    return out


def verify(root: Path, *names: str) -> None:
    if shutil.which("systemd-analyze") is None:
        pytest.skip("systemd-analyze not installed")
    files = [str(root / "etc/systemd/system" / n) for n in names]
    r = subprocess.run(["systemd-analyze", "verify", "--man=no", *files], capture_output=True, text=True)
    assert r.returncode == 0 and not r.stderr.strip() and not r.stdout.strip(), r.stderr + r.stdout


@needs_sysusers
def test_counter_pc_with_its_own_database(tmp_path: Path) -> None:
    root = tmp_path / "root"
    out = install(root, "--role", "counter", "--counter-id", "2", "--allow-network", "192.168.10.0/24",
                  "--input-device", "05f3:0007")
    assert "units: station.service station-backup.timer" in out
    passwd = (root / "etc/passwd").read_text()
    assert "station:x:" in passwd and ":/var/lib/station:/usr/sbin/nologin" in passwd
    assert any(line.startswith("dialout:") and "station" in line for line in (root / "etc/group").read_text().split())
    assert "station-kiosk" not in passwd  # no screen on a counter PC
    data = root / "var/lib/station"
    assert data.stat().st_mode & 0o777 == 0o700 and (root / "var/backups/station").stat().st_mode & 0o777 == 0o700
    if os.geteuid() == 0:
        uid = int(next(ln for ln in passwd.splitlines() if ln.startswith("station:")).split(":")[2])
        assert data.stat().st_uid == uid
    etc = root / "etc/station"
    assert etc.stat().st_mode & 0o777 == 0o750 and (etc / "station.env").stat().st_mode & 0o777 == 0o640

    s = load_settings(etc / "station.toml")  # the written config is valid, with its calendar and catalog
    assert s.counter_id == 2 and s.server.host == "0.0.0.0" and "192.168.10.0/24" in s.server.allow_networks
    assert str(s.data_dir) == "/var/lib/station" and s.devices.card_reader.connection == "pcsc"
    assert s.calendar_path == etc / "calendar.toml"

    daemon = unit(root / "etc/systemd/system/station.service")
    assert daemon["ExecStart"] == [f"{VENV}/bin/station run"]
    assert daemon["ExecStartPre"] == [f"{VENV}/bin/station db upgrade"]  # SQLite: this PC alone migrates
    assert daemon["User"] == ["station"] and daemon["Restart"] == ["on-failure"]
    assert "pcscd.socket" in daemon["After"][0] and "network-online.target" in daemon["After"][0]
    for key in ("NoNewPrivileges", "ProtectSystem", "ProtectHome", "PrivateTmp", "StateDirectory"):
        assert key in daemon, key
    assert daemon["ProtectSystem"] == ["strict"] and daemon["StateDirectoryMode"] == ["0700"]
    assert daemon["StandardOutput"] == ["journal"]
    timer = unit(root / "etc/systemd/system/station-backup.timer")
    assert timer["OnCalendar"] == ["*-*-* 19:30"] and timer["Persistent"] == ["yes"]
    job = unit(root / "etc/systemd/system/station-backup.service")
    assert job["ExecStart"] == [f"{VENV}/bin/station backup --to /var/backups/station --keep-days 14"]
    rules = (root / "etc/udev/rules.d/60-station.rules").read_text()
    assert 'ATTR{idVendor}=="04b8", ATTR{idProduct}=="0e15", GROUP="station"' in rules
    assert 'ATTRS{idVendor}=="05f3", ATTRS{idProduct}=="0007", GROUP="station"' in rules
    assert "station" in (root / "etc/polkit-1/rules.d/60-station-pcscd.rules").read_text()
    migrate = unit(root / "etc/systemd/system/station-migrate.service")
    assert migrate["ExecStart"] == [f"{VENV}/bin/station db upgrade"] and migrate["User"] == ["station"]
    verify(root, "station.service", "station-backup.service", "station-backup.timer", "station-migrate.service")


def test_office_counter_does_not_migrate_and_keeps_an_edited_config(tmp_path: Path) -> None:
    root = tmp_path / "root"
    url = "postgresql://station:secret@db.office.lan:5432/station"
    install(root, "--role", "counter", "--database-url", url)
    daemon = unit(root / "etc/systemd/system/station.service")
    assert "ExecStartPre" not in daemon  # in an office the schema moves once, by hand (README)
    assert not (root / "etc/systemd/system/station-backup.timer").exists()  # the database server backs up
    env = (root / "etc/station/station.env").read_text()
    assert f"STATION_DATABASE_URL={url}" in env
    assert "secret" not in (root / "etc/station/station.toml").read_text()  # the password only in station.env
    toml = root / "etc/station/station.toml"
    toml.write_text(toml.read_text() + "\n# edited by the city's IT\n")
    again = install(root, "--role", "counter", "--database-url", url, "--counter-id", "3")
    assert "kept" in again and "# edited by the city's IT" in toml.read_text()
    assert "counter_id = 3" in (toml.with_name("station.toml.new")).read_text()
    verify(root, "station.service", "station-migrate.service")


@needs_sysusers
@pytest.mark.parametrize("role", ["display", "kiosk"])
def test_screens_run_chromium_in_kiosk_mode(tmp_path: Path, role: str) -> None:
    root = tmp_path / "root"
    cage = tmp_path / "bin" / "cage"  # the compositor (Debian's cage) need not be on this machine
    cage.parent.mkdir()
    cage.write_text("#!/bin/sh\nexec \"$@\"\n")
    cage.chmod(0o755)
    chromium = shutil.which("chromium") or str(cage)
    extra = ["--url", "http://counter1.office.lan:8000/display"] if role == "display" else []
    out = install(root, "--role", role, "--cage", str(cage), "--chromium", chromium, *extra)
    kiosk = unit(root / "etc/systemd/system/station-kiosk.service")
    cmd = shlex.split(kiosk["ExecStart"][0])
    assert cmd[0] == str(cage) and cmd[cmd.index("--") + 1] == chromium
    assert "--kiosk" in cmd and "--autoplay-policy=no-user-gesture-required" in cmd  # speaks without a click
    assert kiosk["User"] == ["station-kiosk"] and kiosk["Restart"] == ["always"]
    passwd = (root / "etc/passwd").read_text()
    assert "station-kiosk:x:" in passwd
    if role == "display":
        assert cmd[-1] == "http://counter1.office.lan:8000/display"
        assert "units: station-kiosk.service" in out and not (root / "etc/systemd/system/station.service").exists()
        verify(root, "station-kiosk.service")
    else:  # the kiosk PC drives the dispenser button and printer, and shows its own kiosk page
        assert cmd[-1] == "http://127.0.0.1:8000/kiosk"
        s = load_settings(root / "etc/station/station.toml")
        assert s.devices.button.connection == "serial" and s.devices.printer.connection == "usb"
        verify(root, "station-kiosk.service", "station.service", "station-backup.service", "station-backup.timer")


def test_office_database_server_backs_up_with_pg_dump(tmp_path: Path) -> None:
    root = tmp_path / "root"
    install(root, "--role", "office-db", "--database-url", "postgresql://station@127.0.0.1/station",
            "--backup-dir", "/srv/nas/station", "--keep-days", "30")
    assert not (root / "etc/systemd/system/station.service").exists()
    job = unit(root / "etc/systemd/system/station-backup.service")
    assert job["ExecStart"] == [f"{VENV}/bin/station backup --to /srv/nas/station --keep-days 30"]
    assert "postgresql.service" in job["After"][0] and job["ReadWritePaths"] == ["/srv/nas/station"]
    verify(root, "station-backup.service", "station-backup.timer")


def test_bad_arguments_are_refused_before_anything_is_written(tmp_path: Path) -> None:
    for args, words in ((["--role", "printer"], "--role must be one of"), (["--role", "display"], "needs --url"),
                        (["--role", "office-db"], "needs --database-url")):
        r = runner.invoke(app, ["ops", "install", "--root", str(tmp_path / "r"), *args])
        assert r.exit_code == 2 and words in r.output, r.output
    assert not (tmp_path / "r").exists()


def test_the_daemon_runs_as_its_unit_says(tmp_path: Path) -> None:
    """The unit's Environment= and ExecStartPre/ExecStart, with the install root's paths, start a daemon
    that answers /api/health (what systemd would run, less the sandbox)."""
    root = tmp_path / "root"
    install(root, "--role", "counter")
    daemon = unit(root / "etc/systemd/system/station.service")
    env = dict(kv.split("=", 1) for kv in shlex.split(daemon["Environment"][0]))
    env = {k: str(root) + v if v.startswith("/etc/") or v.startswith("/var/") else v for k, v in env.items()}
    for line in (root / "etc/station/station.env").read_text().splitlines():
        if line and not line.startswith("#"):
            k, _, v = line.partition("=")
            env[k] = v
    env = {**os.environ, **env}
    port = free_port()
    subprocess.run(shlex.split(daemon["ExecStartPre"][0]), env=env, check=True, capture_output=True)
    proc = subprocess.Popen([*shlex.split(daemon["ExecStart"][0]), "--port", str(port), "--host", "127.0.0.1"],
                            env={**env, "STATION_DEVICES__PRINTER__CONNECTION": "none",
                                 "STATION_DEVICES__SCANNER__CONNECTION": "none",
                                 "STATION_DEVICES__CARD_READER__CONNECTION": "none"},
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        import time

        deadline = time.monotonic() + 90  # a loaded two-core machine can take half a minute
        while time.monotonic() < deadline:
            assert proc.poll() is None, proc.stdout.read().decode() if proc.stdout else ""
            try:
                if httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)  # polling readiness, with a deadline
        else:
            raise AssertionError("daemon not ready")
        assert (root / "var/lib/station/station.db").exists()
    finally:
        proc.terminate()
        proc.wait(20)


def test_render_units_needs_no_filesystem() -> None:
    files = render_units(InstallPlan(role="counter"))
    assert set(files) == {"station.service", "station-backup.service", "station-backup.timer", "60-station.rules",
                          "sysusers.conf", "pcscd-polkit.rules", "station-migrate.service"}
    assert "ExecStart=/opt/station/venv/bin/station run" in files["station.service"]
