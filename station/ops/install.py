"""`station ops install --role counter|display|kiosk|office-db`: make this PC a station appliance.

What it writes (all under `--root`, default `/`):
- `/usr/lib/sysusers.d/station.conf` and, through `systemd-sysusers`, the `station` system user (in
  group dialout for the serial devices) and for screens a `station-kiosk` user;
- `/etc/station/station.toml` (+ calendar.toml, procedures.toml beside it) from the shipped example,
  with the role's counter id, address and database; never overwritten: an existing file is kept and the
  new one is written as `station.toml.new` to compare;
- `/etc/station/station.env` (0640, root:station) for STATION_DATABASE_URL, which holds a password;
- systemd units in `/etc/systemd/system`: the daemon (station.service), its schema migration run by hand
  (station-migrate.service), the nightly backup (station-backup.service + .timer), and for display/kiosk PCs
  Chromium in kiosk mode (station-kiosk.service);
- udev rules (`/etc/udev/rules.d/60-station.rules`) and a polkit rule for pcscd;
- the data directory `/var/lib/station` (0700, owned by station) and the backup directory (0700).

Why a `--root`: the same code installs a real PC and, in the tests, a temporary directory, so what a PC
gets is exactly what was tested (the units pass `systemd-analyze verify`). With the real root it then
runs `systemctl daemon-reload`, enables the units and reloads udev; with another root it only writes.
"""

from __future__ import annotations

import grp
import os
import pwd
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from string import Template
from typing import Literal

from sqlalchemy.engine import make_url

from station.config import REPO_CONFIG_DIR
from station.messages import both

Role = Literal["counter", "display", "kiosk", "office-db"]
ROLES: tuple[Role, ...] = ("counter", "display", "kiosk", "office-db")
TEMPLATES = Path(__file__).resolve().parent / "templates"
KIOSK_USER = "station-kiosk"
# Where a PC of each role usually has its devices (README "Installing on counter PCs"): the counter reads
# cards and scans notices and prints slips; the kiosk has the dispenser button and the ticket printer.
DEVICE_DEFAULTS: dict[str, dict[str, str]] = {
    "counter": {"[devices.printer]": "usb", "[devices.button]": "none", "[devices.card_reader]": "pcsc",
                "[devices.scanner]": "serial"},
    "kiosk": {"[devices.printer]": "usb", "[devices.button]": "serial", "[devices.card_reader]": "none",
              "[devices.scanner]": "none"},
    "office-db": {"[devices.printer]": "none", "[devices.button]": "none", "[devices.card_reader]": "none",
                  "[devices.scanner]": "none"},
}


@dataclass
class InstallPlan:
    """Everything the role decides; the defaults are a counter PC with its own SQLite database."""

    role: Role
    root: Path = Path("/")
    counter_id: int = 1
    host: str = "0.0.0.0"
    port: int = 8000
    allow_networks: list[str] = field(default_factory=lambda: ["127.0.0.0/8", "::1/128"])
    database_url: str = ""  # empty: SQLite in the data directory (one PC on its own)
    screen_url: str = ""  # display/kiosk: the page Chromium shows
    venv: Path = Path("/opt/station/venv")
    prefix: Path = Path("/opt/station")
    etc: Path = Path("/etc/station")
    data_dir: Path = Path("/var/lib/station")
    backup_dir: Path = Path("/var/backups/station")
    keep_days: int = 14
    backup_time: str = "19:30"
    chromium: Path = Path("/usr/bin/chromium")
    cage: Path = Path("/usr/bin/cage")
    printer_vid: int = 0x04B8
    printer_pid: int = 0x0E15
    input_ids: list[tuple[int, int]] = field(default_factory=list)  # (vendor, product) of HID button/scanner
    config_source: Path = REPO_CONFIG_DIR  # the release's config/ (example, calendar, procedures)

    @property
    def runs_daemon(self) -> bool:
        """counter and kiosk run a daemon (the kiosk PC drives the printer and button); a kiosk given
        another PC's URL, a display and the office database server do not."""
        return self.role == "counter" or (self.role == "kiosk" and not self.screen_url)

    @property
    def has_screen(self) -> bool:
        return self.role in ("display", "kiosk")

    @property
    def backs_up(self) -> bool:
        """One PC backs up each database: a PC with its own SQLite, or the office database server."""
        return (self.runs_daemon and not self.database_url) or self.role == "office-db"

    def url(self) -> str:
        if self.screen_url:
            return self.screen_url
        page = "kiosk" if self.role == "kiosk" else "display"
        return f"http://127.0.0.1:{self.port}/{page}"

    def at(self, path: Path) -> Path:
        """`path` (absolute on the PC) inside the install root."""
        return self.root / path.relative_to("/")


