from hashlib import sha256

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from accord.errors import ValidationError
from accord.ledger import (
    EMPTY_ROOT,
    ConsistencyProof,
    InclusionProof,
    LogTree,
    MemoryNodeStore,
    ProofError,
    TreeAppender,
    leaf_hash,
    root_from_inclusion_proof,
    verify_consistency,
    verify_inclusion,
)

from .vectors import hexes, leaves, roots, vectors

SOME_HASH = bytes.fromhex("abacaba000000000000000000000000000000000000000000060061e00123456")


def build(n):
    store, appender = MemoryNodeStore(), TreeAppender()
    store.put_nodes(appender.extend(b"entry %d" % i for i in range(n)))
    return LogTree(store, n)


def flip(data, position, mask=0x08):
    return data[:position] + bytes((data[position] ^ mask,)) + data[position + 1 :]


def rejects(check, *args):
    try:
        check(*args)
    except ProofError:
        return True
    return False


def inclusion_probes(index, size, proof, leaf, root):
    """Tampered variants of a valid inclusion proof, after the reference project's tests."""
    probes = [
        (index - 1, size, proof, leaf, root),
        (index + 1, size, proof, leaf, root),
        (index ^ 2, size, proof, leaf, root),
        (index, size * 2, proof, leaf, root),
        (index, size // 2, proof, leaf, root),
        (index, size, proof, sha256(b"WrongLeaf").digest(), root),
        (index, size, proof, leaf, EMPTY_ROOT),
        (index, size, proof, leaf, SOME_HASH),
        (index, size, [*proof, b""], leaf, root),
        (index, size, [*proof, root], leaf, root),
        (index, size, [b"", *proof], leaf, root),
        (index, size, [root, *proof], leaf, root),
    ]
    for i in range(len(proof)):
        probes.append((index, size, [*proof[:i], flip(proof[i], 0), *proof[i + 1 :]], leaf, root))
    if proof:
        probes.append((index, size, proof[:-1], leaf, root))
    if len(proof) > 1:
        probes.append((index, size, [proof[0], SOME_HASH, *proof[1:]], leaf, root))
    return [p for p in probes if (p[0], p[1]) != (index, size) or p[2:] != (proof, leaf, root)]


def consistency_probes(first, second, proof, root1, root2):
    probes = [
        (first - 1, second, proof, root1, root2),
        (first + 1, second, proof, root1, root2),
        (first ^ 2, second, proof, root1, root2),
        (first, second * 2, proof, root1, root2),
        (first, second // 2, proof, root1, root2),
        (first, second, proof, sha256(b"WrongRoot").digest(), root2),
        (first, second, proof, root1, sha256(b"WrongRoot").digest()),
        (first, second, proof, root2, root1),
        (first, second, [], root1, root2),
        (first, second, [*proof, b""], root1, root2),
        (first, second, [*proof, root1], root1, root2),
        (first, second, [*proof, root2], root1, root2),
        (first, second, [b"", *proof], root1, root2),
        (first, second, [root1, *proof], root1, root2),
        (first, second, [root2, *proof], root1, root2),
        (first, second, [proof[0], *proof], root1, root2),
        (first, second, proof[:-1], root1, root2),
    ]
    for i in range(len(proof)):
        tampered = [*proof[:i], flip(proof[i], 0, 0x10), *proof[i + 1 :]]
        probes.append((first, second, tampered, root1, root2))
    return probes


def test_published_inclusion_proofs_verify():
    data, root = leaves(), roots()
    for v in vectors()["inclusion"]:
        index, size, proof = v["leaf_index"], v["tree_size"], hexes(v["path"])
        leaf = leaf_hash(data[index])
        assert root_from_inclusion_proof(index, size, proof, leaf) == root[size]
        verify_inclusion(index, size, proof, leaf, root[size])


def test_tampered_published_inclusion_proofs_are_rejected():
    data, root = leaves(), roots()
    for v in vectors()["inclusion"]:
        index, size, proof = v["leaf_index"], v["tree_size"], hexes(v["path"])
        probes = inclusion_probes(index, size, proof, leaf_hash(data[index]), root[size])
        for probe in probes:
            assert rejects(verify_inclusion, *probe), probe


def test_published_consistency_proofs_verify():
    root = roots()
    for v in vectors()["consistency"]:
        first, second, proof = v["first"], v["second"], hexes(v["path"])
        verify_consistency(first, second, proof, root[first], root[second])


def test_tampered_published_consistency_proofs_are_rejected():
    root = roots()
    for v in vectors()["consistency"]:
        first, second, proof = v["first"], v["second"], hexes(v["path"])
        if not proof:
            continue
        for probe in consistency_probes(first, second, proof, root[first], root[second]):
            assert rejects(verify_consistency, *probe), probe


def test_every_derived_proof_of_the_reference_tree_verifies():
    data, root = leaves(), roots()
    for v in vectors()["derived"]["inclusion"]:
        index, size = v["leaf_index"], v["tree_size"]
        verify_inclusion(index, size, hexes(v["path"]), leaf_hash(data[index]), root[size])
    for v in vectors()["derived"]["consistency"]:
        first, second = v["first"], v["second"]
        verify_consistency(first, second, hexes(v["path"]), root[first], root[second])


@pytest.mark.parametrize(
    ("first", "second", "root1", "root2", "proof", "ok"),
    [
        (0, 0, EMPTY_ROOT, EMPTY_ROOT, [], True),
        (0, 1, EMPTY_ROOT, SOME_HASH, [], True),
        (1, 1, SOME_HASH, SOME_HASH, [], True),
        (0, 0, SOME_HASH, SOME_HASH, [], False),  # size 0 has only the empty root
        (0, 1, SOME_HASH, SOME_HASH, [], False),
        (1, 1, SOME_HASH, EMPTY_ROOT, [], False),  # same size, two roots
        (1, 0, SOME_HASH, SOME_HASH, [], False),  # time travel to the past
        (2, 1, SOME_HASH, SOME_HASH, [], False),
        (1, 2, SOME_HASH, EMPTY_ROOT, [], False),  # empty proof between different sizes
        (0, 0, EMPTY_ROOT, EMPTY_ROOT, [EMPTY_ROOT], False),  # roots match, proof not empty
        (0, 1, EMPTY_ROOT, EMPTY_ROOT, [EMPTY_ROOT], False),
        (1, 1, EMPTY_ROOT, EMPTY_ROOT, [EMPTY_ROOT], False),
        (-1, 1, EMPTY_ROOT, EMPTY_ROOT, [], False),
        (1, 1, b"short", b"short", [], False),
    ],
)
def test_consistency_edge_cases(first, second, root1, root2, proof, ok):
    assert rejects(verify_consistency, first, second, proof, root1, root2) is not ok


@pytest.mark.parametrize(("index", "size"), [(0, 0), (1, 0), (2, 1), (1, 1), (-1, 1)])
def test_inclusion_outside_the_tree_is_rejected(index, size):
    with pytest.raises(ProofError):
        verify_inclusion(index, size, [], SOME_HASH, SOME_HASH)


def test_inclusion_in_a_single_leaf_tree_needs_the_leaf_to_be_the_root():
    h = leaf_hash(b"data")
    verify_inclusion(0, 1, [], h, h)
    assert rejects(verify_inclusion, 0, 1, [], h, SOME_HASH)
    assert rejects(verify_inclusion, 0, 1, [], b"", h)
    assert rejects(verify_inclusion, 0, 1, [], h, b"")


def test_proof_of_the_wrong_length_is_rejected_with_a_clear_reason():
    tree = build(8)
    proof = tree.inclusion_proof(3, 8).path
    with pytest.raises(ProofError, match="has 2 hashes, expected 3"):
        verify_inclusion(3, 8, proof[:2], tree.leaf_hash(3), tree.root(8))
    with pytest.raises(ProofError, match=r"\[1\] is 31 bytes"):
        verify_inclusion(3, 8, [proof[0], proof[1][:31], proof[2]], tree.leaf_hash(3), tree.root())


def test_exhaustively_every_single_byte_change_breaks_small_proofs():
    for size in range(1, 18):
        tree = build(size)
        root = tree.root()
        for index in range(size):
            proof, leaf = list(tree.inclusion_proof(index).path), tree.leaf_hash(index)
            for i, element in enumerate(proof):
                for pos in range(32):
                    tampered = [*proof[:i], flip(element, pos, 0x01), *proof[i + 1 :]]
                    assert rejects(verify_inclusion, index, size, tampered, leaf, root)
            for pos in range(32):
                assert rejects(verify_inclusion, index, size, proof, flip(leaf, pos), root)
                assert rejects(verify_inclusion, index, size, proof, leaf, flip(root, pos))
        for first in range(1, size):
            proof, root1 = list(tree.consistency_proof(first).path), tree.root(first)
            for i, element in enumerate(proof):
                for pos in range(32):
                    tampered = [*proof[:i], flip(element, pos, 0x80), *proof[i + 1 :]]
                    assert rejects(verify_consistency, first, size, tampered, root1, root)
            for pos in range(32):
                assert rejects(verify_consistency, first, size, proof, flip(root1, pos), root)
                assert rejects(verify_consistency, first, size, proof, root1, flip(root, pos))


byte_change = st.tuples(st.integers(0, 10**6), st.integers(0, 31), st.integers(1, 255))


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 300), st.data())
def test_every_inclusion_proof_verifies_and_any_changed_byte_breaks_it(size, data):
    tree = build(size)
    root = tree.root()
    for index in range(size):
        proof, leaf = list(tree.inclusion_proof(index).path), tree.leaf_hash(index)
        verify_inclusion(index, size, proof, leaf, root)
        which, pos, mask = data.draw(byte_change)
        target = which % (len(proof) + 2)
        if target < len(proof):
            proof[target] = flip(proof[target], pos, mask)
        elif target == len(proof):
            leaf = flip(leaf, pos, mask)
        else:
            root = flip(root, pos, mask)
        assert rejects(verify_inclusion, index, size, proof, leaf, root)
        root = tree.root()


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 300), st.data())
def test_every_consistency_proof_verifies_and_any_changed_byte_breaks_it(size, data):
    tree = build(size)
    root2 = tree.root()
    for first in range(size + 1):
        proof, root1 = list(tree.consistency_proof(first).path), tree.root(first)
        verify_consistency(first, size, proof, root1, root2)
        if first in (0, size):
            continue
        which, pos, mask = data.draw(byte_change)
        target = which % (len(proof) + 2)
        tampered_root2 = root2
        if target < len(proof):
            proof[target] = flip(proof[target], pos, mask)
        elif target == len(proof):
            root1 = flip(root1, pos, mask)
        else:
            tampered_root2 = flip(root2, pos, mask)
        assert rejects(verify_consistency, first, size, proof, root1, tampered_root2)


