"""Small STIX 2.1 bundles as the tools of the field write them, for the tests.

`misp_bundle` follows misp-stix's STIX 2.1 export of a MISP event (a report for the event,
indicators with `misp:` labels, observed data with its observables, `x-misp-attribute` custom
objects for what STIX has no type for, the TLP 1.0 marking of the event's tag); `opencti_bundle`
follows OpenCTI's export (TLP 2.0 marking definitions in the bundle, `x_opencti_*` values in
OpenCTI's property extension, an individual threat actor, a relationship, a granular marking).
"""

from __future__ import annotations

import json
import uuid
from typing import Any

TLP1_WHITE = "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9"
TLP1_GREEN = "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da"
TLP1_AMBER = "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82"
TLP1_RED = "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed"
TLP2_CLEAR = "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487"
TLP2_GREEN = "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"
TLP2_AMBER = "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421"
TLP2_AMBER_STRICT = "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003"
TLP2_RED = "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1"
TLP2_EXTENSION = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"
OPENCTI_EXTENSION = "extension-definition--ea279b3e-5c71-4632-ac08-831c66a786ba"

T0 = "2026-03-01T10:00:00.000Z"
T1 = "2026-03-02T10:00:00.000Z"


def uid(kind: str, seed: str) -> str:
    return f"{kind}--{uuid.uuid5(uuid.NAMESPACE_URL, kind + seed)}"


def bundle(*objects: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "bundle",
        "id": uid("bundle", json.dumps(objects)[:200]),
        "objects": list(objects),
    }


def text(data: dict[str, Any]) -> str:
    return json.dumps(data)


def tlp2_marking(marking_id: str, level: str) -> dict[str, Any]:
    """A TLP 2.0 marking definition as the extension publishes it."""
    return {
        "type": "marking-definition",
        "spec_version": "2.1",
        "id": marking_id,
        "created": "2022-10-01T00:00:00.000Z",
        "name": f"TLP:{level.upper()}",
        "extensions": {TLP2_EXTENSION: {"extension_type": "property-extension", "tlp_2_0": level}},
    }


def indicator(
    seed: str,
    pattern: str = "[ipv4-addr:value = '198.51.100.7']",
    markings: list[str] | None = None,
    modified: str = T0,
    **extra: Any,
) -> dict[str, Any]:
    obj: dict[str, Any] = {
        "type": "indicator",
        "spec_version": "2.1",
        "id": uid("indicator", seed),
        "created": T0,
        "modified": modified,
        "name": f"indicator {seed}",
        "pattern": pattern,
        "pattern_type": "stix",
        "valid_from": T0,
    }
    if markings:
        obj["object_marking_refs"] = markings
    obj.update(extra)
    return obj


def ipv4(value: str, markings: list[str] | None = None) -> dict[str, Any]:
    obj: dict[str, Any] = {
        "type": "ipv4-addr",
        "spec_version": "2.1",
        "id": uid("ipv4-addr", value),
        "value": value,
    }
    if markings:
        obj["object_marking_refs"] = markings
    return obj


