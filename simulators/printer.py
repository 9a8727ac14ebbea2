"""A network receipt printer on TCP (port 9100 by default) that prints into memory (and PNG files on request).

It behaves like a real one where a driver can tell the difference: it answers real-time status
(DLE EOT n) at once with the real status bytes, an "offline" printer refuses connections (its socket is
gone, as when it is switched off or unplugged), and a printer out of paper or with its cover open still
talks but prints nothing.

It runs all day inside `station run --simulate` and in every test, so it stays small and fast: it keeps
the last `max_jobs` jobs (their text and the parser events, a few KB each) and draws a job's PNG only
when asked (`job.png`, `png(job_id)`, or `jobs_dir` for a standalone run that writes every slip).
It prints as fast as the driver sends unless told to print at a real printer's pace (`set_speed`).
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import socket
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from drivers import escpos_codes as codes
from simulators import escpos_parser as p
from simulators.escpos_render import JobReader, find_font, printed_rows, render_png

log = logging.getLogger(__name__)

STATES = ("online", "offline", "paper_out", "cover_open", "near_end")


PNG_CACHE = 16  # drawn slips kept for the /sim page, which shows the newest dozen


@dataclass(frozen=True)
class PrintedJob:
    id: int
    text: str
    barcodes: list[str]
    qr_codes: list[str]
    printed_at: datetime
    raster_images: int = 0
    kanji_text: bool = False  # some text came in Kanji mode (FS &)
    unknown: tuple[str, ...] = ()  # commands the printer did not understand, for debugging drivers
    events: tuple[p.Event, ...] = field(default=(), repr=False, compare=False)
    font_file: tuple[Path, int] | None = field(default=None, repr=False, compare=False)

    @property
    def png(self) -> bytes:
        """The slip as it came out of the printer, drawn now (a few tens of ms): nothing keeps it."""
        return render_png(self.events, self._font())

    @property
    def printed_lines(self) -> tuple[str, ...]:
        """Each row as printed — a line too wide for the paper is two rows — worked out now, on request."""
        return printed_rows(self.events, self._font())

    def _font(self) -> tuple[Path, int]:
        if self.font_file is None:
            raise ValueError("a job without its font cannot be drawn")
        return self.font_file


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
                 state: str = "online", jobs_per_second: float | None = None) -> None:
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
        self._pngs: OrderedDict[int, bytes] = OrderedDict()
        self._seconds_per_job = 1 / jobs_per_second if jobs_per_second else 0.0
        self._next_id = 1
        self._printed = 0  # jobs recorded since start, kept or not
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

    @property
    def jobs_per_second(self) -> float | None:
        return 1 / self._seconds_per_job if self._seconds_per_job else None

    def set_speed(self, jobs_per_second: float | None) -> None:
        """Print at a real printer's pace (a thermal printer cuts about 5 slips a second), or, with None,
        as fast as the data arrives. The status answer after a cut waits for the paper, as on a real one,
        so a slow printer builds a backlog in the daemon's spooler exactly where a real one would."""
        if jobs_per_second is not None and jobs_per_second <= 0:
            raise ValueError("jobs_per_second must be positive (or None for full speed)")
        self._seconds_per_job = 1 / jobs_per_second if jobs_per_second else 0.0

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

    @property
    def max_jobs(self) -> int:
        return self._jobs.maxlen or 0

    @property
    def printed_count(self) -> int:
        """Jobs printed since start (also those no longer kept)."""
        with self._cond:
            return self._printed

    def clear(self) -> None:
        with self._cond:
            self._jobs.clear()
            self._pngs.clear()

    def job(self, job_id: int) -> PrintedJob | None:
        """A kept job by id (None once it is older than the last `max_jobs`)."""
        with self._cond:
            return next((j for j in self._jobs if j.id == job_id), None)

    def png(self, job_id: int) -> bytes | None:
        """The PNG of a kept job, drawn on the first request; the last few drawn are kept."""
        with self._cond:
            cached = self._pngs.get(job_id)
            if cached is not None:
                self._pngs.move_to_end(job_id)
                return cached
        job = self.job(job_id)
        if job is None:
            return None
        png = job.png  # drawn outside the lock: printing goes on meanwhile
        with self._cond:
            self._pngs[job_id] = png
            while len(self._pngs) > PNG_CACHE:
                self._pngs.popitem(last=False)
        return png

    def wait_for_jobs(self, n: int, timeout: float = 5.0) -> list[PrintedJob]:
        """Wait until at least n jobs were printed (of the kept ones, so n ≤ max_jobs); returns the jobs
        so far (fewer if timed out)."""
        with self._cond:
            self._cond.wait_for(lambda: len(self._jobs) >= min(n, self.max_jobs), timeout=timeout)
            return list(self._jobs)

    def wait_for_printed(self, total: int, timeout: float = 5.0) -> bool:
        """Wait until `total` jobs were printed since start, kept or not (for runs longer than max_jobs)."""
        with self._cond:
            return self._cond.wait_for(lambda: self._printed >= total, timeout=timeout)

    def _record(self, content_job: PrintedJob) -> None:
        with self._cond:
            self._jobs.append(content_job)
            self._printed += 1
            self._cond.notify_all()
        if self.jobs_dir is not None:
            self.jobs_dir.mkdir(parents=True, exist_ok=True)
            stem = self.jobs_dir / f"job-{content_job.id:05d}"  # asked for: every slip drawn at once
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
        job = JobReader()
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

    def _handle(self, client: socket.socket, event: p.Event, job: JobReader) -> JobReader:
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
            return JobReader()  # the printer cannot print: the data is lost
        if isinstance(event, p.Cut):
            if not job.empty:
                if self._seconds_per_job:
                    time.sleep(self._seconds_per_job)  # the paper feeding out: emulated pace, not a wait
                self._finish(job)
            return JobReader()
        job.add(event)
        return job

    def _finish(self, job: JobReader) -> None:
        facts = job.finish()
        with self._cond:
            job_id = self._next_id
            self._next_id += 1
        self._record(PrintedJob(
            id=job_id, text=facts.text, barcodes=list(facts.barcodes), qr_codes=list(facts.qr_codes),
            printed_at=datetime.now(UTC), raster_images=facts.raster_images, kanji_text=facts.kanji_text,
            unknown=facts.unknown, events=facts.events, font_file=self._font,
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
