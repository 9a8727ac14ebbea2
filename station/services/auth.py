"""Users, logins, sessions and API tokens (issue 6, items 4–5).

It is over 400 lines because users, sessions, tokens, the login limit, the demo-login guard (issue 13) and the
lookups the web layer's scope checks make share one hasher, one lookup cache and one unit of work.

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
  seconds. Expiry is checked on every request. On SQLite (one PC) the same cache is kept, and also checked
  against a marker file beside the database (`station.db-logins`) that every login-ending change rewrites —
  in the daemon or in a command beside it (`station token revoke`, `station user passwd`): one stat per
  request instead of a pool checkout and an ORM query (that lookup was an eighth of the daemon's CPU per
  request, issue 19), and such a command still counts at the next request.
- Audit: login, logout, failed and refused logins, user and token creation, with the same `Actor`
  as every other change. Never a password, a token or a typed-in name that matches no user (it may be
  a password typed into the wrong field).

The SQL is in station.store.auth_repo (and audit reads in station.store.audit_repo); every write commits
through the unit of work with its audit entry. The read models are pydantic: the API returns them as they are.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import time
from datetime import date, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from station.clock import Clock
from station.config import StationSettings
from station.domain import roles
from station.domain.timezone import TOKYO
from station.events import EventBus
from station.services.audit import Actor
from station.services.auth_cache import LoginCache, marker_beside
from station.services.auth_views import (
    AuditView,
    Forbidden,
    LoginResult,
    MeView,
    Principal,
    TicketScope,
    TokenView,
    TooManyAttempts,
    Unauthorized,
    UserView,
)
from station.services.errors import Conflict, Invalid, NotFound
from station.store import audit_repo, auth_repo, cases_repo
from station.store.models_auth import ApiToken, AuthSession, User
from station.store.uow import UnitOfWork

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
DEMO_PASSWORDS = {d[0]: d[3] for d in DEMO_USERS}
__all__ = ["AUTH_CACHE_SECONDS", "DEMO_USERS", "AuditView", "AuthService", "Forbidden", "LoginResult", "MeView",
           "Principal", "TicketScope", "TokenView", "TooManyAttempts", "Unauthorized", "UserView", "cheap_hasher"]


def _sha256(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def _client(value: str) -> str:
    return (value or "")[:64]


class AuthService:
    def __init__(self, settings: StationSettings, sessions: sessionmaker[Session], clock: Clock,
                 hasher: PasswordHasher | None = None, uow: UnitOfWork | None = None) -> None:
        self.settings = settings
        self.sessions = sessions
        self.clock = clock
        self.hasher = hasher or PasswordHasher()
        self.uow = uow or UnitOfWork(sessions, EventBus())  # no events of its own
        self._dummy_hash: str | None = None
        bind = sessions.kw.get("bind")
        self._logins: LoginCache[Principal] = LoginCache(
            enabled=auth_repo.is_pg(bind), marker=marker_beside(bind), ttl=AUTH_CACHE_SECONDS,
            max_entries=AUTH_CACHE_MAX, monotonic=lambda: _monotonic())
        # Demo users log in only in simulator mode (set by `ensure_demo_users`, which only it calls).
        self.demo_allowed = False
        self._demo_hashes: dict[tuple[str, str], bool] = {}

    # --- the lookup cache (station.services.auth_cache) ------------------------------------------
    def _cached(self, key: str) -> Principal | None:
        p = self._logins.get(key)
        if p is None or (p.expires_at is not None and p.expires_at <= self.clock.now()):
            return None
        return p

    def _remember(self, key: str, principal: Principal) -> None:
        self._logins.put(key, principal)

    def cached_principal(self, secret: str, via: str) -> Principal | None:
        """The principal of a token (`via="token"`) or session secret if this daemon looked it up a moment
        ago and nothing ended a login since; None means "ask": the web layer then makes the real lookup
        in a worker thread (a hit costs no thread hop)."""
        if not self._logins.enabled or not secret or (via == "token" and not secret.startswith(TOKEN_PREFIX)):
            return None
        return self._cached(("t:" if via == "token" else "s:") + _sha256(secret))

    def forget_logins(self) -> None:
        """Drop every cached token and session lookup: the next request of each asks the database again.
        Called after every change that can end a login (logout, password, token revocation); call it too
        after deactivating a user. On SQLite this reaches the daemon beside a command too (marker file)."""
        self._logins.forget()

    # --- validation ------------------------------------------------------------------------------
    def _check_name(self, name: str) -> str:
        if not NAME_RE.match(name or ""):
            raise Invalid("auth.name_invalid")
        return name

    def _check_role_counter(self, role: str, counter_id: int | None) -> roles.Role:
        try:
            r = roles.parse_role(role)
        except roles.UnknownRole as e:
            raise Invalid(e.msg) from e
        if counter_id is not None and self.settings.counter(counter_id) is None:
            raise NotFound("auth.no_counter", params={"counter": counter_id})
        return r

    def _check_password(self, password: str, *, demo: bool = False) -> None:
        if len(password or "") < MIN_PASSWORD:
            raise Invalid("auth.password_short", params={"n": MIN_PASSWORD})
        if not demo and password in DEMO_PASSWORDS.values():
            raise Invalid("security.password_is_demo")

    def _has_demo_password(self, name: str, password_hash: str) -> bool:
        """Whether this user still has the documented demo password (remembered per hash: checked once)."""
        if name not in DEMO_PASSWORDS:
            return False
        key = (name, password_hash)
        found = self._demo_hashes.get(key)
        if found is None:
            try:
                found = PasswordHasher().verify(password_hash, DEMO_PASSWORDS[name])
            except (VerifyMismatchError, VerificationError, InvalidHashError):
                found = False
            self._demo_hashes[key] = found
        return found

    # --- users -----------------------------------------------------------------------------------
    def add_user(self, name: str, role: str, password: str, counter_id: int | None = None,
                 actor: Actor | None = None, *, hasher: PasswordHasher | None = None,
                 demo: bool = False) -> UserView:
        self._check_name(name)
        r = self._check_role_counter(role, counter_id)
        self._check_password(password, demo=demo)
        pw_hash = (hasher or self.hasher).hash(password)
        now = self.clock.now()
        with self.uow.change() as ch:
            if auth_repo.user_exists(ch.session, name):
                raise Conflict("auth.user_exists", params={"name": name})
            u = auth_repo.add(ch.session, User(name=name, role=r.value, counter_id=counter_id,
                                               password_hash=pw_hash, active=True, created_at=now))
            ch.audit(now, actor or Actor("cli"), "user.add", name, f"role={r.value} counter={counter_id}")
            return self._user_view(u)

    def set_password(self, name: str, password: str, actor: Actor | None = None) -> None:
        self._check_password(password)
        pw_hash = self.hasher.hash(password)
        now = self.clock.now()
        with self.uow.change() as ch:
            u = auth_repo.user_by_name(ch.session, name)
            if u is None:
                raise NotFound("auth.no_user", params={"name": name})
            u.password_hash = pw_hash
            auth_repo.drop_sessions_of(ch.session, u.id)  # log out everywhere
            ch.audit(now, actor or Actor("cli"), "user.password", name)
        self.forget_logins()

    def list_users(self) -> list[UserView]:
        with self.sessions() as s:
            return [self._user_view(u) for u in auth_repo.users(s)]

    @staticmethod
    def _user_view(u: User) -> UserView:
        return UserView(id=u.id, name=u.name, role=u.role, counter_id=u.counter_id, active=u.active,
                        created_at=u.created_at)

    def ensure_demo_users(self) -> list[str]:
        """Simulator mode: create the demo users that do not exist yet (names returned); their logins work
        from now on in this process only."""
        self.demo_allowed = True
        with self.sessions() as s:
            existing = auth_repo.user_names(s)
        made = []
        for name, role, counter, password in DEMO_USERS:
            if name in existing or (counter is not None and self.settings.counter(counter) is None):
                continue
            try:
                # public passwords: hashed cheaply, so a simulated office starts in a blink
                self.add_user(name, role.value, password, counter, Actor("simulator"), hasher=cheap_hasher(),
                              demo=True)
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
        with self.uow.change() as ch:
            if auth_repo.token_exists(ch.session, name):
                raise Conflict("auth.token_exists", params={"name": name})
            t = auth_repo.add(ch.session, ApiToken(name=name, role=r.value, counter_id=counter_id,
                                                   token_hash=_sha256(secret), created_at=now))
            ch.audit(now, actor or Actor("cli"), "token.create", name, f"role={r.value} counter={counter_id}")
            view = TokenView(id=t.id, name=t.name, role=t.role, counter_id=t.counter_id, created_at=now,
                             revoked=False)
        return view, secret

    def revoke_token(self, name: str, actor: Actor | None = None) -> None:
        now = self.clock.now()
        with self.uow.change() as ch:
            t = auth_repo.token_by_name(ch.session, name)
            if t is None:
                raise NotFound("auth.no_token", params={"name": name})
            t.revoked_at = now
            ch.audit(now, actor or Actor("cli"), "token.revoke", name)
        self.forget_logins()

    def list_tokens(self) -> list[TokenView]:
        with self.sessions() as s:
            return [TokenView(id=t.id, name=t.name, role=t.role, counter_id=t.counter_id,
                              created_at=t.created_at, revoked=t.revoked_at is not None)
                    for t in auth_repo.tokens(s)]

    def principal_from_token(self, secret: str) -> Principal | None:
        if not secret.startswith(TOKEN_PREFIX):
            return None
        key = "t:" + _sha256(secret)
        cached = self._cached(key)
        if cached is not None:
            return cached
        with self.sessions() as s:
            t = auth_repo.token_by_hash(s, key[2:])
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
            failures = auth_repo.failures_since(s, key, client, window_start)
            user = auth_repo.user_by_name(s, name)
        known = user is not None and user.active
        shown = user.name if user is not None else "(unknown)"
        if failures >= sec.login_max_failures:
            with self.uow.change() as ch:
                ch.audit(now, Actor(shown, client), "auth.login_refused", shown, "reason=rate_limited")
            raise TooManyAttempts("auth.too_many_attempts", params={"minutes": sec.login_window_minutes},
                                  retry_after_s=sec.login_window_minutes * 60)
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
            with self.uow.change() as ch:
                auth_repo.add_failure(ch.session, key, client, now, window_start)
                ch.audit(now, Actor(shown, client), "auth.login_failed", shown, f"reason={reason}")
            raise Unauthorized("auth.wrong_login")
        assert user is not None
        if not self.demo_allowed and DEMO_PASSWORDS.get(user.name) == password:
            # A data dir once run with --simulate: its documented demo logins never work for real (issue 13).
            with self.uow.change() as ch:
                ch.audit(now, Actor(shown, client), "auth.login_refused", shown, "reason=demo_user")
            raise Forbidden("security.demo_users_refused")
        role = roles.Role(user.role)
        bound = user.counter_id if user.counter_id is not None else counter_id
        if roles.needs_counter(role):
            if bound is None:
                raise Invalid("auth.choose_counter")
            if user.counter_id is not None and counter_id is not None and counter_id != user.counter_id:
                raise Forbidden("auth.other_counter", params={"counter": user.counter_id})
            if self.settings.counter(bound) is None:
                raise NotFound("auth.no_counter", params={"counter": bound})
        elif not roles.allowed(role, roles.Permission.QUEUE_OPERATE):
            bound = None
        secret = secrets.token_urlsafe(32)
        csrf = secrets.token_urlsafe(32)
        expires = now + timedelta(minutes=sec.session_minutes)
        with self.uow.change() as ch:
            s = ch.session
            auth_repo.drop_expired_sessions(s, now)
            auth_repo.clear_failures(s, key, client)
            auth_repo.add(s, AuthSession(id_hash=_sha256(secret), user_id=user.id, csrf_token=csrf,
                                         counter_id=bound, client=client, created_at=now, expires_at=expires))
            if self.hasher.check_needs_rehash(user.password_hash) and user.name not in DEMO_NAMES:
                row = auth_repo.get_user(s, user.id)
                if row is not None:
                    row.password_hash = self.hasher.hash(password)
            ch.audit(now, Actor(user.name, client), "auth.login", user.name, f"role={role.value} counter={bound}")
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
            row = auth_repo.session_with_user(s, key[2:])
            if row is None:
                return None
            sess, user = row
            if sess.expires_at <= now or not user.active:
                return None
            if not self.demo_allowed and self._has_demo_password(user.name, user.password_hash):
                return None  # a session opened with a demo login in simulator mode ends with it
            p = Principal(name=user.name, role=user.role, counter_id=sess.counter_id, via="session",
                          csrf_token=sess.csrf_token, expires_at=sess.expires_at)
        self._remember(key, p)
        return p

    def logout(self, secret: str, actor: Actor) -> bool:
        now = self.clock.now()
        with self.uow.change() as ch:
            n = auth_repo.drop_session(ch.session, _sha256(secret))
            if n:
                ch.audit(now, actor, "auth.logout", actor.name)
        self.forget_logins()
        return bool(n)

    # --- what the web layer's scope checks need ---------------------------------------------------
    def ticket_scope(self, ticket_id: int) -> TicketScope | None:
        if not 0 < ticket_id < 2**31:
            return None
        with self.sessions() as s:
            row = auth_repo.ticket_scope(s, ticket_id)
        return TicketScope(*row) if row else None

    def case_scope(self, case_id: int) -> tuple[bool, int | None]:
        """(the case exists, its counter): for the web layer's case scope check; nothing personal."""
        if not 0 < case_id < 2**31:
            return (False, None)
        with self.sessions() as s:
            return cases_repo.counter_of(s, case_id)

    def record_read(self, actor: Actor, what: str, target: str) -> None:
        """A read of personal data (a case, a card, phone slips, a handover): who, which, when — never the
        data itself (issue 13, Medium 3). Its own small transaction: the read itself changes nothing."""
        with self.uow.change() as ch:
            ch.audit(self.clock.now(), actor, f"personal.read.{what}", target)

    # --- audit log -------------------------------------------------------------------------------
    def audit_entries(self, day: date | None = None, actor: str | None = None, action: str | None = None,
                      limit: int = 200) -> list[AuditView]:
        """Entries of one day in Tokyo (default today), newest first; `action` matches a prefix."""
        day = day or self.clock.now().astimezone(TOKYO).date()
        start = datetime(day.year, day.month, day.day, tzinfo=TOKYO)
        with self.sessions() as s:
            return [AuditView(id=e.id, at=e.at, actor=e.actor, action=e.action, target=e.target,
                              detail=e.detail, client=e.client, ticket_id=e.ticket_id)
                    for e in audit_repo.entries(s, start, start + timedelta(days=1), actor, action, limit)]
