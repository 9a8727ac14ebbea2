"""Structured logs: a daemon started with STATION_LOG_FORMAT=json writes one JSON object per line; every
line a request causes carries its request id (the client's X-Request-ID, answered back); the personal-data
filter still masks what it masked before."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import httpx
from fastapi import FastAPI
from fastapi.testclient import TestClient

from station.ops.logs import JsonFormatter, RequestIdMiddleware, configure
from tests.support.daemon import Daemon

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
    for text in (d.log_path.read_text(errors="replace"), logfile.read_text()):
        lines = [ln for ln in text.splitlines() if ln.startswith("{")]
        records = [json.loads(ln) for ln in lines]
        assert records and all({"ts", "level", "logger", "msg"} <= set(r) for r in records)
        access = [r for r in records if "probe=jsonlog" in r["msg"]]
        assert access and access[0]["request_id"] == "req-4711" and access[0]["logger"] == "uvicorn.access"
        assert any(r.get("request_id") == made.headers["x-request-id"] for r in records)
        assert A_NUMBER not in text  # the personal-data filter runs before the JSON formatter


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
