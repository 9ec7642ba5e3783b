"""Witnessing over real mutual TLS: every federation message carries its sender's signed tree
head, the receiver checks it against the last one it holds of that partner (asking the partner
for a consistency proof when the sizes differ), and the state survives a restart."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from accord.api import create_app
from accord.cli import app
from accord.federation.client import PartnerRefused, client_for
from accord.federation.peers import find_peer
from accord.federation.protocol import consistency_target, new_id
from accord.ledger import ConsistencyProof
from accord.model import Principal, PrincipalKind
from accord.services.federation import PartnerQuery, federated_search
from accord.services.followup import get_follow_up, request_follow_up
from accord.services.followup_owner import decide_follow_up
from accord.services.node import open_node
from accord.services.outbox import deliver_due
from accord.services.purpose import parse_purpose
from accord.services.tokens import issue_token
from accord.services.witness import witness_for
from accord.settings import Settings
from tests.federation.cluster import Federation, add_person, ledger
from tests.federation.witnessing import ledger_size, root_at, settle, state_of

THB = parse_purpose("investigation", "witness test", "thb")
LIAISON = Principal("olena", "UA-NPU", PrincipalKind.USER, frozenset({"liaison_officer"}))


@pytest.fixture(scope="module")
def fed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Federation]:
    root: Path = tmp_path_factory.mktemp("witness")
    federation = Federation(root)
    fast = {
        "outbox_base_delay": 0.05,
        "outbox_max_delay": 0.2,
        "witness_head_interval": 0.0,
    }
    federation.add("DE-BKA", "Bundeskriminalamt", **fast)
    federation.add("UA-NPU", "National Police of Ukraine", **fast)
    federation.publish_directory()
    add_person(federation["UA-NPU"].node, "ua-petrenko", "Ivan Petrenko", birthDate="1980-01-02")
    federation.start()
    yield federation
    federation.close()


def search_ua(fed: Federation, name: str = "Ivan Petrenko") -> str:
    de = fed["DE-BKA"].node
    result = federated_search(de, de.operator(), PartnerQuery(name), THB, partners=["ua-npu"])
    (answer,) = result.partners
    assert answer.status == "hits"
    return str(answer.items[0]["reference"]["reference"])


def test_a_federated_search_witnesses_both_ledgers(fed: Federation) -> None:
    de, ua = fed["DE-BKA"].node, fed["UA-NPU"].node
    search_ua(fed)
    seen = settle(de, "ua-npu")
    assert seen["state"] == "consistent"
    # UA's answer carried UA's head as signed after it had recorded the answer.
    assert 0 < seen["tree_size"] <= ledger_size(ua)
    assert seen["root_hash"] == root_at(ua, seen["tree_size"]).hex()
    assert seen["witnessed_at"] is not None and seen["signed_at"] is not None
    # DE's request carried DE's head, which UA witnessed.
    back = settle(ua, "de-bka")
    assert back["state"] == "consistent"
    assert back["root_hash"] == root_at(de, back["tree_size"]).hex()


def test_a_later_head_is_proven_consistent_by_the_witness_worker(fed: Federation) -> None:
    de, ua = fed["DE-BKA"].node, fed["UA-NPU"].node
    search_ua(fed)
    before = settle(de, "ua-npu")["tree_size"]
    search_ua(fed)
    # No one asks: the worker of DE's node server fetches the proof on its own.
    deadline = time.monotonic() + 15
    while True:
        now = state_of(de, "ua-npu")
        if (now["tree_size"] > before and now["pending"] == 0) or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert now["state"] == "consistent" and now["tree_size"] > before
    assert now["root_hash"] == root_at(ua, now["tree_size"]).hex()


def test_a_follow_up_and_its_outcome_are_witnessed(fed: Federation) -> None:
    de, ua = fed["DE-BKA"].node, fed["UA-NPU"].node
    reference = search_ua(fed)
    at_search = settle(de, "ua-npu")["tree_size"]
    asked = request_follow_up(
        de,
        de.operator(),
        partner="ua-npu",
        reference=reference,
        purpose=THB,
        legal_basis="MoU BKA-NPU art. 4",
        justification="Identity needs confirming.",
    )
    assert deliver_due(de).delivered == 1
    after_request = settle(de, "ua-npu")
    assert after_request["state"] == "consistent" and after_request["tree_size"] > at_search
    de_seen_by_ua = settle(ua, "de-bka")["tree_size"]

    fid = asked.row.follow_up_id
    decide_follow_up(ua, LIAISON, fid, approve=True)
    assert deliver_due(ua).delivered == 1
    assert get_follow_up(de, fid).state == "approved"
    # UA's outcome request carried UA's head; DE's receipt carried DE's.
    after_outcome = settle(de, "ua-npu")
    assert after_outcome["tree_size"] > after_request["tree_size"]
    assert after_outcome["root_hash"] == root_at(ua, after_outcome["tree_size"]).hex()
    assert settle(ua, "de-bka")["tree_size"] > de_seen_by_ua
    # Honest partners raise no alarm on either side.
    assert not ledger(de, "witness_fork") and not ledger(de, "witness_shrink")
    assert not ledger(ua, "witness_fork") and not ledger(ua, "witness_shrink")


def test_the_consistency_route_proves_the_log_to_a_partner(fed: Federation) -> None:
    de, ua = fed["DE-BKA"].node, fed["UA-NPU"].node
    search_ua(fed)
    size = ledger_size(ua)
    peer = find_peer(de.engine, "ua-npu")
    assert peer is not None
    client, witness = client_for(de), witness_for(de)
    reply = client.send(peer, "GET", consistency_target(3, size), b"", new_id("t"), witness=witness)
    proof = ConsistencyProof.from_json(json.loads(reply.body))
    assert (proof.first, proof.second) == (3, size)
    proof.verify(root_at(ua, 3), root_at(ua, size))
    with pytest.raises(PartnerRefused) as refused:
        client.send(
            peer, "GET", consistency_target(3, size + 1000), b"", new_id("t"), witness=witness
        )
    assert refused.value.partner_code == "tree_size_unknown"
    with pytest.raises(PartnerRefused) as malformed:
        client.send(peer, "GET", consistency_target(5, 4), b"", new_id("t"), witness=witness)
    assert malformed.value.status_code == 422


def test_auditors_read_the_witness_state_over_the_api(fed: Federation) -> None:
    de = fed["DE-BKA"].node
    search_ua(fed)
    settle(de, "ua-npu")
    auditor = issue_token(de, f"auditor-{new_id('t')}", ["auditor"])
    analyst = issue_token(de, f"analyst-{new_id('t')}", ["analyst"])
    with TestClient(create_app(de)) as client:
        res = client.get(
            "/api/v1/audit/witness", headers={"Authorization": f"Bearer {auditor.secret}"}
        )
        denied = client.get(
            "/api/v1/audit/witness", headers={"Authorization": f"Bearer {analyst.secret}"}
        )
    assert res.status_code == 200 and denied.status_code == 403
    (ua,) = [p for p in res.json() if p["partner"] == "ua-npu"]
    assert ua["state"] == "consistent" and len(ua["root_hash"]) == 64


def test_the_witness_state_survives_a_restart(fed: Federation) -> None:
    member = fed["DE-BKA"]
    search_ua(fed)
    held = settle(member.node, "ua-npu")
    member.stop()
    member.node.engine.dispose()
    reopened = open_node(Settings(home=member.node.settings.home))
    try:
        again = state_of(reopened, "ua-npu")
        for field in ("state", "tree_size", "root_hash", "signed_at", "witnessed_at"):
            assert again[field] == held[field]
    finally:
        reopened.engine.dispose()
        member.start()


def test_accord_audit_witness_shows_each_partner_and_its_last_head(fed: Federation) -> None:
    de = fed["DE-BKA"].node
    search_ua(fed)
    held = settle(de, "ua-npu")
    env = {"ACCORD_HOME": str(de.settings.home), "COLUMNS": "250"}
    shown = CliRunner().invoke(app, ["audit", "witness"], env=env)
    assert shown.exit_code == 0, shown.output
    # Standard output only: the servers of this process log to standard error meanwhile, as
    # a node's would beside a terminal, and a pipe to `jq` reads standard output alone.
    line = next(x for x in shown.stdout.splitlines() if "ua-npu" in x)
    assert "consistent" in line and str(held["tree_size"]) in line
    assert held["root_hash"][:20] in shown.stdout.replace("\n", "").replace("│", "")
    as_json = CliRunner().invoke(app, ["audit", "witness", "--json"], env=env)
    (ua,) = [p for p in json.loads(as_json.stdout) if p["partner"] == "ua-npu"]
    assert (ua["tree_size"], ua["root_hash"], ua["signed_at"]) == (
        held["tree_size"],
        held["root_hash"],
        held["signed_at"],
    )
