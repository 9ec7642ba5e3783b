"""A large file's lines prepared by worker processes while the ingest writes: the store ends
exactly as an ingest in one process leaves it, line for line (errors in their places, the
later of two lines with one id winning, re-runs unchanged, watchlist hits raised)."""

from __future__ import annotations

import gc
import io
import json
import signal
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from accord.errors import ValidationError
from accord.model import EnvelopeDefaults
from accord.services import ingest
from accord.services.alerts import list_alerts
from accord.services.node import Node, init_node
from accord.settings import Settings
from accord.store.tables import match_views, record_keys, records
from tests.conftest import entity
from tests.services.notices_factories import published, red

DEFAULTS = EnvelopeDefaults(owner="DE-BKA", crime_areas=("thb",))
NOW = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)
FIRST = ["Anna", "Oleksandr", "Олександр", "Mohammed", "Wei", "Eleni", "Ελένη", "王"]
LAST = ["Schmidt", "Kovalenko", "Коваленко", "Haddad", "Zhang", "Papadopoulou", "伟"]


@pytest.fixture
def pooled(monkeypatch: pytest.MonkeyPatch) -> None:
    """Workers from the twentieth line on, in small chunks, and every line after that waits
    for them (the file is too small for them to be up in time otherwise)."""
    monkeypatch.setattr(ingest, "POOL_FROM", 20)
    monkeypatch.setattr(ingest, "_CHUNK", 7)
    monkeypatch.setattr(ingest._Workers, "ready", property(lambda self: self.warm.result()))


def world(n: int = 240) -> list[Any]:
    """Persons, their passports and companies, with bad lines and a repeated id among them."""
    out: list[Any] = []
    for i in range(n):
        if i % 4 == 3:
            out.append(
                entity("Company", f"c{i}", name=f"{LAST[i % len(LAST)]} Trading {i}", country="de")
            )
        elif i % 4 == 2:
            out.append(entity("Passport", f"d{i}", number=f"FE{i:07d}", holder=f"p{i - 2}"))
        else:
            out.append(
                entity(
                    "Person",
                    f"p{i}",
                    {"tlp": "AMBER"} if i % 3 else None,
                    name=f"{FIRST[i % len(FIRST)]} {LAST[i % len(LAST)]}",
                    birthDate=f"19{50 + i % 50}-0{1 + i % 9}-1{i % 10}",
                    phone="+4915112345678",
                )
            )
    out[30] = '{"id": "broken", "schema": "Person",'  # malformed
    out[77] = entity("Person", "x77", birthDate="soon")  # a bad value
    out[150] = entity("Person", "p1", name="Anna Weber")  # p1 again: the later line wins
    out[200] = "[1, 2]"
    return out


def lines(items: list[Any]) -> io.BytesIO:
    text = "\n".join(i if isinstance(i, str) else json.dumps(i, ensure_ascii=False) for i in items)
    return io.BytesIO(text.encode("utf-8"))


def run(node: Node, items: list[Any], workers: int, **kw: Any) -> dict[str, Any]:
    report = ingest.ingest_stream(
        node, node.operator(), lines(items), defaults=DEFAULTS, now=NOW, workers=workers, **kw
    )
    return report.to_dict()


def state(node: Node) -> dict[str, Any]:
    """Every record's row (but its primary key), keys and view, by entity id."""
    r, k, v = records.c, record_keys.c, match_views.c
    with node.engine.connect() as conn:
        rows = {
            row.entity_id: {c: row._mapping[c] for c in row._mapping if c != "pk"}
            for row in conn.execute(select(records))
        }
        for eid, kind, value in conn.execute(
            select(r.entity_id, k.kind, k.value).join(records, r.pk == k.record_pk)
        ):
            rows[eid].setdefault("keys", set()).add((kind, value))
        for eid, view in conn.execute(
            select(r.entity_id, v.view).join(records, r.pk == v.record_pk)
        ):
            rows[eid]["view"] = view
    return rows


def reference(tmp_path: Path, name: str) -> Node:
    return init_node(Settings(home=tmp_path / name), "DE-BKA", "Bundeskriminalamt")


def test_workers_leave_the_store_as_one_process_does(
    node: Node, tmp_path: Path, pooled: None
) -> None:
    items = world()
    alone = reference(tmp_path, "alone")
    expected = run(alone, items, workers=0)
    assert run(node, items, workers=2) == expected
    assert expected["rejected"] == 3 and expected["updated"] == 1
    assert [e["line"] for e in expected["errors"]] == [31, 78, 201]
    got, want = state(node), state(alone)
    assert got.keys() == want.keys()
    for eid, row in want.items():
        assert got[eid] == row, eid
    assert got["p1"]["caption"] == "Anna Weber"
    assert got["p4"]["keys"] and got["p4"]["view"]

    # A re-run of the same file changes nothing (but p1, written twice by it); a changed line
    # makes a new version.
    rerun = run(node, items, workers=2)
    assert rerun == run(alone, items, workers=0)
    assert (rerun["unchanged"], rerun["updated"]) == (expected["created"] - 1, 2)
    items[101] = entity("Person", "p101", name="Wei Zhang", nationality="cn")
    again = run(node, items, workers=2)
    assert again == run(alone, items, workers=0)
    assert again["updated"] == 3
    assert state(node) == state(alone)
    assert state(node)["p101"]["version"] == 2


