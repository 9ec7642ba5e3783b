"""The storage contract, run on every backend (SQLite always, PostgreSQL when configured)."""

from datetime import timedelta, timezone

import pytest
from sqlalchemy import Connection, select

from accord.matching import record_keys
from accord.model import Record
from accord.services.node import Node
from accord.store import records as store
from accord.store.db import HEAD_REVISION, current_revision, head_revision
from accord.store.tables import record_keys as keys_table
from accord.store.tables import records
from tests.conftest import person


def _insert(node: Node, *recs: Record) -> list[int]:
    with node.engine.begin() as conn:
        return store.insert_records(
            conn, [(r, r.caption, record_keys(r.schema, r.properties)) for r in recs]
        )


def test_schema_is_migrated_to_head(node: Node) -> None:
    assert current_revision(node.engine) == head_revision()


def test_insert_and_read_back_keeps_properties_and_envelope(node: Node) -> None:
    rec = person("Олександр Коваленко", "p1", dob="1981-03-02", accord={"crime_areas": ["thb"]})
    (pk,) = _insert(node, rec)
    with node.engine.connect() as conn:
        (stored,) = store.get_records(conn, [pk])
    assert stored.record == rec


def test_same_entity_id_may_exist_for_two_owners(node: Node) -> None:
    _insert(node, person("A", "p1", owner="DE-BKA"), person("B", "p1", owner="NL-POLITIE"))
    with node.engine.connect() as conn:
        assert [s.record.owner for s in store.get_record(conn, "p1")] == ["DE-BKA", "NL-POLITIE"]
        assert store.get_record(conn, "p1", "NL-POLITIE")[0].record.caption == "B"


def test_replace_keeps_old_version_in_history_and_reindexes(node: Node) -> None:
    old = person("Anna Schmidt", "p1")
    (pk,) = _insert(node, old)
    new = person("Anna Weber", "p1", accord={"version": 2})
    with node.engine.begin() as conn:
        store.replace_record(
            conn, pk, new, new.caption, record_keys(new.schema, new.properties), actor="t"
        )
    with node.engine.connect() as conn:
        assert store.get_records(conn, [pk])[0].record.properties["name"] == ["Anna Weber"]
        (past,) = store.history(conn, pk)
        assert past["version"] == 1
        assert past["properties"]["name"] == ["Anna Schmidt"]
        assert store.find_by_name_tokens(conn, ["schmidt"], 10) == []
        assert store.find_by_name_tokens(conn, ["weber"], 10) == [(pk, 1)]


def test_deleted_record_leaves_search_but_not_history(node: Node) -> None:
    (pk,) = _insert(node, person("Anna Schmidt", "p1", passportNumber="C01X00T47"))
    with node.engine.begin() as conn:
        store.mark_deleted(conn, pk, actor="t", at=person("x").envelope.created_at)
    with node.engine.connect() as conn:
        assert store.get_records(conn, [pk]) == []
        assert store.find_by_keys(conn, [("id", "C01X00T47")], 10) == []
        assert store.get_record(conn, "p1", include_deleted=True)[0].deleted
        assert [h["change"] for h in store.history(conn, pk)] == ["delete"]
        assert conn.execute(select(keys_table).where(keys_table.c.record_pk == pk)).first() is None


def test_name_tokens_rank_full_matches_first(node: Node) -> None:
    a, b = _insert(node, person("Anna Maria Schmidt", "p1"), person("Anna Weber", "p2"))
    with node.engine.connect() as conn:
        assert store.find_by_name_tokens(conn, ["anna", "schmidt"], 10) == [(a, 2), (b, 1)]


def test_lookup_existing_reports_hash_and_version(node: Node) -> None:
    rec = person("Anna", "p1")
    (pk,) = _insert(node, rec)
    with node.engine.connect() as conn:
        found = store.lookup_existing(conn, "DE-BKA", ["p1", "p2"])
    assert list(found) == ["p1"]
    assert found["p1"].pk == pk
    assert found["p1"].version == 1


def test_all_tokens_search_starts_from_the_rarest_and_misses_nothing(node: Node) -> None:
    pks = _insert(
        node,
        person("Zhang Trading Ltd", "c1"),
        person("Wei Trading Ltd", "c2"),
        person("Zhang Wei", "p3"),
        person("Trading Ltd", "c4"),
    )
    with node.engine.connect() as conn:
        assert store.find_by_name_tokens(
            conn, ["zhang", "trading", "ltd"], 10, require_all=True
        ) == [(pks[0], 3)]
        assert store.find_by_name_tokens(conn, ["ltd", "trading"], 10, require_all=True) == [
            (pks[0], 2),
            (pks[1], 2),
            (pks[3], 2),
        ]
        assert store.find_by_name_tokens(conn, ["zhang", "nobody"], 10, require_all=True) == []
        partial = store.find_by_name_tokens(conn, ["zhang", "nobody"], 10)
        assert {pk for pk, _ in partial} == {pks[0], pks[2]}


