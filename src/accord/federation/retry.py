"""When to try a partner again: exponential backoff with jitter, and which refusals are final.

The outbox (`services.outbox`) delivers at least once; this module holds the transport's part of
that promise, independent of what the messages mean."""

from __future__ import annotations

import random

from accord.federation.client import PartnerRefused

__all__ = ["RETRYABLE_STATUS", "backoff", "retryable"]

#: Refusals that mean "not now" rather than "never": timeout, too early, too many requests.
RETRYABLE_STATUS = frozenset({408, 425, 429})


def backoff(attempts: int, base: float, cap: float, rng: random.Random | None = None) -> float:
    """Seconds to wait before the next try after `attempts` failed ones: exponential
    (`base`·2^(attempts-1), at most `cap`) with "equal jitter" — a random half of it is added to
    the other half, so that retries to a partner that comes back do not arrive all at once."""
    ceiling = min(cap, base * 2.0 ** max(0, attempts - 1))
    spread: float = (rng or random).uniform(0.0, ceiling / 2)
    return ceiling / 2 + spread


def retryable(refusal: PartnerRefused) -> bool:
    """Whether a partner's refusal may succeed later (anything else ends the message)."""
    return refusal.status_code in RETRYABLE_STATUS
