"""`station …`: the daemon and every command beside it, all addressing one installation the same way.

Every command takes --config FILE and --data-dir DIR (or STATION_CONFIG / STATION_DATA_DIR), and the
database URL from STATION_DATABASE_URL, so the daemon and a supervisor's command see the same data.
"""

from __future__ import annotations

import logging
import subprocess
import sys
from pathlib import Path
from typing import Annotated

import typer

from station.cli_common import CliContext, ConfigOpt, DataDirOpt, cli_clock, fail, settings_from
from station.cli_manual import manual_app
from station.cli_report import install as install_report_commands
from station.cli_stock import stock_app
from station.cli_users import token_app, user_app
from station.config import StationSettings
from station.logfilter import install as install_log_filter
from station.ops.cli import install_commands as install_ops_commands
from station.ops.logs import configure as configure_logs

app = typer.Typer(help="マイナンバーカード窓口ステーション / My Number Card counter station",
                  no_args_is_help=True, add_completion=False)
db_app = typer.Typer(help="データベース / database", no_args_is_help=True)
config_app = typer.Typer(help="設定 / configuration", no_args_is_help=True)
ticket_app = typer.Typer(help="番号札 / tickets", no_args_is_help=True)
card_app = typer.Typer(help="ICカード / card reader", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(config_app, name="config")
app.add_typer(ticket_app, name="ticket")
app.add_typer(card_app, name="card")
app.add_typer(user_app, name="user")
app.add_typer(token_app, name="token")
app.add_typer(stock_app, name="stock")
app.add_typer(manual_app, name="manual")  # the operating manual's files (issue 16)
install_report_commands(app)  # station report, station purge (issue 8)
install_ops_commands(app)  # station backup, station restore, station ops install|schema (issue 18)


@app.callback()
def main(ctx: typer.Context, config: ConfigOpt = None, data_dir: DataDirOpt = None,
         verbose: Annotated[bool, typer.Option("--verbose", "-v")] = False) -> None:
    logging.basicConfig(level=logging.DEBUG if verbose else logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    configure_logs()  # STATION_LOG_FORMAT=json, STATION_LOG_FILE, a request id on every line (issue 18)
    install_log_filter()  # no individual number or personal value reaches a log line (D-ALL-2)
    obj = CliContext()
    obj.config, obj.data_dir = config, data_dir
    ctx.obj = obj


@app.command()
def run(
    ctx: typer.Context,
    simulate: Annotated[bool, typer.Option("--simulate", help="every device is its simulator")] = False,
    host: Annotated[str | None, typer.Option(help="bind address (default 127.0.0.1)")] = None,
    port: Annotated[int | None, typer.Option(help="HTTP port (default 8000)")] = None,
    clock: Annotated[str | None, typer.Option(
        help="now | open | 2026-12-01T10:00 (default: open with --simulate, else now)")] = None,
    office: Annotated[int, typer.Option(help="with --simulate: N counter daemons on one PostgreSQL")] = 1,
    config: ConfigOpt = None,
    data_dir: DataDirOpt = None,
) -> None:
    """カウンターを起動する / run the counter daemon (devices, web panel, API)."""
    import uvicorn

    from station.memory import limit_malloc_arenas

    limit_malloc_arenas()  # before any thread starts: RSS stays flat over a busy day

    from station.app import Station, load_business_calendar
    from station.clock import ClockSpecError, clock_from_spec

    # The one arrow from station/ to web/: `station run` is the outermost layer, the process entry that
    # serves the web app. Imported here, lazily, so every other command (and `import station.cli`) never
    # loads FastAPI, and so station/ at import time sees no web module (tests/unit/test_architecture.py).
    from web.app import create_app

    settings = settings_from(ctx, config, data_dir)
    if host:
        settings.server.host = host
    if port:
        settings.server.port = port
    if simulate and settings.office.public_url == "http://127.0.0.1:8000":
        settings.office.public_url = f"http://127.0.0.1:{settings.server.port}"
    try:
        calendar = load_business_calendar(settings)
        the_clock = clock_from_spec(clock or ("open" if simulate else "now"), calendar)
        from station.procedures_catalog import catalog_path, load_catalog

        load_catalog(catalog_path(settings.config_file))  # CatalogError names the file and the key
    except (ValueError, ClockSpecError) as e:
        raise fail(str(e)) from e
    if office > 1:
        from station.clock import anchored_spec
        from station.office import DEFAULT_OFFICE_DB, run_office

        if not simulate:
            raise fail("--office は --simulate と一緒に使います / --office needs --simulate")
        obj: CliContext = ctx.obj or CliContext()
        url = settings.database_url or settings.database.url or DEFAULT_OFFICE_DB
        from station.clock import remove_installation_clock, write_installation_clock

        write_installation_clock(settings.data_dir, the_clock)  # commands beside the office read its clock
        try:
            code = run_office(office, port or settings.server.port, settings.data_dir / "office", url,
                              config or obj.config, anchored_spec(the_clock), settings.server.host)
        finally:
            remove_installation_clock(settings.data_dir)
        raise typer.Exit(code)
    from station.ops.schema import refusal_to_start
    from station.store.db import upgrade_in_child

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    if problem := refusal_to_start(settings.effective_database_url):  # an office's schema moves once, by hand
        raise fail(problem)
    try:
        upgrade_in_child(settings.effective_database_url)  # the daemon itself never imports Alembic
    except subprocess.CalledProcessError as e:
        raise fail("データベースを更新できませんでした / database migration failed (see above)") from e
    station = Station(settings, clock=the_clock, calendar=calendar, simulate=simulate)
    from station.ops.clock import ClockCheck

    station.clock_check = ClockCheck(station).start()  # type: ignore[attr-defined]  # PostgreSQL: vs the server
    web = create_app(station)
    url = f"http://{settings.server.host}:{settings.server.port}"
    typer.echo(f"station: {url}/  (panel {url}/counter/{settings.counter_id}, kiosk {url}/kiosk, "
               f"display {url}/display{', simulator ' + url + '/sim' if simulate else ''})")
    if the_clock.simulated:
        typer.echo(f"station: 時刻はシミュレーションです / simulated clock, now {the_clock.now():%Y-%m-%d %H:%M}")
    from station.clock import remove_installation_clock, write_installation_clock

    write_installation_clock(settings.data_dir, the_clock)  # commands beside the daemon read the same clock
    try:
        # log_config=None: uvicorn's loggers propagate to the root handler and so through the personal-data filter.
        uvicorn.run(web, host=settings.server.host, port=settings.server.port, log_level="info",
                    timeout_graceful_shutdown=3, log_config=None,
                    **forwarded_options(settings))
    finally:
        remove_installation_clock(settings.data_dir)


def forwarded_options(settings: StationSettings) -> dict[str, object]:
    """uvicorn's forwarded-header options from `[server] trusted_proxies` (issue 13, Medium 4).

    uvicorn believes X-Forwarded-For from 127.0.0.1 by default (or from $FORWARDED_ALLOW_IPS): any local
    process could then rotate its apparent address past the login and ticket rate limits and forge the
    audit log's client. Here nothing is believed unless the office names its proxies."""
    proxies = list(settings.server.trusted_proxies)
    return {"proxy_headers": bool(proxies), "forwarded_allow_ips": proxies or [], "server_header": False}


@db_app.command("upgrade")
def db_upgrade(ctx: typer.Context, config: ConfigOpt = None, data_dir: DataDirOpt = None) -> None:
    """スキーマを最新にする / apply database migrations."""
    from station.ops import schema
    from station.store.db import current_revision, make_engine, upgrade

    settings = settings_from(ctx, config, data_dir)
    engine = make_engine(settings.effective_database_url)
    if (state := schema.check(engine)).state == "newer":  # a downgrade: refused, saying what to do
        engine.dispose()
        raise fail(state.advice())
    upgrade(engine)
    typer.echo(f"database at revision {current_revision(engine)}")
    engine.dispose()


@config_app.command("check")
def config_check(ctx: typer.Context, file: Path) -> None:
    """設定ファイルを検査する / validate a config file (and its calendar)."""
    from station.app import load_business_calendar
    from station.config_files import ConfigError
    from station.procedures_catalog import catalog_path, load_catalog

    settings = settings_from(ctx, file)
    try:
        load_business_calendar(settings)
        load_catalog(catalog_path(settings.config_file))
    except ConfigError as e:
        raise fail(str(e)) from e
    typer.echo(f"OK: {file} ({len(settings.categories)} categories, {len(settings.counters)} counters)")


@ticket_app.command("reprint")
def ticket_reprint(ctx: typer.Context, ticket_id: int, config: ConfigOpt = None,
                   data_dir: DataDirOpt = None) -> None:
    """番号札を再印刷する / print a ticket again on the configured printer (same number)."""
    from station.app import Station
    from station.services.audit import Actor
    from station.services.errors import ServiceError

    settings = settings_from(ctx, config, data_dir)
    station = Station(settings, with_devices=False)
    try:
        station.start()
        station.printer = _printer_from(settings)
        ok = station.spooler.reprint(station.queue.get(ticket_id), Actor("cli"))
    except ServiceError as e:
        raise fail(str(e)) from e
    finally:
        station.stop()
    if not ok:
        t = station.queue.get(ticket_id)
        raise fail(f"印刷できませんでした / not printed: {t.print_error}", 1)
    typer.echo(f"印刷しました / printed: ticket {ticket_id}")


def _printer_from(settings: StationSettings):  # type: ignore[no-untyped-def]
    from station.device_factory import build_devices

    p = settings.devices.printer
    if p.connection == "simulator":  # the running daemon's simulator: it notes its port in the data dir
        port_file = settings.data_dir / "sim" / "printer.port"
        port = int(port_file.read_text()) if port_file.exists() else p.port
        override = {"printer": {"connection": "network", "host": "127.0.0.1", "port": port}}
    else:
        override = {}
    only_printer = settings.model_copy(deep=True)
    only_printer.devices.button.connection = "none"
    only_printer.devices.scanner.connection = "none"
    only_printer.devices.card_reader.connection = "none"
    devs = build_devices(only_printer, override)
    return devs[0] if devs else None


@app.command()
def devices(ctx: typer.Context, config: ConfigOpt = None, data_dir: DataDirOpt = None,
            url: Annotated[str | None, typer.Option(help="ask a running daemon (default: from config)")] = None,
            ) -> None:
    """機器の一覧と状態 / list configured devices and their live status (from the running daemon)."""
    import httpx

    settings = settings_from(ctx, config, data_dir)
    base = url or f"http://{settings.server.host}:{settings.server.port}"
    d = settings.devices
    typer.echo(f"printer:     {d.printer.connection}")
    typer.echo(f"button:      {d.button.connection}")
    typer.echo(f"card_reader: {d.card_reader.connection}")
    typer.echo(f"scanner:     {d.scanner.connection}")
    try:
        health = httpx.get(f"{base}/api/health", timeout=3).json()
    except httpx.HTTPError:
        typer.echo(f"(daemon at {base} is not running: live status unavailable)")
        return
    typer.echo(f"live status from {base}:")
    for kind, st in health["devices"].items():
        reason = f" — {st['reason_ja']}" if st["reason_ja"] else ""
        typer.echo(f"  {kind:12} {st['health']}{reason}")


@card_app.command("read")
def card_read(ctx: typer.Context, config: ConfigOpt = None, data_dir: DataDirOpt = None,
              reader: Annotated[str | None, typer.Option(help="PC/SC reader name")] = None,
              timeout: Annotated[float, typer.Option(help="seconds to wait for a card")] = 10.0) -> None:
    """カードを読み取り判定を表示する / read the card on the reader and print the verdict."""
    from drivers.cardreader import CardReader
    from drivers.jpki import CardError
    from station.domain.certificate import card_verdict

    settings = settings_from(ctx, config, data_dir)
    try:
        info = CardReader(reader or settings.devices.card_reader.reader_name or None).read_once(timeout)
    except CardError as e:
        raise fail(f"{getattr(e, 'message_ja', '')} / {getattr(e, 'message_en', e)}", 1) from e
    from station.procedures_catalog import catalog_path, load_catalog

    months = load_catalog(catalog_path(settings.config_file)).rules.renew_within_months  # D-INS-3
    v = card_verdict(info, cli_clock(settings).now().date(), months).as_dict()
    typer.echo(f"マイナンバーカード / My Number Card: {'はい / yes' if v['is_my_number_card'] else 'いいえ / no'}")
    typer.echo(f"電子証明書 / certificate: {v['cert_state']}  (期限 / expires {v['expires_on']}, "
               f"残り {v['days_to_expiry']} 日 / days left)")
    reset = f"要 / yes {v['locked_pins']}" if v["needs_pin_reset"] else "不要 / no"
    typer.echo(f"暗証番号の再設定 / PIN reset needed: {reset}")
    for m in [*v["messages"], *v["warnings"]]:
        typer.echo(f"- {m['ja']} / {m['en']}" if isinstance(m, dict) else f"- {m}")


def entry() -> None:  # pragma: no cover
    sys.exit(app())
