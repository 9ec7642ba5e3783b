"""The JOSE profile Accord uses, shared by messages, the directory and sealed payloads.

- JWS algorithm `Ed25519` (RFC 9864 §2): EdDSA over Ed25519 (RFC 8032), with OKP keys
  (RFC 8037). RFC 9864 deprecates the polymorphic `EdDSA` identifier of RFC 8037 §3.1 in favour of
  this fully specified one; the signature bytes are the same.
- JWE key management `ECDH-ES+A256KW` over X25519 (RFC 7518 §4.6, RFC 8037 §3.2) with content
  encryption `A256GCM` (RFC 7518 §5.3).
Only these algorithms are accepted, so no token can pick a weaker one (RFC 8725 §3.1).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from joserfc import jwe, jws
from joserfc.jwk import OKPKey
from joserfc.registry import HeaderParameter

from accord.crypto.encoding import b64url_decode

__all__ = [
    "JWE_ALG",
    "JWE_ENC",
    "JWS_ALG",
    "decode_protected_header",
    "jwe_registry",
    "jws_registry",
    "okp_key",
]

JWS_ALG = "Ed25519"
JWE_ALG = "ECDH-ES+A256KW"
JWE_ENC = "A256GCM"


def jws_registry(
    extra: Mapping[str, str | Callable[[Any], None]],
    *,
    max_header: int = 2048,
    max_payload: int = 128_000,
) -> jws.JWSRegistry:
    """A JWS registry that accepts only `Ed25519` and knows the extra protected-header
    parameters named in `extra` (name → joserfc validator: "str", "int", or a function that
    raises ValueError)."""
    registry = jws.JWSRegistry(
        header_registry={name: HeaderParameter(name, kind) for name, kind in extra.items()},
        algorithms=[JWS_ALG],
    )
    registry.max_header_length = max_header
    registry.max_payload_length = max_payload
    return registry


def jwe_registry(*, max_ciphertext: int) -> jwe.JWERegistry:
    """A JWE registry that accepts only ECDH-ES+A256KW with A256GCM."""
    registry = jwe.JWERegistry(algorithms=[JWE_ALG, JWE_ENC])
    registry.max_ciphertext_length = max_ciphertext
    return registry


def okp_key(key: Any) -> OKPKey:
    """Wrap a cryptography OKP key (Ed25519/X25519, private or public) for joserfc."""
    return OKPKey.import_key(key)


def decode_protected_header(token: str, *, max_length: int) -> tuple[dict[str, Any], list[str]]:
    """Split a compact JOSE token and decode its protected header strictly: canonical base64url,
    a JSON object without duplicate names. Raises ValueError with a short reason."""
    if len(token) > max_length:
        raise ValueError("token too long")
    parts = token.split(".")
    try:
        header = json.loads(b64url_decode(parts[0]), object_pairs_hook=_no_duplicates)
    except RecursionError as exc:
        raise ValueError("protected header nests too deeply") from exc
    if not isinstance(header, dict):
        raise ValueError("protected header is not a JSON object")
    return header, parts


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for name, value in pairs:
        if name in result:
            raise ValueError(f"duplicate header parameter {name!r}")
        result[name] = value
    return result
