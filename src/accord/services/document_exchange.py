"""Document checks across the federation: a document is checked against the registry of its
issuing state, wherever that registry is.

Each node holds the reports of its own state's documents (only an agency of the issuing state
reports them). A check of another state's document is therefore a question to the partner of
that state, asked as hit or no hit (`POST /federation/v1/documents/check`) with who checked
and where. The partner answers from its registry through its check journal — the check is in
its ledger, and a hit is stored and put on its agency's event stream at once, which is how the
issuing agency learns in real time that its stolen passport was presented abroad — and
through the policy decision: the partner first asks whether its agreements let it answer this
agency's document checks for the stated purpose at all (a refusal reveals nothing about any
document), then releases each hit as the record it is (`release`, channel `document_check`),
so every answer that says "hit" is a disclosure in its ledger under the clause that allowed it.

The checker learns the action and nothing else. A check that could not be made — the partner
is unavailable, or answers no checks of this agency — is never turned into a no-hit: it is
answered as not checked (`NotChecked`), naming the partner. A state with no partner in the
federation is looked up here, where nothing of it is reported: a no-hit, as in SLTD for a
state that contributes nothing."""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from datetime import UTC, datetime

import structlog
from pydantic import ValidationError as PydanticError

from accord.crypto import MessageClaims
from accord.documents import Action, country, rules
from accord.errors import AccordError, FieldError, Forbidden, ValidationError
from accord.federation.client import (
    FederationClient,
    HeadExchange,
    PartnerRefused,
    PartnerUnavailable,
    client_for,
)
from accord.federation.peers import Peer
from accord.federation.protocol import (
    DOCUMENT_CHECKS_PATH,
    DocumentCheckAction,
    DocumentCheckAnswer,
    DocumentCheckItem,
    DocumentCheckRequest,
    DocumentCheckResult,
    encode,
    new_id,
)
from accord.model import Principal, PrincipalKind, Record, agency_country, parse_envelope
from accord.policy import Mode
from accord.services.audit import Event, record_event
from accord.services.disclosure import decisions_for, release
from accord.services.document_journal import CheckAnswer, CheckItem, Checks, NotChecked, journal
from accord.services.node import Node
from accord.services.peers import usable_peers
from accord.services.purpose import Purpose
from accord.services.witness import witness_for

__all__ = [
    "CHECK_PURPOSES",
    "DEFAULT_PURPOSE",
    "answer_partner_checks",
    "ask_issuers",
    "asks_partners",
    "check_purpose",
    "document_record",
]

log = structlog.get_logger("accord.documents")

#: Purposes a document check may state; border posts check for border control, airlines,
#: banks and insurers to verify a document (I-Checkit).
CHECK_PURPOSES = ("border_control", "identity_verification")
DEFAULT_PURPOSE = "identity_verification"
#: The crime area of a lost-or-stolen document check: the misuse of a travel document.
CRIME_AREA = "document_forgery"
#: FtM schema of a registry document, by type (FtM has Passport, and Identification for the rest).
_SCHEMA = {"passport": "Passport"}


def check_purpose(code: str | None, location: str | None) -> Purpose:
    """The purpose a document check states, or ValidationError naming `purpose`."""
    code = code or DEFAULT_PURPOSE
    if code not in CHECK_PURPOSES:
        raise ValidationError(FieldError("purpose", f"one of {', '.join(CHECK_PURPOSES)}"))
    reference = f"document check at {location}" if location else "document check"
    return Purpose(code=code, reference=reference, crime_area=CRIME_AREA)


def document_record(node: Node, country_code: str, number: str, doc_type: str) -> Record:
    """A registry document as the record the policy decides on: owned by this node's agency,
    with the envelope's defaults (TLP:AMBER, H0), no person in it."""
    code = country(country_code)
    props: dict[str, list[str]] = {"number": [number]}
    if code is not None and code.alpha2:
        props["country"] = [code.alpha2.lower()]
    if doc_type != "passport":
        props["type"] = [doc_type]
    envelope = parse_envelope({"owner": node.agency}, is_person=False, now=datetime.now(UTC))
    return Record(
        id=f"document-{country_code}-{doc_type}-{number}".replace("<", ""),
        schema=_SCHEMA.get(doc_type, "Identification"),
        properties=props,
        envelope=envelope,
    )


