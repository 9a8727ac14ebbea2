"""Daily counts for the city (D-ALL-1): every kind of handling on one business day, nothing personal.

Sources: tickets (by the category they were issued in; wait = issued→called, service = started→finished,
median and p90 by category and by hour), counter cases (CaseService.counts_for), phone slips
(PhoneService.counts_for), handovers to city staff, and whether the day was handed over (D-BO-6).
The same dict feeds the JSON API, the CSV, the `station report` command and the printable A4 report.
"""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from station.clock import Clock
from station.config import StationSettings
from station.domain.report_stats import summary
from station.domain.timezone import TOKYO
from station.store import reports_repo as repo

TICKET_STATES = ("waiting", "called", "serving", "done", "no_show", "cancelled")
STATE_JA = {"waiting": "待ち", "called": "呼出中", "serving": "対応中", "done": "完了", "no_show": "不在",
            "cancelled": "取消"}
CASE_COUNTS = (  # key in CaseService.counts_for → label
    ("issued", "交付", "cards issued"),
    ("issued_renewals", "うち更新", "of which renewals"),
    ("returned_documents", "書類不足で再来庁", "returned: documents missing"),
    ("documents_slips", "持ち物案内の発行", "documents slips printed"),
    ("renewal_guidance", "電子証明書の更新案内", "certificate renewal guidance"),
    ("pin_reset_guidance", "暗証番号再設定の案内", "PIN reset guidance"),
    ("insurance_applications", "健康保険証利用申込", "health-insurance use applications"),
    ("public_funds_registrations", "公金受取口座登録", "public-funds account registrations"),
)
PHONE_PROCEDURE = "phone"


def _minutes(a: datetime | None, b: datetime | None) -> float | None:
    if a is None or b is None:
        return None
    return (b - a).total_seconds() / 60