@dataclass
class InstallReport:
    written: list[Path] = field(default_factory=list)
    kept: list[Path] = field(default_factory=list)
    units: list[str] = field(default_factory=list)
    commands: list[list[str]] = field(default_factory=list)


def _render(name: str, **values: object) -> str:
    return Template((TEMPLATES / name).read_text(encoding="utf-8")).substitute(
        {k: str(v) for k, v in values.items()})


def render_units(plan: InstallPlan) -> dict[str, str]:
    """File name → text of each systemd unit, udev and sysusers file the role needs (no I/O)."""
    common = {"role": plan.role, "prefix": plan.prefix, "etc": plan.etc, "venv": plan.venv, "data_dir": plan.data_dir,
              "counter_id": plan.counter_id}
    on_pg = bool(plan.database_url) or plan.role == "office-db"
    after_db = " postgresql.service" if plan.role == "office-db" else ""
    out: dict[str, str] = {}
    if plan.runs_daemon:
        # One PC with its own SQLite: it alone uses its schema, so it migrates before each start. In an
        # office the schema moves only by `station db upgrade`, once, with every daemon stopped (README).
        pre = "" if on_pg else f"ExecStartPre={plan.venv}/bin/station db upgrade\n"
        out["station.service"] = _render("station.service", **common, after_db=after_db, exec_start_pre=pre,
                                         udev_rules="/etc/udev/rules.d/60-station.rules")
        out["station-migrate.service"] = _render("station-migrate.service", **common, after_db=after_db)
        input_rules = "\n".join(
            f'SUBSYSTEM=="input", KERNEL=="event*", ATTRS{{idVendor}}=="{v:04x}", ATTRS{{idProduct}}=="{p:04x}", '
            'GROUP="station", MODE="0640"' for v, p in plan.input_ids) or (
            "# HID (evdev) button or scanner: station ops install --input-device VID:PID adds its rule here.")
        out["60-station.rules"] = _render("60-station.rules", role=plan.role, printer_vid=f"{plan.printer_vid:04x}",
                                          printer_pid=f"{plan.printer_pid:04x}", input_rules=input_rules)
    if plan.backs_up:
        out["station-backup.service"] = _render(
            "station-backup.service", **common, after_db=after_db, backend="PostgreSQL" if on_pg else "SQLite",
            backup_dir=plan.backup_dir, keep_days=plan.keep_days)
        out["station-backup.timer"] = _render("station-backup.timer", role=plan.role, backup_time=plan.backup_time)
    if plan.has_screen:
        out["station-kiosk.service"] = _render(
            "station-kiosk.service", role=plan.role, prefix=plan.prefix, url=plan.url(), kiosk_user=KIOSK_USER,
            cage=plan.cage, chromium=plan.chromium, after_daemon=" station.service" if plan.runs_daemon else "")
    kiosk_users = (f'u {KIOSK_USER} - "station screen (Chromium kiosk)" /var/lib/{KIOSK_USER} /usr/sbin/nologin\n'
                   + "".join(f"m {KIOSK_USER} {g}\n" for g in ("video", "render", "input", "audio"))
                   if plan.has_screen else "")
    out["sysusers.conf"] = _render("sysusers.conf", data_dir=plan.data_dir, kiosk_sysusers=kiosk_users)
    if plan.runs_daemon:
        out["pcscd-polkit.rules"] = (TEMPLATES / "pcscd-polkit.rules").read_text(encoding="utf-8")
    return out


