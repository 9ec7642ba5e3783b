import pytest

from accord.ledger.layout import (
    consistency_plan,
    consistency_proof_size,
    inclusion_plan,
    inclusion_proof_size,
    range_keys,
    root_keys,
)

from .vectors import vectors


def _as_plan(nodes, rehash):
    """Turn the Go project's node list (with its rehashed range, smallest subtree first) into
    our plan: one group of perfect subtrees per proof hash, largest first."""
    ids = [tuple(n) for n in nodes]
    if rehash is None:
        return [[i] for i in ids]
    begin, end = rehash
    return [[i] for i in ids[:begin]] + [ids[begin:end][::-1]] + [[i] for i in ids[end:]]


def test_inclusion_plans_name_the_same_stored_nodes_as_the_reference():
    for v in vectors()["inclusion_nodes"]:
        plan = inclusion_plan(v["leaf_index"], v["tree_size"])
        assert plan == _as_plan(v["nodes"], v["rehash"]), v


def test_consistency_plans_name_the_same_stored_nodes_as_the_reference():
    for v in vectors()["consistency_nodes"]:
        plan = consistency_plan(v["first"], v["second"])
        assert plan == _as_plan(v["nodes"], v["rehash"]), v


def test_root_keys_are_one_perfect_subtree_per_set_bit_of_the_size():
    assert root_keys(0) == []
    assert root_keys(1) == [(0, 0)]
    assert root_keys(8) == [(3, 0)]
    assert root_keys(13) == [(3, 0), (2, 2), (0, 12)]


def test_range_keys_rejects_a_range_that_is_not_an_rfc_subtree():
    with pytest.raises(ValueError, match="not a subtree"):
        range_keys(1, 5)


def test_closed_form_proof_sizes_equal_the_plan_lengths():
    for size in range(1, 200):
        for index in range(size):
            assert inclusion_proof_size(index, size) == len(inclusion_plan(index, size))
        for first in range(1, size):
            assert consistency_proof_size(first, size) == len(consistency_plan(first, size))


def test_plans_fetch_logarithmically_many_nodes_for_huge_trees():
    size = 10_000_000_019
    keys = [k for group in inclusion_plan(size - 2, size) for k in group]
    assert len(keys) <= 2 * size.bit_length()
    keys = [k for group in consistency_plan(size // 3, size) for k in group]
    assert len(keys) <= 2 * size.bit_length()
