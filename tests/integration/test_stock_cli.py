"""`station stock …` through Typer's CliRunner, against one installation (data dir + database URL)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from station.cli import app as cli
from station.domain.stock_csv import write_stock_csv
from tests.conftest import EXAMPLE_CONFIG
from tests.support.stock_data import fake_record, fake_records


@pytest.fixture
def run(tmp_path: Path, database_url: str):  # type: ignore[no-untyped-def]
    runner = CliRunner()
    env = {"STATION_DATABASE_URL": database_url, "STATION_STOCK__BOX_SIZE": "10"}

    def invoke(*args: str):  # type: ignore[no-untyped-def]
        return runner.invoke(cli, ["--config", str(EXAMPLE_CONFIG), "--data-dir", str(tmp_path / "data"), *args],
                             env=env)

    return invoke


def test_import_find_mail_labels_overdue(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    f = tmp_path / "list.csv"
    f.write_bytes(write_stock_csv(fake_records(25), encoding="cp932"))
    r = run("stock", "import", str(f))
    assert r.exit_code == 0, r.output
    assert "25枚を取り込みました" in r.output and "BOX-0001〜BOX-0003" in r.output
    r = run("stock", "import", str(f))
    assert r.exit_code == 0 and "取込済み" in r.output and "nothing changed" in r.output

    rec = fake_record(12)
    r = run("stock", "find", rec.notice_no)
    assert r.exit_code == 0, r.output
    assert rec.manufacturing_no in r.output and "BOX-0002 の 3番目" in r.output and rec.name_kana in r.output  # type: ignore[operator]

    for i in range(5):
        assert run("stock", "move", fake_record(i).manufacturing_no, "inspected").exit_code == 0
    r = run("stock", "move", fake_record(20).manufacturing_no, "issued")
    assert r.exit_code == 1 and "変更できません" in r.output
    r = run("stock", "mail", "--from", fake_record(0).manufacturing_no, "--to", fake_record(9).manufacturing_no,
            "--date", "2026-09-01")
    assert r.exit_code == 1 and "申請日より前" in r.output
    r = run("stock", "mail", "--from", fake_record(0).manufacturing_no, "--to", fake_record(9).manufacturing_no,
            "--date", "2026-10-15")
    assert r.exit_code == 0, r.output
    assert "5枚を発送済" in r.output and "2027-01-13" in r.output and "received" in r.output
    r = run("stock", "find", rec.manufacturing_no, "--history")
    assert r.exit_code == 0 and "→ received" in r.output

    r = run("stock", "labels")
    assert r.exit_code == 0 and r.output.count("BOX-") == 3 and "L2026-11-A" in r.output
    r = run("stock", "labels", "--box", "3")
    assert r.exit_code == 0 and len(r.output.strip().splitlines()) == 5

    r = run("stock", "overdue")  # the command runs on the real clock: deadline 2027-01-13
    late = 5 if date.today() > date(2027, 1, 13) else 0
    assert r.exit_code == 0 and f"受取期限切れ: {late}枚" in r.output
    r = run("stock", "overdue", "--stale")  # applications from 2026-09 / 2026-10, not mailed (real clock)
    assert r.exit_code == 0 and "old applications" in r.output


def test_bad_file_prints_the_report_and_exits_1(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    f = tmp_path / "bad.csv"
    recs = fake_records(100)
    data = write_stock_csv(recs).replace(recs[41].notice_no.encode(), b"AB1-234567")
    f.write_bytes(data)
    r = run("stock", "import", str(f))
    assert r.exit_code == 1
    assert "100行中1行に誤りがあります" in r.output and "43行目 [交付通知書番号]" in r.output
    assert "check digit" in r.output
    r = run("stock", "import", str(f), "--check")
    assert r.exit_code == 1 and "43行目" in r.output
    r = run("stock", "labels")
    assert r.exit_code == 0 and "保管箱はありません" in r.output
    assert run("stock", "import", str(tmp_path / "missing.csv")).exit_code == 2
