"""The routes the workbench added: code lists, the what-if simulation of a draft agreement,
a record's disclosures from the ledger, the whole ledger's verification, administration."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from accord.api import create_app
from accord.services.agreements import put_agreements
from accord.services.node import Node
from accord.services.records import create_record
from accord.services.tokens import issue_token

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def client(node: Node, *roles: str) -> TestClient:
    token = issue_token(node, "-".join(roles), list(roles))
    c = TestClient(create_app(node), raise_server_exceptions=False)
    c.headers["Authorization"] = f"Bearer {token.secret}"
    return c


@pytest.fixture
def analyst(node: Node) -> Iterator[TestClient]:
    with client(node, "analyst") as c:
        yield c


def person(node: Node, entity_id: str, name: str) -> None:
    create_record(
        node,
        node.operator(),
        {
            "id": entity_id,
            "schema": "Person",
            "properties": {"name": [name]},
            "accord": {"subject_category": "suspect", "crime_areas": ["thb"], "tlp": "AMBER"},
        },
    )


def test_the_code_lists_hold_what_the_node_checks(analyst: TestClient) -> None:
    found = analyst.get("/api/v1/codes").json()
    assert "investigation" in {p["code"] for p in found["purposes"]}
    assert "thb" in {a["code"] for a in found["crime_areas"]}
    assert found["limits"]["max_body_bytes"] > 0 and found["limits"]["max_batch"] > 0
    assert "eu-2000" in {b["code"] for b in found["mla_legal_bases"]}
    freezing = next(m for m in found["mla_measures"] if m["code"] == "freezing_of_assets")
    assert freezing["amount"] is True
    assert found["partners"] == []  # this node has no partner yet


def test_a_draft_agreement_is_simulated_without_being_loaded(
    node: Node, analyst: TestClient
) -> None:
    person(node, "de-p-1", "Ivan Petrenko")
    draft = (EXAMPLES / "drafts" / "jit-de-bka-ua-npu.yaml").read_text("utf-8")
    res = analyst.post(
        "/api/v1/policy/simulate?on=2027-08-01",
        content=draft,
        headers={"Content-Type": "application/yaml"},
    )
    assert res.status_code == 200, res.text
    report = res.json()
    assert report["day"] == "2027-08-01" and report["records"] == 1
    assert sum(f["count"] for f in report["flows"]) >= 1
    assert analyst.get("/api/v1/agreements").json() == []  # nothing was loaded


def test_a_draft_that_does_not_load_names_its_line(analyst: TestClient) -> None:
    res = analyst.post(
        "/api/v1/policy/simulate",
        content="id: [unclosed\n",
        headers={"Content-Type": "application/yaml"},
    )
    assert res.status_code == 422
    assert res.json()["problems"][0]["line"] == 2


def test_the_owner_sees_to_whom_its_record_went_under_which_clause(
    node: Node, analyst: TestClient
) -> None:
    put_agreements(
        node,
        node.operator(),
        [(p.name, p.read_text("utf-8")) for p in sorted((EXAMPLES / "agreements").glob("*.yaml"))],
    )
    person(node, "de-p-1", "Ivan Petrenko")
    person(node, "de-p-2", "Someone Else")
    with client(node, "investigator") as investigator:
        body = {"to": "UA-NPU", "ids": ["de-p-1"], "reference": "DE case 1", "crime_area": "thb"}
        assert investigator.post("/api/v1/exports", json=body).status_code == 200
    found = analyst.get("/api/v1/records/de-p-1/disclosures").json()
    assert len(found) == 1
    (one,) = found
    assert one["recipient"] == "UA-NPU" and one["mode"] == "reference"
    assert one["clauses"] and one["channel"] == "export" and one["reference"] == "DE case 1"
    assert analyst.get("/api/v1/records/de-p-2/disclosures").json() == []


def test_another_agencys_record_disclosures_are_not_shown(analyst: TestClient) -> None:
    res = analyst.get("/api/v1/records/x/disclosures?owner=NL-POLITIE")
    assert res.status_code == 403


def test_the_ledger_verifies_through_the_api(node: Node) -> None:
    person(node, "de-p-1", "Ivan Petrenko")
    with client(node, "auditor") as auditor:
        head = auditor.get("/api/v1/audit/tree-head").json()
        found = auditor.get("/api/v1/audit/verify").json()
    assert found["ok"] is True and found["problem"] is None
    assert found["checked"] == head["tree_size"] >= 1


def test_the_administrator_lists_users_tokens_partners_and_sets_roles(node: Node) -> None:
    from accord.services.users import create_user

    create_user(node, "olena", "a long passphrase for olena", ["analyst"], actor=node.operator())
    with client(node, "node_admin") as admin:
        users = admin.get("/api/v1/admin/users").json()
        assert [u["username"] for u in users] == ["olena"] and users[0]["mfa"] == "pending"
        assert {t["name"] for t in admin.get("/api/v1/admin/tokens").json()} == {"node_admin"}
        assert admin.get("/api/v1/admin/partners").json() == []
        res = admin.put(
            "/api/v1/admin/users/olena/roles", json={"roles": ["analyst", "liaison_officer"]}
        )
        assert res.status_code == 200 and res.json()["roles"] == ["analyst", "liaison_officer"]
        bad = admin.put("/api/v1/admin/users/olena/roles", json={"roles": ["wizard"]})
        assert bad.status_code == 422
        missing = admin.put("/api/v1/admin/users/nobody/roles", json={"roles": ["analyst"]})
        assert missing.status_code == 404


def test_administration_is_for_node_administrators_only(analyst: TestClient) -> None:
    assert analyst.get("/api/v1/admin/users").status_code == 403
