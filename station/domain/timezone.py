"""The office's one time zone: every wall-clock time in the station is Asia/Tokyo (D-CAL).

One name (`TOKYO`) and one definition, so a date computed by the queue, the certificate rule and a slip
is the same date.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

TOKYO = ZoneInfo("Asia/Tokyo")
