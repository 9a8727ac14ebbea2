"""Backup while the counter is busy, restore elsewhere, and compare every table (SQLite and PostgreSQL).

A scripted day is run and handed over (its personal data purged), then a backup is taken while a thread
keeps issuing tickets. The busy backup restores to a consistent state (integrity, counts, every ticket's
number within its day sequence); a backup taken once the writer stopped restores equal to the source,
row for row, in every table. The purged names are in neither backup. Rotation deletes what is older than
the retention and keeps the rest.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gzip
import io
import shutil
import sqlite3
import tarfile
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, inspect, text
from typer.testing import CliRunner

from station.app import Station
from station.clock import ManualClock
from station.domain.calendar import TOKYO
from station.ops.backup import BackupError, backup, read_manifest, restore
from station.store.db import make_engine
from tests.conftest import EXAMPLE_CONFIG, PG_ADMIN_URL, make_settings
from tests.support.backoffice_day import CLERK, DAY, STAFF, run_day

NEXT_DAY = dt.datetime(2026, 12, 2, 10, 0, tzinfo=TOKYO)  # a Wednesday, open
NOW = dt.datetime(2026, 12, 2, 1, 0, tzinfo=dt.UTC)  # the backups' names and manifest times


@pytest.fixture
def new_pg_database() -> Iterator[Any]:
    """A factory of empty PostgreSQL databases, all dropped at the end."""
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    made: list[str] = []

    def make() -> str:
        name = f"station_ops_{uuid.uuid4().hex[:10]}"
        with admin.connect() as c:
            c.execute(text(f'CREATE DATABASE "{name}"'))
        made.append(name)
        return PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"

    yield make
    with admin.connect() as c:
        for name in made:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest, tmp_path: Path, new_pg_database: Any) -> Any:
    """(source URL, a function making an empty restore target URL) for each backend."""
    if request.param == "sqlite":
        n = iter(range(100))
        return (f"sqlite:///{tmp_path / 'src' / 'station.db'}",
                lambda: f"sqlite:///{tmp_path / f'r{next(n)}' / 'station.db'}")
    return new_pg_database(), new_pg_database


def table_rows(url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, sorted (JSON columns have no order in PostgreSQL: sorted here)."""
    engine = make_engine(url)
    try:
        with engine.connect() as c:
            names = inspect(c).get_table_names()
            return {t: sorted((tuple(r) for r in c.execute(text(f'SELECT * FROM "{t}"'))), key=repr) for t in names}
    finally:
        engine.dispose()


def everything(url: str) -> str:
    return repr(table_rows(url))


class Writer(threading.Thread):
    """Issues tickets through the queue service until stopped, as the dispenser button does."""

    def __init__(self, st: Station) -> None:
        super().__init__(daemon=True)
        self.st = st
        self.issued = 0
        self.stop_now = threading.Event()
        self.progress = threading.Condition()

    def run(self) -> None:
        cats = "ABCD"
        while not self.stop_now.is_set():
            self.st.queue.issue(cats[self.issued % 4], source="button")
            with self.progress:
                self.issued += 1
                self.progress.notify_all()

    def wait_for(self, n: int, timeout: float = 30) -> None:
        with self.progress:
            assert self.progress.wait_for(lambda: self.issued >= n, timeout), f"writer stuck at {self.issued}"


def test_backup_while_busy_restore_and_compare(tmp_path: Path, backend: Any) -> None:
    src_url, new_target = backend
    clock = ManualClock(dt.datetime(2026, 12, 1, 8, 30, tzinfo=TOKYO))
    st = Station(make_settings(tmp_path, src_url), clock=clock, with_devices=False)
    st.start()
    try:
        day = run_day(st)
        check = st.end_of_day.checklist(DAY)  # city staff receive the collected papers first (issue 14)
        st.followup.receive(DAY, {c["kind"]: c["count"] for c in check["counts"]}, "", STAFF)
        st.end_of_day.close_day(DAY, CLERK)  # the handover purges the day's personal data (D-BO-6)
        assert not any(name in everything(src_url) for name in day.used_names)
        clock.set(NEXT_DAY)
        out = tmp_path / "backups"
        writer = Writer(st)
        writer.start()
        try:
            writer.wait_for(20)
            before = writer.issued
            busy = backup(src_url, out, counter_id=3, now=NOW)
            writer.wait_for(writer.issued + 20)  # the writer went on during and after the backup
            after = writer.issued
        finally:
            writer.stop_now.set()
            writer.join(30)
        assert busy.path.name.startswith("station-") and busy.path.stat().st_mode & 0o777 == 0o600
        assert out.stat().st_mode & 0o777 == 0o700
    finally:
        st.stop()  # the print spooler records its last outcomes before it stops
    quiet = backup(src_url, out, counter_id=3, now=NOW + dt.timedelta(minutes=1))

    # the busy backup: a consistent moment of the day
    target = new_target()
    r = restore(busy.path, target)
    assert r.counts == busy.manifest["counts"] and r.upgraded_to is None
    rows = table_rows(target)
    today = [t for t in rows["tickets"] if str(t[1]) == "2026-12-02"]
    assert before <= len(today) <= after, (before, len(today), after)
    seqs = {(str(d), c): n for d, c, n in rows["daily_sequences"]}
    for cat in "ABCD":
        issued = sorted(t[3] for t in today if t[2] == cat)
        assert issued == list(range(1, len(issued) + 1)) and seqs.get(("2026-12-02", cat), 0) == len(issued)

    # the quiet backup: equal to the source in every table
    target2 = new_target()
    restore(quiet.path, target2)
    source, restored = table_rows(src_url), table_rows(target2)
    assert set(source) == set(restored) and len(source) >= 20
    for t in source:
        assert restored[t] == source[t], t
    assert sum(len(v) for v in restored.values()) == sum(quiet.manifest["counts"].values())

    # personal data purged before the backup stays purged: not in the backup's bytes, nor restored
    for path in (busy.path, quiet.path):
        raw = backup_bytes(path)
        for name in day.used_names:
            assert name.encode() not in raw, name
    for name in day.used_names:
        assert name not in everything(target2)


