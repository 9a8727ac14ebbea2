"""Engine and sessions for SQLite (default, one PC) and PostgreSQL (several counters, one office).

SQLite: WAL, full fsync, and every transaction takes the write lock at BEGIN (BEGIN IMMEDIATE), so two
threads can never both read "A012 is waiting" and both call it. PostgreSQL: row locks (SKIP LOCKED)
in the queries that need them.
"""

from __future__ import annotations

import ast
import functools
import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, inspect, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
READ_ONLY = "station_read_only"


def normalise_url(url: str) -> str:
    """Accept plain postgresql:// URLs and use the psycopg 3 driver for them."""
    u = make_url(url)
    if u.drivername in ("postgresql", "postgres"):
        u = u.set(drivername="postgresql+psycopg")
    return u.render_as_string(hide_password=False)


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


def private_file(db_path: Path) -> None:
    """The data directory 0700 and the database file 0600, created so before SQLite opens it: SQLite makes
    its -wal and -shm files with the database file's permissions, so they are private too. Another account
    on the counter PC reads nothing (issue 13, Low 11)."""
    db_path.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.chmod(db_path.parent, 0o700)
        if not db_path.exists():
            os.close(os.open(db_path, os.O_CREAT | os.O_WRONLY, 0o600))
        for p in (db_path, db_path.with_name(db_path.name + "-wal"), db_path.with_name(db_path.name + "-shm")):
            if p.exists():
                os.chmod(p, 0o600)
    except PermissionError:  # a directory the office set up on purpose (another owner): leave it as it is
        pass


def scrub_deleted(engine: Engine) -> None:
    """After a purge: no purged byte stays readable in the database's files.

    SQLite: `secure_delete` (set on every connection) zeroes what a purge overwrote inside the pages; the
    checkpoint moves the new pages into the database file and truncates the WAL, which still held the old
    page images (the kana name, the birth date, a handover note) until then. PostgreSQL keeps old row
    versions until VACUUM reuses their space and its own WAL until recycled; the office's database server
    is the city's to run (encrypted storage, WAL retention) — see the README's security section."""
    if not is_sqlite(engine):
        return
    raw = engine.raw_connection()  # outside any transaction: a checkpoint cannot run inside one
    try:
        raw.driver_connection.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()  # type: ignore[union-attr]
    finally:
        raw.close()


def make_engine(url: str, **kw: Any) -> Engine:
    url = normalise_url(url)
    if url.startswith("sqlite"):
        db_path = make_url(url).database
        if db_path and db_path != ":memory:":
            private_file(Path(db_path))
        # Enough connections for every web worker thread (anyio's 40) and the devices: a thread waiting
        # for the writer lock holds its connection meanwhile.
        kw.setdefault("pool_size", 20)
        kw.setdefault("max_overflow", 40)
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False}, **kw)

        @event.listens_for(engine, "connect")
        def _sqlite_connect(dbapi_conn: Any, _rec: Any) -> None:
            dbapi_conn.isolation_level = None  # we issue BEGIN ourselves
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            # Deleted and overwritten content is zeroed in the pages, not left in free space (issue 13).
            cur.execute("PRAGMA secure_delete=ON")
            cur.execute("PRAGMA synchronous=FULL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            # Up to 60 pooled connections each keep their own page cache (2 MB by default); the database
            # file sits in the OS page cache anyway, so a small private cache costs no reads, only RSS.
            cur.execute("PRAGMA cache_size=-256")
            cur.close()

        # Threads of this process queue on a lock instead of on SQLite's busy handler, which sleeps in
        # growing steps (up to 100 ms) and made call-next's tail latency seconds under 20 counters.
        # Other processes (a `station` command beside the daemon) still meet the busy timeout.
        writer = threading.RLock()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn: Any) -> None:
            if conn.get_execution_options().get(READ_ONLY):
                # A reader: WAL lets it see the last commit without waiting for, or blocking, writers.
                conn.info["station_writer"] = False
                conn.exec_driver_sql("BEGIN")
                return
            writer.acquire()
            conn.info["station_writer"] = True
            try:
                conn.exec_driver_sql("BEGIN IMMEDIATE")
            except BaseException:
                conn.info["station_writer"] = False
                writer.release()
                raise

        def _release(conn: Any) -> None:
            if conn.info.pop("station_writer", False):
                writer.release()

        # The lock must outlive the COMMIT itself, and SQLAlchemy's events fire before it; so the event
        # ends the transaction on the DBAPI connection (pysqlite's own commit() is then a no-op).
        @event.listens_for(engine, "commit")
        def _sqlite_commit(conn: Any) -> None:
            try:
                conn.connection.dbapi_connection.execute("COMMIT")
            finally:
                _release(conn)

        @event.listens_for(engine, "rollback")
        def _sqlite_rollback(conn: Any) -> None:
            try:
                dbapi = conn.connection.dbapi_connection
                if dbapi.in_transaction:
                    dbapi.execute("ROLLBACK")
            finally:
                _release(conn)

        return engine
    kw.setdefault("pool_size", 10)
    kw.setdefault("max_overflow", 20)
    return create_engine(url, pool_pre_ping=True, **kw)


