from hashlib import sha256

from hypothesis import given
from hypothesis import strategies as st

from accord.ledger import (
    EMPTY_ROOT,
    leaf_hash,
    merkle_tree_hash,
    node_hash,
    root_from_leaf_hashes,
)
from accord.ledger.hashing import largest_power_of_two_below

from .rfc9162_naive import k_of, mth
from .vectors import leaves, roots, vectors


def test_empty_tree_root_is_sha256_of_the_empty_string():
    assert sha256(b"").digest() == EMPTY_ROOT
    assert merkle_tree_hash([]) == EMPTY_ROOT
    assert roots()[0] == EMPTY_ROOT


def test_leaf_hashes_match_published_vectors():
    for v in vectors()["leaf_hashes"]:
        assert leaf_hash(bytes.fromhex(v["data"])).hex() == v["hash"]


def test_node_hash_matches_published_vector():
    for v in vectors()["node_hashes"]:
        got = node_hash(bytes.fromhex(v["left"]), bytes.fromhex(v["right"]))
        assert got.hex() == v["hash"]


def test_empty_leaf_differs_from_empty_tree():
    assert leaf_hash(b"") != EMPTY_ROOT


def test_leaf_and_node_hashes_are_domain_separated():
    left, right = leaf_hash(b"Hello"), leaf_hash(b"World")
    assert node_hash(left, right) != leaf_hash(left + right)
    assert node_hash(left, right) != node_hash(right, left)


def test_root_of_every_prefix_of_the_reference_tree_matches_published_roots():
    data = leaves()
    for size, root in enumerate(roots()):
        assert merkle_tree_hash(data[:size]) == root


def test_root_from_leaf_hashes_equals_root_of_entries():
    data = leaves()
    assert root_from_leaf_hashes(leaf_hash(d) for d in data) == roots()[8]


def test_largest_power_of_two_below_matches_the_rfc_definition():
    for n in range(2, 2000):
        assert largest_power_of_two_below(n) == k_of(n)


@given(st.lists(st.binary(max_size=8), max_size=70))
def test_streamed_root_equals_the_recursive_definition(entries):
    assert merkle_tree_hash(entries) == mth(entries)
