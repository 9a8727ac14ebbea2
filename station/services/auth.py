"""Users, logins, sessions and API tokens (issue 6, items 4–5).

- Passwords: argon2id (argon2-cffi's defaults), rehashed on login when the parameters change. An unknown
  name costs the same verification as a known one, so timing does not tell which names exist.
- Sessions: server-side rows with an absolute expiry by the station clock; the cookie carries a random
  256-bit secret, the table only its SHA-256. Each session has its own CSRF token.
- API tokens: `stn_…` secrets shown once, stored as SHA-256, carrying a role (and a clerk's counter).
- Rate limiting: failed logins per (name, client) are rows in the shared database, so every daemon of
  the office counts the same failures; past the limit the login is refused with 429 before the
  password is even checked.
- Who a request is: on PostgreSQL the token or session lookup is cached for `AUTH_CACHE_SECONDS` (a busy
  counter makes several requests a second, and each lookup was a pool checkout, a ping and three round
  trips). Logout, a password change and a token revocation made by this daemon drop the cache at once;
  the same change made elsewhere (another daemon, `station token revoke`) takes effect here within those
  seconds. Expiry is checked on every request. On SQLite (one PC, where the lookup is a local file read
  and the commands beside the daemon expect their change to count at once) nothing is cached.
- Audit: login, logout, failed and refused logins, user and token creation, with the same `Actor`
  as every other change. Never a password, a token or a typed-in name that matches no user (it may be
  a password typed into the wrong field).
"""

from __future__ import annotations

import hashlib
import re
import secrets
import threading
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from station.clock import Clock
from station.config import StationSettings
from station.domain import roles
from station.domain.timezone import TOKYO
from station.services import audit
from station.services.audit import Actor
from station.services.errors import Conflict, Invalid, NotFound, ServiceError
from station.store.models import AuditEntry, Ticket
from station.store.models_auth import ApiToken, AuthSession, LoginFailure, User

AUTH_CACHE_SECONDS = 2.0  # how long a looked-up token or session is trusted without asking the database
AUTH_CACHE_MAX = 1000  # entries; past this the cache starts again (only real tokens and sessions get in)
_monotonic = time.monotonic  # the cache's clock (tests replace it: the cache is not the station's clock)
NAME_RE = re.compile(r"^[A-Za-z0-9_.@-]{1,64}$")
MIN_PASSWORD = 8
TOKEN_PREFIX = "stn_"

# Simulator mode: one demo user per role, with documented passwords (README). Never on a real station.
DEMO_USERS: list[tuple[str, roles.Role, int | None, str]] = [
    ("clerk1", roles.Role.CLERK, 1, "demo-clerk"),
    ("clerk2", roles.Role.CLERK, 2, "demo-clerk"),
    ("clerk3", roles.Role.CLERK, 3, "demo-clerk"),
    ("supervisor", roles.Role.SUPERVISOR, None, "demo-supervisor"),
    ("staff", roles.Role.CITY_STAFF, None, "demo-staff"),
    ("admin", roles.Role.ADMIN, None, "demo-admin"),
]


def cheap_hasher() -> PasswordHasher:
    """For passwords that are public anyway (the simulator's demo users) and for tests: argon2id with
    minimal cost. Real users get argon2-cffi's defaults (RFC 9106 low-memory profile)."""
    return PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


DEMO_NAMES = frozenset(d[0] for d in DEMO_USERS)


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


@dataclass(frozen=True)
class UserView:
    id: int
    name: str
    role: str
    counter_id: int | None
    active: bool
    created_at: datetime


@dataclass(frozen=True)
class TokenView:
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


@dataclass(frozen=True)
class AuditView:
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


