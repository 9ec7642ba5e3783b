"""/api/v1/documents — the lost-and-stolen travel-document registry and document checks
(docs/documents.md). A check's answer is hit or no hit and the action to take, nothing else;
an MRZ is read and validated as ICAO Doc 9303 Parts 3-7 specify (`accord.documents.mrz`)."""

from __future__ import annotations

import asyncio
import json
from datetime import date
from typing import Annotated, Any, Literal, NotRequired

from fastapi import APIRouter, Path, Request, Response, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, with_config
from pydantic import ValidationError as PydanticValidationError
from starlette.routing import Route
from typing_extensions import TypedDict

from accord.api.deps import CurrentNode, CurrentPrincipal, request_principal
from accord.api.guard import API_PREFIX
from accord.errors import ValidationError
from accord.services import documents as service

router = APIRouter(prefix="/documents", tags=["documents"])

_Status = Literal["stolen", "stolen_blank", "lost", "revoked", "invalidated"]
_Change = Literal["stolen", "stolen_blank", "lost", "revoked", "invalidated", "withdrawn"]
_Type = Literal[
    "passport",
    "id_card",
    "visa",
    "residence_permit",
    "travel_document",
    "crew_member_certificate",
    "other",
]
_Action = Literal["seize", "verify_holder", "refuse", "contact_issuer"]
_Country = Annotated[
    str,
    Field(
        min_length=1,
        max_length=3,
        description="The issuing state or organisation: ICAO code (`D`, `UKR`, `UTO`), ISO "
        "3166-1 alpha-3 (`DEU`) or alpha-2 (`DE`).",
    ),
]
_Number = Annotated[
    str,
    Field(
        min_length=1,
        max_length=80,
        description="The document number; spaces, hyphens, dots, slashes and `<` are ignored.",
    ),
]
_Location = Annotated[
    str | None,
    Field(
        default=None,
        min_length=1,
        max_length=service.MAX_LOCATION,
        description="Where the check is made (a border post, a counter); kept with a hit.",
    ),
]


_Purpose = Annotated[
    Literal["border_control", "identity_verification"] | None,
    Field(
        default=None,
        description="Why the document is checked: `border_control` at a border post, "
        "`identity_verification` (the default) at an airline's, bank's or insurer's counter. A "
        "document of a partner's state is checked by that partner, under the agreements, "
        "for this purpose.",
    ),
]


_Mrz = Annotated[
    list[Annotated[str, Field(max_length=60)]],
    Field(
        min_length=1,
        max_length=3,
        description="The MRZ's lines (TD1: 3 of 30; TD2, MRV-B: 2 of 36; TD3, MRV-A: 2 of 44).",
    ),
]


class ReportIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    number: _Number
    country: _Country
    type: _Type
    status: _Status
    reference: str | None = Field(
        default=None, min_length=1, max_length=service.MAX_REFERENCE, description="Your own."
    )
    action: _Action | None = Field(
        default=None, description="What a checker is told on a hit; default: the status's."
    )
    reported_on: date | None = Field(default=None, description="Default: today.")


class StatusIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: _Change = Field(description="`withdrawn` withdraws the report: no more hits.")
    action: _Action | None = None
    reason: str | None = Field(default=None, min_length=1, max_length=service.MAX_REASON)
    reference: str | None = Field(default=None, min_length=1, max_length=service.MAX_REFERENCE)


class ActionOut(BaseModel):
    code: str
    instruction: str


class DocumentOut(BaseModel):
    country: str
    number: str
    type: str
    status: str
    action: ActionOut | None = Field(description="None once withdrawn.")
    action_chosen: bool = Field(description="Whether the reporting agency chose the action.")
    reported_on: str
    agency: str
    reference: str | None
    changed_at: str
    changed_by: str


class SupersededOut(DocumentOut):
    superseded_at: str
    superseded_by: str
    reason: str | None


class HitOut(BaseModel):
    at: str
    checked_by: str
    checker_agency: str
    location: str | None
    action: str
    ledger_index: int


