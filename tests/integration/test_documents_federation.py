"""Document checks across the federation, over real mutual TLS: a document of a partner's state
is checked against that partner's registry as hit or no hit; the agreements decide whether the
partner answers; a hit is stored by the issuing node with who checked and where and is on the
issuing agency's event stream at once; a partner that cannot answer makes the check "not
checked", never a no-hit; every step in both ledgers."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from accord.api import create_app
from accord.model import Principal, PrincipalKind
from accord.services.document_journal import CheckAnswer, NotChecked
from accord.services.documents import (
    check_documents,
    parse_check,
    report_document,
    show_document,
)
from accord.services.events import events_after, last_event_id
from accord.services.node import Node
from accord.services.tokens import issue_token
from tests.federation.cluster import Federation, ledger, three_agencies


@pytest.fixture(scope="module")
def fed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Federation]:
    root: Path = tmp_path_factory.mktemp("documents")
    federation = three_agencies(root)
    ua = federation["UA-NPU"].node
    for number in ("FU100001", "FU100002", "FU100003"):
        report_document(
            ua,
            ua.operator("registry"),
            number=number,
            country_code="UKR",
            doc_type="passport",
            status="stolen",
            reference=f"NPU-{number}",
        )
    de = federation["DE-BKA"].node
    report_document(
        de,
        de.operator("registry"),
        number="C01X00T47",
        country_code="D",
        doc_type="passport",
        status="lost",
    )
    yield federation
    federation.close()


def checker(node: Node, name: str) -> Principal:
    return Principal(
        subject=name,
        agency=node.agency,
        kind=PrincipalKind.USER,
        roles=frozenset({"document_checker"}),
    )


def check(node: Node, who: Principal, *raw: dict[str, str], **kw: str) -> list[object]:
    return list(check_documents(node, who, [parse_check(r) for r in raw], **kw))


def test_a_stolen_passport_of_a_partner_state_hits_and_alerts_its_issuer(fed: Federation) -> None:
    de, ua = fed["DE-BKA"].node, fed["UA-NPU"].node
    before = last_event_id(ua, "UA-NPU")
    (answer,) = check(
        de,
        checker(de, "grenze-frankfurt-7"),
        {"number": "FU 100001", "country": "UA"},
        location="Frankfurt Airport, Terminal 1",
        purpose="border_control",
    )
    assert isinstance(answer, CheckAnswer)
    assert answer.hit and answer.action is not None and answer.action.code == "seize"
    # The checker's node: one check entry, asked of UA-NPU.
    entry = ledger(de, "document_check")[-1]["details"]
    assert entry["asked"] == {"UA-NPU": {"checks": 1, "hits": 1}}
    assert entry["location"] == "Frankfurt Airport, Terminal 1"
    # The issuing node: the hit with who checked and where, on its agency's stream at once.
    state = show_document(ua, ua.operator("registry"), ("UKR", "FU100001", "passport"))
    (hit,) = state.hits
    assert hit["checker_agency"] == "DE-BKA"
    assert "grenze-frankfurt-7" in hit["checked_by"]
    assert hit["location"] == "Frankfurt Airport, Terminal 1"
    events = [e for e in events_after(ua, "UA-NPU", before) if e.kind == "document_hit"]
    assert [e.payload["number"] for e in events] == ["FU100001"]
    assert events[0].payload["checker_agency"] == "DE-BKA"
    # ... and the answer is a disclosure under the documents clause, in UA-NPU's ledger.
    disclosure = [
        e["details"]
        for e in ledger(ua, "disclosure")
        if e["details"]["channel"] == "document_check"
    ][-1]
    assert disclosure["recipient"] == "DE-BKA"
    assert disclosure["decisions"][0]["mode"] == "full"
    assert disclosure["decisions"][0]["clauses"]


def test_an_unreported_partner_document_is_a_no_hit(fed: Federation) -> None:
    de = fed["DE-BKA"].node
    (answer,) = check(de, checker(de, "grenze-7"), {"number": "FU999999", "country": "UKR"})
    assert isinstance(answer, CheckAnswer) and not answer.hit


def test_without_an_agreement_the_check_is_not_made_and_never_a_no_hit(fed: Federation) -> None:
    nl, ua = fed["NL-POLITIE"].node, fed["UA-NPU"].node
    hits_before = len(show_document(ua, ua.operator(), ("UKR", "FU100002", "passport")).hits)
    (answer,) = check(nl, checker(nl, "kmar-schiphol"), {"number": "FU100002", "country": "UKR"})
    assert isinstance(answer, NotChecked)
    (error,) = answer.errors
    assert error.field == "country" and "UA-NPU" in error.reason
    # UA-NPU looked nothing up for NL-POLITIE and says so in its ledger.
    refused = ledger(ua, "document_check")[-1]["details"]
    assert refused["refused"] == 1 and refused["checks"] == 0
    after = len(show_document(ua, ua.operator(), ("UKR", "FU100002", "passport")).hits)
    assert after == hits_before


def test_a_batch_mixes_own_and_partners_documents(fed: Federation) -> None:
    de, ua = fed["DE-BKA"].node, fed["UA-NPU"].node
    answers = check(
        de,
        checker(de, "grenze-muenchen"),
        {"number": "C01X00T47", "country": "D"},  # DE-BKA's own lost passport
        {"number": "FU100003", "country": "UKR"},  # UA-NPU's stolen one: documents in full
        {"number": "NX0000001", "country": "NLD"},  # DE <-> NL: no clause for border checks
        location="Munich Airport",
        purpose="border_control",
    )
    assert isinstance(answers[0], CheckAnswer) and answers[0].hit
    assert answers[0].action is not None and answers[0].action.code == "verify_holder"
    assert isinstance(answers[1], CheckAnswer) and answers[1].hit
    assert isinstance(answers[2], NotChecked)
    assert answers[2].errors[0].field == "items.2.country"
    assert "NL-POLITIE" in answers[2].errors[0].reason
    entry = ledger(de, "document_check")[-1]["details"]
    assert entry["checks"] == 2 and entry["refused"] == 1 and entry["hits"] == 2
    assert entry["asked"] == {"UA-NPU": {"checks": 1, "hits": 1}}
    mine = show_document(de, de.operator(), ("D", "C01X00T47", "passport"))
    assert [h["location"] for h in mine.hits] == ["Munich Airport"]
    theirs = show_document(ua, ua.operator(), ("UKR", "FU100003", "passport"))
    assert [h["location"] for h in theirs.hits] == ["Munich Airport"]


def test_an_unavailable_partner_makes_the_check_not_checked(fed: Federation) -> None:
    de = fed["DE-BKA"].node
    fed["UA-NPU"].stop()
    try:
        (answer,) = check(de, checker(de, "grenze-7"), {"number": "FU100003", "country": "UKR"})
    finally:
        fed["UA-NPU"].start()
    assert isinstance(answer, NotChecked)
    assert "unavailable" in answer.errors[0].reason


def test_the_api_answers_503_naming_the_country_when_not_checked(fed: Federation) -> None:
    nl = fed["NL-POLITIE"].node
    token = issue_token(nl, "border", ["document_checker"]).secret
    with TestClient(create_app(nl), raise_server_exceptions=False) as client:
        got = client.post(
            "/api/v1/documents/check",
            json={"number": "FU100003", "country": "UKR", "purpose": "border_control"},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert got.status_code == 503, got.text
        assert got.json()["errors"][0]["field"] == "country"
        bad = client.post(
            "/api/v1/documents/check",
            json={"number": "FU100003", "country": "UKR", "purpose": "curiosity"},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert bad.status_code == 422 and "purpose" in bad.text
