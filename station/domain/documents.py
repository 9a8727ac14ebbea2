"""The document set for receiving a card (D-DOC-1..5, D-DOC-8): what must be presented, and is it there?

Pure: the card record, what the clerk ticked and today's date come in; a `Verdict` comes out with either
"complete" or every missing/invalid item and why, and anything that city staff must decide (escalations).
Every sentence is a catalog code (`Said`, station/messages/*/documents.json) that the edge renders through
its `ja` / `en`; document names from the procedures catalog are passed as parameters in both languages.
The catalog (config/procedures.toml) supplies `DocumentRules`;
`DEFAULT_RULES` equals what ships there, so tests and callers without a catalog see the same rules.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date

from station.domain.card_record import CardRecord, NoticeType, age_on
from station.domain.said import Said, Words


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


class _Worded:
    """`ja` / `en` of the line's message, rendered when the edge reads them."""

    msg: Said

    @property
    def ja(self) -> str:
        return self.msg.ja

    @property
    def en(self) -> str:
        return self.msg.en


@dataclass(frozen=True)
class Problem(_Worded):
    item: str
    kind: Kind
    msg: Said


@dataclass(frozen=True)
class Escalation(_Worded):
    code: str  # a handover reason in the catalog
    msg: Said


@dataclass(frozen=True)
class Required(_Worded):
    """One line of the checklist the panel shows (D-DOC-1..5, D-DOC-8)."""

    item: str
    msg: Said
    rule: str  # D-DOC-n: for people reading the code and the log, never shown to the clerk
    alternatives: tuple[str, ...] = ()


@dataclass(frozen=True)
class Verdict:
    complete: bool
    required: tuple[Required, ...]
    problems: tuple[Problem, ...] = ()
    escalations: tuple[Escalation, ...] = ()
    age: int | None = None
    under_guardian_age: bool = False
    notes: tuple[Said, ...] = ()
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
            "notes": [{"ja": n.ja, "en": n.en} for n in self.notes],
            "collected": list(self.collected),
        }


NUMBER_DOCS = ("notification_card", "loss_report", "number_notice")


def _doc(rules: DocumentRules, code: str) -> DocName:
    return rules.documents.get(code) or DocName(code, code)


def _name(rules: DocumentRules, code: str) -> Said:
    """A catalog document by its name, as a checklist line."""
    d = _doc(rules, code)
    return Said.of("documents.name", doc=Words(d.ja, d.en))


def number_document_options(record: CardRecord) -> tuple[str, ...]:
    """D-DOC-3 (seed: 「通知カード（紛失の場合は紛失届）又は個人番号通知書」): any one of them, whichever the
    visitor brings; the one this holder was sent comes first (it names the checklist line)."""
    if record.notice_type is NoticeType.NUMBER_NOTICE:
        return ("number_notice", "notification_card", "loss_report")
    return ("notification_card", "number_notice", "loss_report")


def checklist(record: CardRecord, today: date, who: Who = Who.HOLDER,
              rules: DocumentRules | None = None) -> tuple[Required, ...]:
    """The documents this visitor must present, in the order the clerk checks them."""
    rules = rules or DEFAULT_RULES
    out = [Required("notice", _name(rules, "notice"), "D-DOC-1")]
    out.append(Required("holder_id", Said("documents.item.holder_id"), "D-DOC-2"))
    if not record.is_renewal or rules.renewal_needs_number_document:
        opts = number_document_options(record)
        card, notice = _doc(rules, "notification_card"), _doc(rules, "number_notice")
        out.append(Required(opts[0], Said.of("documents.item.number_doc_either", card=Words(card.ja, card.en),
                                             notice=Words(notice.ja, notice.en)),
                            "D-DOC-3", alternatives=opts[1:]))
    if record.has_juki_card:
        out.append(Required("juki_card", _name(rules, "juki_card"), "D-DOC-4"))
    if record.is_renewal:
        out.append(Required("current_card", _name(rules, "current_card"), "D-DOC-5"))
    if who is Who.PROXY:
        out.append(Required("proxy_reason", Said("documents.item.proxy_reason"), "D-DOC-8"))
        out.append(Required("proxy_proof", _name(rules, "proxy_proof"), "D-DOC-8"))
        out.append(Required("delegation", _name(rules, "delegation"), "D-DOC-8"))
        out.append(Required("proxy_id", Said("documents.item.proxy_id"), "D-DOC-8"))
    age = age_on(record.birth_date, today) if record.birth_date else None
    if age is not None and age < rules.guardian_under_age and who is Who.HOLDER:
        out.append(Required("guardian", Said("documents.item.guardian"), "D-DOC-8"))
        out.append(Required("guardian_id", Said("documents.item.guardian_id"), "D-DOC-8"))
    return tuple(out)


HOLDER = Words("ご本人", "holder's")
PROXY = Words("代理人", "proxy's")
GUARDIAN = Words("保護者", "guardian's")


