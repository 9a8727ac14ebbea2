"""Which request the current code runs for: its id (`X-Request-ID`) for log lines and audit entries.

Apart from logging and the store because both read it: set by the web layer's middleware, copied into
the worker thread of a plain `def` route with the context, read by the log formatter and the audit writer.
"""

from __future__ import annotations

import contextvars

request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("station_request_id", default=None)
