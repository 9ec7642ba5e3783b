"""The registry's storage, on every backend: a check is one probe of the key's index, reports
are superseded into the history (never lost), and the migration goes down and up again."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import inspect, text

from accord.services.node import Node
from accord.store import documents as store
from accord.store.db import downgrade, migrate
from accord.store.documents import Report

NOW = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)


def report(number: str, doc_type: str = "passport", status: str = "stolen") -> Report:
    return Report("D", number, doc_type, status, None, date(2026, 12, 1), "DE-BKA", None, NOW, "x")


def test_reports_are_found_by_country_and_number_with_every_type(node: Node) -> None:
    with node.engine.begin() as conn:
        store.insert_reports(conn, [report("C01X00T47"), report("C01X00T47", "id_card", "lost")])
        store.insert_reports(conn, [report("T22000129")])
    with node.engine.connect() as conn:
        found = sorted(store.lookup(conn, "D", "C01X00T47"))
        assert found == [
            ("id_card", "lost", None, "DE-BKA"),
            ("passport", "stolen", None, "DE-BKA"),
        ]
        assert store.lookup(conn, "UKR", "C01X00T47") == []
        many = store.lookup_many(conn, [("D", "C01X00T47"), ("D", "T22000129"), ("D", "NONE")])
        assert set(many) == {("D", "C01X00T47"), ("D", "T22000129")}
        stored = store.get_report(conn, ("D", "C01X00T47", "passport"))
        assert stored is not None and stored.changed_at == NOW
        assert stored.reported_on == date(2026, 12, 1)


def test_a_lookup_of_many_numbers_goes_in_chunks(node: Node) -> None:
    numbers = [f"N{i:06d}" for i in range(1_200)]
    with node.engine.begin() as conn:
        store.insert_reports(conn, [report(n) for n in numbers])
    with node.engine.connect() as conn:
        found = store.lookup_many(conn, [("D", n) for n in [*numbers, "MISSING"]])
    assert len(found) == 1_200


def test_a_check_probes_the_primary_key(node: Node) -> None:
    with node.engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            plan = " ".join(
                str(row[-1])
                for row in conn.exec_driver_sql(
                    "EXPLAIN QUERY PLAN SELECT doc_type, status, action, agency "
                    "FROM travel_documents WHERE country = ? AND number = ?",
                    ("D", "X"),
                )
            )
            assert "USING PRIMARY KEY (country=? AND number=?)" in plan, plan
        else:
            conn.execute(text("SET enable_seqscan = off"))
            plan = " ".join(
                row[0]
                for row in conn.execute(
                    text(
                        "EXPLAIN SELECT doc_type FROM travel_documents "
                        "WHERE country = 'D' AND number = 'X'"
                    )
                )
            )
            assert "pk_travel_documents" in plan, plan


def test_superseding_keeps_the_old_report_in_the_history(node: Node) -> None:
    old = report("C01X00T47")
    new = report("C01X00T47", status="withdrawn")
    with node.engine.begin() as conn:
        store.insert_reports(conn, [old])
        locked = store.get_report(conn, old.key, lock=True)
        assert locked == old
        store.supersede(conn, old, new, at=NOW, by="user:olga@DE-BKA", reason="found")
    with node.engine.connect() as conn:
        assert store.get_report(conn, old.key) == new
        (past,) = store.history(conn, old.key)
    assert past.report == old and past.reason == "found" and past.superseded_by.startswith("user")


def test_the_migration_goes_down_and_up(node: Node) -> None:
    downgrade(node.engine, "0009")
    assert "travel_documents" not in inspect(node.engine).get_table_names()
    migrate(node.engine)
    names = set(inspect(node.engine).get_table_names())
    assert {"travel_documents", "travel_document_history", "document_hits"} <= names
