"""Shared bits for benchmarks: percentiles and a small ESC/POS sink that answers status requests.

Results are printed as ratios against a baseline measured in the same run, because this machine is
shared and noisy: absolute milliseconds mean little, the ratio means something.
"""

from __future__ import annotations

import os
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path

from simulators.escpos_parser import Cut, EscPosParser, StatusRequest
from simulators.printer import status_byte


def pct(xs: Sequence[float], p: float) -> float:
    s = sorted(xs)
    if not s:
        return float("nan")
    k = min(len(s) - 1, max(0, round(p / 100 * (len(s) - 1))))
    return s[k]


def summary(name: str, xs: Sequence[float]) -> str:
    return (f"{name:38} n={len(xs):5d}  p50={pct(xs, 50) * 1000:7.2f} ms  p99={pct(xs, 99) * 1000:7.2f} ms  "
            f"mean={statistics.fmean(xs) * 1000:7.2f} ms")


class CutSink:
    """A TCP printer that only parses: records when each job's cut arrives (no rendering)."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]
        self.cuts: list[float] = []
        self.cond = threading.Condition()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            threading.Thread(target=self._serve, args=(c,), daemon=True).start()

    def _serve(self, c: socket.socket) -> None:
        parser = EscPosParser()
        while True:
            try:
                data = c.recv(65536)
            except OSError:
                return
            if not data:
                return
            for ev in parser.feed(data):
                if isinstance(ev, StatusRequest):
                    c.sendall(status_byte("online", ev.n))
                elif isinstance(ev, Cut):
                    with self.cond:
                        self.cuts.append(time.perf_counter())
                        self.cond.notify_all()

    def wait(self, n: int, timeout: float = 10.0) -> float:
        with self.cond:
            if not self.cond.wait_for(lambda: len(self.cuts) >= n, timeout):
                raise TimeoutError(f"job {n} never reached the printer")
            return self.cuts[n - 1]

    def close(self) -> None:
        self.sock.close()


# --- helpers for benchmarks against real `station run` daemons (display_fanout, office) -------------

REPO_DIR = Path(__file__).resolve().parent.parent
PG_ADMIN_URL = os.environ.get("STATION_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
NO_DEVICES = {f"STATION_DEVICES__{d}__CONNECTION": "none" for d in ("PRINTER", "BUTTON", "SCANNER", "CARD_READER")}


def write_config(directory: Path, counters: int, categories: Sequence[str] = ("A", "B", "C", "D")) -> Path:
    """The example config with `counters` counters each serving `categories`; the calendar stays the repo's.

    Returns the path of the written TOML. Devices are switched off through the environment (NO_DEVICES).
    """
    src = (REPO_DIR / "config" / "station.example.toml").read_text(encoding="utf-8")
    kept, skipping = [], False
    for line in src.splitlines():  # drop the example's [[counters]] tables, keep everything else
        if line.strip() == "[[counters]]":
            skipping = True
        elif skipping and line.startswith("["):
            skipping = False
        if not skipping:
            kept.append(line)
    calendar = (REPO_DIR / "config" / "calendar.toml").as_posix()
    text = "\n".join(kept).replace('file = "calendar.toml"', f'file = "{calendar}"')
    cats = ", ".join(f'"{c}"' for c in categories)
    text += "".join(f"\n[[counters]]\nid = {i}\ncategories = [{cats}]\n" for i in range(1, counters + 1))
    path = directory / "station.toml"
    path.write_text(text, encoding="utf-8")
    return path


def vm_rss_mb(pid: int) -> float:
    """Resident memory of a process in MB, from /proc/<pid>/status (VmRSS)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def cpu_seconds(pid: int) -> float:
    """User + system CPU a process has used so far, from /proc/<pid>/stat (all its threads)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def postgres_cpu_seconds() -> float:
    """CPU used so far by every `postgres` process on this machine (the server and its backends, also
    backends that ended: their time is in the postmaster's children totals)."""
    total = 0.0
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            stat = (d / "stat").read_text()
        except OSError:
            continue
        if "(postgres)" in stat:
            fields = stat.rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12]) + int(fields[13]) + int(fields[14])) / os.sysconf("SC_CLK_TCK")
    return total


