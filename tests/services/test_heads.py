"""Tree heads signed without being asked, kept in the head log, never over a rewritten log."""

from __future__ import annotations

import json
import logging
import time

import pytest
from sqlalchemy import func, select, text, update

from accord.services import audit
from accord.services.audit import Event
from accord.services.heads import HeadSigner, LedgerTampered, head_log
from accord.services.node import Node, open_node
from accord.store.db import downgrade
from accord.store.tables import ledger_entries, ledger_heads, ledger_nodes


def append(node: Node, n: int = 1) -> None:
    for i in range(n):
        with node.engine.begin() as conn:
            audit.record_events(conn, [(Event.SEARCH, "user:anna@DE-BKA", {"query": f"q{i}"})])


def head_sizes(node: Node) -> list[int]:
    with node.engine.connect() as conn:
        return list(
            conn.execute(select(ledger_heads.c.size).order_by(ledger_heads.c.size)).scalars()
        )


def logged_sizes(node: Node) -> list[int]:
    return [json.loads(line)["tree_size"] for line in head_log(node).read_text().splitlines()]


def wait_for(condition: object, seconds: float = 5.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return True
        time.sleep(0.02)
    return False


def with_settings(node: Node, **values: object) -> Node:
    return open_node(node.settings.model_copy(update=values))


def test_a_head_is_signed_within_the_interval_after_an_append(node: Node) -> None:
    fast = with_settings(node, ledger_head_every_seconds=0.05)
    signer = HeadSigner(fast).start()
    try:
        append(fast, 3)
        assert wait_for(lambda: head_sizes(fast) == [3])
        assert logged_sizes(fast) == [3]
    finally:
        signer.stop()
    assert audit.verify(fast).ok


def test_a_head_is_signed_when_the_entry_threshold_is_crossed(node: Node) -> None:
    slow = with_settings(node, ledger_head_every_seconds=3600, ledger_head_every_entries=5)
    signer = HeadSigner(slow).start()
    try:
        append(slow, 4)
        time.sleep(0.2)
        assert head_sizes(slow) == []
        append(slow, 1)
        assert wait_for(lambda: head_sizes(slow) == [5])
    finally:
        signer.stop()


def test_stopping_the_signer_signs_what_its_process_appended(node: Node) -> None:
    slow = with_settings(node, ledger_head_every_seconds=3600)
    signer = HeadSigner(slow).start()
    append(slow, 2)
    signer.stop()
    assert head_sizes(slow) == [2] and logged_sizes(slow) == [2]


def test_no_head_is_signed_over_a_rewritten_signed_part(node: Node) -> None:
    append(node, 8)
    audit.sign_tree_head(node)
    with node.engine.begin() as conn:
        conn.execute(
            update(ledger_nodes)
            .where(ledger_nodes.c.level == 3, ledger_nodes.c.idx == 0)
            .values(hash=bytes(32))
        )
    append(node, 1)
    with pytest.raises(LedgerTampered, match="last logged tree head"):
        audit.sign_tree_head(node)
    assert head_sizes(node) == [8] and logged_sizes(node) == [8]


def test_no_head_is_signed_over_a_cut_below_the_last_logged_head(node: Node) -> None:
    append(node, 8)
    audit.sign_tree_head(node)
    with node.engine.begin() as conn:
        conn.execute(text("DELETE FROM ledger_heads"))
        conn.execute(text("UPDATE ledger_state SET size = 5"))
    with pytest.raises(LedgerTampered, match="holds a signed tree head of 8"):
        audit.sign_tree_head(node)


def test_no_head_is_signed_when_the_head_log_was_deleted(node: Node) -> None:
    append(node, 3)
    audit.sign_tree_head(node)
    head_log(node).unlink()
    append(node, 1)
    for _ in range(2):
        with pytest.raises(LedgerTampered, match="head log"):
            audit.sign_tree_head(node)
    assert not head_log(node).exists()
    assert audit.verify(node).problem == "head_log_missing"


def test_a_head_committed_but_not_logged_is_logged_at_the_next_signing(node: Node) -> None:
    append(node, 3)
    audit.sign_tree_head(node)
    append(node, 2)
    audit.sign_tree_head(node)
    # A signer stopped between committing the head row and writing its line.
    path = head_log(node)
    path.write_text(path.read_text().splitlines()[0] + "\n")
    assert audit.verify(node).ok
    append(node, 1)
    audit.sign_tree_head(node)
    assert logged_sizes(node) == [3, 5, 6]
    assert audit.verify(node).ok


def test_upgrade_to_0006_keeps_the_heads_in_a_new_log_and_names_bad_entries(
    node: Node, caplog: pytest.LogCaptureFixture
) -> None:
    append(node, 6)
    audit.sign_tree_head(node)
    head_log(node).unlink()
    downgrade(node.engine, "0006")  # the revisions after it, undone
    with node.engine.begin() as conn:
        # The state of a node before revision 0006 (which changes no schema), tampered with.
        conn.execute(text("UPDATE alembic_version SET version_num = '0005'"))
        conn.execute(
            update(ledger_entries).where(ledger_entries.c.idx == 4).values(actor="x:nobody")
        )
    with caplog.at_level(logging.WARNING):
        upgraded = open_node(node.settings)
    assert "entry 4: its actor column disagrees with its payload" in caplog.text
    assert logged_sizes(upgraded) == [6]
    result = audit.verify(upgraded)
    assert result.problem == "column_mismatch" and result.first_bad_index == 4
    with upgraded.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(ledger_entries)).scalar_one() == 6
