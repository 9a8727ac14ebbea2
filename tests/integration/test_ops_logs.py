"""Structured logs: a daemon started with STATION_LOG_FORMAT=json writes one JSON object per line; every
line a request causes carries its request id (the client's X-Request-ID, answered back), and so does every
audit entry it writes; the personal-data filter still masks what it masked before."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import httpx
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import text

from station.app import Station
from station.ops.logs import JsonFormatter, RequestIdMiddleware, configure
from tests.support.daemon import Daemon
from web.app import create_app

NO_DEVICES = {f"STATION_DEVICES__{d}__CONNECTION": "none" for d in ("PRINTER", "BUTTON", "SCANNER", "CARD_READER")}
A_NUMBER = "123456789018"


def test_daemon_writes_json_lines_with_request_ids(tmp_path: Path) -> None:
    logfile = tmp_path / "station.jsonl"
    d = Daemon(tmp_path / "data", simulate=False,
               env={**NO_DEVICES, "STATION_LOG_FORMAT": "json", "STATION_LOG_FILE": str(logfile)}).start(timeout=90)
    try:
        r = httpx.get(f"{d.url}/api/health?probe=jsonlog", headers={"X-Request-ID": "req-4711"})
        assert r.status_code == 200 and r.headers["x-request-id"] == "req-4711"
        made = httpx.get(f"{d.url}/api/tickets/{A_NUMBER}")
        assert len(made.headers["x-request-id"]) == 16  # none given: one is made
    finally:
        d.stop()
    for written in (d.log_path.read_text(errors="replace"), logfile.read_text()):
        lines = [ln for ln in written.splitlines() if ln.startswith("{")]
        records = [json.loads(ln) for ln in lines]
        assert records and all({"ts", "level", "logger", "msg"} <= set(r) for r in records)
        access = [r for r in records if "probe=jsonlog" in r["msg"]]
        assert access and access[0]["request_id"] == "req-4711" and access[0]["logger"] == "uvicorn.access"
        assert any(r.get("request_id") == made.headers["x-request-id"] for r in records)
        assert A_NUMBER not in written  # the personal-data filter runs before the JSON formatter


def test_request_id_follows_the_request_into_worker_threads() -> None:
    app = FastAPI()
    seen: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            seen.append(record)

    logger = logging.getLogger("test.ops.rid")
    handler = Keep()
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False
    configure(logger, env={"STATION_LOG_FORMAT": "json"})

    @app.get("/x")
    def x() -> dict[str, str]:  # a plain def: FastAPI runs it in a worker thread
        logger.info("inside name=%s", "ヤマダ")
        return {}

    app.add_middleware(RequestIdMiddleware)
    with TestClient(app) as c:
        r = c.get("/x", headers={"X-Request-ID": "abc.123"})
        bad = c.get("/x", headers={"X-Request-ID": "no spaces allowed"})
    assert r.headers["x-request-id"] == "abc.123" and bad.headers["x-request-id"] != "no spaces allowed"
    assert [getattr(rec, "request_id", None) for rec in seen] == ["abc.123", bad.headers["x-request-id"]]
    line = json.loads(JsonFormatter().format(seen[0]))
    assert line["request_id"] == "abc.123" and "ヤマダ" not in line["msg"]
    logger.removeHandler(handler)


def test_audit_entries_carry_the_request_id(any_station: Station) -> None:
    """The same id on the answer, the log lines and the audit entries of one request."""
    with TestClient(create_app(any_station, manage_lifecycle=False)) as c:
        t = c.post("/api/tickets", json={"category": "A"}, headers={"X-Request-ID": "kiosk-0815"}).json()
        c.post("/api/counters/1/call-next")
    any_station.queue.issue("B", source="button")  # the dispenser button: no request behind it
    with any_station.engine.connect() as conn:
        rows = conn.execute(text("SELECT action, target, request_id FROM audit_log ORDER BY id")).all()
    by_action = {(a, tgt): rid for a, tgt, rid in rows}
    assert by_action[("ticket.issue", t["number"])] == "kiosk-0815"
    assert by_action[("ticket.call", t["number"])] not in (None, "kiosk-0815")  # its own request, its own id
    assert [rid for a, _, rid in rows if a == "ticket.issue"][-1] is None
