"""Table tests of the document-set check (D-DOC-1..5, D-DOC-8) and of the procedures catalog."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pytest

from station.domain.card_record import CardRecord, NoticeType
from station.domain.documents import (
    DEFAULT_RULES,
    Kind,
    Presented,
    Who,
    all_presented,
    check_documents,
    checklist,
)
from station.procedures_catalog import CatalogError, load_catalog

TODAY = date(2026, 12, 1)


def rec(**kw: object) -> CardRecord:
    base = dict(
        manufacturing_no="M000000001", notice_no="AB1-234562", application_id="APP1",
        name_kana="テスト タロウ", birth_date=date(1980, 5, 5), application_date=date(2026, 9, 1),
        notice_type=NoticeType.NOTIFICATION_CARD, is_renewal=False, has_juki_card=False, delivery_lot="L1",
        receipt_deadline=date(2027, 2, 28),
    )
    base.update(kw)
    return CardRecord(**base)  # type: ignore[arg-type]


HOLDER_DOCS = frozenset({"notice", "notification_card"})
LICENCE = ("driving_licence",)


@dataclass
class Case:
    name: str
    record: CardRecord
    presented: Presented
    complete: bool
    problems: dict[str, Kind] = field(default_factory=dict)
    escalations: int = 0
    text: str = ""  # a phrase the first problem or escalation must contain (Japanese)
    today: date = TODAY


P = Presented
CASES = [
    # --- D-DOC-1 notice -----------------------------------------------------------------------------
    Case("all present, first card", rec(), P(HOLDER_DOCS, LICENCE), True),
    Case("notice missing", rec(), P(frozenset({"notification_card"}), LICENCE), False,
         {"notice": Kind.MISSING}, text="交付通知書"),
    Case("notice only a copy", rec(), P(HOLDER_DOCS, LICENCE, copies=frozenset({"notice"})), False,
         {"notice": Kind.INVALID}, text="コピー"),
    # --- D-DOC-2 identity document -------------------------------------------------------------------
    Case("no ID document", rec(), P(HOLDER_DOCS, ()), False, {"holder_id": Kind.MISSING}, text="本人確認書類"),
    Case("ID is a copy", rec(), P(HOLDER_DOCS, LICENCE, copies=frozenset({"holder_id"})), False,
         {"holder_id": Kind.INVALID}, text="原本"),
    Case("passport alone", rec(), P(HOLDER_DOCS, ("passport",)), True),
    Case("residence card alone", rec(), P(HOLDER_DOCS, ("residence_card",)), True),
    Case("one non-photo ID", rec(), P(HOLDER_DOCS, ("health_insurance",)), False,
         {"holder_id": Kind.INVALID}, text="2点"),
    Case("two non-photo IDs", rec(), P(HOLDER_DOCS, ("health_insurance", "pension_book")), True),
    Case("the same non-photo ID twice counts once", rec(), P(HOLDER_DOCS, ("pension_book", "pension_book")), False,
         {"holder_id": Kind.INVALID}),
    Case("unknown ID kind", rec(), P(HOLDER_DOCS, ("library_card",)), False, {"holder_id": Kind.INVALID},
         text="認められない"),
    Case("non-photo plus photo", rec(), P(HOLDER_DOCS, ("student_card", "passport")), True),
    # --- D-DOC-3 notification card / loss report / number notice ------------------------------------
    Case("notification card lost, loss report", rec(), P(frozenset({"notice", "loss_report"}), LICENCE), True),
    Case("notification card missing", rec(), P(frozenset({"notice"}), LICENCE), False,
         {"notification_card": Kind.MISSING}, text="紛失届"),
    Case("notification card only a copy", rec(), P(HOLDER_DOCS, LICENCE, copies=frozenset({"notification_card"})),
         False, {"notification_card": Kind.INVALID}, text="コピー"),
    Case("個人番号通知書 instead of 通知カード (number-notice holder)",
         rec(notice_type=NoticeType.NUMBER_NOTICE), P(frozenset({"notice", "number_notice"}), LICENCE), True),
    Case("number-notice holder, lost it, loss report", rec(notice_type=NoticeType.NUMBER_NOTICE),
         P(frozenset({"notice", "loss_report"}), LICENCE), True),
    Case("number-notice holder brings nothing", rec(notice_type=NoticeType.NUMBER_NOTICE),
         P(frozenset({"notice"}), LICENCE), False, {"number_notice": Kind.MISSING}, text="個人番号通知書"),
    # the seed: 「通知カード（紛失の場合は紛失届）又は個人番号通知書」 — whichever the visitor brings (issue 12)
    Case("notification-card holder brings a 個人番号通知書", rec(),
         P(frozenset({"notice", "number_notice"}), LICENCE), True),
    Case("number-notice holder brings a 通知カード", rec(notice_type=NoticeType.NUMBER_NOTICE),
         P(frozenset({"notice", "notification_card"}), LICENCE), True),
    Case("both notification card and loss report", rec(),
         P(frozenset({"notice", "notification_card", "loss_report"}), LICENCE), True),
    # --- D-DOC-4 住基カード -----------------------------------------------------------------------------
    Case("住基カード holder brings it", rec(has_juki_card=True),
         P(HOLDER_DOCS | {"juki_card"}, LICENCE), True),
    Case("住基カード holder without it", rec(has_juki_card=True), P(HOLDER_DOCS, LICENCE), False,
         {"juki_card": Kind.MISSING}, text="住民基本台帳カード"),
    Case("no 住基カード on record: none needed", rec(has_juki_card=False), P(HOLDER_DOCS, LICENCE), True),
    Case("住基カード brought but none on record: complete, with a note", rec(),
         P(HOLDER_DOCS | {"juki_card"}, LICENCE), True),
    # --- D-DOC-5 renewal -----------------------------------------------------------------------------
    Case("renewal with the old card", rec(is_renewal=True),
         P(frozenset({"notice", "current_card", "notification_card"}), LICENCE), True),
    Case("renewal without the old card", rec(is_renewal=True), P(frozenset({"notice", "notification_card"}),
                                                                 LICENCE), False,
         {"current_card": Kind.MISSING}, text="マイナンバーカード"),
    Case("renewal needs the number document too (the seed lists it, issue 12)", rec(is_renewal=True),
         P(frozenset({"notice", "current_card"}), LICENCE), False, {"notification_card": Kind.MISSING}),
    Case("old card presented on a first issuance: not needed", rec(),
         P(HOLDER_DOCS | {"current_card"}, LICENCE), True),
    Case("renewal, 住基カード held, both brought", rec(is_renewal=True, has_juki_card=True),
         P(frozenset({"notice", "current_card", "juki_card", "loss_report"}), LICENCE), True),
    Case("renewal, nothing but the notice and ID", rec(is_renewal=True, has_juki_card=True),
         P(frozenset({"notice"}), LICENCE), False, {"current_card": Kind.MISSING, "juki_card": Kind.MISSING,
                                                    "notification_card": Kind.MISSING}),
    # --- D-DOC-8 proxy -------------------------------------------------------------------------------
    Case("proxy, illness, proof, delegation, proxy ID", rec(),
         P(HOLDER_DOCS | {"proxy_proof", "delegation"}, LICENCE, Who.PROXY, "illness", ("passport",)), True),
    Case("proxy for work", rec(),
         P(HOLDER_DOCS | {"proxy_proof", "delegation"}, LICENCE, Who.PROXY, "work", ("passport",)), False,
         {"proxy_reason": Kind.INVALID}, text="代理人の理由が「仕事のため」: 就業等のため"),
    Case("proxy for housework", rec(),
         P(HOLDER_DOCS | {"delegation"}, LICENCE, Who.PROXY, "busy", ("passport",)), False,
         {"proxy_reason": Kind.INVALID}),
    Case("proxy without a reason", rec(),
         P(HOLDER_DOCS | {"proxy_proof", "delegation"}, LICENCE, Who.PROXY, None, ("passport",)), False,
         {"proxy_reason": Kind.MISSING}),
    Case("proxy, accepted reason, no 疎明資料", rec(),
         P(HOLDER_DOCS | {"delegation"}, LICENCE, Who.PROXY, "hospital", ("passport",)), False,
         {"proxy_proof": Kind.MISSING}, text="疎明資料"),
    Case("proxy without the delegation", rec(),
         P(HOLDER_DOCS | {"proxy_proof"}, LICENCE, Who.PROXY, "pregnancy", ("passport",)), False,
         {"delegation": Kind.MISSING}),
    Case("proxy without own ID", rec(),
         P(HOLDER_DOCS | {"proxy_proof", "delegation"}, LICENCE, Who.PROXY, "old_age", ()), False,
         {"proxy_id": Kind.MISSING}, text="代理人"),
    Case("proxy without the holder's ID", rec(),
         P(HOLDER_DOCS | {"proxy_proof", "delegation"}, (), Who.PROXY, "illness", ("passport",)), False,
         {"holder_id": Kind.MISSING}),
    Case("proxy, 'other' reason: city staff decide", rec(),
         P(HOLDER_DOCS | {"proxy_proof", "delegation"}, LICENCE, Who.PROXY, "other", ("passport",)), False,
         escalations=1, text="本市職員が判断"),
    Case("proxy with an unknown reason code", rec(),
         P(HOLDER_DOCS | {"proxy_proof", "delegation"}, LICENCE, Who.PROXY, "bored", ("passport",)), False,
         {"proxy_reason": Kind.MISSING}),
    Case("proxy with a copied proof", rec(),
         P(HOLDER_DOCS | {"proxy_proof", "delegation"}, LICENCE, Who.PROXY, "illness", ("passport",),
           copies=frozenset({"proxy_proof"})), False, {"proxy_proof": Kind.INVALID}),
    # --- D-DOC-8 under 15 ----------------------------------------------------------------------------
    Case("age 14 (15th birthday tomorrow) without guardian", rec(birth_date=date(2011, 12, 2)),
         P(HOLDER_DOCS, ("student_card", "health_insurance")), False, {"guardian": Kind.MISSING}, text="保護者"),
    Case("age 15 on the birthday: no guardian needed", rec(birth_date=date(2011, 12, 1)),
         P(HOLDER_DOCS, ("student_card", "health_insurance")), True),
    Case("age 14 with guardian and guardian's ID", rec(birth_date=date(2011, 12, 2)),
         P(HOLDER_DOCS, ("student_card", "health_insurance"), guardian_present=True,
           guardian_ids=("driving_licence",)), True),
    Case("guardian without ID", rec(birth_date=date(2015, 4, 1)),
         P(HOLDER_DOCS, ("student_card", "health_insurance"), guardian_present=True), False,
         {"guardian_id": Kind.MISSING}, text="保護者の本人確認書類"),
    Case("guardian with a copied ID", rec(birth_date=date(2015, 4, 1)),
         P(HOLDER_DOCS, ("student_card", "health_insurance"), guardian_present=True,
           guardian_ids=("driving_licence",), copies=frozenset({"guardian_id"})), False,
         {"guardian_id": Kind.INVALID}),
    Case("guardian with one non-photo ID", rec(birth_date=date(2015, 4, 1)),
         P(HOLDER_DOCS, ("student_card", "health_insurance"), guardian_present=True,
           guardian_ids=("pension_book",)), False, {"guardian_id": Kind.INVALID}),
    Case("baby (age 0) with guardian", rec(birth_date=date(2026, 6, 1), notice_type=NoticeType.NUMBER_NOTICE),
         P(frozenset({"notice", "number_notice"}), ("health_insurance", "other_non_photo"), guardian_present=True,
           guardian_ids=("passport",)), True),
    Case("born on 29 Feb, 15 on 1 Mar of a common year",
         rec(birth_date=date(2012, 2, 29), receipt_deadline=date(2027, 6, 1)),
         P(HOLDER_DOCS, ("student_card", "health_insurance")), True, today=date(2027, 3, 1)),
    Case("born on 29 Feb, still 14 on 28 Feb",
         rec(birth_date=date(2012, 2, 29), receipt_deadline=date(2027, 6, 1)),
         P(HOLDER_DOCS, ("student_card", "health_insurance")), False, {"guardian": Kind.MISSING},
         today=date(2027, 2, 28)),
    Case("under 15 by proxy: city staff check", rec(birth_date=date(2015, 4, 1)),
         P(HOLDER_DOCS | {"proxy_proof", "delegation"}, ("health_insurance", "pension_book"), Who.PROXY, "hospital",
           ("passport",)), False, escalations=1, text="15歳未満"),
    # --- others ------------------------------------------------------------------------------------
    Case("receipt deadline passed", rec(receipt_deadline=date(2026, 11, 30)), P(HOLDER_DOCS, LICENCE), False,
         escalations=1, text="受取期限"),
    Case("receipt deadline is today: fine", rec(receipt_deadline=TODAY), P(HOLDER_DOCS, LICENCE), True),
    Case("birth date unknown: city staff check", rec(birth_date=None), P(HOLDER_DOCS, LICENCE), False,
         escalations=1, text="生年月日"),
    Case("nothing presented at all", rec(has_juki_card=True), P(), False,
         {"notice": Kind.MISSING, "holder_id": Kind.MISSING, "notification_card": Kind.MISSING,
          "juki_card": Kind.MISSING}),
]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_check_documents(case: Case) -> None:
    v = check_documents(case.record, case.presented, case.today)
    assert v.complete is case.complete, (v.problems, v.escalations)
    assert {p.item: p.kind for p in v.problems} == case.problems
    assert len(v.escalations) == case.escalations
    for p in v.problems:
        assert p.ja and p.en and p.ja != p.en
    if case.text:
        first = (v.problems[0].ja if v.problems else v.escalations[0].ja)
        assert case.text in first, first
    if v.complete:
        assert "notice" in v.collected and "receipt_copy" in v.collected
    else:
        assert v.collected == ()


def test_at_least_forty_cases() -> None:
    assert len(CASES) >= 40


def test_collected_documents_follow_the_record() -> None:
    v = check_documents(rec(has_juki_card=True), P(HOLDER_DOCS | {"juki_card"}, LICENCE), TODAY)
    assert v.collected == ("notice", "notification_card", "juki_card", "check_sheet", "receipt_copy")
    v = check_documents(rec(), P(frozenset({"notice", "loss_report"}), LICENCE), TODAY)
    assert "loss_report" in v.collected
    v = check_documents(rec(notice_type=NoticeType.NUMBER_NOTICE), P(frozenset({"notice", "number_notice"}),
                                                                         LICENCE), TODAY)
    assert "number_notice" not in v.collected  # 個人番号通知書 is shown, not kept
    v = check_documents(rec(is_renewal=True), P(frozenset({"notice", "current_card", "notification_card"}),
                                                LICENCE), TODAY)
    assert "current_card" in v.collected


def test_juki_note_when_not_on_record() -> None:
    v = check_documents(rec(), P(HOLDER_DOCS | {"juki_card"}, LICENCE), TODAY)
    assert v.complete and v.notes and "住基カード" in v.notes[0][0]


def test_checklist_follows_the_record() -> None:
    items = [r.item for r in checklist(rec(), TODAY)]
    assert items == ["notice", "holder_id", "notification_card"]
    items = [r.item for r in checklist(rec(is_renewal=True, has_juki_card=True), TODAY)]
    assert items == ["notice", "holder_id", "notification_card", "juki_card", "current_card"]
    items = [r.item for r in checklist(rec(birth_date=date(2012, 1, 1)), TODAY)]
    assert items[-2:] == ["guardian", "guardian_id"]
    items = [r.item for r in checklist(rec(), TODAY, Who.PROXY)]
    assert {"proxy_reason", "proxy_proof", "delegation", "proxy_id"} <= set(items)
    [num] = [r for r in checklist(rec(notice_type=NoticeType.NUMBER_NOTICE), TODAY) if r.rule == "D-DOC-3"]
    assert num.item == "number_notice" and num.alternatives == ("notification_card", "loss_report")
    assert num.ja == "通知カード（紛失の場合は紛失届）又は個人番号通知書"


@pytest.mark.parametrize("record", [rec(), rec(is_renewal=True, has_juki_card=True),
                                    rec(birth_date=date(2013, 1, 1), notice_type=NoticeType.NUMBER_NOTICE)])
def test_all_presented_is_complete(record: CardRecord) -> None:
    assert check_documents(record, all_presented(record, TODAY), TODAY).complete


def test_renewal_rule_is_data() -> None:
    rules = dataclasses.replace(DEFAULT_RULES, renewal_needs_number_document=False)  # a city relaxes it
    v = check_documents(rec(is_renewal=True), P(frozenset({"notice", "current_card"}), LICENCE), TODAY, rules)
    assert v.complete
    rules = dataclasses.replace(DEFAULT_RULES, guardian_under_age=18)
    v = check_documents(rec(birth_date=date(2010, 1, 1)), P(HOLDER_DOCS, LICENCE), TODAY, rules)
    assert {p.item for p in v.problems} == {"guardian"}


# --- the catalog ---------------------------------------------------------------------------------------

def test_shipped_catalog_is_valid_and_matches_the_default_rules() -> None:
    cat = load_catalog()
    assert cat.document_rules() == DEFAULT_RULES
    codes = {p.code for p in cat.procedures}
    assert {"issuance", "insurance", "cert_renewal", "pin_reset", "card_cancel", "card_change", "preprint",
            "application_support", "inquiry"} <= codes
    assert cat.default_procedure("A").code == "issuance"
    assert cat.default_procedure("D").code == "insurance"
    assert {"complaint", "integrated_terminal", "jlis_inquiry", "police", "card_change",
            "preprint"} <= {r.code for r in cat.handover_reasons}


def _write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "procedures.toml"
    p.write_text(text, encoding="utf-8")
    return p


def test_catalog_errors_name_the_file_and_the_key(tmp_path: Path) -> None:
    src = load_catalog.__globals__["DEFAULT_CATALOG"].read_text(encoding="utf-8")
    bad = src.replace('flow = "issuance"\ncategories = ["A"]\nsteps = [\n  { code = "notice"',
                      'flow = "issuance"\ncategories = ["A"]\nsteps = [\n  { code = "Notice!"', 1)
    assert bad != src
    with pytest.raises(CatalogError) as e:
        load_catalog(_write(tmp_path, bad))
    msg = str(e.value)
    assert str(tmp_path / "procedures.toml") in msg and "procedures.0.steps.0.code" in msg

    bad = src.replace('handover_reason = "preprint"', 'handover_reason = "nowhere"')
    with pytest.raises(CatalogError, match="handover_reason"):
        load_catalog(_write(tmp_path, bad))
    bad = src.replace('why_ja = "就業等', 'whyja = "就業等')
    with pytest.raises(CatalogError, match=r"proxy_reasons\.7"):
        load_catalog(_write(tmp_path, bad))
    with pytest.raises(CatalogError, match="書式"):
        load_catalog(_write(tmp_path, "procedures = [\n"))
    with pytest.raises(CatalogError, match="not found"):
        load_catalog(tmp_path / "nope.toml")
