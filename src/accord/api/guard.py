"""The API's outer gate: a raw ASGI middleware that acts before any route reads the body.

For every HTTP request it
1. finds the route template the request matches (for the access check and the metrics);
2. under `/api/v1`, refuses a body larger than the route's limit with 413 — from its
   Content-Length before anything is read, and for a chunked body while it streams, cut at
   the limit — whoever the caller is;
3. takes the workbench's session cookie as the bearer secret when no Authorization header is
   sent, and refuses a state change so authenticated without its CSRF token
   (`accord.api.cookies`);
4. authenticates the bearer secret and checks the access matrix for every non-public route
   before the route's body is read or parsed (401/403), and hands the principal to
   `accord.api.deps.current_principal`;
5. counts the request and its latency (`accord.metrics`);
6. turns an unexpected exception into a plain 500 and logs it from a worker thread, so that
   rendering a traceback never holds the event loop.
"""

from __future__ import annotations

import ipaddress
import json
import time
from collections.abc import Awaitable, Callable, MutableMapping
from functools import partial
from typing import Any

import anyio.to_thread
import structlog
from fastapi import FastAPI
from fastapi.routing import iter_route_contexts
from starlette.requests import cookie_parser
from starlette.routing import Match

from accord.api.cookies import (
    COOKIE_KEY,
    CSRF_HEADER,
    SAFE_METHODS,
    SESSION_COOKIE,
    csrf_matches,
)
from accord.api.errors import TAXII_PREFIX, taxii_error
from accord.auth import access_for, decide
from accord.errors import AccordError, Forbidden, Unauthorized
from accord.metrics import REQUEST_SECONDS, REQUESTS
from accord.model import Principal
from accord.services.node import Node
from accord.services.sessions import authenticate
from accord.services.tokens import cached_principal

__all__ = ["LOOPBACK_KEY", "PRINCIPAL_KEY", "ROUTE_KEY", "BodyTooLarge", "Guard", "match_template"]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

#: Where the guard leaves the authenticated principal in the request scope.
PRINCIPAL_KEY = "accord.principal"
#: ... the matched route template, and whether a loopback-open route was called from loopback.
ROUTE_KEY = "accord.route"
LOOPBACK_KEY = "accord.loopback"
API_PREFIX = "/api/v1"

log = structlog.get_logger("accord.api")


class BodyTooLarge(AccordError):
    status = 413
    code = "body_too_large"


class CsrfRefused(Forbidden):
    code = "csrf"


def match_template(app: FastAPI, scope: Scope) -> str | None:
    """The path template of the route `scope` fully matches (`/api/v1/records/{record_id}`)."""
    for context in iter_route_contexts(app.router.routes):
        matched, _ = context.matches(scope)
        if matched is Match.FULL:
            path = context.path
            return str(path) if path is not None else None
    return None


def _bearer(scope: Scope) -> str | None:
    """The bearer secret; under /taxii2/ also the password of HTTP Basic (TAXII clients that
    speak only Basic send the API token so, with any user name) and `Token <secret>` (the
    scheme of taxii2-client's TokenAuth)."""
    for name, value in scope.get("headers", ()):
        if name == b"authorization":
            scheme, _, secret = bytes(value).decode("latin-1").partition(" ")
            if scheme.lower() == "bearer":
                return secret.strip() or None
            if _is_taxii(scope):
                if scheme.lower() == "basic":
                    return basic_password(secret.strip())
                if scheme.lower() == "token":  # taxii2-client's TokenAuth
                    return secret.strip() or None
            return None
    return None


def _header(scope: Scope, wanted: bytes) -> str | None:
    for name, value in scope.get("headers", ()):
        if name == wanted:
            return bytes(value).decode("latin-1")
    return None


def _from_cookie(scope: Scope) -> AccordError | None:
    """Under `/api/v1`, a request without an Authorization header but with the workbench's
    session cookie is authenticated by the cookie: its secret becomes the bearer secret. A
    state change must carry the session's CSRF token; without it, Forbidden."""
    if not str(scope.get("path", "")).startswith(API_PREFIX):
        return None
    if _header(scope, b"authorization") is not None:
        return None
    cookies = _header(scope, b"cookie")
    secret = cookie_parser(cookies).get(SESSION_COOKIE) if cookies else None
    if not secret:
        return None
    if str(scope.get("method", "")).upper() not in SAFE_METHODS and not csrf_matches(
        secret, _header(scope, CSRF_HEADER.encode("ascii"))
    ):
        return CsrfRefused("this change needs the session's CSRF token in X-CSRF-Token")
    bearer = (b"authorization", f"Bearer {secret}".encode("latin-1"))
    scope["headers"] = [*scope.get("headers", ()), bearer]
    scope[COOKIE_KEY] = True
    return None


