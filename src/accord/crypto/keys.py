"""Node keys: an Ed25519 signing pair and an X25519 encryption pair per node, and their
serialisations.

- private keys: PKCS#8 PEM (RFC 5958, RFC 8410), optionally passphrase-encrypted;
- public keys: SubjectPublicKeyInfo PEM, raw 32 bytes as unpadded base64url, or an OKP JWK
  (RFC 8037 §2: `{"kty": "OKP", "crv": "Ed25519" | "X25519", "x": …}`);
- fingerprints: SHA-256 over the SubjectPublicKeyInfo DER (see `accord.crypto.encoding`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey

from accord.crypto.encoding import b64url_decode, b64url_encode, sha256_fingerprint
from accord.crypto.errors import KeyFormatError

__all__ = [
    "NodeKeys",
    "NodePublicKeys",
    "PrivateKey",
    "PublicKey",
    "encryption_key_from_b64",
    "encryption_key_from_jwk",
    "generate_node_keys",
    "key_fingerprint",
    "load_encryption_key_pem",
    "load_private_key_pem",
    "load_public_key_pem",
    "load_signing_key_pem",
    "private_key_to_pem",
    "public_jwk",
    "public_key_b64",
    "public_key_from_jwk",
    "public_key_to_pem",
    "signing_key_from_b64",
    "signing_key_from_jwk",
]

#: Every private key type Accord handles: node signing and encryption keys, TLS and CA keys.
PrivateKey = Ed25519PrivateKey | X25519PrivateKey | ec.EllipticCurvePrivateKey
#: Every public key type Accord handles.
PublicKey = Ed25519PublicKey | X25519PublicKey | ec.EllipticCurvePublicKey


@dataclass(frozen=True, slots=True)
class NodePublicKeys:
    """The public half of a node's keys, as published in the partner directory."""

    signing: Ed25519PublicKey
    encryption: X25519PublicKey


@dataclass(frozen=True, slots=True)
class NodeKeys:
    """A node's own keys: `signing` signs federation messages, `encryption` opens sealed ones."""

    signing: Ed25519PrivateKey
    encryption: X25519PrivateKey

    @property
    def public(self) -> NodePublicKeys:
        return NodePublicKeys(self.signing.public_key(), self.encryption.public_key())


def generate_node_keys() -> NodeKeys:
    """A fresh Ed25519 signing pair and X25519 encryption pair."""
    return NodeKeys(Ed25519PrivateKey.generate(), X25519PrivateKey.generate())


def private_key_to_pem(key: PrivateKey, passphrase: bytes | None = None) -> bytes:
    """PKCS#8 PEM; encrypted with the best scheme the library offers when a passphrase is given."""
    encryption: serialization.KeySerializationEncryption = (
        serialization.BestAvailableEncryption(passphrase)
        if passphrase
        else serialization.NoEncryption()
    )
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption
    )


def load_private_key_pem(data: bytes, passphrase: bytes | None = None) -> PrivateKey:
    """Read a PEM private key of any type Accord handles (Ed25519, X25519, ECDSA P-256).

    Raises KeyFormatError for unreadable PEM, a wrong or missing passphrase, or another key type.
    """
    try:
        key = serialization.load_pem_private_key(data, password=passphrase or None)
    except TypeError as exc:
        raise KeyFormatError("private key is encrypted: a passphrase is needed") from exc
    except ValueError as exc:
        raise KeyFormatError("cannot read private key (bad PEM or wrong passphrase)") from exc
    if isinstance(key, Ed25519PrivateKey | X25519PrivateKey):
        return key
    if isinstance(key, ec.EllipticCurvePrivateKey) and isinstance(key.curve, ec.SECP256R1):
        return key
    raise KeyFormatError("unsupported private key type (need Ed25519, X25519 or ECDSA P-256)")


def load_signing_key_pem(data: bytes, passphrase: bytes | None = None) -> Ed25519PrivateKey:
    """Read a node's Ed25519 signing key (or a federation directory key) from PEM."""
    key = load_private_key_pem(data, passphrase)
    if not isinstance(key, Ed25519PrivateKey):
        raise KeyFormatError("expected an Ed25519 private key")
    return key