class ReportService:
    def __init__(self, settings: StationSettings, sessions: sessionmaker[Session], clock: Clock, cases: Any,
                 phone: Any, end_of_day: Any = None) -> None:
        self.settings = settings
        self.sessions = sessions
        self.clock = clock
        self.cases = cases
        self.phone = phone
        self.end_of_day = end_of_day

    def daily(self, day: date) -> dict[str, Any]:
        tickets = self._tickets(day)
        cases = self.cases.counts_for(day)
        phone = self.phone.counts_for(day)
        catalog = self.cases.catalog
        by_proc = []
        phone_cases = 0
        for code, outcomes in sorted(cases["cases"].items()):
            if code == PHONE_PROCEDURE:  # the phone desk's handovers are counted under the phone desk
                phone_cases = sum(outcomes.values())
                continue
            p = catalog.procedure(code)
            names = p.outcome_names() if p else {}
            by_proc.append({"procedure": code, "ja": p.ja if p else code, "en": p.en if p else code,
                            "total": sum(outcomes.values()),
                            "outcomes": [{"outcome": o, "ja": names.get(o, (outcome_ja(o), o))[0], "count": n}
                                         for o, n in sorted(outcomes.items())]})
        reasons = {r.code: r for r in catalog.handover_reasons}
        handovers = [{"reason": k, "ja": reasons[k].ja if k in reasons else k, "count": n}
                     for k, n in sorted(cases["handovers"].items())]
        collected = [{"kind": k, "ja": catalog.doc_name(k)[0], "count": n}
                     for k, n in sorted(cases["collected"].items())]
        closed = self.end_of_day.day_status(day) if self.end_of_day is not None else None
        return {
            "date": day.isoformat(),
            "office": self.settings.office.name,
            "generated_at": self.clock.now().astimezone(TOKYO).isoformat(timespec="seconds"),
            "tickets": tickets,
            "cases": {
                "total": cases["cases_total"] - phone_cases,
                "by_procedure": by_proc,
                "counts": [{"key": k, "ja": ja, "en": en, "count": int(cases[k])} for k, ja, en in CASE_COUNTS],
                "consents": cases.get("consents", {}),
                "open": cases["open"],
                "collected": collected,
            },
            "insurance_applications": cases["insurance_applications"],
            "public_funds_registrations": cases["public_funds_registrations"],
            "renewal_guidance": cases["renewal_guidance"],
            "phone": phone,
            "escalations": {
                "total": cases["handovers_total"],
                "from_phone": phone["escalations_total"],
                "from_counter": cases["handovers_total"] - phone["escalations_total"],
                "by_reason": handovers,
            },
            "day": closed,
        }

    def _tickets(self, day: date) -> dict[str, Any]:
        with self.sessions() as s:
            rows = repo.tickets_of_day(s, day)
        cats = [(c.code, c.name_ja, c.name_en) for c in self.settings.categories]
        counts: dict[str, dict[str, int]] = {code: dict.fromkeys(TICKET_STATES, 0) for code, _, _ in cats}
        waits: dict[str, list[float]] = {code: [] for code, _, _ in cats}
        service: dict[str, list[float]] = {code: [] for code, _, _ in cats}
        waits_h: dict[int, list[float]] = {}
        service_h: dict[int, list[float]] = {}
        for category, original, state, issued, called, started, finished in rows:
            cat = original or category  # counted where the visitor started (a transfer keeps the first)
            counts.setdefault(cat, dict.fromkeys(TICKET_STATES, 0))
            counts[cat][state] = counts[cat].get(state, 0) + 1
            w = _minutes(issued, called)
            if w is not None:
                waits.setdefault(cat, []).append(w)
                waits_h.setdefault(issued.astimezone(TOKYO).hour, []).append(w)
            sv = _minutes(started, finished)
            if sv is not None:
                service.setdefault(cat, []).append(sv)
                service_h.setdefault(started.astimezone(TOKYO).hour, []).append(sv)
        names = {code: (ja, en) for code, ja, en in cats}
        by_category = [{"category": code, "ja": names.get(code, (code, code))[0],
                        "en": names.get(code, (code, code))[1], "issued": sum(st.values()), **st,
                        "wait": summary(waits.get(code, [])), "service": summary(service.get(code, []))}
                       for code, st in counts.items()]
        hours = sorted(set(waits_h) | set(service_h))
        return {
            "total": len(rows),
            "by_category": by_category,
            "wait": summary([w for ws in waits.values() for w in ws]),
            "service": summary([x for xs in service.values() for x in xs]),
            "by_hour": [{"hour": h, "wait": summary(waits_h.get(h, [])), "service": summary(service_h.get(h, []))}
                        for h in hours],
        }

    # --- CSV -----------------------------------------------------------------------------------------------
    def csv_rows(self, day: date) -> list[list[Any]]:
        """One fact a row: section, key, label (Japanese), metric, value."""
        r = self.daily(day)
        rows: list[list[Any]] = [["section", "key", "label", "metric", "value"]]
        t = r["tickets"]
        rows.append(["tickets", "total", "番号札", "issued", t["total"]])
        for c in t["by_category"]:
            for m in ("issued", *TICKET_STATES):
                rows.append(["tickets", c["category"], c["ja"], m, c[m]])
            for kind in ("wait", "service"):
                for m in ("n", "median_min", "p90_min"):
                    rows.append([f"{kind}_time", c["category"], c["ja"], m, _fmt(c[kind][m])])
        for kind in ("wait", "service"):
            for m in ("n", "median_min", "p90_min"):
                rows.append([f"{kind}_time", "all", "全体", m, _fmt(t[kind][m])])
        for h in t["by_hour"]:
            for kind in ("wait", "service"):
                for m in ("n", "median_min", "p90_min"):
                    rows.append([f"{kind}_time_by_hour", f"{h['hour']:02d}", f"{h['hour']}時台", m, _fmt(h[kind][m])])
        rows.append(["cases", "total", "窓口の案件", "count", r["cases"]["total"]])
        for p in r["cases"]["by_procedure"]:
            rows.append(["cases", p["procedure"], p["ja"], "total", p["total"]])
            for o in p["outcomes"]:
                rows.append(["cases", p["procedure"], p["ja"], o["outcome"], o["count"]])
        for c in r["cases"]["counts"]:
            rows.append(["handling", c["key"], c["ja"], "count", c["count"]])
        for c in r["cases"]["collected"]:
            rows.append(["collected", c["kind"], c["ja"], "count", c["count"]])
        ph = r["phone"]
        rows.append(["phone", "total", "電話受付", "count", ph["total"]])
        for c in ph["by_category"]:
            rows.append(["phone", str(c["category"]), f"{c['mark']}{c['ja']}", "count", c["count"]])
        rows.append(["phone", "trivial", "簡単な問い合わせ（区分のみ）", "count", ph["trivial"]])
        for k, n in ph["escalations"].items():
            rows.append(["phone_escalations", k, k, "count", n])
        e = r["escalations"]
        rows.append(["escalations", "total", "本市職員への引継ぎ", "count", e["total"]])
        rows.append(["escalations", "from_counter", "窓口から", "count", e["from_counter"]])
        rows.append(["escalations", "from_phone", "電話から", "count", e["from_phone"]])
        for x in e["by_reason"]:
            rows.append(["escalations", x["reason"], x["ja"], "count", x["count"]])
        return rows

    def csv_text(self, day: date) -> str:
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\r\n")
        w.writerows(self.csv_rows(day))
        return buf.getvalue()


def outcome_ja(code: str) -> str:
    """An outcome the procedure's catalog does not name (a case still open, cancelled, handed over)."""
    from station.messages import catalog, text

    return text(f"visit.outcome.{code}") if f"visit.outcome.{code}" in catalog("ja") else code


def _fmt(v: Any) -> Any:
    return "" if v is None else v

