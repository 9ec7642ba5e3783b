"""Human users of this node's agency: create, list, change roles and passwords, disable,
reset MFA; and the TOTP enrolment every user must complete before working.

Every change is appended to the ledger in the transaction that makes it. Administrative
changes need the `node_admin` role (the CLI acts as the node's operator, who holds it)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection

from accord.auth import (
    CodeResult,
    Role,
    check_code,
    derive_sealing_key,
    hash_password,
    new_recovery_codes,
    new_secret,
    normalise_username,
    open_secret,
    parse_roles,
    password_problems,
    provisioning_uri,
    recovery_digest,
    seal_secret,
    username_problems,
)
from accord.errors import Conflict, FieldError, Forbidden, NotFound, ValidationError
from accord.model import Principal
from accord.services.audit import Event, record_event
from accord.services.node import Node
from accord.store import users as store
from accord.store.users import UserRow

__all__ = [
    "Enrolment",
    "UserInfo",
    "begin_enrolment",
    "confirm_enrolment",
    "create_user",
    "disable_user",
    "enable_user",
    "list_users",
    "reset_mfa",
    "set_password",
    "set_roles",
    "totp_secret",
]


@dataclass(frozen=True, slots=True)
class Enrolment:
    """A TOTP secret awaiting confirmation: show `uri` as a QR code (or `secret` to type in)."""

    username: str
    secret: str
    uri: str

    def to_dict(self) -> dict[str, str]:
        return {"username": self.username, "secret": self.secret, "otpauth_uri": self.uri}


@dataclass(frozen=True, slots=True)
class UserInfo:
    username: str
    agency: str
    roles: tuple[str, ...]
    mfa_enrolled: bool
    disabled: bool
    created_at: datetime
    last_login_at: datetime | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "username": self.username,
            "agency": self.agency,
            "roles": list(self.roles),
            "mfa": "enrolled" if self.mfa_enrolled else "pending",
            "disabled": self.disabled,
            "created_at": self.created_at.isoformat(),
            "last_login_at": self.last_login_at.isoformat() if self.last_login_at else None,
        }


def _sealing_key(node: Node) -> bytes:
    return derive_sealing_key(node.keys.encryption.private_bytes_raw())


def totp_secret(node: Node, user: UserRow, *, pending: bool = False) -> str | None:
    """The user's confirmed (or pending) TOTP secret, unsealed."""
    sealed = user.totp_pending if pending else user.totp_secret
    return None if sealed is None else open_secret(_sealing_key(node), user.username, sealed)


def _require_admin(actor: Principal) -> None:
    if Role.NODE_ADMIN not in actor.roles:
        raise Forbidden("managing users needs the node_admin role")


def _role_check(roles: list[str]) -> tuple[list[str], list[FieldError]]:
    """The role names, sorted, and the problems with them."""
    known, unknown = parse_roles(roles)
    if unknown or not known:
        choices = ", ".join(r.value for r in Role)
        reason = f"unknown role(s) {', '.join(unknown)}" if unknown else "at least one is required"
        return [], [FieldError("role", f"{reason}; choose from {choices}")]
    return sorted(r.value for r in known), []


def _valid_roles(roles: list[str]) -> list[str]:
    names, errors = _role_check(roles)
    if errors:
        raise ValidationError(errors)
    return names


def _check_password(password: str, username: str) -> None:
    problems = password_problems(password, username)
    if problems:
        raise ValidationError([FieldError("password", p) for p in problems])


def _get(conn: Connection, username: str) -> UserRow:
    user = store.get_user(conn, normalise_username(username), for_update=True)
    if user is None:
        raise NotFound(f"no user {normalise_username(username)!r}")
    return user


def _enrolment(node: Node, conn: Connection, user: UserRow) -> Enrolment:
    """A fresh pending TOTP secret for `user`; the confirmed one (if any) stays until confirmed."""
    secret = new_secret()
    sealed = seal_secret(_sealing_key(node), user.username, secret)
    store.update_user(conn, user.id, totp_pending=sealed)
    uri = provisioning_uri(secret, user.username, issuer=f"Accord {node.agency}")
    return Enrolment(user.username, secret, uri)


def create_user(
    node: Node,
    username: str,
    password: str,
    roles: list[str],
    *,
    actor: Principal,
    now: datetime | None = None,
) -> Enrolment:
    """Create a user of this node's agency; returns the MFA enrolment to hand over."""
    _require_admin(actor)
    name = normalise_username(username)
    errors = [FieldError("username", p) for p in username_problems(name)]
    errors += [FieldError("password", p) for p in password_problems(password, name)]
    role_names, role_errors = _role_check(roles)
    if errors or role_errors:
        raise ValidationError(errors + role_errors)
    digest = hash_password(password)
    now = now or datetime.now(UTC)
    with node.engine.begin() as conn:
        if store.get_user(conn, name) is not None:
            raise Conflict(f"user {name!r} exists")
        user_id = store.insert_user(
            conn,
            username=name,
            agency=node.agency,
            password_hash=digest,
            roles=role_names,
            created_at=now,
        )
        user = store.get_user_by_id(conn, user_id)
        assert user is not None
        enrolment = _enrolment(node, conn, user)
        record_event(
            conn,
            Event.USER_CHANGE,
            actor,
            {"username": name, "change": "created", "roles": role_names},
        )
    return enrolment


