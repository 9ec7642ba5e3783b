"""Request dependencies: the node, the caller's identity, and the access check.

`current_principal` is the one gate every non-public route passes: it authenticates the
bearer secret and checks the caller against the route's entry in the access matrix
(`accord.auth.matrix.ACCESS`). A route without an entry is closed to everyone."""

from __future__ import annotations

from typing import Annotated

import anyio.to_thread
import structlog
from fastapi import Depends, Request
from fastapi.routing import iter_route_contexts
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from accord.api.guard import LOOPBACK_KEY, PRINCIPAL_KEY, ROUTE_KEY
from accord.auth import Access, access_for, decide
from accord.errors import Forbidden, Unauthorized
from accord.model import Principal
from accord.services.node import Node
from accord.services.sessions import authenticate
from accord.services.tokens import cached_principal

__all__ = [
    "BearerSecret",
    "CurrentNode",
    "CurrentPrincipal",
    "MetricsCaller",
    "bearer_secret",
    "current_principal",
    "get_node",
    "metrics_caller",
    "request_principal",
    "route_access",
    "route_template",
]

log = structlog.get_logger("accord.api")

_bearer = HTTPBearer(auto_error=False, description="An API token or a user's access token.")


async def get_node(request: Request) -> Node:
    # Dependencies that do no I/O are coroutines: FastAPI runs a plain function in its
    # thread pool, a hop to another thread and back for every request.
    node: Node = request.app.state.node
    return node


CurrentNode = Annotated[Node, Depends(get_node)]


def route_template(request: Request) -> str | None:
    """The full path template of the route this request matched (`/api/v1/records/{record_id}`).

    The route in the request scope is the one its router declared, without the prefix of
    `include_router`; the app's route contexts know the prefixed path. The API's guard
    (`accord.api.guard`) has usually found it already."""
    if request.scope.get(ROUTE_KEY):
        known: str = request.scope[ROUTE_KEY]
        return known
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


async def current_principal(
    request: Request,
    node: CurrentNode,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    """The authenticated caller, allowed by the access matrix to call this route; every
    route depends on this. The guard authenticates before the body is read and leaves the
    principal in the scope; the decision is taken again here all the same (without the
    guard, the secret is authenticated here, off the event loop)."""
    return await principal_of(request, node, credentials)


async def request_principal(request: Request) -> Principal:
    """`current_principal` for an endpoint served without FastAPI's dependencies."""
    return await principal_of(request, await get_node(request), await _bearer(request))


async def principal_of(
    request: Request, node: Node, credentials: HTTPAuthorizationCredentials | None
) -> Principal:
    access = route_access(request)
    principal = request.scope.get(PRINCIPAL_KEY)
    if not isinstance(principal, Principal):
        secret = bearer_secret(credentials)
        # A token this process authenticated a moment ago is in memory (no database, nothing
        # to wait for): answered on the event loop, without a hop to a worker thread.
        known = cached_principal(node, secret)
        if known is None:
            known = await anyio.to_thread.run_sync(authenticate, node, secret)
        principal = known
    decision = decide(access, principal)
    if not decision.allowed:
        raise Forbidden(decision.reason)
    return principal


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


async def metrics_caller(
    request: Request,
    node: CurrentNode,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal | None:
    """For a route open to loopback callers (`Access.loopback`): None for a caller the guard
    found on the loopback interface, else the principal as `current_principal` checks it."""
    if request.scope.get(LOOPBACK_KEY) is True:
        return None
    return await current_principal(request, node, credentials)


MetricsCaller = Annotated[Principal | None, Depends(metrics_caller)]