class DocumentDetailOut(DocumentOut):
    history: list[SupersededOut] = Field(description="Every superseded report, oldest first.")
    hits: list[HitOut] = Field(description="Every check that hit it, oldest first.")


class CheckIn(BaseModel):
    """A document by number and issuing state, or by its MRZ."""

    model_config = ConfigDict(extra="forbid")

    number: _Number | None = None
    country: _Country | None = None
    type: _Type | None = Field(default=None, description="Default: a report of any type hits.")
    mrz: _Mrz | None = None
    location: _Location
    purpose: _Purpose


class CheckOut(BaseModel):
    hit: bool
    action: ActionOut | None = Field(description="What to do; None without a hit.")


@with_config(ConfigDict(extra="forbid"))
class CheckItemIn(TypedDict):
    """One item of a batch: number and country, or the MRZ, and the type if known. (A typed
    dict rather than a model: a batch validates up to 10,000, three times faster so.)"""

    number: NotRequired[_Number]
    country: NotRequired[_Country]
    type: NotRequired[_Type]
    mrz: NotRequired[_Mrz]


class BatchIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    items: list[CheckItemIn] = Field(min_length=1, max_length=service.MAX_BATCH)
    location: _Location
    purpose: _Purpose


class ItemErrorOut(BaseModel):
    field: str
    reason: str


class BatchItemOut(BaseModel):
    hit: bool | None = Field(default=None, description="None for an item with errors.")
    action: ActionOut | None = None
    errors: list[ItemErrorOut] | None = Field(
        default=None, description="Why the item could not be checked (`items.N.field`)."
    )


class BatchOut(BaseModel):
    results: list[BatchItemOut] = Field(description="One per item, in order.")


#: Annotated, not shared defaults: FastAPI copies the metadata for each route.
KeyCountry = Annotated[
    str, Path(min_length=1, max_length=3, description="The issuing state's ICAO code.")
]
KeyType = Annotated[str, Path(min_length=1, max_length=32)]
KeyNumber = Annotated[str, Path(min_length=1, max_length=80)]


@router.post("", response_model=DocumentOut, status_code=status.HTTP_201_CREATED)
def report(body: ReportIn, node: CurrentNode, principal: CurrentPrincipal) -> Any:
    """Report a document of your own country stolen, lost, revoked, invalidated or stolen
    blank. Another country's document: 403, nothing written. Already reported: 409."""
    state = service.report_document(
        node,
        principal,
        number=body.number,
        country_code=body.country,
        doc_type=body.type,
        status=body.status,
        reference=body.reference,
        action=body.action,
        reported_on=body.reported_on,
    )
    return state.to_dict()


# The checks are the registry's hot path: coroutines that parse on the event loop, hand the
# checks to the node's check journal (one thread answering every waiting request at once,
# `accord.services.document_journal`) and await its answer without holding a thread, then
# answer with the JSON as it is (its shape is the response model's; validating it again
# would cost more than the check).


async def _answered(
    node: CurrentNode,
    principal: CurrentPrincipal,
    items: list[service.CheckItem | ValidationError],
    location: str | None,
    purpose: str | None,
    *,
    batch: bool,
) -> dict[int, tuple[str, service.CheckAnswer] | service.NotChecked]:
    """The partners' answers for documents of their states, asked from a thread (the
    federation's client blocks); nothing to ask, no thread."""
    if not service.asks_partners(node, items):
        service.check_purpose(purpose, location)  # a bad purpose is refused all the same
        return {}
    return await asyncio.to_thread(
        service.ask_partners,
        node,
        principal,
        items,
        location=location,
        purpose=purpose,
        batch=batch,
    )


async def check_endpoint(request: Request) -> Response:
    """`check` itself, served as a plain endpoint ahead of FastAPI's route (which stays, for
    the API's description): the same caller, the same body model and its errors, the same
    answer, without resolving the route's dependencies for every check (decision 0020)."""
    principal = await request_principal(request)
    try:
        body = CheckIn.model_validate_json(await request.body())
    except PydanticValidationError as exc:
        raise RequestValidationError(
            [{**e, "loc": ("body", *e["loc"])} for e in exc.errors()]
        ) from None
    response: Response = await check(body, request.app.state.node, principal)
    return response


