"""Small rules of station.ops without a database: the password never on pg_dump's command line, the
schema graph read from the migration scripts, the backup file names rotation relies on."""

from __future__ import annotations

from datetime import UTC, datetime

from station.ops import schema
from station.ops.backup import NAME_RE, STAMP, _pg_conninfo
from station.store.db import _script_heads


def test_the_password_goes_through_the_environment_only() -> None:
    args, env = _pg_conninfo("postgresql://station:s3cr'et@db.office.lan:5433/station?sslmode=require")
    assert "s3cr" not in " ".join(args) and env["PGPASSWORD"] == "s3cr'et"
    assert args == ["--dbname=host='db.office.lan' port='5433' dbname='station' user='station' sslmode='require'"]


def test_schema_heads_agree_with_the_daemons_own_reading() -> None:
    assert schema.script_heads() == _script_heads()
    assert "0001" in schema.script_graph() and schema.script_graph()["0001"] == frozenset()
    assert schema.is_known({"0001", *schema.script_heads()}) and not schema.is_known({"9999_future"})


def test_backup_names_carry_their_time() -> None:
    name = f"station-postgresql-12-{datetime(2026, 12, 1, 10, 30, tzinfo=UTC).strftime(STAMP)}.tar"
    m = NAME_RE.match(name)
    assert m and m.group(1) == "postgresql" and m.group(2) == "12" and m.group(3) == "20261201T103000Z"
    assert not NAME_RE.match("station-sqlite-1-20261201T103000Z.tar.partial")
