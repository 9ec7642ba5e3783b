"""The `/federation/v1` API that partner nodes call (docs/federation.md, "Protocol").

Every request passes one gate before its body is parsed: it must have arrived on the node's
mutual-TLS listener (the client certificate was issued by the federation CA), carry no bearer
token, and — except for `GET /federation/v1/node` — carry an `Accord-Signature` that verifies
against a current partner's signing key, for this node, this method and path, this exact body,
within the replay window and with a fresh nonce (decision 0004). The body is read only up to
`ACCORD_FEDERATION_MAX_BODY` bytes. Every refusal is written to the ledger as
FEDERATION_REJECTED and answered with a stable code and a short message, nothing else.

The sender's signed tree head in a verified request's signature is witnessed
(`accord.services.witness.observe`) before the route runs, and every signed answer carries this
node's own head (decision 0009)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated, Any, TypeVar

import pydantic
import structlog
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from fastapi import APIRouter, Depends, Request, Response
from starlette.concurrency import run_in_threadpool

from accord.auth import access_for
from accord.crypto import (
    SIGNATURE_HEADER,
    MalformedSignature,
    MessageClaims,
    ReplayGuard,
    public_jwk,
    read_message_claims,
    sign_message,
    verify_message,
)
from accord.errors import AccordError, FieldError, Forbidden, Unauthorized, ValidationError
from accord.federation.identity import node_id
from accord.federation.nonces import DbNonceStore
from accord.federation.peers import Peer, find_peer
from accord.federation.protocol import (
    CONSISTENCY_PATH,
    MESSAGE_BATCH_PATH,
    MESSAGES_PATH,
    PREFIX,
    RELAY_PATH,
    RELAYED_PATH,
    DocumentCheckRequest,
    FollowUpOutcome,
    FollowUpRequest,
    MessageBatch,
    MessageReceipt,
    NodeInfo,
    NoticeAlert,
    NoticeMessage,
    NoticeStatusMessage,
    RelayedMessage,
    RelayReceipt,
    RelayRequest,
    SealedMessage,
    SearchRequest,
    StixCorrelationAlert,
    encode,
)
from accord.node import Node
from accord.services import mla, relay
from accord.services.audit import Event, record_event
from accord.services.document_exchange import answer_partner_checks
from accord.services.federation import answer_search
from accord.services.followup import receive_outcome
from accord.services.followup_owner import receive_follow_up
from accord.services.message_batches import receive_batch
from accord.services.messaging import receive_message, receive_receipt
from accord.services.notice_exchange import receive_alert, receive_notice, receive_status
from accord.services.stix_exchange import receive_correlation
from accord.services.witness import partner_consistency, witness_for

__all__ = [
    "MUTUAL_TLS",
    "BodyTooLarge",
    "MutualTLSRequired",
    "PartnerCall",
    "SignatureRequired",
    "record_rejection",
    "router",
]

log = structlog.get_logger("accord.federation")

#: Set to True in the ASGI scope by the node's mutual-TLS listener (`accord.api.server`).
MUTUAL_TLS = "accord.mutual_tls"

router = APIRouter(prefix=PREFIX, tags=["federation"])
_M = TypeVar("_M", bound=pydantic.BaseModel)


class MutualTLSRequired(Unauthorized):
    """The request did not arrive over the node's mutual-TLS listener."""

    code = "mutual_tls_required"


class SignatureRequired(Unauthorized):
    """A federation request without an `Accord-Signature` header."""

    code = "signature_required"


class BodyTooLarge(AccordError):
    status = 413
    code = "body_too_large"


@dataclass(frozen=True, slots=True)
class PartnerCall:
    """A request whose signature verified: who sent it (their directory entry) and what."""

    peer: Peer
    claims: MessageClaims
    body: bytes


def record_rejection(node: Node, details: dict[str, Any], claimed: str | None = None) -> None:
    """Write a refused federation request (or TLS handshake) to the ledger."""
    try:
        with node.engine.begin() as conn:
            record_event(
                conn, Event.FEDERATION_REJECTED, f"unverified:{claimed or 'unknown'}", details
            )
    except Exception:  # the refusal itself must still reach the partner
        log.exception("could not record a federation rejection", **details)


def _claimed_sender(request: Request) -> str | None:
    header = request.headers.get(SIGNATURE_HEADER)
    if not header:
        return None
    try:
        return read_message_claims(header).sender
    except MalformedSignature:
        return None


