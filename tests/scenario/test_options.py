"""Scenario options: validated, with every problem named."""

from __future__ import annotations

from datetime import datetime

import pytest

from accord.errors import ValidationError
from accord.scenario import STORY_PERSONS, ScenarioOptions, Variation, resolve_agencies


def _fields(options: ScenarioOptions) -> set[str]:
    with pytest.raises(ValidationError) as exc:
        options.validate()
    return {e.field for e in exc.value.errors}


def test_defaults_are_valid() -> None:
    ScenarioOptions().validate()


def test_every_bad_option_is_named_at_once() -> None:
    options = ScenarioOptions(
        seed=-1,
        persons=0,
        agencies=("DE-BKA", "DE-BKA"),
        epoch=datetime(2026, 1, 1),
        cross_border=2.0,
        variation=Variation(typo=-0.1),
    )
    assert _fields(options) == {
        "seed",
        "persons",
        "agencies",
        "epoch",
        "cross_border",
        "variation.typo",
    }


def test_storylines_need_room_for_their_cast() -> None:
    assert _fields(ScenarioOptions(persons=STORY_PERSONS - 1)) == {"persons"}
    ScenarioOptions(persons=STORY_PERSONS).validate()
    ScenarioOptions(persons=1, storylines=False).validate()


def test_an_unknown_agency_of_a_known_country_plays_that_countrys_profile() -> None:
    lka, fiu = resolve_agencies(["DE-LKA_BY", "UA-FIU"])
    assert (lka.code, lka.country, lka.kind) == ("DE-LKA_BY", "de", "police")
    assert (fiu.code, fiu.country, fiu.kind) == ("UA-FIU", "ua", "fiu")
    assert lka.legal_basis


def test_agencies_of_countries_without_conventions_are_refused() -> None:
    with pytest.raises(ValidationError) as exc:
        resolve_agencies(["FR-PN"])
    assert "FR" in str(exc.value)
