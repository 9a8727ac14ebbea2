"""Press → bytes at the printer, against the raw cost of what it must do at least.

What is timed: a code written to the button's pty → the real button driver → ticket committed in
SQLite (WAL, full fsync) → spooler → real printer driver → the cut command arriving at a TCP printer.
Baseline, measured in the same run: one SQLite insert+commit with the same settings plus one socket
write of the same ESC/POS bytes to the same kind of TCP sink. Target: ratio ≤ 3 (p50); with 20
counters calling concurrently, press p99 < 50 ms.

Run: .venv/bin/python bench/ticket_path.py [--presses 1000]
"""

from __future__ import annotations

import argparse
import socket
import sqlite3
import sys
import tempfile
import threading
import time
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import CutSink, pct, summary
from drivers.printer import ReceiptPrinter
from simulators.button import ButtonSimulator
from station.app import Station
from station.clock import ManualClock
from station.config import load_settings
from station.device_factory import build_devices
from station.domain.calendar import BusinessCalendar
from station.domain.queue import Action
from station.domain.timezone import TOKYO
from station.slips.ticket import ticket_receipt

REPO = Path(__file__).resolve().parent.parent
CATS = ["A", "B", "C", "D"]


def build(tmp: Path, sink: CutSink, counters: int) -> tuple[Station, ButtonSimulator]:
    settings = load_settings(REPO / "config" / "station.example.toml", tmp / "data")
    settings.devices.button.debounce_ms = 0  # presses come faster than a finger: no debounce here
    settings.devices.scanner.connection = "none"
    settings.devices.card_reader.connection = "none"
    counter_cls = type(settings.counters[0])
    settings.counters = [counter_cls(id=i, categories=CATS) for i in range(1, counters + 1)]
    button = ButtonSimulator({k.encode(): v for k, v in settings.devices.button.codes.items()},
                             link_path=tmp / "ttyBUTTON")
    clock = ManualClock(datetime(2026, 12, 1, 9, 0, tzinfo=TOKYO))
    st = Station(settings, clock=clock, calendar=BusinessCalendar(), with_devices=False)
    st.start()
    overrides = {"printer": {"connection": "network", "host": "127.0.0.1", "port": sink.port},
                 "button": {"connection": "serial", "device": str(tmp / "ttyBUTTON")}}
    for dev in build_devices(settings, overrides):
        st.devices.add(dev)
    st.printer = st.devices.devices.get("printer")  # type: ignore[assignment,call-overload]
    st.devices.start()
    if not st.wait_devices_ready():
        raise RuntimeError(f"devices not ready: {st.devices.statuses()}")
    return st, button


def press_latencies(st: Station, button: ButtonSimulator, sink: CutSink, n: int) -> list[float]:
    out = []
    base = len(sink.cuts)
    codes = list(button.mapping)
    for i in range(n):
        t0 = time.perf_counter()
        button.press(codes[i % len(codes)])
        out.append(sink.wait(base + i + 1) - t0)
    return out


def baseline(tmp: Path, payload: bytes, n: int) -> list[float]:
    db = sqlite3.connect(tmp / "raw.db", isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=FULL")
    db.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, day TEXT, number TEXT, issued_at TEXT)")
    sink = CutSink()
    conn = socket.create_connection(("127.0.0.1", sink.port))
    conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    out = []
    for i in range(n):
        t0 = time.perf_counter()
        db.execute("BEGIN IMMEDIATE")
        db.execute("INSERT INTO t (day, number, issued_at) VALUES (?, ?, ?)", ("2026-12-01", f"A{i:03d}", "x"))
        db.execute("COMMIT")
        conn.sendall(payload)
        out.append(sink.wait(i + 1) - t0)
    conn.close()
    sink.close()
    return out


def callers(st: Station, counters: int, stop: threading.Event) -> list[float]:
    lat: list[float] = []
    lock = threading.Lock()

    def work(cid: int) -> None:
        while not stop.is_set():
            t0 = time.perf_counter()
            try:
                t = st.queue.call_next(cid)
            except Exception:
                t = None
            with lock:
                lat.append(time.perf_counter() - t0)
            if t is not None:
                st.queue.act(t.id, Action.START)
                st.queue.act(t.id, Action.FINISH)
            else:
                stop.wait(0.005)

    threads = [threading.Thread(target=work, args=(c,), daemon=True) for c in range(1, counters + 1)]
    for t in threads:
        t.start()
    return lat


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--presses", type=int, default=1000)
    ap.add_argument("--counters", type=int, default=20)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        sink = CutSink()
        st, button = build(tmp, sink, args.counters)
        try:
            sample = st.queue.issue("A")
            payload = st.printer.render(ticket_receipt(st.settings, sample))  # type: ignore[union-attr]
            sink.wait(1)
            raw = baseline(tmp, payload, args.presses)
            quiet = press_latencies(st, button, sink, args.presses)
            stop = threading.Event()
            call_lat = callers(st, args.counters, stop)
            loaded = press_latencies(st, button, sink, max(200, args.presses // 5))
            stop.set()
        finally:
            st.stop()
            sink.close()
    print(summary("baseline: sqlite commit + socket write", raw))
    print(summary("press → printer (idle)", quiet))
    print(summary(f"press → printer ({args.counters} counters calling)", loaded))
    print(summary("call-next under load", call_lat))
    ratio = pct(quiet, 50) / pct(raw, 50)
    print(f"ratio p50 press→printer / baseline: {ratio:.2f}  (target ≤ 3)")
    print(f"press p99 with {args.counters} counters calling: {pct(loaded, 99) * 1000:.1f} ms  (target < 50 ms)")


if __name__ == "__main__":
    ReceiptPrinter  # noqa: B018 - imported so a missing driver fails before timing starts
    main()