def load_encryption_key_pem(data: bytes, passphrase: bytes | None = None) -> X25519PrivateKey:
    """Read a node's X25519 encryption key from PEM."""
    key = load_private_key_pem(data, passphrase)
    if not isinstance(key, X25519PrivateKey):
        raise KeyFormatError("expected an X25519 private key")
    return key


def public_key_to_pem(key: PublicKey) -> bytes:
    """SubjectPublicKeyInfo PEM (RFC 5280 §4.1.2.7, RFC 8410)."""
    return key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def load_public_key_pem(data: bytes) -> PublicKey:
    """Read a SubjectPublicKeyInfo PEM public key (Ed25519, X25519 or ECDSA P-256)."""
    try:
        key = serialization.load_pem_public_key(data)
    except ValueError as exc:
        raise KeyFormatError("cannot read public key PEM") from exc
    if isinstance(key, Ed25519PublicKey | X25519PublicKey):
        return key
    if isinstance(key, ec.EllipticCurvePublicKey) and isinstance(key.curve, ec.SECP256R1):
        return key
    raise KeyFormatError("unsupported public key type (need Ed25519, X25519 or ECDSA P-256)")


def key_fingerprint(key: PublicKey) -> str:
    """SHA-256 over the SubjectPublicKeyInfo DER, as `AB:CD:…`."""
    der = key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return sha256_fingerprint(der)


def public_key_b64(key: Ed25519PublicKey | X25519PublicKey) -> str:
    """The raw 32-byte public key (RFC 8032 §5.1.5, RFC 7748 §5) as unpadded base64url."""
    return b64url_encode(
        key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    )


def signing_key_from_b64(text: str) -> Ed25519PublicKey:
    """An Ed25519 public key from its raw base64url form."""
    return Ed25519PublicKey.from_public_bytes(_raw32(text))


def encryption_key_from_b64(text: str) -> X25519PublicKey:
    """An X25519 public key from its raw base64url form."""
    return X25519PublicKey.from_public_bytes(_raw32(text))


def public_jwk(key: Ed25519PublicKey | X25519PublicKey, kid: str | None = None) -> dict[str, str]:
    """The OKP JWK of a public key (RFC 8037 §2); never contains private material."""
    crv = "Ed25519" if isinstance(key, Ed25519PublicKey) else "X25519"
    jwk = {"kty": "OKP", "crv": crv, "x": public_key_b64(key)}
    if kid is not None:
        jwk["kid"] = kid
    return jwk


def public_key_from_jwk(jwk: Mapping[str, object]) -> Ed25519PublicKey | X25519PublicKey:
    """Read an OKP public JWK (RFC 8037 §2). A JWK carrying `d` (private material) is refused:
    public keys are the only keys that travel."""
    if not isinstance(jwk, Mapping):
        raise KeyFormatError("a JWK is a JSON object")
    if "d" in jwk:
        raise KeyFormatError("JWK contains private key material")
    if jwk.get("kty") != "OKP":
        raise KeyFormatError("JWK kty must be OKP")
    x = jwk.get("x")
    if not isinstance(x, str):
        raise KeyFormatError("JWK lacks the x parameter")
    crv = jwk.get("crv")
    if crv == "Ed25519":
        return signing_key_from_b64(x)
    if crv == "X25519":
        return encryption_key_from_b64(x)
    raise KeyFormatError("JWK crv must be Ed25519 or X25519")


def signing_key_from_jwk(jwk: Mapping[str, object]) -> Ed25519PublicKey:
    """An Ed25519 public key from its OKP JWK."""
    key = public_key_from_jwk(jwk)
    if not isinstance(key, Ed25519PublicKey):
        raise KeyFormatError("expected an Ed25519 JWK")
    return key


def encryption_key_from_jwk(jwk: Mapping[str, object]) -> X25519PublicKey:
    """An X25519 public key from its OKP JWK."""
    key = public_key_from_jwk(jwk)
    if not isinstance(key, X25519PublicKey):
        raise KeyFormatError("expected an X25519 JWK")
    return key


def _raw32(text: str) -> bytes:
    try:
        raw = b64url_decode(text)
    except ValueError as exc:
        raise KeyFormatError("public key is not base64url") from exc
    if len(raw) != 32:
        raise KeyFormatError("a raw Ed25519/X25519 public key has 32 bytes")
    return raw
