"""`station user …` and `station token …`: accounts and API tokens, beside the daemon (same database).

    station user add NAME --role clerk --counter 1        (asks for the password twice)
    echo "$PW" | station user add NAME --role supervisor --password-stdin
    station user passwd NAME [--password-stdin]
    station user list
    station token create --role clerk --counter 1 --name button-pc1   (prints the token once)
    station token list | station token revoke NAME
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from station.cli_common import ConfigOpt, DataDirOpt, cli_actor, cli_clock, settings_from

if TYPE_CHECKING:
    from station.services.auth import AuthService

user_app = typer.Typer(help="ユーザー / users (roles: clerk, supervisor, city_staff, admin)", no_args_is_help=True)
token_app = typer.Typer(help="APIトークン / API tokens for devices and scripts", no_args_is_help=True)

RoleOpt = Annotated[str, typer.Option("--role", "-r", help="clerk | supervisor | city_staff | admin")]
CounterOpt = Annotated[int | None, typer.Option("--counter", help="a clerk's own counter")]
StdinOpt = Annotated[bool, typer.Option("--password-stdin", help="read the password from standard input")]



def _service(ctx: typer.Context, config: Path | None = None, data_dir: Path | None = None) -> AuthService:
    from station.services.auth import AuthService
    from station.store.db import make_engine, make_session_factory, upgrade

    settings = settings_from(ctx, config, data_dir)
    engine = make_engine(settings.effective_database_url)
    upgrade(engine)
    ctx.call_on_close(engine.dispose)
    return AuthService(settings, make_session_factory(engine), cli_clock(settings))


def _password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return str(typer.prompt("パスワード / password", hide_input=True,
                            confirmation_prompt="もう一度 / again"))


def _run(fn):  # type: ignore[no-untyped-def]
    from station.services.errors import ServiceError

    try:
        return fn()
    except ServiceError as e:
        typer.echo(f"{e.message_ja} / {e.message_en}", err=True)
        raise typer.Exit(1) from e


@user_app.command("add")
def user_add(ctx: typer.Context, name: str, role: RoleOpt, counter: CounterOpt = None,
             password_stdin: StdinOpt = False, config: ConfigOpt = None, data_dir: DataDirOpt = None) -> None:
    """ユーザーを追加する / add a user (password hashed with argon2)."""
    svc = _service(ctx, config, data_dir)
    pw = _password(password_stdin)
    u = _run(lambda: svc.add_user(name, role, pw, counter, cli_actor("localhost")))
    typer.echo(f"追加しました / added: {u.name} ({u.role}{f', counter {u.counter_id}' if u.counter_id else ''})")


@user_app.command("passwd")
def user_passwd(ctx: typer.Context, name: str, password_stdin: StdinOpt = False, config: ConfigOpt = None,
                data_dir: DataDirOpt = None) -> None:
    """パスワードを変更する / set a new password (ends the user's sessions)."""
    svc = _service(ctx, config, data_dir)
    pw = _password(password_stdin)
    _run(lambda: svc.set_password(name, pw, cli_actor("localhost")))
    typer.echo(f"変更しました / changed: {name}")


@user_app.command("list")
def user_list(ctx: typer.Context, config: ConfigOpt = None, data_dir: DataDirOpt = None) -> None:
    """ユーザーの一覧 / list users."""
    for u in _service(ctx, config, data_dir).list_users():
        counter = str(u.counter_id) if u.counter_id else "-"
        typer.echo(f"{u.name:24} {u.role:12} counter={counter:4} {'active' if u.active else 'disabled'}")


@token_app.command("create")
def token_create(ctx: typer.Context, name: Annotated[str, typer.Option("--name", "-n", help="what uses it")],
                 role: RoleOpt, counter: CounterOpt = None, config: ConfigOpt = None,
                 data_dir: DataDirOpt = None) -> None:
    """トークンを作る（一度だけ表示） / create a token; it is printed once and never stored."""
    svc = _service(ctx, config, data_dir)
    view, secret = _run(lambda: svc.create_token(name, role, counter, cli_actor("localhost")))
    typer.echo(f"# {view.name} ({view.role}) — この値は二度と表示されません / shown only this once", err=True)
    typer.echo(secret)


@token_app.command("list")
def token_list(ctx: typer.Context, config: ConfigOpt = None, data_dir: DataDirOpt = None) -> None:
    """トークンの一覧（値は表示しません） / list tokens (never their values)."""
    for t in _service(ctx, config, data_dir).list_tokens():
        counter = str(t.counter_id) if t.counter_id else "-"
        typer.echo(f"{t.name:24} {t.role:12} counter={counter:4} {'revoked' if t.revoked else 'active'}")


@token_app.command("revoke")
def token_revoke(ctx: typer.Context, name: str, config: ConfigOpt = None, data_dir: DataDirOpt = None) -> None:
    """トークンを無効にする / revoke a token."""
    svc = _service(ctx, config, data_dir)
    _run(lambda: svc.revoke_token(name, cli_actor("localhost")))
    typer.echo(f"無効にしました / revoked: {name}")
