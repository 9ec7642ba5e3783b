"""The linkage core: prepared rows carry the matcher's normalisation, one spec gives both Splink
backends the same model, a bad spec is refused by place, and `same` links close into clusters."""

from __future__ import annotations

import copy
from typing import Any

import pytest
import yaml

from accord.linkage.clusters import canonical, clusters
from accord.linkage.prepare import COLUMNS, prepare
from accord.linkage.spec import SpecError, load_spec, parse_spec, prior, splink_settings


def test_a_cyrillic_name_is_prepared_in_its_latin_forms() -> None:
    row = prepare(7, "b", {"name": ["Олександр Коваленко"], "birthDate": ["1981-03-02"]})
    assert row is not None
    assert row.name == "oleksandr kovalenko" and row.name_sorted == "kovalenko oleksandr"
    assert (row.given, row.surname) == ("oleksandr", "kovalenko")
    assert row.birth_date == "1981-03-02" and row.birth_year == 1981
    assert "k:kflnk|1981" in row.block_year and "k:klnk|1981" in row.block_year
    latin = prepare(8, "a", {"name": ["Olexandr Kowalenko"], "birthDate": ["1981"]})
    assert latin is not None and latin.birth_date is None
    assert set(row.block_year) & set(latin.block_year)  # they meet in a block
    assert set(row.block_pair) & set(latin.block_pair)


def test_parts_and_identifiers_are_read_from_their_properties() -> None:
    row = prepare(
        1,
        "a",
        {
            "firstName": ["Taras"],
            "lastName": ["Zinchenko"],
            "passportNumber": ["fx 830572"],
            "phone": ["+49 151 25888904"],
        },
    )
    assert row is not None
    assert (row.given, row.surname) == ("taras", "zinchenko")
    assert row.ids == ("passport:FX830572",)
    assert row.contacts == ("phone:+4915125888904",)
    assert prepare(2, "a", {"notes": ["nothing to link on"]}) is None


def _settings(dialect: str) -> dict[str, Any]:
    spec = load_spec()
    return splink_settings(spec, probability=1e-5).create_settings_dict(dialect)


def test_duckdb_and_spark_get_the_same_model() -> None:
    duck, spark = _settings("duckdb"), _settings("spark")
    assert [c["output_column_name"] for c in duck["comparisons"]] == [
        c["output_column_name"] for c in spark["comparisons"]
    ]
    for a, b in zip(duck["comparisons"], spark["comparisons"], strict=True):
        shape = [
            (lv.get("m_probability"), lv.get("u_probability")) for lv in a["comparison_levels"]
        ]
        assert shape == [
            (lv.get("m_probability"), lv.get("u_probability")) for lv in b["comparison_levels"]
        ]
    jw = {lv["sql_condition"].split("(")[0] for c in spark["comparisons"]
          for lv in c["comparison_levels"] if "jaro" in lv["sql_condition"]}  # fmt: skip
    assert jw == {"jaro_winkler"}
    assert duck["link_type"] == spark["link_type"] == "link_only"
    assert [r["arrays_to_explode"] for r in duck["blocking_rules_to_generate_predictions"]] == [
        ["block_year"],
        ["block_pair"],
        ["ids"],
    ]


def test_a_run_since_blocks_only_pairs_with_a_fresh_record() -> None:
    settings = splink_settings(load_spec(), probability=1e-5, fresh_only=True)
    rules = settings.create_settings_dict("duckdb")["blocking_rules_to_generate_predictions"]
    assert all("l.fresh OR r.fresh" in r["blocking_rule"] for r in rules)


def test_the_prior_follows_the_size_of_the_larger_side() -> None:
    spec = load_spec()
    assert prior(spec, 100_000, 50_000) == pytest.approx(spec.expected_overlap / 100_000)
    assert prior(spec, 0, 0) == min(1.0, spec.expected_overlap)


def _shipped() -> dict[str, Any]:
    from importlib import resources

    text = resources.files("accord.data").joinpath("matching/xref-v1.yml").read_text("utf-8")
    data: dict[str, Any] = yaml.safe_load(text)
    return data


@pytest.mark.parametrize(
    ("change", "where"),
    [
        (lambda d: d["comparisons"][0]["levels"][1].update(kind="fuzzy"), "levels.1.kind"),
        (lambda d: d["comparisons"][0]["levels"][1].update(column="nom"), "no prepared column"),
        (lambda d: d["comparisons"][0]["levels"][1].update(m=1.5), "levels.1.m"),
        (lambda d: d["comparisons"][0]["levels"].pop(), "end with else"),
        (lambda d: d["blocking"][0].update(column="name"), "blocking.0.column"),
        (lambda d: d.update(expected_overlap=0), "expected_overlap"),
    ],
)
def test_a_bad_spec_is_refused_naming_the_place(change: Any, where: str) -> None:
    data = copy.deepcopy(_shipped())
    change(data)
    with pytest.raises(SpecError, match=where.replace(".", r"\.")):
        parse_spec(data)


def test_every_spec_column_is_a_prepared_column() -> None:
    spec = load_spec()
    used = {c for comp in spec.comparisons for lv in comp.levels for c in lv.columns}
    assert used <= set(COLUMNS)


def test_same_links_close_into_clusters_named_by_their_smallest_link() -> None:
    a, b, c, d = ("DE", "a"), ("UA", "b"), ("NL", "c"), ("GR", "d")
    found = clusters([(7, a, b), (3, b, c), (9, d, ("DE", "e"))])
    assert found[a] == found[b] == found[c] == 3
    assert found[d] == found[("DE", "e")] == 9
    assert canonical(b, a) == ("DE", "a", "UA", "b") == canonical(a, b)
