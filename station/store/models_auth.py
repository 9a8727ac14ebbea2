"""Users, server-side login sessions, API tokens and failed logins (issue 6, items 4–5).

Secrets are never stored: passwords as argon2 hashes, session cookies and API tokens as SHA-256 of a
random 256-bit value (enough for a value nobody can guess; argon2 is for what people choose).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from station.store.models import Base, UtcDateTime


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    role: Mapped[str] = mapped_column(String(16), nullable=False)
    # A clerk's own counter; None: chosen at login (clerks) or not needed (other roles).
    counter_id: Mapped[int | None] = mapped_column(Integer)
    password_hash: Mapped[str] = mapped_column(String(255), nullable=False)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False)


class AuthSession(Base):
    """A browser login. The cookie holds the secret; this row holds its hash, the CSRF token and expiry."""

    __tablename__ = "auth_sessions"
    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True)
    csrf_token: Mapped[str] = mapped_column(String(64), nullable=False)
    counter_id: Mapped[int | None] = mapped_column(Integer)
    client: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False, index=True)


class ApiToken(Base):
    """A device's or script's credential (`Authorization: Bearer …`), carrying a role."""

    __tablename__ = "api_tokens"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    role: Mapped[str] = mapped_column(String(16), nullable=False)
    counter_id: Mapped[int | None] = mapped_column(Integer)
    token_hash: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class LoginFailure(Base):
    """One failed login, for rate limiting across every daemon of the office (shared database).

    The name typed is kept only as a hash: people sometimes type their password into the name field."""

    __tablename__ = "login_failures"
    __table_args__ = (Index("ix_login_failures_key", "name_hash", "client", "at"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    client: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False)