def api_headers(config: Path, data_dir: Path, env: dict[str, str] | None = None) -> dict[str, str]:
    """Headers a script needs to call state-changing endpoints: a supervisor API token when the daemon
    has logins (`station token create`), nothing when it has none yet."""
    station = Path(sys.executable).with_name("station")
    args = [str(station), "--config", str(config), "token", "create", "--name", f"bench-{os.getpid()}",
            "--role", "supervisor",
            "--data-dir", str(data_dir)]
    proc = subprocess.run(args, capture_output=True, text=True, env={**os.environ, **(env or {})}, cwd=REPO_DIR)
    if proc.returncode != 0:
        if "No such command" in proc.stderr or "token" not in (proc.stdout + proc.stderr).lower():
            return {}
        raise RuntimeError(f"station token create failed: {proc.stderr.strip()}")
    lines = [w for w in proc.stdout.split() if w.strip()]
    if not lines:
        raise RuntimeError(f"no token in the output of station token create: {proc.stdout!r}")
    return {"Authorization": f"Bearer {lines[-1]}"}


def pg_database(prefix: str = "station_bench") -> tuple[str, object]:
    """Create a throwaway PostgreSQL database; returns (url, drop) where drop() removes it."""
    import uuid

    import psycopg

    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as c:
        c.execute(f'CREATE DATABASE "{name}"')

    def drop() -> None:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as c:
            c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}", drop


def start_profile(pid: int, out: Path) -> subprocess.Popen[bytes]:
    """py-spy on a daemon while it works (collapsed stacks, `--profile DIR`; py-spy must be installed): only
    samples that hold the GIL, i.e. where the daemon spends CPU in Python, not where it waits."""
    out.mkdir(parents=True, exist_ok=True)
    spy = Path(sys.executable).with_name("py-spy")
    return subprocess.Popen([str(spy), "record", "--pid", str(pid), "--format", "raw", "--rate", "200", "--gil",
                             "--nonblocking", "-o", str(out / f"daemon-{pid}.txt")],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def stop_profile(spy: subprocess.Popen[bytes]) -> None:
    spy.send_signal(signal.SIGINT)
    try:
        spy.wait(30)
    except subprocess.TimeoutExpired:
        spy.kill()


def top_frames(path: Path, n: int = 25) -> list[str]:
    """The functions that most samples of a collapsed-stack profile pass through (inclusive share)."""
    import collections
    import re

    incl: collections.Counter[str] = collections.Counter()
    total = 0
    with open(path, encoding="utf-8") as f:
        for line in f:
            stack, _, k = line.rstrip().rpartition(" ")
            total += int(k)
            for frame in {re.sub(r":\d+\)", ")", fr) for fr in stack.split(";")}:
                incl[frame] += int(k)
    return [f"{v / max(total, 1) * 100:5.1f}%  {k}" for k, v in incl.most_common(n)]


class RawHttp:
    """A minimal HTTP/1.1 keep-alive client on one asyncio connection, for load generators.

    httpx cost ~2 ms of CPU per request on this machine — a third of what the daemons themselves spent —
    and it runs on the same 2 cores, so the bench measured its own client. This one writes the request
    bytes and reads the status line, the headers and a Content-Length body; nothing else (no redirects,
    no chunked bodies: uvicorn sends Content-Length for every JSON answer of the API)."""

    def __init__(self, host: str, port: int, headers: dict[str, str]) -> None:
        self.host, self.port = host, port
        self.extra = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        self._rw: tuple[object, object] | None = None

    async def post(self, path: str, body: bytes = b"") -> tuple[int, bytes]:
        return await self.request("POST", path, body)

    async def get(self, path: str) -> tuple[int, bytes]:
        return await self.request("GET", path)

    async def request(self, method: str, path: str, body: bytes = b"") -> tuple[int, bytes]:
        import asyncio

        if self._rw is None:
            self._rw = await asyncio.open_connection(self.host, self.port)
        reader, writer = self._rw
        head = (f"{method} {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n{self.extra}"
                f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n")
        writer.write(head.encode() + body)  # type: ignore[attr-defined]
        status_line = await reader.readline()  # type: ignore[attr-defined]
        if not status_line:
            raise ConnectionError("the daemon closed the connection")
        status = int(status_line.split(b" ", 2)[1])
        length = 0
        close = False
        while True:
            line = await reader.readline()  # type: ignore[attr-defined]
            if line in (b"\r\n", b""):
                break
            name, _, value = line.partition(b":")
            key = name.strip().lower()
            if key == b"content-length":
                length = int(value)
            elif key == b"connection" and value.strip().lower() == b"close":
                close = True
        data = await reader.readexactly(length) if length else b""  # type: ignore[attr-defined]
        if close:
            await self.aclose()
        return status, data

    async def aclose(self) -> None:
        if self._rw is not None:
            writer = self._rw[1]
            self._rw = None
            writer.close()  # type: ignore[attr-defined]