def _sha256(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def _client(value: str) -> str:
    return (value or "")[:64]


class AuthService:
    def __init__(self, settings: StationSettings, sessions: sessionmaker[Session], clock: Clock,
                 hasher: PasswordHasher | None = None) -> None:
        self.settings = settings
        self.sessions = sessions
        self.clock = clock
        self.hasher = hasher or PasswordHasher()
        self._dummy_hash: str | None = None
        self._cache: dict[str, tuple[float, Principal]] = {}
        self._cache_lock = threading.Lock()
        bind = sessions.kw.get("bind")
        self._cache_on = getattr(getattr(bind, "dialect", None), "name", "") == "postgresql"

    # --- the lookup cache ------------------------------------------------------------------------
    def _cached(self, key: str) -> Principal | None:
        if not self._cache_on:
            return None
        with self._cache_lock:
            hit = self._cache.get(key)
        if hit is None or _monotonic() - hit[0] > AUTH_CACHE_SECONDS:
            return None
        p = hit[1]
        if p.expires_at is not None and p.expires_at <= self.clock.now():
            return None
        return p

    def _remember(self, key: str, principal: Principal) -> None:
        if not self._cache_on:
            return
        with self._cache_lock:
            if len(self._cache) >= AUTH_CACHE_MAX:
                self._cache.clear()
            self._cache[key] = (_monotonic(), principal)

    def forget_logins(self) -> None:
        """Drop every cached token and session lookup: the next request of each asks the database again.
        Called after every change that can end a login (logout, password, token revocation); call it too
        after deactivating a user."""
        with self._cache_lock:
            self._cache.clear()

    # --- validation ------------------------------------------------------------------------------
    def _check_name(self, name: str) -> str:
        if not NAME_RE.match(name or ""):
            raise Invalid("ユーザー名は半角英数字と _ . @ - で64文字以内にしてください",
                          "user names are 1–64 characters of A–Z, a–z, 0–9, _ . @ -")
        return name

    def _check_role_counter(self, role: str, counter_id: int | None) -> roles.Role:
        try:
            r = roles.parse_role(role)
        except ValueError as e:
            ja, _, en = str(e).partition(" / ")
            raise Invalid(ja, en) from e
        if counter_id is not None and self.settings.counter(counter_id) is None:
            raise NotFound(f"{counter_id}番窓口はありません", f"no counter {counter_id}")
        return r

    def _check_password(self, password: str) -> None:
        if len(password or "") < MIN_PASSWORD:
            raise Invalid(f"パスワードは{MIN_PASSWORD}文字以上にしてください",
                          f"passwords need at least {MIN_PASSWORD} characters")

    # --- users -----------------------------------------------------------------------------------
    def add_user(self, name: str, role: str, password: str, counter_id: int | None = None,
                 actor: Actor | None = None, *, hasher: PasswordHasher | None = None) -> UserView:
        self._check_name(name)
        r = self._check_role_counter(role, counter_id)
        self._check_password(password)
        pw_hash = (hasher or self.hasher).hash(password)
        now = self.clock.now()
        with self.sessions.begin() as s:
            if s.scalar(select(User.id).where(User.name == name)) is not None:
                raise Conflict(f"ユーザー「{name}」は既にあります", f"user {name!r} already exists")
            u = User(name=name, role=r.value, counter_id=counter_id, password_hash=pw_hash, active=True,
                     created_at=now)
            s.add(u)
            s.flush()
            audit.record(s, now, actor or Actor("cli"), "user.add", name,
                         f"role={r.value} counter={counter_id}")
            return self._user_view(u)

    def set_password(self, name: str, password: str, actor: Actor | None = None) -> None:
        self._check_password(password)
        pw_hash = self.hasher.hash(password)
        now = self.clock.now()
        with self.sessions.begin() as s:
            u = s.scalars(select(User).where(User.name == name)).first()
            if u is None:
                raise NotFound(f"ユーザー「{name}」はありません", f"no user {name!r}")
            u.password_hash = pw_hash
            s.execute(delete(AuthSession).where(AuthSession.user_id == u.id))  # log out everywhere
            audit.record(s, now, actor or Actor("cli"), "user.password", name)
        self.forget_logins()

    def list_users(self) -> list[UserView]:
        with self.sessions() as s:
            return [self._user_view(u) for u in s.scalars(select(User).order_by(User.name))]

    @staticmethod
    def _user_view(u: User) -> UserView:
        return UserView(id=u.id, name=u.name, role=u.role, counter_id=u.counter_id, active=u.active,
                        created_at=u.created_at)

    def ensure_demo_users(self) -> list[str]:
        """Simulator mode: create the demo users that do not exist yet (names returned)."""
        with self.sessions() as s:
            existing = set(s.scalars(select(User.name)))
        made = []
        for name, role, counter, password in DEMO_USERS:
            if name in existing or (counter is not None and self.settings.counter(counter) is None):
                continue
            try:
                # public passwords: hashed cheaply, so a simulated office starts in a blink
                self.add_user(name, role.value, password, counter, Actor("simulator"), hasher=cheap_hasher())
                made.append(name)
            except (Conflict, IntegrityError):  # another daemon of the simulated office made it first
                pass
        return made

    # --- API tokens ------------------------------------------------------------------------------
    def create_token(self, name: str, role: str, counter_id: int | None = None,
                     actor: Actor | None = None) -> tuple[TokenView, str]:
        """A new token; the secret is returned once and never stored."""
        self._check_name(name)
        r = self._check_role_counter(role, counter_id)
        secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
        now = self.clock.now()
        with self.sessions.begin() as s:
            if s.scalar(select(ApiToken.id).where(ApiToken.name == name)) is not None:
                raise Conflict(f"トークン「{name}」は既にあります", f"token {name!r} already exists")
            t = ApiToken(name=name, role=r.value, counter_id=counter_id, token_hash=_sha256(secret),
                         created_at=now)
            s.add(t)
            s.flush()
            audit.record(s, now, actor or Actor("cli"), "token.create", name,
                         f"role={r.value} counter={counter_id}")
            view = TokenView(id=t.id, name=t.name, role=t.role, counter_id=t.counter_id, created_at=now,
                             revoked=False)
        return view, secret

    def revoke_token(self, name: str, actor: Actor | None = None) -> None:
        now = self.clock.now()
        with self.sessions.begin() as s:
            t = s.scalars(select(ApiToken).where(ApiToken.name == name)).first()
            if t is None:
                raise NotFound(f"トークン「{name}」はありません", f"no token {name!r}")
            t.revoked_at = now
            audit.record(s, now, actor or Actor("cli"), "token.revoke", name)
        self.forget_logins()

    def list_tokens(self) -> list[TokenView]:
        with self.sessions() as s:
            return [TokenView(id=t.id, name=t.name, role=t.role, counter_id=t.counter_id,
                              created_at=t.created_at, revoked=t.revoked_at is not None)
                    for t in s.scalars(select(ApiToken).order_by(ApiToken.name))]

    def principal_from_token(self, secret: str) -> Principal | None:
        if not secret.startswith(TOKEN_PREFIX):
            return None
        key = "t:" + _sha256(secret)
        cached = self._cached(key)
        if cached is not None:
            return cached
        with self.sessions() as s:
            t = s.scalars(select(ApiToken).where(ApiToken.token_hash == key[2:])).first()
            if t is None or t.revoked_at is not None:
                return None
            p = Principal(name=f"token:{t.name}", role=t.role, counter_id=t.counter_id, via="token")
        self._remember(key, p)
        return p

    # --- login, sessions -------------------------------------------------------------------------
    def _verify_dummy(self, password: str) -> None:
        if self._dummy_hash is None:
            self._dummy_hash = self.hasher.hash(secrets.token_urlsafe(16))
        try:
            self.hasher.verify(self._dummy_hash, password)
        except VerificationError:
            pass

    def login(self, name: str, password: str, client: str = "", counter_id: int | None = None) -> LoginResult:
        """Check the password and open a session. 429 after too many failures, 401 for a wrong pair."""
        sec = self.settings.security
        now = self.clock.now()
        client = _client(client)
        key = _sha256((name or "").strip().lower())
        window_start = now - timedelta(minutes=sec.login_window_minutes)
        with self.sessions() as s:
            failures = s.scalar(select(func.count()).select_from(LoginFailure).where(
                LoginFailure.name_hash == key, LoginFailure.client == client, LoginFailure.at > window_start,
            )) or 0
            user = s.scalars(select(User).where(User.name == name)).first()
        known = user is not None and user.active
        shown = user.name if user is not None else "(unknown)"
        if failures >= sec.login_max_failures:
            with self.sessions.begin() as s:
                audit.record(s, now, Actor(shown, client), "auth.login_refused", shown, "reason=rate_limited")
            raise TooManyAttempts(
                f"ログインの失敗が続いたため、{sec.login_window_minutes}分ほどログインできません。"
                "しばらく待ってからやり直すか、管理者に連絡してください",
                f"too many failed logins: wait {sec.login_window_minutes} minutes or ask an administrator",
                retry_after_s=sec.login_window_minutes * 60,
            )
        ok = False
        if known:
            assert user is not None
            try:
                ok = self.hasher.verify(user.password_hash, password or "")
            except (VerifyMismatchError, VerificationError, InvalidHashError):
                ok = False
        else:
            self._verify_dummy(password or "")
        if not ok:
            reason = "bad_password" if known else ("inactive" if user is not None else "unknown_user")
            with self.sessions.begin() as s:
                s.execute(delete(LoginFailure).where(LoginFailure.at <= window_start))
                s.add(LoginFailure(name_hash=key, client=client, at=now))
                audit.record(s, now, Actor(shown, client), "auth.login_failed", shown, f"reason={reason}")
            raise Unauthorized("ユーザー名またはパスワードが違います", "wrong user name or password")
        assert user is not None
        role = roles.Role(user.role)
        bound = user.counter_id if user.counter_id is not None else counter_id
        if roles.needs_counter(role):
            if bound is None:
                raise Invalid("窓口を選んでからログインしてください", "choose your counter to log in")
            if user.counter_id is not None and counter_id is not None and counter_id != user.counter_id:
                raise Forbidden(f"このユーザーは{user.counter_id}番窓口の担当です",
                                f"this user works at counter {user.counter_id}")
            if self.settings.counter(bound) is None:
                raise NotFound(f"{bound}番窓口はありません", f"no counter {bound}")
        elif not roles.allowed(role, roles.Permission.QUEUE_OPERATE):
            bound = None
        secret = secrets.token_urlsafe(32)
        csrf = secrets.token_urlsafe(32)
        expires = now + timedelta(minutes=sec.session_minutes)
        with self.sessions.begin() as s:
            s.execute(delete(AuthSession).where(AuthSession.expires_at <= now))
            s.execute(delete(LoginFailure).where(LoginFailure.name_hash == key, LoginFailure.client == client))
            s.add(AuthSession(id_hash=_sha256(secret), user_id=user.id, csrf_token=csrf, counter_id=bound,
                              client=client, created_at=now, expires_at=expires))
            if self.hasher.check_needs_rehash(user.password_hash) and user.name not in DEMO_NAMES:
                row = s.get(User, user.id)
                if row is not None:
                    row.password_hash = self.hasher.hash(password)
            audit.record(s, now, Actor(user.name, client), "auth.login", user.name,
                         f"role={role.value} counter={bound}")
        return LoginResult(secret, Principal(name=user.name, role=role.value, counter_id=bound, via="session",
                                             csrf_token=csrf, expires_at=expires))

    def principal_from_session(self, secret: str) -> Principal | None:
        if not secret:
            return None
        key = "s:" + _sha256(secret)
        cached = self._cached(key)
        if cached is not None:
            return cached
        now = self.clock.now()
        with self.sessions() as s:
            row = s.execute(
                select(AuthSession, User).join(User, User.id == AuthSession.user_id)
                .where(AuthSession.id_hash == key[2:])
            ).first()
            if row is None:
                return None
            sess, user = row
            if sess.expires_at <= now or not user.active:
                return None
            p = Principal(name=user.name, role=user.role, counter_id=sess.counter_id, via="session",
                          csrf_token=sess.csrf_token, expires_at=sess.expires_at)
        self._remember(key, p)
        return p

    def logout(self, secret: str, actor: Actor) -> bool:
        now = self.clock.now()
        with self.sessions.begin() as s:
            n = s.execute(delete(AuthSession).where(AuthSession.id_hash == _sha256(secret))).rowcount
            if n:
                audit.record(s, now, actor, "auth.logout", actor.name)
        self.forget_logins()
        return bool(n)

    # --- what the web layer's scope checks need ---------------------------------------------------
    def ticket_scope(self, ticket_id: int) -> TicketScope | None:
        if not 0 < ticket_id < 2**31:
            return None
        with self.sessions() as s:
            row = s.execute(select(Ticket.counter_id, Ticket.target_counter_id, Ticket.category)
                            .where(Ticket.id == ticket_id)).first()
        return TicketScope(row[0], row[1], row[2]) if row else None

    # --- audit log -------------------------------------------------------------------------------
    def audit_entries(self, day: date | None = None, actor: str | None = None, action: str | None = None,
                      limit: int = 200) -> list[AuditView]:
        """Entries of one day in Tokyo (default today), newest first; `action` matches a prefix."""
        day = day or self.clock.now().astimezone(TOKYO).date()
        start = datetime(day.year, day.month, day.day, tzinfo=TOKYO)
        stmt = select(AuditEntry).where(AuditEntry.at >= start, AuditEntry.at < start + timedelta(days=1))
        if actor:
            stmt = stmt.where(AuditEntry.actor == actor)
        if action:
            esc = action.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            stmt = stmt.where(AuditEntry.action.like(esc + "%", escape="\\"))
        stmt = stmt.order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(limit)
        with self.sessions() as s:
            return [AuditView(id=e.id, at=e.at, actor=e.actor, action=e.action, target=e.target,
                              detail=e.detail, client=e.client, ticket_id=e.ticket_id)
                    for e in s.scalars(stmt)]
