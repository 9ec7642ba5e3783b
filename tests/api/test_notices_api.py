"""/api/v1/notices and /api/v1/alerts over HTTP: bad input is a 422 naming the field, an
illegal transition a 409, never a 500; alerts are the caller's agency's."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from accord.api import create_app
from accord.services.node import Node
from accord.services.tokens import issue_token
from tests.services.notices_factories import ingest_people, red


@pytest.fixture
def officer(node: Node) -> Iterator[TestClient]:
    token = issue_token(node, "officer", ["liaison_officer", "analyst"])
    with TestClient(create_app(node), raise_server_exceptions=False) as c:
        c.headers["Authorization"] = f"Bearer {token.secret}"
        yield c


def test_a_notice_is_drafted_published_and_listed(officer: TestClient) -> None:
    res = officer.post("/api/v1/notices", json=red())
    assert res.status_code == 201, res.text
    notice = res.json()
    assert notice["status"] == "draft" and notice["type"] == "red"
    nid = notice["notice_id"]
    res = officer.post(f"/api/v1/notices/{nid}/publish")
    assert res.status_code == 200 and res.json()["status"] == "published"
    listed = officer.get("/api/v1/notices", params={"status": "published"}).json()
    assert [n["notice_id"] for n in listed] == [nid]
    shown = officer.get(f"/api/v1/notices/{nid}").json()
    assert [h["status"] for h in shown["history"]] == ["draft", "published"]
    assert officer.get("/api/v1/notices/ntc-nothing").status_code == 404


def test_bad_notices_are_refused_naming_the_field(officer: TestClient) -> None:
    body = red()
    del body["details"]["issuing_authority"]
    res = officer.post("/api/v1/notices", json=body)
    assert res.status_code == 422
    assert [e["field"] for e in res.json()["errors"]] == ["details.issuing_authority"]
    res = officer.post("/api/v1/notices", json={**red(), "type": "magenta"})
    assert res.status_code == 422 and res.json()["errors"][0]["field"] == "type"
    res = officer.get("/api/v1/notices", params={"status": "lost"})
    assert res.status_code == 422
    res = officer.post("/api/v1/notices", json={**red(), "subject": {"schema": "Nothing"}})
    assert res.status_code == 422 and res.json()["errors"][0]["field"] == "subject.schema"


def test_an_illegal_transition_is_a_409(officer: TestClient) -> None:
    nid = officer.post("/api/v1/notices", json=red()).json()["notice_id"]
    res = officer.post(f"/api/v1/notices/{nid}/suspend", json={"reason": "x"})
    assert res.status_code == 409 and res.json()["code"] == "illegal_transition"
    assert officer.post(f"/api/v1/notices/{nid}/cancel", json={}).status_code == 200
    res = officer.post(f"/api/v1/notices/{nid}/publish")
    assert res.status_code == 409 and "cancelled" in res.json()["message"]


def test_alerts_are_listed_and_acknowledged(node: Node, officer: TestClient) -> None:
    nid = officer.post("/api/v1/notices", json=red()).json()["notice_id"]
    officer.post(f"/api/v1/notices/{nid}/publish")
    ingest_people(node, {"id": "p1", "name": "Dmytro Kravchuk", "birthDate": "1975-05-05"})
    (alert,) = officer.get("/api/v1/alerts").json()
    assert alert["notice_id"] == nid and alert["record"]["id"] == "p1" and not alert["acked"]
    res = officer.post(f"/api/v1/alerts/{alert['id']}/ack", json={"note": "seen"})
    assert res.status_code == 200 and res.json()["acked"] and res.json()["note"] == "seen"
    assert officer.post(f"/api/v1/alerts/{alert['id']}/ack", json={}).status_code == 409
    assert officer.post("/api/v1/alerts/999/ack", json={}).status_code == 404
    assert officer.get("/api/v1/alerts", params={"acked": "false"}).json() == []


def test_only_casework_roles_issue_notices(node: Node) -> None:
    dpo = issue_token(node, "dpo", ["data_protection_officer"])
    with TestClient(create_app(node), raise_server_exceptions=False) as c:
        c.headers["Authorization"] = f"Bearer {dpo.secret}"
        assert c.post("/api/v1/notices", json=red()).status_code == 403
        assert c.get("/api/v1/notices").status_code == 200
        assert c.get("/api/v1/alerts").status_code == 403
