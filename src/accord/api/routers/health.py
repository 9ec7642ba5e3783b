"""/api/v1/health — liveness and database reachability, for load balancers (public)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy import text

from accord import __version__
from accord.api.deps import CurrentNode

router = APIRouter(tags=["health"])


@router.get("/health")
def health(node: CurrentNode) -> JSONResponse:
    """200 when the node and its database answer, 503 otherwise. Reveals no data."""
    try:
        with node.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception:  # noqa: BLE001 - any database failure means "not healthy"
        return JSONResponse({"status": "unavailable", "database": "down"}, status_code=503)
    return JSONResponse({"status": "ok", "agency": node.agency, "version": __version__})
