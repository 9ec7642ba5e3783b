"""Request dependencies: the node, the caller's identity, and the access check.

`current_principal` is the one gate every non-public route passes: it authenticates the
bearer secret and checks the caller against the route's entry in the access matrix
(`accord.auth.matrix.ACCESS`). A route without an entry is closed to everyone."""

from __future__ import annotations

from typing import Annotated

import structlog
from fastapi import Depends, Request
from fastapi.routing import iter_route_contexts
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from accord.auth import Access, access_for, decide
from accord.errors import Forbidden, Unauthorized
from accord.model import Principal
from accord.services.node import Node
from accord.services.sessions import authenticate

__all__ = [
    "BearerSecret",
    "CurrentNode",
    "CurrentPrincipal",
    "bearer_secret",
    "current_principal",
    "get_node",
    "route_access",
    "route_template",
]

log = structlog.get_logger("accord.api")

_bearer = HTTPBearer(auto_error=False, description="An API token or a user's access token.")


def get_node(request: Request) -> Node:
    node: Node = request.app.state.node
    return node


CurrentNode = Annotated[Node, Depends(get_node)]


def route_template(request: Request) -> str | None:
    """The full path template of the route this request matched (`/api/v1/records/{record_id}`).

    The route in the request scope is the one its router declared, without the prefix of
    `include_router`; the app's route contexts know the prefixed path."""
    route = request.scope.get("route")
    if route is None:
        return None
    found = [c for c in iter_route_contexts(request.app.routes) if c.original_route is route]
    for context in found:
        # A router included twice: the template whose pattern matched this request.
        regex = getattr(context, "path_regex", None)
        if len(found) == 1 or (regex is not None and regex.match(request.url.path)):
            return context.path
    return None


def route_access(request: Request) -> Access:
    """The matrix entry of the route this request matched; Forbidden when it has none."""
    path = route_template(request)
    access = access_for(request.method, path) if path else None
    if access is None:
        log.error("route without an access entry", method=request.method, path=path)
        raise Forbidden("this route is closed: it has no entry in the access matrix")
    return access


def bearer_secret(
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> str:
    """The bearer secret of the request, or Unauthorized."""
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthorized("authentication required: send Authorization: Bearer <token>")
    return credentials.credentials


BearerSecret = Annotated[str, Depends(bearer_secret)]


def current_principal(
    request: Request,
    node: CurrentNode,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    """The authenticated caller, allowed by the access matrix to call this route; every
    route depends on this."""
    access = route_access(request)
    principal = authenticate(node, bearer_secret(credentials))
    decision = decide(access, principal)
    if not decision.allowed:
        raise Forbidden(decision.reason)
    return principal


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]
