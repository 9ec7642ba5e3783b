"""The messaging store's contract, on every backend: messages and their states, attachments
kept once per address, replies found, MLA states derived from the latest step, and case
membership as joins and departures."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy.exc import IntegrityError

from accord.services.node import Node
from accord.store import messaging as store
from accord.store.messaging import CaseRow, MessageRow, MlaRow

AT = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def message(mid: str, *, reply_to: str | None = None, thread: str = "t1") -> MessageRow:
    return MessageRow(
        message_id=mid,
        direction="outgoing",
        kind="reply" if reply_to else "rfi",
        thread_id=thread,
        in_reply_to=reply_to,
        case_reference=None,
        case_id=None,
        mla_id=None,
        partner_node="nl-politie",
        partner_agency="NL-POLITIE",
        priority="urgent",
        deadline=AT + timedelta(hours=24),
        sealed="e30.e30.e30.e30.e30",
        digest="0" * 64,
        sent_at=AT,
        created_at=AT,
        created_by="user:kim@DE-BKA",
    )


def test_messages_states_and_replies(node: Node) -> None:
    with node.engine.begin() as conn:
        pk = store.insert_message(conn, message("m1"))
        store.add_state(conn, pk, "queued", AT, "kim", {})
        store.add_state(conn, pk, "delivered", AT, "outbox", {"answer_digest": "x"})
        store.insert_message(conn, message("m2", reply_to="m1"))
    with node.engine.connect() as conn:
        got = store.get_message(conn, "m1")
        assert got is not None and got.deadline == AT + timedelta(hours=24)
        assert [s.state for s in store.states(conn, [pk])[pk]] == ["queued", "delivered"]
        assert store.answered(conn, ["m1", "m2"]) == {"m1"}
        assert [m.message_id for m in store.list_messages(conn, thread_id="t1")] == ["m2", "m1"]
    with pytest.raises(IntegrityError), node.engine.begin() as conn:
        store.insert_message(conn, message("m1"))


def test_an_attachment_is_kept_once_per_address(node: Node) -> None:
    with node.engine.begin() as conn:
        pk = store.insert_message(conn, message("m3"))
        for _ in range(2):
            store.put_attachment(conn, "a" * 64, 3, b"sealed-1", AT)
            store.link_file(conn, pk, "a" * 64)
        store.put_attachment(conn, "a" * 64, 3, b"sealed-2", AT)
    with node.engine.connect() as conn:
        assert store.attachment(conn, "a" * 64) == b"sealed-1"
        assert store.message_has_file(conn, pk, "a" * 64)
        assert not store.message_has_file(conn, pk, "b" * 64)


def test_an_mla_request_s_state_is_its_latest_step(node: Node) -> None:
    row = MlaRow(
        mla_id="mla1",
        direction="outgoing",
        partner_node="nl-politie",
        requesting_agency="DE-BKA",
        requested_agency="NL-POLITIE",
        legal_basis="eu-2000",
        crime_area="fraud",
        urgency="routine",
        deadline=AT + timedelta(days=30),
        form={"measures": [{"type": "bank_records"}]},
        created_at=AT,
        created_by="kim",
    )
    with node.engine.begin() as conn:
        pk = store.insert_mla(conn, row)
        for state in ("draft", "sent", "acknowledged"):
            store.add_mla_transition(conn, pk, state, AT, "kim", {})
    with node.engine.connect() as conn:
        got = store.get_mla(conn, "mla1")
        assert got is not None and got.state == "acknowledged"
        assert [m.mla_id for m in store.list_mla(conn, direction="outgoing")] == ["mla1"]
        assert len(store.mla_transitions_of(conn, [pk])[pk]) == 3


def test_case_membership_follows_joins_and_departures(node: Node) -> None:
    case = CaseRow(
        case_id="case1",
        reference="JIT-1",
        title="JIT-1",
        lead_agency="DE-BKA",
        legal_basis="jit-x",
        crime_area="thb",
        valid_from=date(2026, 1, 1),
        valid_until=None,
        created_at=AT,
        created_by="kim",
    )
    with node.engine.begin() as conn:
        pk = store.insert_case(conn, case)
        for agency, action in (
            ("DE-BKA", "joined"),
            ("NL-POLITIE", "joined"),
            ("UA-NPU", "joined"),
            ("UA-NPU", "left"),
        ):
            store.add_member_change(conn, pk, agency, action, AT, "kim")
    with node.engine.connect() as conn:
        members, history = store.members(conn, pk)
        assert members == ["DE-BKA", "NL-POLITIE"] and len(history) == 4
