"""The comparison spec of batch cross-referencing as data, and the Splink settings built from
it for every backend (pure: building settings runs no query).

A spec (`accord/data/matching/<name>.yml`) names its blocking rules, its comparisons with
their levels in order, prior m and u probabilities for every level, and how to train. The
same spec gives Splink's DuckDB and Spark backends the same model: Splink's comparison and
blocking libraries write each level's SQL in the backend's dialect (`jaro_winkler_similarity`
in DuckDB, the Scala UDF `jaro_winkler` in Spark).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any

import yaml

from accord.linkage.prepare import ARRAY_COLUMNS, COLUMNS

if TYPE_CHECKING:
    from splink import SettingsCreator
    from splink.internals.blocking_rule_creator import BlockingRuleCreator
    from splink.internals.comparison_level_creator import ComparisonLevelCreator

__all__ = [
    "SPEC",
    "Blocking",
    "Comparison",
    "Level",
    "Spec",
    "SpecError",
    "Training",
    "em_rules",
    "load_spec",
    "parse_spec",
    "prior",
    "splink_settings",
]

#: The default spec.
SPEC = "xref-v1"

_KINDS = frozenset(
    {"missing", "exact", "reversed", "jaro_winkler", "levenshtein", "array_intersect", "difference",
     "all", "else"}
)  # fmt: skip


class SpecError(ValueError):
    """A spec file that does not describe a usable model; the message names the place."""


@dataclass(frozen=True, slots=True)
class Level:
    """One comparison level: what must hold, and its prior m and u probabilities (None for a
    null level, which carries no evidence)."""

    kind: str
    columns: tuple[str, ...] = ()
    threshold: float | None = None
    distance: int | None = None
    size: int | None = None
    m: float | None = None
    u: float | None = None
    #: Term-frequency adjustment on the level's column: a common value is weaker evidence.
    tf: bool = False
    #: The conditions of an `all` level, every one of which must hold.
    of: tuple[Level, ...] = ()

    @property
    def label(self) -> str:
        if self.kind == "all":
            return " and ".join(part.label for part in self.of)
        cols = "/".join(self.columns)
        if self.kind == "jaro_winkler":
            return f"{cols} jaro-winkler >= {self.threshold}"
        if self.kind in ("levenshtein", "difference"):
            return f"{cols} {self.kind} <= {self.distance}"
        if self.kind == "array_intersect":
            return f"{cols} share >= {self.size}"
        return f"{cols} {self.kind}".strip()


@dataclass(frozen=True, slots=True)
class Comparison:
    name: str
    description: str
    levels: tuple[Level, ...]


@dataclass(frozen=True, slots=True)
class Blocking:
    """A blocking rule: records meet when their `column` arrays share a value."""

    name: str
    column: str


@dataclass(frozen=True, slots=True)
class Training:
    min_records: int
    u_max_pairs: float
    seed: int
    em: tuple[tuple[str, ...], ...]


@dataclass(frozen=True, slots=True)
class Spec:
    name: str
    #: Share of the smaller side expected to have its match on the other (sets the prior).
    expected_overlap: float
    #: Splink pairs at or above this probability are scored by the accord matcher too.
    review_floor: float
    blocking: tuple[Blocking, ...]
    training: Training
    comparisons: tuple[Comparison, ...]


def _level(raw: Any, where: str, *, condition: bool = False) -> Level:
    """One level; a `condition` is part of an `all` level and carries no probabilities."""
    if not isinstance(raw, Mapping):
        raise SpecError(f"{where}: a level is a mapping")
    kind = raw.get("kind")
    if kind not in _KINDS or (condition and kind in ("all", "else")):
        raise SpecError(f"{where}.kind: one of {', '.join(sorted(_KINDS))}")
    cols = tuple(raw.get("columns") or ([raw["column"]] if "column" in raw else []))
    unknown = [c for c in cols if c not in COLUMNS]
    if unknown:
        raise SpecError(f"{where}: no prepared column {', '.join(unknown)}")
    need = {"else": 0, "all": 0, "reversed": 2}.get(str(kind), 1)
    if len(cols) != need:
        raise SpecError(f"{where}: a {kind} level takes {need} column(s)")
    of = tuple(
        _level(part, f"{where}.of.{i}", condition=True)
        for i, part in enumerate(raw.get("of") or ())
    )
    if kind == "all" and len(of) < 2:
        raise SpecError(f"{where}.of: an all level joins at least two conditions")
    m, u = raw.get("m"), raw.get("u")
    if kind != "missing" and not condition:
        for key, value in (("m", m), ("u", u)):
            if not isinstance(value, int | float) or not 0 < value <= 1:
                raise SpecError(f"{where}.{key}: a probability above 0, at most 1")
    level = Level(
        kind=str(kind),
        columns=cols,
        threshold=raw.get("threshold"),
        distance=raw.get("distance"),
        size=raw.get("size"),
        m=None if m is None else float(m),
        u=None if u is None else float(u),
        tf=bool(raw.get("tf", False)),
        of=of,
    )
    required = {"jaro_winkler": "threshold", "levenshtein": "distance", "difference": "distance",
                "array_intersect": "size"}.get(level.kind)  # fmt: skip
    if required and getattr(level, required) is None:
        raise SpecError(f"{where}.{required}: required for a {kind} level")
    if level.kind == "array_intersect" and cols[0] not in ARRAY_COLUMNS:
        raise SpecError(f"{where}: {cols[0]} is not an array column")
    return level


def parse_spec(data: Any) -> Spec:
    """A spec from its YAML data; SpecError names the first thing wrong."""
    if not isinstance(data, Mapping):
        raise SpecError("a spec is a mapping")
    comparisons = []
    for i, raw in enumerate(data.get("comparisons") or ()):
        where = f"comparisons.{i}"
        levels = tuple(_level(lv, f"{where}.levels.{j}") for j, lv in enumerate(raw["levels"]))
        if not levels or levels[0].kind != "missing" or levels[-1].kind != "else":
            raise SpecError(f"{where}.levels: start with a missing level and end with else")
        comparisons.append(Comparison(str(raw["name"]), str(raw.get("description", "")), levels))
    blocking = []
    for i, raw in enumerate(data.get("blocking") or ()):
        if raw.get("column") not in ARRAY_COLUMNS:
            raise SpecError(f"blocking.{i}.column: an array column of prepared records")
        blocking.append(Blocking(str(raw["name"]), str(raw["column"])))
    if not comparisons or not blocking:
        raise SpecError("a spec needs comparisons and blocking rules")
    train = data.get("training") or {}
    em = tuple(tuple(str(c) for c in rule) for rule in train.get("em") or ())
    for i, rule in enumerate(em):
        if any(c not in COLUMNS for c in rule):
            raise SpecError(f"training.em.{i}: columns of prepared records")
    overlap, floor = data.get("expected_overlap"), data.get("review_floor")
    for key, value in (("expected_overlap", overlap), ("review_floor", floor)):
        if not isinstance(value, int | float) or not 0 < value <= 1:
            raise SpecError(f"{key}: a share above 0, at most 1")
    return Spec(
        name=str(data["spec"]),
        expected_overlap=float(overlap),  # type: ignore[arg-type]
        review_floor=float(floor),  # type: ignore[arg-type]
        blocking=tuple(blocking),
        training=Training(
            min_records=int(train.get("min_records", 2000)),
            u_max_pairs=float(train.get("u_max_pairs", 1e6)),
            seed=int(train.get("seed", 1)),
            em=em,
        ),
        comparisons=tuple(comparisons),
    )


@cache
def load_spec(name: str = SPEC) -> Spec:
    """The shipped spec `name`; KeyError for one we do not have."""
    path = resources.files("accord.data").joinpath("matching").joinpath(f"{name}.yml")
    if not name.startswith("xref-") or not path.is_file():
        raise KeyError(name)
    return parse_spec(yaml.safe_load(path.read_text("utf-8")))


# --- Splink settings -------------------------------------------------------------------------


def _condition(level: Level) -> ComparisonLevelCreator:
    import splink.comparison_level_library as cll

    cols = level.columns
    made: ComparisonLevelCreator
    if level.kind == "missing":
        made = cll.NullLevel(cols[0])
    elif level.kind == "all":
        made = cll.And(*(_condition(part) for part in level.of))
    elif level.kind == "else":
        made = cll.ElseLevel()
    elif level.kind == "exact":
        made = cll.ExactMatchLevel(cols[0])
    elif level.kind == "reversed":
        made = cll.ColumnsReversedLevel(cols[0], cols[1], symmetrical=True)
    elif level.kind == "jaro_winkler":
        assert level.threshold is not None
        made = cll.JaroWinklerLevel(cols[0], level.threshold)
    elif level.kind == "levenshtein":
        assert level.distance is not None
        made = cll.LevenshteinLevel(cols[0], level.distance)
    elif level.kind == "difference":
        assert level.distance is not None
        made = cll.AbsoluteDifferenceLevel(cols[0], level.distance)
    else:
        assert level.size is not None
        made = cll.ArrayIntersectLevel(cols[0], level.size)
    return made


def _creator(level: Level) -> ComparisonLevelCreator:
    made = _condition(level)
    if level.kind == "missing":
        return made
    if level.tf:
        made = made.configure(tf_adjustment_column=level.columns[0])
    return made.configure(
        m_probability=level.m, u_probability=level.u, label_for_charts=level.label
    )


def _blocking_rule(rule: Blocking, fresh_only: bool) -> BlockingRuleCreator:
    from splink.blocking_rule_library import CustomRule

    col = rule.column
    sql = f"l.{col} = r.{col}"
    if fresh_only:
        # A run `--since` compares only pairs with at least one record changed since then.
        sql += " AND (l.fresh OR r.fresh)"
    return CustomRule(sql, arrays_to_explode=[col])


def prior(spec: Spec, *sizes: int) -> float:
    """The prior probability that two records of a run match: the expected overlap over the
    size of the largest dataset (each record of a smaller one has at most one match there)."""
    return min(1.0, spec.expected_overlap / max(1, *sizes))


def splink_settings(spec: Spec, *, probability: float, fresh_only: bool = False) -> SettingsCreator:
    """Splink settings of `spec` for linking two datasets (`link_only`: pairs across the
    datasets, never within one), with the spec's priors as starting parameters and
    `probability` as the prior that two records match (`prior`)."""
    from splink import SettingsCreator
    from splink.comparison_library import CustomComparison

    return SettingsCreator(
        link_type="link_only",
        comparisons=[
            CustomComparison(
                [_creator(level) for level in comparison.levels],
                output_column_name=comparison.name,
                comparison_description=comparison.description,
            )
            for comparison in spec.comparisons
        ],
        blocking_rules_to_generate_predictions=[
            _blocking_rule(rule, fresh_only) for rule in spec.blocking
        ],
        probability_two_random_records_match=probability,
        retain_matching_columns=False,
        retain_intermediate_calculation_columns=False,
    )


def em_rules(spec: Spec) -> list[BlockingRuleCreator]:
    """The blocking rules expectation maximisation trains under, one session each."""
    from splink import block_on

    return [block_on(*rule) for rule in spec.training.em]
