"""The FastAPI application factory."""

from __future__ import annotations

import inspect
from pathlib import Path
from typing import Any

import fastapi_offline
import structlog
from fastapi import FastAPI, Request, Response
from fastapi.openapi.docs import (
    get_redoc_html,
    get_swagger_ui_html,
    get_swagger_ui_oauth2_redirect_html,
)
from fastapi.openapi.utils import get_openapi
from fastapi.responses import FileResponse, HTMLResponse
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from starlette.types import ASGIApp, Receive, Scope, Send

from accord import __version__
from accord.api.deps import CurrentNode, MetricsCaller
from accord.api.errors import install_error_handlers
from accord.api.guard import Guard
from accord.api.routers import (
    admin,
    agreements,
    alerts,
    audit,
    auth,
    cases,
    codes,
    dashboard,
    documents,
    federation,
    graph,
    health,
    match,
    messages,
    mla,
    notices,
    records,
    search,
    stix,
    taxii,
    xref,
)
from accord.auth import access_for
from accord.errors import NotFound
from accord.logs import configure_logging
from accord.metrics import REGISTRY, NodeCollector
from accord.services.node import Node
from accord.web import install as install_workbench

__all__ = ["API_PREFIX", "DECLARED_ERRORS", "create_app"]

API_PREFIX = "/api/v1"

#: The API pages' scripts and styles, served by the node itself (no CDN): the Swagger UI and
#: ReDoc builds that the fastapi-offline package ships.
_ASSETS = Path(fastapi_offline.__file__).parent / "static"
_ASSET_FILES = frozenset(
    {"swagger-ui-bundle.js", "swagger-ui.css", "redoc.standalone.js", "favicon.png"}
)
_STATIC = "/docs/static"

#: Statuses a route answers besides those the OpenAPI document derives for it (401/403 from
#: the access matrix, 404 from a path parameter, 400/413 from a body, 422 from any input):
#: the domain errors its service raises on purpose.
DECLARED_ERRORS: dict[str, tuple[int, ...]] = {
    "POST /api/v1/auth/login": (401, 429),
    "POST /api/v1/auth/mfa/verify": (409,),
    "POST /api/v1/records": (409,),
    "GET /api/v1/records/{record_id}": (409,),
    "PATCH /api/v1/records/{record_id}": (409,),
    "DELETE /api/v1/records/{record_id}": (409,),
    "GET /api/v1/records/{record_id}/history": (409,),
    "POST /api/v1/policy/check": (404, 409),
    "POST /api/v1/exports": (404,),
    "POST /api/v1/federated-search": (404,),
    "POST /api/v1/federated-match": (404,),
    "POST /api/v1/follow-ups": (404, 409),
    "POST /api/v1/follow-ups/{follow_up_id}/decision": (409,),
    "POST /api/v1/documents": (409,),
    "POST /api/v1/documents/{country}/{doc_type}/{number}/status": (409,),
    "POST /api/v1/notices/{notice_id}/publish": (409,),
    "POST /api/v1/notices/{notice_id}/suspend": (409,),
    "POST /api/v1/notices/{notice_id}/cancel": (409,),
    "POST /api/v1/alerts/{alert_id}/ack": (409,),
    "GET /api/v1/messages/{message_id}": (409,),
    "GET /api/v1/messages/{message_id}/attachments/{sha256}": (409,),
    "POST /api/v1/cases/{case_id}/members": (409,),
    "POST /api/v1/cases/{case_id}/posts": (409,),
    "POST /api/v1/mla/{mla_id}/send": (409,),
    "POST /api/v1/mla/{mla_id}/advance": (409,),
    "PUT /api/v1/admin/users/{username}/roles": (404,),
    # The partners' side reads its signed bodies itself (`accord.api.routers.partner`).
    "POST /federation/v1/search": (413, 422),
    "POST /federation/v1/match": (413, 422),
    "POST /federation/v1/follow-ups": (409, 413, 422),
    "POST /federation/v1/follow-ups/{follow_up_id}/outcome": (409, 413, 422),
    "POST /federation/v1/notices": (409, 413, 422),
    "POST /federation/v1/notices/{notice_id}/status": (409, 413, 422),
    "POST /federation/v1/alerts": (413, 422),
    "POST /federation/v1/messages": (409, 413, 422),
    "POST /federation/v1/messages/{message_id}/receipts": (413, 422),
}

