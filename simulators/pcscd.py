"""Start (or reuse) pcscd with the vsmartcard vpcd reader, so the virtual card has a real PC/SC stack.

pcscd always serves clients on /run/pcscd/pcscd.comm, so one machine has one pcscd: if a usable one
already runs (system service, another test session) it is reused and never stopped by us; otherwise a
private one is started in the foreground as our child and stopped with us.

Readiness is checked without side effects: the vpcd port must be LISTENing (read from /proc/net/tcp,
because connecting to it would look like a card being placed) and PC/SC must list the vpcd reader.
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import os
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

from smartcard import scard

log = logging.getLogger(__name__)

RUN_DIR = Path("/run/pcscd")
PID_FILE = RUN_DIR / "pcscd.pid"
COMM_SOCKET = RUN_DIR / "pcscd.comm"
VPCD_DRIVER = Path("/usr/lib/pcsc/drivers/serial/libifdvpcd.so")
VPCD_CONF = Path("/etc/reader.conf.d/vpcd")
VPCD_PORT = 35963
VPCD_READER_PREFIX = "Virtual PCD"


class PcscdUnavailable(RuntimeError):
    """pcscd or vpcd is missing or would not start; the message says which Debian package to install."""


def _deadline_poll(check: object, timeout: float, interval: float = 0.02) -> bool:
    """Poll a condition until a deadline (pcscd offers no readiness notification)."""
    end = time.monotonic() + timeout
    while True:
        if check():  # type: ignore[operator]
            return True
        if time.monotonic() >= end:
            return False
        time.sleep(interval)


def port_listening(port: int) -> bool:
    """Whether something LISTENs on this TCP port, without connecting to it."""
    want = f":{port:04X}"
    return any(len(c) > 3 and c[1].endswith(want) and c[3] == "0A" for c in _tcp_rows())


def vpcd_readers() -> list[str] | None:
    """Reader names PC/SC lists that belong to vpcd; None when pcscd cannot be reached."""
    hres, ctx = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
    if hres != scard.SCARD_S_SUCCESS:
        return None
    try:
        hres, readers = scard.SCardListReaders(ctx, [])
        if hres == scard.SCARD_E_NO_READERS_AVAILABLE:
            return []
        if hres != scard.SCARD_S_SUCCESS:
            return None
        return [r for r in readers if r.startswith(VPCD_READER_PREFIX)]
    finally:
        scard.SCardReleaseContext(ctx)


def _tcp_rows() -> list[list[str]]:
    rows: list[list[str]] = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            rows += [line.split() for line in Path(table).read_text().splitlines()[1:]]
        except OSError:
            continue
    return rows


def slot_in_use(port: int) -> bool:
    """Whether a virtual card is already connected to this vpcd slot (an ESTABLISHED local socket)."""
    want = f":{port:04X}"
    return any(len(c) > 3 and c[1].endswith(want) and c[3] == "01" for c in _tcp_rows())


def free_vpcd_slot(slots: int = 2) -> tuple[int, str]:
    """(port, reader name) of the first vpcd slot with no card client, so sessions do not collide."""
    for n in range(slots):
        if not slot_in_use(VPCD_PORT + n):
            return VPCD_PORT + n, f"{VPCD_READER_PREFIX} 00 {n:02d}"
    raise PcscdUnavailable("空いている仮想カードリーダーがありません (every vpcd slot already has a virtual card)")


def pcscd_processes() -> list[int]:
    """Live processes named pcscd (ours or not): a pid file alone can lag behind a starting daemon."""
    pids = []
    for comm in Path("/proc").glob("[0-9]*/comm"):
        try:
            if comm.read_text().strip() == "pcscd":
                stat = (comm.parent / "stat").read_text()
                if ") Z " not in stat:
                    pids.append(int(comm.parent.name))
        except (OSError, ValueError):
            continue
    return pids


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def running_pcscd_pid() -> int | None:
    try:
        pid = int(PID_FILE.read_text().strip())
    except (OSError, ValueError):
        return None
    return pid if _pid_alive(pid) else None


def check_installed() -> str:
    """Path of pcscd; raises with the Debian package to install when something is missing."""
    exe = shutil.which("pcscd") or ("/usr/sbin/pcscd" if Path("/usr/sbin/pcscd").exists() else None)
    if exe is None:
        raise PcscdUnavailable(
            "pcscd が見つかりません。`sudo apt-get install pcscd` でインストールしてください "
            "(pcscd not found: install the Debian package 'pcscd')")
    if not VPCD_DRIVER.exists() or not VPCD_CONF.exists():
        raise PcscdUnavailable(
            "仮想カードリーダー vpcd が見つかりません。`sudo apt-get install vsmartcard-vpcd` でインストール"
            f"してください (vpcd reader driver not found at {VPCD_DRIVER} / {VPCD_CONF}: install the Debian "
            "package 'vsmartcard-vpcd')")
    return exe


def _die_with_parent() -> None:
    """Our pcscd ends when the process (strictly: the thread) that started it dies, even by SIGKILL,
    so a killed daemon or test run leaves no orphan pcscd holding the virtual reader."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except OSError:
        pass


