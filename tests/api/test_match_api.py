"""POST /api/v1/match answers in yente's shape, with our envelope and every feature's
explanation; bad input is a 4xx naming the field, never a 500."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

PURPOSE = {"reference": "BKA-2026-0042", "crime_area": "thb"}


def person(entity_id: str, name: str, **props: str) -> dict[str, Any]:
    properties = {"name": [name], **{k: [v] for k, v in props.items()}}
    return {"id": entity_id, "schema": "Person", "properties": properties,
            "accord": {"crime_areas": ["thb"], "subject_category": "suspect"}}  # fmt: skip


@pytest.fixture
def loaded(client: TestClient) -> TestClient:
    for body in (
        person("ua-1", "Олександр Коваленко", birthDate="1981-03-02", nationality="ua"),
        person("ua-2", "Микола Коваленко", birthDate="1955-07-11", nationality="ua"),
    ):
        res = client.post("/api/v1/records", json=body)
        assert res.status_code == 201, res.text
    return client


def test_the_answer_has_yentes_shape_with_features_and_envelope(loaded: TestClient) -> None:
    query = {"schema": "Person", "properties": {"name": ["KOVALENKO ALEXANDER"],
                                                "birthDate": ["1981"]}}  # fmt: skip
    res = loaded.post("/api/v1/match", json={"queries": {"q1": query}, **PURPOSE})
    assert res.status_code == 200, res.text
    answer = res.json()["responses"]["q1"]
    assert answer["total"] == 1 and answer["threshold"] == 0.7
    (result,) = answer["results"]
    assert result["id"] == "ua-1" and result["schema"] == "Person" and result["match"] is True
    assert result["properties"]["name"] == ["Олександр Коваленко"]
    assert 0.7 <= result["score"] <= 1.0
    assert result["features"]["name_similarity"] > 0
    assert {e["feature"] for e in result["explanations"]} >= {"name_similarity", "birth_date"}
    assert result["accord"]["owner"] == "DE-BKA"
    assert result["algorithm"] == "accord-v3"


def test_a_name_written_in_two_scripts_at_once_finds_the_person(loaded: TestClient) -> None:
    # A clerk's half-transliterated entry: the given name left in Cyrillic, the surname in
    # a German spelling. Each word is romanised on its own and the name still aligns.
    query = {"schema": "Person", "properties": {"name": ["Олександр Kowalenko"],
                                                "birthDate": ["1981-03-02"]}}  # fmt: skip
    res = loaded.post("/api/v1/match", json={"queries": {"q": query}, **PURPOSE})
    assert res.status_code == 200, res.text
    assert [r["id"] for r in res.json()["responses"]["q"]["results"]] == ["ua-1"]


def test_threshold_limit_and_purpose_may_come_as_query_parameters(loaded: TestClient) -> None:
    query = {"schema": "Person", "properties": {"name": ["Kovalenko"]}}
    res = loaded.post(
        "/api/v1/match?threshold=0.01&limit=1&reference=BKA-1&crime_area=thb",
        json={"queries": {"q": query}},
    )
    assert res.status_code == 200, res.text
    answer = res.json()["responses"]["q"]
    assert answer["threshold"] == 0.01 and answer["total"] == 1


BAD = [
    ({"queries": {}}, {}, "queries"),
    ({"queries": {"q": {"schema": "Person", "properties": {"name": ["A"]}}}}, {}, "reference"),
    ({"queries": {"q": {"schema": "Nobody", "properties": {"name": ["A"]}}}, **PURPOSE}, {},
     "queries.q.schema"),
    ({"queries": {"q": {"schema": "Person", "properties": {}}}, **PURPOSE}, {},
     "queries.q.properties"),
    ({"queries": {"q": {"schema": "Person", "properties": {"name": ["x" * 10000]}}},
      **PURPOSE}, {}, None),
    ({"queries": {"q": {"schema": "Person", "properties": {"name": ["\x00\x01"]}}}, **PURPOSE},
     {}, "queries.q.properties.name"),
    ({"queries": {"q": {"schema": "Person", "properties": {"name": [""]}}}, **PURPOSE}, {},
     "queries.q.properties"),
    ({"queries": {"q": {"schema": "Person", "properties": {"name": ["😀🔥 😀"]}}}, **PURPOSE},
     {}, "queries.q.properties"),
    ({"queries": {"q": {"schema": "Person", "properties": {"name": ["Олександр Kowalenko 王"]}}},
      **PURPOSE}, {}, None),
    ({"queries": {"q": {"schema": "Person", "properties": {"colour": ["red"]}}}, **PURPOSE},
     {}, "queries.q.properties"),
    ({"queries": {"q": {"schema": "Person", "properties": {"name": ["Anna"]}}}, **PURPOSE},
     {"threshold": "-0.1"}, "threshold"),
    ({"queries": {"q": {"schema": "Person", "properties": {"name": ["Anna"]}}}, **PURPOSE},
     {"limit": "0"}, "limit"),
    ({"queries": {"q": {"schema": "Person", "properties": {"birthDate": ["1981-13-40"]}}},
      **PURPOSE}, {}, "queries.q.properties.birthDate"),
    ({"queries": {"q": {"schema": "Person", "properties": {"name": ["Anna"]}}}, **PURPOSE},
     {"threshold": "1.5"}, "threshold"),
    ({"queries": {"q": {"schema": "Person", "properties": {"name": ["Anna"]}}}, **PURPOSE},
     {"algorithm": "logic-v9"}, "algorithm"),
]  # fmt: skip


@pytest.mark.parametrize(("body", "params", "field"), BAD, ids=[str(b[2]) for b in BAD])
def test_bad_input_is_a_4xx_naming_the_field_or_an_empty_answer(
    loaded: TestClient, body: dict[str, Any], params: dict[str, str], field: str | None
) -> None:
    res = loaded.post("/api/v1/match", json=body, params=params)
    if field is None:  # nothing wrong with it, and nothing like it held: an empty answer
        assert res.status_code == 200, res.text
        assert res.json()["responses"]["q"]["results"] == []
        return
    assert res.status_code == 422, res.text
    assert field in res.text


def test_a_document_checker_may_not_match(node: Any) -> None:
    from accord.api import create_app
    from accord.services.tokens import issue_token

    token = issue_token(node, "checker", ["document_checker"])
    with TestClient(create_app(node), raise_server_exceptions=False) as c:
        query = {"schema": "Person", "properties": {"name": ["Anna"]}}
        res = c.post(
            "/api/v1/match",
            json={"queries": {"q": query}, **PURPOSE},
            headers={"Authorization": f"Bearer {token.secret}"},
        )
    assert res.status_code == 403
