"""Request dependencies: the node and the caller's identity."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from accord.errors import Unauthorized
from accord.model import Principal
from accord.services.node import Node
from accord.services.tokens import authenticate_token

__all__ = ["CurrentNode", "CurrentPrincipal", "current_principal", "get_node"]

_bearer = HTTPBearer(auto_error=False, description="An API token or a user's access token.")


def get_node(request: Request) -> Node:
    node: Node = request.app.state.node
    return node


CurrentNode = Annotated[Node, Depends(get_node)]


def current_principal(
    node: CurrentNode,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    """The authenticated caller; every route depends on this."""
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthorized("authentication required: send Authorization: Bearer <token>")
    return authenticate_token(node, credentials.credentials)


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]
