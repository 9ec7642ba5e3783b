"""/api/v1/records — create, read, change and withdraw records."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Response, status

from accord.api.deps import CurrentNode, CurrentPrincipal
from accord.api.schemas import RecordIn, RecordOut, RecordPatch
from accord.services import records as service

router = APIRouter(prefix="/records", tags=["records"])

_Owner = Query(default=None, description="Owner agency, when several hold the same id.")


@router.post("", status_code=status.HTTP_201_CREATED, response_model=RecordOut)
def create_record(body: RecordIn, node: CurrentNode, principal: CurrentPrincipal) -> Any:
    """Create a record owned by the caller's agency."""
    return service.create_record(node, principal, body.as_data()).to_dict()


@router.get("", response_model=list[RecordOut])
def list_records(
    node: CurrentNode,
    principal: CurrentPrincipal,
    schema: str | None = Query(default=None, description="Only this FtM schema."),
    limit: int = Query(default=50, ge=1, le=500),
    offset: int = Query(default=0, ge=0),
) -> Any:
    """The node's current records, newest first."""
    return [r.to_dict() for r in service.list_records(node, principal, schema, limit, offset)]


@router.get("/{record_id}", response_model=RecordOut)
def get_record(
    record_id: str, node: CurrentNode, principal: CurrentPrincipal, owner: str | None = _Owner
) -> Any:
    return service.get_record(node, principal, record_id, owner).to_dict()


@router.get("/{record_id}/history")
def record_history(
    record_id: str, node: CurrentNode, principal: CurrentPrincipal, owner: str | None = _Owner
) -> list[dict[str, Any]]:
    """Superseded versions, oldest first."""
    return service.record_history(node, principal, record_id, owner)


@router.patch("/{record_id}", response_model=RecordOut)
def update_record(
    record_id: str,
    body: RecordPatch,
    node: CurrentNode,
    principal: CurrentPrincipal,
    owner: str | None = _Owner,
) -> Any:
    """Change a record; only its owner agency may. The old version stays readable to auditors."""
    changes = body.model_dump(exclude_none=True)
    return service.update_record(node, principal, record_id, changes, owner).to_dict()


@router.delete("/{record_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_record(
    record_id: str, node: CurrentNode, principal: CurrentPrincipal, owner: str | None = _Owner
) -> Response:
    """Withdraw a record; only its owner agency may."""
    service.delete_record(node, principal, record_id, owner)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
