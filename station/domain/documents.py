"""The document set for receiving a card (D-DOC-1..5, D-DOC-8): what must be presented, and is it there?

Pure: the card record, what the clerk ticked and today's date come in; a `Verdict` comes out with either
"complete" or every missing/invalid item and why (Japanese first, English beside it), and anything that
city staff must decide (escalations). The catalog (config/procedures.toml) supplies `DocumentRules`;
`DEFAULT_RULES` equals what ships there, so tests and callers without a catalog see the same rules.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date

from station.domain.card_record import CardRecord, NoticeType, age_on


class Who(enum.StrEnum):
    HOLDER = "holder"  # the card's holder came (with a guardian when under 15)
    PROXY = "proxy"    # 代理人


@dataclass(frozen=True)
class IdKind:
    code: str
    ja: str
    en: str
    photo: bool


@dataclass(frozen=True)
class ProxyReason:
    code: str
    ja: str
    en: str
    accepted: bool
    escalate: bool = False
    proof_ja: str = ""
    why_ja: str = ""
    why_en: str = ""


@dataclass(frozen=True)
class DocName:
    ja: str
    en: str
    collected: bool = False


@dataclass(frozen=True)
class DocumentRules:
    documents: dict[str, DocName]
    id_kinds: dict[str, IdKind]
    proxy_reasons: dict[str, ProxyReason]
    guardian_under_age: int = 15
    non_photo_ids_needed: int = 2
    # The seed lists the number document (D-DOC-3) for every receipt, renewals included; a city may relax it.
    renewal_needs_number_document: bool = True


@dataclass(frozen=True)
class Presented:
    """What the clerk saw. Documents by code; identity documents as lists of id kinds (originals)."""

    documents: frozenset[str] = frozenset()
    holder_ids: tuple[str, ...] = ()
    who: Who = Who.HOLDER
    proxy_reason: str | None = None
    proxy_ids: tuple[str, ...] = ()
    guardian_present: bool = False
    guardian_ids: tuple[str, ...] = ()
    # Anything shown only as a photocopy (a document code, or "holder_id" / "proxy_id" / "guardian_id").
    copies: frozenset[str] = frozenset()


class Kind(enum.StrEnum):
    MISSING = "missing"
    INVALID = "invalid"


@dataclass(frozen=True)
class Problem:
    item: str
    kind: Kind
    ja: str
    en: str


@dataclass(frozen=True)
class Escalation:
    code: str  # a handover reason in the catalog
    ja: str
    en: str


@dataclass(frozen=True)
class Required:
    """One line of the checklist the panel shows (D-DOC-1..5, D-DOC-8)."""

    item: str
    ja: str
    en: str
    rule: str  # D-DOC-n
    alternatives: tuple[str, ...] = ()


@dataclass(frozen=True)
class Verdict:
    complete: bool
    required: tuple[Required, ...]
    problems: tuple[Problem, ...] = ()
    escalations: tuple[Escalation, ...] = ()
    age: int | None = None
    under_guardian_age: bool = False
    notes: tuple[tuple[str, str], ...] = ()
    # Documents kept for the end-of-day handover to city staff when the card is issued (D-BO-6).
    collected: tuple[str, ...] = field(default=())

    def missing_items(self) -> list[str]:
        return [p.item for p in self.problems]

    def as_dict(self) -> dict[str, object]:
        return {
            "complete": self.complete,
            "required": [{"item": r.item, "ja": r.ja, "en": r.en, "rule": r.rule,
                          "alternatives": list(r.alternatives)} for r in self.required],
            "problems": [{"item": p.item, "kind": p.kind.value, "ja": p.ja, "en": p.en} for p in self.problems],
            "escalations": [{"code": e.code, "ja": e.ja, "en": e.en} for e in self.escalations],
            "under_guardian_age": self.under_guardian_age,
            "notes": [{"ja": ja, "en": en} for ja, en in self.notes],
            "collected": list(self.collected),
        }


NUMBER_DOCS = ("notification_card", "loss_report", "number_notice")


def _doc(rules: DocumentRules, code: str) -> DocName:
    return rules.documents.get(code) or DocName(code, code)


def number_document_options(record: CardRecord) -> tuple[str, ...]:
    """D-DOC-3 (seed: 「通知カード（紛失の場合は紛失届）又は個人番号通知書」): any one of them, whichever the
    visitor brings; the one this holder was sent comes first (it names the checklist line)."""
    if record.notice_type is NoticeType.NUMBER_NOTICE:
        return ("number_notice", "notification_card", "loss_report")
    return ("notification_card", "number_notice", "loss_report")


def _number_document_name(rules: DocumentRules) -> tuple[str, str]:
    card, notice = _doc(rules, "notification_card"), _doc(rules, "number_notice")
    return (f"{card.ja}（紛失の場合は紛失届）又は{notice.ja}",
            f"{card.en} (or a loss report if lost) or {notice.en}")


def checklist(record: CardRecord, today: date, who: Who = Who.HOLDER,
              rules: DocumentRules | None = None) -> tuple[Required, ...]:
    """The documents this visitor must present, in the order the clerk checks them."""
    rules = rules or DEFAULT_RULES
    out = [Required("notice", *_names(rules, "notice"), "D-DOC-1")]
    out.append(Required("holder_id", "ご本人の本人確認書類（原本）", "holder's identity document (original)",
                        "D-DOC-2"))
    if not record.is_renewal or rules.renewal_needs_number_document:
        opts = number_document_options(record)
        out.append(Required(opts[0], *_number_document_name(rules), "D-DOC-3", alternatives=opts[1:]))
    if record.has_juki_card:
        out.append(Required("juki_card", *_names(rules, "juki_card"), "D-DOC-4"))
    if record.is_renewal:
        out.append(Required("current_card", *_names(rules, "current_card"), "D-DOC-5"))
    if who is Who.PROXY:
        out.append(Required("proxy_reason", "代理受取の理由", "reason for a proxy", "D-DOC-8"))
        out.append(Required("proxy_proof", *_names(rules, "proxy_proof"), "D-DOC-8"))
        out.append(Required("delegation", *_names(rules, "delegation"), "D-DOC-8"))
        out.append(Required("proxy_id", "代理人の本人確認書類（原本）", "proxy's identity document (original)",
                            "D-DOC-8"))
    age = age_on(record.birth_date, today) if record.birth_date else None
    if age is not None and age < rules.guardian_under_age and who is Who.HOLDER:
        out.append(Required("guardian", "保護者の同伴", "a guardian comes too", "D-DOC-8"))
        out.append(Required("guardian_id", "保護者の本人確認書類（原本）", "guardian's identity document (original)",
                            "D-DOC-8"))
    return tuple(out)


def _names(rules: DocumentRules, code: str) -> tuple[str, str]:
    d = _doc(rules, code)
    return d.ja, d.en


def _check_ids(rules: DocumentRules, ids: tuple[str, ...], item: str, whose_ja: str, whose_en: str,
               copies: frozenset[str]) -> list[Problem]:
    if item in copies:
        return [Problem(item, Kind.INVALID, f"{whose_ja}の本人確認書類がコピーです。原本が必要です",
                        f"the {whose_en} identity document is a copy; the original is needed")]
    if not ids:
        return [Problem(item, Kind.MISSING, f"{whose_ja}の本人確認書類（原本）がありません",
                        f"the {whose_en} identity document (original) is missing")]
    unknown = [c for c in ids if c not in rules.id_kinds]
    if unknown:
        return [Problem(item, Kind.INVALID, f"本人確認書類として認められない書類です（{', '.join(unknown)}）",
                        f"not an accepted identity document ({', '.join(unknown)})")]
    kinds = [rules.id_kinds[c] for c in dict.fromkeys(ids)]  # the same document twice counts once
    if any(k.photo for k in kinds):
        return []
    need = rules.non_photo_ids_needed
    if len(kinds) >= need:
        return []
    return [Problem(item, Kind.INVALID,
                    f"{whose_ja}の本人確認書類: 写真のない書類は{need}点必要です（{len(kinds)}点のみ）",
                    f"{whose_en} identity: {need} documents without a photo are needed (only {len(kinds)})")]


def check_documents(record: CardRecord, presented: Presented, today: date,
                    rules: DocumentRules | None = None) -> Verdict:
    """Is the document set complete for handing this card over today? (D-DOC-1..5, D-DOC-8)."""
    rules = rules or DEFAULT_RULES
    docs = presented.documents
    copies = presented.copies
    problems: list[Problem] = []
    escalations: list[Escalation] = []
    notes: list[tuple[str, str]] = []
    collected: list[str] = []

    def need_doc(code: str, rule_ja: str, rule_en: str) -> bool:
        name = _doc(rules, code)
        if code in copies:
            problems.append(Problem(code, Kind.INVALID, f"{name.ja}がコピーです。原本をお持ちください",
                                    f"the {name.en} is a copy; bring the original"))
            return False
        if code not in docs:
            problems.append(Problem(code, Kind.MISSING, f"{name.ja}がありません{rule_ja}",
                                    f"the {name.en} is missing{rule_en}"))
            return False
        return True

    # D-DOC-1
    if need_doc("notice", "", ""):
        collected.append("notice")
    # D-DOC-2: the holder's own ID, also when a proxy comes (the proxy brings it)
    problems += _check_ids(rules, presented.holder_ids, "holder_id", "ご本人", "holder's", copies)
    # D-DOC-3
    if not record.is_renewal or rules.renewal_needs_number_document:
        opts = number_document_options(record)
        shown = [c for c in opts if c in docs and c not in copies]
        if shown:
            first = shown[0]
            if _doc(rules, first).collected:
                collected.append(first)
        else:
            main = _doc(rules, opts[0])
            if any(c in copies for c in opts):
                problems.append(Problem(opts[0], Kind.INVALID, f"{main.ja}がコピーです。原本をお持ちください",
                                        f"the {main.en} is a copy; bring the original"))
            else:
                card, notice = _doc(rules, "notification_card"), _doc(rules, "number_notice")
                problems.append(Problem(opts[0], Kind.MISSING,
                                        f"{card.ja}又は{notice.ja}がありません（紛失した場合は紛失届が必要です）",
                                        f"neither the {card.en} nor the {notice.en} (a loss report is needed "
                                        "if it was lost)"))
    # D-DOC-4: only if the holder has one
    if record.has_juki_card:
        if need_doc("juki_card", "（住基カードをお持ちの方は返納が必要です）",
                    " (holders must return it)"):
            collected.append("juki_card")
    elif "juki_card" in docs:
        notes.append(("住基カードの保有記録はありません。本市職員に確認してください",
                      "no record of a 住基カード for this holder; ask city staff"))
    # D-DOC-5: only for a renewal
    if record.is_renewal and need_doc("current_card", "（更新の場合は今お持ちのカードが必要です）",
                                      " (a renewal needs the current card)"):
        collected.append("current_card")
    # D-DOC-8: who receives
    age = age_on(record.birth_date, today) if record.birth_date else None
    under = age is not None and age < rules.guardian_under_age
    if age is None:
        escalations.append(Escalation("document_check", "生年月日が確認できません。本市職員に確認してください",
                                      "the birth date is unknown; ask city staff"))
    if presented.who is Who.PROXY:
        reason = rules.proxy_reasons.get(presented.proxy_reason or "")
        if reason is None:
            problems.append(Problem("proxy_reason", Kind.MISSING, "代理受取の理由が確認できません",
                                    "the reason for a proxy is not given"))
        elif not reason.accepted:
            problems.append(Problem("proxy_reason", Kind.INVALID,
                                    f"代理人の理由が「{reason.ja}」: {reason.why_ja or '代理受取の理由になりません'}",
                                    f"proxy reason '{reason.en}': {reason.why_en or 'not an accepted reason'}"))
        else:
            need_doc("proxy_proof", f"（理由「{reason.ja}」の疎明資料: {reason.proof_ja}）",
                     f" (proof of '{reason.en}')")
            if reason.escalate:
                escalations.append(Escalation("document_check",
                                              f"代理受取の理由「{reason.ja}」: 本市職員が判断します",
                                              f"proxy reason '{reason.en}': city staff decide"))
        need_doc("delegation", "", "")
        problems += _check_ids(rules, presented.proxy_ids, "proxy_id", "代理人", "proxy's", copies)
        if under:
            escalations.append(Escalation("document_check",
                                          f"{rules.guardian_under_age}歳未満の方の代理受取です。本市職員が確認します",
                                          f"a proxy for a holder under {rules.guardian_under_age}: city staff check"))
    elif under:
        if not presented.guardian_present:
            problems.append(Problem("guardian", Kind.MISSING,
                                    f"{rules.guardian_under_age}歳未満の方は保護者の同伴が必要です（{age}歳）",
                                    f"a holder under {rules.guardian_under_age} needs a guardian present "
                                    f"(age {age})"))
        else:
            problems += _check_ids(rules, presented.guardian_ids, "guardian_id", "保護者", "guardian's", copies)
    # Receipt deadline (printed on the notice): past it, city staff decide.
    if record.receipt_deadline is not None and today > record.receipt_deadline:
        escalations.append(Escalation(
            "document_check",
            f"受取期限（{record.receipt_deadline.month}月{record.receipt_deadline.day}日）を過ぎています。"
            "本市職員に確認してください",
            f"the receipt deadline ({record.receipt_deadline}) has passed; ask city staff"))
    collected.append("check_sheet")
    collected.append("receipt_copy")
    return Verdict(
        complete=not problems and not escalations,
        required=checklist(record, today, presented.who, rules),
        problems=tuple(problems), escalations=tuple(escalations), age=age, under_guardian_age=under,
        notes=tuple(notes), collected=tuple(collected) if not problems and not escalations else (),
    )


DEFAULT_RULES = DocumentRules(
    documents={
        "notice": DocName("交付通知書（はがき）", "issuance notice (postcard)", True),
        "notification_card": DocName("通知カード", "notification card", True),
        "loss_report": DocName("通知カード・個人番号通知書の紛失届",
                               "loss report for the notification card / number notice", True),
        "number_notice": DocName("個人番号通知書", "individual number notice", False),
        "juki_card": DocName("住民基本台帳カード", "Basic Resident Register card", True),
        "current_card": DocName("現在お持ちのマイナンバーカード", "current My Number Card", True),
        "proxy_proof": DocName("疎明資料（ご本人が来られない理由を証明する書類：診断書など）",
                               "proof of why the holder cannot come (medical certificate etc.)"),
        "delegation": DocName("交付通知書の委任欄（ご本人が記入したもの）",
                              "delegation section of the notice, filled in by the holder"),
    },
    id_kinds={k.code: k for k in (
        IdKind("driving_licence", "運転免許証", "driving licence", True),
        IdKind("passport", "パスポート", "passport", True),
        IdKind("residence_card", "在留カード", "residence card", True),
        IdKind("disability_card", "身体障害者手帳", "disability certificate", True),
        IdKind("health_insurance", "健康保険の資格確認書", "health-insurance eligibility certificate", False),
        IdKind("pension_book", "年金手帳・基礎年金番号通知書", "pension book / notice", False),
        IdKind("student_card", "学生証（写真なし）", "student card (no photo)", False),
        IdKind("other_non_photo", "その他の写真のない書類（氏名・生年月日等の記載のあるもの）",
               "other document without a photo (name, birth date)", False),
    )},
    proxy_reasons={r.code: r for r in (
        ProxyReason("illness", "病気・けが", "illness or injury", True, proof_ja="診断書など"),
        ProxyReason("disability", "身体の障害", "physical disability", True, proof_ja="身体障害者手帳など"),
        ProxyReason("old_age", "高齢で来庁が困難", "old age", True, proof_ja="介護保険被保険者証など"),
        ProxyReason("pregnancy", "妊娠", "pregnancy", True, proof_ja="母子健康手帳"),
        ProxyReason("hospital", "長期入院", "long hospital stay", True, proof_ja="入院証明書など"),
        ProxyReason("care_facility", "施設入所・要介護", "care facility / certified need of care", True,
                    proof_ja="施設の在所証明書・要介護認定の通知など"),
        ProxyReason("study_abroad", "長期の海外留学・遠隔地の学校に在学", "studying abroad or far away", True,
                    proof_ja="在学証明書など"),
        ProxyReason("work", "仕事のため", "work", False,
                    why_ja="就業等のため来庁できない場合は、代理受取の理由になりません。ご本人の来庁をお願いします",
                    why_en="being at work is not a reason for a proxy to receive the card; the holder must come "
                           "in person"),
        ProxyReason("busy", "家事・用事のため", "housework or other errands", False,
                    why_ja="家事や用事のためは、代理受取の理由になりません。ご本人の来庁をお願いします",
                    why_en="housework or errands are not a reason for a proxy; the holder must come in person"),
        ProxyReason("other", "その他", "other", True, escalate=True, proof_ja="理由を証明する書類"),
    )},
)


def all_presented(record: CardRecord, today: date, who: Who = Who.HOLDER,
                  rules: DocumentRules | None = None) -> Presented:
    """The set a fully prepared holder brings (the panel's one-key "all presented")."""
    rules = rules or DEFAULT_RULES
    docs = {"notice"}
    if not record.is_renewal or rules.renewal_needs_number_document:
        docs.add(number_document_options(record)[0])
    if record.has_juki_card:
        docs.add("juki_card")
    if record.is_renewal:
        docs.add("current_card")
    age = age_on(record.birth_date, today) if record.birth_date else None
    under = age is not None and age < rules.guardian_under_age
    photo = next((k.code for k in rules.id_kinds.values() if k.photo), "")
    return Presented(documents=frozenset(docs), holder_ids=(photo,), who=who,
                     guardian_present=under, guardian_ids=(photo,) if under else ())
