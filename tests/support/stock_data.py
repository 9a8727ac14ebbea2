"""Obviously fake card-stock rows for tests, samples and the benchmark (no real person, no real number)."""

from __future__ import annotations

from datetime import date, timedelta

from station.domain.barcodes import make_notice_number
from station.domain.card_record import CardRecord, NoticeType

FAMILY = ["ヤマダ", "テスト", "サンプル", "タナカ", "スズキ", "カトウ", "ミホン", "ダミー"]
GIVEN = ["タロウ", "ハナコ", "イチロウ", "ジロウ", "サクラ", "ケンタ", "ユイ", "ソラ"]


def fake_record(i: int, *, mfg_base: int = 260_100_000_000, lot: str = "L2026-11-A", prefix: str = "TST",
                application_date: date = date(2026, 10, 1)) -> CardRecord:
    """The i-th fake card: manufacturing number mfg_base+i, notice number TST-iiiiiC (i < 100,000)."""
    return CardRecord(
        manufacturing_no=f"{mfg_base + i:012d}",
        notice_no=make_notice_number(prefix, i % 100_000),
        application_id=f"9{i:022d}",
        name_kana=f"{FAMILY[i % len(FAMILY)]}\u3000{GIVEN[(i // len(FAMILY)) % len(GIVEN)]}",
        birth_date=date(1950, 1, 1) + timedelta(days=(i * 37) % 25_000),
        application_date=application_date - timedelta(days=i % 20),
        notice_type=NoticeType.NUMBER_NOTICE if i % 3 else NoticeType.NOTIFICATION_CARD,
        is_renewal=i % 5 == 0,
        has_juki_card=i % 7 == 0,
        delivery_lot=lot,
    )


def fake_records(n: int, start: int = 0, **kw: object) -> list[CardRecord]:
    return [fake_record(i, **kw) for i in range(start, start + n)]  # type: ignore[arg-type]
