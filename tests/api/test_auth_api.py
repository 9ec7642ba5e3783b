from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from accord.api import create_app
from accord.auth import code_at, time_step
from accord.services.audit import Event
from accord.services.node import Node
from accord.services.tokens import issue_token, revoke_token
from tests.auth.factories import PASSWORD, add_user, code, ledger, use_cheap_hashing

AUTH = "/api/v1/auth"


@pytest.fixture(autouse=True)
def _cheap(monkeypatch: pytest.MonkeyPatch) -> None:
    use_cheap_hashing(monkeypatch)


@pytest.fixture
def api(node: Node) -> Iterator[TestClient]:
    with TestClient(create_app(node), raise_server_exceptions=False) as c:
        yield c


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def now() -> datetime:
    return datetime.now(UTC)


def test_first_login_enrolment_then_full_access(api: TestClient, node: Node) -> None:
    add_user(node, "anna", "analyst")
    res = api.post(f"{AUTH}/login", json={"username": "anna", "password": PASSWORD})
    assert res.status_code == 200
    first = res.json()
    assert first["stage"] == "enrolment" and first["token_type"] == "bearer"
    assert 0 < first["expires_in"] <= 15 * 60
    pending = bearer(first["access_token"])

    assert api.get(f"{AUTH}/me", headers=pending).json()["scopes"] == ["mfa:enrol"]
    refused = api.get("/api/v1/records", headers=pending)
    assert refused.status_code == 403
    assert "MFA enrolment" in refused.json()["message"]

    enrolment = api.post(f"{AUTH}/mfa/enrol", headers=pending).json()
    assert enrolment["otpauth_uri"].startswith("otpauth://totp/Accord%20DE-BKA:anna?secret=")
    secret = enrolment["secret"]
    wrong = api.post(f"{AUTH}/mfa/verify", headers=pending, json={"code": "000000"})
    assert wrong.status_code == 422 and wrong.json()["errors"][0]["field"] == "code"
    verified = api.post(
        f"{AUTH}/mfa/verify", headers=pending, json={"code": code_at(secret, time_step(now()))}
    )
    assert verified.status_code == 200
    body = verified.json()
    assert len(body["recovery_codes"]) == 10 and body["session"]["stage"] == "full"
    full = bearer(body["session"]["access_token"])

    assert api.get(f"{AUTH}/me", headers=pending).status_code == 401
    assert api.get("/api/v1/records", headers=full).status_code == 200
    me = api.get(f"{AUTH}/me", headers=full).json()
    routes = me.pop("routes")
    assert me == {
        "subject": "anna",
        "agency": "DE-BKA",
        "kind": "user",
        "roles": ["analyst"],
        "scopes": [],
    }
    assert "GET /api/v1/records" in routes


def test_login_with_code_refresh_and_logout(api: TestClient, node: Node) -> None:
    enrolment = add_user(node, "anna", "analyst")
    pending = api.post(f"{AUTH}/login", json={"username": "anna", "password": PASSWORD}).json()
    api.post(
        f"{AUTH}/mfa/verify",
        headers=bearer(pending["access_token"]),
        json={"code": code(enrolment, now())},
    )
    login = {"username": "anna", "password": PASSWORD, "code": code(enrolment, now(), steps=1)}
    res = api.post(f"{AUTH}/login", json=login)
    assert res.status_code == 200 and res.json()["stage"] == "full"
    token = res.json()["access_token"]

    fresh = api.post(f"{AUTH}/refresh", headers=bearer(token)).json()["access_token"]
    old = api.get("/api/v1/records", headers=bearer(token))
    assert old.status_code == 401 and old.json()["message"] == "token revoked"
    assert api.post(f"{AUTH}/logout", headers=bearer(fresh)).status_code == 204
    gone = api.get("/api/v1/records", headers=bearer(fresh))
    assert gone.status_code == 401 and gone.headers["WWW-Authenticate"] == "Bearer"


