"""The travel-document registry and checks, on every storage backend: who may report, what a
check answers, what reaches the ledger and the hits table."""

from __future__ import annotations

import json
import threading
from hashlib import sha256
from typing import Any

import pytest
from sqlalchemy import select

from accord.documents import compose_mrz
from accord.errors import Conflict, Forbidden, NotFound, ValidationError
from accord.model import Principal, PrincipalKind
from accord.services import documents as service
from accord.services.audit import entries
from accord.services.node import Node
from accord.store.tables import document_hits
from tests.documents import specimens


def officer(agency: str = "DE-BKA", name: str = "olga") -> Principal:
    return Principal(name, agency, PrincipalKind.USER, frozenset({"investigator"}))


def checker(name: str = "fra-t1") -> Principal:
    return Principal(name, "DE-BPOL", PrincipalKind.TOKEN, frozenset({"document_checker"}))


def report(node: Node, number: str = "C01X00T47", **kw: Any) -> service.DocumentState:
    who = kw.pop("who", None) or officer()
    args: dict[str, Any] = {"country_code": "D", "doc_type": "passport", "status": "stolen"}
    args.update(kw)
    return service.report_document(node, who, number=number, **args)


def check(node: Node, who: Principal | None = None, **raw: Any) -> dict[str, Any]:
    item = service.parse_check(raw)
    (answer,) = service.check_documents(node, who or checker(), [item])
    assert isinstance(answer, service.CheckAnswer)
    return answer.to_dict()


def ledger(node: Node, event: str) -> list[dict[str, Any]]:
    return [e for e in entries(node, 0, 1000) if e["event"] == event]


def test_a_reported_passport_is_a_hit_with_the_statuss_action(node: Node) -> None:
    report(node)
    answer = check(node, number="C01X00T47", country="D")
    assert answer["hit"] is True
    assert answer["action"]["code"] == "seize"
    assert set(answer) == {"hit", "action"}
    assert set(answer["action"]) == {"code", "instruction"}


def test_an_unreported_document_is_no_hit(node: Node) -> None:
    report(node)
    assert check(node, number="C01X00T48", country="D") == {"hit": False, "action": None}
    assert check(node, number="C01X00T47", country="UKR") == {"hit": False, "action": None}


def test_the_number_and_country_are_normalised_alike_on_both_sides(node: Node) -> None:
    report(node, " c01x-00t47 ", country_code="DE")
    for country in ("D", "DEU", "de", "D<<"):
        assert check(node, number="C01X 00T47", country=country)["hit"], country


def test_the_mrz_of_a_reported_passport_hits(node: Node) -> None:
    report(node)
    assert check(node, mrz=specimens.DE_PASSPORT)["hit"]
    assert not check(node, mrz=specimens.DE_ID_CARD)["hit"]


def test_a_bad_mrz_is_refused_naming_its_field(node: Node) -> None:
    lines = list(specimens.DE_PASSPORT)
    lines[1] = lines[1][:19] + "0" + lines[1][20:]
    with pytest.raises(ValidationError) as caught:
        service.parse_check({"mrz": lines})
    assert "mrz.line2.birth_date_check_digit" in {e.field for e in caught.value.errors}


def test_a_type_narrows_the_check(node: Node) -> None:
    report(node, "T22000129", doc_type="id_card", status="lost")
    assert check(node, number="T22000129", country="D")["action"]["code"] == "verify_holder"
    assert check(node, number="T22000129", country="D", type="id_card")["hit"]
    assert not check(node, number="T22000129", country="D", type="passport")["hit"]


def test_the_agency_may_choose_another_action(node: Node) -> None:
    report(node, action="contact_issuer")
    assert check(node, number="C01X00T47", country="D")["action"]["code"] == "contact_issuer"


def test_only_an_agency_of_the_issuing_state_may_report(node: Node) -> None:
    with pytest.raises(Forbidden):
        report(node, "AB1234567", country_code="UKR")
    with pytest.raises(Forbidden):
        report(node, who=officer("UA-NPU"))
    assert not check(node, number="AB1234567", country="UKR")["hit"]
    assert ledger(node, "document_report") == []


