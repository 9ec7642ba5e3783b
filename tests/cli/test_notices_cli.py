"""`accord notices` and `accord alerts` as a liaison officer uses them: a red notice drafted
from flags, published, listed and shown; a hit acknowledged; refusals are messages with exit
codes naming the field, never tracebacks."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.helpers import init, invoke, node_env, ok, user_session

RED = (
    "--type", "red", "--crime-area", "thb", "--name", "Dmytro Kravchuk",
    "--birth-date", "1975-05-05", "--passport", "FX123456",
    "--detail", "offence=Trafficking in human beings",
    "--detail", "arrest_warrant=AG Berlin 12 Gs 345/26",
    "--detail", "issuing_authority=Amtsgericht Berlin-Tiergarten",
    "--detail", "extradition_intent=true",
)  # fmt: skip


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    env = node_env(tmp_path / "node")
    init(env)
    user_session(env, "olena", "liaison_officer", "investigator")
    return env


def test_a_red_notice_from_flags_to_an_acknowledged_alert(
    env: dict[str, str], tmp_path: Path
) -> None:
    drafted = json.loads(ok(env, "notices", "new", *RED, "--json"))
    nid = drafted["notice_id"]
    assert drafted["status"] == "draft"
    assert drafted["documents"][0]["properties"]["number"] == ["FX123456"]
    assert drafted["details"]["extradition_intent"] is True
    out = ok(env, "notices", "publish", nid)
    assert "status: published" in out and "offence: Trafficking in human beings" in out
    assert nid in ok(env, "notices", "list", "--status", "published")
    assert "history (as it happened)" in ok(env, "notices", "show", nid)
    lines = tmp_path / "people.ftm.jsonl"
    lines.write_text(
        json.dumps({"id": "p1", "schema": "Person",
                    "properties": {"name": ["KRAVCHUK DMYTRO"], "birthDate": ["1975-05-05"]}})
        + "\n"
    )  # fmt: skip
    ok(env, "ingest", str(lines), "--subject-category", "suspect", "--crime-area", "thb")
    (alert,) = json.loads(ok(env, "alerts", "list", "--json"))
    assert alert["notice_id"] == nid and alert["record"]["id"] == "p1"
    assert "acknowledged" in ok(env, "alerts", "ack", str(alert["id"]), "--note", "detained")
    assert "No alerts." in ok(env, "alerts", "list", "--open")
    assert "cancelled" in ok(env, "notices", "cancel", nid, "--reason", "arrested")


def test_refusals_name_the_field_and_the_transition(env: dict[str, str]) -> None:
    at = RED.index("arrest_warrant=AG Berlin 12 Gs 345/26")
    incomplete = RED[: at - 1] + RED[at + 1 :]
    code, out = invoke(env, "notices", "new", *incomplete)
    assert code == 2 and "details.arrest_warrant" in out and "Traceback" not in out
    code, out = invoke(env, "notices", "new", *RED[2:], "--type", "magenta")
    assert code == 2 and "type" in out
    nid = json.loads(ok(env, "notices", "new", *RED, "--json"))["notice_id"]
    code, out = invoke(env, "notices", "suspend", nid)
    assert code == 1 and "a draft notice cannot become suspended" in out
