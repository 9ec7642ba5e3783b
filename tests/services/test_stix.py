"""STIX objects as records: envelopes from markings, FtM links that search sees, versions,
refusals per object, correlation with records holding the same value (capped) and the alert
to the record's owner."""

from __future__ import annotations

import json
from typing import Any

import pytest

from accord.errors import ValidationError
from accord.model import EnvelopeDefaults, parse_record
from accord.services import stix
from accord.services.audit import Event
from accord.services.events import events_after
from accord.services.ingest import write_records
from accord.services.node import Node
from accord.services.purpose import Purpose
from accord.services.search import search_local
from tests.auth.factories import ledger
from tests.conftest import NOW, entity, principal
from tests.stix_bundles import (
    TLP1_RED,
    TLP2_AMBER_STRICT,
    TLP2_GREEN,
    bundle,
    indicator,
    ipv4,
    opencti_bundle,
    text,
    tlp2_marking,
    uid,
)

BANK_EXT = "extension-definition--5a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"


def _import(node: Node, *objects: dict[str, Any], **flags: Any) -> stix.ImportReport:
    return stix.import_objects(
        node,
        node.operator(),
        text(bundle(*objects)),
        defaults=EnvelopeDefaults(owner="DE-BKA", **flags),
    )


def _envelope(node: Node, stix_id: str) -> dict[str, Any]:
    from accord.store import stix as store
    from accord.store.stix import ObjectFilter

    with node.engine.connect() as conn:
        (row,) = store.select_objects(conn, ObjectFilter(ids=(stix_id,)), 1)
    return {"tlp": row.tlp, **row.envelope, "schema": row.policy_schema}


def test_tlp_comes_from_tlp1_and_tlp2_markings_the_strictest_granular_one_included(
    node: Node,
) -> None:
    plain = indicator("plain")
    red = indicator("red", markings=[TLP1_RED])
    granular = indicator(
        "granular",
        markings=[TLP2_GREEN],
        granular_markings=[{"marking_ref": TLP2_AMBER_STRICT, "selectors": ["name"]}],
    )
    report = _import(node, plain, red, granular, tlp="GREEN", reliability="B")
    assert report.created == 3
    assert _envelope(node, plain["id"])["tlp"] == "GREEN"  # no marking: the flag
    assert _envelope(node, red["id"])["tlp"] == "RED"
    assert _envelope(node, granular["id"])["tlp"] == "AMBER+STRICT"
    assert _envelope(node, plain["id"])["reliability"] == "B"


def test_a_tlp_marking_definition_of_the_bundle_counts_and_is_remembered(node: Node) -> None:
    custom = "marking-definition--0c6bde58-7b68-4e28-9e39-1b5d7f1a6b3a"
    marked = indicator("custom-marked", markings=[custom])
    report = _import(node, tlp2_marking(custom, "red"), marked)
    assert report.refused == 0, report.to_dict()
    assert _envelope(node, marked["id"])["tlp"] == "RED"
    later = indicator("marked-later", markings=[custom])  # the stored definition is known
    assert _import(node, later).refused == 0
    assert _envelope(node, later["id"])["tlp"] == "RED"


def test_a_refused_marking_definition_marks_nothing(node: Node) -> None:
    custom = "marking-definition--1d7cef69-8c79-4f39-8f4a-2c6e8a2b7c4b"
    fake_tlp1 = {  # TLP 1.0 definitions are the four predefined ones only
        "type": "marking-definition",
        "spec_version": "2.1",
        "id": custom,
        "created": "2026-01-01T00:00:00.000Z",
        "definition_type": "tlp",
        "definition": {"tlp": "red"},
    }
    marked = indicator("falsely-marked", markings=[custom])
    report = _import(node, fake_tlp1, marked)
    refused = {o.id: o.errors for o in report.outcomes if o.status == "refused"}
    assert set(refused) == {custom, marked["id"]}
    assert "object_marking_refs[0]" in refused[marked["id"]][0].field


def test_persons_and_accounts_become_ftm_records_that_search_finds(node: Node) -> None:
    octi = opencti_bundle()["objects"]
    report = _import(node, *octi, crime_areas=("cybercrime",))
    assert report.linked == 2
    actor = next(o for o in octi if o["type"] == "threat-actor")
    assert _envelope(node, actor["id"])["schema"] == "Person"
    found = search_local(
        node,
        principal(roles=("analyst",)),
        "Viktor Hrabovsky",
        Purpose("investigation", "CY-1", "cybercrime"),
    )
    assert actor["id"] in [h.record.id for h in found]