def _reject(node: Node, request: Request, exc: AccordError) -> None:
    details = {
        "code": exc.code,
        "status": exc.status,
        "method": request.method,
        "path": request.url.path,
        "remote": request.client.host if request.client else None,
    }
    record_rejection(node, details, _claimed_sender(request))


def get_node(request: Request) -> Node:
    node: Node = request.app.state.node
    return node


def _admit(request: Request) -> None:
    """The checks every federation route shares: an entry open to partners in the access
    matrix (`accord.auth.matrix`), no bearer token, and the mutual-TLS listener."""
    route = request.scope.get("route")
    access = access_for(request.method, getattr(route, "path", "")) if route else None
    if access is None or not access.partners:
        raise Forbidden("this route is not open to partner nodes")
    if "authorization" in request.headers:
        raise Forbidden("the federation API is open to partner nodes only, not to users")
    if not request.scope.get(MUTUAL_TLS):
        raise MutualTLSRequired("the federation API is served over mutual TLS only")


async def _read_body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and (not declared.isdigit() or int(declared) > limit):
        raise BodyTooLarge(f"the body exceeds {limit} bytes")
    body = bytearray()
    async for chunk in request.stream():
        body.extend(chunk)
        if len(body) > limit:
            raise BodyTooLarge(f"the body exceeds {limit} bytes")
    return bytes(body)


def _body_limit(node: Node, request: Request) -> int:
    """A sealed message carries its attachments, encoded three times over (JSON, JWS, JWE)."""
    settings = node.settings
    if request.url.path in (MESSAGES_PATH, MESSAGE_BATCH_PATH, RELAY_PATH, RELAYED_PATH):
        return max(settings.federation_max_body, 3 * settings.message_max_attachment_bytes + 2**20)
    return settings.federation_max_body


def _guard(node: Node) -> ReplayGuard:
    guard: ReplayGuard | None = node.cache.get("federation_guard")
    if guard is None:
        window = timedelta(seconds=node.settings.federation_replay_window)
        guard = ReplayGuard(DbNonceStore(node.engine), window)
        node.cache["federation_guard"] = guard
    return guard


def _verify(node: Node, signature: str, body: bytes, method: str, target: str) -> PartnerCall:
    found: dict[str, Peer] = {}

    def keys(sender: str) -> Ed25519PublicKey | None:
        peer = find_peer(node.engine, sender)
        if peer is None:
            return None
        found[sender] = peer
        return peer.signing_key

    claims = verify_message(
        signature,
        body,
        keys=keys,
        recipient=node_id(node),
        method=method,
        target=target,
        guard=_guard(node),
    )
    return PartnerCall(found[claims.sender], claims, body)


def _target(request: Request) -> str:
    """The request target as sent (RFC 9112 §3.2.1): raw path and query."""
    raw = request.scope.get("raw_path") or request.url.path.encode("ascii")
    query = request.scope.get("query_string") or b""
    target = bytes(raw).decode("latin-1")
    return f"{target}?{bytes(query).decode('latin-1')}" if query else target


async def admitted(request: Request) -> Node:
    """Dependency: the gate without a signature (the node description)."""
    node = get_node(request)
    try:
        _admit(request)
    except AccordError as exc:
        await run_in_threadpool(_reject, node, request, exc)
        raise
    return node


async def partner_call(request: Request) -> PartnerCall:
    """Dependency: the whole gate; the verified call, before its body is parsed."""
    node = get_node(request)
    try:
        _admit(request)
        body = await _read_body(request, _body_limit(node, request))
        signature = request.headers.get(SIGNATURE_HEADER)
        if not signature:
            raise SignatureRequired("federation requests must be signed (Accord-Signature)")
        call = await run_in_threadpool(
            _verify, node, signature, body, request.method, _target(request)
        )
    except AccordError as exc:
        await run_in_threadpool(_reject, node, request, exc)
        raise
    via = f"request:{request.method} {request.url.path}"
    await run_in_threadpool(witness_for(node).observe, call.peer, call.claims, via)
    return call


@contextmanager
def _refusals(node: Node, request: Request) -> Iterator[None]:
    """Refusals after the gate (malformed body, no purpose, unknown reference) go to the
    ledger too."""
    try:
        yield
    except AccordError as exc:
        _reject(node, request, exc)
        raise


