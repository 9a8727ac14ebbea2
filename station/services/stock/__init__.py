"""Card stock use cases (D-BO-1..4, D-TEL-4): the service in `service.py`, its read models in `views.py`,
its SQL in station.store.stock_repo. Import from here; the split is this package's own business."""

from station.services.stock.importing import ImportRejected, ProgressFn
from station.services.stock.service import StockService, summary_of
from station.services.stock.views import (
    ApplicationStatus,
    BoxView,
    CardEventView,
    CardPage,
    CardSummary,
    CardView,
    CheckResult,
    ImportResult,
    MailResult,
    NoticeCheck,
    ProblemView,
    RangeResult,
    ShelfFind,
    SlotView,
)
from station.store.stock_repo import INSERT_COLUMNS

__all__ = [
    "INSERT_COLUMNS",
    "ApplicationStatus",
    "BoxView",
    "CardEventView",
    "CardPage",
    "CardSummary",
    "CardView",
    "CheckResult",
    "ImportRejected",
    "ImportResult",
    "MailResult",
    "NoticeCheck",
    "ProblemView",
    "ProgressFn",
    "RangeResult",
    "ShelfFind",
    "SlotView",
    "StockService",
    "summary_of",
]