_DESCRIPTIONS = {
    400: "The body could not be read (not UTF-8, cut off); `errors[].field` is `body`.",
    401: "No bearer token, or one that is unknown, expired or revoked (partners: no mutual "
    "TLS or no valid signature).",
    403: "The caller's roles or the token's scopes do not allow this route "
    "(the access matrix in docs/security.md).",
    404: "No such resource.",
    409: "Conflicts with the current state (see the message).",
    413: "The request body is larger than this route accepts; refused before it is read.",
    422: "Invalid input: each error names the field as sent and where (`in`).",
    429: "Too many failed logins: try again after `Retry-After` seconds.",
}

_ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["code", "message"],
    "properties": {
        "code": {"type": "string", "description": "Stable error code."},
        "message": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["field", "reason"],
                "properties": {
                    "field": {"type": "string"},
                    "in": {"type": "string", "enum": ["body", "query", "path", "header", "cookie"]},
                    "reason": {"type": "string"},
                },
            },
        },
        "retry_after": {"type": "integer"},
    },
}


_TAXII_MEDIA = "application/taxii+json;version=2.1"
_TAXII_ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["title"],
    "description": "TAXII 2.1 error message (§3.6.1).",
    "properties": {
        "title": {"type": "string"},
        "description": {"type": "string"},
        "error_code": {"type": "string"},
        "http_status": {"type": "string"},
    },
}


def _document_taxii(
    method: str,
    path: str,
    operation: dict[str, Any],
    responses: dict[str, Any],
    error_ref: dict[str, Any],
) -> None:
    """TAXII routes answer in TAXII's media type, errors in TAXII's shape, 400 not 422."""
    responses.pop("422", None)
    ok = "202" if method == "post" else "200"
    for key in list(responses):
        if key.startswith("2"):
            responses.pop(key)
    responses[ok] = (
        {"description": "The object versions were deleted (§5.7): no body."}
        if method == "delete"
        else {
            "description": "A TAXII 2.1 resource.",
            "content": {_TAXII_MEDIA: {"schema": {"type": "object"}}},
        }
    )
    statuses = {400, 401, 403, 404, 406}
    if method == "post":
        statuses |= {413, 415}
    texts = {
        **_DESCRIPTIONS,
        406: "The request accepts no TAXII 2.1 media type.",
        400: "Invalid input (a filter, `limit`, `next`, the body).",
        415: "The body is not application/taxii+json;version=2.1.",
    }
    for status in sorted(statuses):
        responses[str(status)] = {"description": texts[status], "content": error_ref}


def _statuses(method: str, path: str, operation: dict[str, Any]) -> set[int]:
    """Every error status the route answers with, derived from how it is built."""
    found: set[int] = set(DECLARED_ERRORS.get(f"{method.upper()} {path}", ()))
    access = access_for(method, path)
    if access is not None and not access.public:
        found |= {401, 403}  # partners too: no mutual TLS, no or a bad signature
    if "{" in path:
        found.add(404)
    if operation.get("parameters") or "requestBody" in operation:
        found.add(422)
    if path.startswith(API_PREFIX) and "requestBody" in operation:
        found |= {400, 413}
    return found


