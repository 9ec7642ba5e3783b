from __future__ import annotations

import json
import os
import subprocess
import sys
from importlib import resources
from pathlib import Path

import pytest

from tests.cli.helpers import CASE, init, invoke, node_env, user_session

SAMPLE = Path(str(resources.files("accord.data").joinpath("sample/DE-BKA.ftm.jsonl")))


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return node_env(tmp_path / "node")


def run(env: dict[str, str], *args: str) -> tuple[int, str]:
    return invoke(env, *args)


def test_tour_init_ingest_search_show(env: dict[str, str]) -> None:
    code, out = run(env, "init", "--agency", "DE-BKA", "--name", "Bundeskriminalamt")
    assert code == 0, out
    assert "set up by operator:root@DE-BKA" in out
    user_session(env, "anna", "analyst")
    code, out = run(env, "ingest", str(SAMPLE), "--json")
    assert code == 0, out
    report = json.loads(out)
    assert report["created"] == report["lines"] > 0
    assert report["rejected"] == 0

    code, out = run(env, "search", "Коваленко", "--json", *CASE)
    hits = json.loads(out)
    assert hits[0]["record"]["properties"]["name"] == ["Oleksandr Kovalenko"]

    code, out = run(env, "search", "DE89 3704 0044 0532 0130 00", *CASE)
    assert "de-acc-001" in out

    code, out = run(env, "show", "de-p-001", "--json")
    assert json.loads(out)["accord"]["handling"] == "H2"


def test_match_finds_a_person_spelled_another_way_and_explains_it(env: dict[str, str]) -> None:
    init(env)
    user_session(env, "anna", "analyst")
    code, out = run(env, "ingest", str(SAMPLE))
    assert code == 0, out
    code, out = run(env, "match", "--name", "Олександр Коваленко", "--json", *CASE)
    assert code == 0, out
    answer = json.loads(out)
    assert [r["id"] for r in answer["results"]][:1] == ["de-p-001"]
    assert answer["results"][0]["features"]["name_similarity"] > 0
    code, out = run(env, "match", "--name", "Коваленко Олександр", *CASE)
    assert code == 0, out
    assert "de-p-001" in out and "name_similarity" in out
    code, out = run(env, "match", "--name", "Oleksandr Kovalenko", "--dob", "1981-02-30", *CASE)
    assert code == 2
    assert "queries.query.properties.birthDate" in out


def test_reindex_recomputes_every_records_keys(env: dict[str, str]) -> None:
    init(env)
    user_session(env, "anna", "analyst")
    code, out = run(env, "ingest", str(SAMPLE), "--json")
    lines = json.loads(out)["created"]
    as_anna = {k: v for k, v in env.items() if k != "ACCORD_OPERATOR"}
    code, out = invoke(as_anna, "reindex")
    assert code == 1 and "node_admin" in out  # an analyst may not
    code, out = invoke({**env, "ACCORD_OPERATOR": "kim"}, "reindex")
    assert code == 0, out
    assert f"{lines} record(s) reindexed." in out


def test_ingest_reports_bad_lines_with_numbers(env: dict[str, str], tmp_path: Path) -> None:
    init(env)
    user_session(env, "anna", "analyst")
    bad = tmp_path / "bad.jsonl"
    bad.write_text(
        '{"id": "a", "schema": "Person", "properties": {"name": ["Anna"]}}\n'
        '{"id": "b", "schema": "Person", "properties": {"birthDate": ["soon"]}}\n'
    )
    code, out = run(env, "ingest", str(bad), "--crime-area", "fraud")
    assert code == 1  # a line was rejected
    assert "1 created" in out
    assert "line 2" in out
    assert "properties.birthDate" in out


def test_init_names_an_unknown_country(env: dict[str, str]) -> None:
    code, out = run(env, "init", "--agency", "XX-FOO", "--name", "Foo")
    assert code == 2
    assert "XX is not a country in ISO 3166-1" in out
    code, out = run(env, "init", "--agency", "de_bka", "--name", "Foo")
    assert code == 2
    assert "'de_bka' is not an agency code CC-NAME" in out


def test_a_federated_search_without_partners_says_so(env: dict[str, str]) -> None:
    init(env)
    user_session(env, "anna", "analyst")
    run(env, "ingest", str(SAMPLE))
    code, out = run(env, "search", "Kovalenko", "--federated", *CASE)
    assert code == 0, out
    assert "No partner was asked: this node has no valid partners" in out
    assert "Local results only." in out
    assert "de-p-001" in out


def _accord(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    exe = Path(sys.executable).parent / "accord"
    return subprocess.run(
        [str(exe), *args], env={**os.environ, **env}, capture_output=True, text=True, check=False
    )


def test_errors_are_messages_not_tracebacks(env: dict[str, str]) -> None:
    res = _accord(env, "search", "anna", *CASE)
    assert res.returncode == 1
    assert "run `accord init" in res.stderr
    assert "Traceback" not in res.stderr + res.stdout

    _accord(env, "init", "--agency", "DE-BKA", "--name", "BKA")
    res = _accord(env, "show", "nope")
    assert res.returncode == 1
    assert "not logged in: run `accord login`" in res.stderr
    user_session(env, "anna", "analyst")
    res = _accord(env, "show", "nope")
    assert res.returncode == 1
    assert "no record 'nope'" in res.stderr
    res = _accord(env, "ingest", "/no/such/file.jsonl")
    assert res.returncode == 2
    assert "does not exist" in res.stderr
    assert "fault" not in res.stderr
    res = _accord(env, "init", "--agency", "de-bka", "--name", "BKA")
    assert res.returncode == 2
    assert "agency" in res.stderr
    assert "Traceback" not in res.stderr


def test_policy_simulate_prints_the_day_it_judged_on(env: dict[str, str]) -> None:
    draft = str(Path(__file__).resolve().parents[2] / "examples/drafts/jit-de-bka-ua-npu.yaml")
    init(env)
    user_session(env, "anna", "analyst")
    assert run(env, "ingest", str(SAMPLE))[0] == 0
    code, out = run(env, "policy", "simulate", draft, "--on", "2028-01-01")
    assert code == 0, out
    assert "judged on 2028-01-01 (the day asked for)" in out
    assert "redacted" in out
    code, out = run(env, "policy", "simulate", draft, "--on", "2026-12-01")
    assert "not in force on 2026-12-01" in out
    code, out = run(env, "policy", "simulate", draft, "--on", "1 July")
    assert code == 2 and "--on" in out