def basic_password(credentials: str) -> str | None:
    """The password of HTTP Basic credentials (RFC 7617), None if they are not any."""
    import base64
    import binascii

    try:
        decoded = base64.b64decode(credentials, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    _, sep, password = decoded.partition(":")
    return password or None if sep else None


def _is_taxii(scope: Scope) -> bool:
    path = str(scope.get("path", ""))
    return path == TAXII_PREFIX or path.startswith(TAXII_PREFIX + "/")


def _loopback(scope: Scope) -> bool:
    client = scope.get("client")
    if not client:
        return False
    try:
        return ipaddress.ip_address(str(client[0])).is_loopback
    except ValueError:
        return False


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


async def _answer(send: Send, error: AccordError, *, taxii: bool = False) -> None:
    if taxii:
        extra = {"WWW-Authenticate": 'Bearer, Basic realm="taxii"'} if error.status == 401 else {}
        status, body, named = taxii_error(error.status, error.message, error.code, extra)
        headers = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in named.items()]
        headers.append((b"content-length", str(len(body)).encode("ascii")))
        headers.append((b"connection", b"close"))
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})
        return
    headers = [(b"content-type", b"application/json")]
    if error.status == 401:
        headers.append((b"www-authenticate", b"Bearer"))
    body = json.dumps(error.to_dict()).encode("utf-8")
    headers.append((b"content-length", str(len(body)).encode("ascii")))
    # The request body stays unread: the connection is closed after this answer.
    headers.append((b"connection", b"close"))
    await send({"type": "http.response.start", "status": error.status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


_TEMPLATE_CACHE = 4096
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
_INTERNAL = json.dumps(
    {"code": "internal_error", "message": "internal error; the node's log has details"}
).encode("utf-8")


class Guard:
    """See the module docstring. `limits` maps route templates to their own body limit."""

    def __init__(
        self, app: ASGIApp, *, fastapi: FastAPI, node: Node, limits: dict[str, int]
    ) -> None:
        self.app = app
        self.fastapi = fastapi
        self.node = node
        self.default_limit = node.settings.max_body_bytes
        self.limits = limits
        #: (method, path) → the template it matched: most requests go to a few paths, and
        #: walking every route's pattern cost more than the rest of the guard. Bounded, so
        #: that paths with ids cannot grow it without end.
        self._templates: dict[tuple[str, str], str | None] = {}

    def _template(self, scope: Scope) -> str | None:
        key = (str(scope.get("method", "")), str(scope.get("path", "")))
        if key in self._templates:
            return self._templates[key]
        found = match_template(self.fastapi, scope)
        if len(self._templates) >= _TEMPLATE_CACHE:
            self._templates.clear()
        self._templates[key] = found
        return found

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        template = self._template(scope)
        scope[ROUTE_KEY] = template
        status: dict[str, Any] = {"code": 500, "sent": False, "too_large": None}

        async def tracked_send(message: Message) -> None:
            if status["too_large"] is not None:
                # The body was cut at the limit: whatever the route made of that (FastAPI
                # reports a failed body read as a 400), the answer is 413.
                await refuse(status["too_large"])
                return
            if message["type"] == "http.response.start":
                status["code"] = int(message["status"])
                status["sent"] = True
            await send(message)

        async def refuse(error: AccordError) -> None:
            if not status["sent"]:
                status["code"], status["sent"] = error.status, True
                await _answer(send, error, taxii=_is_taxii(scope))

        try:
            refusal = _from_cookie(scope) or await self._refusal(scope, template)
            if refusal is not None:
                await refuse(refusal)
                return
            await self.app(scope, self._limited(scope, receive, template, status), tracked_send)
        except BodyTooLarge as exc:
            await refuse(exc)
        except Exception as exc:  # noqa: BLE001 - the one place an unexpected error ends
            await anyio.to_thread.run_sync(
                partial(
                    log.error,
                    "unhandled error",
                    method=scope.get("method"),
                    path=scope.get("path"),
                    route=template,
                    error=type(exc).__name__,
                    exc_info=exc,
                )
            )
            if not status["sent"]:
                status["code"], status["sent"] = 500, True
                await send(
                    {
                        "type": "http.response.start",
                        "status": 500,
                        "headers": [
                            (b"content-type", b"application/json"),
                            (b"content-length", str(len(_INTERNAL)).encode("ascii")),
                        ],
                    }
                )
                await send({"type": "http.response.body", "body": _INTERNAL})
        finally:
            route = template or "unmatched"
            method = str(scope.get("method", ""))
            method = method if method in _METHODS else "other"  # a client picks the method
            REQUESTS.labels(method=method, route=route, status=str(status["code"])).inc()
            REQUEST_SECONDS.labels(method=method, route=route).observe(
                time.perf_counter() - started
            )

    def _limit(self, scope: Scope, template: str | None) -> int | None:
        if not str(scope.get("path", "")).startswith(API_PREFIX):
            return None
        return self.limits.get(template or "", self.default_limit)

    async def _refusal(self, scope: Scope, template: str | None) -> AccordError | None:
        """The answer to give without calling the route, or None to go on."""
        limit = self._limit(scope, template)
        length = _content_length(scope)
        if limit is not None and length is not None and length > limit:
            return BodyTooLarge(f"request body larger than {limit} bytes")
        if template is None:
            return None  # 404/405: the router answers
        access = access_for(str(scope["method"]), template)
        if access is None or access.public or access.partners:
            return None  # closed routes are refused by the dependency; partners sign requests
        if access.loopback and self.node.settings.metrics_loopback and _loopback(scope):
            scope[LOOPBACK_KEY] = True
            return None
        secret = _bearer(scope)
        if secret is None:
            if _is_taxii(scope):
                return Unauthorized(
                    "authentication required: send Authorization: Bearer <token>, or Basic "
                    "with the token as the password"
                )
            return Unauthorized("authentication required: send Authorization: Bearer <token>")
        # A machine token this process authenticated a moment ago is known without the
        # database (or a worker thread); anything else is authenticated off the event loop.
        principal: Principal | None = cached_principal(self.node, secret)
        if principal is None:
            try:
                principal = await anyio.to_thread.run_sync(authenticate, self.node, secret)
            except AccordError as exc:
                return exc
        decision = decide(access, principal)
        if not decision.allowed:
            return Forbidden(decision.reason)
        scope[PRINCIPAL_KEY] = principal
        return None

    def _limited(
        self, scope: Scope, receive: Receive, template: str | None, status: dict[str, Any]
    ) -> Receive:
        limit = self._limit(scope, template)
        if limit is None:
            return receive
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    status["too_large"] = BodyTooLarge(f"request body larger than {limit} bytes")
                    raise status["too_large"]
            return message

        return counted
