"""`station report` and `station purge`: the supervisor's daily counts and the retention purge.

    station report [--date YYYY-MM-DD] [--csv]      the day's counts (D-ALL-1): a readable summary, or CSV
    station report --from YYYY-MM-DD --to YYYY-MM-DD [--xlsx FILE] [--pdf FILE] [--csv] [--no-clerks]
        any period (issue 17): totals on screen, the workbook / A4 PDF / sectioned CSV written to files
    station purge [--older-than DAYS] [--force --reason TEXT]
        purge personal data of days older than the retention ([backoffice] retention_days); days not
        handed over at the end of day (D-BO-6) and cases still open are refused (exit 1) unless forced

Like every `station` command they take --config / --data-dir (before or after the subcommand).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer

from station.cli_common import ConfigOpt, DataDirOpt, cli_actor, station_context

report_app = typer.Typer(help="日報・件数 / daily counts and report (D-ALL-1)", invoke_without_command=True)
purge_app = typer.Typer(help="個人情報の削除 / purge personal data past the retention (D-ALL-2)",
                        invoke_without_command=True)



def install(app: typer.Typer) -> None:
    app.add_typer(report_app, name="report")
    app.add_typer(purge_app, name="purge")


def _m(v: Any) -> str:
    return "—" if v is None else f"{v}分"


@report_app.callback()
def report(
    ctx: typer.Context,
    day: Annotated[str | None, typer.Option("--date", help="YYYY-MM-DD (default: today's business day)")] = None,
    as_csv: Annotated[bool, typer.Option("--csv", help="CSV: section,key,label,metric,value")] = False,
    start: Annotated[str | None, typer.Option("--from", help="first day of a period (YYYY-MM-DD)")] = None,
    end: Annotated[str | None, typer.Option("--to", help="last day of a period (default: --from)")] = None,
    xlsx: Annotated[Path | None, typer.Option("--xlsx", help="write the period's Excel workbook here")] = None,
    pdf: Annotated[Path | None, typer.Option("--pdf", help="write the period's A4 PDF here")] = None,
    no_clerks: Annotated[bool, typer.Option("--no-clerks", help="leave out the per-clerk section (city copy)")] = False,
    config: ConfigOpt = None,
    data_dir: DataDirOpt = None,
) -> None:
    """日報を表示する / print a day's counts (or, with --from/--to, a period's)."""
    from station.domain.calendar import business_date

    try:
        d = date.fromisoformat(day) if day else None
        a = date.fromisoformat(start) if start else None
        b = date.fromisoformat(end) if end else None
    except ValueError:
        typer.echo(f"日付は YYYY-MM-DD で指定してください / dates must be YYYY-MM-DD: {day or start or end}", err=True)
        raise typer.Exit(2) from None
    if a or b or xlsx or pdf:
        _period(ctx, a or b or d, b, xlsx, pdf, as_csv, not no_clerks, config, data_dir)
        return
    with station_context(ctx, config, data_dir) as st:
        d = d or business_date(st.clock.now())
        if as_csv:
            typer.echo(st.reports.csv_text(d), nl=False)
            return
        r = st.reports.daily(d)
    t = r["tickets"]
    lines = [f"業務日報 / daily report {r['date']}  {r['office']}",
             f"番号札 / tickets: {t['total']}  待ち時間 中央値 {_m(t['wait']['median_min'])} "
             f"90% {_m(t['wait']['p90_min'])}"
             f"  対応時間 中央値 {_m(t['service']['median_min'])} 90% {_m(t['service']['p90_min'])}"]
    for c in t["by_category"]:
        lines.append(f"  {c['category']} {c['ja']}: 発券 {c['issued']} 完了 {c['done']} 不在 {c['no_show']} "
                     f"取消 {c['cancelled']}  待ち {_m(c['wait']['median_min'])}/{_m(c['wait']['p90_min'])}")
    lines.append(f"窓口の手続き / cases: {r['cases']['total']}")
    for p in r["cases"]["by_procedure"]:
        outs = "、".join(f"{o['ja']} {o['count']}" for o in p["outcomes"])
        lines.append(f"  {p['ja']}: {p['total']}（{outs}）")
    for c in r["cases"]["counts"]:
        lines.append(f"  {c['ja']}: {c['count']}")
    ph = r["phone"]
    lines.append(f"電話受付 / phone calls: {ph['total']}（簡単な問い合わせ {ph['trivial']}）")
    lines.append("  " + "  ".join(f"{c['mark']}{c['count']}" for c in ph["by_category"]))
    e = r["escalations"]
    lines.append(f"本市職員への引継ぎ / escalations: {e['total']}（窓口 {e['from_counter']}・電話 {e['from_phone']}）")
    for x in e["by_reason"]:
        lines.append(f"  {x['ja']}: {x['count']}")
    lines.append("引渡し / handed over: " + (f"済み {r['day']['closed_by']}" if r["day"] else "未 / not yet"))
    typer.echo("\n".join(lines))


def _period(ctx: typer.Context, a: date | None, b: date | None, xlsx: Path | None, pdf: Path | None,
            as_csv: bool, clerks: bool, config: Any, data_dir: Any) -> None:
    """`station report --from --to`: totals on screen; the files asked for written."""
    from station.domain.calendar import business_date
    from station.domain.period import PeriodKind
    from station.services.errors import ServiceError

    with station_context(ctx, config, data_dir) as st:
        first = a or business_date(st.clock.now())
        try:
            p = st.period_reports.period(PeriodKind.RANGE, first, b or first)
        except ServiceError as e:
            typer.echo(f"{e.message_ja} / {e.message_en}", err=True)
            raise typer.Exit(2) from None
        if as_csv:
            typer.echo(st.period_reports.export(p, "csv", clerks).decode("utf-8").lstrip("\ufeff"), nl=False)
            return
        for fmt, path in (("xlsx", xlsx), ("pdf", pdf)):
            if path is not None:
                path.write_bytes(st.period_reports.export(p, fmt, clerks))
                typer.echo(f"{path} を書き出しました / written", err=True)
        r = st.period_reports.report(p)
    t = r.totals
    typer.echo("\n".join([
        f"業務報告 / period report {r.start} – {r.end} ({r.days}日間)  {r.office}",
        f"番号札 / tickets: {t.tickets}  完了 {t.done} 不在 {t.no_show} 取消 {t.cancelled}  "
        f"待ち時間 中央値 {_m(r.wait.median_min)} 90% {_m(r.wait.p90_min)}  "
        f"対応時間 中央値 {_m(r.service.median_min)} 90% {_m(r.service.p90_min)}",
        f"窓口の案件 / cases: {t.cases}  交付 {t.issued}  保険証 {t.insurance_applications}  "
        f"公金 {t.public_funds_registrations}",
        f"電話受付 / phone calls: {t.phone}（1日平均 {r.phone_per_day_avg}・設計 {r.phone_design_per_day}）",
        f"本市職員への引継ぎ / escalations: {t.escalations}",
    ]))


@purge_app.callback()
def purge(
    ctx: typer.Context,
    older_than: Annotated[int | None, typer.Option("--older-than", min=0,
                                                   help="days (default: [backoffice] retention_days)")] = None,
    force: Annotated[bool, typer.Option("--force", help="also days not handed over / cases still open")] = False,
    reason: Annotated[str | None, typer.Option("--reason", help="why a forced purge is needed (audited)")] = None,
    config: ConfigOpt = None,
    data_dir: DataDirOpt = None,
) -> None:
    """保存期間を過ぎた個人情報を削除する / purge personal data older than the retention."""
    if force and not (reason or "").strip():
        typer.echo("--force には --reason（理由）が必要です / --force needs --reason", err=True)
        raise typer.Exit(2)
    with station_context(ctx, config, data_dir) as st:
        r = st.end_of_day.purge(cli_actor("cli"), older_than, force, reason)
    typer.echo(f"削除しました / purged: 案件 cases {r['purged_cases']}, 電話 calls {r['purged_calls']}, "
               f"カード cards {r['purged_cards']} (days <= {r['cutoff']}{', forced' if force else ''})")
    if r["refused"]:
        typer.echo("削除しなかったもの / refused (use --force --reason to purge anyway):", err=True)
        for x in r["refused"]:
            typer.echo(f"  {x['date']}: {x['reason_ja']} / {x['reason_en']}", err=True)
        raise typer.Exit(1)