def test_a_bank_account_of_an_extension_is_linked_and_correlates_with_a_record(
    node: Node,
) -> None:
    iban = "DE89370400440532013000"
    holder = parse_record(
        entity("BankAccount", "de-acct-1", iban=iban), {"owner": "DE-BKA"}, now=NOW
    )
    with node.engine.begin() as conn:
        write_records(conn, node, "test", [holder], NOW)
    definition = {
        "type": "extension-definition",
        "spec_version": "2.1",
        "id": BANK_EXT,
        "created_by_ref": uid("identity", "ext-author"),
        "created": "2022-01-01T00:00:00.000Z",
        "modified": "2022-01-01T00:00:00.000Z",
        "name": "bank-account",
        "schema": "https://example.org/bank-account.json",
        "version": "1.0",
        "extension_types": ["new-sco"],
    }
    account = {
        "type": "bank-account",
        "spec_version": "2.1",
        "id": uid("bank-account", iban),
        "iban": "DE89 3704 0044 0532 0130 00",
        "extensions": {BANK_EXT: {"extension_type": "new-sco"}},
    }
    before = events_after(node, "DE-BKA", 0)
    report = _import(node, definition, account)
    assert report.refused == 0, report.to_dict()
    assert report.linked == 1 and report.correlated == 1
    alerts = [e for e in events_after(node, "DE-BKA", 0) if e not in before]
    assert [(a.kind, a.payload["record"]["id"]) for a in alerts] == [
        ("stix_correlation", "de-acct-1")
    ]
    found = stix.correlations(node, node.operator(), account["id"]).to_dict()
    (value,) = [v for v in found["values"] if v["records"]]
    assert value["records"][0]["id"] == "de-acct-1" and not value["records_capped"]
    assert ledger(node, Event.STIX_CORRELATION)


def test_correlations_are_capped_and_the_cap_shown(node: Node) -> None:
    node.settings.__dict__["stix_correlation_cap"] = 2
    same = [indicator(f"c-{i}", pattern="[ipv4-addr:value = '203.0.113.5']") for i in range(4)]
    _import(node, *same, ipv4("203.0.113.5"))
    found = stix.correlations(node, node.operator(), same[0]["id"]).to_dict()
    assert found["cap"] == 2
    (value,) = found["values"]
    assert value == {**value, "kind": "ip", "value": "203.0.113.5", "objects_capped": True}
    assert len(value["objects"]) == 2


