"""`accord export`: FtM entity lines as its help says, and a summary naming every record left
out and why."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import pytest
from followthemoney import model
from typer.testing import CliRunner

from accord.cli import app
from tests.cli.helpers import init, node_env, user_session

SAMPLE = Path(str(resources.files("accord.data").joinpath("sample/DE-BKA.ftm.jsonl")))
AGREEMENTS = Path(__file__).parents[2] / "examples" / "agreements"
IDS = [json.loads(line)["id"] for line in SAMPLE.read_text("utf-8").splitlines()]
EXPORT = ("export", "--case", "X-1", "--crime-area", "thb")


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    env = node_env(tmp_path / "node")
    init(env)
    user_session(env, "anna", "analyst", "investigator", "node_admin")
    for args in (
        ("ingest", str(SAMPLE)),
        ("agreements", "load", str(AGREEMENTS)),
    ):
        result = CliRunner().invoke(app, list(args), env=env)
        assert result.exit_code == 0, result.output
    return env


def test_export_writes_ftm_entities_and_names_what_it_left_out(env: dict[str, str]) -> None:
    result = CliRunner().invoke(app, [*EXPORT, "--to", "UA-NPU", *IDS, "nope"], env=env)
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [e["id"] for e in lines] == ["de-doc-001"]
    for entity in lines:  # an FtM entity, the envelope under `accord` as FtM context
        proxy = model.get_proxy(entity)
        assert proxy.to_dict()["accord"]["owner"] == "DE-BKA"
        assert set(entity) == {"id", "schema", "properties", "accord"}
    summary = result.stderr
    assert f"1 of {len(IDS) + 1} record(s) written" in summary
    assert "nope: no record of DE-BKA" in summary
    assert "de-p-003: denied by policy: tlp_red" in summary
    assert "de-p-002: denied by policy: no_applicable_clause" in summary
    assert "de-p-001: released as a reference only" in summary


def test_export_disclosure_format_keeps_references_and_terms(
    env: dict[str, str], tmp_path: Path
) -> None:
    out = tmp_path / "out.jsonl"
    args = [*EXPORT, "--to", "UA-NPU", "--format", "disclosure", "--out", str(out), *IDS]
    result = CliRunner().invoke(app, args, env=env)
    assert result.exit_code == 0, result.output
    items = [json.loads(line) for line in out.read_text("utf-8").splitlines()]
    assert sorted(i["mode"] for i in items) == ["full", "reference"]
    assert all("terms" in i and "reference" in i for i in items)
    assert "record" not in next(i for i in items if i["mode"] == "reference")
    assert f"2 of {len(IDS)} record(s) written to {out}" in " ".join(result.stderr.split())


def test_export_help_and_output_agree() -> None:
    result = CliRunner().invoke(app, ["export", "--help"], env={"COLUMNS": "200"})
    assert "one FtM entity per line" in " ".join(result.output.split())
