import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given, settings
from hypothesis import strategies as st

from accord.ledger import Problem, TreeAppender, TreeHead, leaf_hash, sign_tree_head, verify_log

KEY = Ed25519PrivateKey.generate()


def verifier(message, signature):
    try:
        KEY.public_key().verify(signature, message)
    except InvalidSignature:
        return False
    return True


def log(n, head_sizes):
    """n entries, their recorded leaf hashes, and heads signed at `head_sizes`."""
    entries = [b'{"event": "read", "seq": %d}' % i for i in range(n)]
    appender, heads = TreeAppender(), []
    if 0 in head_sizes:
        heads.append(sign_tree_head(TreeHead(0, appender.root(), 0), KEY.sign))
    for i, entry in enumerate(entries):
        appender.append(entry)
        if i + 1 in head_sizes:
            heads.append(sign_tree_head(TreeHead(i + 1, appender.root(), 1000 + i), KEY.sign))
    return entries, [leaf_hash(e) for e in entries], heads


def every(step, n):
    return set(range(step, n + 1, step)) | {n}


def test_intact_log_verifies_with_and_without_recorded_hashes():
    entries, recorded, heads = log(100, every(10, 100))
    result = verify_log(entries, heads, verifier, recorded=recorded)
    assert result.ok
    assert (result.checked, result.heads_checked, result.verified_size) == (100, 10, 100)
    assert result.first_bad_index is None and result.problem is None
    assert verify_log(iter(entries), reversed(heads), verifier).ok


def test_empty_log_with_the_empty_head_verifies():
    entries, recorded, heads = log(0, {0})
    result = verify_log(entries, heads, verifier, recorded=recorded)
    assert result.ok and result.heads_checked == 1


def test_unsigned_tail_is_intact_but_not_verified():
    entries, recorded, heads = log(30, {10})
    result = verify_log(entries, heads, verifier, recorded=recorded)
    assert result.ok and result.checked == 30 and result.verified_size == 10


def test_altered_entry_is_named_by_index():
    entries, recorded, heads = log(100, every(25, 100))
    entries[37] = b'{"event": "read", "seq": 37, "note": "edited"}'
    result = verify_log(entries, heads, verifier, recorded=recorded)
    assert not result.ok
    assert (result.first_bad_index, result.exact, result.problem) == (37, True, Problem.ALTERED)
    assert result.checked == 100
    assert "entry 37" in result.reason


def test_removed_entry_is_named_by_index():
    entries, recorded, heads = log(100, every(25, 100))
    del entries[51]
    result = verify_log(entries, heads, verifier, recorded=recorded)
    assert (result.first_bad_index, result.exact, result.problem) == (51, True, Problem.REMOVED)


def test_swapped_entries_are_reported_at_the_earlier_index():
    entries, recorded, heads = log(100, every(25, 100))
    entries[12], entries[80] = entries[80], entries[12]
    result = verify_log(entries, heads, verifier, recorded=recorded)
    assert (result.first_bad_index, result.exact, result.problem) == (12, True, Problem.REORDERED)


def test_entry_moved_later_is_reported_where_it_left():
    entries, recorded, heads = log(60, every(20, 60))
    entries.insert(45, entries.pop(8))
    result = verify_log(entries, heads, verifier, recorded=recorded)
    assert (result.first_bad_index, result.problem) == (8, Problem.REORDERED)


def test_inserted_entry_is_named_by_index():
    entries, recorded, heads = log(60, every(20, 60))
    entries.insert(33, b'{"event": "login", "seq": 999}')
    result = verify_log(entries, heads, verifier, recorded=recorded)
    assert (result.first_bad_index, result.exact, result.problem) == (33, True, Problem.INSERTED)


def test_entries_cut_from_the_end_are_reported_where_the_log_stops():
    entries, recorded, heads = log(50, every(10, 50))
    result = verify_log(entries[:43], heads, verifier, recorded=recorded)
    assert (result.first_bad_index, result.exact, result.problem) == (43, True, Problem.REMOVED)


def test_entries_and_recorded_hashes_cut_from_the_end_are_caught_by_a_later_head():
    entries, recorded, heads = log(50, every(10, 50))
    result = verify_log(entries[:40], heads, verifier, recorded=recorded[:40])
    assert (result.first_bad_index, result.exact, result.problem) == (40, True, Problem.REMOVED)
    result = verify_log(entries[:43], heads, verifier)
    assert (result.first_bad_index, result.exact, result.problem) == (43, False, Problem.REMOVED)
    assert result.verified_size == 40


@pytest.mark.parametrize("edit", ["alter", "remove", "swap"])
def test_with_a_head_per_entry_the_heads_alone_name_the_index(edit):
    entries, _, heads = log(40, set(range(41)))
    if edit == "alter":
        entries[17] = b"forged"
    elif edit == "remove":
        del entries[17]
    else:
        entries[17], entries[18] = entries[18], entries[17]
    result = verify_log(entries, heads, verifier)
    assert (result.first_bad_index, result.exact) == (17, True)
    assert result.problem is Problem.ROOT_MISMATCH
    assert result.verified_size == 17


def test_with_sparse_heads_alone_the_fault_is_bounded_by_the_surrounding_heads():
    entries, _, heads = log(100, every(25, 100))
    entries[60] = b"forged"
    result = verify_log(entries, heads, verifier)
    assert (result.verified_size, result.first_bad_index, result.exact) == (50, 74, False)
    assert result.verified_size <= 60 <= result.first_bad_index


