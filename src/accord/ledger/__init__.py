"""The tamper-evident audit ledger's core (pure): RFC 9162 Merkle tree hashing, inclusion and
consistency proofs over stored perfect subtrees, signed tree heads, the leaf encoding of an
entry, verification of a log from its payloads and complete verification of a stored log."""

from accord.ledger.audit import LogVerification, Problem, verify_log
from accord.ledger.check import HeadLog, StoredEntry, StoredHead, StoredNodes, verify_stored_log
from accord.ledger.entry import EntryError, LedgerEntry, decode_entry, encode_entry
from accord.ledger.errors import ProofError
from accord.ledger.hashing import (
    EMPTY_ROOT,
    HASH_SIZE,
    leaf_hash,
    merkle_tree_hash,
    node_hash,
    root_from_leaf_hashes,
)
from accord.ledger.heads import (
    SignedTreeHead,
    Signer,
    TreeHead,
    Verifier,
    sign_tree_head,
    verify_tree_head,
)
from accord.ledger.layout import NodeKey
from accord.ledger.memory import MemoryNodeStore
from accord.ledger.proofs import (
    ConsistencyProof,
    InclusionProof,
    root_from_inclusion_proof,
    verify_consistency,
    verify_inclusion,
)
from accord.ledger.tree import LogTree, NodeReader, NodeRow, NodeWriter, TreeAppender

__all__ = [
    "EMPTY_ROOT",
    "HASH_SIZE",
    "ConsistencyProof",
    "EntryError",
    "HeadLog",
    "InclusionProof",
    "LedgerEntry",
    "LogTree",
    "LogVerification",
    "MemoryNodeStore",
    "NodeKey",
    "NodeReader",
    "NodeRow",
    "NodeWriter",
    "Problem",
    "ProofError",
    "SignedTreeHead",
    "Signer",
    "StoredEntry",
    "StoredHead",
    "StoredNodes",
    "TreeAppender",
    "TreeHead",
    "Verifier",
    "decode_entry",
    "encode_entry",
    "leaf_hash",
    "merkle_tree_hash",
    "node_hash",
    "root_from_inclusion_proof",
    "root_from_leaf_hashes",
    "sign_tree_head",
    "verify_consistency",
    "verify_inclusion",
    "verify_log",
    "verify_stored_log",
    "verify_tree_head",
]
