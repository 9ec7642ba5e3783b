"""Notices through the service: drafted with the fields their type requires, published,
suspended, cancelled; only the issuer changes them; every step in the ledger."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from accord.errors import Forbidden, NotFound, ValidationError
from accord.model.notices import IllegalTransition
from accord.services.node import Node
from accord.services.notices import (
    cancel_notice,
    create_notice,
    expire_due,
    get_notice,
    list_notices,
    publish_notice,
    suspend_notice,
)
from accord.store import notices as store
from tests.conftest import principal
from tests.federation.cluster import ledger
from tests.services.notices_factories import published, red


def fields(exc: pytest.ExceptionInfo[ValidationError]) -> list[str]:
    return [e.field for e in exc.value.errors]


def test_a_drafted_red_notice_keeps_its_subject_documents_and_details(node: Node) -> None:
    body = red(
        properties={"nationality": ["ua"]},
        documents=[
            {"schema": "Passport", "properties": {"number": ["FX123456"], "country": ["ua"]}}
        ],
        distribution={"countries": ["NL", "UA"]},
    )
    notice = create_notice(node, node.operator(), body)
    data = notice.to_dict()
    assert data["status"] == "draft" and data["notice_id"].startswith("ntc-")
    assert data["issuing_agency"] == "DE-BKA" and data["received_from"] is None
    assert data["subject"]["properties"]["birthDate"] == ["1975-05-05"]
    assert data["documents"][0]["properties"]["number"] == ["FX123456"]
    assert data["details"]["arrest_warrant"] == "AG Berlin 12 Gs 345/26"
    assert data["distribution"] == {"countries": ["NL", "UA"]}
    assert data["envelope"]["owner"] == "DE-BKA"
    assert data["envelope"]["subject_category"] == "suspect"
    assert data["envelope"]["crime_areas"] == ["thb"]
    assert data["purpose"] == "prosecution" and data["requested_action"].startswith("Locate")
    assert [h["status"] for h in data["history"]] == ["draft"]
    (entry,) = ledger(node, "notice")
    assert entry["details"]["step"] == "created"
    assert entry["details"]["notice_id"] == data["notice_id"]


def test_a_notice_missing_a_field_its_type_requires_is_refused_naming_it(node: Node) -> None:
    body = red()
    del body["details"]["arrest_warrant"]
    with pytest.raises(ValidationError) as caught:
        create_notice(node, node.operator(), body)
    assert fields(caught) == ["details.arrest_warrant"]
    assert list_notices(node, node.operator()) == []


def test_bad_input_is_refused_naming_every_field(node: Node) -> None:
    with pytest.raises(ValidationError) as caught:
        create_notice(node, node.operator(), {**red(), "type": "magenta"})
    assert fields(caught) == ["type"]
    body = {
        **red(),
        "crime_area": "",
        "valid_until": "2020-01-01",
        "distribution": {"countries": ["ZZ"]},
        "subject": {"schema": "Person", "properties": {"birthDate": ["yesterday"]}},
        "documents": [{"schema": "Person", "properties": {"name": ["x"]}}],
        "envelope": {"tlp": "PURPLE", "owner": "NL-POLITIE"},
        "colour": "red",
    }
    with pytest.raises(ValidationError) as caught:
        create_notice(node, node.operator(), body)
    assert set(fields(caught)) >= {
        "colour",
        "crime_area",
        "valid_until",
        "distribution.countries.0",
        "subject.properties.birthDate",
        "documents.0.schema",
        "envelope.owner",
        "envelope.tlp",
    }
    with pytest.raises(ValidationError) as caught:
        create_notice(
            node, node.operator(), {**red(), "type": "diffusion", "details": {"request": "x"}}
        )
    assert fields(caught) == ["distribution.countries"]


def test_the_lifecycle_runs_draft_published_suspended_published_cancelled(node: Node) -> None:
    who = node.operator()
    notice_id = create_notice(node, who, red()).row.notice_id
    assert publish_notice(node, who, notice_id).to_dict()["status"] == "published"
    assert suspend_notice(node, who, notice_id, "under review").to_dict()["status"] == "suspended"
    assert publish_notice(node, who, notice_id).to_dict()["status"] == "published"
    cancelled = cancel_notice(node, who, notice_id, "arrested")
    data = cancelled.to_dict()
    assert data["status"] == "cancelled"
    assert [h["status"] for h in data["history"]] == [
        "draft", "published", "suspended", "published", "cancelled"
    ]  # fmt: skip
    assert data["history"][2]["reason"] == "under review"
    with pytest.raises(IllegalTransition) as caught:
        publish_notice(node, who, notice_id)
    assert caught.value.status == 409
    steps = [e["details"]["step"] for e in ledger(node, "notice")]
    assert steps[0] == "created" and steps.count("published") == 2
    assert "suspended" in steps and "cancelled" in steps


def test_illegal_transitions_are_refused_and_change_nothing(node: Node) -> None:
    who = node.operator()
    notice_id = create_notice(node, who, red()).row.notice_id
    with pytest.raises(IllegalTransition):
        suspend_notice(node, who, notice_id)
    assert get_notice(node, who, notice_id).to_dict()["status"] == "draft"
    with pytest.raises(NotFound):
        publish_notice(node, who, "ntc-unknown")


def test_only_the_issuing_agency_changes_a_notice(node: Node) -> None:
    notice_id = create_notice(node, node.operator(), red()).row.notice_id
    stranger = principal("NL-POLITIE", ("investigator",))
    with pytest.raises(Forbidden):
        publish_notice(node, stranger, notice_id)
    with pytest.raises(Forbidden):
        cancel_notice(node, stranger, notice_id)


def test_listing_filters_by_status_and_type_and_reads_go_to_the_ledger(node: Node) -> None:
    who = node.operator()
    draft = create_notice(node, who, red("Anna Draft")).row.notice_id
    live = published(node, who, red("Boris Live")).row.notice_id
    assert [n.row.notice_id for n in list_notices(node, who, status="published")] == [live]
    assert [n.row.notice_id for n in list_notices(node, who, status="draft")] == [draft]
    assert list_notices(node, who, kind="yellow") == []
    assert {n.row.notice_id for n in list_notices(node, who)} == {draft, live}
    with pytest.raises(ValidationError):
        list_notices(node, who, status="lost")
    get_notice(node, who, live)
    reads = ledger(node, "notice_read")
    assert reads[-1]["details"]["notices"] == [live]


def test_a_notice_past_its_validity_reads_as_expired_and_the_expiry_is_written(
    node: Node,
) -> None:
    who = node.operator()
    soon = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    notice = published(node, who, red(valid_until=soon))
    later = datetime.now(UTC) + timedelta(hours=2)
    assert notice.status(later).value == "expired"
    assert expire_due(node, later) == 1
    assert expire_due(node, later) == 0
    again = get_notice(node, who, notice.row.notice_id)
    assert [h["status"] for h in again.to_dict()["history"]][-1] == "expired"
    with node.engine.connect() as conn:
        assert not store.has_keys(conn)
    with pytest.raises(IllegalTransition):
        publish_notice(node, who, notice.row.notice_id)
