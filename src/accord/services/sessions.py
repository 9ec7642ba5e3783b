"""Logging in: password (argon2id) and TOTP code (or a recovery code), login lockout, and the
short-lived access tokens of human users; MFA enrolment from a session; authentication of
every bearer secret.

Access tokens are opaque random secrets (`acs_…`), stored as SHA-256 digests, valid for
`access_token_minutes` and revocable at logout. Every login and failed login is in the ledger,
a failed one committed before the request fails."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import Connection

from accord.auth import (
    DEFAULT_LOCKOUT,
    ENROLMENT_SCOPE,
    SESSION_PREFIX,
    CodeResult,
    LockoutPolicy,
    after_failure,
    check_code,
    dummy_verify,
    hash_password,
    new_bearer_secret,
    normalise_username,
    recovery_digest,
    retry_after,
    secret_digest,
    verify_password,
)
from accord.errors import AccordError, Forbidden, TooManyAttempts, Unauthorized
from accord.model import Principal, PrincipalKind
from accord.services import tokens
from accord.services.audit import Event, record_event
from accord.services.node import Node
from accord.services.users import Enrolment, begin_enrolment, confirm_enrolment, totp_secret
from accord.store import users as store
from accord.store.users import SessionRow, UserRow

__all__ = [
    "MAX_SESSION",
    "Session",
    "Stage",
    "authenticate",
    "authenticate_access_token",
    "complete_enrolment",
    "login",
    "logout",
    "refresh",
    "start_enrolment",
]

#: However often it is refreshed, a session ends this long after its login.
MAX_SESSION = timedelta(hours=12)
#: Expired sessions are forgotten after this long (their logins stay in the ledger).
_KEEP_EXPIRED = timedelta(days=1)
_BAD_CREDENTIALS = "invalid username or password"


class Stage(StrEnum):
    FULL = "full"  # password and TOTP (or a recovery code) checked
    ENROLMENT = "enrolment"  # password checked; MFA enrolment must be completed first


@dataclass(frozen=True, slots=True)
class Session:
    """A new access token: `token` is the bearer secret, shown once."""

    token: str
    username: str
    stage: Stage
    expires_at: datetime

    def to_dict(self, now: datetime | None = None) -> dict[str, Any]:
        now = now or datetime.now(UTC)
        return {
            "access_token": self.token,
            "token_type": "bearer",
            "username": self.username,
            "stage": self.stage.value,
            "expires_at": self.expires_at.isoformat(),
            "expires_in": max(0, int((self.expires_at - now).total_seconds())),
        }


def _label(user: UserRow) -> str:
    return f"user:{user.username}@{user.agency}"


def _open_session(
    node: Node,
    conn: Connection,
    user: UserRow,
    stage: Stage,
    now: datetime,
    authenticated_at: datetime | None = None,
) -> Session:
    secret = new_bearer_secret(SESSION_PREFIX)
    expires = now + timedelta(minutes=node.settings.access_token_minutes)
    store.insert_session(
        conn,
        token_hash=secret_digest(secret),
        user_id=user.id,
        stage=stage.value,
        authenticated_at=authenticated_at or now,
        created_at=now,
        expires_at=expires,
    )
    return Session(secret, user.username, stage, expires)


@dataclass(frozen=True, slots=True)
class _Attempt:
    name: str
    password: str
    code: str | None
    recovery_code: str | None
    client: str | None
    now: datetime
    policy: LockoutPolicy


def login(
    node: Node,
    username: str,
    password: str,
    *,
    code: str | None = None,
    recovery_code: str | None = None,
    client: str | None = None,
    now: datetime | None = None,
    policy: LockoutPolicy = DEFAULT_LOCKOUT,
) -> Session:
    """Check the password and then the TOTP code (or a recovery code); returns a full session,
    or an enrolment-only one for a user without MFA yet. Raises Unauthorized (401) on any
    failure and TooManyAttempts (429) while the name is locked; either way the ledger has it."""
    attempt = _Attempt(
        _storable(normalise_username(username)[:200]),
        password,
        code or None,
        recovery_code or None,
        client,
        now or datetime.now(UTC),
        policy,
    )
    with node.engine.begin() as conn:
        outcome = _login(node, conn, attempt)
    if isinstance(outcome, AccordError):
        raise outcome
    return outcome


def _storable(name: str) -> str:
    """A name as typed at the login, fit for the throttle and the ledger: control, format,
    surrogate and unassigned characters (a NUL, which PostgreSQL's text refuses) as U+FFFD.
    No user name holds one, so the login fails as for any unknown name."""
    if name.isprintable():
        return name
    return "".join("\ufffd" if unicodedata.category(c)[0] == "C" else c for c in name)


def _fail(
    conn: Connection, a: _Attempt, user: UserRow | None, reason: str, message: str
) -> AccordError:
    """Count the failure, maybe lock the name, and write LOGIN_FAILED; returns the error."""
    state = after_failure(store.lock_throttle(conn, a.name), a.now, a.policy)
    store.save_throttle(conn, a.name, state)
    details: dict[str, Any] = {"username": a.name, "reason": reason, "failures": state.failures}
    wait = retry_after(state, a.now)
    if wait is not None:
        details["locked_seconds"] = wait
    if a.client:
        details["client"] = a.client
    record_event(conn, Event.LOGIN_FAILED, _label(user) if user else "anonymous", details)
    return Unauthorized(message)


def _login(node: Node, conn: Connection, a: _Attempt) -> Session | AccordError:
    wait = retry_after(store.lock_throttle(conn, a.name), a.now)
    user = store.get_user(conn, a.name, for_update=True)
    if wait is not None:
        details: dict[str, Any] = {"username": a.name, "reason": "locked", "retry_after": wait}
        if a.client:
            details["client"] = a.client
        record_event(conn, Event.LOGIN_FAILED, _label(user) if user else "anonymous", details)
        return TooManyAttempts(
            f"too many failed logins for {a.name!r}: try again in {wait} s", retry_after=wait
        )
    if user is None:
        dummy_verify(a.password)
        return _fail(conn, a, None, "unknown_user", _BAD_CREDENTIALS)
    checked = verify_password(user.password_hash, a.password)
    if not checked.ok:
        return _fail(conn, a, user, "bad_password", _BAD_CREDENTIALS)
    if user.disabled_at is not None:
        return _fail(conn, a, user, "disabled", "this account is disabled")
    stage, method, failure = Stage.ENROLMENT, "password", None
    if user.totp_secret is not None:
        stage = Stage.FULL
        method, failure = _second_factor(node, conn, user, a)
    if failure is not None:
        return failure
    if checked.needs_rehash:
        store.update_user(conn, user.id, password_hash=hash_password(a.password))
    store.clear_throttle(conn, a.name)
    store.update_user(conn, user.id, last_login_at=a.now)
    store.purge_sessions(conn, a.now - _KEEP_EXPIRED)
    session = _open_session(node, conn, user, stage, a.now)
    details = {"username": user.username, "stage": stage.value, "method": method}
    if method == "recovery_code":
        details["recovery_codes_left"] = store.unused_recovery_codes(conn, user.id)
    if a.client:
        details["client"] = a.client
    record_event(conn, Event.LOGIN, _label(user), details)
    return session


def _second_factor(
    node: Node, conn: Connection, user: UserRow, a: _Attempt
) -> tuple[str, AccordError | None]:
    """Check the TOTP code or the recovery code; (method, failure or None)."""
    if a.recovery_code is not None:
        if store.use_recovery_code(conn, user.id, recovery_digest(a.recovery_code), a.now):
            return "recovery_code", None
        failure = _fail(conn, a, user, "bad_recovery_code", "invalid or already used recovery code")
        return "recovery_code", failure
    if a.code is None:
        message = "MFA code required: send `code` (TOTP) or a `recovery_code`"
        return "totp", _fail(conn, a, user, "code_missing", message)
    check = check_code(totp_secret(node, user) or "", a.code, a.now, user.totp_last_step)
    result = check.result
    if result is CodeResult.OK and check.step is not None:
        if store.accept_totp_step(conn, user.id, check.step):
            return "totp", None
        result = CodeResult.REPLAYED  # another request took this code a moment ago
    if result is CodeResult.REPLAYED:
        message = "this TOTP code was already used: wait for the next one"
        return "totp", _fail(conn, a, user, "replayed_code", message)
    return "totp", _fail(conn, a, user, "bad_code", "invalid TOTP code")


def _session(conn: Connection, secret: str) -> tuple[SessionRow, UserRow] | None:
    row = store.session_by_hash(conn, secret_digest(secret))
    if row is None:
        return None
    user = store.get_user_by_id(conn, row.user_id)
    return None if user is None else (row, user)


def _check_session(
    found: tuple[SessionRow, UserRow] | None, now: datetime
) -> tuple[SessionRow, UserRow]:
    if found is None:
        raise Unauthorized("unknown token")
    row, user = found
    if row.revoked_at is not None:
        raise Unauthorized("token revoked")
    if row.expires_at <= now:
        raise Unauthorized("token expired")
    if user.disabled_at is not None:
        raise Unauthorized("this account is disabled")
    return found


def authenticate_access_token(node: Node, secret: str, now: datetime | None = None) -> Principal:
    """The user behind an access token, or Unauthorized (unknown, revoked, expired, disabled).
    An enrolment-stage session carries only the scope `mfa:enrol`."""
    now = now or datetime.now(UTC)
    with node.engine.connect() as conn:
        found = _session(conn, secret)
    row, user = _check_session(found, now)
    scopes = frozenset({ENROLMENT_SCOPE}) if row.stage == Stage.ENROLMENT else frozenset()
    return Principal(
        subject=user.username,
        agency=user.agency,
        kind=PrincipalKind.USER,
        roles=frozenset(user.roles),
        scopes=scopes,
    )


def authenticate(node: Node, secret: str, now: datetime | None = None) -> Principal:
    """The principal behind any bearer secret: a user's access token or an API token."""
    if secret.startswith(SESSION_PREFIX):
        return authenticate_access_token(node, secret, now)
    return tokens.authenticate_token(node, secret, now)


def _current(conn: Connection, secret: str, now: datetime) -> tuple[SessionRow, UserRow]:
    return _check_session(_session(conn, secret), now)


def refresh(node: Node, secret: str, now: datetime | None = None) -> Session:
    """A new access token for a full session, the old one revoked; at most MAX_SESSION after
    the login."""
    now = now or datetime.now(UTC)
    with node.engine.begin() as conn:
        row, user = _current(conn, secret, now)
        if row.stage != Stage.FULL:
            raise Forbidden("finish MFA enrolment first")
        if now - row.authenticated_at >= MAX_SESSION:
            raise Unauthorized("session older than 12 hours: log in again")
        store.revoke_session(conn, row.id, now)
        return _open_session(node, conn, user, Stage.FULL, now, row.authenticated_at)


def logout(node: Node, secret: str, now: datetime | None = None) -> None:
    """Revoke the access token at once."""
    now = now or datetime.now(UTC)
    with node.engine.begin() as conn:
        row, _ = _current(conn, secret, now)
        store.revoke_session(conn, row.id, now)


def start_enrolment(node: Node, secret: str, now: datetime | None = None) -> Enrolment:
    """A new pending TOTP secret for the session's user (the current one stays until the new
    one is confirmed)."""
    now = now or datetime.now(UTC)
    with node.engine.begin() as conn:
        _, user = _current(conn, secret, now)
        return begin_enrolment(node, conn, user)


def complete_enrolment(
    node: Node, secret: str, code: str, now: datetime | None = None
) -> tuple[list[str], Session]:
    """Confirm the pending TOTP secret with a code; returns the recovery codes (shown once)
    and a full session replacing the current one."""
    now = now or datetime.now(UTC)
    with node.engine.begin() as conn:
        row, user = _current(conn, secret, now)
        codes = confirm_enrolment(node, conn, user, code, now)
        store.revoke_session(conn, row.id, now)
        session = _open_session(node, conn, user, Stage.FULL, now)
    return codes, session
