import pytest

from accord.errors import ValidationError
from accord.ledger import (
    EMPTY_ROOT,
    LogTree,
    MemoryNodeStore,
    TreeAppender,
    leaf_hash,
    merkle_tree_hash,
)

from . import rfc9162_naive as naive
from .vectors import hexes, leaves, roots, vectors


class CountingReader:
    """Wraps a store and records every batch of keys asked for."""

    def __init__(self, store):
        self.store = store
        self.calls = []

    def get_nodes(self, keys):
        self.calls.append(list(keys))
        return self.store.get_nodes(keys)


def stored(entries):
    store, appender = MemoryNodeStore(), TreeAppender()
    for entry in entries:
        store.put_nodes(appender.append(entry))
    return store, appender


def test_appending_the_reference_leaves_gives_the_published_roots():
    appender = TreeAppender()
    assert appender.root() == EMPTY_ROOT
    for size, entry in enumerate(leaves(), start=1):
        appender.append(entry)
        assert appender.size == size
        assert appender.root() == roots()[size]


def test_append_writes_the_leaf_and_each_subtree_it_completes():
    appender = TreeAppender()
    assert appender.append(b"a") == [(0, 0, leaf_hash(b"a"))]
    rows = appender.append(b"b")
    assert [(level, index) for level, index, _ in rows] == [(0, 1), (1, 0)]
    appender.extend([b"c"] * 5)
    rows = appender.append(b"h")  # leaf 7 completes subtrees at levels 1, 2 and 3
    assert [(level, index) for level, index, _ in rows] == [(0, 7), (1, 3), (2, 1), (3, 0)]
    assert rows[-1][2] == appender.root()


def test_append_writes_fewer_than_two_rows_per_leaf_on_average():
    for n in (1, 7, 64, 1000, 4097):
        rows = TreeAppender().extend(b"%d" % i for i in range(n))
        assert len(rows) == 2 * n - n.bit_count()


def test_append_hash_rejects_a_hash_of_the_wrong_size():
    with pytest.raises(ValueError, match="32 bytes"):
        TreeAppender().append_hash(b"short")


def test_appender_rejects_an_edge_that_does_not_fit_the_size():
    with pytest.raises(ValueError, match="edge subtrees"):
        TreeAppender(3, [EMPTY_ROOT])


def test_loaded_appender_continues_exactly_where_the_stored_tree_ends():
    entries = [b"e%d" % i for i in range(45)]
    for cut in (0, 1, 12, 31, 32, 44):
        store, _ = stored(entries[:cut])
        reader = CountingReader(store)
        resumed = TreeAppender.load(reader, cut)
        assert len(reader.calls) <= 1
        store.put_nodes(resumed.extend(entries[cut:]))
        assert resumed.root() == merkle_tree_hash(entries)
        assert LogTree(store, 45).root() == resumed.root()


def test_generated_proofs_equal_every_derived_vector():
    store, _ = stored(leaves())
    tree = LogTree(store, 8)
    for v in vectors()["derived"]["inclusion"]:
        proof = tree.inclusion_proof(v["leaf_index"], v["tree_size"])
        assert list(proof.path) == hexes(v["path"])
    for v in vectors()["derived"]["consistency"]:
        proof = tree.consistency_proof(v["first"], v["second"])
        assert list(proof.path) == hexes(v["path"])


def test_generated_proofs_equal_the_published_vectors():
    store, _ = stored(leaves())
    tree = LogTree(store, 8)
    for v in vectors()["inclusion"]:
        assert list(tree.inclusion_proof(v["leaf_index"], v["tree_size"]).path) == hexes(v["path"])
    for v in vectors()["consistency"]:
        assert list(tree.consistency_proof(v["first"], v["second"]).path) == hexes(v["path"])


def test_derived_vectors_agree_with_the_naive_rfc_transcription():
    data = leaves()
    for v in vectors()["derived"]["inclusion"]:
        expected = naive.path(v["leaf_index"], data[: v["tree_size"]])
        assert hexes(v["path"]) == expected
    for v in vectors()["derived"]["consistency"]:
        assert hexes(v["path"]) == naive.proof(v["first"], data[: v["second"]])


def test_roots_and_proofs_for_every_past_size_match_the_naive_transcription():
    entries = [b"record %d" % i for i in range(40)]
    store, _ = stored(entries)
    tree = LogTree(store, len(entries))
    for size in range(len(entries) + 1):
        assert tree.root(size) == naive.mth(entries[:size])
        for index in range(size):
            assert list(tree.inclusion_proof(index, size).path) == naive.path(index, entries[:size])
        for first in range(1, size):
            assert list(tree.consistency_proof(first, size).path) == naive.proof(
                first, entries[:size]
            )


def test_each_root_or_proof_reads_storage_once():
    store, _ = stored(b"%d" % i for i in range(1000))
    reader = CountingReader(store)
    tree = LogTree(reader, 1000)
    tree.root(999)
    tree.inclusion_proof(517, 999)
    tree.consistency_proof(300, 999)
    assert len(reader.calls) == 3
    assert all(len(keys) <= 2 * 10 for keys in reader.calls)


def test_trivial_consistency_proofs_are_empty_and_read_nothing():
    store, _ = stored([b"a", b"b", b"c"])
    reader = CountingReader(store)
    tree = LogTree(reader, 3)
    assert tree.consistency_proof(0).path == ()
    assert tree.consistency_proof(2, 2).path == ()
    assert reader.calls == []


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda t: t.inclusion_proof(5, 5), "index"),
        (lambda t: t.inclusion_proof(-1, 5), "index"),
        (lambda t: t.inclusion_proof(0, 11), "tree_size"),
        (lambda t: t.inclusion_proof(0, 0), "tree_size"),
        (lambda t: t.consistency_proof(6, 5), "first"),
        (lambda t: t.consistency_proof(-1, 5), "first"),
        (lambda t: t.consistency_proof(1, 11), "second"),
        (lambda t: t.root(11), "tree_size"),
        (lambda t: t.root(-1), "tree_size"),
        (lambda t: t.leaf_hash(10), "index"),
    ],
)
def test_out_of_range_parameters_are_refused_naming_the_api_parameter(call, field):
    store, _ = stored(b"%d" % i for i in range(10))
    with pytest.raises(ValidationError) as error:
        call(LogTree(store, 10))
    assert error.value.errors[0].field == field
    assert error.value.status == 422


def test_a_node_missing_from_storage_surfaces_as_key_error():
    store, _ = stored([b"a", b"b", b"c"])
    with pytest.raises(KeyError):
        LogTree(store, 4).root()


def test_a_reader_that_returns_too_few_hashes_is_detected():
    class Short:
        def get_nodes(self, keys):
            return []

    with pytest.raises(LookupError, match="returned 0 hashes"):
        LogTree(Short(), 5).root()