def _check_ids(rules: DocumentRules, ids: tuple[str, ...], item: str, whose: Words,
               copies: frozenset[str]) -> list[Problem]:
    if item in copies:
        return [Problem(item, Kind.INVALID, Said.of("documents.id_copy", whose=whose))]
    if not ids:
        return [Problem(item, Kind.MISSING, Said.of("documents.id_missing", whose=whose))]
    unknown = [c for c in ids if c not in rules.id_kinds]
    if unknown:
        return [Problem(item, Kind.INVALID, Said.of("documents.id_unknown", codes=", ".join(unknown)))]
    kinds = [rules.id_kinds[c] for c in dict.fromkeys(ids)]  # the same document twice counts once
    if any(k.photo for k in kinds):
        return []
    need = rules.non_photo_ids_needed
    if len(kinds) >= need:
        return []
    return [Problem(item, Kind.INVALID, Said.of("documents.id_non_photo", whose=whose, need=need, have=len(kinds)))]


def check_documents(record: CardRecord, presented: Presented, today: date,
                    rules: DocumentRules | None = None) -> Verdict:
    """Is the document set complete for handing this card over today? (D-DOC-1..5, D-DOC-8)."""
    rules = rules or DEFAULT_RULES
    docs = presented.documents
    copies = presented.copies
    problems: list[Problem] = []
    escalations: list[Escalation] = []
    notes: list[Said] = []
    collected: list[str] = []
    no_reason = Words("", "")

    def need_doc(code: str, why: Said | Words = no_reason) -> bool:
        name = _doc(rules, code)
        doc = Words(name.ja, name.en)
        if code in copies:
            problems.append(Problem(code, Kind.INVALID, Said.of("documents.doc_copy", doc=doc)))
            return False
        if code not in docs:
            problems.append(Problem(code, Kind.MISSING, Said.of("documents.doc_missing", doc=doc, why=why)))
            return False
        return True

    # D-DOC-1
    if need_doc("notice"):
        collected.append("notice")
    # D-DOC-2: the holder's own ID, also when a proxy comes (the proxy brings it)
    problems += _check_ids(rules, presented.holder_ids, "holder_id", HOLDER, copies)
    # D-DOC-3
    if not record.is_renewal or rules.renewal_needs_number_document:
        opts = number_document_options(record)
        shown = [c for c in opts if c in docs and c not in copies]
        if shown:
            first = shown[0]
            if _doc(rules, first).collected:
                collected.append(first)
        else:
            m = _doc(rules, opts[0])
            if any(c in copies for c in opts):
                problems.append(Problem(opts[0], Kind.INVALID, Said.of("documents.doc_copy", doc=Words(m.ja, m.en))))
            else:  # D-DOC-3: either the 通知カード (or its 紛失届) or the 個人番号通知書, whichever they bring
                card, notice = _doc(rules, "notification_card"), _doc(rules, "number_notice")
                problems.append(Problem(opts[0], Kind.MISSING, Said.of(
                    "documents.number_doc_missing_either", card=Words(card.ja, card.en),
                    notice=Words(notice.ja, notice.en))))
    # D-DOC-4: only if the holder has one
    if record.has_juki_card:
        if need_doc("juki_card", Said("documents.why.juki_card")):
            collected.append("juki_card")
    elif "juki_card" in docs:
        notes.append(Said("documents.no_juki_record"))
    # D-DOC-5: only for a renewal
    if record.is_renewal and need_doc("current_card", Said("documents.why.current_card")):
        collected.append("current_card")
    # D-DOC-8: who receives
    age = age_on(record.birth_date, today) if record.birth_date else None
    under = age is not None and age < rules.guardian_under_age
    if age is None:
        escalations.append(Escalation("document_check", Said("documents.birth_date_unknown")))
    if presented.who is Who.PROXY:
        reason = rules.proxy_reasons.get(presented.proxy_reason or "")
        if reason is None:
            problems.append(Problem("proxy_reason", Kind.MISSING, Said("documents.proxy_reason_missing")))
        elif not reason.accepted:
            why = (Words(reason.why_ja, reason.why_en or reason.why_ja) if reason.why_ja
                   else Said("documents.proxy_reason_not_accepted"))
            problems.append(Problem("proxy_reason", Kind.INVALID, Said.of(
                "documents.proxy_reason_refused", reason=Words(reason.ja, reason.en), why=why)))
        else:
            need_doc("proxy_proof", Said.of("documents.why.proxy_proof", reason=Words(reason.ja, reason.en),
                                            proof=Words(reason.proof_ja, reason.proof_ja and "a supporting document")))
            if reason.escalate:
                escalations.append(Escalation("document_check", Said.of(
                    "documents.proxy_reason_staff_decide", reason=Words(reason.ja, reason.en))))
        need_doc("delegation")
        problems += _check_ids(rules, presented.proxy_ids, "proxy_id", PROXY, copies)
        if under:
            escalations.append(Escalation("document_check", Said.of("documents.proxy_for_minor",
                                                                    age=rules.guardian_under_age)))
    elif under:
        if not presented.guardian_present:
            problems.append(Problem("guardian", Kind.MISSING, Said.of(
                "documents.guardian_missing", under=rules.guardian_under_age, age=age)))
        else:
            problems += _check_ids(rules, presented.guardian_ids, "guardian_id", GUARDIAN, copies)
    # Receipt deadline (printed on the notice): past it, city staff decide.
    if record.receipt_deadline is not None and today > record.receipt_deadline:
        d = record.receipt_deadline
        escalations.append(Escalation("document_check", Said.of(
            "documents.deadline_passed", date=Words(f"{d.month}月{d.day}日", d.isoformat()))))
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