def test_a_change_applies_only_to_the_version_it_was_computed_from(node: Node) -> None:
    (pk,) = _insert(node, person("Anna Schmidt", "p1"))
    first = person("Anna Weber", "p1", accord={"version": 2})
    stale = person("Anna Braun", "p1", accord={"version": 2})  # also computed from version 1
    keys = record_keys(first.schema, first.properties)
    with node.engine.begin() as conn:
        store.replace_record(conn, pk, first, first.caption, keys, actor="a")
    with pytest.raises(store.StaleRecord), node.engine.begin() as conn:
        store.replace_record(conn, pk, stale, stale.caption, keys, actor="b")
    with pytest.raises(store.StaleRecord), node.engine.begin() as conn:
        store.mark_deleted(conn, pk, actor="b", at=first.envelope.updated_at, version=1)
    with node.engine.connect() as conn:
        (current,) = store.get_records(conn, [pk])
        assert current.record.properties["name"] == ["Anna Weber"]
        assert [h["version"] for h in store.history(conn, pk)] == [1]


def test_lock_record_reads_the_row_deleted_or_not(node: Node) -> None:
    (pk,) = _insert(node, person("Anna Schmidt", "p1"))
    with node.engine.begin() as conn:
        locked = store.lock_record(conn, "DE-BKA", "p1")
        assert locked is not None and locked.pk == pk and not locked.deleted
        assert store.lock_record(conn, "NL-POLITIE", "p1") is None
        assert store.mark_deleted(conn, pk, actor="t", at=locked.record.envelope.updated_at) == 2
    with node.engine.begin() as conn:
        again = store.lock_record(conn, "DE-BKA", "p1")
        assert again is not None and again.deleted and again.record.envelope.version == 2


def test_the_known_head_revision_is_alembics_head() -> None:
    # Opening a node compares the database with HEAD_REVISION instead of loading Alembic.
    assert head_revision() == HEAD_REVISION


def test_new_records_go_in_at_once_with_keys_and_views_and_existing_ones_are_named(
    node: Node,
) -> None:
    """Ingest's bulk insert (on PostgreSQL one `unnest` and COPY): every column read back as
    written, the search keys and matching views stored, records already held left alone."""
    held = person("Held", "p0")
    _insert(node, held)
    fresh = [
        person("Олександр Коваленко", "p1", dob="1981-03-02", accord={"crime_areas": ["thb"]}),
        person("Zhang Wei 张伟", "p2", accord={"handling": "H2", "tlp": "AMBER"}),
    ]
    again = person("Held, changed", "p0")
    items = [(r, r.caption, record_keys(r.schema, r.properties)) for r in [*fresh, again]]
    with node.engine.begin() as conn:
        existing = store.insert_new_records(conn, items)
    assert existing == {("DE-BKA", "p0")}
    with node.engine.connect() as conn:
        stored = {s.record.id: s for s in store.get_records(conn, _pks(conn))}
        assert stored["p0"].record == held
        for rec in fresh:
            assert stored[rec.id].record == rec
            assert stored[rec.id].record.envelope.created_at.tzinfo is not None
            keys = conn.execute(
                select(keys_table.c.kind, keys_table.c.value).where(
                    keys_table.c.record_pk == stored[rec.id].pk
                )
            ).all()
            assert set(map(tuple, keys)) == record_keys(rec.schema, rec.properties)
        assert set(store.get_views(conn, [stored[r.id].pk for r in fresh])) == {
            stored[r.id].pk for r in fresh
        }


def _pks(conn: Connection) -> list[int]:
    return [r[0] for r in conn.execute(select(records.c.pk))]


def test_envelope_values_that_repeat_and_change_between_rows_are_each_written_as_they_are(
    node: Node,
) -> None:
    """A bulk insert binds a value that repeats from row to row once (`RowBinder`): each
    row must still hold its own value, whether it repeats, changes or comes back."""
    first = person("Anna Schmidt", "p1", accord={"crime_areas": ["thb"]}).envelope
    created = first.created_at
    envelopes = [
        first,
        first,
        first.evolve(created_at=created + timedelta(seconds=1), crime_areas=("fraud",)),
        first.evolve(review_by=first.review_by + timedelta(days=1)),
        # The same instant in another zone is the same stored time.
        first.evolve(created_at=created.astimezone(timezone(timedelta(hours=2)))),
        first.evolve(crime_areas=("fraud", "thb")),
        first,
    ]
    recs = [
        Record(f"p{i}", "Person", {"name": [f"Anna Schmidt {i}"]}, env)
        for i, env in enumerate(envelopes)
    ]
    with node.engine.begin() as conn:
        assert store.insert_new_records(conn, [(r, r.caption, set()) for r in recs]) == set()
    with node.engine.connect() as conn:
        stored = {s.record.id: s.record for s in store.get_records(conn, _pks(conn))}
    for rec in recs:
        got = stored[rec.id].envelope
        assert got.created_at == rec.envelope.created_at
        assert got.review_by == rec.envelope.review_by
        assert got.crime_areas == rec.envelope.crime_areas


def test_a_naive_time_is_refused_even_after_an_equal_aware_one() -> None:
    binder = store.RowBinder.for_dialect("sqlite", "pysqlite")
    rec = person("Anna Schmidt", "p1")
    binder.row(rec, rec.caption)
    naive = rec.envelope.evolve(created_at=rec.envelope.created_at.replace(tzinfo=None))
    with pytest.raises(ValueError, match="naive"):
        binder.row(Record(rec.id, rec.schema, rec.properties, naive), rec.caption)