class PcscdService:
    """pcscd with the vpcd reader, ready for the virtual card; start() is idempotent."""

    def __init__(self, *, port: int = VPCD_PORT, debug: bool = False) -> None:
        self.port = port
        self.debug = debug
        self._proc: subprocess.Popen[bytes] | None = None
        self._log_path: Path | None = None
        self.reused = False

    @property
    def owned(self) -> bool:
        """True when pcscd is our child (and tests may kill and restart it)."""
        return self._proc is not None and self._proc.poll() is None

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc else running_pcscd_pid()

    def ready(self) -> bool:
        readers = vpcd_readers()
        return bool(readers) and port_listening(self.port)

    def start(self, timeout: float = 10.0) -> PcscdService:
        if self.owned and self.ready():
            return self
        exe = check_installed()
        if self._proc is None and (running_pcscd_pid() is not None or pcscd_processes()):
            # Someone else's pcscd: use it if it serves vpcd; give it a moment if it is just starting.
            if _deadline_poll(self.ready, min(timeout, 3.0)):
                self.reused = True
                log.info("reusing running pcscd (pid %s)", running_pcscd_pid() or pcscd_processes())
                return self
            raise PcscdUnavailable(
                f"pcscd (pid {running_pcscd_pid() or pcscd_processes()}) は動いていますが"
                "仮想リーダー vpcd がありません "
                f"(a pcscd is running without the vpcd reader on port {self.port}; stop it or install "
                "vsmartcard-vpcd and restart it)")
        self._spawn(exe)
        if not _deadline_poll(lambda: self.ready() or not self.owned, timeout) or not self.owned:
            tail = self.log_tail()
            self.stop()
            raise PcscdUnavailable(f"pcscd が起動しませんでした (pcscd did not become ready): {tail}")
        log.info("started pcscd (pid %s)", self._proc.pid if self._proc else None)
        return self

    def _spawn(self, exe: str) -> None:
        try:
            RUN_DIR.mkdir(parents=True, exist_ok=True)
        except PermissionError as exc:
            raise PcscdUnavailable(
                f"{RUN_DIR} を作成できません (cannot create {RUN_DIR}; run as root or start the system "
                "service: `sudo systemctl start pcscd`)") from exc
        # A crashed pcscd leaves its socket and pid file; the new one refuses to start over them.
        if running_pcscd_pid() is None and not pcscd_processes():
            for stale in (PID_FILE, COMM_SOCKET):
                with contextlib.suppress(FileNotFoundError):
                    stale.unlink()
        if self._log_path is None:
            fd, name = tempfile.mkstemp(prefix="pcscd-", suffix=".log")
            os.close(fd)
            self._log_path = Path(name)
        args = [exe, "--foreground", "--debug" if self.debug else "--error"]
        with open(self._log_path, "ab") as out:
            self._proc = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT,
                                          stdin=subprocess.DEVNULL, start_new_session=True,
                                          preexec_fn=_die_with_parent)

    def log_tail(self, n: int = 10) -> str:
        if not self._log_path:
            return ""
        try:
            return " | ".join(self._log_path.read_text(errors="replace").splitlines()[-n:])
        except OSError:
            return ""

    def kill(self) -> None:
        """Crash our pcscd (SIGKILL), as a test of the driver's reconnect."""
        if not self.owned or self._proc is None:
            raise RuntimeError("pcscd is not ours to kill")
        self._proc.send_signal(signal.SIGKILL)
        self._proc.wait(timeout=5)
        self._proc = None

    def restart(self, timeout: float = 10.0) -> None:
        if self.owned:
            self.kill()
        self.start(timeout)

    def stop(self) -> None:
        proc, self._proc = self._proc, None
        if proc is None or proc.poll() is not None:
            return
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)

    def __enter__(self) -> PcscdService:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def wait_reader_empty(reader: str, timeout: float = 5.0) -> None:
    """Block until pcscd has noticed the card is gone: a card taken off and another put on within pcscd's
    polling interval would otherwise look like no change at all."""
    hres, ctx = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
    if hres != scard.SCARD_S_SUCCESS:
        return
    try:
        end = time.monotonic() + timeout
        state = scard.SCARD_STATE_UNAWARE
        while time.monotonic() < end:
            hres, states = scard.SCardGetStatusChange(ctx, int((end - time.monotonic()) * 1000),
                                                      [(reader, state)])
            if hres != scard.SCARD_S_SUCCESS:
                return
            state = states[0][1] & ~scard.SCARD_STATE_CHANGED
            if state & scard.SCARD_STATE_EMPTY:
                return
    finally:
        scard.SCardReleaseContext(ctx)
