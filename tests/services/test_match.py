"""Matching finds the node's record of a person however another agency spelled the name, and
not the relatives; the index follows every change; bad queries are refused by field."""

from __future__ import annotations

import io
import json
from dataclasses import replace
from typing import Any

import pytest
from sqlalchemy import select

from accord.errors import ValidationError
from accord.model import EnvelopeDefaults
from accord.services import records as record_service
from accord.services.audit import entries, log_size
from accord.services.ingest import ingest_stream
from accord.services.match import match_records, parse_queries
from accord.services.node import Node
from accord.services.purpose import parse_purpose
from accord.store.tables import match_views, record_keys
from tests.conftest import entity, principal

PURPOSE = parse_purpose("investigation", "BKA-2026-0042", "thb")
ANALYST = principal()

RECORDS = [
    entity("Person", "ua-1", name="Олександр Коваленко", birthDate="1981-03-02",
           nationality="ua", gender="male"),
    entity("Person", "ua-2", name="Микола Коваленко", birthDate="1955-07-11",
           nationality="ua", gender="male"),
    entity("Person", "ua-3", name="Олена Коваленко", birthDate="1984-12-30",
           nationality="ua", gender="female"),
    entity("Person", "de-1", name="Johann Schmidt", birthDate="1970-01-01",
           passportNumber="C01X00T47"),
    entity("Person", "cn-1", name="王小明", birthDate="1990-05-04"),
    entity("Company", "co-1", name="Kovalenko Trading LLC"),
]  # fmt: skip


def load(node: Node, *items: dict[str, Any]) -> None:
    text = "\n".join(json.dumps(i, ensure_ascii=False) for i in items)
    report = ingest_stream(
        node,
        node.operator(),
        io.BytesIO(text.encode("utf-8")),
        defaults=EnvelopeDefaults(owner="DE-BKA", crime_areas=("thb",)),
    )
    assert report.rejected == 0


def ask(node: Node, **properties: Any) -> list[str]:
    props = {k: v if isinstance(v, list) else [v] for k, v in properties.items()}
    queries = parse_queries({"q": {"schema": "Person", "properties": props}}, "DE")
    _, hits = match_records(node, ANALYST, queries, PURPOSE)["q"]
    return [h.record.id for h in hits]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"name": "Oleksandr Kovalenko"}, ["ua-1"]),
        ({"name": "Aleksandr Kowalenko", "birthDate": "1981"}, ["ua-1"]),
        ({"name": "KOVALENKO ALEXANDER", "birthDate": "1981-02-03"}, ["ua-1"]),
        ({"name": "Sasha Kovalenko", "nationality": "ua"}, ["ua-1"]),
        ({"name": "Ivan Schmidt", "birthDate": "1970-01-01"}, ["de-1"]),
        ({"name": "Hans Schmidt", "passportNumber": "C01X00T47"}, ["de-1"]),
        ({"name": "Wang Xiaoming"}, ["cn-1"]),
    ],
    ids=lambda v: json.dumps(v, ensure_ascii=False) if isinstance(v, dict) else "",
)
def test_another_agencys_spelling_finds_the_record(
    node: Node, query: dict[str, Any], expected: list[str]
) -> None:
    load(node, *RECORDS)
    assert ask(node, **query) == expected


def test_relatives_sharing_the_surname_are_not_matched(node: Node) -> None:
    load(node, *RECORDS)
    assert ask(node, name="Oleksandr Kovalenko", birthDate="1981-03-02") == ["ua-1"]
    assert ask(node, name="Petro Kovalenko") == []


def test_a_result_explains_its_score_and_the_match_is_ledgered(node: Node) -> None:
    load(node, *RECORDS)
    queries = parse_queries(
        {"q": {"schema": "Person", "properties": {"name": ["Aleksandr Kowalenko"]}}}, "DE"
    )
    _, hits = match_records(node, ANALYST, queries, PURPOSE)["q"]
    shown = hits[0].to_dict(0.7)
    assert shown["id"] == "ua-1" and shown["match"] is True
    assert shown["features"]["name_similarity"] > 0
    assert shown["accord"]["owner"] == "DE-BKA"
    entry = record_service_last_entry(node)
    assert entry["event"] == "match"
    assert entry["details"]["queries"]["q"]["results"] == [["DE-BKA", "ua-1"]]
    assert entry["details"]["reference"] == "BKA-2026-0042"