def list_users(node: Node) -> list[UserInfo]:
    with node.engine.connect() as conn:
        rows = store.list_users(conn)
    return [
        UserInfo(
            username=r.username,
            agency=r.agency,
            roles=r.roles,
            mfa_enrolled=r.totp_secret is not None,
            disabled=r.disabled_at is not None,
            created_at=r.created_at,
            last_login_at=r.last_login_at,
        )
        for r in rows
    ]


def disable_user(
    node: Node, username: str, *, actor: Principal, now: datetime | None = None
) -> None:
    """Refuse the user's logins from now on and end their sessions."""
    _require_admin(actor)
    now = now or datetime.now(UTC)
    with node.engine.begin() as conn:
        user = _get(conn, username)
        if user.disabled_at is not None:
            raise Conflict(f"user {user.username!r} is already disabled")
        store.update_user(conn, user.id, disabled_at=now)
        ended = store.revoke_user_sessions(conn, user.id, now)
        record_event(
            conn,
            Event.USER_CHANGE,
            actor,
            {"username": user.username, "change": "disabled", "sessions_ended": ended},
        )


def enable_user(node: Node, username: str, *, actor: Principal) -> None:
    _require_admin(actor)
    with node.engine.begin() as conn:
        user = _get(conn, username)
        if user.disabled_at is None:
            raise Conflict(f"user {user.username!r} is not disabled")
        store.update_user(conn, user.id, disabled_at=None)
        record_event(
            conn, Event.USER_CHANGE, actor, {"username": user.username, "change": "enabled"}
        )


def set_roles(node: Node, username: str, roles: list[str], *, actor: Principal) -> None:
    """Replace the user's roles; they apply from the user's next request."""
    _require_admin(actor)
    role_names = _valid_roles(roles)
    with node.engine.begin() as conn:
        user = _get(conn, username)
        store.update_user(conn, user.id, roles=role_names)
        record_event(
            conn,
            Event.ROLE_CHANGE,
            actor,
            {"username": user.username, "from": list(user.roles), "to": role_names},
        )


def set_password(
    node: Node, username: str, password: str, *, actor: Principal, now: datetime | None = None
) -> None:
    """Set a new password and end the user's sessions."""
    _require_admin(actor)
    name = normalise_username(username)
    _check_password(password, name)
    digest = hash_password(password)
    now = now or datetime.now(UTC)
    with node.engine.begin() as conn:
        user = _get(conn, name)
        store.update_user(conn, user.id, password_hash=digest)
        ended = store.revoke_user_sessions(conn, user.id, now)
        record_event(
            conn,
            Event.USER_CHANGE,
            actor,
            {"username": name, "change": "password_set", "sessions_ended": ended},
        )


def reset_mfa(
    node: Node, username: str, *, actor: Principal, now: datetime | None = None
) -> Enrolment:
    """Forget the user's authenticator and recovery codes (a lost device); returns a new
    enrolment. Until it is confirmed, the user's password opens only enrolment."""
    _require_admin(actor)
    now = now or datetime.now(UTC)
    with node.engine.begin() as conn:
        user = _get(conn, username)
        store.update_user(conn, user.id, totp_secret=None, mfa_enrolled_at=None)
        store.replace_recovery_codes(conn, user.id, [])
        ended = store.revoke_user_sessions(conn, user.id, now)
        enrolment = _enrolment(node, conn, user)
        record_event(
            conn,
            Event.USER_CHANGE,
            actor,
            {"username": user.username, "change": "mfa_reset", "sessions_ended": ended},
        )
    return enrolment


def begin_enrolment(node: Node, conn: Connection, user: UserRow) -> Enrolment:
    """Self-service: a new pending TOTP secret for the calling user (in the caller's
    transaction)."""
    return _enrolment(node, conn, user)


def confirm_enrolment(
    node: Node, conn: Connection, user: UserRow, code: str, now: datetime
) -> list[str]:
    """Confirm the pending TOTP secret with a code from the authenticator: it becomes the
    user's secret, and 10 fresh recovery codes are returned (shown once, stored hashed)."""
    secret = totp_secret(node, user, pending=True)
    if secret is None:
        raise Conflict("no MFA enrolment is pending: start one with POST /api/v1/auth/mfa/enrol")
    check = check_code(secret, code, now, user.totp_last_step)
    if check.result is not CodeResult.OK or check.step is None:
        raise ValidationError(
            FieldError("code", "does not match the authenticator (is its clock right?)")
        )
    codes = new_recovery_codes()
    store.update_user(
        conn,
        user.id,
        totp_secret=user.totp_pending,
        totp_pending=None,
        totp_last_step=check.step,
        mfa_enrolled_at=now,
    )
    store.replace_recovery_codes(conn, user.id, [recovery_digest(c) for c in codes])
    record_event(
        conn,
        Event.MFA_ENROLLED,
        f"user:{user.username}@{user.agency}",
        {"username": user.username, "recovery_codes": len(codes)},
    )
    return codes
