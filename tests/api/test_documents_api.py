"""/api/v1/documents over HTTP: report, check, batch check, status changes, and a document
checker who may do nothing but check."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from accord.api import create_app
from accord.documents import rules
from accord.services.node import Node
from accord.services.tokens import issue_token
from tests.documents import specimens

PASSPORT = {"number": "C01X00T47", "country": "D", "type": "passport", "status": "stolen"}


def bearer(node: Node, name: str, *roles: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {issue_token(node, name, list(roles)).secret}"}


@pytest.fixture
def api(node: Node) -> Iterator[tuple[TestClient, dict[str, str], dict[str, str]]]:
    """A client, an investigator's headers and a document checker's."""
    with TestClient(create_app(node), raise_server_exceptions=False) as client:
        yield (
            client,
            bearer(node, "officer", "investigator"),
            bearer(node, "border", "document_checker"),
        )


def test_report_then_check_by_number_and_by_mrz(api: Any) -> None:
    client, officer, border = api
    made = client.post("/api/v1/documents", json=PASSPORT, headers=officer)
    assert made.status_code == 201, made.text
    assert made.json()["status"] == "stolen" and made.json()["action"]["code"] == "seize"
    for body in ({"number": "C01X00T47", "country": "DEU"}, {"mrz": specimens.DE_PASSPORT}):
        res = client.post("/api/v1/documents/check", json=body, headers=border)
        assert res.status_code == 200, res.text
        assert set(res.json()) == {"hit", "action"}
        assert res.json()["hit"] is True and res.json()["action"]["code"] == "seize"
    res = client.post("/api/v1/documents/check", json={"mrz": specimens.TD3}, headers=border)
    assert res.json() == {"hit": False, "action": None}


def test_a_bad_mrz_is_a_422_naming_the_field(api: Any) -> None:
    client, _, border = api
    lines = [specimens.TD3[0], specimens.TD3[1][:19] + "3" + specimens.TD3[1][20:]]
    res = client.post("/api/v1/documents/check", json={"mrz": lines}, headers=border)
    assert res.status_code == 422
    fields = {e["field"] for e in res.json()["errors"]}
    assert "mrz.line2.birth_date_check_digit" in fields


def test_another_countrys_document_is_403_and_nothing_is_written(api: Any) -> None:
    client, officer, border = api
    res = client.post("/api/v1/documents", json={**PASSPORT, "country": "UKR"}, headers=officer)
    assert res.status_code == 403
    check = {"number": "C01X00T47", "country": "UKR"}
    assert not client.post("/api/v1/documents/check", json=check, headers=border).json()["hit"]


def test_a_second_report_is_409(api: Any) -> None:
    client, officer, _ = api
    assert client.post("/api/v1/documents", json=PASSPORT, headers=officer).status_code == 201
    assert client.post("/api/v1/documents", json=PASSPORT, headers=officer).status_code == 409


def test_status_change_and_withdrawal_keep_the_history(api: Any) -> None:
    client, officer, border = api
    client.post("/api/v1/documents", json=PASSPORT, headers=officer)
    url = "/api/v1/documents/D/passport/C01X00T47"
    res = client.post(f"{url}/status", json={"status": "revoked"}, headers=officer)
    assert res.status_code == 200 and res.json()["action"]["code"] == "refuse"
    res = client.post(
        f"{url}/status", json={"status": "withdrawn", "reason": "found"}, headers=officer
    )
    assert res.status_code == 200 and res.json()["action"] is None
    check = {"number": "C01X00T47", "country": "D"}
    assert not client.post("/api/v1/documents/check", json=check, headers=border).json()["hit"]
    shown = client.get(url, headers=officer).json()
    assert [h["status"] for h in shown["history"]] == ["stolen", "revoked"]
    assert client.get("/api/v1/documents/D/passport/NOPE", headers=officer).status_code == 404


def test_a_batch_answers_the_good_items_and_names_the_bad(api: Any) -> None:
    client, officer, border = api
    client.post("/api/v1/documents", json=PASSPORT, headers=officer)
    items = [
        {"number": "C01X00T47", "country": "D"},
        {"number": "X", "country": "ZZZ"},
        {"mrz": specimens.DE_PASSPORT},
        {"mrz": [specimens.TD3[0], specimens.TD3[1][:-1] + "9"]},
        {"number": "L898902C3", "country": "UTO"},
    ]
    res = client.post("/api/v1/documents/check-batch", json={"items": items}, headers=border)
    assert res.status_code == 200, res.text
    results = res.json()["results"]
    assert [r.get("hit") for r in results] == [True, None, True, None, False]
    assert results[1]["errors"][0]["field"] == "items.1.country"
    assert results[3]["errors"][0]["field"] == "items.3.mrz.line2.composite_check_digit"


def test_a_batch_holds_at_most_10000_items(api: Any) -> None:
    client, _, border = api
    items = [{"number": f"N{i}", "country": "D"} for i in range(10_001)]
    res = client.post("/api/v1/documents/check-batch", json={"items": items}, headers=border)
    assert res.status_code == 422
    assert client.post(
        "/api/v1/documents/check-batch", json={"items": items[:10_000]}, headers=border
    ).json()["results"][0] == {"hit": False, "action": None}


@pytest.mark.parametrize(
    ("method", "url", "body"),
    [
        ("POST", "/api/v1/documents", PASSPORT),
        ("GET", "/api/v1/documents/D/passport/C01X00T47", None),
        ("POST", "/api/v1/documents/D/passport/C01X00T47/status", {"status": "withdrawn"}),
        ("POST", "/api/v1/search", {"query": "C01X00T47"}),
        ("GET", "/api/v1/records", None),
        ("GET", "/api/v1/audit/entries?start=0&end=1", None),
    ],
)
def test_a_document_checker_may_do_nothing_beyond_checking(
    api: Any, method: str, url: str, body: Any
) -> None:
    client, officer, border = api
    client.post("/api/v1/documents", json=PASSPORT, headers=officer)
    assert client.request(method, url, json=body, headers=border).status_code == 403


def test_a_check_asking_for_more_is_refused(api: Any) -> None:
    client, _, border = api
    body = {"number": "C01X00T47", "country": "D", "include": ["holder"]}
    res = client.post("/api/v1/documents/check", json=body, headers=border)
    assert res.status_code == 422 and res.json()["errors"][0]["field"] == "include"


def test_the_api_knows_every_type_and_action_of_the_rules() -> None:
    from typing import get_args

    from accord.api.routers import documents as router

    assert set(get_args(router._Type)) == set(rules().types)
    assert set(get_args(router._Action)) == set(rules().actions)
    assert set(get_args(router._Status)) == set(rules().statuses)


def _ledger_size(node: Node) -> int:
    from accord.store.ledger import ledger_size

    with node.engine.connect() as conn:
        return ledger_size(conn)


@pytest.mark.parametrize(
    ("who", "body", "extra", "status", "field"),
    [
        ("nobody", {"number": "C01X00T47", "country": "D"}, {}, 401, None),
        ("auditor", {"number": "C01X00T47", "country": "D"}, {}, 403, None),
        ("border", "x" * (10 * 1024 * 1024 + 1), {}, 413, None),
        ("border", "{not json", {"Content-Type": "application/json"}, 422, "body"),
        ("border", {"country": "D"}, {}, 422, "number"),
    ],
)
def test_the_single_check_is_guarded_as_every_route(
    api: Any, node: Node, who: str, body: Any, extra: dict[str, str], status: int, field: Any
) -> None:
    """The check is served ahead of the framework's stack (`accord.api.app.NodeAPI`): the
    same caller, access and body limits, the same errors naming the field, and nothing
    written for a refused check."""
    client, _, border = api
    headers = {
        "nobody": {},
        "auditor": bearer(node, "auditor", "auditor"),
        "border": border,
    }[who] | extra
    before = _ledger_size(node)
    if isinstance(body, str):
        res = client.post("/api/v1/documents/check", content=body, headers=headers)
    else:
        res = client.post("/api/v1/documents/check", json=body, headers=headers)
    assert res.status_code == status, res.text
    assert "Traceback" not in res.text and res.json()["code"]
    if field is not None:
        assert field in {e["field"] for e in res.json()["errors"]}
    assert _ledger_size(node) == before


def test_a_check_through_the_fast_dispatch_goes_to_the_ledger(api: Any, node: Node) -> None:
    client, _, border = api
    before = _ledger_size(node)
    res = client.post(
        "/api/v1/documents/check", json={"number": "C01X00T47", "country": "D"}, headers=border
    )
    assert res.status_code == 200 and res.json() == {"hit": False, "action": None}
    assert res.headers["content-type"] == "application/json"
    assert _ledger_size(node) == before + 1