def test_inclusion_proof_json_round_trips_in_base64():
    proof = build(5).inclusion_proof(2, 5)
    data = proof.to_json()
    assert set(data) == {"leaf_index", "tree_size", "inclusion_path"}
    assert all(isinstance(h, str) and len(h) == 44 for h in data["inclusion_path"])
    assert InclusionProof.from_json(data) == proof


def test_consistency_proof_json_round_trips_in_base64():
    proof = build(7).consistency_proof(3, 7)
    data = proof.to_json()
    assert set(data) == {"tree_size_1", "tree_size_2", "consistency_path"}
    assert ConsistencyProof.from_json(data) == proof


def test_proof_objects_verify_themselves():
    tree = build(9)
    tree.inclusion_proof(4).verify(tree.leaf_hash(4), tree.root())
    tree.consistency_proof(4).verify(tree.root(4), tree.root())
    with pytest.raises(ProofError):
        tree.consistency_proof(4).verify(tree.root(5), tree.root())


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"tree_size": 3, "inclusion_path": []}, "leaf_index"),
        ({"leaf_index": 3, "tree_size": 3, "inclusion_path": []}, "leaf_index"),
        ({"leaf_index": True, "tree_size": 3, "inclusion_path": []}, "leaf_index"),
        ({"leaf_index": 0, "tree_size": -1, "inclusion_path": []}, "tree_size"),
        ({"leaf_index": 0, "tree_size": 3, "inclusion_path": "AAAA"}, "inclusion_path"),
        ({"leaf_index": 0, "tree_size": 3, "inclusion_path": ["AAAA"]}, "inclusion_path[0]"),
        ({"leaf_index": 0, "tree_size": 3, "inclusion_path": ["not base64!"]}, "inclusion_path[0]"),
    ],
)
def test_malformed_inclusion_proof_json_names_the_field(data, field):
    with pytest.raises(ValidationError) as error:
        InclusionProof.from_json(data)
    assert [e.field for e in error.value.errors] == [field]


def test_consistency_proof_json_with_first_above_second_is_rejected():
    with pytest.raises(ValidationError) as error:
        ConsistencyProof.from_json({"tree_size_1": 5, "tree_size_2": 4, "consistency_path": []})
    assert error.value.errors[0].field == "tree_size_1"
