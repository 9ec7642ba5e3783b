"""Messages, MLA requests and joint investigation teams across nodes, over real mutual TLS: a
request for information with records crosses sealed and is answered; a node that is not the
recipient cannot open it; a tampered ciphertext, header or signature is refused and ledgered;
delivery survives the recipient's restart with nothing doubled; attachments keep their
integrity; a record the policy denies does not leave; MLA steps follow the state machine in
both ledgers; a member that left a team gets nothing more."""

from __future__ import annotations

import base64
import json
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text, update

from accord.api import create_app
from accord.crypto.errors import SealError
from accord.crypto.seal import open_sealed, sign_and_seal
from accord.errors import Conflict, ValidationError
from accord.federation.client import PartnerRefused, client_for
from accord.federation.peers import find_peer
from accord.federation.protocol import (
    MESSAGES_PATH,
    RelayedMessage,
    RelayRequest,
    SealedMessage,
    encode,
    new_id,
)
from accord.model.messages import Attachment
from accord.model.mla import IllegalTransition
from accord.services import cases, mla
from accord.services.agreements import put_agreement
from accord.services.events import events_after, last_event_id
from accord.services.messaging import (
    KIND_MESSAGE,
    get_attachment,
    list_messages,
    read_message,
    send_message,
)
from accord.services.node import Node
from accord.services.outbox import deliver_due, outbox_messages
from accord.services.tokens import issue_token
from accord.services.witness import witness_for
from accord.store import federation as fed_store
from accord.store import messaging as msg_store
from accord.store.tables import federation_outbox, message_attachments, messages
from tests.conftest import BACKENDS, PG_URL, _pg_schema_url
from tests.federation.cluster import Federation, add_person, ledger

JIT = """
id: jit-de-nl-ua-thb
version: 1
title: Joint investigation team BKA, Politie and NPU on trafficking in human beings
instrument: Agreement on the setting up of a joint investigation team (test)
parties: [DE-BKA, NL-POLITIE, UA-NPU]
valid_from: 2024-01-01
directions:
  - between: [DE-BKA, NL-POLITIE]
    clauses:
      - id: team-persons-full-nl
        kind: jit
        mode: full
        crime_areas: [thb]
        purposes: [investigation, prosecution]
        record_kinds: [persons]
        subject_categories: [suspect, associate]
        max_handling: H1
        max_tlp: AMBER
        onward: forbidden
  - between: [DE-BKA, UA-NPU]
    clauses:
      - id: team-persons-full
        kind: jit
        mode: full
        crime_areas: [thb]
        purposes: [investigation, prosecution]
        record_kinds: [persons]
        subject_categories: [suspect, associate]
        max_handling: H1
        max_tlp: AMBER
        onward: forbidden
        conditions: For the joint investigation team's case files only.
"""


@contextmanager
def _databases(backend: str) -> Iterator[dict[str, dict[str, str]]]:
    """Each node's database: SQLite in its home, or a PostgreSQL schema of its own."""
    agencies = ("DE-BKA", "NL-POLITIE", "UA-NPU")
    if backend == "sqlite":
        yield {a: {} for a in agencies}
        return
    assert PG_URL is not None
    schemas = {a: f"t_{uuid.uuid4().hex[:12]}" for a in agencies}
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        for schema in schemas.values():
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield {a: {"database_url": _pg_schema_url(s)} for a, s in schemas.items()}
    finally:
        with admin.connect() as conn:
            for schema in schemas.values():
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(scope="module", params=BACKENDS)
def fed(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Federation]:
    with _databases(str(request.param)) as databases:
        yield from _federation(tmp_path_factory, databases)


def _federation(
    tmp_path_factory: pytest.TempPathFactory, databases: dict[str, dict[str, str]]
) -> Iterator[Federation]:
    root: Path = tmp_path_factory.mktemp("messaging")
    federation = Federation(root)
    fast: dict[str, Any] = {
        "outbox_base_delay": 0.05,
        "outbox_max_delay": 0.2,
    }
    federation.add("DE-BKA", "Bundeskriminalamt", **fast, **databases["DE-BKA"])
    federation.add("NL-POLITIE", "Politie", **fast, **databases["NL-POLITIE"])
    federation.add("UA-NPU", "National Police of Ukraine", **fast, **databases["UA-NPU"])
    federation.publish_directory()
    de = federation["DE-BKA"].node
    add_person(de, "de-m-suspect", "Bohdan Fedirko", birthDate="1971-01-21")
    add_person(de, "de-m-informant", "Karl Spitzel", category="informant")
    put_agreement(de, de.operator(), "jit-de-nl-ua-thb.yaml", JIT)
    federation.start()
    yield federation
    federation.close()


