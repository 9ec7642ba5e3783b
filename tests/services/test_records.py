"""Record creation under concurrency: one id, two creators, one record and one conflict."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from accord.errors import Conflict
from accord.services import records as record_service
from accord.services.node import Node
from tests.conftest import entity


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