def test_every_version_is_kept_and_a_bad_object_is_named_alone(node: Node) -> None:
    v1 = indicator("versions", modified="2026-03-01T10:00:00.000Z")
    v2 = indicator("versions", modified="2026-03-03T10:00:00.000Z", name="v2")
    bad = {**indicator("bad"), "created": "yesterday"}
    report = _import(node, v1, v2, bad, v1)
    assert (report.created, report.existing, report.refused) == (2, 1, 1)
    (refusal,) = [o for o in report.outcomes if o.status == "refused"]
    assert [e.field for e in refusal.errors] == [f"{bad['id']}.created"]
    versions = stix.get_object(node, node.operator(), v1["id"], all_versions=True)
    assert [v["modified"] for v in versions] == [v1["modified"], v2["modified"]]
    assert stix.get_object(node, node.operator(), v1["id"]) == [v2]
    assert ledger(node, Event.STIX_READ)


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        ("{not json", "bundle"),
        ('["a list"]', "bundle"),
        ('{"type": "bundle", "id": "bundle--x", "objects": {}}', "objects"),
        ('{"type": "bundle", "id": "bundle--x", "objects": []}', "objects"),
    ],
)
def test_a_bundle_that_is_not_one_is_refused_whole(node: Node, raw: str, field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        stix.import_objects(node, node.operator(), raw, defaults=EnvelopeDefaults("DE-BKA"))
    assert caught.value.errors[0].field == field
    assert not ledger(node, Event.STIX_IMPORT)


def test_a_marking_definition_of_the_bundle_is_stored_and_exported_as_it_came(
    node: Node,
) -> None:
    marking = tlp2_marking(TLP2_GREEN, "green")
    _import(node, marking, indicator("m", markings=[TLP2_GREEN]))
    exported = stix.export_bundle(node, node.operator()).bundle["objects"]
    assert marking in exported
    assert json.dumps(exported)  # plain JSON, nothing of Accord's added


def _nl_peer() -> Any:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

    from accord.federation.peers import Peer

    return Peer(
        node_id="nl-politie",
        agency_code="NL-POLITIE",
        url="https://nl.invalid",
        signing_key=Ed25519PrivateKey.generate().public_key(),
        encryption_key=X25519PrivateKey.generate().public_key(),
        tls_fingerprint="00",
        valid_until=None,
        source="test",
    )


def _disclose(
    node: Node,
    entity_id: str,
    email: str,
    owner: str = "NL-POLITIE",
    terms: dict[str, Any] | None = None,
) -> int:
    """A partner's record as a follow-up's outcome brings it (`stix_exchange` keeps it)."""
    from accord.federation.protocol import AnswerItem
    from accord.services.stix_exchange import remember_disclosed

    item = AnswerItem.model_validate(
        {
            "mode": "full",
            "reference": {"schema": "Person", "owner": owner, "reference": "ref_x"},
            "record": entity("Person", entity_id, name="Anouk Smit", email=email),
            "terms": terms or {},
        }
    )
    with node.engine.begin() as conn:
        return remember_disclosed(
            conn,
            _nl_peer(),
            [item],
            source="follow-up fu-1",
            purpose="investigation",
            crime_area="fraud",
            now=NOW,
        )


def test_records_disclosed_by_partners_count_towards_the_cap_shown(node: Node) -> None:
    node.settings.__dict__["stix_correlation_cap"] = 2
    email = "a.smit@example.nl"
    ours = [
        parse_record(
            entity("Person", f"de-smit-{i}", name="A Smit", email=email),
            {"owner": "DE-BKA"},
            now=NOW,
        )
        for i in range(2)
    ]
    with node.engine.begin() as conn:
        write_records(conn, node, "test", ours, NOW)
    assert _disclose(node, "nl-smit", email) == 1
    # Only the owner's own records are kept: a partner does not answer for another's.
    assert _disclose(node, "ua-smit", email, owner="UA-NPU") == 0
    seen = indicator("smit", pattern=f"[email-addr:value = '{email}']")
    report = _import(node, seen)
    assert report.summary()["correlation_cap"] == 2 and report.summary()["capped_values"] == 1
    assert report.correlated == 2  # the two of ours; the third holder is past the cap
    assert not [e for e in ledger(node, Event.STIX_CORRELATION) if "step" in e["details"]]
    found = stix.correlations(node, node.operator(), seen["id"]).to_dict()
    (value,) = found["values"]
    assert value["records_capped"] and len(value["records"]) == 2

    node.settings.__dict__["stix_correlation_cap"] = 3
    again = indicator("smit-2", pattern=f"[email-addr:value = '{email}']")
    report = _import(node, again)
    assert report.correlated == 3 and report.capped == 0
    (partner,) = [
        e["details"] for e in ledger(node, Event.STIX_CORRELATION) if "step" in e["details"]
    ]
    assert partner["record"] == {"owner": "NL-POLITIE", "id": "nl-smit", "schema": "Person"}
    assert partner["partner"] == "nl-politie" and partner["disclosed_in"] == "follow-up fu-1"
    found = stix.correlations(node, node.operator(), again["id"]).to_dict()
    (value,) = found["values"]
    assert not value["records_capped"]
    assert [r.get("disclosed_by") for r in value["records"]] == [None, None, "nl-politie"]


def test_ips_urls_domains_and_file_hashes_correlate_with_the_records_holding_them(
    node: Node,
) -> None:
    sha1 = "0123456789abcdef0123456789abcdef01234567"
    held = [
        parse_record(
            entity("UserAccount", "de-ua-1", username="mule77", ipAddress="203.0.113.9"),
            {"owner": "DE-BKA"},
            now=NOW,
        ),
        parse_record(
            entity("Company", "de-co-1", name="Phish Ltd", website="https://login-bank.example/"),
            {"owner": "DE-BKA"},
            now=NOW,
        ),
        parse_record(
            entity("Document", "de-doc-1", title="invoice.pdf", contentHash=sha1),
            {"owner": "DE-BKA"},
            now=NOW,
        ),
    ]
    with node.engine.begin() as conn:
        write_records(conn, node, "test", held, NOW)
    pattern = (
        "[ipv4-addr:value = '203.0.113.9'] OR [url:value = 'https://LOGIN-BANK.example']"
        " OR [domain-name:value = 'login-bank.example']"
    )
    seen = indicator("phish-kit", pattern=pattern)
    sample = {
        "type": "file",
        "spec_version": "2.1",
        "id": uid("file", sha1),
        "hashes": {"SHA-1": sha1.upper()},
    }
    before = events_after(node, "DE-BKA", 0)
    report = _import(node, seen, sample)
    assert report.refused == 0 and report.correlated == 4
    alerts = [e.payload for e in events_after(node, "DE-BKA", 0) if e not in before]
    assert sorted((a["value"]["kind"], a["record"]["id"]) for a in alerts) == [
        ("domain", "de-co-1"),
        ("hash:sha1", "de-doc-1"),
        ("ip", "de-ua-1"),
        ("url", "de-co-1"),
    ]
    found = stix.correlations(node, node.operator(), seen["id"]).to_dict()
    assert {v["kind"]: [r["id"] for r in v["records"]] for v in found["values"]} == {
        "domain": ["de-co-1"],
        "ip": ["de-ua-1"],
        "url": ["de-co-1"],
    }


def test_a_disclosed_record_correlates_only_within_the_retention_its_terms_set(
    node: Node,
) -> None:
    from datetime import timedelta

    from accord.services import stix_exchange

    _disclose(node, "nl-kept", "kept@example.nl", terms={"retention_days": 30})
    with node.engine.connect() as conn:
        key = ("email", "kept@example.nl")
        assert [h.record_id for h in stix_exchange.holders(conn, key, 5, NOW)] == ["nl-kept"]
        later = NOW + timedelta(days=31)
        assert stix_exchange.holders(conn, key, 5, later) == []
