"""YAML with lines: values as `safe_load` would build them, plus the line of every path."""

from __future__ import annotations

import pytest

from accord.policy.yamltree import YamlProblem, compose


def test_values_and_lines_of_nested_paths():
    tree = compose("a: 1\nb:\n  - x\n  - {c: d}\n")
    assert tree.data == {"a": 1, "b": ["x", {"c": "d"}]}
    assert tree.line(("a",)) == 1
    assert tree.line(("b", 0)) == 3
    assert tree.line(("b", 1, "c")) == 4
    assert tree.key_line(("b",)) == 2


def test_missing_path_falls_back_to_its_nearest_ancestor():
    tree = compose("a:\n  b: 1\n")
    assert tree.line(("a", "nothing", 3)) == 2


def test_duplicate_keys_are_refused_at_the_second_key():
    with pytest.raises(YamlProblem) as caught:
        compose("a: 1\nb: 2\na: 3\n")
    assert caught.value.line == 3


def test_alias_expansion_beyond_the_limit_is_refused():
    bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
    for i in range(1, 6):
        bomb += f"b{i}: &b{i} [{', '.join(['*' + ('a' if i == 1 else f'b{i - 1}')] * 10)}]\n"
    with pytest.raises(YamlProblem) as caught:
        compose(bomb)
    assert "too large" in caught.value.reason


def test_self_referencing_alias_is_refused():
    with pytest.raises(YamlProblem):
        compose("a: &a [*a]\n")


def test_timestamp_that_is_no_date_stays_text():
    assert compose("d: 2030-13-01\n").data == {"d": "2030-13-01"}
