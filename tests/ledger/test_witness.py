"""How a partner's new signed tree head relates to the one held: one growing history or not."""

from __future__ import annotations

from accord.ledger import TreeHead
from accord.ledger.witness import Verdict, assess

A, B = b"\xaa" * 32, b"\xbb" * 32


def head(size: int, timestamp: int, root: bytes = A) -> TreeHead:
    return TreeHead(size, root, timestamp)


def test_the_first_head_is_taken_on_first_sight() -> None:
    assert assess(None, head(5, 100)).verdict is Verdict.FIRST


def test_the_same_tree_re_signed_is_the_same() -> None:
    assert assess(head(5, 100), head(5, 9000)).verdict is Verdict.SAME


def test_two_roots_for_one_size_are_a_fork_whatever_the_times() -> None:
    found = assess(head(5, 100), head(5, 100, B))
    assert found.verdict is Verdict.FORK and found.alarm


def test_a_larger_later_head_needs_a_proof_from_the_held_size() -> None:
    found = assess(head(5, 100), head(9, 5000))
    assert found.verdict is Verdict.GROWN and found.proof == (5, 9) and not found.alarm


def test_a_smaller_earlier_head_is_a_late_message_and_needs_a_proof_to_the_held_size() -> None:
    found = assess(head(9, 5000), head(5, 100))
    assert found.verdict is Verdict.OLDER and found.proof == (5, 9)


def test_a_smaller_head_signed_later_is_a_shrink() -> None:
    found = assess(head(9, 5000), head(5, 7000), slack_ms=1000)
    assert found.verdict is Verdict.SHRINK and found.alarm and found.proof is None


def test_a_larger_head_signed_earlier_is_a_shrink() -> None:
    assert assess(head(5, 7000), head(9, 5000), slack_ms=1000).verdict is Verdict.SHRINK


def test_concurrent_signing_within_the_slack_is_checked_by_proof_not_alarmed() -> None:
    assert assess(head(9, 5000), head(5, 5400), slack_ms=1000).verdict is Verdict.OLDER
    assert assess(head(5, 5400), head(9, 5000), slack_ms=1000).verdict is Verdict.GROWN
