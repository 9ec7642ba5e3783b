"""The FastAPI application factory."""

from __future__ import annotations

from fastapi import FastAPI

from accord import __version__
from accord.api.errors import install_error_handlers
from accord.api.routers import agreements, audit, auth, federation, health, records, search
from accord.services.node import Node

__all__ = ["API_PREFIX", "create_app"]

API_PREFIX = "/api/v1"


def create_app(node: Node) -> FastAPI:
    app = FastAPI(
        title=f"Accord node {node.agency}",
        version=__version__,
        description="Federated cross-border criminal-intelligence exchange. "
        "Every route except /health needs a bearer token.",
        docs_url="/docs",
        openapi_url="/openapi.json",
    )
    app.state.node = node
    install_error_handlers(app)
    for router in (
        health.router,
        auth.router,
        records.router,
        search.router,
        audit.router,
        agreements.router,
    ):
        app.include_router(router, prefix=API_PREFIX)
    federation.include(app, API_PREFIX)
    return app
