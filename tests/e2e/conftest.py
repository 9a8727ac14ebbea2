"""A real daemon process and a real browser (Debian's chromium) for the screen tests.

One simulated daemon serves the whole session (starting the simulator rig costs seconds); tests that
must stop or re-clock a daemon start their own plain one, which comes up in well under a second.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

REPO = Path(__file__).resolve().parents[2]
STATION = Path(sys.executable).with_name("station")
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
OPEN_CLOCK = "2026-12-01T10:00"     # a Tuesday morning: open
CLOSED_CLOCK = "2026-12-01T21:00"   # the same evening: closed


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_until(cond: Any, timeout: float, what: str, interval: float = 0.05) -> Any:
    """Poll a condition with a deadline (never a fixed sleep)."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        last = cond()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what} (last: {last!r})")


def http_json(method: str, url: str, body: dict[str, Any] | None = None, token: str | None = None) -> Any:
    data = json.dumps(body).encode() if body is not None else None
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    req = urllib.request.Request(url, data=data, method=method, headers=headers)
    with urllib.request.urlopen(req, timeout=5) as r:
        raw = r.read()
        return json.loads(raw) if raw else None


@dataclass
class Daemon:
    """`station run` as a child process on its own port and data directory."""

    data_dir: Path
    clock: str
    simulate: bool
    port: int = field(default_factory=free_port)
    proc: subprocess.Popen[bytes] | None = None
    env: dict[str, str] = field(default_factory=dict)
    token: str | None = None  # a supervisor API token, for the test's own setup calls

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 30.0) -> Daemon:
        args = [str(STATION), "run", "--port", str(self.port), "--data-dir", str(self.data_dir),
                "--clock", self.clock]
        if self.simulate:
            args.insert(2, "--simulate")
        self.data_dir.mkdir(parents=True, exist_ok=True)
        log = (self.data_dir / "daemon.log").open("ab")
        self.proc = subprocess.Popen(args, cwd=REPO, stdout=log, stderr=subprocess.STDOUT,
                                     env={**os.environ, "PYTHONUNBUFFERED": "1", **self.env})
        wait_until(self._healthy, timeout, f"{self.url}/api/health")
        if self.token is None:
            out = subprocess.run([str(STATION), "token", "create", "--name", "e2e", "--role", "supervisor",
                                  "--data-dir", str(self.data_dir)], cwd=REPO, capture_output=True, text=True,
                                 env={**os.environ, **self.env}, check=True).stdout.split()
            self.token = out[-1]
        return self

    def _healthy(self) -> bool:
        if self.proc is not None and self.proc.poll() is not None:
            log = (self.data_dir / "daemon.log").read_text(errors="replace")[-2000:]
            raise AssertionError(f"daemon exited with {self.proc.returncode}:\n{log}")
        try:
            return http_json("GET", self.url + "/api/health")["status"] == "ok"
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            return False

    def stop(self, kill: bool = False) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGKILL if kill else signal.SIGTERM)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=5)

    def api(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        return http_json(method, self.url + path, body, self.token)


# Package-scoped, not session-scoped: the simulated daemon (and its pcscd) and the browser (whose sync
# API keeps an event loop in the main thread) are gone before the other test folders run.
@pytest.fixture(scope="package")
def daemon(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Daemon]:
    """The simulated counter (every device is its simulator), open for business."""
    d = Daemon(tmp_path_factory.mktemp("station-sim"), OPEN_CLOCK, simulate=True).start()
    try:
        yield d
    finally:
        d.stop()


# Demo users of simulator mode (station/services/auth.py); see the README.
DEMO = {"clerk1": "demo-clerk", "clerk2": "demo-clerk", "supervisor": "demo-supervisor", "staff": "demo-staff",
        "admin": "demo-admin"}
# A plain daemon has no users: tests of hours and reconnecting run it without logins.
NO_LOGIN = {"STATION_SECURITY__REQUIRE_LOGIN": "false"}


def login_context(ctx: BrowserContext, url: str, name: str, password: str) -> None:
    """Log a browser context in (session cookie, as the login form does) and send its CSRF token."""
    r = ctx.request.post(url + "/api/auth/login", data={"name": name, "password": password})
    assert r.ok, r.text()
    ctx.set_extra_http_headers({"X-CSRF-Token": r.json()["csrf_token"]})


def login(page: Page, url: str, name: str) -> None:
    """Log the page in as one of simulator mode's demo users."""
    login_context(page.context, url, name, DEMO[name])


@pytest.fixture
def user(new_page: Any, daemon: Daemon) -> Iterator[Any]:
    """A fresh page logged in as `name`."""
    def make(name: str, password: str) -> Page:
        page = new_page()
        login_context(page.context, daemon.url, name, password)
        return page

    yield make


@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield b
        finally:
            b.close()


# Records what the display would say, instead of saying it (headless has no voice anyway).
SPEECH_RECORDER = """
window.__spoken = [];
const __record = function (u) {
  window.__spoken.push(u.text);
  setTimeout(() => { if (u.onend) u.onend(new Event('end')); }, 20);
};
if (window.SpeechSynthesis) SpeechSynthesis.prototype.speak = __record;
if (window.speechSynthesis) { try { window.speechSynthesis.speak = __record; } catch (e) {} }
"""


@pytest.fixture
def new_page(browser: Browser) -> Iterator[Any]:
    """Pages in fresh contexts (own cookies), closed after the test; console errors are collected."""
    contexts = []

    def make(viewport: tuple[int, int] = (1600, 1000), speech: bool = False) -> Page:
        ctx = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]}, locale="ja-JP",
                                  timezone_id="Asia/Tokyo")
        contexts.append(ctx)
        if speech:
            ctx.add_init_script(SPEECH_RECORDER)
        page = ctx.new_page()
        page.set_default_timeout(10_000)
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.js_errors = errors  # type: ignore[attr-defined]
        return page

    yield make
    for ctx in contexts:
        ctx.close()