# --- the checker's side ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Route:
    peer: Peer
    indexes: list[int]


def asks_partners(node: Node, items: Sequence[CheckItem | ValidationError]) -> bool:
    """Whether any item is of another state than this node's (then a partner may be asked);
    no I/O, so the API's event loop can tell before it hands the question to a thread."""
    own = agency_country(node.agency)
    for code in {i.country for i in items if isinstance(i, CheckItem)}:
        found = country(code)
        if found is not None and found.alpha2 and found.alpha2 != own:
            return True
    return False


def _routes(node: Node, items: Sequence[CheckItem | ValidationError]) -> list[_Route]:
    """The partners to ask: for each item of another state than this node's, the partner of
    that state (the first, by node id, if several)."""
    own = agency_country(node.agency)
    wanted: dict[str, list[int]] = {}
    for n, item in enumerate(items):
        if not isinstance(item, CheckItem):
            continue
        code = country(item.country)
        alpha2 = code.alpha2 if code is not None else None
        if alpha2 and alpha2 != own:
            wanted.setdefault(alpha2, []).append(n)
    if not wanted:
        return []
    by_country: dict[str, Peer] = {}
    for peer in sorted(usable_peers(node), key=lambda p: p.node_id):
        by_country.setdefault(agency_country(peer.agency_code) or "", peer)
    return [
        _Route(by_country[alpha2], indexes)
        for alpha2, indexes in wanted.items()
        if alpha2 in by_country
    ]


def ask_issuers(
    node: Node,
    principal: Principal,
    items: Sequence[CheckItem | ValidationError],
    *,
    location: str | None,
    purpose: Purpose,
    batch: bool = False,
) -> dict[int, tuple[str, CheckAnswer] | NotChecked]:
    """Ask the partner of each item's issuing state, in parallel, within the federation
    timeout: by index, the partner's agency and its answer, or why the item was not checked
    (named `country`, or `items.N.country` in a `batch`). Items of this node's state, or of
    a state with no partner, are not in the result: they are looked up here."""
    routes = _routes(node, items)
    if not routes:
        return {}
    client = client_for(node)
    witness = witness_for(node)
    timeout = node.settings.federation_timeout
    out: dict[int, tuple[str, CheckAnswer] | NotChecked] = {}
    futures: dict[str, Future[DocumentCheckAnswer]] = {}
    pool = ThreadPoolExecutor(max_workers=len(routes), thread_name_prefix="document-checks")
    try:
        for route in routes:
            request = DocumentCheckRequest(
                items=[_wire(items[n]) for n in route.indexes],
                purpose=purpose.code,
                checked_by=principal.label,
                location=location,
            )
            futures[route.peer.node_id] = pool.submit(
                _ask, client, witness, route.peer, encode(request), timeout
            )
        wait(futures.values(), timeout=timeout)
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
    for route in routes:
        future = futures[route.peer.node_id]
        agency = route.peer.agency_code
        reason = _failure(future, agency)
        answer = None if reason is not None else future.result()
        if answer is not None and len(answer.results) != len(route.indexes):
            reason = f"{agency} answered {len(answer.results)} of {len(route.indexes)} checks"
            log.warning("document check answer of the wrong size", partner=route.peer.node_id)
        for k, n in enumerate(route.indexes):
            if reason is not None or answer is None:
                field = f"items.{n}.country" if batch else "country"
                out[n] = NotChecked(FieldError(field, reason or "not answered"))
            else:
                out[n] = (agency, _answer_of(answer.results[k]))
    return out


def _wire(item: CheckItem | ValidationError) -> DocumentCheckItem:
    assert isinstance(item, CheckItem)
    return DocumentCheckItem(country=item.country, number=item.number, type=item.doc_type)


def _ask(
    client: FederationClient, witness: HeadExchange, peer: Peer, body: bytes, timeout: float
) -> DocumentCheckAnswer:
    reply = client.send(
        peer, "POST", DOCUMENT_CHECKS_PATH, body, new_id("dc"), witness=witness, timeout=timeout
    )
    return DocumentCheckAnswer.model_validate_json(reply.body)


