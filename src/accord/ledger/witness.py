"""Witnessing a partner's log (RFC 9162 §8.1, gossip of signed tree heads): how a head a partner
just signed relates to the one this node already holds of it.

Two heads validly signed by the same log must describe one growing history:

- the same size means the same tree, so the same root — two roots for one size is a **fork**;
- a later head never describes a smaller tree — a head that is smaller than one signed before
  it, or larger than one signed after it, is a **shrink** (the log was truncated and re-signed);
- a smaller tree is a prefix of a larger one — checked with a consistency proof
  (RFC 9162 §2.1.4), which only the log can supply, so `assess` says which proof to ask for.

Timestamps are compared with `slack_ms` of tolerance, because two heads signed concurrently by
an honest log (two workers) can be a few milliseconds out of order; a truncated log cannot
hide inside the slack, since it then has to prove consistency with the larger head it signed
and no longer has.

Pure: no I/O. The caller supplies the held head and the incoming one, and acts on the verdict."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from accord.ledger.heads import TreeHead

__all__ = ["ORDER_SLACK_MS", "Assessment", "Verdict", "assess"]

#: Default tolerance on the order of two heads' timestamps, in milliseconds.
ORDER_SLACK_MS = 1000


class Verdict(StrEnum):
    """What an incoming head means against the held one."""

    FIRST = "first"  # nothing held yet: trusted on first sight
    SAME = "same"  # the same tree (perhaps re-signed at another time)
    GROWN = "grown"  # larger and later: prove held -> incoming
    OLDER = "older"  # smaller and earlier (a message delivered late): prove incoming -> held
    FORK = "fork"  # same size, another root
    SHRINK = "shrink"  # timestamps and sizes disagree: the log became smaller


@dataclass(frozen=True, slots=True)
class Assessment:
    """The verdict, why, and for GROWN/OLDER the consistency proof to ask for:
    `(first, second)` sizes, the smaller tree first."""

    verdict: Verdict
    reason: str
    proof: tuple[int, int] | None = None

    @property
    def alarm(self) -> bool:
        return self.verdict in (Verdict.FORK, Verdict.SHRINK)


def assess(held: TreeHead | None, incoming: TreeHead, slack_ms: int = ORDER_SLACK_MS) -> Assessment:
    """Relate `incoming` to `held` (the largest head of the partner proven consistent so far)."""
    if held is None:
        return Assessment(Verdict.FIRST, "first head seen of this log")
    if incoming.size == held.size:
        if incoming.root == held.root:
            return Assessment(Verdict.SAME, "same tree")
        return Assessment(
            Verdict.FORK, f"two different roots for the same tree size {incoming.size}"
        )
    if incoming.size < held.size:
        if incoming.timestamp > held.timestamp + slack_ms:
            return Assessment(
                Verdict.SHRINK,
                f"size {incoming.size} signed at {incoming.timestamp}, after size {held.size} "
                f"was signed at {held.timestamp}",
            )
        return Assessment(
            Verdict.OLDER, "an earlier, smaller head", proof=(incoming.size, held.size)
        )
    if incoming.timestamp + slack_ms < held.timestamp:
        return Assessment(
            Verdict.SHRINK,
            f"size {held.size} signed at {held.timestamp}, after size {incoming.size} "
            f"was signed at {incoming.timestamp}",
        )
    return Assessment(Verdict.GROWN, "a later, larger head", proof=(held.size, incoming.size))
