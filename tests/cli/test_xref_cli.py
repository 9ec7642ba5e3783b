"""`accord xref` as an analyst uses it: a run with its report, the links, one link, and
judgements; refusals are messages with exit codes, never tracebacks."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from accord.matching import record_keys
from accord.services.node import open_node
from accord.settings import Settings
from accord.store import records as store
from tests.cli.helpers import init, invoke, node_env, ok, user_session
from tests.conftest import person


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    env = node_env(tmp_path / "node")
    init(env)
    node = open_node(Settings(home=tmp_path / "node"))
    held = [
        person("Oleksandr Kovalenko", "de-1", dob="1981-03-02", country="ua"),
        person("Anna Schmidt", "de-2", dob="1970-01-01"),
        person("Олександр Коваленко", "ua-1", "UA-NPU", dob="1981-03-02", country="ua"),
        person("Микола Коваленко", "ua-2", "UA-NPU", dob="1955-07-11", country="ua"),
    ]
    with node.engine.begin() as conn:
        store.insert_records(
            conn, [(r, r.caption, record_keys(r.schema, r.properties)) for r in held]
        )
    node.engine.dispose()
    user_session(env, "anna", "analyst")
    return env


def test_a_run_then_its_links_then_a_judgement(env: dict[str, str]) -> None:
    out = ok(env, "xref", "--against", "UA-NPU")
    assert "1 proposed" in out and "accord xref list" in out
    report = json.loads(ok(env, "xref", "--json"))
    assert report["counts"]["proposed"] == 1 and report["counts"]["refreshed"] == 1
    out = ok(env, "xref", "list", "--state", "new")
    assert "Oleksandr Kovalenko" in out and "Олександр Коваленко" in out
    (link,) = json.loads(ok(env, "xref", "list", "--json"))["links"]
    out = ok(env, "xref", "show", str(link["id"]))
    assert "name_similarity" in out and "1981-03-02" in out
    out = ok(env, "xref", "judge", str(link["id"]), "same", "--note", "same passport photo")
    assert "same (was new)" in out
    shown = json.loads(ok(env, "xref", "show", str(link["id"]), "--json"))
    assert [j["judgement"] for j in shown["judgements"]] == ["same"]
    assert shown["judgements"][0]["note"] == "same passport photo"
    out = ok(env, "xref", "list")
    assert f"cluster {link['id']}" in out


def test_refusals_are_messages_with_exit_codes(env: dict[str, str]) -> None:
    ok(env, "xref")
    code, out = invoke(env, "xref", "judge", "4242", "same")
    assert code == 1 and "no link 4242" in out
    code, out = invoke(env, "xref", "judge", "1", "maybe")
    assert code == 2 and "maybe" in out
    code, out = invoke(env, "xref", "--against", "DE-BKA")
    assert code == 2 and "--against: DE-BKA is this node's own agency" in out
    code, out = invoke(env, "xref", "--against", "UA-NPU", "--among-partners")
    assert code == 2 and "--among-partners: links every partner with every other" in out
    code, out = invoke(env, "xref", "--since", "soon")
    assert code == 2 and "--since: an ISO 8601 date" in out
    code, out = invoke(env, "xref", "list", "--limit", "0")
    assert code == 2 and "--limit" in out
    code, out = invoke(env, "xref", "judge", "1", "same", "--note", "x" * 2001)
    assert code == 2 and "--note" in out
    user_session(env, "otto", "auditor")
    code, out = invoke(env, "xref", "judge", "1", "same")
    assert code == 1 and "analyst" in out
    code, out = invoke(env, "xref", "list")
    assert code == 1
