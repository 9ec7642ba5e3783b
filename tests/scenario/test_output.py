"""The files a scenario writes: ingest lines that load as they are, truth that points at them."""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from datetime import UTC, datetime

from accord.model import electronic_iban, is_agency_code, parse_record
from accord.scenario import STORY_PERSONS, default_agencies

from .conftest import World

NOW = datetime(2026, 10, 1, tzinfo=UTC)


def test_every_line_parses_as_a_record_of_its_agency_unchanged(world: World) -> None:
    count = 0
    for owner, rec in world.records():
        parsed = parse_record(rec, {"owner": owner}, now=NOW)
        assert parsed.envelope.owner == owner
        assert parsed.id == rec["id"]
        # Already canonical: ingest stores exactly what the file says, but for the IBANs the
        # scenario writes in their paper layout on purpose, stored in electronic format.
        expected = dict(rec["properties"])
        if "iban" in expected:
            expected["iban"] = [electronic_iban(v) for v in expected["iban"]]
        assert parsed.properties == expected
        count += 1
    assert count == world.manifest["records"] > 1000


def test_default_world_has_at_least_six_agencies_in_five_scripts(world: World) -> None:
    agencies = world.manifest["agencies"]
    assert list(agencies) == list(default_agencies())
    assert len(agencies) >= 6
    assert all(is_agency_code(code) for code in agencies)
    assert {info["script"] for info in agencies.values()} >= {
        "Latn",
        "Cyrl",
        "Grek",
        "Arab",
        "Hani",
    }
    assert all(info["records"] > 0 for info in agencies.values())


def test_record_ids_are_unique_and_opaque_per_agency(world: World) -> None:
    for owner, recs in world.lines.items():
        ids = [r["id"] for r in recs]
        assert len(ids) == len(set(ids))
        prefix = owner.lower().replace("_", "-")
        assert all(re.fullmatch(rf"{prefix}-[0-9a-f]{{20}}", i) for i in ids)


def test_a_persons_records_share_no_id_material_across_agencies(world: World) -> None:
    clusters = [r for r in world.rows("identity") if len({x["owner"] for x in r["records"]}) > 1]
    assert len(clusters) > 50
    for row in clusters:
        tails = [x["id"].rsplit("-", 1)[1] for x in row["records"]]
        assert len(tails) == len(set(tails))
        for a in tails:
            for b in tails:
                assert a == b or (a[:6] != b[:6] and a[-6:] != b[-6:])


def test_every_id_in_the_truth_file_exists_in_the_agency_files(world: World) -> None:
    known = world.by_id()
    refs = 0
    for row in world.truth:
        for ref in _refs(row):
            assert (ref["owner"], ref["id"]) in known, (row["type"], ref)
            refs += 1
    assert refs > world.manifest["persons"]


def _refs(row: dict) -> list[dict[str, str]]:
    out: list[dict[str, str]] = []
    if row["type"] == "identity":
        out += row["records"]
    elif row["type"] == "expected_hit":
        owner = row.get("owner")
        for value in row.values():
            if isinstance(value, dict) and "owner" in value and "id" in value:
                out.append(value)
        for field in ("records",):
            for item in row.get(field, []):
                out.append(item if isinstance(item, dict) else {"owner": owner, "id": item})
        for field in ("record", "account", "company", "beneficial_owner"):
            if isinstance(row.get(field), str):
                out.append({"owner": owner, "id": row[field]})
        for item in row.get("path", []):
            out.append({"owner": owner, "id": item})
    return out


def test_identity_clusters_cover_every_person_record_exactly_once(world: World) -> None:
    person_records = {(o, r["id"]) for o, r in world.records("Person")}
    clustered = Counter(
        (x["owner"], x["id"])
        for row in world.rows("identity")
        if row["schema"] == "Person"
        for x in row["records"]
    )
    assert set(clustered) == person_records
    assert max(clustered.values()) == 1


def test_identity_records_have_the_identitys_schema(world: World) -> None:
    known = world.by_id()
    for row in world.rows("identity"):
        for ref in row["records"]:
            assert known[(ref["owner"], ref["id"])]["schema"] == row["schema"]


def test_document_checks_that_must_hit_point_at_the_issuers_report(world: World) -> None:
    known = world.by_id()
    hits = [r for r in world.rows("expected_hit") if r["kind"] == "document_check"]
    statuses = Counter(h["status"] for h in hits)
    assert set(statuses) == {"stolen", "lost", "revoked"}
    for hit in hits:
        rec = known[(hit["owner"], hit["record"])]
        assert rec["schema"] in ("Passport", "Identification")
        assert rec["properties"]["number"] == [hit["check"]["number"]]
        assert rec["properties"]["country"] == [hit["check"]["country"]]
        assert rec["properties"]["summary"] == [hit["status"]]
        issuer = world.manifest["agencies"][hit["owner"]]["country"]
        assert issuer == hit["check"]["country"]


def test_manifest_counts_and_digests_match_the_files(world: World) -> None:
    for code, info in world.manifest["agencies"].items():
        data = (world.out / info["file"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == info["sha256"]
        assert len(world.raw[code]) == info["records"]
        assert sum(info["schemata"].values()) == info["records"]
        assert dict(Counter(r["schema"] for r in world.lines[code])) == info["schemata"]
    truth = (world.out / "truth.jsonl").read_bytes()
    assert hashlib.sha256(truth).hexdigest() == world.manifest["truth"]["sha256"]
    assert sum(world.manifest["truth"]["rows"].values()) == len(world.truth)
    assert world.manifest["persons"] == 1500 >= STORY_PERSONS
    assert world.manifest["seed"] == 7
    assert world.manifest["options"]["persons"] == 1500


def test_uses_the_schemata_the_issue_asks_for(world: World) -> None:
    used = {r["schema"] for _, r in world.records()}
    assert used >= {
        "Person",
        "Passport",
        "Identification",
        "Address",
        "Company",
        "Ownership",
        "Directorship",
        "BankAccount",
        "Payment",
        "CryptoWallet",
        "Vehicle",
        "Associate",
        "Family",
        "UnknownLink",
        "UserAccount",
        "Event",
        "Image",
    }


def test_lines_are_compact_json_with_the_envelope_last(world: World) -> None:
    line = world.raw["DE-BKA"][0]
    assert json.loads(line)
    assert list(json.loads(line)) == ["id", "schema", "properties", "accord"]
    assert "\n" not in line


def test_document_checks_that_must_not_hit_name_valid_documents(world: World) -> None:
    reported = {
        (r["properties"]["number"][0], r["properties"]["country"][0])
        for _, r in world.records()
        if r["schema"] in ("Passport", "Identification") and "summary" in r["properties"]
    }
    held = {
        (r["properties"]["number"][0], r["properties"]["country"][0])
        for _, r in world.records()
        if r["schema"] in ("Passport", "Identification")
    }
    controls = [r for r in world.truth if r["type"] == "expected_no_hit"]
    assert len(controls) > 20
    for row in controls:
        check = (row["check"]["number"], row["check"]["country"])
        assert check in held
        assert check not in reported
