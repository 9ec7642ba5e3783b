"""API tokens for machine clients: random secrets shown once, stored only as SHA-256 hashes.

A token carries roles and scopes: a route needs one of its roles *and* its scope (see
`accord.auth.matrix`). Without explicit scopes a token gets every scope its roles can use.
Issuing and revoking are appended to the ledger in the same transaction."""

from __future__ import annotations

import mmap
import os
import time
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import insert, select, update

from accord.auth import (
    API_TOKEN_PREFIX,
    SCOPES,
    Role,
    new_bearer_secret,
    parse_roles,
    scopes_for,
    secret_digest,
)
from accord.errors import Conflict, FieldError, NotFound, Unauthorized, ValidationError
from accord.model import Principal, PrincipalKind
from accord.services.audit import Event, record_event
from accord.services.node import Node
from accord.store.tables import api_tokens

__all__ = [
    "IssuedToken",
    "TokenInfo",
    "authenticate_token",
    "cached_principal",
    "issue_token",
    "list_tokens",
    "revoke_token",
]


@dataclass(frozen=True, slots=True)
class IssuedToken:
    name: str
    secret: str
    roles: tuple[str, ...]
    scopes: tuple[str, ...]
    expires_at: datetime | None
    acts_for: str | None = None


def _check(
    name: str,
    roles: list[str],
    scopes: list[str] | None,
    expires_at: datetime | None,
    now: datetime,
) -> tuple[list[str], list[str]]:
    """Valid (roles, scopes) or a ValidationError naming every problem."""
    errors = []
    if not name.strip() or len(name) > 100:
        errors.append(FieldError("name", "is required, at most 100 characters"))
    known, unknown = parse_roles(roles)
    if unknown or not known:
        choices = ", ".join(r.value for r in Role)
        what = f"unknown role(s) {', '.join(unknown)}" if unknown else "at least one is required"
        errors.append(FieldError("role", f"{what}; choose from {choices}"))
    usable = scopes_for(known)
    wanted = set(usable if scopes is None else scopes)
    for scope in sorted(wanted - SCOPES):
        errors.append(
            FieldError("scopes", f"unknown scope {scope!r}; known: {', '.join(sorted(SCOPES))}")
        )
    for scope in sorted((wanted & SCOPES) - usable):
        errors.append(FieldError("scopes", f"{scope!r} opens no route to these roles"))
    if expires_at is not None and expires_at <= now:
        errors.append(FieldError("expires", "must be in the future"))
    if errors:
        raise ValidationError(errors)
    return sorted(r.value for r in known), sorted(wanted)


def issue_token(
    node: Node,
    name: str,
    roles: list[str],
    scopes: list[str] | None = None,
    expires_at: datetime | None = None,
    *,
    acts_for: str | None = None,
    actor: Principal | None = None,
    now: datetime | None = None,
) -> IssuedToken:
    """Create a token; the secret is returned once and never stored. `scopes=None` gives
    every scope the roles can use; `actor` (default: the node's operator) goes in the ledger.

    `acts_for`: a partner agency (or CERT) for which a TAXII client's token reads and writes;
    such a token holds the `taxii_client` role and no other. (A `taxii_client` token acting
    for no one is the node's own agency's client, its own SOC's.)"""
    now = now or datetime.now(UTC)
    role_names, scope_names = _check(name, roles, scopes, expires_at, now)
    _check_acts_for(node, role_names, acts_for)
    secret = new_bearer_secret(API_TOKEN_PREFIX)
    with node.engine.begin() as conn:
        if conn.execute(select(api_tokens.c.id).where(api_tokens.c.name == name)).first():
            raise Conflict(f"a token named {name!r} exists; revoke it or choose another name")
        conn.execute(
            insert(api_tokens).values(
                name=name,
                token_hash=secret_digest(secret),
                agency=node.agency,
                roles=role_names,
                scopes=scope_names,
                created_at=now,
                expires_at=expires_at,
                acts_for=acts_for,
            )
        )
        record_event(
            conn,
            Event.TOKEN_ISSUED,
            actor or node.operator(),
            {
                "name": name,
                "roles": role_names,
                "scopes": scope_names,
                "expires_at": expires_at.isoformat() if expires_at else None,
                "acts_for": acts_for,
            },
        )
    return IssuedToken(name, secret, tuple(role_names), tuple(scope_names), expires_at, acts_for)


def _check_acts_for(node: Node, roles: list[str], acts_for: str | None) -> None:
    from accord.model import is_agency_code

    if acts_for is None:
        return
    if not is_agency_code(acts_for):
        raise ValidationError(FieldError("acts_for", f"{acts_for!r} is not an agency code"))
    if acts_for == node.agency:
        raise ValidationError(FieldError("acts_for", "is this node's own agency"))
    if roles != [Role.TAXII_CLIENT.value]:
        raise ValidationError(
            FieldError("role", "a token acting for another agency holds taxii_client only")
        )


