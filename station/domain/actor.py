"""Who acts: a user, a device or the system, and from which client address (for the audit log)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Actor:
    name: str
    client: str = ""

    @classmethod
    def system(cls) -> Actor:
        return cls("system")
