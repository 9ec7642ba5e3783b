"""SQL storage of users, their recovery codes and sessions, and the login throttle."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, func, insert, select, update

from accord.auth import Throttle
from accord.store.db import dialect_insert
from accord.store.tables import login_throttle, user_recovery_codes, user_sessions, users

__all__ = [
    "SessionRow",
    "UserRow",
    "accept_totp_step",
    "clear_throttle",
    "get_user",
    "get_user_by_id",
    "insert_session",
    "insert_user",
    "list_users",
    "lock_throttle",
    "purge_sessions",
    "read_throttle",
    "replace_recovery_codes",
    "revoke_session",
    "revoke_user_sessions",
    "save_throttle",
    "session_by_hash",
    "unused_recovery_codes",
    "update_user",
    "use_recovery_code",
]


@dataclass(frozen=True, slots=True)
class UserRow:
    id: int
    username: str
    agency: str
    password_hash: str
    roles: tuple[str, ...]
    totp_secret: bytes | None
    totp_pending: bytes | None
    totp_last_step: int | None
    mfa_enrolled_at: datetime | None
    created_at: datetime
    disabled_at: datetime | None
    last_login_at: datetime | None


def _user(row: Any) -> UserRow:
    return UserRow(
        id=row.id,
        username=row.username,
        agency=row.agency,
        password_hash=row.password_hash,
        roles=tuple(row.roles),
        totp_secret=None if row.totp_secret is None else bytes(row.totp_secret),
        totp_pending=None if row.totp_pending is None else bytes(row.totp_pending),
        totp_last_step=row.totp_last_step,
        mfa_enrolled_at=row.mfa_enrolled_at,
        created_at=row.created_at,
        disabled_at=row.disabled_at,
        last_login_at=row.last_login_at,
    )


def insert_user(
    conn: Connection,
    *,
    username: str,
    agency: str,
    password_hash: str,
    roles: Sequence[str],
    created_at: datetime,
) -> int:
    return int(
        conn.execute(
            insert(users)
            .values(
                username=username,
                agency=agency,
                password_hash=password_hash,
                roles=sorted(roles),
                created_at=created_at,
            )
            .returning(users.c.id)
        ).scalar_one()
    )


def get_user(conn: Connection, username: str, *, for_update: bool = False) -> UserRow | None:
    stmt = select(users).where(users.c.username == username)
    if for_update:
        stmt = stmt.with_for_update()
    row = conn.execute(stmt).first()
    return None if row is None else _user(row)


def get_user_by_id(conn: Connection, user_id: int) -> UserRow | None:
    row = conn.execute(select(users).where(users.c.id == user_id)).first()
    return None if row is None else _user(row)


def list_users(conn: Connection) -> list[UserRow]:
    return [_user(r) for r in conn.execute(select(users).order_by(users.c.username))]


def update_user(conn: Connection, user_id: int, **values: Any) -> None:
    if "roles" in values:
        values["roles"] = sorted(values["roles"])
    conn.execute(update(users).where(users.c.id == user_id).values(**values))


def accept_totp_step(conn: Connection, user_id: int, step: int) -> bool:
    """Record `step` as the last accepted one, only if it is later than the stored one; False
    when another request accepted this step (or a later one) first."""
    c = users.c
    done = conn.execute(
        update(users)
        .where(c.id == user_id, (c.totp_last_step.is_(None)) | (c.totp_last_step < step))
        .values(totp_last_step=step)
    )
    return done.rowcount == 1


def replace_recovery_codes(conn: Connection, user_id: int, digests: Sequence[bytes]) -> None:
    conn.execute(delete(user_recovery_codes).where(user_recovery_codes.c.user_id == user_id))
    if digests:
        conn.execute(
            insert(user_recovery_codes), [{"user_id": user_id, "code_hash": d} for d in digests]
        )


def use_recovery_code(conn: Connection, user_id: int, digest: bytes, now: datetime) -> bool:
    """Mark an unused code as used; False when there is no such unused code."""
    c = user_recovery_codes.c
    done = conn.execute(
        update(user_recovery_codes)
        .where(c.user_id == user_id, c.code_hash == digest, c.used_at.is_(None))
        .values(used_at=now)
    )
    return done.rowcount == 1


def unused_recovery_codes(conn: Connection, user_id: int) -> int:
    c = user_recovery_codes.c
    stmt = select(func.count()).where(c.user_id == user_id, c.used_at.is_(None))
    return int(conn.execute(stmt).scalar_one())


@dataclass(frozen=True, slots=True)
class SessionRow:
    id: int
    user_id: int
    stage: str
    authenticated_at: datetime
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None


def insert_session(
    conn: Connection,
    *,
    token_hash: bytes,
    user_id: int,
    stage: str,
    authenticated_at: datetime,
    created_at: datetime,
    expires_at: datetime,
) -> int:
    return int(
        conn.execute(
            insert(user_sessions)
            .values(
                token_hash=token_hash,
                user_id=user_id,
                stage=stage,
                authenticated_at=authenticated_at,
                created_at=created_at,
                expires_at=expires_at,
            )
            .returning(user_sessions.c.id)
        ).scalar_one()
    )


def session_by_hash(conn: Connection, token_hash: bytes) -> SessionRow | None:
    row = conn.execute(
        select(user_sessions).where(user_sessions.c.token_hash == token_hash)
    ).first()
    if row is None:
        return None
    return SessionRow(
        id=row.id,
        user_id=row.user_id,
        stage=row.stage,
        authenticated_at=row.authenticated_at,
        created_at=row.created_at,
        expires_at=row.expires_at,
        revoked_at=row.revoked_at,
    )


def revoke_session(conn: Connection, session_id: int, now: datetime) -> bool:
    c = user_sessions.c
    done = conn.execute(
        update(user_sessions)
        .where(c.id == session_id, c.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    return done.rowcount == 1


def revoke_user_sessions(conn: Connection, user_id: int, now: datetime) -> int:
    c = user_sessions.c
    done = conn.execute(
        update(user_sessions)
        .where(c.user_id == user_id, c.revoked_at.is_(None), c.expires_at > now)
        .values(revoked_at=now)
    )
    return int(done.rowcount)


def purge_sessions(conn: Connection, expired_before: datetime) -> int:
    """Forget sessions that expired before `expired_before` (logins stay in the ledger)."""
    done = conn.execute(delete(user_sessions).where(user_sessions.c.expires_at < expired_before))
    return int(done.rowcount)


def _throttle(row: Any) -> Throttle:
    return Throttle(row.failures, row.last_failure_at, row.locked_until)


def read_throttle(conn: Connection, username: str) -> Throttle:
    row = conn.execute(select(login_throttle).where(login_throttle.c.username == username)).first()
    return Throttle() if row is None else _throttle(row)


def lock_throttle(conn: Connection, username: str) -> Throttle:
    """The throttle state of `username`, its row locked until the transaction ends (PostgreSQL;
    SQLite has one writer at a time anyway), so that concurrent attempts count one by one."""
    conn.execute(
        dialect_insert(conn, login_throttle)
        .values(username=username, failures=0)
        .on_conflict_do_nothing(index_elements=["username"])
    )
    stmt = select(login_throttle).where(login_throttle.c.username == username).with_for_update()
    return _throttle(conn.execute(stmt).one())


def save_throttle(conn: Connection, username: str, state: Throttle) -> None:
    values = {
        "failures": state.failures,
        "last_failure_at": state.last_failure,
        "locked_until": state.locked_until,
    }
    conn.execute(
        dialect_insert(conn, login_throttle)
        .values(username=username, **values)
        .on_conflict_do_update(index_elements=["username"], set_=values)
    )


def clear_throttle(conn: Connection, username: str) -> None:
    conn.execute(delete(login_throttle).where(login_throttle.c.username == username))
