import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from accord.cli import app
from accord.cli.tokens import parse_expiry
from accord.errors import Unauthorized, ValidationError
from accord.services.audit import Event
from accord.services.node import open_node
from accord.services.sessions import Stage, login
from accord.services.tokens import authenticate_token
from accord.settings import Settings
from tests.auth.factories import PASSWORD, ledger, use_cheap_hashing
from tests.cli.helpers import node_env


@pytest.fixture(autouse=True)
def _cheap(monkeypatch: pytest.MonkeyPatch) -> None:
    use_cheap_hashing(monkeypatch)


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    env = node_env(tmp_path / "node")
    assert CliRunner().invoke(app, ["init", "--agency", "DE-BKA", "--name", "BKA"], env=env)
    return env


def run(env: dict[str, str], *args: str, stdin: str | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args), env=env, input=stdin)
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.output


def settings(env: dict[str, str]) -> Settings:
    return Settings(home=Path(env["ACCORD_HOME"]))


def test_users_add_prints_the_enrolment_uri_and_a_terminal_qr_code(env: dict[str, str]) -> None:
    code, out = run(
        env, "users", "add", "Anna", "--role", "analyst", "--role", "investigator",
        "--password-stdin", stdin=PASSWORD + "\n",
    )  # fmt: skip
    assert code == 0, out
    assert "User anna added: analyst, investigator" in out
    assert "otpauth://totp/Accord%20DE-BKA:anna?secret=" in out
    assert "▀" in out and "█" in out  # the QR code, in half blocks
    node = open_node(settings(env))
    try:
        assert login(node, "anna", PASSWORD).stage is Stage.ENROLMENT
        created = ledger(node, Event.USER_CHANGE)[0]
        assert created["details"]["change"] == "created"
        assert created["actor"] == "operator:root@DE-BKA"
    finally:
        node.engine.dispose()


def test_users_add_prompts_twice_for_the_password(env: dict[str, str]) -> None:
    code, out = run(env, "users", "add", "bert", "--role", "auditor", stdin=f"{PASSWORD}\n" * 2)
    assert code == 0, out
    assert "Password: " in out and "Repeat for confirmation" in out
    node = open_node(settings(env))
    try:
        assert login(node, "bert", PASSWORD).username == "bert"
    finally:
        node.engine.dispose()


def test_users_list_and_disable(env: dict[str, str]) -> None:
    run(env, "users", "add", "anna", "--role", "analyst", "--password-stdin", stdin=PASSWORD)
    code, out = run(env, "users", "list")
    assert code == 0
    assert "anna" in out and "pending" in out and "active" in out
    code, out = run(env, "users", "disable", "anna")
    assert code == 0 and "disabled" in out
    _, out = run(env, "users", "list")
    assert "disabled" in out
    node = open_node(settings(env))
    try:
        with pytest.raises(Unauthorized, match="disabled"):
            login(node, "anna", PASSWORD)
    finally:
        node.engine.dispose()


def test_users_add_refuses_a_weak_password(env: dict[str, str]) -> None:
    code, out = run(
        env, "users", "add", "anna", "--role", "analyst", "--password-stdin", stdin="short\n"
    )
    assert code == 2
    assert "password" in out and "at least 12" in out


def test_tokens_issue_prints_the_secret_last_and_revoke_ends_it(env: dict[str, str]) -> None:
    code, out = run(
        env, "tokens", "issue", "--name", "ci", "--role", "analyst",
        "--scopes", "records:read,search", "--expires", "2h",
    )  # fmt: skip
    assert code == 0, out
    secret = out.strip().splitlines()[-1]
    assert secret.startswith("acc_") and "records:read, search" in out
    node = open_node(settings(env))
    try:
        principal = authenticate_token(node, secret)
        assert principal.scopes == {"records:read", "search"}
        with pytest.raises(Unauthorized, match="token expired"):
            authenticate_token(node, secret, now=datetime.now(UTC) + timedelta(hours=3))
        code, out = run(env, "tokens", "revoke", "ci")
        assert code == 0
        with pytest.raises(Unauthorized, match="token revoked"):
            authenticate_token(node, secret)
        _, out = run(env, "tokens", "list")
        assert "ci" in out and "revoked" in out and secret not in out
    finally:
        node.engine.dispose()


def test_expiry_forms() -> None:
    now = datetime(2026, 3, 1, tzinfo=UTC)
    assert parse_expiry("90d", now) == now + timedelta(days=90)
    assert parse_expiry("12h", now) == now + timedelta(hours=12)
    assert parse_expiry("2w", now) == now + timedelta(weeks=2)
    assert parse_expiry("never", now) is None
    assert parse_expiry("2026-06-30", now) == datetime(2026, 6, 30, tzinfo=UTC)
    with pytest.raises(ValidationError, match="expires"):
        parse_expiry("soon", now)


def test_cli_errors_are_messages_not_tracebacks(env: dict[str, str]) -> None:
    exe = Path(sys.executable).parent / "accord"
    res = subprocess.run(
        [str(exe), "tokens", "issue", "--name", "x", "--role", "boss", "--scopes", "nope"],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        check=False,
    )
    assert res.returncode == 2
    assert "unknown role(s) boss" in res.stderr and "unknown scope 'nope'" in res.stderr
    assert "Traceback" not in res.stderr + res.stdout
