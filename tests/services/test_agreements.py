"""Agreements stored at the node, and the one decision point every outbound path uses."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from accord.errors import Forbidden, NotFound
from accord.model import Principal
from accord.policy import AgreementError, Mode, parse_agreement
from accord.services import agreements, audit, disclosure, policy_tools
from accord.services import records as record_service
from accord.services.node import Node
from accord.services.purpose import parse_purpose
from tests.conftest import entity, principal

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "agreements"
PURPOSE = parse_purpose("investigation", "BKA-2026-0042", "thb")


def load_examples(node: Node) -> list[str]:
    files = [(p.name, p.read_text()) for p in sorted(EXAMPLES.glob("*.yaml"))]
    return agreements.put_agreements(node, node.operator(), files)


def seed(node: Node) -> None:
    me = node.operator()
    record_service.create_record(
        node,
        me,
        entity(
            "Person",
            "suspect",
            {"subject_category": "suspect", "crime_areas": ["thb"]},
            name="Oleksandr Kovalenko",
            birthDate="1981-03-02",
        ),
    )
    record_service.create_record(
        node,
        me,
        entity(
            "Person",
            "victim",
            {"subject_category": "victim", "crime_areas": ["thb"], "tlp": "RED"},
            name="Olena Shevchenko",
        ),
    )
    record_service.create_record(
        node, me, entity("Passport", "doc", {"crime_areas": ["thb"]}, number="FE1234567")
    )


def test_examples_load_and_are_listed(node: Node) -> None:
    ids = load_examples(node)
    assert sorted(ids) == ["eu-de-bka-nl-politie", "loi-nl-politie-ua-npu", "mou-de-bka-ua-npu"]
    listed = {a["id"]: a for a in agreements.list_agreements(node)}
    assert listed["mou-de-bka-ua-npu"]["parties"] == ["DE-BKA", "UA-NPU"]


def test_only_node_admin_changes_agreements(node: Node) -> None:
    analyst: Principal = principal(roles=("analyst",))
    with pytest.raises(Forbidden):
        agreements.put_agreement(
            node, analyst, "x.yaml", (EXAMPLES / "de-bka-ua-npu.yaml").read_text()
        )


def test_broken_file_is_refused_with_line_and_changes_nothing(node: Node) -> None:
    load_examples(node)
    before = agreements.list_agreements(node)
    size = audit.tree_head(node).head.size
    text = (EXAMPLES / "de-bka-ua-npu.yaml").read_text().replace("title:", "titel:", 1)
    with pytest.raises(AgreementError) as exc:
        agreements.put_agreement(node, node.operator(), "de-bka-ua-npu.yaml", text)
    problem = exc.value.problems[0]
    assert problem.file == "de-bka-ua-npu.yaml"
    assert problem.line > 0
    assert agreements.list_agreements(node) == before
    assert audit.tree_head(node).head.size == size


def test_every_change_goes_to_the_ledger_with_its_hash(node: Node) -> None:
    load_examples(node)
    agreements.withdraw_agreement(node, node.operator(), "nl-politie-ua-npu.yaml")
    size = audit.tree_head(node).head.size
    log = [json.loads(e["payload"]) for e in audit.entries(node, 0, size)]
    changes = [e["details"] for e in log if e["event"] == "agreement_change"]
    assert [c["change"] for c in changes] == ["add", "add", "add", "withdraw"]
    assert all(len(c["sha256"]) == 64 for c in changes[:3])
    with pytest.raises(NotFound):
        agreements.withdraw_agreement(node, node.operator(), "nl-politie-ua-npu.yaml")


def test_release_discloses_only_what_the_agreement_allows(node: Node) -> None:
    load_examples(node)
    seed(node)
    me = node.operator()

    def released(to: str) -> dict[str, str]:
        with node.engine.begin() as conn:
            recs = [record_service.get_record(node, me, i) for i in ("suspect", "victim", "doc")]
            out = disclosure.release(
                conn, node, recipient=to, purpose=PURPOSE, records=recs, channel="test", actor=me
            )
        return {item["reference"]["schema"] + ":" + item["mode"]: item for item in out.items}

    nl = released("NL-POLITIE")
    assert set(nl) == {"Person:full", "Passport:full"}  # the RED victim record never leaves
    ua = released("UA-NPU")
    assert set(ua) == {"Person:reference", "Passport:full"}
    assert "record" not in ua["Person:reference"]
    assert released("CN-MPS") == {}  # no agreement: identical to "no such data"


def test_reference_opens_only_for_its_recipient(node: Node) -> None:
    load_examples(node)
    seed(node)
    me = node.operator()
    with node.engine.begin() as conn:
        rec = record_service.get_record(node, me, "suspect")
        out = disclosure.release(
            conn, node, recipient="UA-NPU", purpose=PURPOSE, records=[rec], channel="t", actor=me
        )
    ref = out.items[0]["reference"]["reference"]
    assert "suspect" not in ref
    assert disclosure.open_reference(node, "UA-NPU", ref) == ("DE-BKA", "suspect")
    for who, token in (("NL-POLITIE", ref), ("UA-NPU", ref[:-2] + "xx"), ("UA-NPU", "ref_x")):
        with pytest.raises(NotFound):
            disclosure.open_reference(node, who, token)


def test_export_is_policy_checked_and_recorded_with_clauses(node: Node) -> None:
    load_examples(node)
    seed(node)
    items = policy_tools.export_records(
        node, node.operator(), to="UA-NPU", record_ids=["suspect", "victim", "doc"], purpose=PURPOSE
    ).items
    assert sorted(i["mode"] for i in items) == ["full", "reference"]
    size = audit.tree_head(node).head.size
    log = [json.loads(e["payload"]) for e in audit.entries(node, 0, size)]
    disclosed = [e["details"] for e in log if e["event"] == "disclosure"][-1]
    assert disclosed["channel"] == "export"
    modes = {d["id"]: (d["mode"], d["clauses"]) for d in disclosed["decisions"]}
    assert modes["doc"] == ("full", ["mou-de-bka-ua-npu@v1/documents-full"])
    assert modes["suspect"] == ("reference", ["mou-de-bka-ua-npu@v1/persons-reference"])
    assert modes["victim"][0] == "deny"


def test_policy_check_explains_and_is_recorded(node: Node) -> None:
    load_examples(node)
    seed(node)
    result = policy_tools.check(
        node, node.operator(), to="UA-NPU", record_id="suspect", purpose=PURPOSE
    )
    assert result.decision.mode.value == "reference"
    assert result.decision.clauses == ("mou-de-bka-ua-npu@v1/persons-reference",)


def test_simulation_counts_flows_without_loading(node: Node) -> None:
    seed(node)
    text = (EXAMPLES / "de-bka-ua-npu.yaml").read_text()
    report = policy_tools.simulate_file(node, "de-bka-ua-npu.yaml", text)
    flows = {(f.kind, f.category, f.mode.value): f.count for f in report.flows}
    assert flows[("documents", None, "full")] == 1
    assert flows[("persons", "suspect", "reference")] == 1
    assert agreements.list_agreements(node) == []


def test_approved_follow_up_opens_references_but_no_denial(node: Node) -> None:
    load_examples(node)
    seed(node)
    me = node.operator()
    with node.engine.begin() as conn:
        recs = [record_service.get_record(node, me, i) for i in ("suspect", "victim", "doc")]
        out = disclosure.release(
            conn,
            node,
            recipient="UA-NPU",
            purpose=PURPOSE,
            records=recs,
            channel="follow_up",
            actor=me,
            approved_follow_up=True,
        )
    modes = {d[0].id: d[1].mode.value for d in out.decisions}
    assert modes == {"suspect": "full", "victim": "deny", "doc": "full"}
    assert {i["record"]["id"] for i in out.items} == {"suspect", "doc"}
    assert all(i["terms"]["clauses"] for i in out.items)


def test_simulation_of_a_future_draft_judges_its_first_day_or_the_day_asked(node: Node) -> None:
    seed(node)
    path = EXAMPLES.parent / "drafts" / "jit-de-bka-ua-npu.yaml"
    draft = parse_agreement(path.name, path.read_text())
    report = policy_tools.simulate_file(node, path.name, path.read_text())
    assert report.day == max(datetime.now(UTC).date(), draft.valid_from)
    assert report.in_force
    assert report.count(mode=Mode.REDACTED, category="suspect") == 1
    before = policy_tools.simulate_file(
        node, path.name, path.read_text(), on=draft.valid_from - timedelta(days=1)
    )
    assert before.day == draft.valid_from - timedelta(days=1)
    assert not before.in_force
    assert before.count(mode=Mode.DENY) == before.count() > 0