def delivered(node: Node, expected: int) -> int:
    """Deliver until `expected` messages went (a loaded machine may need a retry)."""
    total = 0
    for _ in range(50):
        total += deliver_due(node, now=datetime.now(UTC) + timedelta(seconds=5)).delivered
        if total >= expected:
            break
    return total


def nodes(fed: Federation) -> tuple[Node, Node, Node]:
    return fed["DE-BKA"].node, fed["NL-POLITIE"].node, fed["UA-NPU"].node


def rfi(**extra: Any) -> dict[str, Any]:
    return {
        "kind": "rfi",
        "recipient": "NL-POLITIE",
        "subject": "Vehicle seen at Venlo",
        "body": "Please confirm the keeper of NL plate 12-ABC-3 and any link to Fedirko.",
        "language": "en",
        "priority": "urgent",
        "case_reference": "BKA-2026-0042",
        "crime_area": "thb",
        **extra,
    }


def incoming(node: Node, message_id: str) -> dict[str, Any]:
    return read_message(node, node.operator(), message_id).to_dict()


def test_a_request_with_records_crosses_sealed_and_is_answered(fed: Federation) -> None:
    de, nl, _ = nodes(fed)
    sent = send_message(
        de, de.operator(), rfi(records=["de-m-suspect", "de-m-informant"])
    ).to_dict()
    mid = sent["message_id"]
    outcome = {o["id"]: o for o in sent["record_outcome"]}
    assert outcome["de-m-suspect"]["sent"] and outcome["de-m-suspect"]["mode"] == "full"
    assert not outcome["de-m-informant"]["sent"]
    assert outcome["de-m-informant"]["mode"] == "withheld"
    assert sent["state"] == "queued" and sent["deadline"] is not None
    (queued,) = [m for m in deliver_peek(de) if m["message_id"] == mid]
    assert b"Venlo" not in queued["body"] and b"Fedirko" not in queued["body"]
    assert delivered(de, 1) == 1
    got = incoming(nl, mid)
    assert got["verified"] and got["subject"] == "Vehicle seen at Venlo"
    assert got["sender_agency"] == "DE-BKA" and got["priority"] == "urgent"
    assert [r["record"]["id"] for r in got["records"]] == ["de-m-suspect"]
    assert any(e.payload.get("message_id") == mid for e in events_after(nl, "NL-POLITIE", 0))
    assert delivered(nl, 1) == 1  # the read receipt
    shown = read_message(de, de.operator(), mid).to_dict()
    assert shown["delivered"] and shown["read"] and not shown["answered"]
    reply = send_message(
        nl,
        nl.operator(),
        {
            "kind": "reply",
            "recipient": "DE-BKA",
            "in_reply_to": mid,
            "subject": "Re: Vehicle seen at Venlo",
            "body": "Keeper is a rental company; the hirer was Fedirko.",
            "language": "nl",
        },
    ).to_dict()
    assert reply["thread_id"] == mid
    assert delivered(nl, 1) == 1
    assert incoming(de, reply["message_id"])["body"].endswith("the hirer was Fedirko.")
    assert read_message(de, de.operator(), mid).to_dict()["answered"]
    for node in (de, nl):
        entries = json.dumps(ledger(node, "message"))
        assert "Venlo" not in entries and "Fedirko" not in entries
        assert mid in entries
    digests = {
        e["details"]["digest"]
        for e in ledger(de, "message")
        if e["details"].get("message_id") == mid and "digest" in e["details"]
    }
    there = {
        e["details"]["digest"]
        for e in ledger(nl, "message")
        if e["details"].get("message_id") == mid and "digest" in e["details"]
    }
    assert digests == there and len(digests) == 1


def deliver_peek(node: Node) -> list[dict[str, Any]]:
    with node.engine.connect() as conn:
        rows = conn.execute(federation_outbox.select()).all()
    return [{"message_id": r.message_id, "body": bytes(r.body), "state": r.state} for r in rows]


