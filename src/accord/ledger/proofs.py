"""Verification of inclusion and consistency proofs (RFC 9162 §2.1.3.2 and §2.1.4.2), and the
proof values the audit API returns.

Style: every check returns nothing when the proof holds and raises `ProofError` saying why it
does not — including malformed input, so that a caller cannot forget to look at a result."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from hashlib import sha256

from accord.errors import FieldError, ValidationError
from accord.ledger.codec import decode_hashes, decode_uint, encode_b64
from accord.ledger.errors import ProofError
from accord.ledger.hashing import EMPTY_ROOT, HASH_SIZE
from accord.ledger.layout import consistency_proof_size, inclusion_proof_size

__all__ = [
    "ConsistencyProof",
    "InclusionProof",
    "root_from_inclusion_proof",
    "verify_consistency",
    "verify_inclusion",
]

_NODE = b"\x01"


def _check_hash(value: bytes, what: str) -> None:
    if len(value) != HASH_SIZE:
        raise ProofError(f"{what} is {len(value)} bytes, expected {HASH_SIZE}")


def _check_path(proof: Sequence[bytes], expected: int, what: str) -> None:
    if len(proof) != expected:
        raise ProofError(f"{what} has {len(proof)} hashes, expected {expected}")
    for i, p in enumerate(proof):
        _check_hash(p, f"{what}[{i}]")


def root_from_inclusion_proof(
    index: int, tree_size: int, proof: Sequence[bytes], leaf_hash: bytes
) -> bytes:
    """The root implied by an inclusion proof for `leaf_hash` at `index` (RFC 9162 §2.1.3.2).

    Raises `ProofError` for an index outside the tree or a proof of the wrong shape."""
    if index < 0 or tree_size < 0:
        raise ProofError("index and tree size must not be negative")
    if index >= tree_size:
        raise ProofError(f"leaf index {index} is not below tree size {tree_size}")
    _check_hash(leaf_hash, "leaf hash")
    _check_path(proof, inclusion_proof_size(index, tree_size), "inclusion path")
    fn, sn, r = index, tree_size - 1, leaf_hash
    for p in proof:
        if sn == 0:
            raise ProofError("inclusion path is longer than the tree is deep")
        if fn & 1 or fn == sn:
            r = sha256(_NODE + p + r).digest()
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            r = sha256(_NODE + r + p).digest()
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("inclusion path is shorter than the tree is deep")
    return r


def verify_inclusion(
    index: int, tree_size: int, proof: Sequence[bytes], leaf_hash: bytes, root: bytes
) -> None:
    """Check that `leaf_hash` is leaf `index` of the tree of `tree_size` leaves with `root`."""
    _check_hash(root, "root hash")
    if root_from_inclusion_proof(index, tree_size, proof, leaf_hash) != root:
        raise ProofError(f"inclusion proof for leaf {index} does not lead to the root")


def verify_consistency(
    first: int, second: int, proof: Sequence[bytes], first_root: bytes, second_root: bytes
) -> None:
    """Check that the tree of `first` leaves with `first_root` is a prefix of the tree of
    `second` leaves with `second_root` (RFC 9162 §2.1.4.2).

    Equal sizes need an empty proof and equal roots; size 0 needs an empty proof and the
    empty-tree root (stricter than some implementations, which ignore the first root there)."""
    if first < 0 or second < 0:
        raise ProofError("tree sizes must not be negative")
    if first > second:
        raise ProofError(f"first size {first} is greater than second size {second}")
    _check_hash(first_root, "first root")
    _check_hash(second_root, "second root")
    if first == 0 or first == second:
        if proof:
            raise ProofError(f"consistency proof from {first} to {second} must be empty")
        if first == 0 and first_root != EMPTY_ROOT:
            raise ProofError("first root is not the root of the empty tree")
        if first == second and first_root != second_root:
            raise ProofError(f"two different roots for the same tree size {first}")
        return
    _check_path(proof, consistency_proof_size(first, second), "consistency path")
    path = list(proof)
    if first & (first - 1) == 0:
        path.insert(0, first_root)
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise ProofError("consistency path is longer than the tree is deep")
        if fn & 1 or fn == sn:
            fr = sha256(_NODE + c + fr).digest()
            sr = sha256(_NODE + c + sr).digest()
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = sha256(_NODE + sr + c).digest()
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("consistency path is shorter than the tree is deep")
    if fr != first_root:
        raise ProofError(f"consistency proof does not lead to the root of size {first}")
    if sr != second_root:
        raise ProofError(f"consistency proof does not lead to the root of size {second}")


@dataclass(frozen=True, slots=True)
class InclusionProof:
    """PATH(leaf_index, D[tree_size]): the audit path of one entry (RFC 9162 §2.1.3).

    JSON: `{"leaf_index": int, "tree_size": int, "inclusion_path": [base64, ...]}`, the field
    names of InclusionProofDataV2 (§4.12)."""

    leaf_index: int
    tree_size: int
    path: tuple[bytes, ...]

    def verify(self, leaf_hash: bytes, root: bytes) -> None:
        """Raise `ProofError` unless this proves `leaf_hash` under `root`."""
        verify_inclusion(self.leaf_index, self.tree_size, self.path, leaf_hash, root)

    def to_json(self) -> dict[str, object]:
        return {
            "leaf_index": self.leaf_index,
            "tree_size": self.tree_size,
            "inclusion_path": [encode_b64(h) for h in self.path],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, object]) -> InclusionProof:
        """Parse the JSON form; malformed fields raise `ValidationError` naming the field."""
        index = decode_uint(data, "leaf_index")
        size = decode_uint(data, "tree_size")
        if index >= size:
            raise ValidationError(FieldError("leaf_index", "must be less than tree_size"))
        return cls(index, size, decode_hashes(data.get("inclusion_path"), "inclusion_path"))


@dataclass(frozen=True, slots=True)
class ConsistencyProof:
    """PROOF(tree_size_1, D[tree_size_2]): the tree of the first size is a prefix of the
    second (RFC 9162 §2.1.4).

    JSON: `{"tree_size_1": int, "tree_size_2": int, "consistency_path": [base64, ...]}`, the
    field names of ConsistencyProofDataV2 (§4.13)."""

    first: int
    second: int
    path: tuple[bytes, ...]

    def verify(self, first_root: bytes, second_root: bytes) -> None:
        """Raise `ProofError` unless this proves `first_root` is a prefix of `second_root`."""
        verify_consistency(self.first, self.second, self.path, first_root, second_root)

    def to_json(self) -> dict[str, object]:
        return {
            "tree_size_1": self.first,
            "tree_size_2": self.second,
            "consistency_path": [encode_b64(h) for h in self.path],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, object]) -> ConsistencyProof:
        """Parse the JSON form; malformed fields raise `ValidationError` naming the field."""
        first = decode_uint(data, "tree_size_1")
        second = decode_uint(data, "tree_size_2")
        if first > second:
            raise ValidationError(FieldError("tree_size_1", "must not exceed tree_size_2"))
        path = decode_hashes(data.get("consistency_path"), "consistency_path")
        return cls(first, second, path)
