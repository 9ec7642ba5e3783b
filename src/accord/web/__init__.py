"""The analyst's workbench, served by the node at `/` on the same origin as the API.

The page and its files are built from the repository's `web/` folder by `make install` (Vite)
into `dist/` beside this module; the node serves them with a Content-Security-Policy that lets
the page load nothing but its own files and call nothing but this node. The page enforces no
rule of its own: it calls `/api/v1`, which decides (docs/workbench.md)."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import FileResponse, HTMLResponse, Response

from accord.errors import NotFound

__all__ = ["DIST", "SECURITY_HEADERS", "install"]

#: Where `make install` (`npm run build` in `web/`) leaves the built workbench.
DIST = Path(__file__).parent / "dist"

#: Sent with the page and every file of it. No inline script or style, no other origin: the
#: node may run offline and a page that loads nothing else cannot be made to.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "font-src 'self'; connect-src 'self'; manifest-src 'self'; base-uri 'none'; "
        "form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}

_MISSING = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Accord</title></head>
<body><h1>Accord</h1><p>The workbench is not built on this node: run <code>make install</code>
(it needs npm). The HTTP API is at <a href="/docs">/docs</a>.</p></body></html>
"""


def install(app: FastAPI, dist: Path = DIST) -> None:
    """`/` (the workbench's page) and `/assets/{file_name}` (its built files)."""
    assets = dist / "assets"

    @app.get("/", include_in_schema=False)
    def page() -> Response:
        index = dist / "index.html"
        headers = {**SECURITY_HEADERS, "Cache-Control": "no-cache"}
        if not index.is_file():
            return HTMLResponse(_MISSING, status_code=503, headers=headers)
        return FileResponse(index, media_type="text/html; charset=utf-8", headers=headers)

    @app.get("/assets/{file_name}", include_in_schema=False)
    def asset(file_name: str) -> FileResponse:
        # Only a plain name inside assets/: no separator, no dot-dot, nothing hidden.
        found = assets / file_name
        plain = "/" not in file_name and "\\" not in file_name and not file_name.startswith(".")
        if not plain or not found.is_file():
            raise NotFound(f"no file {file_name!r}")
        # Built names carry a content hash: a changed file is a new name.
        headers = {**SECURITY_HEADERS, "Cache-Control": "public, max-age=31536000, immutable"}
        return FileResponse(found, headers=headers)
