"""/api/v1/match — match described persons against the node's records, in the shape of
yente's `/match` (OpenSanctions), so that screening clients can call it."""

from __future__ import annotations

from fastapi import APIRouter, Query

from accord.api.deps import CurrentNode, CurrentPrincipal
from accord.api.schemas import MatchIn, MatchOut
from accord.matching.score import ALGORITHM
from accord.services.match import MAX_RESULTS, match_records, parse_queries
from accord.services.purpose import parse_purpose

router = APIRouter(tags=["match"])


@router.post("/match", response_model=MatchOut, response_model_by_alias=True)
def match(
    body: MatchIn,
    node: CurrentNode,
    principal: CurrentPrincipal,
    threshold: float | None = Query(default=None, ge=0.0, le=1.0),
    limit: int = Query(default=10, ge=1, le=MAX_RESULTS),
    algorithm: str = Query(default=ALGORITHM, min_length=1, max_length=64),
    purpose: str | None = Query(default=None, max_length=64),
    reference: str | None = Query(default=None, max_length=2000),
    crime_area: str | None = Query(default=None, max_length=64),
) -> MatchOut:
    """Each query's records at or above the threshold (the node's default unless given),
    best first, with the score, every feature's contribution and its explanation. The
    purpose, case reference and crime area are required, in the body or as parameters."""
    stated = parse_purpose(
        body.purpose or purpose or "investigation",
        body.reference or reference,
        body.crime_area or crime_area,
    )
    queries = parse_queries(
        {name: q.as_data() for name, q in body.queries.items()}, node.agency[:2]
    )
    answers = match_records(
        node, principal, queries, stated, threshold=threshold, limit=limit, algorithm=algorithm
    )
    return MatchOut.model_validate(
        {
            "responses": {
                name: {
                    "results": [h.to_dict(used) for h in hits],
                    "total": len(hits),
                    "threshold": used,
                    "algorithm": algorithm,
                }
                for name, (used, hits) in answers.items()
            }
        }
    )