def record_service_last_entry(node: Node) -> dict[str, Any]:
    size = log_size(node)
    return entries(node, size - 1, size)[0]


def test_the_index_follows_updates_and_deletes(node: Node) -> None:
    load(node, *RECORDS)
    with node.engine.connect() as conn:
        kinds = {r[0] for r in conn.execute(select(record_keys.c.kind))}
    assert {"mname", "mid"} <= kinds
    owner = principal(roles=("investigator",))
    record_service.update_record(node, owner, "de-1", {"properties": {"name": ["Otto Weber"]}})
    assert ask(node, name="Johann Schmidt") == []
    assert ask(node, name="Otto Weber") == ["de-1"]
    record_service.delete_record(node, owner, "de-1")
    assert ask(node, name="Otto Weber") == []


BAD_QUERIES = [
    ({}, "queries"),
    ({"q": "Kovalenko"}, "queries.q"),
    ({"q": {"schema": "Person", "properties": {}}}, "queries.q.properties"),
    ({"q": {"schema": "Person", "properties": {"name": [""]}}}, "queries.q.properties"),
    ({"q": {"schema": "Person", "properties": {"name": ["😀😀"]}}}, "queries.q.properties"),
    ({"q": {"schema": "Person", "properties": {"birthDate": ["1981-02-30"]}}},
     "queries.q.properties.birthDate"),
    ({"q": {"schema": "Nobody", "properties": {"name": ["A"]}}}, "queries.q.schema"),
    ({"q": {"schema": "Company", "properties": {"name": ["A B"]}}}, "queries.q.schema"),
    ({"q": {"schema": "Person", "properties": {"colour": ["red"]}}},
     "queries.q.properties.colour"),
    ({"q": {"schema": "Person", "properties": {"name": ["A"]}, "id": "x"}}, "queries.q.id"),
]  # fmt: skip


@pytest.mark.parametrize(("raw", "field"), BAD_QUERIES, ids=[f for _, f in BAD_QUERIES])
def test_a_bad_query_is_refused_naming_the_field(raw: Any, field: str) -> None:
    with pytest.raises(ValidationError) as err:
        parse_queries(raw, "DE")
    assert field in {e.field for e in err.value.errors}


def test_a_huge_name_is_answered_not_failed(node: Node) -> None:
    load(node, *RECORDS)
    assert ask(node, name="Kovalenko " * 1000) == []


@pytest.mark.parametrize(
    ("options", "field"),
    [({"threshold": 1.5}, "threshold"), ({"limit": 0}, "limit"), ({"algorithm": "x"}, "algorithm")],
)
def test_bad_options_are_refused_naming_the_field(
    node: Node, options: dict[str, Any], field: str
) -> None:
    queries = parse_queries({"q": {"schema": "Person", "properties": {"name": ["Anna"]}}}, "DE")
    with pytest.raises(ValidationError) as err:
        match_records(node, ANALYST, queries, PURPOSE, **options)
    assert [e.field for e in err.value.errors] == [field]


def test_reindex_gives_records_written_before_the_matcher_their_keys(node: Node) -> None:
    from sqlalchemy import delete

    load(node, *RECORDS)
    with node.engine.begin() as conn:  # as a node upgraded from before the matcher holds them
        conn.execute(delete(record_keys).where(record_keys.c.kind.in_(["mname", "mid"])))
    assert ask(node, name="Oleksandr Kovalenko") == []
    done = record_service.reindex_keys(node, node.operator(), batch=4)
    assert done == len(RECORDS)
    entry = record_service_last_entry(node)
    assert entry["event"] == "reindex" and entry["details"] == {"records": len(RECORDS)}
    assert ask(node, name="Oleksandr Kovalenko") == ["ua-1"]


def _views(node: Node) -> dict[int, str]:
    with node.engine.connect() as conn:
        return {
            r[0]: r[1] for r in conn.execute(select(match_views.c.record_pk, match_views.c.view))
        }