def _parse(model: type[_M], body: bytes) -> _M:
    try:
        return model.model_validate_json(body)
    except pydantic.ValidationError as exc:
        errors = [
            FieldError(".".join(str(p) for p in e["loc"]) or "body", e["msg"])
            for e in exc.errors()[:20]
        ]
        raise ValidationError(errors) from None


def _signed(node: Node, call: PartnerCall, status: int, body: bytes) -> Response:
    signature = sign_message(
        body,
        node.keys.signing,
        sender=node_id(node),
        recipient=call.peer.node_id,
        method=call.claims.method,
        target=call.claims.target,
        request_id=call.claims.request_id,
        kind="response",
        tree_head=witness_for(node).head(),
    )
    return Response(
        body,
        status_code=status,
        media_type="application/json",
        headers={SIGNATURE_HEADER: signature},
    )


PartnerCallDep = Annotated[PartnerCall, Depends(partner_call)]


@router.get("/node")
def node_description(node: Annotated[Node, Depends(admitted)]) -> Response:
    """Who answers here: node id, agency code and public keys. Trust it only over a
    connection pinned to the certificate fingerprint obtained out of band (`accord peers add`)."""
    public = node.keys.public
    info = NodeInfo(
        node_id=node_id(node),
        agency_code=node.agency,
        signing_key=public_jwk(public.signing),
        encryption_key=public_jwk(public.encryption),
    )
    return Response(encode(info), media_type="application/json")


@router.post("/search")
def search(request: Request, call: PartnerCallDep) -> Response:
    """A partner's search: answered from local data through the policy engine (the answer of
    nodes from before `/match`, without scores)."""
    node = get_node(request)
    with _refusals(node, request):
        request_body = _parse(SearchRequest, call.body)
        body = answer_search(node, call.peer, call.claims, request_body, scored=False)
    return _signed(node, call, 200, body)


@router.post("/match")
def match(request: Request, call: PartnerCallDep) -> Response:
    """A partner's search, answered with each record's match score (decision 0017)."""
    node = get_node(request)
    with _refusals(node, request):
        body = answer_search(node, call.peer, call.claims, _parse(SearchRequest, call.body))
    return _signed(node, call, 200, body)


@router.post("/follow-ups", status_code=202)
def follow_up(request: Request, call: PartnerCallDep) -> Response:
    """A partner asks for the content behind a reference this node gave it."""
    node = get_node(request)
    with _refusals(node, request):
        status, body = receive_follow_up(
            node, call.peer, call.claims, _parse(FollowUpRequest, call.body)
        )
    return _signed(node, call, status, body)


@router.post("/follow-ups/{follow_up_id}/outcome")
def follow_up_outcome(follow_up_id: str, request: Request, call: PartnerCallDep) -> Response:
    """The owner's decision on a follow-up this node sent."""
    node = get_node(request)
    with _refusals(node, request):
        outcome = _parse(FollowUpOutcome, call.body)
        if outcome.follow_up_id != follow_up_id:
            raise ValidationError(FieldError("follow_up_id", "differs from the path"))
        status, body = receive_outcome(node, call.peer, call.claims, outcome)
    return _signed(node, call, status, body)


@router.post("/notices")
def notice(request: Request, call: PartnerCallDep) -> Response:
    """A notice the partner published: held here and matched against this node's records."""
    node = get_node(request)
    with _refusals(node, request):
        message = _parse(NoticeMessage, call.body)
        status, body = receive_notice(node, call.peer, call.claims, message)
    return _signed(node, call, status, body)


@router.post("/notices/{notice_id}/status")
def notice_status(notice_id: str, request: Request, call: PartnerCallDep) -> Response:
    """The partner suspended, cancelled or republished a notice it sent this node."""
    node = get_node(request)
    with _refusals(node, request):
        message = _parse(NoticeStatusMessage, call.body)
        status, body = receive_status(node, call.peer, call.claims, notice_id, message)
    return _signed(node, call, status, body)


@router.post("/alerts")
def alert(request: Request, call: PartnerCallDep) -> Response:
    """A record the partner holds matched a notice issued here: an alert for its owner."""
    node = get_node(request)
    with _refusals(node, request):
        status, body = receive_alert(node, call.peer, call.claims, _parse(NoticeAlert, call.body))
    return _signed(node, call, status, body)


