"""Bounded input and the headers every answer carries (issue 13, Medium 6 and Low 13), in process."""

from __future__ import annotations

import io

from station import messages
from tests.security.conftest import Office

JSON_LIMIT = 64 * 1024


def _tickets(office: Office) -> int:
    return len(office.station.queue.list())


def test_an_oversized_json_body_is_refused_before_it_is_read(office: Office) -> None:
    c = office.client()
    before = _tickets(office)
    big = b'{"category": "A", "pad": "' + b"x" * (JSON_LIMIT + 10) + b'"}'
    r = c.post("/api/tickets", content=big, headers={"Content-Type": "application/json"})
    assert r.status_code == 413
    ja, en = messages.both("security.body_too_large", limit_kb=64)
    assert r.json()["detail"]["message_ja"] == ja and r.json()["detail"]["message_en"] == en
    assert _tickets(office) == before  # nothing issued


def test_a_chunked_body_is_cut_off_at_the_limit(office: Office) -> None:
    """No Content-Length (chunked): counted as it arrives, refused once past the limit."""
    c = office.client()
    before = _tickets(office)

    def chunks():  # type: ignore[no-untyped-def]
        yield b'{"category": "A", "pad": "'
        for _ in range(40):
            yield b"x" * 4096
        yield b'"}'

    r = c.post("/api/tickets", content=chunks(), headers={"Content-Type": "application/json"})
    assert "content-length" not in {k.lower() for k in r.request.headers}
    assert r.status_code == 413
    assert _tickets(office) == before


def test_a_small_body_passes(office: Office) -> None:
    r = office.client().post("/api/tickets", json={"category": "A", "pad": "x" * 1000})
    assert r.status_code == 201


def test_the_csv_import_has_its_own_configured_limit(office: Office) -> None:
    """Bigger than a JSON call may be, smaller than `[server] max_import_bytes`: it reaches the import
    (which answers for the content); past the limit: 413."""
    office.station.settings.server.max_import_bytes = 256 * 1024
    c = office.client()
    h = office.headers("supervisor")
    mid = io.BytesIO(b"a,b\n" + b"1,2\n" * (100 * 1024 // 4))
    r = c.post("/api/stock/import", files={"file": ("list.csv", mid, "text/csv")}, headers=h)
    assert r.status_code != 413 and r.status_code < 500, r.text
    big = io.BytesIO(b"a,b\n" + b"1,2\n" * (300 * 1024 // 4))
    r = c.post("/api/stock/import", files={"file": ("list.csv", big, "text/csv")}, headers=h)
    assert r.status_code == 413
    assert r.json()["detail"]["message_ja"] == messages.text("security.body_too_large", "ja", limit_kb=256)


def test_security_headers_on_pages_and_api(office: Office) -> None:
    c = office.client()
    for path in ("/kiosk", "/display", "/login", "/api/health", "/api/tickets"):
        r = c.get(path)
        h = r.headers
        assert h["x-frame-options"] == "DENY", path
        assert h["x-content-type-options"] == "nosniff", path
        assert h["referrer-policy"] == "no-referrer", path
        csp = h["content-security-policy"]
        assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp and "'unsafe-inline'" not in \
            csp.split("script-src", 1)[1].split(";", 1)[0], path
        assert h["cache-control"] == "no-store", path


def test_the_inline_script_carries_the_requests_nonce(office: Office) -> None:
    r = office.client().get("/kiosk")
    nonce = r.headers["content-security-policy"].split("'nonce-", 1)[1].split("'", 1)[0]
    assert f'<script nonce="{nonce}">window.LANG' in r.text
    assert office.client().get("/kiosk").headers["content-security-policy"] != r.headers["content-security-policy"]


def test_personal_data_answers_are_not_cached(office: Office) -> None:
    c = office.client()
    for path in ("/api/phone/calls", "/api/cases", "/api/handovers", "/api/audit", "/api/auth/me"):
        for who in ("city_staff", "supervisor", "clerk"):
            r = c.get(path, headers=office.headers(who))
            assert r.headers.get("cache-control") == "no-store", (path, who, r.status_code)


def test_static_files_may_be_cached(office: Office) -> None:
    r = office.client().get("/static/css/base.css")
    assert r.status_code == 200 and r.headers.get("cache-control") != "no-store"
    assert r.headers["x-content-type-options"] == "nosniff"


def test_login_429_says_when_to_retry(office: Office) -> None:
    c = office.client()
    limit = office.station.settings.security.login_max_failures
    for _ in range(limit):
        assert c.post("/api/auth/login", json={"name": "supervisor", "password": "wrong-one"}).status_code == 401
    r = c.post("/api/auth/login", json={"name": "supervisor", "password": "wrong-one"})
    assert r.status_code == 429
    assert int(r.headers["retry-after"]) == office.station.settings.security.login_window_minutes * 60


def test_the_scanner_simulator_refuses_what_no_scanner_sends(office: Office) -> None:
    """Non-ASCII text was a UnicodeEncodeError (500); a real scanner sends printable ASCII only."""
    c = office.client(("127.0.0.1", 5000))
    for text in ("番号", "é", "\x00", "１２３"):
        r = c.post("/api/sim/scanner", json={"text": text})
        assert r.status_code == 422, (text, r.status_code)