def test_every_person_carries_a_matching_view_that_follows_its_record(node: Node) -> None:
    load(node, *RECORDS)
    views = _views(node)
    persons = [r for r in RECORDS if r["schema"] == "Person"]
    assert len(views) == len(persons)  # the company has none
    owner = principal(roles=("investigator",))
    record_service.update_record(node, owner, "de-1", {"properties": {"name": ["Otto Weber"]}})
    assert any("otto" in v for v in _views(node).values())
    assert not any("johann" in v for v in _views(node).values())
    record_service.delete_record(node, owner, "de-1")
    assert len(_views(node)) == len(persons) - 1


def test_a_match_from_stored_views_equals_one_from_the_properties(node: Node) -> None:
    from sqlalchemy import delete

    load(node, *RECORDS)
    queries = parse_queries(
        {
            "a": {"schema": "Person", "properties": {"name": ["Oleksandr Kovalenko"]}},
            "b": {"schema": "Person", "properties": {"name": ["KOVALENKO"], "birthDate": ["1981"]}},
            "c": {"schema": "Person", "properties": {"passportNumber": ["C01X00T47"]}},
            "d": {"schema": "Person", "properties": {"name": ["Wang Xiaoming"]}},
        },
        "DE",
    )

    def answers() -> dict[str, list[tuple[str, Any]]]:
        found = match_records(node, ANALYST, queries, PURPOSE, threshold=0.3)
        return {q: [(h.record.id, h.result) for h in hits] for q, (_, hits) in found.items()}

    from_views = answers()
    assert from_views["a"] and from_views["c"] and from_views["d"]
    with node.engine.begin() as conn:  # as records written before views, or by another version
        conn.execute(delete(match_views))
    assert answers() == from_views
    record_service.reindex_keys(node, node.operator())
    assert len(_views(node)) == 5
    assert answers() == from_views


def test_screening_for_the_best_few_keeps_what_ranking_all_would(node: Node) -> None:
    from accord.matching.keys import match_keys
    from accord.matching.score import load_weights, subject_of
    from accord.services.match import best_of, screen_candidates
    from accord.store import records as store

    # Many namesakes scoring alike, and some better: the best few and their tie-breaks.
    same = [
        entity("Person", f"k{i}", name="Oleksandr Kovalenko", nationality="ua") for i in range(12)
    ]
    better = [
        entity("Person", f"b{i}", name="Oleksandr Kovalenko", birthDate="1981-03-02",
               nationality="ua") for i in range(3)
    ]  # fmt: skip
    load(node, *RECORDS, *same, *better)
    weights = load_weights()
    for props in (
        {"name": ["Oleksandr Kovalenko"]},
        {"name": ["Oleksandr Kovalenko"], "birthDate": ["1981-03-02"]},
        {"name": ["Kovalenko"]},
    ):
        subject = subject_of("Person", props)
        with node.engine.connect() as conn:
            pks = store.find_candidates(conn, sorted(match_keys("Person", props)), 200)
            everything = screen_candidates(conn, subject, pks, weights, 0.3)
            for limit in (1, 2, 5, 50):
                few = screen_candidates(conn, subject, pks, weights, 0.3, limit)
                assert best_of(few, limit) == best_of(everything, limit), (props, limit)


def test_namesakes_spelling_common_parts_alike_do_not_crowd_out_the_person(node: Node) -> None:
    """The cap keeps a handful of candidates; six records written in the query's script share
    its three common parts in every spelling, the person's own record (another agency's Latin
    spelling) shares all four parts by sound and the birth date: it must be among them."""
    node = replace(node, settings=node.settings.model_copy(update={"match_candidates": 3}))
    namesakes = [
        entity("Person", f"eg-{i}", name=f"نادية بلال عبد الرحمن {surname}",
               birthDate=f"19{60 + i}-0{i + 1}-1{i}", nationality="eg", gender="female")
        for i, surname in enumerate(["حسن", "سالم", "منصور", "عثمان", "يوسف", "قاسم"])
    ]  # fmt: skip
    person = entity("Person", "nl-1", name="EL ABBADY Nadia Belal Abdelrahman",
                    birthDate="1982-04-28", nationality="eg", gender="female")  # fmt: skip
    load(node, *namesakes, person)
    found = ask(node, name="نادية بلال عبد الرحمن العبادي", birthDate="1982-04-28")
    assert found[:1] == ["nl-1"]
