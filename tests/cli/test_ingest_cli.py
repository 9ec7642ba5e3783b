"""`accord ingest` tells the truth in its exit status, its counts and its error file."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from accord.cli import app
from tests.cli.helpers import init, node_env, user_session

GOOD = {"id": "a", "schema": "Person", "properties": {"name": ["Anna Schmidt"]}}


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    env = node_env(tmp_path / "node")
    init(env)
    user_session(env, "anna", "analyst")
    return env


def run(env: dict[str, str], *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args), env=env)
    return result.exit_code, result.stdout, result.stderr


def accord(env: dict[str, str], *args: str) -> tuple[int, str, str]:
    """The installed command, as a user runs it: domain errors become exit statuses there."""
    exe = Path(sys.executable).parent / "accord"
    res = subprocess.run(
        [str(exe), *args], env={**os.environ, **env}, capture_output=True, text=True, check=False
    )
    assert "Traceback" not in res.stderr
    return res.returncode, res.stdout, res.stderr


def write(path: Path, *records: dict[str, object]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), "utf-8")
    return path


def bad(i: int) -> dict[str, object]:
    return {"id": f"b{i}", "schema": "Person", "properties": {"birthDate": ["soon"]}}


def test_exit_0_only_when_every_line_loaded(env: dict[str, str], tmp_path: Path) -> None:
    code, out, _ = run(env, "ingest", str(write(tmp_path / "ok.jsonl", GOOD)))
    assert code == 0, out
    code, out, err = run(env, "ingest", str(write(tmp_path / "bad.jsonl", GOOD, bad(1))))
    assert code == 1
    assert "1 rejected" in out
    assert "line 2" in err


def test_a_bad_batch_option_is_refused_once_naming_it(env: dict[str, str], tmp_path: Path) -> None:
    data = write(tmp_path / "many.jsonl", *[dict(GOOD, id=f"p{i}") for i in range(20)])
    code, out, err = accord(env, "ingest", str(data), "--tlp", "PURPLE")
    assert code == 2
    assert err.count("--tlp") == 1
    assert "'PURPLE' is not one of CLEAR" in err
    assert "line" not in err + out
    code, _, err = accord(env, "ingest", str(data), "--review-by", "soon")
    assert (code, "--review-by" in err) == (2, True)
    code, _, err = accord(env, "ingest", str(data), "--category", "bystander")
    assert (code, "--subject-category" in err) == (2, True)
    code, out, _ = run(env, "show", "p1")
    assert code == 1  # nothing was loaded


def test_error_counts_are_exact_and_errors_file_holds_them_all(
    env: dict[str, str], tmp_path: Path
) -> None:
    data = write(tmp_path / "bad.jsonl", GOOD, *[bad(i) for i in range(1200)])
    errors = tmp_path / "errors.jsonl"
    code, out, err = run(env, "ingest", str(data), "--errors", str(errors))
    assert code == 1
    assert "1201 lines" in out
    assert "1200 rejected" in out
    assert f"… and 1150 more errors; all 1200 are in {errors}" in err
    written = [json.loads(line) for line in errors.read_text("utf-8").splitlines()]
    assert len(written) == 1200
    assert written[-1] == {
        "line": 1201,
        "field": "properties.birthDate",
        "reason": "'soon' is not a valid date",
    }


def test_without_errors_file_the_summary_says_how_to_get_them(
    env: dict[str, str], tmp_path: Path
) -> None:
    data = write(tmp_path / "bad.jsonl", *[bad(i) for i in range(60)])
    code, _, err = run(env, "ingest", str(data))
    assert code == 1
    assert "… and 10 more errors; write them all with --errors FILE" in err


def test_json_report_says_whether_its_error_list_is_complete(
    env: dict[str, str], tmp_path: Path
) -> None:
    few = write(tmp_path / "few.jsonl", GOOD, bad(1))
    code, out, _ = run(env, "ingest", str(few), "--json")
    report = json.loads(out)
    assert (code, report["errors_complete"], report["error_count"]) == (1, True, 1)
    many = write(tmp_path / "many.jsonl", *[bad(i) for i in range(1100)])
    code, out, _ = run(env, "ingest", str(many), "--json")
    report = json.loads(out)
    assert (code, report["errors_complete"], report["error_count"]) == (1, False, 1100)
    assert len(report["errors"]) == 1000


def test_reingest_with_new_labels_reports_the_update(env: dict[str, str], tmp_path: Path) -> None:
    data = write(tmp_path / "one.jsonl", GOOD)
    run(env, "ingest", str(data))
    code, out, _ = run(env, "ingest", str(data), "--tlp", "RED")
    assert code == 0
    assert "1 updated" in out
    code, out, _ = run(env, "ingest", str(data), "--tlp", "RED")
    assert "1 unchanged" in out
    _, out, _ = run(env, "show", "a", "--json")
    assert json.loads(out)["accord"]["tlp"] == "RED"


def test_override_forces_flags_over_the_lines_envelope(env: dict[str, str], tmp_path: Path) -> None:
    data = write(tmp_path / "one.jsonl", dict(GOOD, accord={"tlp": "RED"}))
    run(env, "ingest", str(data), "--tlp", "GREEN")
    _, out, _ = run(env, "show", "a", "--json")
    assert json.loads(out)["accord"]["tlp"] == "RED"
    code, out, _ = run(env, "ingest", str(data), "--tlp", "GREEN", "--override")
    assert (code, "1 updated" in out) == (0, True)
    _, out, _ = run(env, "show", "a", "--json")
    assert json.loads(out)["accord"]["tlp"] == "GREEN"
    code, _, err = accord(env, "ingest", str(data), "--override")
    assert (code, "--override" in err) == (2, True)


def test_strict_exits_1_and_writes_nothing(env: dict[str, str], tmp_path: Path) -> None:
    code, _, err = run(env, "ingest", str(write(tmp_path / "b.jsonl", GOOD, bad(1))), "--strict")
    assert code == 1
    assert "nothing written" in err
    assert run(env, "show", "a")[0] == 1


def test_mapping_with_ftm_format_is_a_usage_error(env: dict[str, str], tmp_path: Path) -> None:
    mapping = tmp_path / "m.yaml"
    mapping.write_text("entities: {}\n")
    data = write(tmp_path / "one.jsonl", GOOD)
    code, _, err = accord(env, "ingest", str(data), "--format", "ftm", "--mapping", str(mapping))
    assert (code, "--mapping" in err) == (2, True)
