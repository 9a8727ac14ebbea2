"""The case flow as a supervisor reads it: step order, which step may run, what a card tap does — and that
the rule module (and the certificate rule) import nothing but the standard library and the domain."""

from __future__ import annotations

import ast
from pathlib import Path

from station.domain import case_flow as f

ROOT = Path(__file__).resolve().parents[2]


def test_renewal_adds_the_old_card_after_the_new() -> None:
    order = f.step_order("issuance", True, [])
    assert order[order.index("card_tap") + 1] == "old_card_tap"
    assert "old_card_tap" not in f.step_order("issuance", False, [])
    assert f.step_order("simple", False, ["a", "b"]) == ["a", "b"]


def test_issuance_is_strict_with_two_exceptions() -> None:
    order = f.step_order("issuance", True, [])
    done = {"notice", "documents"}
    assert f.step_refusal("awaiting_staff", "issuance", order, done, "juki_check") is None
    kind, msg, extra = f.step_refusal("open", "issuance", order, done, "explained")  # type: ignore[misc]
    assert (kind, msg.code, extra) == ("conflict", "cases.do_first", {"next_step": "staff_check"})
    done |= {"staff_check", "juki_check"}
    assert f.step_refusal("open", "issuance", order, done, "old_card_tap") is None
    assert f.step_refusal("closed", "issuance", order, done, "card_tap")[1].code == "cases.closed"  # type: ignore[index]
    assert f.step_refusal("handed_over", "issuance", order, done, "card_tap")[1].code == "cases.with_staff"  # type: ignore[index]


def test_free_flows_tick_in_any_order_then_complete() -> None:
    assert f.step_refusal("open", "simple", ["a", "b"], set(), "b") is None
    assert f.step_refusal("open", "simple", ["a", "b"], set(), "x")[0] == "invalid"  # type: ignore[index]
    assert f.next_step("open", "simple", ["a", "b"], {"a", "b"}) == "complete"
    assert f.next_step("open", "issuance", ["a"], {"a"}) is None


def test_tap_outcomes() -> None:
    assert f.tap_outcome("issuance", "card_tap", False, {"cert_state": "expired"}).refusal is not None
    assert f.tap_outcome("issuance", "old_card_tap", False, {"cert_state": "valid"}).refusal.code == "cases.not_renewal"  # type: ignore[union-attr]
    out = f.tap_outcome("insurance", "card_tap", False, {"cert_state": "expired", "expires_on": "2026-01-01"})
    assert (out.close_with, out.slip, out.slip_params["expired"]) == ("renewal_first", "renewal", True)
    out = f.tap_outcome("insurance", "card_tap", False, {"cert_state": "valid", "locked_pins": ["sign", "auth"]})
    assert (out.close_with, out.slip_params) == ("pin_reset_first", {"locked": ["auth"]})
    out = f.tap_outcome("insurance", "card_tap", False, {"cert_state": "renew_soon"})
    assert out.close_with is None and out.renewal_guidance and out.slip == "renewal"
    assert f.tap_outcome("insurance", "card_tap", False, {"cert_state": "unknown"}).refusal is not None


def test_case_rules_import_no_driver_store_or_web() -> None:
    for rel in ("station/domain/case_flow.py", "station/domain/certificate.py"):
        tree = ast.parse((ROOT / rel).read_text(encoding="utf-8"))
        mods = {n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
        mods |= {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
        bad = {m for m in mods if m.split(".")[0] in ("drivers", "web", "sqlalchemy", "smartcard")
               or m.startswith(("station.store", "station.services"))}
        assert not bad, f"{rel} imports {bad}"
