"""Run `station run` as a real process for end-to-end and fault tests."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[2]
STATION = Path(sys.executable).with_name("station")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Daemon:
    """One `station run` process; `url` is its base address."""

    def __init__(self, data_dir: Path, port: int | None = None, *, simulate: bool = True,
                 clock: str = "2026-12-01T10:00", env: dict[str, str] | None = None,
                 config: Path | None = None) -> None:
        self.data_dir = data_dir
        self.port = port or free_port()
        self.simulate = simulate
        self.clock = clock
        self.env = env or {}
        self.config = config or REPO / "config" / "station.example.toml"
        self.proc: subprocess.Popen[bytes] | None = None
        self.log_path = data_dir.parent / f"daemon-{self.port}.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 90.0) -> Daemon:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        args = [str(STATION), "--config", str(self.config), "run", "--port", str(self.port),
                "--data-dir", str(self.data_dir), "--clock", self.clock]
        if self.simulate:
            args.append("--simulate")
        env = {**os.environ, **self.env}
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                         env=env, cwd=REPO)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"daemon exited with {self.proc.returncode}:\n{self.log_tail()}")
            try:
                if httpx.get(f"{self.url}/api/health", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.05)  # polling a readiness condition, with a deadline
        self.kill()
        raise RuntimeError(f"daemon not ready in {timeout}s:\n{self.log_tail()}")

    def supervisor_headers(self) -> dict[str, str]:
        """An API token of the supervisor role (counters are behind login), made with the real CLI."""
        out = subprocess.run(
            [str(STATION), "--config", str(self.config), "token", "create", "--name", "tests", "--role", "supervisor",
             "--data-dir", str(self.data_dir)],
            cwd=REPO, capture_output=True, text=True, env={**os.environ, **self.env}, check=True,
        ).stdout.split()
        return {"Authorization": f"Bearer {out[-1]}"}

    def log_tail(self, n: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-n:])
        except FileNotFoundError:
            return ""

    def kill(self) -> None:
        """SIGKILL: no cleanup at all, as when the PC loses power."""
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
