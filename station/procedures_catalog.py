"""The catalog of counter procedures, documents, rules and handover reasons (config/procedures.toml).

Data the city edits; validated at start with pydantic, and every mistake is reported with the file and
the key (`procedures.2.steps.0.code: …`). `Catalog.document_rules()` gives the pure document check its rules.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, ValidationError, field_validator, model_validator

from station.config_files import ConfigError, read_toml, validation_error
from station.domain.documents import DocName, DocumentRules, IdKind, ProxyReason

DEFAULT_CATALOG = Path(__file__).resolve().parent.parent / "config" / "procedures.toml"
CODE = r"^[a-z][a-z0-9_]*$"

Flow = Literal["issuance", "insurance", "simple", "handover"]
# Steps each built-in flow drives itself; the catalog must name them (it may rename and reword them).
FLOW_STEPS: dict[str, tuple[str, ...]] = {
    "issuance": ("notice", "documents", "staff_check", "juki_check", "card_tap", "explained", "receipt_copy",
                 "issued"),
    "insurance": ("card_tap", "pins_known", "consents", "applied"),
    "simple": (),
    "handover": (),
}
FLOW_OUTCOMES: dict[str, tuple[str, ...]] = {
    "issuance": ("issued", "returned_documents"),
    "insurance": ("applied", "renewal_first", "pin_reset_first"),
    "simple": (),
    "handover": (),
}
# Outcomes every procedure may end with, whatever the catalog says.
COMMON_OUTCOMES = {"handed_over": ("本市職員へ引継ぎ", "handed over to city staff"),
                   "cancelled": ("中止（来庁者の都合）", "cancelled (visitor left)")}


class CatalogError(ConfigError):
    """The catalog file is wrong: a ConfigError (same wording, file, line and key) callers can tell apart."""


class Named(BaseModel):
    model_config = {"extra": "forbid"}
    ja: str = Field(min_length=1)
    en: str = Field(min_length=1)


class Coded(Named):
    code: str = Field(pattern=CODE, max_length=32)


class DocumentDef(Named):
    collected: bool = False


class IdKindDef(Coded):
    photo: bool


class ProxyReasonDef(Coded):
    accepted: bool
    escalate: bool = False
    proof_ja: str = ""
    why_ja: str = ""
    why_en: str = ""

    @model_validator(mode="after")
    def _explained(self) -> ProxyReasonDef:
        if not self.accepted and not self.why_ja:
            raise ValueError("認められない理由には why_ja（来庁者への説明）が必要です / a refused reason needs why_ja")
        if self.accepted and not self.proof_ja:
            raise ValueError("認められる理由には proof_ja（疎明資料の例）が必要です / "
                             "an accepted reason needs proof_ja")
        return self


class RulesDef(BaseModel):
    model_config = {"extra": "forbid"}
    guardian_under_age: int = Field(15, ge=1, le=20)
    non_photo_ids_needed: int = Field(2, ge=1, le=5)
    renewal_needs_number_document: bool = True
    renew_within_months: int = Field(3, ge=1, le=12)


class ProcedureDef(Coded):
    flow: Flow
    categories: list[str] = Field(default_factory=list)
    steps: list[Coded] = Field(min_length=1)
    outcomes: list[Coded] = Field(default_factory=list)
    handover_reason: str | None = None
    collects: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _flow_fits(self) -> ProcedureDef:
        codes = [s.code for s in self.steps]
        dup = sorted({c for c in codes if codes.count(c) > 1})
        if dup:
            raise ValueError(f"手順コードが重複しています / duplicate step codes: {dup}")
        missing = [c for c in FLOW_STEPS[self.flow] if c not in codes]
        if missing:
            raise ValueError(f"flow「{self.flow}」に必要な手順がありません / steps missing for flow "
                             f"{self.flow!r}: {missing}")
        outs = [o.code for o in self.outcomes]
        missing = [c for c in FLOW_OUTCOMES[self.flow] if c not in outs]
        if missing:
            raise ValueError(f"flow「{self.flow}」に必要な結果がありません / outcomes missing: {missing}")
        if self.flow == "simple" and not self.outcomes:
            raise ValueError("outcomes が1つ以上必要です / a simple procedure needs at least one outcome")
        if self.flow == "handover" and not self.handover_reason:
            raise ValueError("handover_reason が必要です / a handover procedure needs handover_reason")
        clash = [o for o in outs if o in COMMON_OUTCOMES]
        if clash:
            raise ValueError(f"結果コード {clash} は予約されています / reserved outcome codes: {clash}")
        return self

    def step(self, code: str) -> Coded | None:
        return next((s for s in self.steps if s.code == code), None)

    def outcome_names(self) -> dict[str, tuple[str, str]]:
        out = {o.code: (o.ja, o.en) for o in self.outcomes}
        out.update(COMMON_OUTCOMES)
        return out


class Catalog(BaseModel):
    model_config = {"extra": "forbid"}
    rules: RulesDef = RulesDef()
    documents: dict[str, DocumentDef]
    id_kinds: list[IdKindDef] = Field(min_length=1)
    proxy_reasons: list[ProxyReasonDef] = Field(min_length=1)
    handover_reasons: list[Coded] = Field(min_length=1)
    procedures: list[ProcedureDef] = Field(min_length=1)

    @field_validator("documents")
    @classmethod
    def _known_documents(cls, v: dict[str, DocumentDef]) -> dict[str, DocumentDef]:
        needed = ["notice", "notification_card", "loss_report", "number_notice", "juki_card", "current_card",
                  "proxy_proof", "delegation"]
        missing = [d for d in needed if d not in v]
        if missing:
            raise ValueError(f"書類の定義がありません / documents missing: {missing}")
        return v

    @model_validator(mode="after")
    def _cross_refs(self) -> Catalog:
        for name, items in (("id_kinds", self.id_kinds), ("proxy_reasons", self.proxy_reasons),
                            ("handover_reasons", self.handover_reasons), ("procedures", self.procedures)):
            codes = [i.code for i in items]
            dup = sorted({c for c in codes if codes.count(c) > 1})
            if dup:
                raise ValueError(f"{name}: コードが重複しています / duplicate codes: {dup}")
        if not any(k.photo for k in self.id_kinds):
            raise ValueError("id_kinds: 写真付きの書類が1つもありません / no photo ID kind")
        reasons = {r.code for r in self.handover_reasons}
        for i, p in enumerate(self.procedures):
            if p.handover_reason and p.handover_reason not in reasons:
                raise ValueError(f"procedures.{i}.handover_reason: 未定義の引継ぎ理由 {p.handover_reason!r} / "
                                 "unknown handover reason")
            unknown = [c for c in p.collects if c not in self.documents]
            if unknown:
                raise ValueError(f"procedures.{i}.collects: 未定義の書類 {unknown} / unknown documents")
        if "document_check" not in reasons:
            raise ValueError("handover_reasons: document_check が必要です / document_check is required")
        if not any(p.flow == "issuance" for p in self.procedures):
            raise ValueError("procedures: 交付（flow = issuance）がありません / no issuance procedure")
        return self

    # --- lookups ----------------------------------------------------------------------------------
    def procedure(self, code: str) -> ProcedureDef | None:
        return next((p for p in self.procedures if p.code == code), None)

    def handover_reason(self, code: str) -> Coded | None:
        return next((r for r in self.handover_reasons if r.code == code), None)

    def default_procedure(self, category: str | None) -> ProcedureDef:
        if category:
            for p in self.procedures:
                if p.categories and p.categories[0] == category:
                    return p
            for p in self.procedures:
                if category in p.categories:
                    return p
        return next(p for p in self.procedures if p.flow == "issuance")

    def document_rules(self) -> DocumentRules:
        r = self.rules
        return DocumentRules(
            documents={k: DocName(d.ja, d.en, d.collected) for k, d in self.documents.items()},
            id_kinds={k.code: IdKind(k.code, k.ja, k.en, k.photo) for k in self.id_kinds},
            proxy_reasons={p.code: ProxyReason(p.code, p.ja, p.en, p.accepted, p.escalate, p.proof_ja, p.why_ja,
                                               p.why_en) for p in self.proxy_reasons},
            guardian_under_age=r.guardian_under_age, non_photo_ids_needed=r.non_photo_ids_needed,
            renewal_needs_number_document=r.renewal_needs_number_document,
        )

    def doc_name(self, code: str) -> tuple[str, str]:
        d = self.documents.get(code)
        if d:
            return d.ja, d.en
        extra = {"check_sheet": ("チェックシート", "check sheet"),
                 "receipt_copy": ("個人番号カード交付控", "issuance receipt copy"),
                 "old_card": ("回収したマイナンバーカード", "collected My Number Card")}
        return extra.get(code, (code, code))


def catalog_path(config_file: Path | None) -> Path:
    """procedures.toml beside the station's config file, else the shipped one."""
    if config_file is not None:
        beside = Path(config_file).parent / "procedures.toml"
        if beside.exists():
            return beside
    return DEFAULT_CATALOG


def load_catalog(path: Path | str | None = None) -> Catalog:
    """Read and validate the catalog; CatalogError names the file and each wrong key."""
    p = Path(path) if path else DEFAULT_CATALOG
    data, source = read_toml(p, CatalogError)
    try:
        return Catalog.model_validate(data)
    except ValidationError as e:
        raise validation_error(p, source, e, CatalogError) from e
