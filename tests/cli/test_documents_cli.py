"""`accord documents` as an officer and a border post use it: report, check (by number and
by MRZ), change a status, import a file; refusals are messages with exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.helpers import init, invoke, node_env, ok, user_session
from tests.documents import specimens


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    env = node_env(tmp_path / "node")
    init(env)
    user_session(env, "olga", "investigator")
    return env


def test_report_then_check_by_number_and_mrz(env: dict[str, str]) -> None:
    out = ok(
        env,
        *("documents", "report", "--number", "C01X00T47", "--country", "DE"),
        *("--type", "passport", "--status", "stolen", "--reference", "BKA-1"),
    )
    assert "reported: stolen" in out and "seize" in out
    out = ok(env, "documents", "check", "--number", "C01X 00T47", "--country", "D")
    assert out.startswith("HIT") and "seize" in out and "Seize the document" in out
    out = ok(env, "documents", "check", "--mrz", *specimens.DE_PASSPORT)
    assert out.startswith("HIT")
    out = ok(env, "documents", "check", "--mrz", *specimens.DE_ID_CARD)
    assert out.startswith("NO HIT")
    answer = json.loads(ok(env, "documents", "check", "--number", "X1", "--country", "D", "--json"))
    assert answer == {"hit": False, "action": None}


def test_a_status_change_and_a_withdrawal(env: dict[str, str]) -> None:
    key = ("--number", "C01X00T47", "--country", "D", "--type", "passport")
    ok(env, "documents", "report", *key, "--status", "lost")
    out = ok(env, "documents", "status", *key, "--status", "withdrawn", "--reason", "found")
    assert "changed: withdrawn" in out
    out = ok(env, "documents", "check", "--number", "C01X00T47", "--country", "D")
    assert out.startswith("NO HIT")


def test_refusals_are_messages_with_exit_codes(env: dict[str, str]) -> None:
    code, out = invoke(
        env,
        *("documents", "report", "--number", "AB1", "--country", "UKR"),
        *("--type", "passport", "--status", "stolen"),
    )
    assert code == 1 and "only an agency of the issuing state" in out
    bad = [specimens.TD3[0], specimens.TD3[1][:27] + "0" + specimens.TD3[1][28:]]
    code, out = invoke(env, "documents", "check", "--mrz", *bad)
    assert code == 2 and "mrz.line2.expiry_date_check_digit" in out
    code, out = invoke(env, "documents", "check", "--number", "X1")
    assert code == 2 and "--country" in out


def test_import_loads_the_good_lines_and_names_the_bad(env: dict[str, str], tmp_path: Path) -> None:
    csv = tmp_path / "reports.csv"
    csv.write_text(
        "number,country,type,status,reference\n"
        "C01X00T47,D,passport,stolen,BKA-1\n"
        "T22000129,DE,id_card,lost,\n"
        "AB123,UKR,passport,stolen,\n"
        "C01X00T47,D,passport,lost,\n"
        "Z9,D,car,stolen,\n",
        encoding="utf-8",
    )
    errors = tmp_path / "errors.jsonl"
    code, out = invoke(env, "documents", "import", str(csv), "--errors", str(errors))
    assert code == 1, out
    assert "5 lines, 2 loaded" in out and "3 rejected" in out
    assert "line 4: country" in out and "line 5: number" in out and "line 6: type" in out
    assert [json.loads(line)["line"] for line in errors.read_text().splitlines()] == [4, 5, 6]
    assert ok(env, "documents", "check", "--number", "T22000129", "--country", "D").startswith(
        "HIT"
    )
    jsonl = tmp_path / "more.jsonl"
    jsonl.write_text(
        json.dumps({"number": "P1", "country": "D", "type": "visa", "status": "revoked"})
        + "\nnot json\n",
        encoding="utf-8",
    )
    report = json.loads(invoke(env, "documents", "import", str(jsonl), "--json")[1])
    assert report["loaded"] == 1 and report["rejected"] == 1
    assert report["errors"][0]["line"] == 2
    # Imported again: every line is already reported.
    code, out = invoke(env, "documents", "import", str(jsonl))
    assert code == 1 and "already reported" in out


def test_an_import_with_a_bad_header_is_refused_before_reading(
    env: dict[str, str], tmp_path: Path
) -> None:
    csv = tmp_path / "bad.csv"
    csv.write_text("nummer,country,type,status\nX,D,passport,stolen\n", encoding="utf-8")
    code, out = invoke(env, "documents", "import", str(csv))
    assert code == 2 and "header" in out


def test_the_commands_know_every_type_status_and_action_of_the_rules() -> None:
    from accord.cli import documents as cli
    from accord.documents import WITHDRAWN, rules

    assert {t.value for t in cli.DocType} == set(rules().types)
    assert {s.value for s in cli.Status} == set(rules().statuses)
    assert {s.value for s in cli.Change} == {*rules().statuses, WITHDRAWN}
    assert {a.value for a in cli.Action} == set(rules().actions)
