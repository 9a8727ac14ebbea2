"""The audit log: who did what, when, from where. Callers pass ids and numbers, never personal data.

`record` writes in the caller's transaction (most services use `Change.audit` instead); the SQL is in
`station/store/audit_repo.py` and the actor in `station/domain/actor.py`.
"""

from __future__ import annotations

from station.domain.actor import Actor
from station.store.audit_repo import record

__all__ = ["Actor", "record"]
