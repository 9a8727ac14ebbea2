"""The period report (D-ALL-1, D-OTH-5, issue 17): every count of the daily report over a day, week, month,
the contract year or any range, as totals and per-day rows; wait / walk / service times per category and per
hour; visitors, service time, idle time, no-shows and handovers per counter and per clerk.

Why a service of its own: the daily report reads one day's rows; a month or a year must not, so every figure
here comes from grouped statements in station.store.period_repo (counts per day, durations as 0.1-minute
bucket counts) and the median / p90 are read off the buckets (station.domain.period). Memory grows with the
number of days and distinct buckets, never with the visitors. Per-clerk figures are for the supervisor
(業務管理者) only: the routes carry the REPORTS permission and the view says so (`clerks_note`).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from station.clock import Clock
from station.config import StationSettings
from station.domain import phone as phone_rules
from station.domain.period import (
    Period,
    PeriodError,
    PeriodKind,
    add_hist,
    away_seconds,
    hist_summary,
    idle_minutes,
    period_of,
)
from station.domain.timezone import TOKYO
from station.messages import text
from station.services.errors import Invalid
from station.services.period_views import (
    CategoryTimes,
    Count,
    DayRow,
    HourTimes,
    PeriodReport,
    PhoneCount,
    ProcedureCount,
    Times,
    WorkerStats,
)
from station.store import period_repo as repo

FLAGS = ("issued", "issued_renewals", "returned_documents", "documents_slips", "renewal_guidance",
         "pin_reset_guidance", "insurance_applications", "public_funds_registrations")
PHONE_PROCEDURE = "phone"
SPANS = ("wait", "walk", "service")


def _t(hist: dict[int, int]) -> Times:
    return Times(**hist_summary(hist))


class PeriodReportService:
    def __init__(self, settings: StationSettings, sessions: sessionmaker[Session], clock: Clock, cases: Any) -> None:
        self.settings = settings
        self.sessions = sessions
        self.clock = clock
        self.cases = cases  # for the procedures catalog (names of procedures, outcomes, reasons, papers)

    def period(self, kind: PeriodKind, anchor: date, end: date | None = None) -> Period:
        """The period asked for (refusals as `Invalid` with the catalog's code)."""
        try:
            return period_of(kind, anchor, end)
        except PeriodError as e:
            raise Invalid(e.msg.code, params=dict(e.msg.params)) from e

    def export(self, period: Period, fmt: str, with_clerks: bool = True) -> bytes:
        """The report as a file: "xlsx", "pdf" or "csv" (UTF-8 with BOM)."""
        from station.services import report_formats as f

        r = self.report(period)
        if fmt == "xlsx":
            return f.workbook_bytes(r, with_clerks)
        if fmt == "pdf":
            return f.pdf_bytes(r, with_clerks)
        return ("\ufeff" + f.csv_text(r, with_clerks)).encode("utf-8")

    def page_parts(self, period: Period) -> tuple[PeriodReport, list[str], str]:
        """The view, its charts (SVG) and its tables (HTML) for the /reports/period page: the PDF's own."""
        from station.services import report_formats as f

        r = self.report(period)
        return r, f.charts(r), f.tables_html(r)

    def report(self, period: Period) -> PeriodReport:
        a, b = period.start, period.end
        with self.sessions() as s:
            states = repo.ticket_states(s, a, b)
            spans = {k: repo.span_hist(s, a, b, k) for k in SPANS}
            wait_days = repo.span_hist_by_day(s, a, b, "wait")
            outcomes = repo.case_outcomes(s, a, b)
            flags = repo.case_flags(s, a, b)
            collected = repo.collected(s, a, b)
            consents = repo.consents(s, a, b)
            handovers = repo.handovers(s, a, b)
            ph_cat = repo.phone_categories(s, a, b)
            ph_esc = repo.phone_escalations(s, a, b)
            ph_flags = repo.phone_flags(s, a, b)
            changes = repo.counter_changes(s, datetime.combine(a, time(0), TOKYO),
                                           datetime.combine(b + timedelta(days=1), time(0), TOKYO))
            by_counter: dict[str, list[tuple[float, str]]] = {}
            by_clerk: dict[str, list[tuple[float, str]]] = {}
            for counter, actor, state, at in changes:
                by_counter.setdefault(counter, []).append((at.timestamp(), state))
                by_clerk.setdefault(actor, []).append((at.timestamp(), state))
            workers = {
                "counters": (repo.counter_days(s, a, b), repo.service_hist_by(s, a, b, False),
                             repo.handovers_by(s, a, b, False), by_counter),
                "clerks": (repo.clerk_days(s, a, b), repo.service_hist_by(s, a, b, True),
                           repo.handovers_by(s, a, b, True), by_clerk),
            }
        rows = {d: DayRow(day=d) for d in period.each_day()}
        for d, cat, st, n in states:
            r = rows[d]
            r.tickets += n
            r.tickets_by_category[cat] = r.tickets_by_category.get(cat, 0) + n
            if st in ("done", "no_show", "cancelled"):
                setattr(r, st, getattr(r, st) + n)
        phone_cases: dict[date, int] = {}
        for d, proc, _o, n in outcomes:
            if proc == PHONE_PROCEDURE:
                phone_cases[d] = phone_cases.get(d, 0) + n
        for d, f in flags.items():
            r = rows[d]
            r.cases = f["cases_total"] - phone_cases.get(d, 0)
            for k in FLAGS:
                setattr(r, k, f[k])
        for d, _c, n in ph_cat:
            rows[d].phone += n
        for d, (trivial, stale) in ph_flags.items():
            rows[d].phone_trivial, rows[d].phone_stale_notice = trivial, stale
        for d, _e, n in ph_esc:
            rows[d].escalations_from_phone += n
        for d, _r, n in handovers:
            rows[d].escalations += n
        wait_by_day: dict[date, dict[int, int]] = {}
        for d, k, n in wait_days:
            add_hist(wait_by_day.setdefault(d, {}), k, n)
        for d, r in rows.items():
            r.escalations_from_counter = r.escalations - r.escalations_from_phone
            r.wait = _t(wait_by_day.get(d, {}))
        totals = self._totals(list(rows.values()), spans["wait"])
        return PeriodReport(
            start=a, end=b, kind=period.kind.value, days=period.days, office=self.settings.office.name,
            generated_at=self.clock.now().astimezone(TOKYO).isoformat(timespec="seconds"),
            totals=totals, per_day=list(rows.values()),
            by_category=self._by_category(states, spans), by_hour=self._by_hour(spans),
            **{k: _t(self._all(spans[k])) for k in SPANS},
            cases_by_procedure=self._procedures(outcomes),
            handovers_by_reason=self._reasons(handovers), collected=self._collected(collected),
            consents=self._sum_keys(consents, lambda k: k),
            phone_by_category=self._phone(ph_cat),
            phone_per_day_avg=round(totals.phone / max(1, period.days), 1),
            counters=self._workers(*workers["counters"]), clerks=self._workers(*workers["clerks"]),
            clerks_note=text("period.clerks_supervisor_only", "ja"),
        )

    # --- assembling -------------------------------------------------------------------------------------
    @staticmethod
    def _all(rows: list[tuple[str, int, int, int]]) -> dict[int, int]:
        h: dict[int, int] = {}
        for _c, _hr, k, n in rows:
            add_hist(h, k, n)
        return h

    @staticmethod
    def _totals(rows: list[DayRow], wait_rows: list[tuple[str, int, int, int]]) -> DayRow:
        t = DayRow()
        for r in rows:
            for name, value in r:
                if isinstance(value, int) and name != "day":
                    setattr(t, name, getattr(t, name) + value)
            for cat, n in r.tickets_by_category.items():
                t.tickets_by_category[cat] = t.tickets_by_category.get(cat, 0) + n
        t.wait = _t(PeriodReportService._all(wait_rows))
        return t

    def _by_category(self, states: list[tuple[date, str, str, int]],
                     spans: dict[str, list[tuple[str, int, int, int]]]) -> list[CategoryTimes]:
        names = {c.code: (c.name_ja, c.name_en) for c in self.settings.categories}
        codes = list(names) + sorted({c for _d, c, _s, _n in states} - set(names))
        st: dict[str, dict[str, int]] = {c: {} for c in codes}
        for _d, c, state, n in states:
            st[c][state] = st[c].get(state, 0) + n
        hists: dict[str, dict[str, dict[int, int]]] = {k: {} for k in SPANS}
        for kind, rows in spans.items():
            for c, _h, k, n in rows:
                add_hist(hists[kind].setdefault(c, {}), k, n)
        return [CategoryTimes(category=c, ja=names.get(c, (c, c))[0], en=names.get(c, (c, c))[1],
                              issued=sum(st[c].values()), states=st[c],
                              **{k: _t(hists[k].get(c, {})) for k in SPANS}) for c in codes]

    @staticmethod
    def _by_hour(spans: dict[str, list[tuple[str, int, int, int]]]) -> list[HourTimes]:
        hists: dict[str, dict[int, dict[int, int]]] = {k: {} for k in SPANS}
        for kind, rows in spans.items():
            for _c, h, k, n in rows:
                add_hist(hists[kind].setdefault(h, {}), k, n)
        hours = sorted(set().union(*(set(v) for v in hists.values())))
        return [HourTimes(hour=h, **{k: _t(hists[k].get(h, {})) for k in SPANS}) for h in hours]

    def _procedures(self, outcomes: list[tuple[date, str, str, int]]) -> list[ProcedureCount]:
        catalog = self.cases.catalog
        agg: dict[str, dict[str, int]] = {}
        for _d, proc, o, n in outcomes:
            if proc != PHONE_PROCEDURE:
                agg.setdefault(proc, {})[o] = agg.setdefault(proc, {}).get(o, 0) + n
        out = []
        for code, outs in sorted(agg.items()):
            p = catalog.procedure(code)
            names = p.outcome_names() if p else {}
            out.append(ProcedureCount(procedure=code, ja=p.ja if p else code, total=sum(outs.values()),
                                      outcomes=[Count(key=o, ja=names.get(o, (o, o))[0], count=n)
                                                for o, n in sorted(outs.items())]))
        return out

    @staticmethod
    def _sum_keys(rows: list[tuple[date, str, int]], name: Any) -> list[Count]:
        agg: dict[str, int] = {}
        for _d, k, n in rows:
            agg[k] = agg.get(k, 0) + n
        return [Count(key=k, ja=name(k), count=n) for k, n in sorted(agg.items())]

    def _reasons(self, rows: list[tuple[date, str, int]]) -> list[Count]:
        reasons = {r.code: r.ja for r in self.cases.catalog.handover_reasons}
        return self._sum_keys(rows, lambda k: reasons.get(k, k))

    def _collected(self, rows: list[tuple[date, str, int]]) -> list[Count]:
        split = [(d, k, n) for d, kinds, n in rows for k in kinds.split(",")]
        return self._sum_keys(split, lambda k: self.cases.catalog.doc_name(k)[0])

    @staticmethod
    def _phone(rows: list[tuple[date, int, int]]) -> list[PhoneCount]:
        agg: dict[int, int] = {}
        for _d, c, n in rows:
            agg[c] = agg.get(c, 0) + n
        return [PhoneCount(category=c.code, mark=c.mark, ja=c.short_ja, count=agg.get(c.code, 0))
                for c in phone_rules.CATEGORIES]

    @staticmethod
    def _workers(days: list[Any], service: list[tuple[Any, int, int]], handovers: list[tuple[Any, int]],
                 changes: dict[str, list[tuple[float, str]]]) -> list[WorkerStats]:
        acc: dict[str, dict[str, Any]] = {}

        def get(w: Any) -> dict[str, Any]:
            return acc.setdefault(str(w), {"served": 0, "no_shows": 0, "handovers": 0, "hist": {},
                                           "spans": {}})

        for w, d, state, n, busy, first, last in days:
            a = get(w)
            if state == "done":
                a["served"] += n
            elif state == "no_show":
                a["no_shows"] += n
            f0, l0, b0 = a["spans"].get(d, (first, last, 0.0))
            a["spans"][d] = (min(f0, first), max(l0, last), b0 + busy)
        for w, k, n in service:
            add_hist(get(w)["hist"], k, n)
        for w, n in handovers:
            get(w)["handovers"] += n
        out = []
        for key in sorted(acc, key=lambda k: (len(k), k)):
            a = acc[key]
            total = sum(k * n for k, n in a["hist"].items()) / 10
            away = changes.get(key, [])
            idle = sum(idle_minutes(last - first, busy, away_seconds(away, first, last))
                       for first, last, busy in a["spans"].values())
            out.append(WorkerStats(key=key, served=a["served"], no_shows=a["no_shows"], handovers=a["handovers"],
                                   service_min_total=round(total, 1), service=_t(a["hist"]),
                                   idle_min=round(idle, 1), days=len(a["spans"])))
        return out
