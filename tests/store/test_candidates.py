"""The candidate stage of matching: which records a query's keys bring up, and how much of
the index it reads (`store.records.find_candidates`)."""

from __future__ import annotations

import pytest
from sqlalchemy import insert, select

from accord.services.node import Node
from accord.store import records as store
from accord.store.tables import record_keys, records
from tests.conftest import person


def _records(node: Node, n: int) -> list[int]:
    """n stored persons without keys of their own; their primary keys in order."""
    with node.engine.begin() as conn:
        for i in range(n):
            store.insert_new_records(conn, [(person(f"P {i}", f"p{i}"), f"P {i}", set())])
        rows = conn.execute(select(records.c.pk).order_by(records.c.pk)).all()
    return [r[0] for r in rows]


def _hold(node: Node, key: tuple[str, str], pks: list[int]) -> None:
    with node.engine.begin() as conn:
        conn.execute(
            insert(record_keys), [{"record_pk": pk, "kind": key[0], "value": key[1]} for pk in pks]
        )


RARE = ("mname", "n:rare")
MID = ("mname", "n:mid")
COMMON = ("mname", "p:common")


def test_records_sharing_rarer_keys_come_first_and_the_cap_holds(node: Node) -> None:
    pks = _records(node, 12)
    _hold(node, RARE, pks[8:10])
    _hold(node, MID, pks[4:10])
    with node.engine.connect() as conn:
        found = store.find_candidates(conn, [RARE, MID], cap=3)
    # pks 8 and 9 hold both keys; then the rest of MID's holders by primary key.
    assert found == [pks[8], pks[9], pks[4]]


def test_a_key_too_common_to_tell_records_apart_is_not_read_beside_rarer_ones(
    node: Node,
) -> None:
    cap = 2
    pks = _records(node, store.COMMON_KEY_FACTOR * cap + 5)
    _hold(node, COMMON, pks)  # more holders than COMMON_KEY_FACTOR * cap
    _hold(node, RARE, pks[-1:])
    with node.engine.connect() as conn:
        assert store.find_candidates(conn, [COMMON, RARE], cap=cap) == [pks[-1]]
        # Alone, the common key still gives candidates: among its first holders.
        assert store.find_candidates(conn, [COMMON], cap=cap) == pks[:cap]


def test_a_query_reads_no_more_postings_than_its_budget(
    node: Node, monkeypatch: pytest.MonkeyPatch
) -> None:
    cap = 2
    share = 20 * cap  # each key below the common limit; three of them fill the budget
    assert share <= store.COMMON_KEY_FACTOR * cap and 3 * share <= store.POSTINGS_FACTOR * cap
    assert 4 * share > store.POSTINGS_FACTOR * cap
    keys = [("mname", f"n:k{i}") for i in range(5)]
    pks = _records(node, share * len(keys) + 1)
    for i, key in enumerate(keys):
        _hold(node, key, pks[i * share : (i + 1) * share])
    last = pks[-1]
    # The last record holds the first key and the most common one, which is read last.
    _hold(node, keys[0], [last])
    _hold(node, keys[-1], [last])
    with node.engine.connect() as conn:
        found = store.find_candidates(conn, keys, cap=cap)
        assert last not in found  # the most common key was past the budget: not read
        monkeypatch.setattr(store, "POSTINGS_FACTOR", 1000)
        assert store.find_candidates(conn, keys, cap=cap)[0] == last


def test_no_keys_or_no_holders_give_no_candidates(node: Node) -> None:
    _records(node, 2)
    with node.engine.connect() as conn:
        assert store.find_candidates(conn, [], cap=5) == []
        assert store.find_candidates(conn, [RARE], cap=5) == []
        assert store.find_candidates(conn, [RARE], cap=0) == []


def test_keys_of_one_evidence_group_count_once_by_the_heaviest_shared(node: Node) -> None:
    pks = _records(node, 6)
    # One part's spellings and sounds: held together by the namesakes (pks 0-3), written
    # so by many; the true record (pk 5) shares one sound of that part and the birth day.
    spelling, sound, skeleton = ("mname", "n:abd"), ("mname", "p:apt"), ("mname", "k:bd")
    day = ("mdate", "d19820428")
    for key in (spelling, sound, skeleton):
        _hold(node, key, pks[0:4])
    _hold(node, sound, pks[5:6])
    _hold(node, day, pks[4:6])
    keys = [spelling, sound, skeleton, day]
    groups = {spelling: 0, sound: 0, skeleton: 0, day: 1}
    with node.engine.connect() as conn:
        # Summed key by key, three keys of one common part outweigh the day and the part.
        assert pks[5] not in store.find_candidates(conn, keys, cap=3)
        # Counted once per group, the record sharing both pieces of evidence comes first.
        assert store.find_candidates(conn, keys, cap=3, groups=groups)[0] == pks[5]
        # A key the groups leave out is a group of its own.
        assert store.find_candidates(conn, keys, cap=3, groups={day: 1})[:1] != [pks[5]]
