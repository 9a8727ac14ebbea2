"""`station stock …`: card stock from the command line (D-BO-1..4).

    station stock import FILE          import a カード発行一覧 CSV (exit 1 and the bad-row report if any row is bad)
    station stock find NOTICE_OR_MFG   one card: status, slot, deadline (and the holder's kana name, birth date)
    station stock mail --from MFG --to MFG --date D    mark a range mailed (inspected cards only)
    station stock mail --notice N --notice N …  --date D
    station stock move CARD TO [--reason R]             one lifecycle step (inspected, defect, ready, …)
    station stock labels [--box N]     box labels (BOX-0001 …) with their ranges, or one box's slots
    station stock overdue              cards past their receipt deadline; --stale: old applications not mailed

Like every `station` command it takes --config / --data-dir (before or after the subcommand).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from station.cli_common import ConfigOpt, DataDirOpt, cli_actor, station_context
from station.domain.timezone import ja_datetime  # Tokyo, Japanese style (issue 12)

stock_app = typer.Typer(help="カード在庫・交付通知書 / card stock and notices", no_args_is_help=True)



@stock_app.command("import")
def import_(ctx: typer.Context, file: Path, config: ConfigOpt = None, data_dir: DataDirOpt = None,
            check: Annotated[bool, typer.Option("--check", help="validate only, write nothing")] = False) -> None:
    """カード発行一覧を取り込む / import the card issuance list (all rows or none)."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from station.services.stock import ImportRejected

    if not file.is_file():
        typer.echo(f"ファイルがありません / no such file: {file}", err=True)
        raise typer.Exit(2)
    with station_context(ctx, config, data_dir) as st:
        data = file.read_bytes()
        if check:
            report = st.stock.check_file(data)
            if report.ok:
                typer.echo(f"OK: {report.row_count}行、誤りはありません / {report.row_count} rows, no problems "
                           f"({report.encoding})")
                return
            _print_report(report)
            raise typer.Exit(1)
        with Progress(TextColumn("取込中 / importing"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                      transient=True) as bar:
            task = bar.add_task("import", total=None)

            def progress(done: int, total: int) -> None:
                bar.update(task, completed=done, total=total)

            try:
                r = st.stock.import_bytes(data, file.name, cli_actor(), progress)
            except ImportRejected as e:
                bar.stop()
                _print_report(e.report)
                raise typer.Exit(1) from None
    if r.already_imported:
        typer.echo(f"取込済みのファイルです（バッチ {r.batch_id}）。何も変更していません / "
                   f"already imported as batch {r.batch_id}; nothing changed")
        return
    typer.echo(f"{r.imported}枚を取り込みました（{r.encoding}、保管箱 BOX-{r.first_box:04d}〜BOX-{r.last_box:04d}）"
               f" / imported {r.imported} cards (batch {r.batch_id}, boxes {r.first_box}-{r.last_box})")


def _print_report(report) -> None:  # type: ignore[no-untyped-def]
    ja, en = report.summary_ja_en()
    typer.echo(f"{ja} / {en}", err=True)
    for p in report.problems:
        typer.echo(f"  {p.text()}", err=True)


@stock_app.command("find")
def find(ctx: typer.Context, notice_or_mfg: str, config: ConfigOpt = None, data_dir: DataDirOpt = None,
         history: Annotated[bool, typer.Option("--history", help="show the card's lifecycle")] = False) -> None:
    """カードを探す / find a card by notice number or manufacturing number."""
    with station_context(ctx, config, data_dir) as st:
        c = st.stock.find(notice_or_mfg)
        slot = (f"{c.box_label} の {c.position}番目 / slot {c.box_label}#{c.position}" if c.box
                else "棚にありません / not on the shelf")
        typer.echo(f"製造管理番号 {c.manufacturing_no}  交付通知書番号 {c.notice_no}  (id {c.id})")
        typer.echo(f"状態 / status: {c.status_ja} ({c.status})"
                   + (f"  不良 / defect: {c.defect_reason}" if c.defect_reason else "")
                   + (f"  返納 / returned: {c.return_reason}" if c.return_reason else ""))
        typer.echo(f"保管場所 / slot: {slot}")
        typer.echo(f"氏名（カナ） / name: {c.name_kana or '（削除済み / purged）'}")
        typer.echo(f"生年月日 / birth date: {c.birth_date or '（削除済み / purged）'}")
        typer.echo(f"申請日 / applied: {c.application_date}  申請書ID: {c.application_id}")
        if c.mailed_on:
            late = "  ※受取期限切れ / past deadline" if c.past_deadline else ""
            typer.echo(f"発送日 / mailed: {c.mailed_on}  受取期限 / deadline: {c.receipt_deadline}{late}")
        if history:
            for e in st.stock.history(c.id):
                typer.echo(f"  {ja_datetime(e.at)} {e.actor}: {e.from_status or '-'} → {e.to_status} "
                           f"{e.reason} {e.detail}".rstrip())


@stock_app.command("mail")
def mail(ctx: typer.Context,
         date_: Annotated[str, typer.Option("--date", help="mailing date YYYY-MM-DD")],
         from_: Annotated[str | None, typer.Option("--from", help="first manufacturing number")] = None,
         to: Annotated[str | None, typer.Option("--to", help="last manufacturing number")] = None,
         notice: Annotated[list[str] | None, typer.Option("--notice", help="scanned notice number (repeat)")] = None,
         config: ConfigOpt = None, data_dir: DataDirOpt = None) -> None:
    """交付通知書を発送済にする / mark notices mailed (a manufacturing-number range, or scanned notices)."""
    try:
        day = date.fromisoformat(date_)
    except ValueError:
        typer.echo(f"日付は YYYY-MM-DD で指定してください / --date must be YYYY-MM-DD: {date_}", err=True)
        raise typer.Exit(2) from None
    if bool(notice) == bool(from_ or to) or (not notice and not (from_ and to)):
        typer.echo("--from と --to、または --notice を指定してください / give --from and --to, or --notice", err=True)
        raise typer.Exit(2)
    with station_context(ctx, config, data_dir) as st:
        if notice:
            r = st.stock.mail_notices(notice, day, cli_actor())
        else:
            assert from_ and to
            r = st.stock.mail_range(from_, to, day, cli_actor())
    skipped = "".join(f"、{k} {v}枚" for k, v in r.skipped.items())
    typer.echo(f"{r.mailed}枚を発送済にしました（発送日 {r.mailed_on}、受取期限 {r.receipt_deadline}）"
               + (f" 対象外{skipped}" if skipped else "")
               + f" / marked {r.mailed} mailed on {r.mailed_on}, receipt deadline {r.receipt_deadline}"
               + (f"; skipped {r.skipped}" if r.skipped else ""))


@stock_app.command("move")
def move(ctx: typer.Context, card: str, to: str,
         reason: Annotated[str | None, typer.Option(help="defect: print|photo|data_mismatch; "
                                                    "returned: deadline_passed|defect|cancelled")] = None,
         config: ConfigOpt = None, data_dir: DataDirOpt = None) -> None:
    """カードの状態を進める / move one card to its next status (inspected, defect, ready, returned …)."""
    with station_context(ctx, config, data_dir) as st:
        c = st.stock.transition(card, to, cli_actor(), reason=reason)
    typer.echo(f"{c.manufacturing_no}: {c.status_ja} ({c.status})")


@stock_app.command("labels")
def labels(ctx: typer.Context, config: ConfigOpt = None, data_dir: DataDirOpt = None,
           box: Annotated[int | None, typer.Option(help="list one box's slots")] = None) -> None:
    """保管箱ラベルの一覧 / box labels with their manufacturing-number ranges (or one box's slots)."""
    with station_context(ctx, config, data_dir) as st:
        if box is not None:
            for sl in st.stock.box_slots(box):
                typer.echo(f"{sl.position:4d}  {sl.manufacturing_no}  {sl.notice_no}  {sl.status}")
            return
        boxes = st.stock.boxes()
        if not boxes:
            typer.echo("保管箱はありません / no boxes in use")
        for b in boxes:
            typer.echo(f"{b.label}  {b.first_manufacturing_no}〜{b.last_manufacturing_no}  {b.count:4d}枚  "
                       f"ロット {b.delivery_lot}")


@stock_app.command("overdue")
def overdue(ctx: typer.Context, config: ConfigOpt = None, data_dir: DataDirOpt = None,
            stale: Annotated[bool, typer.Option("--stale", help="applications over a month old, not mailed "
                                                "(D-TEL-4)")] = False) -> None:
    """受取期限切れのカード / cards past their receipt deadline (or --stale applications)."""
    with station_context(ctx, config, data_dir) as st:
        cards = st.stock.stale_applications() if stale else st.stock.overdue()
        what = ("申請から日数が経ち通知書未発送", "old applications without a mailed notice") if stale else \
            ("受取期限切れ", "past the receipt deadline")
        typer.echo(f"{what[0]}: {len(cards)}枚 / {what[1]}: {len(cards)}")
        for c in cards:
            typer.echo(f"  {c.manufacturing_no}  {c.notice_no}  {c.status:9}  申請 {c.application_date}  "
                       f"期限 {c.receipt_deadline or '-'}  {c.box_label or '-'}#{c.position or '-'}")
