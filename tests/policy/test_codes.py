"""Shipped code lists: purposes, record kinds over every FtM schema, groups of countries."""

from __future__ import annotations

import pytest
from followthemoney import model as ftm

from accord.policy import (
    PartyKind,
    expand_schema,
    kind_of,
    parse_party,
    party_groups,
    purposes,
    record_kinds,
)


def test_every_concrete_ftm_schema_is_in_exactly_one_record_kind():
    listed = [
        s for kind in record_kinds().values() for s in kind.schemata if not s.startswith("stix:")
    ]
    concrete = {s.name for s in ftm.schemata.values() if not s.abstract}
    assert sorted(listed) == sorted(concrete)


@pytest.mark.parametrize(
    ("schema", "kind"),
    [
        ("Person", "persons"),
        ("Passport", "documents"),
        ("Vessel", "vehicles"),
        ("Payment", "financial"),
        ("Message", "communications"),
        ("UserAccount", "cyber_indicators"),
        ("Image", "biometrics"),
        ("Ownership", "relations"),
    ],
)
def test_schemata_belong_to_their_kind(schema, kind):
    assert kind_of(schema) == kind


def test_kind_schema_and_abstract_schema_expand_to_concrete_schemata():
    assert expand_schema("vehicles") == {"Vehicle", "Vessel", "Airplane"}
    assert expand_schema("Passport") == {"Passport"}
    assert "Interest" not in (expand_schema("Interest") or set())
    assert "Ownership" in (expand_schema("Interest") or set())
    assert expand_schema("Spaceship") is None


def test_purposes_include_the_core_law_enforcement_purposes():
    assert {
        "prevention",
        "investigation",
        "prosecution",
        "border_control",
        "intelligence_analysis",
    } <= set(purposes())


def test_groups_hold_iso_countries():
    groups = party_groups()
    assert len(groups["EU"].countries) == 27
    assert "NO" in groups["SCHENGEN"].countries and "NO" not in groups["EU"].countries
    assert "GR" in groups["EU"].countries


@pytest.mark.parametrize(
    ("code", "kind"),
    [
        ("DE-BKA", PartyKind.AGENCY),
        ("DE", PartyKind.COUNTRY),
        ("EU", PartyKind.GROUP),
        ("de", None),
        ("XX", None),
        ("EU-POL", None),
        ("Interpol", None),
    ],
)
def test_party_codes(code, kind):
    party = parse_party(code)
    assert (party.kind if party else None) is kind


def test_party_membership():
    eu = parse_party("EU")
    de = parse_party("DE")
    bka = parse_party("DE-BKA")
    assert eu and de and bka
    assert eu.includes("FR-DGPN") and not eu.includes("UA-NPU")
    assert de.includes("DE-LKA_BY") and not de.includes("AT-BK")
    assert bka.includes("DE-BKA") and not bka.includes("DE-BPOL")
    assert not eu.includes("garbage")
