"""The MLA form (legal bases and measures as data) and its state machine."""

from __future__ import annotations

from datetime import UTC, datetime
from itertools import product

import pytest

from accord.errors import ValidationError
from accord.model.mla import (
    CLOSED,
    IllegalTransition,
    MlaState,
    check_assets,
    check_form,
    check_transition,
    legal_bases,
    quantile,
)

NOW = datetime(2026, 12, 1, tzinfo=UTC)
FORM = {
    "requested_agency": "nl-politie",
    "requesting_authority": "Staatsanwaltschaft Berlin",
    "requested_authority": "Openbaar Ministerie",
    "legal_basis": "eu-2000",
    "offence": {"description": "Fraud", "crime_area": "fraud"},
    "measures": [{"type": "confiscation_of_assets", "amount": "1200.50", "currency": "EUR"}],
    "deadline": "2027-01-31",
}

#: Every step the machine allows; everything else is refused.
ALLOWED = {
    ("draft", "sent"),
    ("sent", "acknowledged"),
    ("sent", "refused"),
    ("acknowledged", "in_execution"),
    ("acknowledged", "refused"),
    ("in_execution", "partially_executed"),
    ("in_execution", "executed"),
    ("in_execution", "refused"),
    ("partially_executed", "partially_executed"),
    ("partially_executed", "executed"),
    ("partially_executed", "refused"),
}


@pytest.mark.parametrize(("current", "target"), list(product(MlaState, MlaState)))
def test_only_the_steps_of_the_state_machine_are_allowed(
    current: MlaState, target: MlaState
) -> None:
    if (current.value, target.value) in ALLOWED:
        check_transition(current, target)
    else:
        with pytest.raises(IllegalTransition):
            check_transition(current, target)


def test_executed_and_refused_are_final() -> None:
    assert {MlaState.EXECUTED, MlaState.REFUSED} == CLOSED


def test_a_form_without_legal_basis_or_measures_names_both() -> None:
    data = {k: v for k, v in FORM.items() if k not in ("legal_basis", "measures")}
    with pytest.raises(ValidationError) as caught:
        check_form(data, NOW)
    assert {e.field for e in caught.value.errors} == {"legal_basis", "measures"}


def test_an_asset_measure_needs_an_amount_and_a_currency() -> None:
    data = {**FORM, "measures": [{"type": "freezing_of_assets", "currency": "euro"}]}
    with pytest.raises(ValidationError) as caught:
        check_form(data, NOW)
    assert {e.field for e in caught.value.errors} == {"measures.0.amount", "measures.0.currency"}


def test_a_good_form_is_kept_as_checked() -> None:
    form = check_form(FORM, NOW)
    assert form["requested_agency"] == "NL-POLITIE" and form["urgency"] == "routine"
    assert form["measures"] == [
        {"type": "confiscation_of_assets", "amount": "1200.50", "currency": "EUR"}
    ]
    assert form["deadline"].date().isoformat() == "2027-01-31"


def test_the_conventions_the_field_relies_on_are_legal_bases() -> None:
    assert {"coe-1959", "eu-2000", "untoc", "uncac", "budapest"} <= set(legal_bases())


def test_reported_assets_are_checked() -> None:
    assert check_assets([{"kind": "frozen", "amount": "10", "currency": "USD"}]) == [
        {"kind": "frozen", "amount": "10", "currency": "USD"}
    ]
    with pytest.raises(ValidationError):
        check_assets([{"kind": "stolen", "amount": "10", "currency": "USD"}])


def test_quantiles_by_nearest_rank() -> None:
    values = [5.0, 1.0, 3.0, 2.0, 4.0]
    assert quantile(values, 0.5) == 3.0 and quantile(values, 0.9) == 5.0
    assert quantile([], 0.5) is None