def _document(app: FastAPI, node: Node) -> dict[str, Any]:
    """The OpenAPI document with every error status of every route and the limits."""
    if app.openapi_schema:
        return app.openapi_schema
    schema = get_openapi(
        title=app.title,
        version=app.version,
        description=app.description,
        routes=app.routes,
    )
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components["Error"] = _ERROR_SCHEMA
    components["TaxiiError"] = _TAXII_ERROR_SCHEMA
    error_ref = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    taxii_ref = {_TAXII_MEDIA: {"schema": {"$ref": "#/components/schemas/TaxiiError"}}}
    agreement_limit = node.settings.agreement_max_bytes
    for path, item in schema.get("paths", {}).items():
        for method, operation in item.items():
            responses = operation.setdefault("responses", {})
            if path.startswith("/taxii2"):
                _document_taxii(method, path, operation, responses, taxii_ref)
                continue
            for status in sorted(_statuses(method, path, operation)):
                key = str(status)
                if key == "422" or key not in responses:
                    responses[key] = {"description": _DESCRIPTIONS[status], "content": error_ref}
            if method == "put" and path == f"{API_PREFIX}/agreements/{{file_name}}":
                body = operation.get("requestBody", {}).get("content", {})
                for media in body.values():
                    media.setdefault("schema", {})["maxLength"] = agreement_limit
                operation["description"] = (
                    operation.get("description", "")
                    + f"\n\nAt most {agreement_limit} bytes; a larger file is refused with 413 "
                    "before it is read."
                )
    for unused in ("HTTPValidationError", "ValidationError"):
        components.pop(unused, None)
    app.openapi_schema = schema
    return schema


def _install_pages(app: FastAPI) -> None:
    """`/docs` (Swagger UI) and `/redoc` with their files served from this node."""

    @app.get("/docs", include_in_schema=False)
    def swagger(request: Request) -> HTMLResponse:
        base = request.scope.get("root_path", "")
        return get_swagger_ui_html(
            openapi_url=f"{base}/openapi.json",
            title=f"{app.title} — API",
            swagger_js_url=f"{base}{_STATIC}/swagger-ui-bundle.js",
            swagger_css_url=f"{base}{_STATIC}/swagger-ui.css",
            swagger_favicon_url=f"{base}{_STATIC}/favicon.png",
            oauth2_redirect_url=f"{base}/docs/oauth2-redirect",
            # Swagger UI would otherwise send the document to an online validator.
            swagger_ui_parameters={"validatorUrl": None},
        )

    @app.get("/docs/oauth2-redirect", include_in_schema=False)
    def swagger_redirect() -> HTMLResponse:
        return get_swagger_ui_oauth2_redirect_html()

    @app.get("/redoc", include_in_schema=False)
    def redoc(request: Request) -> HTMLResponse:
        base = request.scope.get("root_path", "")
        return get_redoc_html(
            openapi_url=f"{base}/openapi.json",
            title=f"{app.title} — API",
            redoc_js_url=f"{base}{_STATIC}/redoc.standalone.js",
            redoc_favicon_url=f"{base}{_STATIC}/favicon.png",
            with_google_fonts=False,
        )

    @app.get(_STATIC + "/{file_name}", include_in_schema=False)
    def asset(file_name: str) -> FileResponse:
        if file_name not in _ASSET_FILES:
            raise NotFound(f"no file {file_name!r}")
        return FileResponse(_ASSETS / file_name, headers={"Cache-Control": "public, max-age=86400"})


def _install_metrics(app: FastAPI, node: Node) -> None:
    own = CollectorRegistry(auto_describe=False)
    own.register(NodeCollector(node))

    @app.get(
        "/metrics",
        tags=["metrics"],
        response_class=Response,
        responses={
            200: {
                "description": "Prometheus text exposition format.",
                "content": {CONTENT_TYPE_LATEST.split(";")[0]: {"schema": {"type": "string"}}},
            }
        },
    )
    def metrics(node: CurrentNode, caller: MetricsCaller) -> Response:
        """Requests by route template and status, latency, calls to partners by partner and
        outcome, outbox depth and ledger size. Open to a token with the `metrics` scope and,
        unless `ACCORD_METRICS_LOOPBACK` is off, to callers on the loopback interface."""
        body = generate_latest(REGISTRY) + generate_latest(own)
        return Response(body, media_type=CONTENT_TYPE_LATEST)


