"""/api/v1/agreements, /api/v1/policy/check and /api/v1/exports."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Body, Query, Response, status
from pydantic import BaseModel, ConfigDict, Field

from accord.api.deps import CurrentNode, CurrentPrincipal
from accord.services import agreements as service
from accord.services import policy_tools
from accord.services.purpose import parse_purpose

router = APIRouter(tags=["agreements"])


class PolicyCheckIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    to: str = Field(description="The receiving agency, CC-NAME.")
    record_id: str
    purpose: str = "investigation"
    reference: str = Field(description="Case reference or free-text justification.")
    crime_area: str


class ExportIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    to: str = Field(description="The receiving agency, CC-NAME.")
    ids: list[str] = Field(min_length=1, max_length=1000)
    purpose: str = "investigation"
    reference: str
    crime_area: str


@router.get("/agreements")
def list_agreements(node: CurrentNode, principal: CurrentPrincipal) -> list[dict[str, Any]]:
    """Agreements in force at this node."""
    return service.list_agreements(node)


@router.put("/agreements/{file_name}")
def put_agreement(
    file_name: str,
    node: CurrentNode,
    principal: CurrentPrincipal,
    text: str = Body(media_type="application/yaml", description="The agreement file (YAML)."),
) -> dict[str, str]:
    """Add or replace one agreement file. The whole set is recompiled first; a file that does
    not load is refused with its line numbers and the set in force stays as it was."""
    return {"file": file_name, "id": service.put_agreement(node, principal, file_name, text)}


@router.delete("/agreements/{file_name}", status_code=status.HTTP_204_NO_CONTENT)
def withdraw_agreement(file_name: str, node: CurrentNode, principal: CurrentPrincipal) -> Response:
    """Take an agreement out of force (its text stays on record)."""
    service.withdraw_agreement(node, principal, file_name)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/policy/check")
def policy_check(body: PolicyCheckIn, node: CurrentNode, principal: CurrentPrincipal) -> Any:
    """The decision for sending one record to an agency, with every clause and why it did or
    did not apply. Nothing is sent."""
    purpose = parse_purpose(body.purpose, body.reference, body.crime_area)
    return policy_tools.check(
        node, principal, to=body.to, record_id=body.record_id, purpose=purpose
    ).to_dict()


@router.post("/exports")
def export(body: ExportIn, node: CurrentNode, principal: CurrentPrincipal) -> dict[str, Any]:
    """Records prepared for another agency as the agreements allow: `items` as the recipient
    would receive them; `refused` names each requested id left out and why (not found, or
    denied by policy with the reasons)."""
    purpose = parse_purpose(body.purpose, body.reference, body.crime_area)
    return policy_tools.export_records(
        node, principal, to=body.to, record_ids=body.ids, purpose=purpose
    ).to_dict()


@router.post("/policy/simulate")
def policy_simulate(
    node: CurrentNode,
    principal: CurrentPrincipal,
    text: str = Body(media_type="application/yaml", description="A draft agreement (YAML)."),
    file_name: Annotated[
        str, Query(max_length=200, description="Named in line-numbered errors.")
    ] = "draft.yaml",
    on: Annotated[
        date | None,
        Query(
            description="Judge the draft on this day; default today, or its first day of "
            "validity if it starts later."
        ),
    ] = None,
) -> dict[str, Any]:
    """What-if: how many of this node's records of each kind and category would flow to each
    party in each mode under a draft agreement, on one day. Nothing is loaded or changed."""
    return policy_tools.simulate_file(node, file_name, text, on=on).to_dict()
