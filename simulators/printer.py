"""A network receipt printer on TCP (port 9100 by default) that prints into memory and PNG files.

It behaves like a real one where a driver can tell the difference: it answers real-time status
(DLE EOT n) at once with the real status bytes, an "offline" printer refuses connections (its socket is
gone, as when it is switched off or unplugged), and a printer out of paper or with its cover open still
talks but prints nothing.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import socket
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from drivers import escpos_codes as codes
from simulators import escpos_parser as p
from simulators.escpos_render import JobAssembler, find_font

log = logging.getLogger(__name__)

STATES = ("online", "offline", "paper_out", "cover_open", "near_end")


@dataclass(frozen=True)
class PrintedJob:
    id: int
    text: str
    barcodes: list[str]
    qr_codes: list[str]
    png: bytes
    printed_at: datetime
    raster_images: int = 0
    kanji_text: bool = False  # some text came in Kanji mode (FS &)
    unknown: tuple[str, ...] = ()  # commands the printer did not understand, for debugging drivers
    printed_lines: tuple[str, ...] = ()  # each row as printed: a line too wide for the paper is two rows


def status_byte(state: str, n: int) -> bytes:
    """The answer of a printer in that state to DLE EOT n."""
    return codes.status_answer(
        n,
        offline=state in ("paper_out", "cover_open", "offline"),
        cover_open=state == "cover_open",
        paper_end=state == "paper_out",
        near_end=state == "near_end",
    )


class PrinterSimulator:
    """Start it, point a driver at 127.0.0.1:.port, read `.jobs`."""

    def __init__(self, host: str = "127.0.0.1", port: int = 9100, jobs_dir: str | Path | None = None, *,
                 max_jobs: int = 200, on_job: Callable[[PrintedJob], None] | None = None,
                 state: str = "online") -> None:
        if state not in STATES:
            raise ValueError(f"unknown printer state {state!r}")
        self.host = host
        self._port = port
        self.jobs_dir = Path(jobs_dir) if jobs_dir else None
        self.on_job = on_job
        self._font = find_font()
        self._state = state
        self._paper_runs_out = False  # during the next job that starts
        self._jobs: deque[PrintedJob] = deque(maxlen=max_jobs)
        self._next_id = 1
        self._cond = threading.Condition()
        self._lock = threading.RLock()
        self._listener: socket.socket | None = None
        self._clients: set[socket.socket] = set()
        self._threads: list[threading.Thread] = []
        self._running = False

    # lifecycle ------------------------------------------------------------------------------------
    def start(self) -> PrinterSimulator:
        with self._lock:
            self._running = True
            if self._state != "offline":
                self._listen()
        return self

    def stop(self) -> None:
        with self._lock:
            self._running = False
            self._unlisten()
            threads, self._threads = self._threads, []
        for t in threads:
            t.join(timeout=5)

    def __enter__(self) -> PrinterSimulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        return self._port

    @property
    def state(self) -> str:
        return self._state

    def set_state(self, state: str) -> None:
        """Change the printer's condition; "offline" drops every connection and refuses new ones."""
        if state not in STATES:
            raise ValueError(f"unknown printer state {state!r} (one of {', '.join(STATES)})")
        with self._lock:
            previous, self._state = self._state, state
            if not self._running:
                return
            if state == "offline" and previous != "offline":
                self._unlisten()
            elif previous == "offline" and state != "offline":
                self._listen()

    def run_out_of_paper_during_next_job(self) -> None:
        """The roll ends in the middle of the next job: its start is lost with the paper, the rest is
        refused, and the printer then reports paper out (as a real one does until a new roll is in)."""
        with self._lock:
            self._paper_runs_out = True

    def drop_connections(self) -> None:
        """Cut every open connection but keep listening (a printer reboot, a network blip)."""
        with self._lock:
            for client in list(self._clients):
                with contextlib.suppress(OSError):
                    client.shutdown(socket.SHUT_RDWR)
                client.close()
            self._clients.clear()

    # jobs -----------------------------------------------------------------------------------------
    @property
    def jobs(self) -> list[PrintedJob]:
        with self._cond:
            return list(self._jobs)

    def clear(self) -> None:
        with self._cond:
            self._jobs.clear()

    def wait_for_jobs(self, n: int, timeout: float = 5.0) -> list[PrintedJob]:
        """Wait until at least n jobs were printed; returns the jobs so far (fewer if timed out)."""
        with self._cond:
            self._cond.wait_for(lambda: len(self._jobs) >= n, timeout=timeout)
            return list(self._jobs)

    def _record(self, content_job: PrintedJob) -> None:
        with self._cond:
            self._jobs.append(content_job)
            self._cond.notify_all()
        if self.jobs_dir is not None:
            self.jobs_dir.mkdir(parents=True, exist_ok=True)
            stem = self.jobs_dir / f"job-{content_job.id:05d}"
            stem.with_suffix(".png").write_bytes(content_job.png)
            stem.with_suffix(".txt").write_text(content_job.text + "\n", encoding="utf-8")
        if self.on_job is not None:
            try:
                self.on_job(content_job)
            except Exception:
                log.exception("on_job callback failed")

    # network --------------------------------------------------------------------------------------
    def _listen(self) -> None:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((self.host, self._port))
        except OSError:
            sock.close()
            raise
        sock.listen(8)
        self._port = sock.getsockname()[1]
        self._listener = sock
        t = threading.Thread(target=self._accept_loop, args=(sock,), name="printer-sim-accept", daemon=True)
        self._threads.append(t)
        t.start()

    def _unlisten(self) -> None:
        if self._listener is not None:
            with contextlib.suppress(OSError):
                self._listener.shutdown(socket.SHUT_RDWR)
            self._listener.close()
            self._listener = None
        self.drop_connections()

    def _accept_loop(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _addr = listener.accept()
            except OSError:
                return  # listener closed: offline or stopped
            with self._lock:
                if listener is not self._listener:
                    client.close()
                    return
                client.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                self._clients.add(client)
                t = threading.Thread(target=self._serve, args=(client,), name="printer-sim-conn",
                                     daemon=True)
                self._threads = [x for x in self._threads if x.is_alive()]
                self._threads.append(t)
            t.start()

    def _serve(self, client: socket.socket) -> None:
        parser = p.EscPosParser()
        job = JobAssembler(self._font)
        try:
            while True:
                try:
                    data = client.recv(65536)
                except OSError:
                    break
                if not data:
                    break
                for event in parser.feed(data):
                    job = self._handle(client, event, job)
            for event in parser.finish():
                job = self._handle(client, event, job)
        finally:
            with self._lock:
                self._clients.discard(client)
            client.close()

    def _handle(self, client: socket.socket, event: p.Event, job: JobAssembler) -> JobAssembler:
        state = self._state
        if isinstance(event, p.StatusRequest):
            with contextlib.suppress(OSError):
                client.sendall(status_byte(state, event.n))
            return job
        if self._paper_runs_out and not isinstance(event, p.Cut):
            with self._lock:
                self._paper_runs_out, self._state = False, "paper_out"
            state = "paper_out"
        if state in ("paper_out", "cover_open", "offline"):
            return JobAssembler(self._font)  # the printer cannot print: the data is lost
        if isinstance(event, p.Cut):
            if not job.empty:
                self._finish(job)
            return JobAssembler(self._font)
        job.add(event)
        return job

    def _finish(self, job: JobAssembler) -> None:
        content = job.finish()
        with self._cond:
            job_id = self._next_id
            self._next_id += 1
        self._record(PrintedJob(
            id=job_id, text=content.text, barcodes=content.barcodes, qr_codes=content.qr_codes,
            png=content.png, printed_at=datetime.now(UTC), raster_images=content.raster_images,
            kanji_text=content.kanji_text, unknown=tuple(content.unknown),
            printed_lines=tuple(content.printed_lines),
        ))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="ESC/POS network receipt printer simulator")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=9100)
    parser.add_argument("--jobs-dir", type=Path, default=None, help="write each job as PNG + txt here")
    parser.add_argument("--state", choices=STATES, default="online")
    args = parser.parse_args(argv)
    stopped = threading.Event()

    def announce(job: PrintedJob) -> None:
        print(f"job {job.id}: {len(job.text.splitlines())} lines, {len(job.barcodes)} barcodes, "
              f"{len(job.qr_codes)} QR codes", flush=True)

    sim = PrinterSimulator(args.host, args.port, args.jobs_dir, on_job=announce, state=args.state).start()
    print(f"printer simulator listening on {args.host}:{sim.port} (state {sim.state})", flush=True)
    try:
        stopped.wait()
    except KeyboardInterrupt:
        pass
    finally:
        sim.stop()


if __name__ == "__main__":
    main()