@router.post("/stix/correlations")
def stix_correlation(request: Request, call: PartnerCallDep) -> Response:
    """A STIX object the partner holds holds a value of a record owned here: an alert for
    this node's agency (docs/stix.md, "Correlation")."""
    node = get_node(request)
    with _refusals(node, request):
        message = _parse(StixCorrelationAlert, call.body)
        status, body = receive_correlation(node, call.peer, call.claims, message)
    return _signed(node, call, status, body)


@router.post("/documents/check")
def document_check(request: Request, call: PartnerCallDep) -> Response:
    """A checker at the partner asks about documents of this node's state: hit or no hit and
    the action, as the agreements allow; a hit alerts the reporting agency here at once."""
    node = get_node(request)
    with _refusals(node, request):
        body = answer_partner_checks(
            node, call.peer, call.claims, _parse(DocumentCheckRequest, call.body)
        )
    return _signed(node, call, 200, body)


@router.post("/messages")
def message(request: Request, call: PartnerCallDep) -> Response:
    """A message sealed to this node: opened, its inner signature verified, kept in the inbox;
    the signed answer is the delivery receipt. A token that does not open or verify is refused
    (422) and ledgered."""
    node = get_node(request)
    with _refusals(node, request):
        sealed = _parse(SealedMessage, call.body)
        status, body = receive_message(node, call.peer, call.claims, sealed, mla.on_received)
    return _signed(node, call, status, body)


@router.post("/messages/batch")
def message_batch(request: Request, call: PartnerCallDep) -> Response:
    """Sealed messages and read receipts, several to a request (decision 0033): each is acted
    on as if it had come alone, under its own request id; the signed answer holds each one's
    result (`accord.federation.protocol.BatchAnswer`)."""
    node = get_node(request)
    with _refusals(node, request):
        batch = _parse(MessageBatch, call.body)
        status, body = receive_batch(node, call.peer, batch, mla.on_received)
    return _signed(node, call, status, body)


@router.post("/messages/relayed")
def message_relayed(request: Request, call: PartnerCallDep) -> Response:
    """A message a hub forwards for its sender (decision 0034): its inner signature is checked
    against the sender's own key, then it is kept as a direct message is."""
    node = get_node(request)
    with _refusals(node, request):
        relayed = _parse(RelayedMessage, call.body)
        status, body = relay.receive_relayed(node, call.peer, call.claims, relayed, mla.on_received)
    return _signed(node, call, status, body)


@router.post("/relay")
def relay_message(request: Request, call: PartnerCallDep) -> Response:
    """This node as a hub: hold a partner's sealed message for another node and forward it;
    the hub holds only the token, which it cannot open."""
    node = get_node(request)
    with _refusals(node, request):
        req = _parse(RelayRequest, call.body)
        status, body = relay.accept_relay(node, call.peer, call.claims, req)
    return _signed(node, call, status, body)


@router.post("/relay/receipts")
def relay_receipt(request: Request, call: PartnerCallDep) -> Response:
    """A hub reports what became of a message this node handed to it."""
    node = get_node(request)
    with _refusals(node, request):
        receipt = _parse(RelayReceipt, call.body)
        status, body = relay.receive_relay_receipt(node, call.peer, call.claims, receipt)
    return _signed(node, call, status, body)


@router.post("/messages/{message_id}/receipts")
def message_receipt(message_id: str, request: Request, call: PartnerCallDep) -> Response:
    """The recipient of a message this node sent read it."""
    node = get_node(request)
    with _refusals(node, request):
        receipt = _parse(MessageReceipt, call.body)
        status, body = receive_receipt(node, call.peer, call.claims, message_id, receipt)
    return _signed(node, call, status, body)


def _size(request: Request, name: str) -> int:
    value = request.query_params.get(name)
    if value is None or not value.isdigit() or len(value) > 20:
        raise ValidationError(FieldError(name, "must be a tree size (a non-negative integer)"))
    return int(value)


@router.get(CONSISTENCY_PATH.removeprefix(PREFIX))
def audit_consistency(request: Request, call: PartnerCallDep) -> Response:
    """RFC 9162 §2.1.4 consistency proof between two sizes of this node's ledger, for a
    partner witnessing it: `?first=M&second=N` (M <= N <= the log's size; a larger N is
    `404 tree_size_unknown`). Hashes only; nothing of the entries leaves."""
    node = get_node(request)
    with _refusals(node, request):
        proof = partner_consistency(node, _size(request, "first"), _size(request, "second"))
    return _signed(node, call, 200, encode(proof.to_json()))
