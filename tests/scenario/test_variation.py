"""Each kind of variation happens at its configured rate, measured on a few thousand persons.

Birth-date variation is measured from the data itself against the true date in the truth file;
name variation from the labels the truth file gives each record, over the records that can
have it. Bounds: the configured rate within 4.5 binomial standard deviations."""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest

from accord.scenario import Line, ScenarioOptions, Truth, Variation, agency_catalogue, generate
from accord.scenario.context import countries
from accord.scenario.names import culture


@dataclass
class Sample:
    person: dict[str, Any]  # the record
    truth: dict[str, Any]  # the identity row
    labels: list[str]
    owner: str


def _sample(options: ScenarioOptions) -> list[Sample]:
    records: dict[tuple[str, str], dict[str, Any]] = {}
    out: list[Sample] = []
    for event in generate(options):
        if isinstance(event, Line) and event.data["schema"] == "Person":
            records[(event.owner, event.data["id"])] = event.data
        elif isinstance(event, Truth) and event.row.get("schema") == "Person":
            for ref in event.row["records"]:
                rec = records.pop((ref["owner"], ref["id"]))
                out.append(Sample(rec, event.row, ref.get("variations", []), ref["owner"]))
    assert not records
    return out


@pytest.fixture(scope="module")
def default_sample() -> list[Sample]:
    return _sample(ScenarioOptions(seed=11, persons=3000, storylines=False))


def _within(hits: int, n: int, rate: float) -> bool:
    observed = hits / n
    sigma = math.sqrt(rate * (1 - rate) / n)
    return abs(observed - rate) <= 4.5 * sigma + 0.003


def _rate(
    sample: list[Sample], eligible: Callable[[Sample], bool], hit: Callable[[Sample], bool]
) -> tuple[int, int]:
    pool = [s for s in sample if eligible(s)]
    return sum(hit(s) for s in pool), len(pool)


def _latin_mode(s: Sample) -> bool:
    script = countries()[agency_catalogue()[s.owner].country].script
    return s.truth["script"] != "Latn" and script != s.truth["script"]


def _full_date(s: Sample) -> bool:
    return len(s.person["properties"].get("birthDate", [""])[0]) == 10


def _true(s: Sample) -> date:
    return date.fromisoformat(s.truth["birth_date"])


def _swappable(s: Sample) -> bool:
    t = _true(s)
    return _full_date(s) and t.day <= 12 and t.day != t.month


def _swapped(s: Sample) -> bool:
    shown = date.fromisoformat(s.person["properties"]["birthDate"][0])
    t = _true(s)
    return (shown.month, shown.day) == (t.day, t.month)


def _has_equivalent(s: Sample) -> bool:
    c = culture(
        {"Cyrl": "uk", "Grek": "el", "Arab": "ar", "Hani": "zh"}.get(s.truth["script"], "de")
    )
    token = next((t for t in (*c.male, *c.female) if t.native == s.truth["given"][0]), None)
    return token is not None and token.intl is not None


DEFAULT = Variation()

CASES: dict[str, tuple[float, Callable[[Sample], bool], Callable[[Sample], bool]]] = {
    "dob_missing": (
        DEFAULT.dob_missing,
        lambda s: True,
        lambda s: "birthDate" not in s.person["properties"],
    ),
    "dob_year_only": (
        DEFAULT.dob_year_only,
        lambda s: "birthDate" in s.person["properties"],
        lambda s: len(s.person["properties"]["birthDate"][0]) == 4,
    ),
    "dob_year_off": (
        DEFAULT.dob_year_off,
        lambda s: "birthDate" in s.person["properties"],
        lambda s: abs(int(s.person["properties"]["birthDate"][0][:4]) - _true(s).year) == 1,
    ),
    "dob_day_month_swap": (DEFAULT.dob_day_month_swap, _swappable, _swapped),
    "typo": (DEFAULT.typo, lambda s: True, lambda s: "typo" in s.labels),
    "name_order": (DEFAULT.name_order, lambda s: True, lambda s: "name_order" in s.labels),
    "alias": (DEFAULT.alias, lambda s: True, lambda s: "alias" in s.labels),
    "drop_middle": (
        DEFAULT.drop_middle,
        lambda s: bool(s.truth["middle"]),
        lambda s: "drop_middle" in s.labels,
    ),
    "native_script": (DEFAULT.native_script, _latin_mode, lambda s: "native_script" in s.labels),
    "transliteration": (
        DEFAULT.transliteration,
        _latin_mode,
        lambda s: "transliteration" in s.labels,
    ),
    "equivalent_name": (
        DEFAULT.equivalent_name,
        lambda s: _latin_mode(s) and _has_equivalent(s),
        lambda s: "equivalent_name" in s.labels,
    ),
}


