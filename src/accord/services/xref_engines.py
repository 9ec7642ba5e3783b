"""The engines of cross-referencing: where a run's candidate pairs come from.

- `accord`: the node's own candidate index (the matcher's `mname`/`mid` keys every person
  record stores) queried record by record, at most `ACCORD_XREF_CANDIDATES` candidates each;
  no model to train, nothing to start: the engine for small runs.
- `duckdb`: Splink on an in-memory DuckDB database, from the comparison spec
  (`accord.linkage.spec`); u trained by random sampling when both sides are large enough.
- `spark`: the same spec on Splink's Spark backend (PySpark; `local[*]` by default, or the
  cluster `ACCORD_XREF_SPARK_MASTER` names), for a node that outgrows one machine.

Every engine returns candidates (a pair of record primary keys, and Splink's match probability
where Splink produced it); the run scores each with the accord matcher and decides
(`accord.services.xref`).
"""

from __future__ import annotations

import importlib.util
import logging
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection

from accord.errors import FieldError, ValidationError
from accord.linkage.prepare import ARRAY_COLUMNS, COLUMNS, PreparedRecord, columns, prepare_chunk
from accord.linkage.spec import Spec, em_rules, prior, splink_settings
from accord.matching.keys import match_key_groups
from accord.store import xref as store
from accord.store.xref import PersonRow, Side

if TYPE_CHECKING:
    import pyarrow as pa
    from splink import Linker

__all__ = [
    "ENGINES",
    "Candidate",
    "Progress",
    "accord_candidates",
    "check_spark",
    "prepare_rows",
    "splink_candidates",
]

#: The engines a run can name (`auto` picks one of the first two by size).
ENGINES = ("auto", "accord", "duckdb", "spark")
#: Side labels of prepared records: the node's own records, and those linked against them.
OWN, OTHER = "a", "b"
_CHUNK = 2_000

#: `progress(phase, done, total)`: a run reports each phase as it goes.
Progress = Callable[[str, int, int | None], None]


def _quiet(phase: str, done: int, total: int | None) -> None:
    return None


@dataclass(frozen=True, slots=True)
class Candidate:
    """Two records (primary keys: one of the query side, one of the side it was compared
    with) worth scoring."""

    own: int
    other: int
    probability: float | None = None


# --- the accord engine -------------------------------------------------------------------------


def accord_candidates(
    conn: Connection,
    queries: Sequence[tuple[PersonRow, Side]],
    cap: int,
    progress: Progress = _quiet,
) -> list[Candidate]:
    """The candidates of each query record (row, the side to look on) from the candidate
    index; a pair found from both of its records is one candidate."""
    found: dict[tuple[int, int], Candidate] = {}
    progress("candidates", 0, len(queries))
    for done, (row, opposite) in enumerate(queries, start=1):
        # The record's keys by evidence group, as a match query's (decision 0042).
        groups = match_key_groups("Person", row.properties)
        for pk in store.find_side_candidates(conn, sorted(groups), opposite, cap, groups):
            if pk != row.pk:
                found.setdefault((min(row.pk, pk), max(row.pk, pk)), Candidate(row.pk, pk))
        if done % 100 == 0 or done == len(queries):
            progress("candidates", done, len(queries))
    return list(found.values())


# --- preparing records -------------------------------------------------------------------------


def prepare_rows(
    rows: Sequence[tuple[PersonRow, str, bool]], progress: Progress = _quiet
) -> list[PreparedRecord]:
    """Prepared records of (row, side, fresh) items, in chunks so that progress shows.

    One process: the matcher's caches (romanisations, name parts) pay off across records,
    since names repeat; a pool of two spawned processes was measured slower on two cores
    (60,000 records: 15.4 s against 9.0 s), each worker warming its own caches."""
    items = [(row.pk, side, row.properties, fresh) for row, side, fresh in rows]
    out: list[PreparedRecord] = []
    progress("prepare", 0, len(items))
    for start in range(0, len(items), _CHUNK):
        out.extend(prepare_chunk(items[start : start + _CHUNK]))
        progress("prepare", min(start + _CHUNK, len(items)), len(items))
    return out


def _arrow(rows: Sequence[PreparedRecord]) -> pa.Table:
    import pyarrow as pa

    types = {"unique_id": pa.int64(), "birth_year": pa.int64(), "fresh": pa.bool_()}
    schema = pa.schema(
        [
            (c, types.get(c, pa.list_(pa.string()) if c in ARRAY_COLUMNS else pa.string()))
            for c in COLUMNS
        ]
    )
    return pa.table(columns(rows), schema=schema)


# --- the Splink engines ------------------------------------------------------------------------


def check_spark() -> None:
    """Refuse `--engine spark` where it cannot run: PySpark not installed, or no Java."""
    if importlib.util.find_spec("pyspark") is None:
        raise ValidationError(
            FieldError(
                "engine",
                "spark needs PySpark, which is not installed on this node "
                "(install the project's `spark` dependency group: uv sync --group spark)",
            )
        )
    java_home = os.environ.get("JAVA_HOME")
    java = shutil.which("java") or (str(Path(java_home) / "bin" / "java") if java_home else None)
    if java is None or not Path(java).exists():
        raise ValidationError(
            FieldError(
                "engine",
                "spark needs Java 17 or newer, and none was found "
                "(put java on the PATH or set JAVA_HOME)",
            )
        )


