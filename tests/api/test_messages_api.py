"""/api/v1/messages, /api/v1/cases and /api/v1/mla over HTTP on one node: bad input is a 422
naming the field, nothing is sent, and a route of the requested authority's refuses the
requesting side; never a 500."""

from __future__ import annotations

import base64
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from accord.api import create_app
from accord.services.node import Node
from accord.services.tokens import issue_token


@pytest.fixture
def officer(node: Node) -> Iterator[TestClient]:
    token = issue_token(node, "officer", ["liaison_officer", "investigator"])
    with TestClient(create_app(node), raise_server_exceptions=False) as c:
        c.headers["Authorization"] = f"Bearer {token.secret}"
        yield c


def fields(res: object) -> set[str]:
    body = res.json()  # type: ignore[attr-defined]
    return {
        e["field"].split(".", 1)[-1] if e["field"].startswith("body.") else e["field"]
        for e in body.get("errors", [])
    }


def test_a_message_to_no_partner_or_without_text_is_refused(officer: TestClient) -> None:
    res = officer.post(
        "/api/v1/messages", json={"recipient": "FR-PN", "subject": "Hi", "body": "Text"}
    )
    assert res.status_code == 422 and "recipient" in fields(res)
    res = officer.post("/api/v1/messages", json={"recipient": "FR-PN", "subject": " ", "body": ""})
    assert res.status_code == 422 and {"subject", "body"} <= fields(res)
    bad = {"name": "a.txt", "content": "%%% not base64"}
    res = officer.post(
        "/api/v1/messages",
        json={"recipient": "FR-PN", "subject": "s", "body": "b", "attachments": [bad]},
    )
    assert res.status_code == 422 and "attachments.0.content" in fields(res)
    big = {"name": "big.bin", "content": base64.b64encode(b"x" * (4 * 2**20 + 1)).decode()}
    res = officer.post(
        "/api/v1/messages",
        json={"recipient": "FR-PN", "subject": "s", "body": "b", "attachments": [big]},
    )
    assert res.status_code == 422 and "attachments" in fields(res)
    assert officer.get("/api/v1/messages").json() == []
    assert officer.get("/api/v1/messages/msg_nothing").status_code == 404


def test_an_mla_request_without_legal_basis_or_measures_is_refused(officer: TestClient) -> None:
    res = officer.post(
        "/api/v1/mla",
        json={
            "requested_agency": "NL-POLITIE",
            "requesting_authority": "Staatsanwaltschaft Berlin",
            "requested_authority": "Openbaar Ministerie",
            "offence": {"description": "Fraud", "crime_area": "fraud"},
            "deadline": "2099-01-01",
        },
    )
    assert res.status_code == 422 and {"legal_basis", "measures"} <= fields(res)
    assert officer.get("/api/v1/mla").json() == []
    metrics = officer.get("/api/v1/mla/metrics").json()
    assert metrics["total"] == 0 and metrics["assets"] == {"frozen": {}, "recovered": {}}
    assert (
        officer.post("/api/v1/mla/mla_nothing/advance", json={"state": "executed"}).status_code
        == 404
    )


def test_a_case_is_opened_and_shown(officer: TestClient) -> None:
    res = officer.post("/api/v1/cases", json={"reference": "BKA-7", "crime_area": "thb"})
    assert res.status_code == 201, res.text
    case = res.json()
    assert officer.get(f"/api/v1/cases/{case['case_id']}").json()["members"] == ["DE-BKA"]
    res = officer.post(f"/api/v1/cases/{case['case_id']}/members", json={"agency": "FR-PN"})
    assert res.status_code == 422 and "agency" in fields(res)
