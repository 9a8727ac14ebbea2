"""What a running daemon writes to its log never holds an individual number (D-ALL-2), including
uvicorn's access lines, which pass through the same filter as the station's own messages."""

from __future__ import annotations

from pathlib import Path

import httpx

from tests.support.daemon import Daemon

NO_DEVICES = {f"STATION_DEVICES__{d}__CONNECTION": "none" for d in ("PRINTER", "BUTTON", "SCANNER", "CARD_READER")}
A_NUMBER = "123456789018"  # twelve digits, shaped like an individual number


def test_access_log_masks_twelve_digit_numbers(tmp_path: Path) -> None:
    d = Daemon(tmp_path / "data", simulate=False, env=NO_DEVICES).start()
    try:
        r = httpx.get(f"{d.url}/api/stock/cards/{A_NUMBER}", headers=d.supervisor_headers())
        assert r.status_code in (403, 404)  # refused or not found: either way the line is logged
        marker = httpx.get(f"{d.url}/api/health?probe=logcheck")
        assert marker.status_code == 200
    finally:
        d.stop()
    log = d.log_path.read_text(errors="replace")
    assert "probe=logcheck" in log  # the access log is really written through this handler
    assert "/api/stock/cards/" in log
    assert A_NUMBER not in log