@contextmanager
def _duckdb(work: Path) -> Iterator[Any]:
    import duckdb
    from splink import DuckDBAPI

    con = duckdb.connect(":memory:")
    # Spill to the node's disk rather than fail when a large run outgrows memory.
    con.execute("SET temp_directory = ?", [str(work / "duckdb")])
    try:
        yield DuckDBAPI(connection=con)
    finally:
        con.close()


_LOG4J = """\
rootLogger.level = error
rootLogger.appenderRef.stderr.ref = console
appender.console.type = Console
appender.console.name = console
appender.console.target = SYSTEM_ERR
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = %d{HH:mm:ss} %p %c{1}: %m%n
"""


@contextmanager
def _spark(work: Path, master: str) -> Iterator[Any]:
    from pyspark.sql import SparkSession
    from splink import SparkAPI
    from splink.internals.spark.jar_location import similarity_jar_location

    # Spark's own log: errors only, so that a run's terminal shows the progress bar.
    log_config = work / "log4j2.properties"
    log_config.write_text(_LOG4J, encoding="utf-8")
    spark = (
        SparkSession.builder.master(master)
        .appName("accord-xref")
        .config("spark.driver.extraJavaOptions", f"-Dlog4j2.configurationFile={log_config}")
        # Splink's Scala similarity functions (Jaro-Winkler and others) for this Spark.
        .config("spark.jars", similarity_jar_location())
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", "8")
        .config("spark.local.dir", str(work / "spark"))
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    spark.sparkContext.setCheckpointDir(str(work / "checkpoints"))
    try:
        # Local mode keeps intermediate tables in memory; a cluster writes them (parquet).
        lineage = "persist" if master.startswith("local") else "parquet"
        yield SparkAPI(  # type: ignore[no-untyped-call]
            spark_session=spark, break_lineage_method=lineage
        )
    finally:
        spark.stop()


def _train(linker: Linker, spec: Spec, info: dict[str, Any]) -> None:
    from splink.internals.exceptions import SplinkException

    training = spec.training
    linker.training.estimate_u_using_random_sampling(
        max_pairs=training.u_max_pairs, seed=training.seed
    )
    info["trained"] = ["u"]
    for rule in em_rules(spec):
        try:
            linker.training.estimate_parameters_using_expectation_maximisation(rule)
        except SplinkException as exc:
            # Too few pairs under the rule to estimate anything: the priors stand.
            info.setdefault("em_skipped", []).append(str(exc).splitlines()[0][:200])
        else:
            info["trained"].append("m")


def splink_candidates(
    datasets: Sequence[Sequence[PreparedRecord]],
    spec: Spec,
    *,
    backend: str,
    work_dir: Path,
    fresh_only: bool,
    spark_master: str = "local[*]",
    progress: Progress = _quiet,
) -> tuple[list[Candidate], dict[str, Any]]:
    """Splink's pairs across `datasets` (each a source dataset of its own; pairs within one
    are never made) at or above the spec's review floor, and what the run should record of
    the model (prior, whether and what it trained)."""
    sizes = sorted((len(d) for d in datasets), reverse=True)
    info: dict[str, Any] = {"trained": [], "prior": prior(spec, *sizes)}
    if len(sizes) < 2 or not sizes[1]:
        return [], info
    work_dir.mkdir(parents=True, exist_ok=True)
    splink_log = logging.getLogger("splink")
    level = splink_log.level
    splink_log.setLevel(logging.ERROR)  # its advice on training goes to no one's terminal
    try:
        with tempfile.TemporaryDirectory(dir=work_dir, prefix="run-") as tmp:
            work = Path(tmp)
            api = _spark(work, spark_master) if backend == "spark" else _duckdb(work)
            with api as db:
                from splink import Linker

                tables = [
                    db.register(_arrow(rows), table_name=f"xref_{i}")
                    for i, rows in enumerate(datasets)
                    if rows
                ]
                settings = splink_settings(spec, probability=info["prior"], fresh_only=fresh_only)
                linker = Linker(tables, settings, log_level=None)
                if sizes[1] >= spec.training.min_records:
                    progress("train", 0, None)
                    _train(linker, spec, info)
                progress("predict", 0, None)
                predicted = linker.inference.predict(
                    threshold_match_probability=spec.review_floor, warning_mode="never"
                )
                rows = predicted.as_record_list()
    finally:
        splink_log.setLevel(level)
    out: list[Candidate] = []
    for r in rows:
        left, right = int(r["unique_id_l"]), int(r["unique_id_r"])
        if r["source_dataset_l"] != OWN:
            left, right = right, left
        out.append(Candidate(left, right, float(r["match_probability"])))
    return out, info