def _failure(future: Future[DocumentCheckAnswer], agency: str) -> str | None:
    """Why a partner's answer is missing, in words for the checker; None if it answered."""
    if not future.done():
        future.cancel()
        return f"the registry of {agency} did not answer in time; check again"
    try:
        future.result()
    except PartnerRefused as exc:
        if exc.status_code == 403:
            return f"{agency} answers no document checks of this agency for this purpose"
        return f"{agency} refused the check ({exc.partner_code}); check again"
    except (PartnerUnavailable, AccordError):
        return f"the registry of {agency} is unavailable; check again"
    except (PydanticError, ValueError):
        return f"{agency} sent an answer that could not be read; check again"
    except Exception:  # a fault on our side must still answer the other items
        log.exception("document check call failed", partner=agency)
        return f"the registry of {agency} could not be asked; check again"
    return None


def _answer_of(result: DocumentCheckResult) -> CheckAnswer:
    if not result.hit:
        return CheckAnswer(False)
    action = result.action
    if action is None:
        return CheckAnswer(True, rules().actions.get("contact_issuer"))
    # This node's own words for an action it knows; the partner's for one it does not.
    return CheckAnswer(
        True, rules().actions.get(action.code, Action(action.code, action.instruction))
    )


# --- the issuing state's side ---------------------------------------------------------------


def partner_checker(peer: Peer) -> Principal:
    return Principal(subject=peer.node_id, agency=peer.agency_code, kind=PrincipalKind.NODE)


def answer_partner_checks(
    node: Node, peer: Peer, claims: MessageClaims, request: DocumentCheckRequest
) -> bytes:
    """Answer a partner's document checks: 403 (`Forbidden`) when no agreement lets this node
    answer the partner's checks for the purpose; otherwise each item from the registry through
    the check journal, and each hit released to the partner as the record it is (a denied one
    is answered as no hit). Returns the answer's exact bytes."""
    actor = partner_checker(peer)
    purpose = check_purpose(request.purpose, request.location)
    # One probe per FtM schema asked about: may a hit on such a document go to this partner?
    types = {i.type for i in request.items}
    probe_types = {"passport" for t in types if t in (None, "passport")} | {
        "id_card" for t in types if t != "passport"
    }
    probes = [document_record(node, "", "PROBE", t) for t in sorted(probe_types)]
    decisions = decisions_for(node, peer.agency_code, purpose, probes)
    if all(d.mode is Mode.DENY for d in decisions):
        with node.engine.begin() as conn:
            record_event(
                conn,
                Event.DOCUMENT_CHECK,
                actor,
                {
                    "refused": len(request.items),
                    "checks": 0,
                    "reason": "no agreement allows answering these document checks",
                    "purpose": purpose.code,
                    "checked_by": request.checked_by,
                    "request_id": claims.request_id,
                },
            )
        raise Forbidden("no agreement allows this node to answer these document checks")
    known = rules().types
    items: list[CheckItem | ValidationError] = []
    for n, i in enumerate(request.items):
        if i.type is not None and i.type not in known:
            items.append(ValidationError(FieldError(f"items.{n}.type", "unknown type")))
        else:
            items.append(CheckItem(i.country, i.number, i.type))
    checks = Checks(
        actor.label,
        peer.agency_code,
        request.location,
        items,
        checked_by=f"{request.checked_by} ({peer.agency_code})",
    )
    answers = journal(node).submit(checks).result()
    hit_at = [n for n, a in enumerate(answers) if isinstance(a, CheckAnswer) and a.hit]
    results = [
        DocumentCheckResult(hit=False)
        if not isinstance(a, CheckAnswer) or not a.hit or a.action is None
        else DocumentCheckResult(
            hit=True,
            action=DocumentCheckAction(code=a.action.code, instruction=a.action.instruction),
        )
        for a in answers
    ]
    if hit_at:
        records = []
        for n in hit_at:
            item = items[n]
            assert isinstance(item, CheckItem)
            records.append(
                document_record(node, item.country, item.number, item.doc_type or "passport")
            )
        with node.engine.begin() as conn:
            released = release(
                conn,
                node,
                recipient=peer.agency_code,
                purpose=purpose,
                records=records,
                channel="document_check",
                actor=actor,
            )
        for n, (_, decision) in zip(hit_at, released.decisions, strict=True):
            if decision.mode is Mode.DENY:
                results[n] = DocumentCheckResult(hit=False)
    return encode(DocumentCheckAnswer(results=results))
