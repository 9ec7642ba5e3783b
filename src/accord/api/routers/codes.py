"""/api/v1/codes — what a client's forms offer and check before sending: the purpose and
crime-area codes, the MLA legal bases and measures, the partner agencies a message may go to,
and the node's request limits."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from accord.api.deps import CurrentNode, CurrentPrincipal
from accord.auth import permitted
from accord.model import crime_areas
from accord.model.mla import legal_bases, measures
from accord.policy.codes import purposes
from accord.services.documents import MAX_BATCH
from accord.services.peers import usable_peers

router = APIRouter(tags=["codes"])

#: The routes that address a partner agency: a caller who may call none of them (a document
#: checker, an auditor) is not told who the partners are.
_TO_PARTNERS = frozenset(
    {"POST /api/v1/messages", "POST /api/v1/mla", "POST /api/v1/cases/{case_id}/members"}
)


@router.get("/codes")
def codes(node: CurrentNode, principal: CurrentPrincipal) -> dict[str, Any]:
    """The purpose codes a search or request states, the crime-area codes with their labels
    (and ICCS codes), as the node checks them; the legal bases an MLA request may rest on and
    the measures it may ask for (`amount`: the measure needs an amount and a currency); the
    agencies of the current partners, for a caller who may write to them; the largest
    request body and document batch the node accepts."""
    return {
        "purposes": [{"code": c, "label": label} for c, label in sorted(purposes().items())],
        "crime_areas": [
            {"code": a.code, "label": a.label, "iccs": a.iccs}
            for a in sorted(crime_areas().values(), key=lambda a: a.code)
        ],
        "mla_legal_bases": [
            {"code": b.code, "kind": b.kind, "title": b.title} for b in legal_bases().values()
        ],
        "mla_measures": [
            {"code": m.code, "label": m.label, "amount": m.amount} for m in measures().values()
        ],
        "partners": sorted({p.agency_code for p in usable_peers(node)})
        if _TO_PARTNERS & set(permitted(principal))
        else [],
        "limits": {"max_body_bytes": node.settings.max_body_bytes, "max_batch": MAX_BATCH},
    }
