"""The login lookup cache of one daemon: who a token or session secret is, for a moment (issue 6, issue 19).

A busy counter makes several requests a second, and each lookup was a pool checkout and an ORM query —
on SQLite an eighth of the daemon's CPU per request. Entries live `ttl` seconds. On PostgreSQL a change
made elsewhere (another daemon, a command) counts within that time. On SQLite (one PC) every entry is
also checked against a marker file beside the database (`station.db-logins`), which every login-ending
change rewrites — in the daemon or in a command beside it — so `station token revoke` counts at the next
request, for the price of one stat.
"""

from __future__ import annotations

import os
import secrets
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Generic, TypeVar

T = TypeVar("T")


def marker_beside(bind: object) -> Path | None:
    """The login marker of a SQLite database file (None for anything else, e.g. in-memory)."""
    url = getattr(bind, "url", None)
    database = getattr(url, "database", None)
    if url is None or url.get_backend_name() != "sqlite" or not database or database == ":memory:":
        return None
    return Path(database).with_name(Path(database).name + "-logins")


class LoginCache(Generic[T]):
    def __init__(self, *, enabled: bool, marker: Path | None, ttl: float, max_entries: int,
                 monotonic: Callable[[], float]) -> None:
        self.enabled = enabled or marker is not None
        self.marker = marker
        self.ttl = ttl
        self.max_entries = max_entries
        self._monotonic = monotonic
        self._entries: dict[str, tuple[float, T, object]] = {}
        self._lock = threading.Lock()

    def _generation(self) -> object:
        """What the marker file looks like now: a login-ending change anywhere replaces it."""
        if self.marker is None:
            return None
        try:
            st = os.stat(self.marker)
        except OSError:
            return 0
        return (st.st_ino, st.st_mtime_ns)

    def get(self, key: str) -> T | None:
        if not self.enabled:
            return None
        with self._lock:
            hit = self._entries.get(key)
        if hit is None or self._monotonic() - hit[0] > self.ttl:
            return None
        if self.marker is not None and hit[2] != self._generation():
            return None
        return hit[1]

    def put(self, key: str, value: T) -> None:
        if not self.enabled:
            return
        with self._lock:
            if len(self._entries) >= self.max_entries:
                self._entries.clear()
            self._entries[key] = (self._monotonic(), value, self._generation())

    def forget(self) -> None:
        """Drop every entry here, and (SQLite) rewrite the marker so the other processes drop theirs."""
        with self._lock:
            self._entries.clear()
        if self.marker is not None:
            try:
                tmp = self.marker.with_name(self.marker.name + f".{os.getpid()}.tmp")
                tmp.write_text(secrets.token_hex(8), encoding="ascii")
                os.replace(tmp, self.marker)  # a new file: another inode, whatever the clock's resolution
            except OSError:  # cannot tell the others: stop trusting the cache here at least
                self.enabled = False