def insert_on_conflict(conn: Connection, model: Any) -> Any:
    """INSERT … ON CONFLICT for the backend `conn` talks to (SQLite and PostgreSQL spell it alike)."""
    return (postgresql if conn.dialect.name == "postgresql" else sqlite).insert(model)


def make_session_factory(engine: Engine, *, read_only: bool = False) -> sessionmaker[Session]:
    """Sessions for changes, or (read_only) for screens and lists: on SQLite those take no write lock."""
    bind = engine.execution_options(**{READ_ONLY: True}) if read_only else engine
    return sessionmaker(bind, expire_on_commit=False)


@functools.cache
def _script_heads() -> frozenset[str]:
    """The revisions Alembic keeps in `alembic_version` once every script is applied.

    A revision another one names in `down_revision` or `depends_on` is not kept there: Alembic records
    only the newest revision of each branch, and a dependency counts as applied with its dependent."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in (MIGRATIONS_DIR / "versions").glob("*.py"):
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
                name = node.targets[0].id
                if name in ("revision", "down_revision", "depends_on"):
                    value = ast.literal_eval(node.value)
                    values = value if isinstance(value, (tuple, list)) else [value] if value else []
                    (revisions if name == "revision" else parents).update(values)
    return frozenset(revisions - parents)


def schema_is_current(engine: Engine) -> bool:
    """True when the database already stands at every head: the common case at a daemon's start.

    Why not ask Alembic: importing it costs a long-running daemon about 10 MB that it would keep all
    day for nothing. Anything unexpected (no version table, other revisions) goes to Alembic."""
    with engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return False
        applied = {row[0] for row in conn.execute(text("SELECT version_num FROM alembic_version"))}
    return applied == _script_heads()


def upgrade(engine: Engine, revision: str = "heads") -> None:
    """Apply Alembic migrations up to `revision` (at start and by `station db upgrade`)."""
    if revision == "heads" and schema_is_current(engine):
        return
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            # Several daemons of one office start together: one migrates, the others wait and find
            # the schema current.
            conn.exec_driver_sql("SELECT pg_advisory_xact_lock(5742101)")
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)


def upgrade_in_child(url: str) -> None:
    """Bring the schema to every head from a child process, when it is not there already.

    Why a child: Alembic and the migration scripts stay in memory once imported (about 8 MB), and a
    daemon that migrated its new database would carry them all day. The URL goes through the
    environment, not the command line, where any user of the PC could read a password in it."""
    engine = make_engine(url)
    try:
        if schema_is_current(engine):
            return
    finally:
        engine.dispose()
    code = ("import os; from station.store.db import make_engine, upgrade; "
            "upgrade(make_engine(os.environ['STATION_MIGRATE_URL']))")
    subprocess.run([sys.executable, "-c", code], check=True, env={**os.environ, "STATION_MIGRATE_URL": url})


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        heads = MigrationContext.configure(conn).get_current_heads()
        return ",".join(sorted(heads)) or None
