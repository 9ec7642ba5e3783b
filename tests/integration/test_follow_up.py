"""Follow-up after a reference hit, over real mutual TLS: approval with conditions discloses the
record after the policy engine is asked again, a decline discloses nothing, a request to a
partner that is down arrives when it comes back, a retried delivery changes nothing, and every
step is in both ledgers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from accord.api import create_app
from accord.errors import Conflict, Forbidden
from accord.federation.client import client_for
from accord.federation.peers import find_peer
from accord.model import Principal
from accord.services.agreements import put_agreements, withdraw_agreement
from accord.services.federation import PartnerQuery, federated_search
from accord.services.followup import (
    FollowUp,
    get_follow_up,
    list_follow_ups,
    request_follow_up,
)
from accord.services.followup_owner import decide_follow_up
from accord.services.node import Node
from accord.services.outbox import deliver_due
from accord.services.purpose import parse_purpose
from accord.services.tokens import issue_token
from accord.services.witness import witness_for
from accord.store import federation as store
from accord.store.tables import follow_ups
from tests.federation.cluster import EXAMPLES, Federation, ledger

THB = parse_purpose("investigation", "DE case 2026/17", "thb")


def reference_at_ua(federation: Federation, name: str) -> str:
    de = federation["DE-BKA"].node
    result = federated_search(de, de.operator(), PartnerQuery(name), THB, partners=["ua-npu"])
    (answer,) = result.partners
    assert answer.status == "hits"
    return str(answer.items[0]["reference"]["reference"])


def ask(federation: Federation, reference: str, **kwargs: Any) -> FollowUp:
    de = federation["DE-BKA"].node
    return request_follow_up(
        de,
        de.operator(),
        partner="ua-npu",
        reference=reference,
        purpose=THB,
        legal_basis="MoU BKA-NPU art. 4; StPO 161",
        justification="Suspect in a trafficking case; identity needs confirming.",
        **kwargs,
    )


def steps(node: Node, follow_up_id: str) -> list[str]:
    return [
        e["details"]["step"]
        for e in ledger(node, "follow_up")
        if e["details"]["follow_up_id"] == follow_up_id
    ]


def test_an_approved_follow_up_discloses_the_record_with_its_conditions(
    federation: Federation, liaison: Principal
) -> None:
    de, ua = federation["DE-BKA"].node, federation["UA-NPU"].node
    asked = ask(federation, reference_at_ua(federation, "Ivan Petrenko"))
    fid = asked.row.follow_up_id
    assert asked.state == "queued"
    assert deliver_due(de).delivered == 1
    assert get_follow_up(de, fid).state == "pending"
    received = get_follow_up(ua, fid)
    assert received.state == "pending" and received.row.direction == "incoming"
    assert received.row.deadline == asked.row.deadline
    assert received.row.legal_basis.startswith("MoU BKA-NPU")

    decided = decide_follow_up(
        ua, liaison, fid, approve=True, conditions="H3: not for use in court without consent"
    )
    assert decided.state == "approved"
    assert deliver_due(ua).delivered == 1
    done = get_follow_up(de, fid)
    assert done.state == "approved"
    outcome = done.outcome()
    assert outcome is not None
    assert outcome["conditions"] == "H3: not for use in court without consent"
    (item,) = outcome["items"]
    assert item["mode"] == "full" and item["record"]["id"] == "ua-petrenko"
    assert item["record"]["properties"]["birthDate"] == ["1980-01-02"]

    assert steps(de, fid) == ["requested", "delivered", "outcome_received"]
    assert steps(ua, fid) == ["received", "decided", "outcome_delivered"]
    disclosure = [e for e in ledger(ua, "disclosure") if e["details"]["channel"] == "follow_up"]
    assert disclosure[-1]["actor"] == "user:olena@UA-NPU"
    assert disclosure[-1]["details"]["decisions"][0]["id"] == "ua-petrenko"
    sent = next(
        e
        for e in ledger(ua, "follow_up")
        if e["details"].get("step") == "decided" and e["details"]["follow_up_id"] == fid
    )
    got = next(
        e
        for e in ledger(de, "follow_up")
        if e["details"].get("step") == "outcome_received" and e["details"]["follow_up_id"] == fid
    )
    assert sent["details"]["outcome_digest"] == got["details"]["outcome_digest"]


def test_a_declined_follow_up_discloses_nothing(federation: Federation, liaison: Principal) -> None:
    de, ua = federation["DE-BKA"].node, federation["UA-NPU"].node
    fid = ask(federation, reference_at_ua(federation, "Oksana Bondar")).row.follow_up_id
    deliver_due(de)
    disclosures = len(ledger(ua, "disclosure"))
    decide_follow_up(ua, liaison, fid, approve=False, reason="Proceedings in Ukraine pending.")
    assert len(ledger(ua, "disclosure")) == disclosures
    deliver_due(ua)
    done = get_follow_up(de, fid)
    assert done.state == "declined"
    assert done.outcome() == {
        "decision": "declined",
        "conditions": None,
        "reason": "Proceedings in Ukraine pending.",
        "items": [],
    }
    with pytest.raises(Conflict, match="already declined"):
        decide_follow_up(ua, liaison, fid, approve=True)


def test_approval_asks_the_policy_engine_again(federation: Federation, liaison: Principal) -> None:
    de, ua = federation["DE-BKA"].node, federation["UA-NPU"].node
    fid = ask(federation, reference_at_ua(federation, "Taras Melnyk")).row.follow_up_id
    deliver_due(de)
    withdraw_agreement(ua, ua.operator(), "de-bka-ua-npu.yaml")
    try:
        decided = decide_follow_up(ua, liaison, fid, approve=True)
    finally:
        name = "de-bka-ua-npu.yaml"
        put_agreements(ua, ua.operator(), [(name, (EXAMPLES / name).read_text("utf-8"))])
    assert decided.state == "declined"
    assert decided.history[-1].details["policy_denied"] is True
    deliver_due(ua)
    outcome = get_follow_up(de, fid).outcome()
    assert outcome is not None and outcome["items"] == []


def test_a_follow_up_to_a_partner_that_is_down_arrives_when_it_comes_back(
    federation: Federation,
) -> None:
    de, ua_member = federation["DE-BKA"].node, federation["UA-NPU"]
    reference = reference_at_ua(federation, "Petro Shevchenko")
    ua_member.stop()
    try:
        fid = ask(federation, reference).row.follow_up_id
        report = deliver_due(de)
        assert (report.delivered, report.retried) == (0, 1)
        with de.engine.connect() as conn:
            (message,) = [m for m in store.list_outbox(conn) if m.subject == fid]
        assert message.state == "pending" and message.attempts == 1
        assert message.next_attempt_at > datetime.now(UTC) - timedelta(seconds=1)
        assert get_follow_up(de, fid).state == "queued"
    finally:
        ua_member.start()
    # The outbox retries until the partner answers; on a loaded machine the first attempt
    # after the restart may still time out, and is then retried like any other.
    delivered = 0
    for attempt in range(1, 6):
        later = datetime.now(UTC) + timedelta(seconds=60 * attempt)
        delivered += deliver_due(de, now=later).delivered
        if delivered:
            break
    assert delivered == 1
    assert get_follow_up(de, fid).state == "pending"
    assert get_follow_up(ua_member.node, fid).state == "pending"


def test_a_retried_delivery_creates_no_second_follow_up(federation: Federation) -> None:
    de, ua = federation["DE-BKA"].node, federation["UA-NPU"].node
    fid = ask(federation, reference_at_ua(federation, "Ivan Petrenko")).row.follow_up_id
    with de.engine.connect() as conn:
        (message,) = [m for m in store.list_outbox(conn) if m.subject == fid]
    peer = find_peer(de.engine, "ua-npu")
    assert peer is not None
    client = client_for(de)
    witness = witness_for(de)
    first = client.send(
        peer, message.method, message.path, message.body, message.message_id, witness=witness
    )
    again = client.send(
        peer, message.method, message.path, message.body, message.message_id, witness=witness
    )
    assert first.status == again.status == 202
    assert first.body == again.body
    assert first.claims.nonce != again.claims.nonce
    assert deliver_due(de).delivered == 1
    assert len([f for f in list_follow_ups(ua) if f.row.follow_up_id == fid]) == 1
    assert steps(ua, fid) == ["received"]


def test_a_forged_reference_ends_the_follow_up_as_failed(federation: Federation) -> None:
    de = federation["DE-BKA"].node
    fid = ask(federation, "ref_" + "A" * 60).row.follow_up_id
    assert deliver_due(de).failed == 1
    failed = get_follow_up(de, fid)
    assert failed.state == "failed"
    assert failed.outcome() == {"decision": "failed", "code": "not_found"}
    assert steps(de, fid) == ["requested", "refused"]


def test_a_follow_up_past_its_deadline_shows_as_overdue(federation: Federation) -> None:
    de, ua = federation["DE-BKA"].node, federation["UA-NPU"].node
    asked = ask(federation, reference_at_ua(federation, "Oksana Bondar"), days=1)
    fid = asked.row.follow_up_id
    deliver_due(de)
    assert not get_follow_up(ua, fid).overdue()
    assert (
        get_follow_up(ua, fid).to_dict(now=asked.row.deadline + timedelta(seconds=1))["status"]
        == "overdue"
    )
    with ua.engine.begin() as conn:
        conn.execute(
            update(follow_ups)
            .where(follow_ups.c.follow_up_id == fid)
            .values(deadline=datetime.now(UTC) - timedelta(minutes=1))
        )
    overdue = [f.row.follow_up_id for f in list_follow_ups(ua, status="overdue")]
    assert fid in overdue
    assert get_follow_up(ua, fid).to_dict()["status"] == "overdue"


def test_only_a_liaison_officer_decides(federation: Federation) -> None:
    de, ua = federation["DE-BKA"].node, federation["UA-NPU"].node
    fid = ask(federation, reference_at_ua(federation, "Taras Melnyk")).row.follow_up_id
    deliver_due(de)
    with pytest.raises(Forbidden, match="liaison officer"):
        decide_follow_up(ua, ua.operator(), fid, approve=True)
    assert get_follow_up(ua, fid).state == "pending"


def bearer(node: Node, name: str, role: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {issue_token(node, name, [role]).secret}"}


def test_the_api_carries_a_request_a_decision_and_the_outcome(federation: Federation) -> None:
    de, ua = federation["DE-BKA"].node, federation["UA-NPU"].node
    reference = reference_at_ua(federation, "Petro Shevchenko")
    analyst = {"Authorization": f"Bearer {issue_token(de, 'fu-analyst', ['analyst']).secret}"}
    officer = {
        "Authorization": f"Bearer {issue_token(ua, 'fu-liaison', ['liaison_officer']).secret}"
    }
    not_officer = {
        "Authorization": f"Bearer {issue_token(ua, 'fu-ua-analyst', ['analyst']).secret}"
    }
    request = {
        "partner": "ua-npu",
        "reference": reference,
        "case_reference": "DE case 2026/17",
        "crime_area": "thb",
        "legal_basis": "MoU BKA-NPU art. 4",
        "justification": "Identity of a suspect.",
        "days": 3,
    }
    with TestClient(create_app(de), raise_server_exceptions=False) as requester:
        created = requester.post("/api/v1/follow-ups", json=request, headers=analyst)
        assert created.status_code == 201, created.text
        fid = created.json()["follow_up_id"]
        assert created.json()["status"] == "queued"
        deliver_due(de)
        with TestClient(create_app(ua), raise_server_exceptions=False) as owner:
            pending = owner.get(
                "/api/v1/follow-ups",
                params={"direction": "incoming", "status": "pending"},
                headers=officer,
            )
            assert fid in [f["follow_up_id"] for f in pending.json()]
            decision = {"decision": "approve", "conditions": "H3: intelligence only"}
            url = f"/api/v1/follow-ups/{fid}/decision"
            assert owner.post(url, json=decision, headers=not_officer).status_code == 403
            decided = owner.post(url, json=decision, headers=officer)
            assert decided.status_code == 200 and decided.json()["state"] == "approved"
        deliver_due(ua)
        shown = requester.get(f"/api/v1/follow-ups/{fid}", headers=analyst).json()
    assert shown["state"] == "approved"
    assert shown["outcome"]["conditions"] == "H3: intelligence only"
    assert shown["outcome"]["items"][0]["record"]["id"] == "ua-shevchenko"
    assert [h["state"] for h in shown["history"]] == ["queued", "pending", "approved"]