def _token(node: Node, message_id: str) -> str:
    (body,) = [m["body"] for m in deliver_peek(node) if m["message_id"] == message_id]
    return str(json.loads(body)["token"])


def test_a_node_that_is_not_the_recipient_cannot_open_a_message(fed: Federation) -> None:
    de, nl, ua = nodes(fed)
    mid = send_message(de, de.operator(), rfi()).to_dict()["message_id"]
    token = _token(de, mid)
    with pytest.raises(SealError):
        open_sealed(token, ua.keys.encryption)
    with pytest.raises(SealError):
        open_sealed(token, de.keys.encryption)  # not even the sender's own node key
    assert open_sealed(token, nl.keys.encryption)
    deliver_due(de)


def _flip(part: str) -> str:
    return ("B" if part[5] == "A" else "A").join((part[:5], part[6:]))


def _send_raw(de: Node, nl_id: str, message_id: str, token: str) -> PartnerRefused:
    peer = find_peer(de.engine, nl_id)
    assert peer is not None
    body = encode(SealedMessage(message_id=message_id, token=token))
    with pytest.raises(PartnerRefused) as caught:
        client_for(de).send(
            peer, "POST", MESSAGES_PATH, body, new_id("msg"), witness=witness_for(de)
        )
    return caught.value


def test_a_tampered_ciphertext_header_or_signature_is_refused_and_ledgered(
    fed: Federation,
) -> None:
    de, nl, ua = nodes(fed)
    nl_peer = find_peer(de.engine, "nl-politie")
    assert nl_peer is not None
    payload = b'{"version":1}'
    good = sign_and_seal(
        payload,
        signing_key=de.keys.signing,
        sender="de-bka",
        recipient="nl-politie",
        recipient_key=nl_peer.encryption_key,
    )
    parts = good.split(".")
    cipher = ".".join([*parts[:3], _flip(parts[3]), parts[4]])
    header = json.loads(base64.urlsafe_b64decode(parts[0] + "=" * (-len(parts[0]) % 4)))
    header["kid"] = "ua-npu"
    forged_header = base64.urlsafe_b64encode(json.dumps(header).encode()).decode().rstrip("=")
    header_token = ".".join([forged_header, *parts[1:]])
    # Signed by UA-NPU's key but claiming to be DE-BKA's: the inner signature does not verify.
    wrong_signer = sign_and_seal(
        payload,
        signing_key=ua.keys.signing,
        sender="de-bka",
        recipient="nl-politie",
        recipient_key=nl_peer.encryption_key,
    )
    cut = good[: len(good) // 2]
    for token in (cipher, header_token, wrong_signer, cut):
        mid = new_id("msg")
        refused = _send_raw(de, "nl-politie", mid, token)
        assert refused.status_code == 422 and refused.partner_code == "message_rejected"
        (entry,) = [e for e in ledger(nl, "message") if e["details"].get("message_id") == mid]
        assert entry["details"]["step"] == "rejected"
        assert entry["actor"] == "node:de-bka@DE-BKA"
        with nl.engine.connect() as conn:
            assert msg_store.get_message(conn, mid) is None
    reasons = [
        e["details"]["reason"] for e in ledger(nl, "message") if e["details"]["step"] == "rejected"
    ]
    assert any("signature" in r for r in reasons)


def test_delivery_after_the_recipient_restarts_keeps_one_copy(fed: Federation) -> None:
    de, nl, _ = nodes(fed)
    member = fed["NL-POLITIE"]
    member.stop()
    try:
        mid = send_message(de, de.operator(), rfi(subject="While you were down")).to_dict()[
            "message_id"
        ]
        report = deliver_due(de)
        assert report.retried == 1 and report.delivered == 0
    finally:
        member.start()
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and not deliver_due(de).delivered:
        time.sleep(0.1)
    assert incoming(nl, mid)["subject"] == "While you were down"
    # The answer was lost on the way back: the message goes again, with its request id.
    with de.engine.begin() as conn:
        conn.execute(
            update(federation_outbox)
            .where(federation_outbox.c.message_id == mid)
            .values(state="pending", next_attempt_at=datetime.now(UTC) - timedelta(seconds=1))
        )
    assert delivered(de, 1) == 1
    held = [
        m for m in list_messages(nl, nl.operator(), direction="incoming") if m.row.message_id == mid
    ]
    assert len(held) == 1
    deliver_due(nl)


def test_attachments_arrive_intact_and_are_encrypted_at_rest(fed: Federation) -> None:
    de, nl, _ = nodes(fed)
    content = b"%PDF-1.7 rental contract of Fedirko " + bytes(range(256)) * 40
    sent = send_message(
        de,
        de.operator(),
        rfi(subject="Contract attached"),
        [Attachment("contract.pdf", "application/pdf", content)],
    ).to_dict()
    (described,) = sent["attachments"]
    assert delivered(de, 1) == 1
    info, got = get_attachment(nl, nl.operator(), sent["message_id"], described["sha256"])
    assert got == content and info["name"] == "contract.pdf"
    # The sender reads it back from its own store; its copy of the message holds the file once.
    _, own = get_attachment(de, de.operator(), sent["message_id"], described["sha256"])
    assert own == content
    with de.engine.begin() as conn:
        (row,) = conn.execute(messages.select().where(messages.c.message_id == sent["message_id"]))
    assert len(row.sealed) < len(content)
    with nl.engine.begin() as conn:
        (stored,) = conn.execute(
            message_attachments.select().where(message_attachments.c.sha256 == described["sha256"])
        ).all()
        assert b"rental contract" not in bytes(stored.sealed)
        altered = bytearray(stored.sealed)
        altered[20] ^= 1
        conn.execute(
            update(message_attachments)
            .where(message_attachments.c.sha256 == described["sha256"])
            .values(sealed=bytes(altered))
        )
    with pytest.raises(Conflict):
        get_attachment(nl, nl.operator(), sent["message_id"], described["sha256"])
    deliver_due(nl)


def test_an_mla_request_moves_through_its_states_in_both_ledgers(fed: Federation) -> None:
    de, nl, _ = nodes(fed)
    form = {
        "requested_agency": "NL-POLITIE",
        "requesting_authority": "Staatsanwaltschaft Berlin",
        "requested_authority": "Openbaar Ministerie, Landelijk Parket",
        "legal_basis": "eu-2000",
        "offence": {"description": "Trafficking in human beings (§ 232 StGB)", "crime_area": "thb"},
        "measures": [
            {"type": "bank_records", "description": "ING account NL91INGB0001234567"},
            {"type": "freezing_of_assets", "amount": "250000", "currency": "EUR"},
        ],
        "urgency": "urgent",
        "deadline": (datetime.now(UTC) + timedelta(days=30)).date().isoformat(),
        "facts": "The suspect moved proceeds through a Dutch account.",
        "case_reference": "BKA-2026-0042",
    }
    created = mla.create_mla(de, de.operator(), form)
    mid = created.row.mla_id
    assert created.row.state == "draft"
    assert mla.send_mla(de, de.operator(), mid).row.state == "sent"
    assert delivered(de, 1) == 1
    there = mla.get_mla(nl, nl.operator(), mid)
    assert there.row.direction == "incoming" and there.row.state == "sent"
    assert there.row.form["measures"][1]["amount"] == "250000"
    for step in ("acknowledged", "in_execution"):
        mla.advance_mla(nl, nl.operator(), mid, step)
    evidence = Attachment("statements.csv", "text/csv", b"date,amount\n2026-03-01,9000\n")
    mla.advance_mla(
        nl,
        nl.operator(),
        mid,
        "executed",
        evidence=[evidence],
        assets=[{"kind": "frozen", "amount": "180000", "currency": "EUR"}],
    )
    with pytest.raises(IllegalTransition):
        mla.advance_mla(nl, nl.operator(), mid, "acknowledged")
    assert delivered(nl, 3) == 3
    home = mla.get_mla(de, de.operator(), mid).to_dict()
    assert home["state"] == "executed" and home["turnaround_days"] is not None
    assert [h["state"] for h in home["history"]] == [
        "draft",
        "sent",
        "acknowledged",
        "in_execution",
        "executed",
    ]
    (item,) = home["evidence"]
    assert item["sha256"] == evidence.sha256
    assert [c["action"] for c in item["custody"]] == ["handed_over", "received"]
    for node in (de, nl):
        steps = [e["details"] for e in ledger(node, "mla") if e["details"].get("mla_id") == mid]
        assert any(s["step"] == "custody" and s["sha256"] == evidence.sha256 for s in steps)
    states_de = [
        s["state"]
        for s in (e["details"] for e in ledger(de, "mla"))
        if s.get("mla_id") == mid and s["step"].startswith("transition")
    ]
    states_nl = [
        s["state"]
        for s in (e["details"] for e in ledger(nl, "mla"))
        if s.get("mla_id") == mid and s["step"].startswith("transition")
    ]
    assert states_de == ["sent", "acknowledged", "in_execution", "executed"]
    assert states_nl == ["acknowledged", "in_execution", "executed"]
    figures = mla.metrics(de, de.operator())
    assert figures["turnaround_by_partner"]["NL-POLITIE"]["count"] >= 1
    assert figures["turnaround_by_measure"]["freezing_of_assets"]["count"] >= 1
    assert figures["assets"]["frozen"]["EUR"] == "180000"
    # Sent by the requesting side, a step of the requested authority's is refused there.
    with pytest.raises(Exception, match="requested authority"):
        mla.advance_mla(de, de.operator(), mid, "acknowledged")


def test_a_team_member_that_left_receives_nothing_more(fed: Federation) -> None:
    de, nl, ua = nodes(fed)
    # Without the team, UA-NPU gets persons by reference only.
    alone = send_message(
        de, de.operator(), rfi(recipient="UA-NPU", records=["de-m-suspect"])
    ).to_dict()
    assert alone["record_outcome"][0]["mode"] == "reference"
    case = cases.create_case(
        de,
        de.operator(),
        {"reference": "JIT-THB-2026", "crime_area": "thb", "legal_basis": "jit-de-nl-ua-thb"},
    )
    cid = case.row.case_id
    cases.add_member(de, de.operator(), cid, "NL-POLITIE")
    cases.add_member(de, de.operator(), cid, "UA-NPU")
    first = cases.post(
        de,
        de.operator(),
        cid,
        {
            "subject": "Team briefing",
            "body": "Fedirko's network, as known.",
            "records": ["de-m-suspect"],
        },
    )
    modes = {s["agency"]: s["records"][0]["mode"] for s in first["sent"]}
    assert modes == {"NL-POLITIE": "full", "UA-NPU": "full"}  # the jit clause applies
    cases.remove_member(de, de.operator(), cid, "UA-NPU")
    second = cases.post(de, de.operator(), cid, {"subject": "After UA left", "body": "Next steps."})
    assert [s["agency"] for s in second["sent"]] == ["NL-POLITIE"]
    before = {a: last_event_id(n, a) for a, n in (("NL-POLITIE", nl), ("UA-NPU", ua))}
    deliver_due(de)
    # Every member hears of each posting live, on its event stream; one that left does not.
    for agency, node, postings in (("NL-POLITIE", nl, 2), ("UA-NPU", ua, 1)):
        live = [
            e.payload
            for e in events_after(node, agency, before[agency], limit=500)
            if e.kind == "message" and e.payload.get("case_id") == cid
        ]
        assert len(live) == postings
        assert all(p["case_reference"] == "JIT-THB-2026" for p in live)
    lead = [
        e.payload
        for e in events_after(de, "DE-BKA", 0, limit=10_000)
        if e.kind == "case_posting" and e.payload["case_id"] == cid
    ]
    assert [p["members"] for p in lead] == [["NL-POLITIE", "UA-NPU"], ["NL-POLITIE"]]
    got_ua = [m.to_dict() for m in list_messages(ua, ua.operator(), case_id=cid)]
    assert [m["subject"] for m in got_ua] == ["Team briefing"]
    got_nl = [m.to_dict()["subject"] for m in list_messages(nl, nl.operator(), case_id=cid)]
    assert sorted(got_nl) == ["After UA left", "Team briefing"]
    steps = [e["details"]["step"] for e in ledger(de, "case") if e["details"]["case_id"] == cid]
    assert steps == [
        "created",
        "member_added",
        "member_added",
        "posted",
        "member_removed",
        "posted",
    ]
    jit = [e["details"] for e in ledger(de, "disclosure") if e["details"]["channel"] == "case"]
    assert jit and all(d["case_basis"] == "jit-de-nl-ua-thb" for d in jit)


def _pending(node: Node, kind: str = "message.deliver") -> list[Any]:
    return [m for m in outbox_messages(node, "pending") if m.kind == kind]


def _due_now(node: Node, request_ids: list[str]) -> None:
    with node.engine.begin() as conn:
        conn.execute(
            update(federation_outbox)
            .where(federation_outbox.c.message_id.in_(request_ids))
            .values(next_attempt_at=datetime.now(UTC) - timedelta(seconds=1), lease_until=None)
        )


def _settle(node: Node, request_ids: list[str]) -> dict[str, str]:
    """Deliver until none of these outbox messages is pending; their states."""
    for _ in range(50):
        states = {
            m.message_id: m.state for m in outbox_messages(node) if m.message_id in request_ids
        }
        if all(s != "pending" for s in states.values()):
            return states
        deliver_due(node, now=datetime.now(UTC) + timedelta(seconds=5))
    raise AssertionError(f"still pending: {states}")


def test_messages_and_receipts_travel_several_to_a_request_each_kept_once(
    fed: Federation,
) -> None:
    de, nl, _ = nodes(fed)
    member = fed["NL-POLITIE"]
    member.stop()
    try:
        ids = [
            send_message(de, de.operator(), rfi(subject=f"Batch {i}")).to_dict()["message_id"]
            for i in range(12)
        ]
        assert deliver_due(de).retried >= 12
    finally:
        member.start()
    spoiled, twice = ids[3], ids[5]
    with de.engine.begin() as conn:
        rows = {m.message_id: m for m in outbox_messages(de) if m.message_id in ids}
        token = SealedMessage.model_validate_json(rows[spoiled].body).token.split(".")
        cipher = ".".join([*token[:3], _flip(token[3]), token[4]])
        conn.execute(
            update(federation_outbox)
            .where(federation_outbox.c.message_id == spoiled)
            .values(body=encode(SealedMessage(message_id=spoiled, token=cipher)))
        )
        # The same message queued again under another request id: it is kept once.
        copy = new_id("msg")
        fed_store.enqueue(
            conn,
            message_id=copy,
            recipient="nl-politie",
            kind=KIND_MESSAGE,
            subject=twice,
            method="POST",
            path=MESSAGES_PATH,
            body=rows[twice].body,
            at=datetime.now(UTC),
        )
    _due_now(de, [*ids, copy])
    states = _settle(de, [*ids, copy])
    assert states.pop(spoiled) == "failed"
    assert set(states.values()) == {"delivered"}
    good = [i for i in ids if i != spoiled]
    held = [
        m.row.message_id
        for m in list_messages(nl, nl.operator(), direction="incoming", limit=500)
        if m.row.message_id in ids
    ]
    assert sorted(held) == sorted(good)
    received = [e["details"] for e in ledger(nl, "message") if e["details"]["step"] == "received"]
    assert sorted(d["message_id"] for d in received if d["message_id"] in ids) == sorted(good)
    (rejected,) = [
        e["details"]
        for e in ledger(nl, "message")
        if e["details"]["step"] == "rejected" and e["details"]["message_id"] == spoiled
    ]
    assert rejected["request_id"] == spoiled
    # Several to a request: the delivery receipts share the few signed answers they came in.
    answers = {
        e["details"]["answer_digest"]
        for e in ledger(de, "message")
        if e["details"]["step"] == "delivered" and e["details"]["message_id"] in good
    }
    assert len(answers) < len(good) / 2
    for mid in good:
        read_message(nl, nl.operator(), mid)
    receipts = [m.message_id for m in _pending(nl, "message.receipt") if m.subject in good]
    assert len(receipts) == len(good)
    assert set(_settle(nl, receipts).values()) == {"delivered"}
    read = [e["details"] for e in ledger(de, "message") if e["details"]["step"] == "read_receipt"]
    assert sorted(d["message_id"] for d in read if d["message_id"] in ids) == sorted(good)
    for mid in good:
        assert get_message_at(de, mid)["read"] is True


def get_message_at(node: Node, message_id: str) -> dict[str, Any]:
    (found,) = [
        m.to_dict()
        for m in list_messages(node, node.operator(), limit=500)
        if m.row.message_id == message_id
    ]
    return found


def _form(agency: str) -> dict[str, Any]:
    return {
        "requested_agency": agency,
        "requesting_authority": "Staatsanwaltschaft Berlin",
        "requested_authority": "Openbaar Ministerie, Landelijk Parket",
        "legal_basis": "eu-2000",
        "offence": {"description": "Trafficking in human beings", "crime_area": "thb"},
        "measures": [{"type": "subscriber_data", "description": "+31 6 1234 5678"}],
        "urgency": "urgent",
        "deadline": (datetime.now(UTC) + timedelta(days=30)).date().isoformat(),
        "facts": "The suspect used a Dutch number.",
        "case_reference": "BKA-2026-0042",
    }


def test_an_illegal_mla_step_in_a_batch_is_refused_and_costs_the_others_nothing(
    fed: Federation,
) -> None:
    de, nl, _ = nodes(fed)
    mid = mla.create_mla(de, de.operator(), _form("NL-POLITIE")).row.mla_id
    mla.send_mla(de, de.operator(), mid)
    assert delivered(de, 1) >= 1
    before = {m.message_id for m in _pending(nl)}
    mla.advance_mla(nl, nl.operator(), mid, "acknowledged")
    mla.advance_mla(nl, nl.operator(), mid, "in_execution")
    acknowledged, in_execution = [m for m in _pending(nl) if m.message_id not in before]
    with nl.engine.begin() as conn:  # the acknowledgement is held back: not due yet
        conn.execute(
            update(federation_outbox)
            .where(federation_outbox.c.message_id == acknowledged.message_id)
            .values(next_attempt_at=datetime.now(UTC) + timedelta(days=1))
        )
    reply = send_message(
        nl, nl.operator(), rfi(recipient="DE-BKA", subject="Meanwhile: the keeper")
    ).to_dict()["message_id"]
    states = _settle(nl, [in_execution.message_id, reply])
    assert states == {in_execution.message_id: "failed", reply: "delivered"}
    assert get_message_at(de, reply)["subject"] == "Meanwhile: the keeper"
    with de.engine.connect() as conn:  # nothing of the refused step is kept
        assert msg_store.get_message(conn, in_execution.subject) is None
    assert mla.get_mla(de, de.operator(), mid).row.state == "sent"
    _due_now(nl, [acknowledged.message_id])
    assert _settle(nl, [acknowledged.message_id]) == {acknowledged.message_id: "delivered"}
    assert mla.get_mla(de, de.operator(), mid).row.state == "acknowledged"


def test_a_relay_cannot_decrypt_and_the_message_arrives_through_it(fed: Federation) -> None:
    de, nl, ua = nodes(fed)
    sent = send_message(
        de, de.operator(), rfi(recipient="UA-NPU", subject="Through the hub", via="NL-POLITIE")
    ).to_dict()
    mid, spoiled = sent["message_id"], None
    spoiled = send_message(
        de, de.operator(), rfi(recipient="UA-NPU", subject="Spoiled", via="NL-POLITIE")
    ).to_dict()["message_id"]
    with de.engine.begin() as conn:  # this one's ciphertext is altered before it leaves
        (row,) = [m for m in outbox_messages(de) if m.message_id == spoiled]
        req = RelayRequest.model_validate_json(row.body)
        parts = req.message.token.split(".")
        cipher = ".".join([*parts[:3], _flip(parts[3]), parts[4]])
        altered = RelayRequest(
            recipient=req.recipient, message=SealedMessage(message_id=spoiled, token=cipher)
        )
        conn.execute(
            update(federation_outbox)
            .where(federation_outbox.c.message_id == spoiled)
            .values(body=encode(altered))
        )
    assert _settle(de, [mid, spoiled]) == {mid: "delivered", spoiled: "delivered"}
    # The hub holds the token in its outbox, sealed to UA-NPU: it cannot open it.
    (forward,) = [m for m in _pending(nl, "relay.forward") if m.subject == mid]
    token = RelayedMessage.model_validate_json(forward.body).message.token
    with pytest.raises(SealError):
        open_sealed(token, nl.keys.encryption)
    assert open_sealed(token, ua.keys.encryption)
    with nl.engine.connect() as conn:
        assert msg_store.get_message(conn, mid) is None  # nothing of it in the hub's inbox
    (accepted,) = [
        e["details"]
        for e in ledger(nl, "message")
        if e["details"]["step"] == "relay_accepted" and e["details"]["message_id"] == mid
    ]
    assert accepted["digest"] == sent["digest"] and accepted["recipient"] == "ua-npu"
    assert "subject" not in json.dumps(accepted)
    forwards = [m.message_id for m in _pending(nl, "relay.forward") if m.subject in (mid, spoiled)]
    states = _settle(nl, forwards)
    assert sorted(states.values()) == ["delivered", "failed"]
    got = incoming(ua, mid)
    assert got["subject"] == "Through the hub" and got["verified"] is True
    assert got["partner"] == "de-bka" and got["sender_agency"] == "DE-BKA"
    (received,) = [
        e["details"]
        for e in ledger(ua, "message")
        if e["details"]["step"] == "received" and e["details"]["message_id"] == mid
    ]
    assert received["via"] == "nl-politie" and received["digest"] == sent["digest"]
    with ua.engine.connect() as conn:
        assert msg_store.get_message(conn, spoiled) is None
    reports = [m.message_id for m in _pending(nl, "relay.receipt") if m.subject in (mid, spoiled)]
    assert set(_settle(nl, reports).values()) == {"delivered"}
    home = get_message_at(de, mid)
    assert [h["state"] for h in home["history"]] == ["queued", "relayed", "delivered"]
    assert home["history"][-1]["via"] == "nl-politie"
    assert get_message_at(de, spoiled)["state"] == "failed"
    # The recipient's read receipt goes to the sender directly.
    receipts = [m.message_id for m in _pending(ua, "message.receipt") if m.subject == mid]
    assert len(receipts) == 1
    assert _settle(ua, receipts) == {receipts[0]: "delivered"}
    assert get_message_at(de, mid)["read"] is True


def test_a_relay_must_be_a_partner_other_than_the_recipient(fed: Federation) -> None:
    de, _, _ = nodes(fed)
    for via in ("UA-NPU", "XX-NONE"):
        with pytest.raises(ValidationError) as caught:
            send_message(de, de.operator(), rfi(recipient="UA-NPU", via=via))
        assert [e.field for e in caught.value.errors] == ["via"]


def test_a_request_past_its_deadline_is_flagged_overdue_in_the_api(fed: Federation) -> None:
    de, _, _ = nodes(fed)
    late = send_message(
        de,
        de.operator(),
        rfi(subject="Sent ten days ago"),
        now=datetime.now(UTC) - timedelta(days=10),
    ).to_dict()["message_id"]
    fresh = send_message(de, de.operator(), rfi(subject="Sent now")).to_dict()["message_id"]
    token = issue_token(de, "overdue-officer", ["liaison_officer"])
    with TestClient(create_app(de), raise_server_exceptions=False) as api:
        api.headers["Authorization"] = f"Bearer {token.secret}"
        shown = {m["message_id"]: m for m in api.get("/api/v1/messages?limit=500").json()}
        assert shown[late]["overdue"] is True and shown[late]["deadline"] is not None
        assert shown[fresh]["overdue"] is False
        flagged = {m["message_id"] for m in api.get("/api/v1/messages?overdue=true").json()}
        assert late in flagged and fresh not in flagged
        one = api.get(f"/api/v1/messages/{late}").json()
        assert one["overdue"] is True
    _settle(de, [late, fresh])


def test_messages_to_a_partner_that_is_down_become_due_again_together_in_order(
    fed: Federation,
) -> None:
    de, nl, _ = nodes(fed)
    member = fed["NL-POLITIE"]
    member.stop()
    try:
        ids = [
            send_message(de, de.operator(), rfi(subject=f"In order {i}")).to_dict()["message_id"]
            for i in range(3)
        ]
        deliver_due(de)
        waiting = [m for m in outbox_messages(de, "pending") if m.message_id in ids]
        assert [m.message_id for m in waiting] == ids
        assert len({m.next_attempt_at for m in waiting}) == 1  # none may overtake another
        assert all(m.attempts == 1 and m.last_error for m in waiting)
    finally:
        member.start()
    assert set(_settle(de, ids).values()) == {"delivered"}
    held = {
        m.row.message_id: m.row.pk
        for m in list_messages(nl, nl.operator(), direction="incoming", limit=500)
        if m.row.message_id in ids
    }
    assert sorted(held, key=held.__getitem__) == ids  # kept in the order they were sent