def test_entry_rewritten_with_its_recorded_hash_is_caught_by_the_next_head():
    entries, recorded, heads = log(100, every(25, 100))
    entries[60] = b"forged"
    recorded[60] = leaf_hash(b"forged")
    result = verify_log(entries, heads, verifier, recorded=recorded)
    assert result.problem is Problem.ROOT_MISMATCH
    assert result.verified_size <= 60 <= result.first_bad_index
    assert not result.exact


def test_damaged_recorded_hash_with_an_intact_entry_is_told_apart():
    entries, recorded, heads = log(100, every(25, 100))
    recorded[70] = leaf_hash(b"something else")
    result = verify_log(entries, heads, verifier, recorded=recorded)
    assert result.problem is Problem.RECORD_DAMAGED
    assert (result.first_bad_index, result.exact) == (70, True)


def test_entry_and_recorded_hash_both_rewritten_differently_is_bounded():
    entries, recorded, heads = log(100, every(25, 100))
    entries[55] = b"forged"
    recorded[52] = leaf_hash(entries[52] + b"x")
    recorded[55] = leaf_hash(b"other")
    result = verify_log(entries, heads, verifier, recorded=recorded)
    assert (result.first_bad_index, result.exact) == (52, False)
    assert "[50, 52]" in result.reason


def test_fault_after_the_last_head_is_reported_but_not_proven():
    entries, recorded, heads = log(30, {10})
    entries[20] = b"forged"
    result = verify_log(entries, heads, verifier, recorded=recorded)
    assert (result.first_bad_index, result.exact, result.problem) == (20, False, Problem.ALTERED)
    assert "no signed tree head" in result.reason


def test_forged_head_signature_is_detected():
    entries, recorded, heads = log(30, {10, 20, 30})
    forged = sign_tree_head(heads[1].head, Ed25519PrivateKey.generate().sign)
    result = verify_log(entries, [heads[0], forged, heads[2]], verifier, recorded=recorded)
    assert not result.ok
    assert result.problem is Problem.BAD_SIGNATURE
    assert result.first_bad_index is None
    assert result.verified_size == 10
    assert "size 20" in result.reason


def test_validly_signed_head_for_another_tree_is_a_root_mismatch():
    entries, _, heads = log(30, {10, 20})
    other = TreeHead(20, leaf_hash(b"not the root"), heads[1].head.timestamp)
    result = verify_log(entries, [heads[0], sign_tree_head(other, KEY.sign)], verifier)
    assert result.problem is Problem.ROOT_MISMATCH
    assert (result.verified_size, result.first_bad_index, result.heads_checked) == (10, 19, 2)


def test_forged_head_beyond_the_end_of_the_log_is_detected():
    entries, recorded, heads = log(30, {10, 20})
    forged = sign_tree_head(TreeHead(40, heads[1].head.root, 5), Ed25519PrivateKey.generate().sign)
    result = verify_log(entries, [*heads, forged], verifier, recorded=recorded)
    assert result.problem is Problem.BAD_SIGNATURE


def test_fault_before_a_forged_head_cannot_be_proven():
    entries, recorded, heads = log(30, {10, 20})
    entries[15] = b"forged"
    forged = sign_tree_head(heads[1].head, Ed25519PrivateKey.generate().sign)
    result = verify_log(entries, [heads[0], forged], verifier, recorded=recorded)
    assert (result.first_bad_index, result.exact) == (15, False)
    assert "invalid signature" in result.reason


def test_verification_streams_a_generator_once():
    n = 5000
    _, recorded, heads = log(n, every(1000, n))
    entries = (b'{"event": "read", "seq": %d}' % i for i in range(n))
    result = verify_log(entries, heads, verifier, recorded=iter(recorded))
    assert result.ok and result.checked == n and result.verified_size == n


EDITS = ["alter", "remove", "insert", "swap", "move"]
EXPECTED = {
    "alter": Problem.ALTERED,
    "remove": Problem.REMOVED,
    "insert": Problem.INSERTED,
    "swap": Problem.REORDERED,
    "move": Problem.REORDERED,
}


@settings(max_examples=150, deadline=None)
@given(
    st.integers(2, 80).flatmap(
        lambda n: st.tuples(
            st.just(n),
            st.sets(st.integers(1, n)),
            st.sampled_from(EDITS),
            st.integers(0, n - 1),
            st.integers(0, n - 1),
        )
    )
)
def test_any_single_edit_is_named_at_its_first_index(case):
    n, head_sizes, edit, i, j = case
    entries, recorded, heads = log(n, head_sizes | {n})
    low, high = min(i, j), max(i, j)
    if edit in ("swap", "move") and low == high:
        high = low + 1 if low + 1 < n else low - 1
        low, high = min(low, high), max(low, high)
    if edit == "alter":
        entries[low] = b"forged"
    elif edit == "remove":
        del entries[low]
    elif edit == "insert":
        entries.insert(low, b"forged")
    elif edit == "swap":
        entries[low], entries[high] = entries[high], entries[low]
    else:
        entries.insert(high, entries.pop(low))
    result = verify_log(entries, heads, verifier, recorded=recorded)
    assert not result.ok
    assert (result.first_bad_index, result.exact, result.problem) == (low, True, EXPECTED[edit])
    assert result.verified_size <= low
    heads_only = verify_log(entries, heads, verifier)
    assert heads_only.verified_size <= low <= heads_only.first_bad_index
