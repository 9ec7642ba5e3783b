"""/api/v1/dashboard — the success metrics the field reports, from the ledger
(docs/workbench.md, "Dashboards")."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from accord.api.deps import CurrentNode, CurrentPrincipal
from accord.services import dashboard as service

router = APIRouter(tags=["dashboard"])


@router.get("/dashboard")
def dashboard(
    node: CurrentNode,
    principal: CurrentPrincipal,
    days: Annotated[int, Query(ge=1, le=service.MAX_DAYS, description="The window.")] = 30,
) -> dict[str, Any]:
    """Over the last `days` days: federated searches per partner (hits, no hit, unavailable,
    hit rate, response time median and p90 in seconds), follow-up turnaround per partner and
    direction (days from request to outcome), document checks and hits per day, disclosures
    per clause and mode; and the MLA turnaround per requested partner (days, over every
    request sent), open and overdue. Counts and times only: no record content."""
    return service.success_metrics(node, principal, days=days)
