"""Sealed payloads for end-to-end messages: JWE compact serialisation (RFC 7516 §7.1) with
ECDH-ES+A256KW key agreement over X25519 (RFC 7518 §4.6, RFC 8037 §3.2) and A256GCM content
encryption. Only the holder of the recipient's X25519 private key can open one; any change to
any part of it makes opening fail.

`sign_and_seal` nests a signed JWS inside the JWE (sign, then encrypt; `cty` "JOSE"). The inner
signature names the recipient in `aud`, so a recipient cannot re-seal a message it received and
pass it to a third node as if it had been addressed there.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from joserfc import jwe, jws
from joserfc.errors import JoseError

from accord.crypto.encoding import aware
from accord.crypto.errors import (
    BadSignature,
    KeyFormatError,
    SealError,
    UnknownSender,
    WrongTarget,
)
from accord.crypto.jose import (
    JWE_ALG,
    JWE_ENC,
    JWS_ALG,
    decode_protected_header,
    jwe_registry,
    jws_registry,
    okp_key,
)
from accord.crypto.keys import encryption_key_from_jwk
from accord.crypto.messages import KeyLookup

__all__ = [
    "MAX_SEALED_BYTES",
    "SEALED_TYP",
    "OpenedMessage",
    "open_and_verify",
    "open_sealed",
    "seal",
    "sign_and_seal",
]

#: Largest plaintext a sealed payload may carry.
MAX_SEALED_BYTES = 8 * 1024 * 1024
#: `typ` of the JWS inside a sign-then-seal payload.
SEALED_TYP = "accord-sealed+jws"

_JWE = jwe_registry(max_ciphertext=2 * MAX_SEALED_BYTES)
_JWS = jws_registry({"aud": "str", "iat": "int"}, max_payload=2 * MAX_SEALED_BYTES)
_MAX_TOKEN = 4 * MAX_SEALED_BYTES


@dataclass(frozen=True, slots=True)
class OpenedMessage:
    """A sealed message that was opened and whose inner signature verified."""

    sender: str
    recipient: str
    issued_at: datetime
    payload: bytes


def seal(
    plaintext: bytes,
    recipient_key: X25519PublicKey,
    *,
    recipient: str | None = None,
    content_type: str | None = None,
) -> str:
    """Encrypt to one recipient's X25519 public key. `recipient` (its node id) goes in `kid`."""
    if len(plaintext) > MAX_SEALED_BYTES:
        raise SealError(f"payload exceeds {MAX_SEALED_BYTES} bytes")
    header: dict[str, str] = {"alg": JWE_ALG, "enc": JWE_ENC}
    if recipient is not None:
        header["kid"] = recipient
    if content_type is not None:
        header["cty"] = content_type
    return jwe.encrypt_compact(header, plaintext, okp_key(recipient_key), registry=_JWE)


def open_sealed(token: str, private_key: X25519PrivateKey) -> bytes:
    """Decrypt a sealed payload; raises SealError if it is not for this key or was altered."""
    return _decrypt(token, private_key)[1]


def sign_and_seal(
    payload: bytes,
    *,
    signing_key: Ed25519PrivateKey,
    sender: str,
    recipient: str,
    recipient_key: X25519PublicKey,
    now: datetime | None = None,
) -> str:
    """Sign `payload` as the sender (JWS, `aud` = recipient), then seal the JWS to the recipient."""
    issued_at = int(aware(now).timestamp())
    header = {"alg": JWS_ALG, "typ": SEALED_TYP, "kid": sender, "aud": recipient, "iat": issued_at}
    signed = jws.serialize_compact(header, payload, okp_key(signing_key), registry=_JWS)
    return seal(signed.encode("ascii"), recipient_key, recipient=recipient, content_type="JOSE")


def open_and_verify(
    token: str,
    *,
    private_key: X25519PrivateKey,
    recipient: str,
    keys: KeyLookup,
) -> OpenedMessage:
    """Open a sign-then-seal payload and verify its inner signature against the sender's key.

    Raises SealError (cannot open or not a signed payload), UnknownSender, BadSignature, or
    WrongTarget (signed for another recipient)."""
    header, plaintext = _decrypt(token, private_key)
    if header.get("cty") != "JOSE":
        raise SealError("sealed payload does not contain a signed message")
    try:
        signed = plaintext.decode("ascii")
        inner, _ = decode_protected_header(signed, max_length=_MAX_TOKEN)
    except ValueError as exc:
        raise SealError("sealed payload does not contain a compact JWS") from exc
    sender, aud, iat = inner.get("kid"), inner.get("aud"), inner.get("iat")
    if (
        set(inner) != {"alg", "typ", "kid", "aud", "iat"}
        or inner.get("alg") != JWS_ALG
        or inner.get("typ") != SEALED_TYP
        or not isinstance(sender, str)
        or not isinstance(aud, str)
        or type(iat) is not int
    ):
        raise SealError("inner signature must carry exactly alg, typ, kid, aud and iat")
    public_key = keys(sender)
    if public_key is None:
        raise UnknownSender("sender is not a partner in the directory")
    try:
        verified = jws.deserialize_compact(signed, okp_key(public_key), registry=_JWS)
    except JoseError as exc:
        raise BadSignature("inner signature does not verify") from exc
    if aud != recipient:
        raise WrongTarget("sealed message was signed for another recipient")
    try:
        issued_at = datetime.fromtimestamp(iat, UTC)
    except (OverflowError, OSError, ValueError) as exc:
        raise SealError("inner signature iat is not a valid time") from exc
    return OpenedMessage(sender, aud, issued_at, verified.payload)


def _decrypt(token: str, private_key: X25519PrivateKey) -> tuple[dict[str, object], bytes]:
    if len(token) > _MAX_TOKEN:
        raise SealError("sealed payload is too large")
    try:
        header, _ = decode_protected_header(token, max_length=_MAX_TOKEN)
        if header.get("alg") != JWE_ALG or header.get("enc") != JWE_ENC:
            raise SealError(f"sealed payload must use {JWE_ALG} with {JWE_ENC}")
        epk = header.get("epk")
        if not isinstance(epk, dict):
            raise SealError("sealed payload needs an ephemeral X25519 public key (epk)")
        encryption_key_from_jwk(epk)  # RFC 7518 §4.6.1.1: an X25519 public JWK, nothing else
        opened = jwe.decrypt_compact(token, okp_key(private_key), registry=_JWE)
    except (JoseError, ValueError, KeyError, TypeError, KeyFormatError) as exc:
        raise SealError("sealed payload cannot be opened with this key") from exc
    if opened.plaintext is None:
        raise SealError("sealed payload is empty")
    return header, opened.plaintext
