"""`station backup` and `station restore`: one file per backup, consistent while the daemon runs.

A backup is an uncompressed tar holding `manifest.json` and the data: `station.db.gz` (SQLite) or
`station.pgdump` (pg_dump's custom format, already compressed). The manifest names the station release,
the schema revisions, the row count of every table and the data's SHA-256, so a restore can refuse what
it cannot read and prove that what it restored is what was saved.

Why these choices:
- SQLite: the online backup API copies a consistent snapshot (a WAL reader: the daemon keeps writing),
  then the copy is VACUUMed. The backup API copies free pages too, and a page freed by `station purge`
  still holds the purged names; a backup must not bring them back.
- PostgreSQL: the counts are read in one REPEATABLE READ transaction whose snapshot is exported and
  handed to pg_dump (`--snapshot`), so the manifest counts exactly what the dump holds.
- Passwords go to pg_dump through PGPASSWORD, never the command line (any user of the PC can read that).
- Files are 0600 in a 0700 directory: a backup holds the same personal data as the database.
- Rotation reads the time from the file name, not the mtime, which a copy to another disk changes.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import io
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from importlib import metadata
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url

from station.messages import both
from station.ops import schema
from station.store.db import make_engine, normalise_url

FORMAT = 1
NAME_RE = re.compile(r"^station-(sqlite|postgresql)-(\d+)-(\d{8}T\d{6}Z)\.tar$")
STAMP = "%Y%m%dT%H%M%SZ"


class BackupError(Exception):
    """A backup or restore that cannot go on; the text says why and what to do (both languages).

    `code` and `params` name the words in station/messages/*/ops.json."""

    def __init__(self, code: str, **params: object) -> None:
        self.code, self.params = code, params
        super().__init__(" / ".join(both(code, **params)))


@dataclass(frozen=True)
class BackupResult:
    path: Path
    manifest: dict[str, Any]
    seconds: float
    deleted: list[Path]


def _version() -> str:
    try:
        return metadata.version("station")
    except metadata.PackageNotFoundError:  # pragma: no cover - a checkout without `pip install -e .`
        return "unknown"


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _sqlite_path(url: str) -> Path:
    db = make_url(url).database
    if not db or db == ":memory:":
        raise BackupError("ops.backup.no_database", path=url)
    return Path(db)


def _sqlite_counts(conn: sqlite3.Connection) -> dict[str, int]:
    tables = [r[0] for r in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")]
    return {t: int(conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0]) for t in tables}


def _sqlite_revisions(conn: sqlite3.Connection) -> list[str]:
    try:
        return sorted(r[0] for r in conn.execute("SELECT version_num FROM alembic_version"))
    except sqlite3.OperationalError:
        return []


def _pg_conninfo(url: str) -> tuple[list[str], dict[str, str]]:
    """libpq arguments for pg_dump/pg_restore and the environment that carries the password."""
    u = make_url(normalise_url(url))
    parts = {"host": u.host or "127.0.0.1", "port": str(u.port or 5432), "dbname": u.database or "",
             "user": u.username or ""}
    parts.update({k: str(v) for k, v in u.query.items()})
    def quoted(v: str) -> str:  # libpq's conninfo quoting
        return "'" + v.replace("\\", "\\\\").replace("'", "\\'") + "'"

    conninfo = " ".join(f"{k}={quoted(v)}" for k, v in parts.items() if v)
    env = {**os.environ}
    if u.password:
        env["PGPASSWORD"] = u.password
    return [f"--dbname={conninfo}"], env


def _pg_counts(conn: Any) -> dict[str, int]:
    tables = [r[0] for r in conn.execute(text(
        "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename"))]
    return {t: int(conn.execute(text(f'SELECT count(*) FROM "{t}"')).scalar()) for t in tables}


def _pg_revisions(conn: Any) -> list[str]:
    if not conn.execute(text("SELECT to_regclass('alembic_version')")).scalar():
        return []
    return sorted(r[0] for r in conn.execute(text("SELECT version_num FROM alembic_version")))


# backup -------------------------------------------------------------------------------------------------
def backup(url: str, to_dir: Path, *, counter_id: int = 1, keep_days: int | None = None,
           now: datetime | None = None) -> BackupResult:
    """Write one backup of the database at `url` into `to_dir`, then delete those older than `keep_days`."""
    started = time.monotonic()
    now = (now or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
    url = normalise_url(url)
    dialect = "sqlite" if url.startswith("sqlite") else "postgresql"
    to_dir.mkdir(parents=True, exist_ok=True)
    os.chmod(to_dir, 0o700)
    name = f"station-{dialect}-{counter_id}-{now.strftime(STAMP)}.tar"
    with tempfile.TemporaryDirectory(dir=to_dir, prefix=".backup-") as tmp:
        work = Path(tmp)
        if dialect == "sqlite":
            data, counts, revisions = _backup_sqlite(_sqlite_path(url), work)
        else:
            data, counts, revisions = _backup_pg(url, work)
        manifest = {
            "format": FORMAT, "station_version": _version(), "dialect": dialect, "counter_id": counter_id,
            "created_at": now.isoformat(), "schema_revisions": revisions, "counts": counts,
            "data": data.name, "data_sha256": _sha256(data), "data_bytes": data.stat().st_size,
        }
        partial = work / (name + ".partial")
        with tarfile.open(partial, "w") as tar:
            blob = json.dumps(manifest, ensure_ascii=False, indent=2).encode()
            info = tarfile.TarInfo("manifest.json")
            info.size, info.mtime, info.mode = len(blob), int(now.timestamp()), 0o600
            tar.addfile(info, io.BytesIO(blob))
            tar.add(data, arcname=data.name)
        os.chmod(partial, 0o600)
        with partial.open("rb") as f:
            os.fsync(f.fileno())
        final = to_dir / name
        os.replace(partial, final)
    deleted = rotate(to_dir, keep_days, now=now, keep=final) if keep_days is not None else []
    return BackupResult(final, manifest, time.monotonic() - started, deleted)


def _backup_sqlite(db: Path, work: Path) -> tuple[Path, dict[str, int], list[str]]:
    if not db.exists():
        raise BackupError("ops.backup.no_database", path=db)
    copy = work / "station.db"
    src = sqlite3.connect(db, timeout=30)
    dst = sqlite3.connect(copy)
    try:
        src.backup(dst)  # one step: a consistent snapshot; in WAL mode the daemon's writers go on meanwhile
    finally:
        src.close()
    try:
        dst.execute("PRAGMA journal_mode=DELETE")
        dst.execute("VACUUM")  # no free page keeps what a purge deleted
        # quick_check: every page readable and well formed, in a third of integrity_check's time (it skips
        # matching indexes to tables, which a fresh VACUUM has just rebuilt). Restore runs the full check.
        if dst.execute("PRAGMA quick_check").fetchone()[0] != "ok":
            raise BackupError("ops.backup.integrity")
        counts, revisions = _sqlite_counts(dst), _sqlite_revisions(dst)
    finally:
        dst.close()
    packed = work / "station.db.gz"
    with copy.open("rb") as f, gzip.open(packed, "wb", compresslevel=6) as g:
        shutil.copyfileobj(f, g, 1 << 20)
    copy.unlink()
    return packed, counts, revisions


def _backup_pg(url: str, work: Path) -> tuple[Path, dict[str, int], list[str]]:
    if shutil.which("pg_dump") is None:
        raise BackupError("ops.backup.no_pg_dump")
    dump = work / "station.pgdump"
    engine = make_engine(url)
    args, env = _pg_conninfo(url)
    try:
        with engine.connect().execution_options(isolation_level="REPEATABLE READ") as conn, conn.begin():
            conn.execute(text("SET TRANSACTION READ ONLY"))
            snapshot = conn.execute(text("SELECT pg_export_snapshot()")).scalar()
            counts, revisions = _pg_counts(conn), _pg_revisions(conn)
            proc = subprocess.run(["pg_dump", "--format=custom", "--no-owner", "--no-privileges",
                                   f"--snapshot={snapshot}", f"--file={dump}", *args],
                                  env=env, capture_output=True, text=True)
    finally:
        engine.dispose()
    if proc.returncode != 0:
        raise BackupError("ops.backup.pg_dump_failed", error=proc.stderr.strip())
    return dump, counts, revisions


def rotate(to_dir: Path, keep_days: int, *, now: datetime | None = None, keep: Path | None = None) -> list[Path]:
    """Delete this directory's backups made more than `keep_days` days before `now` (never `keep`)."""
    now = now or datetime.now(UTC)
    cutoff = now - timedelta(days=keep_days)
    deleted = []
    for path in sorted(to_dir.iterdir()):
        m = NAME_RE.match(path.name)
        if not m or path == keep:
            continue
        made = datetime.strptime(m.group(3), STAMP).replace(tzinfo=UTC)
        if made < cutoff:
            path.unlink()
            deleted.append(path)
    return deleted


# restore ------------------------------------------------------------------------------------------------
def read_manifest(archive: Path) -> dict[str, Any]:
    try:
        with tarfile.open(archive, "r") as tar:
            member = tar.extractfile("manifest.json")
            if member is None:
                raise KeyError("manifest.json")
            manifest: dict[str, Any] = json.load(member)
    except (OSError, KeyError, tarfile.TarError, json.JSONDecodeError) as e:
        raise BackupError("ops.restore.not_a_backup", path=archive, error=e) from e
    if manifest.get("format") != FORMAT:
        raise BackupError("ops.restore.unknown_format", format=manifest.get("format"), path=archive)
    return manifest


@dataclass(frozen=True)
class RestoreResult:
    manifest: dict[str, Any]
    counts: dict[str, int]
    upgraded_to: list[str] | None


def restore(archive: Path, url: str, *, upgrade: bool = True) -> RestoreResult:
    """Restore `archive` into the empty database at `url`, verify every table's count, then migrate.

    Refused before anything is written: a backup of a newer schema (downgrades are not supported), a
    backup of the other backend, a damaged file (checksum), a target that already holds tables."""
    manifest = read_manifest(archive)
    url = normalise_url(url)
    dialect = "sqlite" if url.startswith("sqlite") else "postgresql"
    revisions = set(manifest["schema_revisions"])
    if not schema.is_known(revisions):
        raise BackupError("ops.restore.newer", revisions=",".join(sorted(revisions)), version=_version(),
                          heads=",".join(sorted(schema.script_heads())), needed=manifest["station_version"])
    if manifest["dialect"] != dialect:
        raise BackupError("ops.restore.dialect", saved=manifest["dialect"], target=dialect)
    with tempfile.TemporaryDirectory(prefix="station-restore-") as tmp:
        with tarfile.open(archive, "r") as tar:
            tar.extract(manifest["data"], tmp, filter="data")
        data = Path(tmp) / manifest["data"]
        if _sha256(data) != manifest["data_sha256"]:
            raise BackupError("ops.restore.checksum", path=archive)
        counts = _restore_sqlite(data, _sqlite_path(url)) if dialect == "sqlite" else _restore_pg(data, url)
    if counts != manifest["counts"]:
        diff = {t: (manifest["counts"].get(t), counts.get(t)) for t in set(counts) | set(manifest["counts"])
                if counts.get(t) != manifest["counts"].get(t)}
        raise BackupError("ops.restore.counts", diff=diff)
    upgraded = None
    if upgrade:
        engine = make_engine(url)
        try:
            if schema.check(engine).state == "older":
                from station.store.db import upgrade as migrate

                migrate(engine)
                upgraded = sorted(schema.script_heads())
        finally:
            engine.dispose()
    return RestoreResult(manifest, counts, upgraded)


def _restore_sqlite(packed: Path, target: Path) -> dict[str, int]:
    if target.exists() and target.stat().st_size > 0:
        with contextlib.closing(sqlite3.connect(target)) as c:
            if _sqlite_counts(c):
                raise BackupError("ops.restore.target_full", path=target)
    if not target.parent.exists():
        target.parent.mkdir(parents=True)
        os.chmod(target.parent, 0o700)  # a data directory holds personal data
    part = target.with_name(target.name + ".restoring")
    with gzip.open(packed, "rb") as g, part.open("wb") as f:
        shutil.copyfileobj(g, f, 1 << 20)
        f.flush()
        os.fsync(f.fileno())
    os.chmod(part, 0o600)
    with contextlib.closing(sqlite3.connect(part)) as c:
        if c.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
            part.unlink()
            raise BackupError("ops.restore.integrity")
        counts = _sqlite_counts(c)
    for suffix in ("-wal", "-shm"):  # an empty target's leftovers must not be applied to the restored file
        target.with_name(target.name + suffix).unlink(missing_ok=True)
    os.replace(part, target)
    return counts


def _restore_pg(dump: Path, url: str) -> dict[str, int]:
    engine: Engine = make_engine(url)
    try:
        with engine.connect() as conn:
            if _pg_counts(conn):
                raise BackupError("ops.restore.pg_target_full")
        args, env = _pg_conninfo(url)
        proc = subprocess.run(["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error",
                               "--single-transaction", *args, str(dump)], env=env, capture_output=True, text=True)
        if proc.returncode != 0:
            raise BackupError("ops.restore.pg_restore_failed", error=proc.stderr.strip())
        with engine.connect() as conn:
            return _pg_counts(conn)
    finally:
        engine.dispose()