@pytest.mark.parametrize("kind", sorted(CASES))
def test_default_rate_is_observed(default_sample: list[Sample], kind: str) -> None:
    rate, eligible, hit = CASES[kind]
    hits, n = _rate(default_sample, eligible, hit)
    assert n > 150, n
    assert _within(hits, n, rate), (kind, hits, n, hits / n, rate)


def test_labels_agree_with_the_data_for_birth_dates(default_sample: list[Sample]) -> None:
    for s in default_sample:
        props = s.person["properties"]
        assert ("dob_missing" in s.labels) == ("birthDate" not in props)
        if "birthDate" in props:
            assert ("dob_year_only" in s.labels) == (len(props["birthDate"][0]) == 4)
        if _swappable(s) and "dob_year_only" not in s.labels:
            assert ("dob_day_month_swap" in s.labels) == _swapped(s)


def test_labelled_name_variations_are_visible(default_sample: list[Sample]) -> None:
    for s in default_sample:
        props = s.person["properties"]
        if "native_script" in s.labels:
            assert s.truth["name"] in props["alias"]
        if "name_order" in s.labels and "typo" not in s.labels:
            assert props["firstName"][0] != props["lastName"][0]
        if "drop_middle" in s.labels:
            assert "middleName" not in props and "fatherName" not in props
        if "alias" in s.labels:
            assert props.get("alias")


def test_raised_rates_are_observed() -> None:
    options = ScenarioOptions(seed=12, persons=800, storylines=False).with_variation(
        typo=0.5, dob_missing=0.4, name_order=0.3
    )
    sample = _sample(options)
    for kind, rate in (("typo", 0.5), ("name_order", 0.3)):
        hits, n = _rate(sample, lambda s: True, lambda s, k=kind: k in s.labels)
        assert _within(hits, n, rate), (kind, hits / n)
    hits, n = _rate(sample, lambda s: True, lambda s: "birthDate" not in s.person["properties"])
    assert _within(hits, n, 0.4)


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text.upper())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def test_zero_rates_write_every_name_as_the_passport_or_native_script_has_it() -> None:
    zero = Variation(**dict.fromkeys(Variation.names(), 0.0))
    sample = _sample(ScenarioOptions(seed=13, persons=600, storylines=False, variation=zero))
    assert all(not s.labels for s in sample)
    for s in sample:
        props = s.person["properties"]
        assert props["birthDate"] == [s.truth["birth_date"]]
        first, last = props["firstName"][0], _fold(props["lastName"][0])
        assert first in (s.truth["given"][0], s.truth["latin_given"].split(" ")[0])
        assert last in (_fold(s.truth["surname"]), _fold(s.truth["latin_surname"]))


def test_identifier_layout_variation_is_observed_and_visible(world) -> None:  # type: ignore[no-untyped-def]
    known = world.by_id()
    hits = n = 0
    for row in world.rows("identity"):
        if row["schema"] not in ("Vehicle", "BankAccount"):
            continue
        for ref in row["records"]:
            props = known[(ref["owner"], ref["id"])]["properties"]
            labelled = "identifier_format" in ref.get("variations", [])
            if row["schema"] == "BankAccount":
                if "iban" not in props:
                    continue
                assert labelled == (" " in props["iban"][0])
            else:
                plate = row["registration"]
                if not any(sep in plate for sep in " -·"):
                    continue
                assert labelled == (props["registrationNumber"][0].isalnum())
            n += 1
            hits += labelled
    assert n > 300
    assert _within(hits, n, DEFAULT.identifier_format), (hits, n)