def test_bad_logins_are_401_and_each_is_in_the_ledger(api: TestClient, node: Node) -> None:
    enrolment = add_user(node, "anna", "analyst")
    pending = api.post(f"{AUTH}/login", json={"username": "anna", "password": PASSWORD}).json()
    used = code(enrolment, now())
    api.post(f"{AUTH}/mfa/verify", headers=bearer(pending["access_token"]), json={"code": used})
    attempts = [
        ({"username": "anna", "password": "wrong password!"}, "invalid username or password"),
        ({"username": "ghost", "password": PASSWORD}, "invalid username or password"),
        ({"username": "anna", "password": PASSWORD, "code": "000000"}, "invalid TOTP code"),
        ({"username": "anna", "password": PASSWORD, "code": used}, "already used"),
        ({"username": "anna", "password": PASSWORD}, "MFA code required"),
    ]
    for body, message in attempts:
        res = api.post(f"{AUTH}/login", json=body)
        assert res.status_code == 401, body
        assert res.json()["code"] == "unauthorized"
        assert message in res.json()["message"]
    reasons = [e["details"]["reason"] for e in ledger(node, Event.LOGIN_FAILED)]
    assert reasons == ["bad_password", "unknown_user", "bad_code", "replayed_code", "code_missing"]
    assert all(e["details"]["client"] == "testclient" for e in ledger(node, Event.LOGIN_FAILED))


def test_repeated_failures_get_429_with_retry_after(api: TestClient, node: Node) -> None:
    add_user(node, "anna", "analyst")
    for _ in range(5):
        res = api.post(f"{AUTH}/login", json={"username": "anna", "password": "wrong password!"})
        assert res.status_code == 401
    locked = api.post(f"{AUTH}/login", json={"username": "anna", "password": PASSWORD})
    assert locked.status_code == 429
    assert locked.json()["code"] == "too_many_attempts"
    assert 1 <= int(locked.headers["Retry-After"]) <= 30
    assert locked.json()["retry_after"] == int(locked.headers["Retry-After"])
    assert ledger(node, Event.LOGIN_FAILED)[-1]["details"]["reason"] == "locked"


def test_malformed_login_body_is_422(api: TestClient) -> None:
    res = api.post(f"{AUTH}/login", json={"username": "anna"})
    assert res.status_code == 422 and res.json()["errors"][0]["field"] == "password"
    res = api.post(f"{AUTH}/login", json={"username": "anna", "password": "x", "otp": "1"})
    assert res.status_code == 422


def test_token_without_the_scope_is_403(api: TestClient, node: Node) -> None:
    token = issue_token(node, "reader", ["analyst"], ["records:read"])
    assert api.get("/api/v1/records", headers=bearer(token.secret)).status_code == 200
    res = api.post("/api/v1/search", headers=bearer(token.secret), json={"query": "x"})
    assert res.status_code == 403
    assert res.json()["message"] == "this token lacks the scope 'search'"


def test_token_role_must_match_the_route(api: TestClient, node: Node) -> None:
    token = issue_token(node, "checker", ["document_checker"])
    res = api.get("/api/v1/records", headers=bearer(token.secret))
    assert res.status_code == 403 and "roles" in res.json()["message"]


def test_tokens_cannot_use_the_session_routes(api: TestClient, node: Node) -> None:
    token = issue_token(node, "robot", ["analyst"])
    res = api.get(f"{AUTH}/me", headers=bearer(token.secret))
    assert res.status_code == 403 and "API tokens" in res.json()["message"]


def test_expired_and_revoked_tokens_are_401(api: TestClient, node: Node) -> None:
    past = now() - timedelta(hours=2)
    expired = issue_token(node, "old", ["analyst"], expires_at=past + timedelta(hours=1), now=past)
    res = api.get("/api/v1/records", headers=bearer(expired.secret))
    assert res.status_code == 401 and res.json()["message"] == "token expired"
    revoked = issue_token(node, "gone", ["analyst"])
    revoke_token(node, "gone")
    res = api.get("/api/v1/records", headers=bearer(revoked.secret))
    assert res.status_code == 401 and res.json()["message"] == "token revoked"
    issued = [e["details"]["name"] for e in ledger(node, Event.TOKEN_ISSUED)]
    assert issued == ["old", "gone"]
    assert [e["details"]["name"] for e in ledger(node, Event.TOKEN_REVOKED)] == ["gone"]
