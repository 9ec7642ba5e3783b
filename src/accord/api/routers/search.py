"""/api/v1/search — local search by identifier and name."""

from __future__ import annotations

from fastapi import APIRouter

from accord.api.deps import CurrentNode, CurrentPrincipal
from accord.api.schemas import SearchIn, SearchOut
from accord.services.purpose import parse_purpose
from accord.services.search import search_local

router = APIRouter(tags=["search"])


@router.post("/search", response_model=SearchOut)
def search(body: SearchIn, node: CurrentNode, principal: CurrentPrincipal) -> SearchOut:
    """Exact identifiers (document numbers, E.164 phones, emails, IBANs) and folded names."""
    purpose = parse_purpose(body.purpose, body.reference, body.crime_area)
    hits = search_local(node, principal, body.query, purpose, limit=body.limit)
    return SearchOut.model_validate(
        {"query": body.query, "total": len(hits), "results": [h.to_dict() for h in hits]}
    )
