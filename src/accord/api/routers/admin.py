"""/api/v1/admin — the node administrator's views of users, API tokens and partners, and
a user's roles. (Creating users and issuing tokens stays with `accord users` and `accord
tokens`, whose secrets are shown once on the operator's terminal.)"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path
from pydantic import BaseModel, ConfigDict, Field

from accord.api.deps import CurrentNode, CurrentPrincipal
from accord.errors import NotFound
from accord.services import peers, tokens, users

router = APIRouter(prefix="/admin", tags=["admin"])

Username = Annotated[str, Path(min_length=1, max_length=200)]


class RolesIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    roles: list[str] = Field(min_length=1, max_length=20)


@router.get("/users")
def list_users(node: CurrentNode, principal: CurrentPrincipal) -> list[dict[str, Any]]:
    """The node's users: roles, MFA state, disabled or not, last login."""
    return [u.to_dict() for u in users.list_users(node)]


@router.put("/users/{username}/roles")
def set_roles(
    username: Username, body: RolesIn, node: CurrentNode, principal: CurrentPrincipal
) -> dict[str, Any]:
    """Replace a user's roles (in the ledger); the user as listed afterwards."""
    users.set_roles(node, username, body.roles, actor=principal)
    for found in users.list_users(node):
        if found.username == username:
            return found.to_dict()
    raise NotFound(f"no user {username!r}")


@router.get("/tokens")
def list_tokens(node: CurrentNode, principal: CurrentPrincipal) -> list[dict[str, object]]:
    """API tokens: name, roles, scopes, expiry, revoked or not (never a secret)."""
    return [t.to_dict() for t in tokens.list_tokens(node)]


@router.get("/partners")
def list_partners(node: CurrentNode, principal: CurrentPrincipal) -> list[dict[str, Any]]:
    """Partner nodes this node knows, with their address, certificate fingerprint and
    validity."""
    now = datetime.now(UTC)
    return [
        {
            "node_id": p.node_id,
            "agency": p.agency_code,
            "url": p.url,
            "tls_fingerprint": p.tls_fingerprint,
            "valid_until": p.valid_until.isoformat() if p.valid_until else None,
            "source": p.source,
            "valid": p.is_valid(now),
        }
        for p in peers.list_peers(node)
    ]