class NodeAPI(FastAPI):
    """The node's FastAPI application, whose busiest routes (`documents.FAST_ROUTES`) are
    dispatched ahead of Starlette's stack: straight to the guard (the same caller, access
    and body limits as every route), then to the endpoint, whose errors get the app's own
    handlers. The stack's other layers (the router walking its routes, the error, body-limit
    and exit-stack middleware) cost more of a document check than the check itself; the
    guard answers an unexpected error with a 500 as it does for the rest."""

    fast: dict[tuple[str, str], ASGIApp]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            fast = self.fast.get((scope["method"], scope["path"]))
            if fast is not None:
                scope["app"] = self
                await fast(scope, receive, send)
                return
        await super().__call__(scope, receive, send)


class _Endpoint:
    """An endpoint as an ASGI app whose exceptions the app's handlers answer."""

    def __init__(self, app: FastAPI, endpoint: Any) -> None:
        self.app, self.endpoint = app, endpoint

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive, send)
        try:
            response = await self.endpoint(request)
        except Exception as exc:
            handler = next(
                (
                    self.app.exception_handlers[kind]
                    for kind in type(exc).__mro__
                    if kind in self.app.exception_handlers
                ),
                None,
            )
            if handler is None:
                raise  # the guard logs it and answers 500
            answered = handler(request, exc)  # the node's handlers are coroutines
            response = await answered if inspect.isawaitable(answered) else answered
        await response(scope, receive, send)


def create_app(node: Node) -> FastAPI:
    settings = node.settings
    if not structlog.is_configured():
        # Embedded without `accord serve` (tests, another server): structlog's default would
        # render tracebacks with their locals.
        configure_logging(settings)
    app = NodeAPI(
        title=f"Accord node {node.agency}",
        version=__version__,
        description="Federated cross-border criminal-intelligence exchange. "
        "Every route except /health and the login needs a bearer token.\n\n"
        f"Limits: a request body under {API_PREFIX} has at most {settings.max_body_bytes} "
        f"bytes (`ACCORD_MAX_BODY_BYTES`) and an agreement file at most "
        f"{settings.agreement_max_bytes} bytes (`ACCORD_AGREEMENT_MAX_BYTES`); a larger body "
        "is refused with 413 before it is read. Identity and access are checked before a "
        "body is read, so an unauthenticated caller gets 401 whatever it sends.",
        docs_url=None,
        redoc_url=None,
        openapi_url="/openapi.json",
        # The node reports through its own metrics and logs; FastAPI's OpenTelemetry hooks
        # would look for providers on every request.
        telemetry={"tracing": False, "metrics": False, "logs": False, "operation_spans": False},
    )
    app.state.node = node
    install_error_handlers(app)
    # Routes are matched in order: the document checks, the busiest routes by far, first.
    for router in (
        documents.router,
        health.router,
        auth.router,
        codes.router,
        records.router,
        search.router,
        match.router,
        audit.router,
        agreements.router,
        xref.router,
        notices.router,
        alerts.router,
        messages.router,
        cases.router,
        mla.router,
        admin.router,
        dashboard.router,
        graph.router,
        stix.router,
    ):
        app.include_router(router, prefix=API_PREFIX)
    app.include_router(taxii.router)
    federation.include(app, API_PREFIX)
    # The single document check, served without FastAPI's dependency machinery, ahead of
    # its (identical) FastAPI route, which the API description keeps.
    app.router.routes[:0] = documents.FAST_ROUTES
    _install_pages(app)
    install_workbench(app)
    _install_metrics(app, node)
    app.openapi = lambda: _document(app, node)  # type: ignore[method-assign]
    limits = {
        f"{API_PREFIX}/agreements/{{file_name}}": settings.agreement_max_bytes,
        f"{API_PREFIX}/policy/simulate": settings.agreement_max_bytes,
    }
    app.add_middleware(Guard, fastapi=app, node=node, limits=limits)
    app.fast = {
        (method, route.path): Guard(
            _Endpoint(app, route.endpoint), fastapi=app, node=node, limits=limits
        )
        for route in documents.FAST_ROUTES
        for method in route.methods or ()
    }
    return app
