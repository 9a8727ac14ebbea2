"""The SQL of users, logins, sessions and API tokens: the only code that reads or writes `users`,
`auth_sessions`, `login_failures` and `api_tokens` (and the ticket columns the web layer's scope check needs).

Why apart: station.services.auth decides who may log in and what is audited; this module only knows how
those facts are stored. Functions take the caller's Session, so a use case decides the transaction.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from station.store.models import Ticket
from station.store.models_auth import ApiToken, AuthSession, LoginFailure, User


def is_pg(sessions_bind: Any) -> bool:
    """Whether the database is PostgreSQL (the auth cache is only worth it there)."""
    return getattr(getattr(sessions_bind, "dialect", None), "name", "") == "postgresql"


# --- users --------------------------------------------------------------------------------------------
def user_by_name(s: Session, name: str) -> User | None:
    return s.scalars(select(User).where(User.name == name)).first()


def user_exists(s: Session, name: str) -> bool:
    return s.scalar(select(User.id).where(User.name == name)) is not None


def user_names(s: Session) -> set[str]:
    return set(s.scalars(select(User.name)))


def users(s: Session) -> list[User]:
    return list(s.scalars(select(User).order_by(User.name)))


def add(s: Session, row: Any) -> Any:
    s.add(row)
    s.flush()
    return row


def get_user(s: Session, user_id: int) -> User | None:
    return s.get(User, user_id)


# --- tokens -------------------------------------------------------------------------------------------
def token_exists(s: Session, name: str) -> bool:
    return s.scalar(select(ApiToken.id).where(ApiToken.name == name)) is not None


def token_by_name(s: Session, name: str) -> ApiToken | None:
    return s.scalars(select(ApiToken).where(ApiToken.name == name)).first()


def token_by_hash(s: Session, token_hash: str) -> ApiToken | None:
    return s.scalars(select(ApiToken).where(ApiToken.token_hash == token_hash)).first()


def tokens(s: Session) -> list[ApiToken]:
    return list(s.scalars(select(ApiToken).order_by(ApiToken.name)))


# --- sessions and failures ----------------------------------------------------------------------------
def failures_since(s: Session, name_hash: str, client: str, since: datetime) -> int:
    return int(s.scalar(select(func.count()).select_from(LoginFailure).where(
        LoginFailure.name_hash == name_hash, LoginFailure.client == client, LoginFailure.at > since)) or 0)


def add_failure(s: Session, name_hash: str, client: str, at: datetime, window_start: datetime) -> None:
    """Record one failed login, dropping the failures older than the counting window."""
    s.execute(delete(LoginFailure).where(LoginFailure.at <= window_start))
    s.add(LoginFailure(name_hash=name_hash, client=client, at=at))


def clear_failures(s: Session, name_hash: str, client: str) -> None:
    s.execute(delete(LoginFailure).where(LoginFailure.name_hash == name_hash, LoginFailure.client == client))


def drop_expired_sessions(s: Session, now: datetime) -> None:
    s.execute(delete(AuthSession).where(AuthSession.expires_at <= now))


def drop_sessions_of(s: Session, user_id: int) -> None:
    s.execute(delete(AuthSession).where(AuthSession.user_id == user_id))


def drop_session(s: Session, id_hash: str) -> int:
    return int(s.execute(delete(AuthSession).where(AuthSession.id_hash == id_hash)).rowcount or 0)


def session_with_user(s: Session, id_hash: str) -> tuple[AuthSession, User] | None:
    row = s.execute(select(AuthSession, User).join(User, User.id == AuthSession.user_id)
                    .where(AuthSession.id_hash == id_hash)).first()
    return (row[0], row[1]) if row else None


# --- what the web layer's scope checks need -----------------------------------------------------------
def ticket_scope(s: Session, ticket_id: int) -> tuple[int | None, int | None, str] | None:
    """(counter, target counter, category) of a ticket."""
    row = s.execute(select(Ticket.counter_id, Ticket.target_counter_id, Ticket.category)
                    .where(Ticket.id == ticket_id)).first()
    return (row[0], row[1], row[2]) if row else None