def test_nobody_may_report_for_a_specimen_or_a_nationality_code(node: Node) -> None:
    with pytest.raises(Forbidden):
        report(node, "L898902C3", country_code="UTO")
    with pytest.raises(ValidationError):
        report(node, "L898902C3", country_code="XXA")


def test_a_document_is_reported_once(node: Node) -> None:
    report(node)
    with pytest.raises(Conflict):
        report(node, status="lost")


def test_withdrawal_ends_the_hits_and_keeps_the_history(node: Node) -> None:
    report(node, reference="BKA-2026-1")
    key = ("D", "C01X00T47", "passport")
    service.change_status(node, officer(), key, status="lost", reason="holder says lost")
    assert check(node, number="C01X00T47", country="D")["action"]["code"] == "verify_holder"
    service.change_status(node, officer(), key, status="withdrawn", reason="found")
    assert not check(node, number="C01X00T47", country="D")["hit"]
    shown = service.show_document(node, officer(), key).to_dict(full=True)
    assert shown["status"] == "withdrawn" and shown["action"] is None
    assert [h["status"] for h in shown["history"]] == ["stolen", "lost"]
    assert [h["reason"] for h in shown["history"]] == ["holder says lost", "found"]
    assert shown["reference"] == "BKA-2026-1"
    # Reported again after the withdrawal: a hit again, the withdrawal in the history.
    report(node, status="revoked")
    assert check(node, number="C01X00T47", country="D")["action"]["code"] == "refuse"
    again = service.show_document(node, officer(), key).to_dict(full=True)
    assert [h["status"] for h in again["history"]] == ["stolen", "lost", "withdrawn"]
    assert len(ledger(node, "document_change")) == 2
    assert len(ledger(node, "document_report")) == 2


def test_only_the_reporting_agency_changes_its_report(node: Node) -> None:
    report(node)
    key = ("D", "C01X00T47", "passport")
    with pytest.raises(Forbidden):
        service.change_status(node, officer("DE-BPOL"), key, status="withdrawn")
    with pytest.raises(Forbidden):
        service.change_status(node, officer("UA-NPU"), key, status="withdrawn")
    with pytest.raises(NotFound):
        service.change_status(node, officer(), ("D", "X1", "passport"), status="lost")
    with pytest.raises(Conflict):
        service.change_status(node, officer(), key, status="stolen")


def test_every_check_reaches_the_ledger_summarised_with_a_digest(node: Node) -> None:
    report(node)
    items = service.parse_items(
        [
            {"number": "C01X00T47", "country": "D"},
            {"number": "NOPE1", "country": "D"},
            {"number": "", "country": "D"},
        ]
    )
    answers = service.check_documents(node, checker(), items, location="FRA T1")
    assert [a.hit if isinstance(a, service.CheckAnswer) else None for a in answers] == [
        True,
        False,
        None,
    ]
    assert isinstance(answers[2], ValidationError)
    assert answers[2].errors[0].field == "items.2.number"
    (entry,) = ledger(node, "document_check")
    details = entry["details"]
    assert entry["actor"] == "token:fra-t1@DE-BPOL"
    assert {k: details[k] for k in ("requests", "checks", "hits", "refused", "location")} == {
        "requests": 1,
        "checks": 2,
        "hits": 1,
        "refused": 1,
        "location": "FRA T1",
    }
    lines = "D\tC01X00T47\t\t1\nD\tNOPE1\t\t0\n"
    assert details["digest"] == sha256(lines.encode()).hexdigest()
    assert "C01X00T47" not in json.dumps(details)


