"""Federation storage on every backend: outbox leases, follow-up state from transitions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from accord.services.node import Node
from accord.store import federation as store
from accord.store.federation import FollowUpRow

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def test_a_leased_message_is_not_claimed_twice_until_its_lease_ends(node: Node) -> None:
    with node.engine.begin() as conn:
        store.enqueue(
            conn,
            message_id="msg_1",
            recipient="nl-politie",
            kind="follow_up.request",
            subject="fu_1",
            method="POST",
            path="/federation/v1/follow-ups",
            body=b"{}",
            at=NOW,
        )
    with node.engine.begin() as conn:
        first = store.claim_due(conn, NOW, NOW + timedelta(seconds=60), 10)
    with node.engine.begin() as conn:
        second = store.claim_due(conn, NOW + timedelta(seconds=1), NOW + timedelta(seconds=61), 10)
    with node.engine.begin() as conn:
        third = store.claim_due(conn, NOW + timedelta(seconds=61), NOW + timedelta(seconds=121), 10)
    assert [m.message_id for m in first] == ["msg_1"] and second == []
    assert [m.message_id for m in third] == ["msg_1"]
    with node.engine.begin() as conn:
        store.mark_delivered(conn, third[0].id, NOW)
        assert store.claim_due(conn, NOW + timedelta(days=1), NOW + timedelta(days=2), 10) == []
        (done,) = store.list_outbox(conn, "delivered")
    assert done.attempts == 1 and done.body == b"{}"


def test_a_follow_up_is_in_the_state_of_its_latest_transition(node: Node) -> None:
    row = FollowUpRow(
        follow_up_id="fu_1",
        direction="incoming",
        partner="de-bka",
        partner_agency="DE-BKA",
        reference="ref_1",
        purpose="investigation",
        case_reference="case",
        crime_area="thb",
        legal_basis="MoU",
        justification="needed",
        deadline=NOW + timedelta(days=5),
        created_at=NOW,
        created_by="node:de-bka@DE-BKA",
    )
    with node.engine.begin() as conn:
        pk = store.insert_follow_up(conn, row)
        store.add_transition(conn, pk, "pending", NOW, "node:de-bka@DE-BKA", {})
        store.add_transition(conn, pk, "approved", NOW, "user:olena@UA-NPU", {"items": []})
    with node.engine.connect() as conn:
        found = store.get_follow_up(conn, "fu_1")
        assert found is not None and found.state == "approved"
        assert found.deadline == NOW + timedelta(days=5)
        assert [f.follow_up_id for f in store.list_follow_ups(conn, states=["approved"])] == [
            "fu_1"
        ]
        assert store.list_follow_ups(conn, states=["pending"]) == []
        assert [t.state for t in store.transitions(conn, pk)] == ["pending", "approved"]


def test_a_receipt_answers_a_repeated_request_id(node: Node) -> None:
    with node.engine.begin() as conn:
        assert store.get_receipt(conn, "de-bka", "msg_1") is None
        store.insert_receipt(conn, "de-bka", "msg_1", 202, b'{"state":"pending"}', NOW)
    with node.engine.connect() as conn:
        assert store.get_receipt(conn, "de-bka", "msg_1") == (202, b'{"state":"pending"}')
        assert store.get_receipt(conn, "nl-politie", "msg_1") is None