def render_config(plan: InstallPlan) -> str:
    """The example config with this PC's counter id, address and allowed networks set at its top."""
    example = plan.config_source / "station.example.toml"
    head = [
        f"# /etc/station/station.toml for a {plan.role} PC, written by `station ops install`.",
        "# Edit freely: a re-install keeps this file and writes station.toml.new beside it.",
        "# The database URL (it may hold a password) is in station.env, not here.",
        f"counter_id = {plan.counter_id}",
        "",
    ]
    text = example.read_text(encoding="utf-8")
    body: list[str] = []
    section = ""
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("[") and not stripped.startswith("[["):
            section = stripped
        if stripped.startswith("counter_id") and not section:
            continue
        if stripped.startswith("data_dir") and not section:
            line = f'data_dir = "{plan.data_dir}"'
        device = DEVICE_DEFAULTS.get(plan.role, {}).get(section)
        if device and stripped.startswith("connection"):
            line = f'connection = "{device}"   # set by station ops install for a {plan.role} PC; check it'
        if section == "[server]" and stripped.startswith("host"):
            line = f'host = "{plan.host}"'
        elif section == "[server]" and stripped.startswith("port"):
            line = f"port = {plan.port}"
        elif section == "[server]" and stripped.startswith("allow_networks"):
            line = "allow_networks = [" + ", ".join(f'"{n}"' for n in plan.allow_networks) + "]"
        body.append(line)
    return "\n".join(head + body) + "\n"


def _write(report: InstallReport, path: Path, text: str, mode: int, *, keep_existing: bool = False) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if keep_existing and path.exists():
        if path.read_text(encoding="utf-8") != text:
            new = path.with_name(path.name + ".new")
            new.write_text(text, encoding="utf-8")
            os.chmod(new, mode)
            report.written.append(new)
        report.kept.append(path)
        return
    path.write_text(text, encoding="utf-8")
    os.chmod(path, mode)
    report.written.append(path)


def _owner(root: Path, user: str, group: str) -> tuple[int, int] | None:
    """uid/gid of `user` in the install root's /etc/passwd (only meaningful as root)."""
    if os.geteuid() != 0:
        return None
    if root == Path("/"):
        try:
            return pwd.getpwnam(user).pw_uid, grp.getgrnam(group).gr_gid
        except KeyError:
            return None
    ids: dict[str, int] = {}
    for name, file in ((user, "passwd"), (group, "group")):
        for line in (root / "etc" / file).read_text(encoding="utf-8").splitlines() if (root / "etc" / file).exists() \
                else []:
            parts = line.split(":")
            if parts[0] == name:
                ids[file] = int(parts[2])
    return (ids["passwd"], ids["group"]) if len(ids) == 2 else None


