"""Signed tree heads: the node's signed statement of its log's size and root at a time.

The signed bytes are the TLS encoding of TreeHeadDataV2 (RFC 9162 §4.10) with no extensions:

    uint64 timestamp                 milliseconds since the Unix epoch, big-endian
    uint64 tree_size                 big-endian
    opaque root_hash<32..2^8-1>      one length byte (0x20), then the 32-byte root
    Extension sth_extensions<0..2^16-1>   two length bytes, 0x0000

Signing and verification are supplied by the caller (the node's Ed25519 key from pyca/
cryptography); this module never touches keys. JSON form, hashes and signature in standard
base64 with padding: `{"tree_size": int, "timestamp": int, "root_hash": str, "signature": str}`."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from accord.errors import FieldError, ValidationError
from accord.ledger.codec import decode_b64, decode_hash, decode_uint, encode_b64
from accord.ledger.errors import ProofError
from accord.ledger.hashing import HASH_SIZE

__all__ = [
    "SignedTreeHead",
    "Signer",
    "TreeHead",
    "Verifier",
    "sign_tree_head",
    "verify_tree_head",
]

#: Signs a message: `signer(message) -> signature` (e.g. `Ed25519PrivateKey.sign`).
Signer = Callable[[bytes], bytes]
#: Checks a signature: `verifier(message, signature) -> bool` (message first, as for the
#: signer; note pyca's `public_key.verify(signature, message)` takes them the other way round).
#: It must return False for a bad signature rather than raise.
Verifier = Callable[[bytes, bytes], bool]

_UINT64_MAX = (1 << 64) - 1


@dataclass(frozen=True, slots=True)
class TreeHead:
    """Size and root of the log at `timestamp` (milliseconds since the Unix epoch)."""

    size: int
    root: bytes
    timestamp: int

    def __post_init__(self) -> None:
        errors: list[FieldError] = []
        if not 0 <= self.size <= _UINT64_MAX:
            errors.append(FieldError("tree_size", "must be between 0 and 2**64 - 1"))
        if len(self.root) != HASH_SIZE:
            errors.append(FieldError("root_hash", f"must be {HASH_SIZE} bytes"))
        if not 0 <= self.timestamp <= _UINT64_MAX:
            errors.append(FieldError("timestamp", "must be between 0 and 2**64 - 1"))
        if errors:
            raise ValidationError(errors)

    def to_bytes(self) -> bytes:
        """The canonical bytes to sign: TLS-encoded TreeHeadDataV2 (RFC 9162 §4.10)."""
        return (
            self.timestamp.to_bytes(8, "big")
            + self.size.to_bytes(8, "big")
            + bytes((HASH_SIZE,))
            + self.root
            + b"\x00\x00"
        )

    def to_json(self) -> dict[str, object]:
        return {
            "tree_size": self.size,
            "timestamp": self.timestamp,
            "root_hash": encode_b64(self.root),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, object]) -> TreeHead:
        """Parse the JSON form; malformed fields raise `ValidationError` naming the field."""
        return cls(
            decode_uint(data, "tree_size"),
            decode_hash(data.get("root_hash"), "root_hash"),
            decode_uint(data, "timestamp"),
        )


@dataclass(frozen=True, slots=True)
class SignedTreeHead:
    """A tree head with the node's signature over `head.to_bytes()`."""

    head: TreeHead
    signature: bytes

    def verify(self, verifier: Verifier) -> None:
        """Raise `ProofError` unless the signature is valid."""
        verify_tree_head(self.head, self.signature, verifier)

    def to_json(self) -> dict[str, object]:
        return {**self.head.to_json(), "signature": encode_b64(self.signature)}

    @classmethod
    def from_json(cls, data: Mapping[str, object]) -> SignedTreeHead:
        """Parse the JSON form; malformed fields raise `ValidationError` naming the field."""
        signature = decode_b64(data.get("signature"), "signature")
        if not signature:
            raise ValidationError(FieldError("signature", "must not be empty"))
        return cls(TreeHead.from_json(data), signature)


def sign_tree_head(head: TreeHead, signer: Signer) -> SignedTreeHead:
    """Sign the canonical encoding of `head` with the caller's key."""
    return SignedTreeHead(head, signer(head.to_bytes()))


def verify_tree_head(head: TreeHead, signature: bytes, verifier: Verifier) -> None:
    """Raise `ProofError` unless `signature` is valid for `head` under the caller's key."""
    if not verifier(head.to_bytes(), signature):
        raise ProofError(
            f"signature on the tree head of size {head.size} at {head.timestamp} is not valid"
        )
