"""The dashboards' counts come from the ledger, within the window asked for: document checks
per day (with their hits) and the refusal of a window out of range, naming the field. The
federated parts (searches, response times, follow-ups, disclosures) are proven across real
nodes in tests/web/test_dashboard.py."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from accord.errors import ValidationError
from accord.model import Principal, PrincipalKind
from accord.services import dashboard as service
from accord.services.node import Node
from tests.services.test_documents import check, report

SUPERVISOR = Principal("sam", "DE-BKA", PrincipalKind.USER, frozenset({"supervisor"}))


def test_document_checks_and_hits_are_counted_on_their_day_and_only_within_the_window(
    node: Node,
) -> None:
    report(node)
    check(node, number="C01X00T47", country="D")
    check(node, number="X12345678", country="D")
    now = datetime.now(UTC)
    found = service.success_metrics(node, SUPERVISOR, days=7, now=now)
    today = {d["day"]: d for d in found["document_checks"]}[now.date().isoformat()]
    assert today == {"day": now.date().isoformat(), "checks": 2, "hits": 1}
    assert len(found["document_checks"]) == 8  # each day of the window, empty days too
    later = service.success_metrics(node, SUPERVISOR, days=1, now=now + timedelta(days=3))
    assert sum(d["checks"] for d in later["document_checks"]) == 0
    assert later["searches"] == [] and later["disclosures"] == [] and later["follow_ups"] == []


@pytest.mark.parametrize("days", [0, service.MAX_DAYS + 1])
def test_a_window_out_of_range_is_refused_naming_days(node: Node, days: int) -> None:
    with pytest.raises(ValidationError) as raised:
        service.success_metrics(node, SUPERVISOR, days=days)
    assert [e.field for e in raised.value.errors] == ["days"]
