"""/api/v1/codes — what a client's forms offer and check before sending: the purpose and
crime-area codes, and the node's request limits."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from accord.api.deps import CurrentNode, CurrentPrincipal
from accord.model import crime_areas
from accord.policy.codes import purposes
from accord.services.documents import MAX_BATCH

router = APIRouter(tags=["codes"])


@router.get("/codes")
def codes(node: CurrentNode, principal: CurrentPrincipal) -> dict[str, Any]:
    """The purpose codes a search or request states, the crime-area codes with their labels
    (and ICCS codes), as the node checks them; the largest request body and document batch
    the node accepts."""
    return {
        "purposes": [{"code": c, "label": label} for c, label in sorted(purposes().items())],
        "crime_areas": [
            {"code": a.code, "label": a.label, "iccs": a.iccs}
            for a in sorted(crime_areas().values(), key=lambda a: a.code)
        ],
        "limits": {"max_body_bytes": node.settings.max_body_bytes, "max_batch": MAX_BATCH},
    }
