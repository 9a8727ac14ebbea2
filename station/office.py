"""`station run --simulate --office N`: a whole office on one machine.

N counter daemons, each with its own port, data directory and simulated devices, all on one
PostgreSQL database — exactly how an office with N counter PCs runs, so it can be seen and tested here.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

DEFAULT_OFFICE_DB = "postgresql://postgres@127.0.0.1:5432/station_office"


def ensure_database(url: str) -> None:
    """Create the office database if it does not exist yet (the server must be running)."""
    u = make_url(url).set(drivername="postgresql+psycopg")
    admin = create_engine(u.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as c:
            exists = c.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": u.database}).scalar()
            if not exists:
                c.execute(text(f'CREATE DATABASE "{u.database}"'))
    finally:
        admin.dispose()


def run_office(n: int, base_port: int, data_dir: Path, database_url: str, config: Path | None,
               clock: str, host: str) -> int:
    """`clock` is an anchored spec (station.clock.anchored_spec) so every counter shows the same time."""
    ensure_database(database_url)
    station = Path(sys.executable).with_name("station")
    procs: list[subprocess.Popen[bytes]] = []
    for i in range(1, n + 1):
        env = {**os.environ, "STATION_DATABASE_URL": database_url, "STATION_COUNTER_ID": str(i)}
        if i > 1:  # one dispenser for the office: only the first daemon has the button box
            env["STATION_DEVICES__BUTTON__CONNECTION"] = "none"
        if i > 2:  # the virtual reader has two slots
            env["STATION_DEVICES__CARD_READER__CONNECTION"] = "none"
        args = [str(station)]
        if config:
            args += ["--config", str(config)]
        args += ["run", "--simulate", "--host", host, "--port", str(base_port + i - 1),
                 "--data-dir", str(data_dir / f"counter-{i}")]
        args += ["--clock", clock]
        procs.append(subprocess.Popen(args, env=env))
        print(f"office: counter {i} → http://{host}:{base_port + i - 1}/counter/{i}", flush=True)

    def forward(sig: int, _frame: object) -> None:
        for p in procs:
            if p.poll() is None:
                p.send_signal(sig)

    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGINT, forward)
    try:
        while all(p.poll() is None for p in procs):
            time.sleep(0.5)
    finally:
        forward(signal.SIGTERM, None)
        for p in procs:
            try:
                p.wait(15)
            except subprocess.TimeoutExpired:
                p.kill()
    return max((p.returncode or 0) for p in procs)
