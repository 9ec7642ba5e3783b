"""The ledger's own error: a proof, tree head or signature that does not verify."""

from __future__ import annotations

from accord.errors import AccordError

__all__ = ["ProofError"]


class ProofError(AccordError):
    """A Merkle proof, signed tree head or log that fails verification; the message says why.

    Every verification function of `accord.ledger` returns nothing on success and raises this
    on failure, including for malformed input (an index beyond the tree, first > second, a proof
    of the wrong length, a hash that is not 32 bytes)."""

    status = 422
    code = "proof_invalid"
