"""The queue's one view per read model: what it serialises, and who may import it."""

from __future__ import annotations

import ast
from datetime import UTC, date, datetime
from pathlib import Path

from station.services.queue_views import IssuedTicketView, TicketView

ROOT = Path(__file__).resolve().parents[2]


def _ticket() -> TicketView:
    return TicketView(
        id=7, number="A007", spoken="A 7", category="A", category_name_ja="交付", category_name_en="Card receipt",
        state="waiting", issued_at=datetime(2026, 12, 1, 1, 0, tzinfo=UTC), called_at=None, counter_id=None,
        recall_count=0, waiting_ahead=2, estimated_wait_min=9, printed=None, print_error=None,
        token="secret-token", business_date=date(2026, 12, 1),
    )


def test_the_token_travels_with_the_view_but_is_never_serialised() -> None:
    t = _ticket()
    assert t.token == "secret-token"
    assert "token" not in t.model_dump() and "secret-token" not in t.model_dump_json()


def test_an_issued_ticket_is_the_view_plus_its_status_url() -> None:
    t = _ticket()
    issued = IssuedTicketView.of(t, "https://office.example/t/secret-token")
    assert issued.model_dump() == {**t.model_dump(), "status_url": "https://office.example/t/secret-token"}
    assert issued.token == t.token


def _imports(path: Path) -> set[str]:
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            out.add(node.module)
        elif isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
    return out


def test_the_slip_and_the_views_do_not_import_the_queue_service() -> None:
    for rel in ("station/slips/ticket.py", "station/services/queue_views.py", "station/services/printing.py"):
        assert "station.services.queue" not in _imports(ROOT / rel), rel


def test_only_the_store_knows_the_dialect_for_the_queue_admin_and_app() -> None:
    for rel in ("station/services/queue.py", "station/services/admin.py", "station/services/printing.py",
                "station/app.py"):
        assert "postgresql" not in (ROOT / rel).read_text(encoding="utf-8"), rel