def test_a_record_prepared_by_a_worker_raises_its_watchlist_alert(node: Node, pooled: None) -> None:
    me = node.operator()
    notice = published(node, me, red(name="Oleksandr Kovalenko", dob="1979-03-14")).row
    items = world()
    items[180] = entity(
        "Person", "wanted", name="Олександр Коваленко", birthDate="1979-03-14", nationality="ua"
    )
    run(node, items, workers=2)
    alerts = list_alerts(node, me)
    assert [(a.notice_id, a.record_id) for a in alerts] == [(notice.notice_id, "wanted")]


def test_strict_with_workers_writes_nothing_on_a_bad_line(node: Node, pooled: None) -> None:
    report = run(node, world(), workers=2, strict=True)
    assert not report["written"] and report["rejected"] == 3
    assert state(node) == {}


def test_a_large_file_is_prepared_by_workers_from_its_first_line_a_stream_only_when_long(
    node: Node, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ingest, "POOL_BYTES", 4096)
    monkeypatch.setattr(ingest, "POOL_FROM", 100_000)
    started: list[int] = []
    real = ingest._Workers.__init__

    def counted(self: ingest._Workers, count: int, lines: ingest._Lines) -> None:
        started.append(count)
        real(self, count, lines)

    monkeypatch.setattr(ingest._Workers, "__init__", counted)
    items = world()
    path = tmp_path / "world.ftm.jsonl"
    path.write_bytes(lines(items).getvalue())
    with path.open("rb") as stream:
        on_disk = ingest.ingest_stream(
            node, node.operator(), stream, defaults=DEFAULTS, now=NOW, workers=2
        )
    assert started == [2] and on_disk.created == 236
    # The same lines from a stream of unknown size, fewer than POOL_FROM: no workers.
    run(node, items, workers=2)
    assert started == [2]


def test_an_ingest_collects_young_objects_less_often_and_restores_the_collector(
    node: Node,
) -> None:
    before = gc.get_threshold()
    seen: list[tuple[int, int, int]] = []
    report = ingest.ingest_stream(
        node,
        node.operator(),
        lines(world()),
        defaults=DEFAULTS,
        now=NOW,
        workers=0,
        on_error=lambda _e: seen.append(gc.get_threshold()),
    )
    assert report.rejected == 3 and seen
    assert all(t == (ingest.BULK_YOUNG_COLLECTION, *before[1:]) for t in seen)
    assert gc.get_threshold() == before
    # A failed ingest restores it too.
    with pytest.raises(ValidationError):
        ingest.ingest_stream(node, node.operator(), io.BytesIO(b""), defaults=DEFAULTS)
    assert gc.get_threshold() == before


def test_overlapping_ingests_restore_the_collector_when_the_last_one_ends() -> None:
    before = gc.get_threshold()
    try:
        gc.set_threshold(200, *before[1:])
        first, second = ingest._bulk_collections(), ingest._bulk_collections()
        first.__enter__()
        second.__enter__()
        first.__exit__(None, None, None)
        assert gc.get_threshold()[0] == ingest.BULK_YOUNG_COLLECTION
        second.__exit__(None, None, None)
        assert gc.get_threshold() == (200, *before[1:])
        # A process that already collects less often than an ingest would keeps its own.
        gc.set_threshold(10 * ingest.BULK_YOUNG_COLLECTION, *before[1:])
        with ingest._bulk_collections():
            assert gc.get_threshold()[0] == 10 * ingest.BULK_YOUNG_COLLECTION
    finally:
        gc.set_threshold(*before)


def test_a_worker_process_collects_young_objects_less_often(node: Node) -> None:
    before, handler = gc.get_threshold(), signal.getsignal(signal.SIGINT)
    lines_ = ingest._Lines(
        {}, {}, "DE-BKA", NOW, ("sqlite", "pysqlite"), node.settings.resolved_database_url
    )
    try:
        ingest._start_worker(lines_)
        assert gc.get_threshold() == (ingest.BULK_YOUNG_COLLECTION, *before[1:])
    finally:
        assert ingest._worker is not None
        ingest._worker[2].dispose()
        ingest._worker = None
        gc.set_threshold(*before)
        signal.signal(signal.SIGINT, handler)
