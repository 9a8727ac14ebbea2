"""`station backup`, `station restore`, `station ops install|schema`: the commands of a counter PC's upkeep.

    station backup [--to DIR] [--keep-days N]     one backup file (+ rotation); nightly by station-backup.timer
    station restore FILE [--no-upgrade]           into an empty data directory or database, verified
    station ops install --role ROLE [--root DIR]  system user, /etc/station, systemd units, udev rules
    station ops schema                            the database's schema against this release's

Like every `station` command they take --config / --data-dir (before or after the subcommand) and the
database URL from STATION_DATABASE_URL.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

ops_app = typer.Typer(help="設置・保守 / install and upkeep of a counter PC", no_args_is_help=True)

ConfigOpt = Annotated[Path | None, typer.Option("--config", "-c", help="station TOML file (STATION_CONFIG)")]
DataDirOpt = Annotated[Path | None, typer.Option("--data-dir", help="data directory (STATION_DATA_DIR)")]


def install_commands(app: typer.Typer) -> None:
    app.command("backup")(backup_cmd)
    app.command("restore")(restore_cmd)
    app.add_typer(ops_app, name="ops")


def _settings(ctx: typer.Context, config: Path | None, data_dir: Path | None):  # type: ignore[no-untyped-def]
    from station.cli_common import settings_from

    return settings_from(ctx, config, data_dir)


def backup_cmd(
    ctx: typer.Context,
    to: Annotated[Path | None, typer.Option("--to", help="directory (default: DATA_DIR/backups)")] = None,
    keep_days: Annotated[int | None, typer.Option("--keep-days", min=0,
                                                  help="delete this directory's backups older than N days")] = None,
    config: ConfigOpt = None,
    data_dir: DataDirOpt = None,
) -> None:
    """バックアップを取る / back up the database (consistent while the daemon runs)."""
    from station.ops.backup import BackupError, backup

    settings = _settings(ctx, config, data_dir)
    target = to or settings.data_dir / "backups"
    try:
        r = backup(settings.effective_database_url, target, counter_id=settings.counter_id, keep_days=keep_days)
    except BackupError as e:
        typer.echo(str(e), err=True)
        raise typer.Exit(1) from e
    m = r.manifest
    rows = sum(m["counts"].values())
    typer.echo(f"backup: {r.path} ({r.path.stat().st_size} bytes, {rows} rows in {len(m['counts'])} tables, "
               f"schema {','.join(m['schema_revisions'])}, {r.seconds:.1f} s)")
    for old in r.deleted:
        typer.echo(f"deleted (older than {keep_days} days): {old}")


def restore_cmd(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="a station-….tar backup", exists=True, dir_okay=False)],
    no_upgrade: Annotated[bool, typer.Option("--no-upgrade", help="leave an older schema as it was saved")] = False,
    config: ConfigOpt = None,
    data_dir: DataDirOpt = None,
) -> None:
    """バックアップから復元する / restore a backup into an empty data directory or database."""
    from station.ops.backup import BackupError, restore

    settings = _settings(ctx, config, data_dir)
    try:
        r = restore(file, settings.effective_database_url, upgrade=not no_upgrade)
    except BackupError as e:
        typer.echo(str(e), err=True)
        raise typer.Exit(1) from e
    m = r.manifest
    typer.echo(f"restored: {file} (made {m['created_at']} by station {m['station_version']}, counter "
               f"{m['counter_id']}); {sum(r.counts.values())} rows in {len(r.counts)} tables, as in its manifest")
    if r.upgraded_to:
        typer.echo(f"schema upgraded to {','.join(r.upgraded_to)}")


@ops_app.command("schema")
def schema_cmd(ctx: typer.Context, config: ConfigOpt = None, data_dir: DataDirOpt = None) -> None:
    """スキーマの状態 / the database schema against this release (exit 1 unless a daemon may start)."""
    from station.ops import schema
    from station.store.db import make_engine

    settings = _settings(ctx, config, data_dir)
    engine = make_engine(settings.effective_database_url)
    try:
        c = schema.check(engine)
    finally:
        engine.dispose()
    typer.echo(json.dumps({"state": c.state, "database": sorted(c.database), "release": sorted(c.code)}))
    if not c.ok_to_start:
        typer.echo(c.advice(), err=True)
        raise typer.Exit(1)


def _hex_pair(text: str) -> tuple[int, int]:
    vid, _, pid = text.partition(":")
    return int(vid, 16), int(pid, 16)


@ops_app.command("install")
def install_cmd(
    role: Annotated[str, typer.Option("--role", help="counter | display | kiosk | office-db")],
    root: Annotated[Path, typer.Option("--root", help="install into this directory instead of / (no systemctl)")]
    = Path("/"),
    counter_id: Annotated[int, typer.Option("--counter-id", min=1, max=999)] = 1,
    database_url: Annotated[str, typer.Option("--database-url", help="the office's PostgreSQL; empty: SQLite")] = "",
    url: Annotated[str, typer.Option("--url", help="display/kiosk: the page to show")] = "",
    allow_network: Annotated[list[str] | None, typer.Option(
        "--allow-network", help="a LAN allowed to connect, e.g. 192.168.10.0/24 (repeatable)")] = None,
    port: Annotated[int, typer.Option("--port")] = 8000,
    venv: Annotated[Path | None, typer.Option("--venv", help="the station virtualenv (default: this one)")] = None,
    backup_dir: Annotated[Path, typer.Option("--backup-dir", help="nightly backups (another disk)")]
    = Path("/var/backups/station"),
    keep_days: Annotated[int, typer.Option("--keep-days", min=1)] = 14,
    backup_time: Annotated[str, typer.Option("--backup-time", help="HH:MM, after closing")] = "19:30",
    input_device: Annotated[list[str] | None, typer.Option(
        "--input-device", help="VID:PID (hex) of a HID button or scanner (repeatable)")] = None,
    cage: Annotated[Path, typer.Option("--cage", help="the kiosk compositor")] = Path("/usr/bin/cage"),
    chromium: Annotated[Path, typer.Option("--chromium")] = Path("/usr/bin/chromium"),
    no_start: Annotated[bool, typer.Option("--no-start", help="write and enable nothing in systemd")] = False,
) -> None:
    """この PC を窓口機器として設置する / install this PC as a counter, display, kiosk or office database."""
    from station.ops.install import install, plan_from_args

    nets = ["127.0.0.0/8", "::1/128", *(allow_network or [])]
    try:
        plan = plan_from_args(role, root, counter_id=counter_id, database_url=database_url, url=url, venv=venv,
                              port=port, host="0.0.0.0" if allow_network else "127.0.0.1", allow_networks=nets,
                              backup_dir=backup_dir, keep_days=keep_days, backup_time=backup_time,
                              input_ids=[_hex_pair(d) for d in input_device or []], cage=cage, chromium=chromium)
    except ValueError as e:
        typer.echo(str(e), err=True)
        raise typer.Exit(2) from e
    report = install(plan, start=not no_start)
    for p in report.written:
        typer.echo(f"wrote  {p}")
    for p in report.kept:
        typer.echo(f"kept   {p} (yours; compare with {p.name}.new if written)")
    typer.echo(f"units: {' '.join(report.units)}")