def install(plan: InstallPlan, *, start: bool = True) -> InstallReport:
    """Write the role's files under `plan.root`; on the real root also create users and enable units."""
    report = InstallReport()
    real = plan.root.resolve() == Path("/")
    files = render_units(plan)
    _write(report, plan.at(Path("/usr/lib/sysusers.d/station.conf")), files.pop("sysusers.conf"), 0o644)
    sysusers = shutil.which("systemd-sysusers")
    if sysusers:
        plan.at(Path("/etc")).mkdir(parents=True, exist_ok=True)
        # By name: sysusers looks it up in the root's sysusers.d (a path would be read from this PC's /).
        cmd = [sysusers] + ([] if real else [f"--root={plan.root}"]) + ["station.conf"]
        subprocess.run(cmd, check=True, capture_output=True)
        report.commands.append(cmd)
    elif real:
        raise RuntimeError("systemd-sysusers not found: this installer needs systemd (Debian 12)")
    station_ids = _owner(plan.root, "station", "station")
    if plan.runs_daemon or plan.role == "office-db":
        etc = plan.at(plan.etc)
        _write(report, etc / "station.toml", render_config(plan), 0o640, keep_existing=True)
        for extra in ("calendar.toml", "procedures.toml"):
            _write(report, etc / extra, (plan.config_source / extra).read_text(encoding="utf-8"), 0o640,
                   keep_existing=True)
        env_lines = ["# Read by the station units (EnvironmentFile). Root and the station group only: it holds the",
                     "# database password of an office.",
                     f"STATION_DATABASE_URL={plan.database_url}" if plan.database_url else "#STATION_DATABASE_URL=",
                     "STATION_LOG_FORMAT=json"]
        _write(report, etc / "station.env", "\n".join(env_lines) + "\n", 0o640, keep_existing=True)
        if station_ids:
            for p in (etc, *etc.iterdir()):
                os.chown(p, 0, station_ids[1])
            os.chmod(etc, 0o750)
        for d in (plan.data_dir, plan.backup_dir) if plan.backs_up else (plan.data_dir,):
            where = plan.at(d)
            where.mkdir(parents=True, exist_ok=True)
            os.chmod(where, 0o700)
            if station_ids:
                os.chown(where, *station_ids)
    unit_dir = plan.at(Path("/etc/systemd/system"))
    for name, text in files.items():
        if name.endswith(".rules") and name.startswith("60-"):
            _write(report, plan.at(Path("/etc/udev/rules.d")) / name, text, 0o644)
        elif name == "pcscd-polkit.rules":
            _write(report, plan.at(Path("/etc/polkit-1/rules.d/60-station-pcscd.rules")), text, 0o644)
        else:
            _write(report, unit_dir / name, text, 0o644)
            if name not in ("station-backup.service", "station-migrate.service"):  # by timer / by hand
                report.units.append(name)
    if real and start:
        for cmd in (["systemctl", "daemon-reload"], ["udevadm", "control", "--reload-rules"],
                    ["udevadm", "trigger", "--subsystem-match=usb", "--subsystem-match=tty",
                     "--subsystem-match=input"],
                    ["systemctl", "enable", "--now", *report.units]):
            subprocess.run(cmd, check=True)
            report.commands.append(cmd)
    return report


def plan_from_args(role: str, root: Path, *, counter_id: int, database_url: str, url: str, venv: Path | None,
                   **kw: object) -> InstallPlan:
    """Validate the command line into a plan (the CLI's only logic)."""
    if role not in ROLES:
        raise ValueError(" / ".join(both("ops.install.role", roles=", ".join(ROLES))))
    if database_url:
        make_url(database_url)  # a malformed URL fails here, not at the daemon's first start
    if role == "display" and not url:
        raise ValueError(" / ".join(both("ops.install.display_url")))
    if role == "office-db" and not database_url:
        raise ValueError(" / ".join(both("ops.install.office_db_url")))
    venv = venv or Path(sys.prefix)
    return InstallPlan(role=role, root=root, counter_id=counter_id, database_url=database_url,  # type: ignore[arg-type]
                       screen_url=url, venv=venv, prefix=venv.parent, config_source=config_source(venv),
                       **kw)  # type: ignore[arg-type]


def config_source(venv: Path) -> Path:
    """The shipped config/: the checkout's (editable install), else the release's beside its virtualenv
    (scripts/station-install puts the venv inside the release directory; a wheel has no config/)."""
    if (REPO_CONFIG_DIR / "station.example.toml").exists():
        return REPO_CONFIG_DIR
    return venv.resolve().parent / "config"
