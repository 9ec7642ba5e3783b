"""API tokens for machine clients: random secrets shown once, stored only as SHA-256 hashes."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import insert, select, update

from accord.errors import Conflict, FieldError, NotFound, Unauthorized, ValidationError
from accord.model import Principal, PrincipalKind
from accord.services.node import Node
from accord.store.tables import api_tokens

__all__ = ["IssuedToken", "authenticate_token", "issue_token", "list_tokens", "revoke_token"]

PREFIX = "acc_"


@dataclass(frozen=True, slots=True)
class IssuedToken:
    name: str
    secret: str
    expires_at: datetime | None


def _digest(secret: str) -> bytes:
    return hashlib.sha256(secret.encode("utf-8")).digest()


def issue_token(
    node: Node,
    name: str,
    roles: list[str],
    scopes: list[str] | None = None,
    expires_at: datetime | None = None,
) -> IssuedToken:
    """Create a token; the secret is returned once and never stored."""
    if not name.strip():
        raise ValidationError(FieldError("name", "is required"))
    if not roles:
        raise ValidationError(FieldError("role", "at least one role is required"))
    if expires_at is not None and expires_at <= datetime.now(UTC):
        raise ValidationError(FieldError("expires", "must be in the future"))
    secret = PREFIX + secrets.token_urlsafe(32)
    with node.engine.begin() as conn:
        if conn.execute(select(api_tokens.c.id).where(api_tokens.c.name == name)).first():
            raise Conflict(f"a token named {name!r} exists; revoke it or choose another name")
        conn.execute(
            insert(api_tokens).values(
                name=name,
                token_hash=_digest(secret),
                agency=node.agency,
                roles=sorted(set(roles)),
                scopes=sorted(set(scopes or [])),
                created_at=datetime.now(UTC),
                expires_at=expires_at,
            )
        )
    return IssuedToken(name=name, secret=secret, expires_at=expires_at)


def revoke_token(node: Node, name: str) -> None:
    with node.engine.begin() as conn:
        done = conn.execute(
            update(api_tokens)
            .where(api_tokens.c.name == name, api_tokens.c.revoked_at.is_(None))
            .values(revoked_at=datetime.now(UTC))
        )
        if done.rowcount == 0:
            raise NotFound(f"no active token named {name!r}")


def list_tokens(node: Node) -> list[dict[str, object]]:
    with node.engine.connect() as conn:
        rows = conn.execute(select(api_tokens).order_by(api_tokens.c.name)).all()
    return [
        {
            "name": r.name,
            "roles": r.roles,
            "scopes": r.scopes,
            "created_at": r.created_at,
            "expires_at": r.expires_at,
            "revoked": r.revoked_at is not None,
        }
        for r in rows
    ]


def authenticate_token(node: Node, secret: str, now: datetime | None = None) -> Principal:
    """The principal behind a bearer token, or Unauthorized (unknown, revoked, expired)."""
    now = now or datetime.now(UTC)
    with node.engine.connect() as conn:
        row = conn.execute(
            select(api_tokens).where(api_tokens.c.token_hash == _digest(secret))
        ).first()
    if row is None:
        raise Unauthorized("unknown token")
    if row.revoked_at is not None:
        raise Unauthorized("token revoked")
    expires = row.expires_at
    if expires is not None:
        expires = expires if expires.tzinfo else expires.replace(tzinfo=UTC)
        if expires <= now:
            raise Unauthorized("token expired")
    return Principal(
        subject=row.name,
        agency=row.agency,
        kind=PrincipalKind.TOKEN,
        roles=frozenset(row.roles),
        scopes=frozenset(row.scopes),
    )