def backup_bytes(path: Path) -> bytes:
    """The data of a backup as stored: SQLite's file uncompressed; pg_dump's archive as its SQL text."""
    m = read_manifest(path)
    with tarfile.open(path) as tar:
        data = tar.extractfile(m["data"]).read()  # type: ignore[union-attr]
    if m["dialect"] == "sqlite":
        return gzip.decompress(data)
    import subprocess
    import tempfile

    with tempfile.NamedTemporaryFile(suffix=".pgdump") as f:
        f.write(data)
        f.flush()
        return subprocess.run(["pg_restore", "-f", "-", f.name], capture_output=True, check=True).stdout


def test_rotation_deletes_only_what_is_older_than_the_retention(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'd' / 'station.db'}"
    st = Station(make_settings(tmp_path, url), clock=ManualClock(NEXT_DAY), with_devices=False)
    st.start()
    st.stop()
    out = tmp_path / "b"
    now = dt.datetime(2026, 12, 20, 19, 30, tzinfo=dt.UTC)
    made = [backup(url, out, now=now - dt.timedelta(days=d)).path for d in (20, 15, 13, 1)]
    (out / "notes.txt").write_text("not a backup", encoding="utf-8")
    r = backup(url, out, keep_days=14, now=now)
    assert r.deleted == made[:2]
    assert sorted(p.name for p in out.iterdir()) == sorted([p.name for p in made[2:]] + [r.path.name, "notes.txt"])


def test_restore_refuses_newer_schema_damage_and_a_full_target(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'd' / 'station.db'}"
    st = Station(make_settings(tmp_path, url), clock=ManualClock(NEXT_DAY), with_devices=False)
    st.start()
    st.queue.issue("A")
    st.stop()
    good = backup(url, tmp_path / "b").path

    with pytest.raises(BackupError, match=r"not empty|already holds"):
        restore(good, url)  # the source itself: it has data

    engine = make_engine(url)
    with engine.begin() as c:  # a newer release migrated this database
        c.execute(text("INSERT INTO alembic_version (version_num) VALUES ('0099_future')"))
    engine.dispose()
    newer = backup(url, tmp_path / "b2").path
    target = tmp_path / "t" / "station.db"
    with pytest.raises(BackupError, match="newer than this station") as e:
        restore(newer, f"sqlite:///{target}")
    assert "downgrades are not supported" in str(e.value) and not target.exists()

    damaged = tmp_path / "damaged.tar"
    with tarfile.open(good) as src, tarfile.open(damaged, "w") as dst:
        for member in src.getmembers():
            blob = src.extractfile(member).read()  # type: ignore[union-attr]
            if member.name.endswith(".gz"):
                blob = gzip.compress(gzip.decompress(blob)[:-1] + b"\x01")
            member.size = len(blob)
            dst.addfile(member, io.BytesIO(blob))
    with pytest.raises(BackupError, match="Checksum mismatch"):
        restore(damaged, f"sqlite:///{target}")
    assert not target.exists()


def test_backup_and_restore_commands(tmp_path: Path) -> None:
    from station.cli import app

    runner = CliRunner()
    base = ["--config", str(EXAMPLE_CONFIG)]
    assert runner.invoke(app, [*base, "db", "upgrade", "--data-dir", str(tmp_path / "d")]).exit_code == 0
    r = runner.invoke(app, [*base, "backup", "--data-dir", str(tmp_path / "d"), "--keep-days", "7"])
    assert r.exit_code == 0, r.output
    assert "backup:" in r.output and "tables" in r.output
    (file,) = (tmp_path / "d" / "backups").iterdir()
    r = runner.invoke(app, [*base, "restore", str(file), "--data-dir", str(tmp_path / "e")])
    assert r.exit_code == 0, r.output
    assert "as in its manifest" in r.output
    assert (tmp_path / "e").stat().st_mode & 0o777 == 0o700
    again = runner.invoke(app, [*base, "restore", str(file), "--data-dir", str(tmp_path / "e")])
    assert again.exit_code == 1 and "already holds" in again.output
    shutil.rmtree(tmp_path / "e")


def test_deleted_rows_left_in_free_pages_are_not_in_the_backup(tmp_path: Path) -> None:
    """SQLite built without SECURE_DELETE keeps deleted rows' bytes in free pages, which the backup API
    copies: the backup is VACUUMed. (Debian's build zeroes them; a station must not rely on the build.)"""
    url = f"sqlite:///{tmp_path / 'd' / 'station.db'}"
    st = Station(make_settings(tmp_path, url), clock=ManualClock(NEXT_DAY), with_devices=False)
    st.start()
    st.stop()
    marker = "コジンジョウホウ-PURGED-"
    with contextlib.closing(sqlite3.connect(tmp_path / "d" / "station.db", isolation_level=None)) as raw:
        raw.execute("PRAGMA secure_delete=OFF")
        for i in range(40):
            raw.execute("INSERT INTO audit_log (at, actor, action, target, detail, client) "
                        "VALUES (CURRENT_TIMESTAMP, 'x', 'x', 'x', ?, 'x')", (f"{marker}{i}" * 300,))
        raw.execute("DELETE FROM audit_log WHERE detail LIKE ?", (f"{marker}%",))
        raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    assert marker.encode() in (tmp_path / "d" / "station.db").read_bytes()  # the leak the backup must not copy
    assert marker.encode() not in backup_bytes(backup(url, tmp_path / "b").path)
