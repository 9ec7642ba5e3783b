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

__all__ = ["install_error_handlers"]

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
    async def _accord(_: Request, exc: AccordError) -> JSONResponse:
        headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
        return JSONResponse(exc.to_dict(), status_code=exc.status, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = []
        for error in exc.errors():
            field, where = _field(tuple(error["loc"]))
            errors.append({"field": field, "in": where, "reason": _reason(error)})
        message = "; ".join(f"{e['field']}: {e['reason']}" for e in errors)
        return JSONResponse(
            {"code": "invalid", "message": message, "errors": errors}, status_code=422
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
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