def misp_bundle() -> dict[str, Any]:
    """A MISP event of a phishing campaign, as misp-stix writes it in STIX 2.1."""
    org = uid("identity", "misp-org")
    ind = uid("indicator", "misp-ip")
    obs = uid("observed-data", "misp-domain")
    dom = uid("domain-name", "phish.example.net")
    attr = uid("x-misp-attribute", "misp-phone")
    report = uid("report", "misp-event")
    return bundle(
        {
            "type": "identity",
            "spec_version": "2.1",
            "id": org,
            "created": T0,
            "modified": T0,
            "name": "CERT-EXAMPLE",
            "identity_class": "organization",
        },
        {
            "type": "report",
            "spec_version": "2.1",
            "id": report,
            "created_by_ref": org,
            "created": T0,
            "modified": T0,
            "name": "Phishing campaign against bank customers",
            "published": T0,
            "report_types": ["misc"],
            "labels": ["Threat-Report", 'misp:tool="MISP-STIX-Converter"'],
            "object_refs": [ind, obs, attr],
            "object_marking_refs": [TLP1_WHITE],
        },
        {
            "type": "indicator",
            "spec_version": "2.1",
            "id": ind,
            "created_by_ref": org,
            "created": T0,
            "modified": T0,
            "description": "C2 server",
            "pattern": "[network-traffic:dst_ref.type = 'ipv4-addr' AND "
            "network-traffic:dst_ref.value = '203.0.113.9']",
            "pattern_type": "stix",
            "pattern_version": "2.1",
            "valid_from": T0,
            "kill_chain_phases": [
                {"kill_chain_name": "misp-category", "phase_name": "Network activity"}
            ],
            "labels": [
                'misp:type="ip-dst"',
                'misp:category="Network activity"',
                'misp:to_ids="True"',
            ],
            "object_marking_refs": [TLP1_WHITE],
        },
        {
            "type": "observed-data",
            "spec_version": "2.1",
            "id": obs,
            "created_by_ref": org,
            "created": T0,
            "modified": T0,
            "first_observed": T0,
            "last_observed": T0,
            "number_observed": 1,
            "object_refs": [dom],
            "labels": ['misp:type="domain"', 'misp:category="Network activity"'],
        },
        {
            "type": "domain-name",
            "spec_version": "2.1",
            "id": dom,
            "value": "phish.example.net",
        },
        {
            "type": "x-misp-attribute",
            "spec_version": "2.1",
            "id": attr,
            "created_by_ref": org,
            "created": T0,
            "modified": T0,
            "labels": ['misp:type="phone-number"', 'misp:category="Person"'],
            "x_misp_type": "phone-number",
            "x_misp_value": "+49 30 1234567",
            "x_misp_category": "Person",
        },
        {
            "type": "marking-definition",
            "spec_version": "2.1",
            "id": TLP1_WHITE,
            "created": "2017-01-20T00:00:00.000Z",
            "definition_type": "tlp",
            "name": "TLP:WHITE",
            "definition": {"tlp": "white"},
        },
    )


def opencti_bundle() -> dict[str, Any]:
    """An OpenCTI export: a fraudster and the wallet he uses, TLP 2.0 markings."""
    actor = uid("threat-actor", "octi-actor")
    ind = uid("indicator", "octi-url")
    rel = uid("relationship", "octi-rel")
    acct = uid("user-account", "octi-account")
    return bundle(
        tlp2_marking(TLP2_GREEN, "green"),
        tlp2_marking(TLP2_AMBER_STRICT, "amber+strict"),
        {
            "type": "threat-actor",
            "spec_version": "2.1",
            "id": actor,
            "created": T0,
            "modified": T1,
            "name": "Viktor Hrabovsky",
            "aliases": ["vhrab"],
            "threat_actor_types": ["criminal"],
            "resource_level": "individual",
            "object_marking_refs": [TLP2_GREEN],
            "granular_markings": [{"marking_ref": TLP2_AMBER_STRICT, "selectors": ["aliases"]}],
            "extensions": {
                OPENCTI_EXTENSION: {
                    "extension_type": "property-extension",
                    "id": "9c2b4c6e-1d0e-4b1a-9a57-5b5e1d2a7f10",
                    "type": "Threat-Actor-Individual",
                    "created_at": T0,
                    "updated_at": T1,
                }
            },
        },
        {
            "type": "indicator",
            "spec_version": "2.1",
            "id": ind,
            "created": T0,
            "modified": T0,
            "name": "http://login-bank.example.org/verify",
            "pattern": "[url:value = 'http://login-bank.example.org/verify']",
            "pattern_type": "stix",
            "valid_from": T0,
            "x_opencti_score": 80,
            "x_opencti_main_observable_type": "Url",
            "object_marking_refs": [TLP2_GREEN],
        },
        {
            "type": "relationship",
            "spec_version": "2.1",
            "id": rel,
            "created": T0,
            "modified": T0,
            "relationship_type": "indicates",
            "source_ref": ind,
            "target_ref": actor,
            "object_marking_refs": [TLP2_GREEN],
        },
        {
            "type": "user-account",
            "spec_version": "2.1",
            "id": acct,
            "account_login": "vhrab",
            "account_type": "telegram",
            "object_marking_refs": [TLP2_GREEN],
        },
    )
