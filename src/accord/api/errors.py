"""One mapping from errors to responses: domain errors keep their status and code; anything
else is a 500 with no detail (the log has it). Every invalid-input answer names each field as
the client sent it, and where (`in`: body, query, path, header)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from accord.errors import AccordError

__all__ = ["TAXII_PREFIX", "install_error_handlers", "taxii_error"]

#: Paths whose errors take TAXII 2.1's error shape (§3.6.1) and media type.
TAXII_PREFIX = "/taxii2"
_TAXII_MEDIA = "application/taxii+json;version=2.1"
_TITLES = {
    400: "Bad request",
    401: "Authentication required",
    403: "Forbidden",
    404: "Not found",
    406: "Not acceptable",
    409: "Conflict",
    413: "Request entity too large",
    415: "Unsupported media type",
    422: "Bad request",
}


def taxii_error(
    status: int, description: str, code: str, headers: Mapping[str, str] | None = None
) -> tuple[int, bytes, dict[str, str]]:
    """(status, body, headers) of a TAXII error message (§3.6.1). Invalid input is 400 here,
    as TAXII has it, not 422."""
    import json

    status = 400 if status == 422 else status
    body = {
        "title": _TITLES.get(status, "Error"),
        "description": description,
        "error_code": code,
        "http_status": str(status),
    }
    return (
        status,
        json.dumps(body).encode("utf-8"),
        {"Content-Type": _TAXII_MEDIA, **(headers or {})},
    )


def _taxii(request: Request) -> bool:
    return request.url.path.startswith(TAXII_PREFIX + "/") or request.url.path == TAXII_PREFIX


def _taxii_response(status: int, description: str, code: str, headers: Any = None) -> Any:
    from fastapi.responses import Response

    status, body, all_headers = taxii_error(status, description, code, headers)
    return Response(body, status_code=status, headers=all_headers)


log = structlog.get_logger("accord.api")


_WHERE = ("body", "query", "path", "header", "cookie")


def _field(loc: tuple[object, ...]) -> tuple[str, str]:
    """(field as the client sent it, where it was): a query, path or header parameter by its
    name (`limit`, `record_id`), a body member by its JSON path (`properties.name.0`), the
    whole body as `body`. Only the first element of `loc` says where; a field may itself be
    called `query` or `body`."""
    where = str(loc[0]) if loc and loc[0] in _WHERE else "body"
    rest = loc[1:] if loc and loc[0] in _WHERE else loc
    if where == "body" and (not rest or isinstance(rest[0], int)):
        return "body", where  # the body itself (a JSON error's loc is its position)
    return ".".join(str(p) for p in rest) or where, where


def _reason(error: Mapping[str, Any]) -> str:
    if error.get("type") == "json_invalid":
        detail = (error.get("ctx") or {}).get("error", "")
        loc = tuple(error.get("loc", ()))
        at = f" at character {loc[1]}" if len(loc) > 1 and isinstance(loc[1], int) else ""
        return f"not valid JSON: {detail}{at}".strip()
    return str(error.get("msg", "invalid"))


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(AccordError)
    async def _accord(request: Request, exc: AccordError) -> Any:
        headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
        if _taxii(request):
            return _taxii_response(exc.status, exc.message, exc.code, headers)
        return JSONResponse(exc.to_dict(), status_code=exc.status, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Any:
        errors = []
        for error in exc.errors():
            field, where = _field(tuple(error["loc"]))
            errors.append({"field": field, "in": where, "reason": _reason(error)})
        message = "; ".join(f"{e['field']}: {e['reason']}" for e in errors)
        if _taxii(request):
            return _taxii_response(400, message, "invalid")
        return JSONResponse(
            {"code": "invalid", "message": message, "errors": errors}, status_code=422
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Any:
        if _taxii(request):
            return _taxii_response(
                exc.status_code, str(exc.detail), "http_error", getattr(exc, "headers", None)
            )
        content: dict[str, Any] = {"code": "http_error", "message": str(exc.detail)}
        if exc.status_code == 400:
            # FastAPI's answer to a body it could not read (not UTF-8, cut off, ...).
            content = {
                "code": "invalid",
                "message": f"body: {exc.detail}",
                "errors": [{"field": "body", "in": "body", "reason": str(exc.detail)}],
            }
        return JSONResponse(
            content,
            status_code=exc.status_code,
            headers=getattr(exc, "headers", None),
        )

    @app.exception_handler(Exception)
    def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        # A fallback only: `accord.api.guard` answers unexpected errors before they get here.
        # A plain function, so Starlette runs it (and the traceback's rendering) in a thread.
        log.error("unhandled error", path=request.url.path, error=type(exc).__name__, exc_info=exc)
        return JSONResponse(
            {"code": "internal_error", "message": "internal error; the node's log has details"},
            status_code=500,
        )
