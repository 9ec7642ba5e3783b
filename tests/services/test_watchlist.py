"""Watchlist alerts: a new or changed record that matches an active notice alerts once, with
the action the notice requests; a suspended, cancelled or expired notice stops at once;
publishing checks the records already held; alerts are the caller's agency's."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from accord.errors import Conflict, NotFound
from accord.services import records as record_service
from accord.services.alerts import ack_alert, alert_to_dict, list_alerts
from accord.services.events import events_after
from accord.services.node import Node
from accord.services.notices import cancel_notice, publish_notice, suspend_notice
from accord.services.watchlist import notice_watch_keys
from accord.store import notices as store
from tests.conftest import principal
from tests.federation.cluster import ledger
from tests.services.notices_factories import ingest_people, published, red


def alerts(node: Node) -> list[dict[str, object]]:
    return [alert_to_dict(a) for a in list_alerts(node, node.operator())]


def test_an_ingested_record_that_matches_a_notice_alerts_with_its_action(node: Node) -> None:
    notice = published(node, node.operator())
    report = ingest_people(
        node,
        {"id": "p1", "name": "Dmitri Kravtchouk", "birthDate": "1975-05-05"},
        {"id": "p2", "name": "Olga Sydorenko", "birthDate": "1990-01-01"},
    )
    assert report.created == 2
    (alert,) = alerts(node)
    assert alert["notice_id"] == notice.row.notice_id
    assert alert["record"] == {"owner": "DE-BKA", "id": "p1", "schema": "Person", "version": 1}
    assert alert["notice_agency"] == alert["holder_agency"] == "DE-BKA"
    assert alert["action"] == notice.row.requested_action
    assert isinstance(alert["score"], float) and alert["score"] >= node.settings.match_threshold
    assert alert["match"]["algorithm"] == "accord-v3"  # type: ignore[index]
    (raised,) = [e for e in ledger(node, "watchlist_alert") if e["details"]["step"] == "raised"]
    assert raised["details"]["hits"][0]["record"] == ["DE-BKA", "p1", 1]
    (event,) = events_after(node, "DE-BKA", 0)
    assert event.kind == "alert" and event.payload["alert_id"] == alert["id"]
    assert "properties" not in event.payload["record"]


def test_the_same_hit_never_alerts_twice(node: Node) -> None:
    published(node, node.operator())
    line = {"id": "p1", "name": "Dmytro Kravchuk", "birthDate": "1975-05-05"}
    ingest_people(node, line)
    assert ingest_people(node, line).unchanged == 1  # the same version again
    ingest_people(node, {**line, "nationality": "ua"})  # a new version, still a hit
    record_service.update_record(
        node, node.operator(), "p1", {"properties": {"alias": ["Dima Kravchuk"]}}
    )
    assert len(alerts(node)) == 1
    assert len(events_after(node, "DE-BKA", 0)) == 1


def test_a_record_created_or_changed_through_the_api_is_matched_too(node: Node) -> None:
    published(node, node.operator())
    record_service.create_record(
        node,
        node.operator(),
        {"id": "p9", "schema": "Person", "properties": {"name": ["Somebody Else"]},
         "accord": {"subject_category": "suspect", "crime_areas": ["thb"]}},
    )  # fmt: skip
    assert alerts(node) == []
    record_service.update_record(
        node,
        node.operator(),
        "p9",
        {"properties": {"name": ["Dmytro Kravchuk"], "birthDate": ["1975-05-05"]}},
    )
    (alert,) = alerts(node)
    assert alert["record"]["id"] == "p9" and alert["record"]["version"] == 2  # type: ignore[index]


def test_a_suspended_or_cancelled_notice_stops_alerting_at_once(node: Node) -> None:
    who = node.operator()
    notice_id = published(node, who).row.notice_id
    suspend_notice(node, who, notice_id)
    ingest_people(node, {"id": "p1", "name": "Dmytro Kravchuk", "birthDate": "1975-05-05"})
    assert alerts(node) == []
    # Publishing again checks the records already held: p1 alerts now.
    publish_notice(node, who, notice_id)
    assert [a["record"]["id"] for a in alerts(node)] == ["p1"]  # type: ignore[index]
    cancel_notice(node, who, notice_id)
    ingest_people(node, {"id": "p2", "name": "Dmytro Kravchuk", "birthDate": "1975-05-05"})
    assert len(alerts(node)) == 1


def test_publishing_checks_the_records_already_held(node: Node) -> None:
    ingest_people(
        node,
        {"id": "old", "name": "Кравчук Дмитро", "birthDate": "1975-05-05"},
        {"id": "other", "name": "Dmytro Kravets", "birthDate": "1961-11-11"},
    )
    assert alerts(node) == []
    published(node, node.operator())
    assert [a["record"]["id"] for a in alerts(node)] == ["old"]  # type: ignore[index]


def test_an_expired_notice_alerts_no_more(node: Node) -> None:
    soon = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    published(node, node.operator(), red(valid_until=soon))
    later = datetime.now(UTC) + timedelta(hours=2)
    ingest_people(
        node, {"id": "p1", "name": "Dmytro Kravchuk", "birthDate": "1975-05-05"}, now=later
    )
    assert alerts(node) == []


def test_a_document_number_hits_a_persons_notice_and_another_entity_by_identifier(
    node: Node,
) -> None:
    published(
        node,
        node.operator(),
        red(documents=[{"schema": "Passport", "properties": {"number": ["FX 123456"]}}]),
    )
    ingest_people(node, {"id": "doc1", "schema": "Passport", "number": "FX123456"})
    (alert,) = alerts(node)
    assert alert["record"]["schema"] == "Passport" and alert["score"] == 1.0  # type: ignore[index]
    assert alert["match"]["match"] == "identifier"  # type: ignore[index]


def test_alerts_are_acknowledged_once_and_only_by_their_agency(node: Node) -> None:
    published(node, node.operator())
    ingest_people(node, {"id": "p1", "name": "Dmytro Kravchuk", "birthDate": "1975-05-05"})
    (alert,) = list_alerts(node, node.operator())
    stranger = principal("NL-POLITIE", ("analyst",))
    assert list_alerts(node, stranger) == []
    with pytest.raises(NotFound):
        ack_alert(node, stranger, alert.id)
    acked = ack_alert(node, node.operator(), alert.id, "arrested at the border")
    assert acked.acked_by == "operator:cli@DE-BKA" and acked.note == "arrested at the border"
    with pytest.raises(Conflict):
        ack_alert(node, node.operator(), alert.id)
    assert list_alerts(node, node.operator(), acked=False) == []
    assert [e.kind for e in events_after(node, "DE-BKA", 0)] == ["alert", "alert_ack"]


def test_only_active_notices_are_in_the_key_index(node: Node) -> None:
    with node.engine.connect() as conn:
        assert not store.has_keys(conn)
    notice = published(node, node.operator())
    row = notice.row
    keys = notice_watch_keys(row.subject_schema, row.subject["properties"], row.documents)
    assert keys and all(kind in ("mname", "mid", "id") for kind, _ in keys)
    with node.engine.connect() as conn:
        assert store.key_counts(conn, keys) == dict.fromkeys(keys, 1)
    cancel_notice(node, node.operator(), row.notice_id)
    with node.engine.connect() as conn:
        assert not store.has_keys(conn)


def test_a_notice_published_by_another_process_is_matched_from_the_next_look_up(
    node: Node, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Postings read once are kept while the watchlist's version stays the same; a notice
    # published meanwhile, here or in another process, changes the version.
    who = node.operator()
    published(node, who)
    ingest_people(node, {"id": "p1", "name": "Olga Sydorenko", "birthDate": "1990-01-01"})
    assert alerts(node) == []  # Olga's keys were looked up (and held by no notice)
    written = store._written
    with node.engine.connect() as conn:
        before = store.watchlist_version(conn)
    published(node, who, red("Olga Sydorenko", "1990-01-01"))
    with node.engine.connect() as conn:
        assert store.watchlist_version(conn) > before
    monkeypatch.setattr(store, "_written", written)  # as if another process had written it
    ingest_people(node, {"id": "p2", "name": "Olga Sydorenko", "birthDate": "1990-01-01"})
    assert "p2" in [a["record"]["id"] for a in alerts(node)]  # type: ignore[index]
