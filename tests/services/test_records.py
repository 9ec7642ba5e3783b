"""Record use cases: concurrent creates and changes, audited reads, history, limits."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from accord.errors import Conflict, NotFound, PreconditionFailed, ValidationError
from accord.services import records as record_service
from accord.services.node import Node
from tests.conftest import entity
from tests.federation.cluster import ledger


def test_concurrent_creates_of_one_id_give_one_record_and_one_conflict(node: Node) -> None:
    def create(name: str) -> str:
        try:
            record_service.create_record(node, node.operator(), entity("Person", "p1", name=name))
        except Conflict:
            return "conflict"
        return "created"

    with ThreadPoolExecutor(max_workers=2) as pool:
        outcomes = sorted(pool.map(create, ["Anna", "Berta"]))
    assert outcomes == ["conflict", "created"]
    assert record_service.get_record(node, node.operator(), "p1").caption in {"Anna", "Berta"}


# --- changes of one record run one after another -------------------------------------------

#: Each writer owns one property, so a lost update shows as another writer's last value gone.
_OWNED = ("notes", "alias", "position", "title")


def _versions(node: Node, entity_id: str) -> list[int]:
    return [h["version"] for h in record_service.record_history(node, node.operator(), entity_id)]


def test_concurrent_patches_apply_one_after_another(node: Node) -> None:
    ids = ["c1", "c2"]
    for rid in ids:
        record_service.create_record(node, node.operator(), entity("Person", rid, name="Anna"))
    rounds = 12

    def writer(prop: str) -> list[str]:
        outcomes = []
        for step in range(rounds):
            rid = ids[step % 2]
            change = {"properties": {prop: [f"{prop}-{step}"]}}
            try:
                record_service.update_record(node, node.operator(), rid, change)
                outcomes.append("ok")
            except Exception as exc:  # noqa: BLE001 - any failure is what this test looks for
                outcomes.append(f"{type(exc).__name__}: {exc}")
        return outcomes

    with ThreadPoolExecutor(max_workers=len(_OWNED)) as pool:
        results = list(pool.map(writer, _OWNED))
    assert all(o == "ok" for outcomes in results for o in outcomes), results
    for index, rid in enumerate(ids):
        current = record_service.get_record(node, node.operator(), rid)
        applied = len(_OWNED) * rounds // 2
        assert current.envelope.version == 1 + applied
        assert _versions(node, rid) == list(range(1, 1 + applied))
        last = max(s for s in range(rounds) if s % 2 == index)
        for prop in _OWNED:  # every writer's last change survived every other writer's
            assert current.properties[prop] == [f"{prop}-{last}"]
    # Nothing is stuck: the records still change and withdraw.
    record_service.update_record(node, node.operator(), "c1", {"properties": {"notes": ["x"]}})
    record_service.delete_record(node, node.operator(), "c1")
    assert _versions(node, "c1")[-1] == 1 + len(_OWNED) * rounds // 2 + 1


def test_concurrent_patches_and_a_delete_end_withdrawn_with_whole_history(node: Node) -> None:
    record_service.create_record(node, node.operator(), entity("Person", "c3", name="Anna"))

    def patcher(prop: str) -> set[str]:
        seen = set()
        for step in range(8):
            try:
                record_service.update_record(
                    node, node.operator(), "c3", {"properties": {prop: [str(step)]}}
                )
                seen.add("ok")
            except NotFound:
                seen.add("gone")
        return seen

    def deleter() -> set[str]:
        record_service.delete_record(node, node.operator(), "c3")
        return {"deleted"}

    with ThreadPoolExecutor(max_workers=4) as pool:
        futures = [pool.submit(patcher, p) for p in _OWNED[:3]] + [pool.submit(deleter)]
        outcomes = set().union(*(f.result() for f in futures))
    assert outcomes <= {"ok", "gone", "deleted"}
    past = record_service.record_history(node, node.operator(), "c3")
    assert [h["version"] for h in past] == list(range(1, len(past) + 1))
    assert past[-1]["change"] == "delete"
    assert all(h["change"] == "update" for h in past[:-1])


def test_if_match_applies_a_change_only_to_the_version_named(node: Node) -> None:
    record_service.create_record(node, node.operator(), entity("Person", "m1", name="Anna"))
    change = {"properties": {"notes": ["first"]}}
    record_service.update_record(node, node.operator(), "m1", change, expected_version=1)
    with pytest.raises(PreconditionFailed, match="at version 2, not 1"):
        record_service.update_record(node, node.operator(), "m1", change, expected_version=1)
    with pytest.raises(PreconditionFailed):
        record_service.delete_record(node, node.operator(), "m1", expected_version=1)
    record_service.delete_record(node, node.operator(), "m1", expected_version=2)
    assert _versions(node, "m1") == [1, 2]


# --- reads go to the ledger -----------------------------------------------------------------


def test_listing_goes_to_the_ledger_with_every_id_returned(node: Node) -> None:
    for rid in ("l1", "l2", "l3"):
        record_service.create_record(node, node.operator(), entity("Person", rid, name="Anna"))
    listed = record_service.list_records(node, node.operator(), "Person", 2, 1)
    (entry,) = [e for e in ledger(node, "record_read") if "list" in e["details"]]
    assert entry["details"]["list"] == {"schema": "Person", "limit": 2, "offset": 1}
    assert entry["details"]["records"] == [["DE-BKA", r.id, 1] for r in listed]
    assert len(listed) == 2


@pytest.mark.parametrize(
    ("limit", "offset", "field"),
    [(0, 0, "limit"), (501, 0, "limit"), (10, -1, "offset"), (10, 2**63, "offset")],
)
def test_listing_bounds_name_the_parameter(node: Node, limit: int, offset: int, field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        record_service.list_records(node, node.operator(), None, limit, offset)
    assert [e.field for e in caught.value.errors] == [field]


def test_withdrawn_record_history_stays_readable_and_the_read_is_ledgered(node: Node) -> None:
    record_service.create_record(node, node.operator(), entity("Person", "w1", name="Anna"))
    record_service.update_record(node, node.operator(), "w1", {"properties": {"name": ["Berta"]}})
    record_service.delete_record(node, node.operator(), "w1")
    with pytest.raises(NotFound):
        record_service.get_record(node, node.operator(), "w1")
    past = record_service.record_history(node, node.operator(), "w1")
    assert [(h["version"], h["change"]) for h in past] == [(1, "update"), (2, "delete")]
    assert past[1]["properties"]["name"] == ["Berta"]
    read = ledger(node, "record_read")[-1]["details"]
    assert read["id"] == "w1" and read["withdrawn"] is True and read["history"] == [1, 2]


# --- limits ---------------------------------------------------------------------------------


def test_a_property_with_too_many_values_is_refused_by_name(node: Node) -> None:
    limit = node.settings.record_max_values
    names = [f"Name {i}" for i in range(limit + 1)]
    with pytest.raises(ValidationError) as caught:
        record_service.create_record(node, node.operator(), entity("Person", "v1", name=names))
    (error,) = caught.value.errors
    assert error.field == "properties.name"
    assert f"at most {limit}" in error.reason
    record_service.create_record(node, node.operator(), entity("Person", "v1", name=names[:limit]))
    too_many = {"properties": {"alias": names}}
    with pytest.raises(ValidationError, match=r"properties\.alias"):
        record_service.update_record(node, node.operator(), "v1", too_many)
    assert record_service.get_record(node, node.operator(), "v1").envelope.version == 1


def test_a_value_too_long_is_refused_by_name_without_quoting_it_whole(node: Node) -> None:
    long = "x" * (node.settings.record_max_value_length + 1)
    with pytest.raises(ValidationError) as caught:
        record_service.create_record(
            node, node.operator(), entity("Person", "v2", name="A", notes=long)
        )
    (error,) = caught.value.errors
    assert error.field == "properties.notes"
    assert len(error.reason) < 200
