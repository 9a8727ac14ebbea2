"""Benchmark: call-next → `ticket_called` at 50 waiting-room screens (SSE), against a bare asyncio SSE server.

What is timed: from the moment `POST /api/counters/1/call-next` returns to the moment each of 50 clients
connected to `GET /api/events` has read its `ticket_called` event. The daemon is a real `station run`
process (SQLite, no devices). Baseline, measured in the same run with the same clients, the same HTTP
client for the trigger and the same timing: a bare asyncio server (its own process) that, when poked
with an HTTP POST, writes an event of the same size to its 50 connected SSE clients and then answers.
Rounds alternate between the two servers so that machine noise falls on both alike.

Before each timed call the script issues a ticket and waits until every client has seen it (issued and
printed-or-not events), and afterwards cancels it, so that only the call's own fan-out is in the window.
Target: p99 < 100 ms and ratio (p99 daemon / p99 bare) ≤ 2.

    .venv/bin/python bench/display_fanout.py [--calls 200] [--clients 50] [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx

from bench.common import (
    NO_DEVICES,
    api_headers,
    pct,
    start_profile,
    stop_profile,
    summary,
    top_frames,
    vm_rss_mb,
    write_config,
)
from tests.support.daemon import Daemon

CLOCK = "2026-12-01T10:00"
TARGET_P99 = 0.100
TARGET_RATIO = 2.0


@dataclass
class Call:
    sent: float
    returned: float
    received: list[float]


# --- SSE client over a raw socket (HTTP/1.1, chunked) ------------------------------------------------

class SseClient:
    """One screen: reads the stream, de-chunks it, parses `id:`/`event:`/`data:` and reports each event
    with the time its bytes were read."""

    def __init__(self, host: str, port: int, path: str,
                 on_event: Callable[[int, float, str, dict[str, object]], None], index: int) -> None:
        self.host, self.port, self.path = host, port, path
        self.on_event = on_event
        self.index = index
        self.task: asyncio.Task[None] | None = None
        self.connected = asyncio.Event()

    async def start(self) -> None:
        self.task = asyncio.create_task(self._run())
        await asyncio.wait_for(self.connected.wait(), 10)

    async def stop(self) -> None:
        if self.task:
            self.task.cancel()
            try:
                await self.task
            except (asyncio.CancelledError, Exception):
                pass

    async def _run(self) -> None:
        reader, writer = await asyncio.open_connection(self.host, self.port)
        try:
            writer.write(f"GET {self.path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n"
                         "Accept: text/event-stream\r\nCache-Control: no-cache\r\n\r\n".encode())
            await writer.drain()
            head = await reader.readuntil(b"\r\n\r\n")
            if b" 200 " not in head.split(b"\r\n", 1)[0]:
                raise RuntimeError(f"SSE refused: {head[:200]!r}")
            chunked = b"chunked" in head.lower()
            self.connected.set()
            raw = b""
            text = ""
            while True:
                data = await reader.read(65536)
                if not data:
                    return
                t = time.perf_counter()
                if chunked:
                    raw += data
                    while True:
                        nl = raw.find(b"\r\n")
                        if nl < 0:
                            break
                        size = int(raw[:nl].split(b";")[0], 16)
                        if len(raw) < nl + 2 + size + 2:
                            break
                        text += raw[nl + 2:nl + 2 + size].decode()
                        raw = raw[nl + 2 + size + 2:]
                        if size == 0:
                            return
                else:
                    text += data.decode()
                text = text.replace("\r\n", "\n")
                while "\n\n" in text:
                    block, text = text.split("\n\n", 1)
                    name, payload = "message", ""
                    for line in block.split("\n"):
                        if line.startswith(":"):
                            continue
                        key, _, value = line.partition(":")
                        value = value[1:] if value.startswith(" ") else value
                        if key == "event":
                            name = value
                        elif key == "data":
                            payload += value
                    if block.strip() and not block.startswith(":"):
                        self.on_event(self.index, t, name, json.loads(payload) if payload else {})
        finally:
            writer.close()


class Screens:
    """N clients on one server, and who has seen which (event, ticket) when."""

    def __init__(self, host: str, port: int, n: int) -> None:
        self.clients = [SseClient(host, port, "/api/events", self._on_event, i) for i in range(n)]
        self.n = n
        self.seen: dict[tuple[str, int], dict[int, float]] = {}
        self.waiters: dict[tuple[str, int], asyncio.Event] = {}
        self.frames: dict[str, dict[str, object]] = {}

    def _on_event(self, idx: int, t: float, name: str, data: dict[str, object]) -> None:
        self.frames.setdefault(name, data)
        tid = data.get("ticket_id")
        if not isinstance(tid, int):
            return
        key = (name, tid)
        got = self.seen.setdefault(key, {})
        got.setdefault(idx, t)
        if len(got) == self.n and key in self.waiters:
            self.waiters[key].set()

    async def start(self) -> None:
        await asyncio.gather(*(c.start() for c in self.clients))

    async def stop(self) -> None:
        await asyncio.gather(*(c.stop() for c in self.clients))

    async def all_saw(self, name: str, tid: int, timeout: float = 10.0) -> dict[int, float]:
        key = (name, tid)
        ev = self.waiters.setdefault(key, asyncio.Event())
        if len(self.seen.get(key, {})) == self.n:
            ev.set()
        try:
            await asyncio.wait_for(ev.wait(), timeout)
        except TimeoutError:
            raise TimeoutError(f"{name} {tid}: only {len(self.seen.get(key, {}))}/{self.n} clients") from None
        self.waiters.pop(key, None)
        return self.seen.pop(key)


# --- the bare servers (own process): HTTP SSE on one port, pokes on another ----------------------------

def serve_bare(pad: int, commit_db: str | None) -> None:
    """Run a baseline server; print its two ports on stdout; serve until stdin closes. With `commit_db`,
    each poke first commits one row to SQLite (WAL, synchronous=FULL, BEGIN IMMEDIATE), as a durable
    call-next must before anyone hears of it."""
    db = None
    if commit_db:
        db = sqlite3.connect(commit_db, isolation_level=None)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=FULL")
        db.execute("CREATE TABLE IF NOT EXISTS calls (id INTEGER PRIMARY KEY, ticket INTEGER, at TEXT)")

    async def serve() -> None:
        screens: list[asyncio.StreamWriter] = []
        seq = 0

        async def sse(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            await reader.readuntil(b"\r\n\r\n")
            writer.write(b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream; charset=utf-8\r\n"
                         b"cache-control: no-cache\r\ntransfer-encoding: chunked\r\n\r\n")
            await writer.drain()
            screens.append(writer)
            await reader.read()  # until the client goes
            screens.remove(writer)

        async def poke(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            nonlocal seq
            while True:
                try:
                    head = await reader.readuntil(b"\r\n\r\n")
                except (asyncio.IncompleteReadError, ConnectionError):
                    return
                tid = int(head.split(b" ", 2)[1].rsplit(b"/", 1)[1])
                if db is not None:
                    db.execute("BEGIN IMMEDIATE")
                    db.execute("INSERT INTO calls (ticket, at) VALUES (?, ?)", (tid, time.time()))
                    db.execute("COMMIT")
                seq += 1
                data = json.dumps({"ticket_id": tid, "pad": "x" * pad})
                body = f"event: ticket_called\nid: {seq}\ndata: {data}\n\n".encode()
                chunk = b"%x\r\n%s\r\n" % (len(body), body)
                for w in list(screens):
                    w.write(chunk)
                await asyncio.gather(*(w.drain() for w in list(screens)), return_exceptions=True)
                writer.write(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\r\n{}")
                await writer.drain()

        s1 = await asyncio.start_server(sse, "127.0.0.1", 0)
        s2 = await asyncio.start_server(poke, "127.0.0.1", 0)
        print(s1.sockets[0].getsockname()[1], s2.sockets[0].getsockname()[1], flush=True)
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)

    asyncio.run(serve())


class Bare:
    """A baseline server process with its screens and its trigger."""

    def __init__(self, name: str, pad: int, clients: int, commit_db: Path | None = None) -> None:
        self.name = name
        cmd = [sys.executable, __file__, "--serve-bare", str(pad)]
        if commit_db:
            cmd += ["--commit-db", str(commit_db)]
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        assert self.proc.stdout is not None
        sse_port, poke_port = map(int, self.proc.stdout.readline().split())
        self.screens = Screens("127.0.0.1", sse_port, clients)
        self.http = httpx.AsyncClient(base_url=f"http://127.0.0.1:{poke_port}", timeout=30)
        self.next_id = 1
        self.calls: list[Call] = []

    async def call(self) -> Call:
        tid, self.next_id = self.next_id, self.next_id + 1
        t_sent = time.perf_counter()
        r = await self.http.post(f"/poke/{tid}")
        t_ret = time.perf_counter()
        r.raise_for_status()
        got = await self.screens.all_saw("ticket_called", tid)
        return Call(t_sent, t_ret, list(got.values()))

    async def close(self) -> None:
        await self.screens.stop()
        await self.http.aclose()
        if self.proc.stdin:
            self.proc.stdin.close()
        self.proc.wait(5)


# --- the measurement ----------------------------------------------------------------------------------

async def measure(args: argparse.Namespace, tmp: Path) -> None:
    daemon = Daemon(tmp / "data", simulate=False, clock=CLOCK, env=dict(NO_DEVICES),
                    config=write_config(tmp, counters=1))
    daemon.start()
    bares: list[Bare] = []
    try:
        headers = api_headers(daemon.config, daemon.data_dir, daemon.env)
        ds = Screens("127.0.0.1", daemon.port, args.clients)
        await ds.start()
        async with httpx.AsyncClient(base_url=daemon.url, headers=headers, timeout=30) as http:

            async def daemon_call() -> Call:
                r = await http.post("/api/tickets", json={"category": "A"})
                r.raise_for_status()
                tid = r.json()["id"]
                await ds.all_saw("ticket_printed", tid)
                t_sent = time.perf_counter()
                r = await http.post("/api/counters/1/call-next")
                t_ret = time.perf_counter()
                r.raise_for_status()
                assert r.json()["id"] == tid, r.text
                got = await ds.all_saw("ticket_called", tid)
                (await http.post(f"/api/tickets/{tid}/cancel")).raise_for_status()
                await ds.all_saw("ticket_state_changed", tid)
                return Call(t_sent, t_ret, list(got.values()))

            for _ in range(5):  # warm-up; also captures a real ticket_called frame
                await daemon_call()
            frame = ds.frames["ticket_called"]
            pad = max(0, len(json.dumps(frame).encode()) - len(json.dumps(
                {"ticket_id": frame["ticket_id"], "pad": ""}).encode()))
            bares = [Bare("bare", pad, args.clients), Bare("bare+commit", pad, args.clients, tmp / "bare.db")]
            for b in bares:
                await b.screens.start()
                for _ in range(5):
                    await b.call()
            spy = start_profile(daemon.proc.pid, Path(args.profile)) if args.profile and daemon.proc else None
            d_calls: list[Call] = []
            for _ in range(max(1, args.calls // args.round)):
                for b in bares:
                    for _ in range(args.round):
                        b.calls.append(await b.call())
                for _ in range(args.round):
                    d_calls.append(await daemon_call())
            if spy is not None:
                stop_profile(spy)
        rss = vm_rss_mb(daemon.proc.pid) if daemon.proc else float("nan")
        await ds.stop()
    finally:
        for b in bares:
            await b.close()
        daemon.stop()

    report(d_calls, {b.name: b.calls for b in bares}, args, rss)
    if args.profile and daemon.proc:
        prof = Path(args.profile) / f"daemon-{daemon.proc.pid}.txt"
        print(f"profile of the daemon ({prof}), inclusive share of samples:")
        print("\n".join("  " + line for line in top_frames(prof, 40)))


def report(d_calls: list[Call], bare: dict[str, list[Call]], args: argparse.Namespace, rss: float) -> None:
    def rtt(cs: list[Call]) -> list[float]:
        return [c.returned - c.sent for c in cs]

    def after_return(cs: list[Call]) -> list[float]:
        return [t - c.returned for c in cs for t in c.received]

    def end_to_end(cs: list[Call]) -> list[float]:
        return [t - c.sent for c in cs for t in c.received]

    def spread(cs: list[Call]) -> list[float]:
        return [t - min(c.received) for c in cs for t in c.received]

    everyone = {**bare, "daemon": d_calls}
    print(f"display fan-out: {len(d_calls)} calls × {args.clients} SSE clients "
          f"(rounds of {args.round}, alternating {', '.join(everyone)})")
    for label, fn in (("trigger round trip", rtt), ("returned → client", after_return),
                      ("sent → client", end_to_end), ("first client → each", spread)):
        for name, cs in everyone.items():
            print(summary(f"{name}: {label}", fn(cs)))
    ar = after_return(d_calls)
    print("events read before the trigger returned: "
          + ", ".join(f"{n} {sum(x <= 0 for x in after_return(cs))}/{len(ar)}" for n, cs in everyone.items()))
    e2e = end_to_end(d_calls)
    p99 = max(pct(ar, 99), pct(e2e, 99))
    print(f"daemon p99: returned → client {pct(ar, 99) * 1000:.1f} ms, sent → client {pct(e2e, 99) * 1000:.1f} ms"
          f"  (target < {TARGET_P99 * 1000:.0f} ms)  {'OK' if p99 < TARGET_P99 else 'MISSED'}")
    for name, fn, base in (("sent → client", end_to_end, "bare+commit"), ("sent → client", end_to_end, "bare"),
                           ("first client → each", spread, "bare")):
        d, b = fn(d_calls), fn(bare[base])
        r99, r50 = pct(d, 99) / max(pct(b, 99), 1e-6), pct(d, 50) / max(pct(b, 50), 1e-6)
        print(f"ratio daemon / {base}, {name}: p99 {r99:.2f}  p50 {r50:.2f}  (target ≤ {TARGET_RATIO:g})  "
              f"{'OK' if r99 <= TARGET_RATIO else 'MISSED'}")
    print(f"daemon RSS after the run: {rss:.0f} MB")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--calls", type=int, default=200)
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--round", type=int, default=20, help="calls per alternating round")
    ap.add_argument("--profile", metavar="DIR", help="py-spy the daemon during the timed calls (collapsed stacks)")
    ap.add_argument("--quick", action="store_true", help="fewer calls (for bench/run.py --quick)")
    ap.add_argument("--serve-bare", type=int, metavar="PAD", help=argparse.SUPPRESS)
    ap.add_argument("--commit-db", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.serve_bare is not None:
        serve_bare(args.serve_bare, args.commit_db)
        return
    if args.quick:
        args.calls = min(args.calls, 40)
        args.round = min(args.round, 10)
    with tempfile.TemporaryDirectory() as d:
        asyncio.run(measure(args, Path(d)))


if __name__ == "__main__":
    main()
