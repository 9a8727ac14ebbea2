"""`station manual …`: the operating manual's files from the command line (issue 16).

    station manual export DIR     every published article as DIR/<slug>.md (front matter + Markdown)
    station manual import DIR     DIR/*.md, all or nothing: changed files become new versions
    station manual pdf FILE       the printed manual (A4, table of contents, dated with its edition)

The city keeps the manual in its own document system and brings it back with `import`; on the screens
city staff do the same through /manual/review. Like every `station` command it takes --config / --data-dir.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from station.cli_stock import ConfigOpt, DataDirOpt, _actor, _station

manual_app = typer.Typer(help="運営マニュアル / operating manual", no_args_is_help=True)


@manual_app.command("export")
def export(ctx: typer.Context, folder: Path, config: ConfigOpt = None, data_dir: DataDirOpt = None) -> None:
    """Write every published article as a Markdown file with front matter."""
    with _station(ctx, config, data_dir) as st:
        files = st.manual.export_files()
    folder.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        (folder / name).write_text(content, encoding="utf-8")
    typer.echo(f"{len(files)}件を書き出しました / wrote {len(files)} files to {folder}")


@manual_app.command("import")
def import_(ctx: typer.Context, folder: Annotated[Path, typer.Argument(exists=True, file_okay=False)],
            config: ConfigOpt = None, data_dir: DataDirOpt = None) -> None:
    """Import a folder of Markdown files (nothing changes if any file is wrong)."""
    with _station(ctx, config, data_dir) as st:
        r = st.manual.import_dir(folder, _actor())
        st.manual.wait_readings()  # the kana readings are stored after the import's commit
    n = (len(r.created), len(r.updated), len(r.unchanged))
    typer.echo(f"新規 {n[0]} / 更新 {n[1]} / 変更なし {n[2]}（第{r.edition}版） — "
               f"created {n[0]}, updated {n[1]}, unchanged {n[2]} (edition {r.edition})")


@manual_app.command("pdf")
def pdf(ctx: typer.Context, out: Path, config: ConfigOpt = None, data_dir: DataDirOpt = None) -> None:
    """Write the printed manual as an A4 PDF."""
    with _station(ctx, config, data_dir) as st:
        data, edition = st.manual.pdf()
    out.write_bytes(data)
    typer.echo(f"第{edition}版を {out} に書き出しました / wrote edition {edition} to {out}")
