"""Who is calling and what the auth service answers: the principal, the read models (pydantic, returned by
the routers as they are) and the errors with their HTTP codes. Apart from station.services.auth so that
the web layer's security (web/security.py) can name a Principal without the service's password machinery.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from station.domain import navigation, roles
from station.services.errors import ServiceError


class Unauthorized(ServiceError):
    status_code = 401


class Forbidden(ServiceError):
    status_code = 403


class TooManyAttempts(ServiceError):
    status_code = 429


@dataclass(frozen=True)
class Principal:
    """Who is calling: a logged-in user (via="session") or an API token (via="token").

    `name` is what the audit log records as the actor (web/deps.get_actor reads it)."""

    name: str
    role: str
    counter_id: int | None
    via: str
    csrf_token: str = ""
    expires_at: datetime | None = None

    def can(self, permission: roles.Permission | str) -> bool:
        return roles.allowed(self.role, permission)


class _View(BaseModel):
    model_config = ConfigDict(frozen=True)


class MeView(_View):
    """The caller as /api/auth/me and the login answer show it."""

    name: str
    role: str
    role_name_ja: str
    role_name_en: str
    counter_id: int | None
    via: str = Field(description="session (browser login) or token (device/script)")
    permissions: list[str]
    csrf_token: str = Field(description="send as X-CSRF-Token on state-changing calls (sessions only)")
    expires_at: datetime | None
    home: str = Field("/", description="where this user lands after login (their counter, /staff, /reports …)")

    @classmethod
    def of(cls, p: Principal) -> MeView:
        from station.messages import both

        ja, en = both(roles.ROLE_NAMES[roles.Role(p.role)])
        return cls(name=p.name, role=p.role, role_name_ja=ja, role_name_en=en, counter_id=p.counter_id,
                   via=p.via, permissions=roles.permissions(p.role), csrf_token=p.csrf_token,
                   expires_at=p.expires_at, home=navigation.landing(p.role, p.counter_id))


class UserView(_View):
    id: int
    name: str
    role: str
    counter_id: int | None
    active: bool
    created_at: datetime


class TokenView(_View):
    id: int
    name: str
    role: str
    counter_id: int | None
    created_at: datetime
    revoked: bool


@dataclass(frozen=True)
class LoginResult:
    session_secret: str
    principal: Principal


class AuditView(_View):
    id: int
    at: datetime
    actor: str
    action: str
    target: str
    detail: str
    client: str
    ticket_id: int | None


@dataclass(frozen=True)
class TicketScope:
    counter_id: int | None
    target_counter_id: int | None
    category: str
