"""/api/v1/stix — import a STIX 2.1 bundle, export one, read an object and its correlations
(docs/stix.md)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

import anyio.to_thread
from fastapi import APIRouter, Path, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from accord.api.deps import CurrentNode, CurrentPrincipal
from accord.errors import FieldError, ValidationError
from accord.model import EnvelopeDefaults
from accord.services import stix as service
from accord.services.purpose import parse_purpose

router = APIRouter(prefix="/stix", tags=["stix"])

StixId = Annotated[str, Path(max_length=200, description="A STIX id (`indicator--…`).")]


@router.post("/bundles")
async def import_bundle(
    request: Request,
    node: CurrentNode,
    principal: CurrentPrincipal,
    tlp: Annotated[str | None, Query(max_length=16)] = None,
    handling: Annotated[str | None, Query(max_length=2)] = None,
    reliability: Annotated[str | None, Query(max_length=1)] = None,
    assessment: Annotated[str | None, Query(max_length=1)] = None,
    crime_area: Annotated[list[str] | None, Query(max_length=40)] = None,
    legal_basis: Annotated[str | None, Query(max_length=500)] = None,
) -> dict[str, Any]:
    """Import a STIX 2.1 bundle (the body): every object stored with its own envelope (TLP
    from its markings, else `tlp`; the rest from the query). Each bad object is refused and
    named by id and field in `outcomes`; the others load."""
    body = await request.body()
    defaults = EnvelopeDefaults(
        owner=principal.agency,
        tlp=tlp,
        handling=handling,
        reliability=reliability,
        assessment=assessment,
        crime_areas=tuple(crime_area or ()),
        legal_basis=legal_basis,
    )
    report = await anyio.to_thread.run_sync(
        lambda: service.import_objects(node, principal, body, defaults=defaults, source="api")
    )
    return report.to_dict()


class ExportIn(BaseModel):
    """An export: with `to`, the purpose, reference and crime area it is for."""

    model_config = ConfigDict(extra="forbid")

    to: str | None = Field(default=None, max_length=40)
    types: list[str] = Field(default_factory=list, max_length=100)
    since: str | None = Field(default=None, max_length=40)
    latest: bool = False
    purpose: str | None = Field(default=None, max_length=40)
    reference: str | None = Field(default=None, max_length=500)
    crime_area: str | None = Field(default=None, max_length=40)


@router.post("/exports")
def export_bundle(body: ExportIn, node: CurrentNode, principal: CurrentPrincipal) -> Any:
    """A STIX 2.1 bundle of the stored objects; with `to`, only what the agreements let go to
    that agency (`withheld` counts what was left out)."""
    since = None
    if body.since is not None:
        try:
            since = datetime.fromisoformat(body.since.replace("Z", "+00:00"))
        except ValueError:
            raise ValidationError(FieldError("since", "is not ISO 8601")) from None
        since = since if since.tzinfo else since.replace(tzinfo=UTC)
    purpose = parse_purpose(body.purpose, body.reference, body.crime_area) if body.to else None
    result = service.export_bundle(
        node,
        principal,
        to=body.to,
        purpose=purpose,
        types=body.types,
        since=since,
        all_versions=not body.latest,
    )
    return {"bundle": result.bundle, "included": result.included, "withheld": result.withheld}


@router.get("/objects/{stix_id}")
def get_object(
    stix_id: StixId,
    node: CurrentNode,
    principal: CurrentPrincipal,
    versions: bool = False,
) -> Any:
    """One stored object's latest version, or with `versions` every version (oldest first)."""
    found = service.get_object(node, principal, stix_id, all_versions=versions)
    return {"versions": found} if versions else found[0]


@router.get("/objects/{stix_id}/correlations")
def correlations(stix_id: StixId, node: CurrentNode, principal: CurrentPrincipal) -> Any:
    """The values the object holds (IP, domain, URL, e-mail, phone, IBAN, wallet, hashes)
    and, per value, the other STIX objects and the records holding it too: at most `cap`
    of each, `objects_capped` / `records_capped` when there were more."""
    return service.correlations(node, principal, stix_id).to_dict()
