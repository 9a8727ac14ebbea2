"""What every `station …` command shares: the --config/--data-dir options, the settings, the station.

Why a module of its own: the command groups (`cli_report`, `cli_stock`, `cli_users`) each needed
`settings_from` and used to import it back from `station.cli`, which imports them to register them — a
circle. Now `station.cli` and every group import this module and nothing imports `station.cli`.
"""

from __future__ import annotations

import getpass
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from station.config import ConfigError, StationSettings, load_settings

if TYPE_CHECKING:
    from station.app import Station
    from station.clock import Clock
    from station.services.audit import Actor

ConfigOpt = Annotated[Path | None, typer.Option("--config", "-c", help="station TOML file (STATION_CONFIG)")]
DataDirOpt = Annotated[Path | None, typer.Option("--data-dir", help="data directory (STATION_DATA_DIR)")]


class CliContext:
    """The options given before the subcommand (`station -c FILE stock find …`), kept on typer's context."""

    config: Path | None = None
    data_dir: Path | None = None


def fail(message: str, code: int = 2) -> typer.Exit:
    """Print to stderr and give the Exit to raise (2: the call was wrong; 1: the work failed)."""
    typer.echo(message, err=True)
    return typer.Exit(code)


def settings_from(ctx: typer.Context, config: Path | None = None, data_dir: Path | None = None,
                  **overrides: object) -> StationSettings:
    """Options given after the subcommand win over those before it."""
    obj: CliContext = ctx.obj or CliContext()
    try:
        return load_settings(config or obj.config, data_dir or obj.data_dir, **overrides)
    except ConfigError as e:
        raise fail(str(e)) from e


def cli_clock(settings: StationSettings) -> Clock:
    """The installation's clock: the running daemon's (simulated or not) if one runs here, else real time."""
    from station.app import load_business_calendar
    from station.clock import installation_clock

    return installation_clock(settings.data_dir, load_business_calendar(settings))


@contextmanager
def station_context(ctx: typer.Context, config: Path | None, data_dir: Path | None) -> Iterator[Station]:
    """A started Station without devices (the daemon may own them); a ServiceError becomes exit 1."""
    from station.app import Station
    from station.services.errors import ServiceError

    settings = settings_from(ctx, config, data_dir)
    # the daemon's clock when one runs on this data directory (simulated time included), else real time
    station = Station(settings, clock=cli_clock(settings), with_devices=False)
    station.start()
    try:
        yield station
    except ServiceError as e:
        typer.echo(f"{e.message_ja} / {e.message_en}", err=True)
        for p in e.extra.get("problems", []) or []:  # type: ignore[union-attr]
            typer.echo(f"  {p}", err=True)
        raise typer.Exit(1) from None
    finally:
        station.stop()


def cli_actor(origin: str | None = None) -> Actor:
    """The audit actor of a command: `cli:<login name>` (a container may have no login name)."""
    from station.services.audit import Actor

    try:
        user = getpass.getuser()
    except Exception:
        user = "?"
    name = f"cli:{user}"[:64]
    return Actor(name, origin) if origin is not None else Actor(name)