def revoke_token(
    node: Node, name: str, *, actor: Principal | None = None, now: datetime | None = None
) -> None:
    """Refuse the token from now on."""
    with node.engine.begin() as conn:
        done = conn.execute(
            update(api_tokens)
            .where(api_tokens.c.name == name, api_tokens.c.revoked_at.is_(None))
            .values(revoked_at=now or datetime.now(UTC))
        )
        if done.rowcount == 0:
            raise NotFound(f"no active token named {name!r}")
        record_event(conn, Event.TOKEN_REVOKED, actor or node.operator(), {"name": name})
    node.cache.pop(_CACHE, None)
    # Any new value tells every process of the machine: written in place, never replaced,
    # so that the pages they have mapped are the ones that change.
    fd = _open_revocations(node)
    try:
        os.pwrite(fd, os.urandom(_STAMP_SIZE), 0)
    finally:
        os.close(fd)


@dataclass(frozen=True, slots=True)
class TokenInfo:
    """A token as listed: everything but its secret, which is not kept."""

    name: str
    roles: tuple[str, ...]
    scopes: tuple[str, ...]
    created_at: datetime
    expires_at: datetime | None
    revoked: bool

    def to_dict(self) -> dict[str, object]:
        return {
            "name": self.name,
            "roles": list(self.roles),
            "scopes": list(self.scopes),
            "created_at": self.created_at.isoformat(),
            "expires_at": self.expires_at.isoformat() if self.expires_at else None,
            "revoked": self.revoked,
        }


def list_tokens(node: Node) -> list[TokenInfo]:
    with node.engine.connect() as conn:
        rows = conn.execute(select(api_tokens).order_by(api_tokens.c.name)).all()
    return [
        TokenInfo(
            name=r.name,
            roles=tuple(r.roles),
            scopes=tuple(r.scopes),
            created_at=r.created_at,
            expires_at=r.expires_at,
            revoked=r.revoked_at is not None,
        )
        for r in rows
    ]


#: Where a node's process keeps the tokens it has authenticated: secret digest → (principal,
#: the token's expiry, when the entry is to be checked again, monotonic seconds).
_CACHE = "tokens.authenticated"
_STAMP = "tokens.revocations"
_VIEW = "tokens.revocations.view"
_CACHE_SIZE = 10_000


_STAMP_SIZE = 8


def _open_revocations(node: Node) -> int:
    """`ACCORD_HOME/tokens.revoked`: eight bytes that every revocation overwrites with new
    random ones. Each process maps them into memory, so that a cached lookup sees a
    revocation by any process of the node's machine at once, without a system call."""
    path = node.settings.home / "tokens.revoked"
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    if os.fstat(fd).st_size < _STAMP_SIZE:
        os.pwrite(fd, bytes(_STAMP_SIZE), 0)
    return fd


def _stamp(node: Node) -> bytes:
    view: mmap.mmap | None = node.cache.get(_VIEW)
    if view is None:
        fd = _open_revocations(node)
        try:
            view = mmap.mmap(fd, _STAMP_SIZE, access=mmap.ACCESS_READ)
        finally:
            os.close(fd)
        node.cache[_VIEW] = view
    return view[:_STAMP_SIZE]


def cached_principal(node: Node, secret: str, now: datetime | None = None) -> Principal | None:
    """The principal of an API token this process authenticated less than
    `ACCORD_TOKEN_CACHE_SECONDS` ago (and that has not expired since), without the database;
    None otherwise. A revocation empties every cache on the node's machine (another
    machine's workers, sharing a PostgreSQL database, ask again within the cache time)."""
    cache: dict[bytes, tuple[Principal, datetime | None, float]] | None = node.cache.get(_CACHE)
    if not cache:
        return None
    if node.cache.get(_STAMP) != _stamp(node):
        cache.clear()
        return None
    found = cache.get(secret_digest(secret))
    if found is None:
        return None
    principal, expires_at, recheck = found
    if time.monotonic() >= recheck or (
        expires_at is not None and expires_at <= (now or datetime.now(UTC))
    ):
        return None
    return principal


def authenticate_token(node: Node, secret: str, now: datetime | None = None) -> Principal:
    """The principal behind a bearer token, or Unauthorized (unknown, revoked, expired)."""
    if now is None:
        cached = cached_principal(node, secret)
        if cached is not None:
            return cached
    now = now or datetime.now(UTC)
    with node.engine.connect() as conn:
        row = conn.execute(
            select(api_tokens).where(api_tokens.c.token_hash == secret_digest(secret))
        ).first()
    if row is None:
        raise Unauthorized("unknown token")
    if row.revoked_at is not None:
        raise Unauthorized("token revoked")
    if row.expires_at is not None and row.expires_at <= now:
        raise Unauthorized("token expired")
    principal = Principal(
        subject=row.name,
        agency=row.agency,
        kind=PrincipalKind.TOKEN,
        roles=frozenset(row.roles),
        scopes=frozenset(row.scopes),
        acts_for=row.acts_for,
    )
    keep = node.settings.token_cache_seconds
    if keep > 0:
        cache = node.cache.setdefault(_CACHE, {})
        stamp = _stamp(node)  # taken after the read: a revocation since then shows
        if len(cache) >= _CACHE_SIZE or node.cache.get(_STAMP) != stamp:
            cache.clear()
            node.cache[_STAMP] = stamp
        cache[secret_digest(secret)] = (principal, row.expires_at, time.monotonic() + keep)
    return principal