def test_a_hit_is_stored_with_who_checked_where_and_its_ledger_entry(node: Node) -> None:
    report(node)
    items = [service.parse_check({"number": "C01X00T47", "country": "D"})]
    service.check_documents(node, checker(), items, location="FRA T1 gate B")
    with node.engine.connect() as conn:
        (hit,) = conn.execute(select(document_hits)).all()
    (entry,) = ledger(node, "document_check")
    assert hit.checked_by == "token:fra-t1@DE-BPOL" and hit.checker_agency == "DE-BPOL"
    assert hit.location == "FRA T1 gate B" and hit.issuer_agency == "DE-BKA"
    assert (hit.country, hit.number, hit.doc_type, hit.action) == (
        "D",
        "C01X00T47",
        "passport",
        "seize",
    )
    assert hit.ledger_index == entry["index"]
    shown = service.show_document(node, officer(), ("D", "C01X00T47", "passport"))
    assert [h["location"] for h in shown.to_dict(full=True)["hits"]] == ["FRA T1 gate B"]


def test_concurrent_checks_share_ledger_entries_and_none_is_lost(node: Node) -> None:
    report(node)
    errors: list[BaseException] = []

    def run(n: int) -> None:
        try:
            for i in range(10):
                number = "C01X00T47" if i == 0 else f"N{n}X{i}"
                check(node, checker(f"post-{n % 2}"), number=number, country="D")
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    checks = ledger(node, "document_check")
    assert sum(e["details"]["checks"] for e in checks) == 80
    assert sum(e["details"]["requests"] for e in checks) == 80
    assert sum(e["details"]["hits"] for e in checks) == 8
    with node.engine.connect() as conn:
        assert len(conn.execute(select(document_hits)).all()) == 8


def test_a_long_td1_number_from_the_mrz_hits_its_report(node: Node) -> None:
    number = "T2200012934"
    report(node, number, doc_type="id_card")
    lines = compose_mrz(
        "TD1",
        document_code="ID",
        issuing_state="D<<",
        document_number=number,
        primary_name="MUSTERMANN",
        secondary_name="ERIKA",
        nationality="D<<",
        birth_date="640812",
        sex="F",
        expiry_date="311031",
    )
    assert check(node, mrz=lines)["hit"]


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        ({"number": "C01X00T47"}, "country"),
        ({"country": "D"}, "number"),
        ({"number": "C01X00T47", "country": "ZZZ"}, "country"),
        ({"number": "C01X00T47", "country": "XXA"}, "country"),
        ({"number": "ÄÖ1", "country": "D"}, "number"),
        ({"number": "A" * 41, "country": "D"}, "number"),
        ({"number": "C01X00T47", "country": "D", "type": "car"}, "type"),
        ({"mrz": specimens.TD3, "number": "L898902C3"}, "mrz"),
        ({"mrz": specimens.TD3[:1]}, "mrz.lines"),
    ],
)
def test_a_check_names_its_bad_field(raw: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        service.parse_check(raw)
    assert field in {e.field for e in caught.value.errors}


def test_each_hit_of_a_batch_is_on_the_issuing_agencys_event_stream(node: Node) -> None:
    from accord.services.events import events_after

    report(node, "C01X00T47")
    report(node, "L01X00T47", status="lost")
    raw = [
        {"number": "C01X00T47", "country": "D"},
        {"number": "X99999999", "country": "D"},
        {"number": "L01X00T47", "country": "DEU"},
        {"number": "bad number!", "country": "D"},
    ]
    answers = service.check_documents(
        node, checker(), service.parse_items(raw), location="FRA T1 gate B"
    )
    assert [getattr(a, "hit", None) for a in answers] == [True, False, True, None]
    assert isinstance(answers[3], ValidationError)
    assert answers[3].errors[0].field == "items.3.number"
    hits = [e for e in events_after(node, "DE-BKA", 0) if e.kind == "document_hit"]
    assert [(e.payload["number"], e.payload["status"]) for e in hits] == [
        ("C01X00T47", "stolen"),
        ("L01X00T47", "lost"),
    ]
    assert {e.payload["location"] for e in hits} == {"FRA T1 gate B"}
    assert {e.payload["checker_agency"] for e in hits} == {"DE-BPOL"}
