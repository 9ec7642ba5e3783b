"""/api/v1/records — create, read, change and withdraw records.

A record's version is its entity tag: reads and changes answer `ETag: "<version>"`, and a
PATCH or DELETE with `If-Match: "<version>"` applies only to that version (412 otherwise)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Header, Query, Response, status
from fastapi.responses import JSONResponse

from accord.api.deps import CurrentNode, CurrentPrincipal
from accord.api.schemas import RecordIn, RecordOut, RecordPatch
from accord.errors import FieldError, ValidationError
from accord.model import Record
from accord.services import records as service
from accord.services.disclosures import record_disclosures

router = APIRouter(prefix="/records", tags=["records"])

_Owner = Query(default=None, description="Owner agency, when several hold the same id.")
_IfMatch = Header(
    default=None,
    description='Apply only if the record is still at this version: its ETag, e.g. "3".',
)


def _expected(if_match: str | None) -> int | None:
    """The version an If-Match names (`"3"`, `W/"3"` or `3`); `*` or none: any version."""
    if if_match is None or if_match.strip() == "*":
        return None
    tag = if_match.strip().removeprefix("W/").strip('"')
    if not tag.isdigit() or len(tag) > 9:
        raise ValidationError(FieldError("If-Match", 'must be a record version, e.g. "3"'))
    return int(tag)


def _tagged(record: Record, status_code: int = 200) -> JSONResponse:
    return JSONResponse(
        record.to_dict(),
        status_code=status_code,
        headers={"ETag": f'"{record.envelope.version}"'},
    )


@router.post("", status_code=status.HTTP_201_CREATED, response_model=RecordOut)
def create_record(body: RecordIn, node: CurrentNode, principal: CurrentPrincipal) -> Any:
    """Create a record owned by the caller's agency."""
    return _tagged(service.create_record(node, principal, body.as_data()), 201)


@router.get("", response_model=list[RecordOut])
def list_records(
    node: CurrentNode,
    principal: CurrentPrincipal,
    schema: str | None = Query(default=None, max_length=64, description="Only this FtM schema."),
    limit: int = Query(default=50, ge=1, le=service.MAX_LIST),
    offset: int = Query(default=0, ge=0, le=service.MAX_OFFSET),
) -> Any:
    """The node's current records, newest first; the listing goes to the ledger."""
    return [r.to_dict() for r in service.list_records(node, principal, schema, limit, offset)]


@router.get("/{record_id}", response_model=RecordOut)
def get_record(
    record_id: str, node: CurrentNode, principal: CurrentPrincipal, owner: str | None = _Owner
) -> Any:
    return _tagged(service.get_record(node, principal, record_id, owner))


@router.get("/{record_id}/history")
def record_history(
    record_id: str, node: CurrentNode, principal: CurrentPrincipal, owner: str | None = _Owner
) -> list[dict[str, Any]]:
    """Superseded versions, oldest first; a withdrawn record's too (ending with `delete`)."""
    return service.record_history(node, principal, record_id, owner)


@router.get("/{record_id}/disclosures")
def disclosures(
    record_id: str, node: CurrentNode, principal: CurrentPrincipal, owner: str | None = _Owner
) -> list[dict[str, Any]]:
    """To whom the record was disclosed (or refused), when, in which mode and under which
    clauses, newest first, from the ledger; for the owner agency only (403 otherwise)."""
    return [d.to_dict() for d in record_disclosures(node, principal, record_id, owner)]


@router.patch("/{record_id}", response_model=RecordOut)
def update_record(
    record_id: str,
    body: RecordPatch,
    node: CurrentNode,
    principal: CurrentPrincipal,
    owner: str | None = _Owner,
    if_match: str | None = _IfMatch,
) -> Any:
    """Change a record; only its owner agency may. The old version stays readable to auditors.
    Concurrent changes of one record apply one after another."""
    changes = body.model_dump(exclude_none=True)
    record = service.update_record(
        node, principal, record_id, changes, owner, expected_version=_expected(if_match)
    )
    return _tagged(record)


@router.delete("/{record_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_record(
    record_id: str,
    node: CurrentNode,
    principal: CurrentPrincipal,
    owner: str | None = _Owner,
    if_match: str | None = _IfMatch,
) -> Response:
    """Withdraw a record; only its owner agency may."""
    service.delete_record(node, principal, record_id, owner, expected_version=_expected(if_match))
    return Response(status_code=status.HTTP_204_NO_CONTENT)
