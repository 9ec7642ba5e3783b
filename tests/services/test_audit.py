"""The audit ledger as the node uses it: what is recorded, proofs, tampering detected."""

from __future__ import annotations

import io
import json

import pytest
from sqlalchemy import delete, select, update

from accord.errors import ValidationError
from accord.ledger import leaf_hash
from accord.model import EnvelopeDefaults
from accord.services import audit
from accord.services import records as record_service
from accord.services.ingest import ingest_stream
from accord.services.node import Node
from accord.services.purpose import parse_purpose
from accord.services.search import search_local
from accord.store.tables import ledger_entries
from tests.conftest import entity


def events(node: Node) -> list[dict[str, object]]:
    size = audit.tree_head(node).head.size
    return [json.loads(e["payload"]) for e in audit.entries(node, 0, size)]


def test_record_lifecycle_search_and_ingest_are_recorded(node: Node) -> None:
    me = node.operator()
    record_service.create_record(node, me, entity("Person", "p1", name="Anna Schmidt"))
    record_service.get_record(node, me, "p1")
    record_service.update_record(node, me, "p1", {"properties": {"name": ["Anna Weber"]}})
    purpose = parse_purpose("investigation", "BKA-2026-0042", "fraud")
    search_local(node, me, "anna", purpose)
    record_service.delete_record(node, me, "p1")
    line = json.dumps(entity("Company", "c1", name="Nordlicht GmbH")).encode()
    ingest_stream(
        node, me, io.BytesIO(line), defaults=EnvelopeDefaults(owner="DE-BKA"), source="c.jsonl"
    )

    log = events(node)
    assert [e["event"] for e in log] == [
        "record_create",
        "record_read",
        "record_update",
        "search",
        "record_delete",
        "ingest",
    ]
    assert all(e["actor"] == "operator:cli@DE-BKA" for e in log)
    search = log[3]["details"]
    assert search == {
        "query": "anna",
        "purpose": "investigation",
        "reference": "BKA-2026-0042",
        "crime_area": "fraud",
        "results": [["DE-BKA", "p1"]],
    }
    assert log[5]["details"]["created"] == 1
    assert [e["idx"] for e in log] == list(range(6))


def test_failed_change_leaves_no_ledger_entry(node: Node) -> None:
    with pytest.raises(ValidationError):
        record_service.create_record(node, node.operator(), entity("Person", "p1", birthDate="x"))
    assert audit.tree_head(node).head.size == 0


def _fill(node: Node, n: int) -> None:
    for i in range(n):
        record_service.create_record(
            node, node.operator(), entity("Person", f"p{i}", name=f"N {i}")
        )


def test_inclusion_and_consistency_proofs_verify_against_signed_heads(node: Node) -> None:
    _fill(node, 5)
    old = audit.tree_head(node)
    _fill_more = [entity("Company", f"c{i}", name=f"C {i}") for i in range(6)]
    for e in _fill_more:
        record_service.create_record(node, node.operator(), e)
    new = audit.tree_head(node)
    public = node.keys.signing.public_key()
    for head in (old, new):
        public.verify(head.signature, head.head.to_bytes())
    assert (old.head.size, new.head.size) == (5, 11)

    payload = audit.entries(node, 3, 4)[0]["payload"].encode()
    proof = audit.inclusion_proof(node, 3, new.head.size)
    proof.verify(leaf_hash(payload), new.head.root)
    audit.consistency_proof(node, old.head.size, new.head.size).verify(old.head.root, new.head.root)


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda n: audit.inclusion_proof(n, -1, 3), "index"),
        (lambda n: audit.inclusion_proof(n, 5, 3), "index"),
        (lambda n: audit.inclusion_proof(n, 0, 99), "tree_size"),
        (lambda n: audit.consistency_proof(n, 3, 2), "first"),
        (lambda n: audit.consistency_proof(n, 1, 99), "second"),
        (lambda n: audit.entries(n, 2, 1), "end"),
    ],
)
def test_malformed_proof_parameters_name_the_parameter(
    node: Node, call: object, field: str
) -> None:
    _fill(node, 3)
    with pytest.raises(ValidationError) as exc:
        call(node)  # type: ignore[operator]
    assert exc.value.errors[0].field == field


def test_verify_names_an_entry_edited_in_sql(node: Node) -> None:
    _fill(node, 8)
    audit.sign_tree_head(node)
    assert audit.verify(node).ok
    with node.engine.begin() as conn:
        row = conn.execute(select(ledger_entries.c.payload).where(ledger_entries.c.idx == 5)).one()
        forged = row.payload.replace('"p5"', '"p9"')
        assert forged != row.payload
        conn.execute(update(ledger_entries).where(ledger_entries.c.idx == 5).values(payload=forged))
    result = audit.verify(node)
    assert not result.ok
    assert result.first_bad_index == 5
    assert result.problem is not None and result.problem.value == "altered"


def test_verify_names_a_removed_entry(node: Node) -> None:
    _fill(node, 8)
    audit.sign_tree_head(node)
    with node.engine.begin() as conn:
        conn.execute(delete(ledger_entries).where(ledger_entries.c.idx == 2))
    result = audit.verify(node)
    assert not result.ok
    assert result.first_bad_index == 2
