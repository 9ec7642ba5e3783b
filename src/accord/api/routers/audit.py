"""/api/v1/audit — the ledger's signed tree head, RFC 9162 proofs and entries, and the
partners' ledgers as this node witnessed them."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query

from accord.api.deps import CurrentNode, CurrentPrincipal
from accord.services import audit, witness

router = APIRouter(prefix="/audit", tags=["audit"])


@router.get("/tree-head")
def tree_head(node: CurrentNode, principal: CurrentPrincipal) -> dict[str, Any]:
    """The latest signed tree head (RFC 9162 §4.10 TreeHeadDataV2, Ed25519 signature)."""
    head = audit.tree_head(node)
    return {**head.to_json(), "key_fingerprint": node.signing_fingerprint}


@router.get("/proof/inclusion")
def inclusion(
    node: CurrentNode,
    principal: CurrentPrincipal,
    index: int = Query(description="Entry index, 0-based."),
    tree_size: int = Query(description="Size of the tree the proof is against."),
) -> dict[str, object]:
    """Audit path of entry `index` in the tree of `tree_size` entries (RFC 9162 §2.1.3)."""
    return audit.inclusion_proof(node, index, tree_size).to_json()


@router.get("/proof/consistency")
def consistency(
    node: CurrentNode,
    principal: CurrentPrincipal,
    first: int = Query(description="Size of the older tree."),
    second: int = Query(description="Size of the newer tree."),
) -> dict[str, object]:
    """Proof that the first `first` entries are a prefix of the first `second` (RFC 9162 §2.1.4)."""
    return audit.consistency_proof(node, first, second).to_json()


@router.get("/verify")
def verify(node: CurrentNode, principal: CurrentPrincipal) -> dict[str, Any]:
    """Check the whole stored ledger (what `accord audit verify` does): every entry, every
    signed head and the consistency of consecutive heads. `ok` with `verified_size` entries
    proven intact, or where the first fault lies and what it is."""
    found = audit.verify(node)
    return {
        "ok": found.ok,
        "checked": found.checked,
        "heads_checked": found.heads_checked,
        "verified_size": found.verified_size,
        "first_bad_index": found.first_bad_index,
        "exact": found.exact,
        "problem": found.problem.value if found.problem is not None else None,
        "reason": found.reason,
        "head_size": found.head_size,
    }


@router.get("/entries")
def entries(
    node: CurrentNode,
    principal: CurrentPrincipal,
    start: int = Query(description="First index, inclusive."),
    end: int = Query(description="Last index, exclusive; at most start + 1000."),
) -> list[dict[str, Any]]:
    """Ledger entries with their canonical payloads and leaf hashes."""
    return audit.entries(node, start, end)


@router.get("/witness")
def witnessed(node: CurrentNode, principal: CurrentPrincipal) -> list[dict[str, Any]]:
    """Each partner's ledger as this node witnessed it (RFC 9162 §8.1): the largest signed tree
    head proven consistent, when it was witnessed, and the state — `consistent`, `forked`,
    `shrunk` or `never seen` — with the evidence of an alarm."""
    return [p.to_dict() for p in witness.witness_state(node)]
