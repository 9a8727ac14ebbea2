"""The office's one time zone: every wall-clock time in the station is Asia/Tokyo (D-CAL).

One name (`TOKYO`) and one definition, so a date computed by the queue, the certificate rule and a slip
is the same date.
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

TOKYO = ZoneInfo("Asia/Tokyo")

WEEKDAYS = "月火水木金土日"


def ja_datetime(at: datetime | str | None, *, seconds: bool = False) -> str:
    """A moment as a person in the office reads it: Tokyo time, Japanese style —
    「2026年12月2日（水）8時48分」. Stored times are UTC; an ISO string (as the JSON views carry) is accepted
    too. Nothing (None, "") gives 「—」, never 'None'."""
    if not at:
        return "—"
    if isinstance(at, str):
        at = datetime.fromisoformat(at)
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)  # what the store hands back is UTC
    t = at.astimezone(TOKYO)
    s = f"{t.year}年{t.month}月{t.day}日（{WEEKDAYS[t.weekday()]}）{t.hour}時{t.minute:02d}分"
    return s + f"{t.second:02d}秒" if seconds else s
