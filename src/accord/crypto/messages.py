"""Signed federation messages: every request and response body between nodes travels with a
compact JWS (RFC 7515 §7.1) in the `Accord-Signature` HTTP header.

The JWS has an empty payload (its compact form is `<protected>..<signature>`); the body is bound
by its SHA-256 digest in the protected header, together with who sent it to whom, when, and for
which request target (the approach of RFC 9449 DPoP proofs and RFC 8555 §6.2, carried in JWS
header parameters):

    alg    "Ed25519" (RFC 9864 §2)
    typ    "accord-request+jws" or "accord-response+jws" (RFC 8725 §3.11 explicit typing)
    kid    sender node id, looked up in the signed partner directory
    aud    recipient node id
    iat    NumericDate, integer seconds (RFC 7519 §2)
    nonce  16 random bytes, base64url
    rid    request id; a response repeats the id of the request it answers
    htm    HTTP method of the request, upper case
    htu    request target of the request: absolute path and query as sent (RFC 9112 §3.2.1)
    bd     base64url SHA-256 of the exact body bytes (the empty body included)
    sth    optional: the sender's latest signed tree head, as a JSON object in the form of
           `accord.ledger.SignedTreeHead.to_json` (witnessing, docs/decisions/0009); bound by
           this signature, so nobody on the way can strip or swap it

A verifier checks, in order: form, sender known, signature, recipient/direction/target/request
id, body digest, timestamp window and nonce — each failure with its own error.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from joserfc import jws
from joserfc.errors import JoseError

from accord.crypto.encoding import aware, b64url_encode
from accord.crypto.errors import (
    BadSignature,
    BodyDigestMismatch,
    MalformedSignature,
    UnknownSender,
    WrongTarget,
)
from accord.crypto.jose import JWS_ALG, decode_protected_header, jws_registry, okp_key
from accord.crypto.replay import ReplayGuard

__all__ = [
    "MAX_SIGNATURE_LENGTH",
    "SIGNATURE_HEADER",
    "KeyLookup",
    "MessageClaims",
    "MessageKind",
    "body_digest",
    "read_message_claims",
    "sign_message",
    "verify_message",
    "verify_stored_message",
]

#: The HTTP header field that carries the JWS.
SIGNATURE_HEADER = "Accord-Signature"
#: Longest signature header accepted; longer ones are refused before any parsing.
MAX_SIGNATURE_LENGTH = 4096

MessageKind = Literal["request", "response"]
#: Finds a sender's Ed25519 public key by node id; None when unknown (e.g. `directory.signing_key`).
KeyLookup = Callable[[str], Ed25519PublicKey | None]

_TYP: dict[str, MessageKind] = {
    "accord-request+jws": "request",
    "accord-response+jws": "response",
}
_TYP_OF = {kind: typ for typ, kind in _TYP.items()}
_STRING_FIELDS = ("typ", "kid", "aud", "nonce", "rid", "htm", "htu", "bd")
_FIELDS = frozenset({"alg", "iat", *_STRING_FIELDS})
_WITH_HEAD = _FIELDS | {"sth"}


def _is_object(value: Any) -> None:
    if not isinstance(value, dict):
        raise ValueError("must be a JSON object")


_REGISTRY = jws_registry(
    dict.fromkeys(("aud", "nonce", "rid", "htm", "htu", "bd"), "str")
    | {"iat": "int", "sth": _is_object},
    max_header=MAX_SIGNATURE_LENGTH,
)
_NODE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
_METHOD = re.compile(r"[A-Z]{1,16}")
_TARGET = re.compile(r"/[\x21-\x7e]{0,1023}")
_NONCE = re.compile(r"[A-Za-z0-9_-]{22,64}")
_DIGEST = re.compile(r"[A-Za-z0-9_-]{43}")


@dataclass(frozen=True, slots=True)
class MessageClaims:
    """What a message signature says. Trustworthy only when returned by a `verify_*` function."""

    kind: MessageKind
    sender: str
    recipient: str
    issued_at: datetime
    nonce: str
    request_id: str
    method: str
    target: str
    body_digest: str
    #: The sender's signed tree head as it travelled (`sth`), not yet checked; None if absent.
    tree_head: Mapping[str, Any] | None = None


def body_digest(body: bytes) -> str:
    """The `bd` value: SHA-256 of the body bytes, unpadded base64url."""
    return b64url_encode(hashlib.sha256(body).digest())


def sign_message(
    body: bytes,
    key: Ed25519PrivateKey,
    *,
    sender: str,
    recipient: str,
    method: str,
    target: str,
    request_id: str,
    kind: MessageKind = "request",
    now: datetime | None = None,
    tree_head: Mapping[str, Any] | None = None,
) -> str:
    """The `Accord-Signature` value for a request or response body.

    For a response, `method`, `target` and `request_id` are those of the request it answers.
    `tree_head`, the JSON form of the sender's signed tree head, travels as `sth`.
    """
    claims = MessageClaims(
        kind=kind,
        sender=sender,
        recipient=recipient,
        issued_at=aware(now).replace(microsecond=0),
        nonce=b64url_encode(secrets.token_bytes(16)),
        request_id=request_id,
        method=method,
        target=target,
        body_digest=body_digest(body),
        tree_head=dict(tree_head) if tree_head is not None else None,
    )
    if kind not in _TYP_OF:
        raise ValueError("kind must be 'request' or 'response'")
    _check_claims(claims, ValueError)
    return jws.serialize_compact(_to_header(claims), b"", okp_key(key), registry=_REGISTRY)


def read_message_claims(signature: str) -> MessageClaims:
    """Parse a signature header without verifying it — e.g. to log who claims to have sent it.
    Raises MalformedSignature."""
    try:
        header, parts = decode_protected_header(signature, max_length=MAX_SIGNATURE_LENGTH)
    except ValueError as exc:
        raise MalformedSignature("signature is not a compact JWS") from exc
    if len(parts) != 3 or parts[1] != "":
        raise MalformedSignature("signature must be a compact JWS with an empty payload")
    if set(header) not in (_FIELDS, _WITH_HEAD):
        raise MalformedSignature(
            "signature header must carry exactly: " + ", ".join(sorted(_FIELDS)) + " (and sth)"
        )
    if header["alg"] != JWS_ALG:
        raise MalformedSignature(f"signature algorithm must be {JWS_ALG}")
    iat = header["iat"]
    if type(iat) is not int or any(not isinstance(header[f], str) for f in _STRING_FIELDS):
        raise MalformedSignature("signature header has a field of the wrong type")
    tree_head = header.get("sth")
    if tree_head is not None and not isinstance(tree_head, dict):
        raise MalformedSignature("signature sth must be a JSON object")
    kind = _TYP.get(header["typ"])
    if kind is None:
        raise MalformedSignature("signature typ must be accord-request+jws or accord-response+jws")
    try:
        issued_at = datetime.fromtimestamp(iat, UTC)
    except (OverflowError, OSError, ValueError) as exc:
        raise MalformedSignature("signature iat is not a valid time") from exc
    claims = MessageClaims(
        kind=kind,
        sender=header["kid"],
        recipient=header["aud"],
        issued_at=issued_at,
        nonce=header["nonce"],
        request_id=header["rid"],
        method=header["htm"],
        target=header["htu"],
        body_digest=header["bd"],
        tree_head=tree_head,
    )
    _check_claims(claims, MalformedSignature)
    return claims


def verify_message(
    signature: str,
    body: bytes,
    *,
    keys: KeyLookup,
    recipient: str,
    method: str,
    target: str,
    guard: ReplayGuard,
    kind: MessageKind = "request",
    request_id: str | None = None,
    now: datetime | None = None,
) -> MessageClaims:
    """Verify a received message and accept it once.

    `recipient` is this node's id; `method` and `target` are those of the request (for a
    response: of the request this node sent); `request_id`, when given, must match (always give
    it for a response). Raises, in order of the checks: MalformedSignature, UnknownSender,
    BadSignature, WrongTarget, BodyDigestMismatch, StaleTimestamp, ReplayedNonce.
    """
    claims = read_message_claims(signature)
    public_key = keys(claims.sender)
    if public_key is None:
        raise UnknownSender("sender is not a partner in the directory")
    _verify_signature(signature, public_key)
    if claims.kind != kind:
        raise WrongTarget(f"expected a signed {kind}, got a signed {claims.kind}")
    if claims.recipient != recipient:
        raise WrongTarget("message was signed for another recipient")
    if claims.method != method or claims.target != target:
        raise WrongTarget("message was signed for another method or path")
    if request_id is not None and claims.request_id != request_id:
        raise WrongTarget("message was signed for another request id")
    if not secrets.compare_digest(claims.body_digest, body_digest(body)):
        raise BodyDigestMismatch("body does not match the signed digest")
    guard.check(claims.sender, claims.nonce, claims.issued_at, now)
    return claims


def verify_stored_message(signature: str, body: bytes, key: Ed25519PublicKey) -> MessageClaims:
    """Re-check a stored message (e.g. from the ledger) long after receipt: form, signature and
    body digest only — no clock window, no nonce bookkeeping."""
    claims = read_message_claims(signature)
    _verify_signature(signature, key)
    if not secrets.compare_digest(claims.body_digest, body_digest(body)):
        raise BodyDigestMismatch("body does not match the signed digest")
    return claims


def _verify_signature(signature: str, key: Ed25519PublicKey) -> None:
    try:
        jws.deserialize_compact(signature, okp_key(key), registry=_REGISTRY)
    except JoseError as exc:
        raise BadSignature("signature does not verify") from exc


def _to_header(claims: MessageClaims) -> dict[str, Any]:
    header: dict[str, Any] = {
        "alg": JWS_ALG,
        "typ": _TYP_OF[claims.kind],
        "kid": claims.sender,
        "aud": claims.recipient,
        "iat": int(claims.issued_at.timestamp()),
        "nonce": claims.nonce,
        "rid": claims.request_id,
        "htm": claims.method,
        "htu": claims.target,
        "bd": claims.body_digest,
    }
    if claims.tree_head is not None:
        header["sth"] = dict(claims.tree_head)
    return header


def _check_claims(claims: MessageClaims, error: Callable[[str], Exception]) -> None:
    checks = (
        ("kid", _NODE_ID, claims.sender),
        ("aud", _NODE_ID, claims.recipient),
        ("nonce", _NONCE, claims.nonce),
        ("rid", _REQUEST_ID, claims.request_id),
        ("htm", _METHOD, claims.method),
        ("htu", _TARGET, claims.target),
        ("bd", _DIGEST, claims.body_digest),
    )
    for name, pattern, value in checks:
        if not pattern.fullmatch(value):
            raise error(f"signature field {name} is malformed")