#: The routes served ahead of the FastAPI routes (`accord.api.app` puts them first).
FAST_ROUTES = [Route(f"{API_PREFIX}/documents/check", check_endpoint, methods=["POST"])]


@router.post("/check", response_model=CheckOut)
async def check(body: CheckIn, node: CurrentNode, principal: CurrentPrincipal) -> Any:
    """Hit or no hit, and on a hit the action to take; nothing else about the document or its
    holder. An MRZ that fails validation is refused (422) naming the field
    (`mrz.line2.birth_date_check_digit`). A document of a partner's state is checked against
    that partner's registry through the federation; if the partner cannot answer, 503 naming
    `country` — never a no-hit. The check goes to the ledger."""
    item = service.parse_check(body.model_dump(exclude={"location", "purpose"}, exclude_none=True))
    answered = await _answered(node, principal, [item], body.location, body.purpose, batch=False)
    pending = service.submit_checks(
        node, principal, [item], location=body.location, answered=answered
    )
    (answer,) = await asyncio.wrap_future(pending)
    if isinstance(answer, ValidationError):
        raise answer  # not checked: the partner of the issuing state did not answer
    return JSONResponse(answer.to_dict())


@router.post("/check-batch", response_model=BatchOut)
async def check_batch(body: BatchIn, node: CurrentNode, principal: CurrentPrincipal) -> Any:
    """Up to 10,000 checks; each item is answered in order, an item with errors by its errors
    (named `items.N.…`) while the good items are answered. One ledger entry for the batch.
    Documents of partners' states are asked of those partners, one request each; an item a
    partner could not answer is answered by its error on `items.N.country`."""

    items = service.parse_items(body.items)
    answered = await _answered(node, principal, items, body.location, body.purpose, batch=True)
    pending = service.submit_checks(
        node, principal, items, location=body.location, answered=answered
    )
    answers = await asyncio.wrap_future(pending)
    return Response(_batch_body(answers), media_type="application/json")


def _batch_body(answers: list[service.CheckAnswer | ValidationError]) -> bytes:
    """A batch's answer as JSON (as `JSONResponse` writes it). Answers recur — no hit, or one
    of a few actions — so each distinct one is encoded once, not once per item."""
    encoded: dict[service.CheckAnswer, str] = {}
    parts: list[str] = []
    for answer in answers:
        if isinstance(answer, ValidationError):
            errors = {"errors": [e.to_dict() for e in answer.errors]}
            parts.append(json.dumps(errors, ensure_ascii=False, separators=(",", ":")))
            continue
        text = encoded.get(answer)
        if text is None:
            text = encoded[answer] = json.dumps(
                answer.to_dict(), ensure_ascii=False, separators=(",", ":")
            )
        parts.append(text)
    return ('{"results":[' + ",".join(parts) + "]}").encode("utf-8")


@router.get("/{country}/{doc_type}/{number}", response_model=DocumentDetailOut)
def show(
    node: CurrentNode,
    principal: CurrentPrincipal,
    country: KeyCountry,
    doc_type: KeyType,
    number: KeyNumber,
) -> Any:
    """A document's report, every report it superseded and every hit, for an agency of the
    issuing state. The read goes to the ledger."""
    key = service.parse_key(country, doc_type, number)
    return service.show_document(node, principal, key).to_dict(full=True)


@router.post("/{country}/{doc_type}/{number}/status", response_model=DocumentOut)
def change(
    body: StatusIn,
    node: CurrentNode,
    principal: CurrentPrincipal,
    country: KeyCountry,
    doc_type: KeyType,
    number: KeyNumber,
) -> Any:
    """Change a report's status or action, or withdraw it (`withdrawn`), as the agency that
    reported it; the report it replaces stays in the history."""
    key = service.parse_key(country, doc_type, number)
    state = service.change_status(
        node,
        principal,
        key,
        status=body.status,
        action=body.action,
        reason=body.reason,
        reference=body.reference,
    )
    return state.to_dict()
