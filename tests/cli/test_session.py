"""The command line acts as a known person: a named operator for setup, else the user who
logged in with `accord login`; the ledger names exactly that person."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from accord.errors import Unauthorized
from accord.services.node import open_node
from accord.services.sessions import authenticate_access_token
from accord.settings import Settings
from tests.auth.factories import ledger
from tests.cli.helpers import (
    CASE,
    PASSWORD,
    add_user,
    code,
    init,
    invoke,
    login,
    node_env,
    ok,
    user_session,
)
from tests.cli.test_cli import SAMPLE


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    env = node_env(tmp_path / "node")
    init(env)
    return env


def _session_file(env: dict[str, str]) -> Path:
    return Path(env["ACCORD_HOME"]) / "cli-session.json"


def _ledger(env: dict[str, str]) -> list[dict[str, object]]:
    node = open_node(Settings(home=Path(env["ACCORD_HOME"])))
    try:
        return ledger(node)
    finally:
        node.engine.dispose()


def test_login_keeps_a_private_session_and_the_ledger_names_the_user(
    env: dict[str, str],
) -> None:
    secret = add_user(env, "anna", "analyst")
    out = login(env, "anna", secret)
    assert "Authenticator confirmed" in out and "Logged in as anna at DE-BKA" in out
    path = _session_file(env)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert "acs_" in path.read_text("utf-8")
    assert ok(env, "whoami").startswith("user:anna@DE-BKA: analyst")

    ok(env, "ingest", str(SAMPLE))
    ok(env, "search", "Kovalenko", *CASE)
    ok(env, "show", "de-p-001")
    acts = {e["event"]: e["actor"] for e in _ledger(env)}
    assert acts["ingest"] == acts["search"] == acts["record_read"] == "user:anna@DE-BKA"
    assert acts["user_change"] == "operator:root@DE-BKA"
    assert not any(str(e["actor"]).startswith("operator:cli") for e in _ledger(env))


def test_logout_revokes_the_session_and_removes_it(env: dict[str, str]) -> None:
    user_session(env, "anna", "analyst")
    token = json.loads(_session_file(env).read_text("utf-8"))["access_token"]
    assert "Logged out anna." in ok(env, "logout")
    assert not _session_file(env).exists()
    node = open_node(Settings(home=Path(env["ACCORD_HOME"])))
    try:
        with pytest.raises(Unauthorized, match="revoked"):
            authenticate_access_token(node, token)
    finally:
        node.engine.dispose()
    code_, out = invoke(env, "search", "Kovalenko", *CASE)
    assert code_ == 1 and "not logged in: run `accord login`" in out


def test_a_wrong_code_logs_nobody_in(env: dict[str, str]) -> None:
    secret = add_user(env, "anna", "analyst")
    wrong = "000000" if code(secret) != "000000" else "111111"
    code_, out = invoke(
        env, "login", "anna", "--password-stdin", "--code", wrong, stdin=PASSWORD + "\n"
    )
    assert code_ != 0
    assert "does not match the authenticator" in out
    assert not _session_file(env).exists()


def test_a_tampered_session_file_is_refused(env: dict[str, str]) -> None:
    user_session(env, "anna", "analyst")
    path = _session_file(env)
    data = json.loads(path.read_text("utf-8"))
    data["access_token"] = "acs_forged"
    path.write_text(json.dumps(data), "utf-8")
    code_, out = invoke(env, "search", "Kovalenko", *CASE)
    assert code_ == 1 and "unknown token" in out


def test_record_commands_refuse_the_operator_and_need_a_user(env: dict[str, str]) -> None:
    code_, out = invoke(env, "search", "Kovalenko", *CASE)
    assert code_ == 1 and "not logged in" in out  # ACCORD_OPERATOR is set: not enough


def test_setup_commands_need_a_named_operator_or_an_admin_user(env: dict[str, str]) -> None:
    anonymous = {k: v for k, v in env.items() if k != "ACCORD_OPERATOR"}
    code_, out = invoke(
        anonymous, "users", "add", "bert", "--role", "analyst", "--password-stdin",
        stdin=PASSWORD + "\n",
    )  # fmt: skip
    assert code_ == 1 and "name the operator: --operator NAME" in out
    code_, out = invoke(anonymous, "init", "--agency", "DE-BKA", "--name", "B")
    assert code_ == 1 and "name the operator" in out
    # a logged-in user without node_admin may not; one with it may, and is recorded
    user_session(env, "anna", "analyst")
    code_, out = invoke(anonymous, "tokens", "issue", "--name", "etl", "--role", "analyst")
    assert code_ == 1 and "user:anna@DE-BKA: this needs the role node_admin" in out
    ok(env, "logout")
    user_session(env, "root.admin", "node_admin")
    ok(anonymous, "tokens", "issue", "--name", "etl", "--role", "analyst")
    issued = [e for e in _ledger(env) if e["event"] == "token_issued"]
    assert [e["actor"] for e in issued] == ["user:root.admin@DE-BKA"]
    # and the operator named on the command line is recorded as named
    ok(anonymous, "tokens", "revoke", "etl", "--operator", "kim")
    revoked = [e for e in _ledger(env) if e["event"] == "token_revoked"]
    assert [e["actor"] for e in revoked] == ["operator:kim@DE-BKA"]


def test_a_follow_up_decision_needs_a_logged_in_liaison_officer(env: dict[str, str]) -> None:
    code_, out = invoke(env, "followup", "approve", "fu_x", "--officer", "Olena")
    assert code_ == 2 and "No such option: --officer" in out
    code_, out = invoke(env, "followup", "approve", "fu_x")
    assert code_ == 1 and "not logged in" in out
    user_session(env, "anna", "analyst")
    code_, out = invoke(env, "followup", "decline", "fu_x", "--reason", "no")
    assert code_ == 1
    assert "user:anna@DE-BKA: this needs one of the roles: liaison_officer" in out
    ok(env, "logout")
    user_session(env, "olena", "liaison_officer")
    code_, out = invoke(env, "followup", "approve", "fu_x")
    assert code_ == 1 and "no follow-up 'fu_x' from a partner" in out  # past the role check
