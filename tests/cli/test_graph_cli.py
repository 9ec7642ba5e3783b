"""`accord graph`: the commands the issue names, on the sample records; `--json` lists record
ids; exports go to a file in the asked format; bad input is a message naming the field."""

from __future__ import annotations

import csv
import json
from importlib import resources
from pathlib import Path

import networkx as nx
import pytest

from accord.graph import I2_COLUMNS
from tests.cli.helpers import CASE, init, invoke, node_env, ok, user_session

SAMPLE = Path(str(resources.files("accord.data").joinpath("sample/DE-BKA.ftm.jsonl")))


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    env = node_env(tmp_path / "node")
    init(env)
    user_session(env, "anna", "analyst", "investigator")
    ok(env, "ingest", str(SAMPLE))
    return env


def test_neighbours_lists_the_passport_of_a_person(env: dict[str, str]) -> None:
    out = ok(env, "graph", "neighbours", "de-p-001", "--hops", "2", *CASE, "--json")
    assert {v["id"] for v in json.loads(out)["vertices"]} == {"de-p-001", "de-doc-001"}
    table = ok(env, "graph", "neighbours", "de-p-001", *CASE)
    assert "de-doc-001" in table and "2 record(s) within 2 hop(s)" in table


def test_path_communities_rings_and_trace_answer(env: dict[str, str]) -> None:
    found = json.loads(ok(env, "graph", "path", "de-doc-001", "de-p-001", *CASE, "--json"))
    assert found["connected"] and [v["id"] for v in found["paths"][0]["vertices"]] == [
        "de-doc-001",
        "de-p-001",
    ]
    apart = ok(env, "graph", "path", "de-p-001", "de-p-002", *CASE)
    assert "No path" in apart
    comms = json.loads(ok(env, "graph", "communities", *CASE, "--min-size", "2", "--json"))
    assert any(
        {m["id"] for m in c["members"]} == {"de-p-002", "de-org-001"} for c in comms["communities"]
    )
    assert json.loads(ok(env, "graph", "rings", *CASE, "--json")) == {
        "operation": "rings",
        "rings": [],
    }
    trail = json.loads(
        ok(
            env,
            "graph",
            "trace",
            "de-acc-001",
            *CASE,
            "--from",
            "2026-01-01",
            "--min-amount",
            "100",
            "--json",
        )
    )
    assert trail["payments"] == [] and trail["start"]["id"] == "de-acc-001"
    ok(env, "graph", "centrality", *CASE, "--measure", "pagerank")


def test_export_writes_each_format(env: dict[str, str], tmp_path: Path) -> None:
    graphml = tmp_path / "chart.graphml"
    out = ok(env, "graph", "export", *CASE, "--format", "graphml", "--out", str(graphml))
    assert "Wrote 7 record(s)" in out
    assert nx.read_graphml(graphml).number_of_nodes() == 7
    i2 = tmp_path / "chart.csv"
    ok(env, "graph", "export", *CASE, "--format", "i2-csv", "--out", str(i2))
    with i2.open(encoding="utf-8", newline="") as f:
        assert tuple(next(csv.reader(f))) == I2_COLUMNS
    data = json.loads(ok(env, "graph", "export", *CASE, "--format", "cytoscape"))
    assert len(data["elements"]["nodes"]) == 7


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (("neighbours", "de-p-001", "--hops", "7"), "hops"),
        (("neighbours", "nobody"), "start"),
        (("trace", "de-acc-001", "--from", "2026-02-01", "--to", "2026-01-01"), "until"),
        (("export", "--format", "pdf"), "format"),
    ],
)
def test_bad_input_is_a_message_naming_the_field(
    env: dict[str, str], args: tuple[str, ...], field: str
) -> None:
    code, out = invoke(env, "graph", *args, *CASE)
    assert code != 0 and field in out and "Traceback" not in out


def test_a_command_without_a_case_is_refused(env: dict[str, str]) -> None:
    code, out = invoke(env, "graph", "communities", "--crime-area", "thb")
    assert code == 2 and "--case" in out
