"""The workbench's session: the access token in an HttpOnly, SameSite=Strict cookie that no
script reads, and a CSRF token that every state change must echo."""

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient

from accord.api import create_app
from accord.api.cookies import CSRF_COOKIE, SESSION_COOKIE, csrf_for
from accord.services.node import Node
from accord.services.tokens import issue_token
from tests.auth.factories import PASSWORD, add_user, code, enrolled_user, use_cheap_hashing

AUTH = "/api/v1/auth"


@pytest.fixture(autouse=True)
def _cheap(monkeypatch: pytest.MonkeyPatch) -> None:
    use_cheap_hashing(monkeypatch)


@pytest.fixture
def api(node: Node) -> Iterator[TestClient]:
    with TestClient(create_app(node), raise_server_exceptions=False) as c:
        yield c


def cookie_login(api: TestClient, node: Node, name: str, *roles: str) -> dict[str, str]:
    enrolment, _, _ = enrolled_user(node, name, *roles)
    body = {
        "username": name,
        "password": PASSWORD,
        "code": code(enrolment, datetime.now(UTC)),
        "cookie": True,
    }
    res = api.post(f"{AUTH}/login", json=body)
    assert res.status_code == 200, res.text
    return {"X-CSRF-Token": api.cookies[CSRF_COOKIE]}


def test_a_cookie_login_sets_an_httponly_strict_cookie_and_hands_out_no_token(
    api: TestClient, node: Node
) -> None:
    enrolment, _, _ = enrolled_user(node, "anna", "analyst")
    body = {"username": "anna", "password": PASSWORD, "code": code(enrolment, datetime.now(UTC))}
    res = api.post(f"{AUTH}/login", json={**body, "cookie": True})
    assert res.status_code == 200
    assert res.json()["access_token"] == "" and res.json()["token_type"] == "cookie"
    set_cookies = res.headers.get_list("set-cookie")
    session = next(c for c in set_cookies if c.startswith(f"{SESSION_COOKIE}="))
    assert "HttpOnly" in session and "SameSite=strict" in session and "Path=/api/" in session
    # Plain HTTP here: Secure would make the browser drop it; over TLS it is set.
    assert "Secure" not in session
    csrf = next(c for c in set_cookies if c.startswith(f"{CSRF_COOKIE}="))
    assert "HttpOnly" not in csrf and "SameSite=strict" in csrf
    secret = api.cookies[SESSION_COOKIE]
    assert api.cookies[CSRF_COOKIE] == csrf_for(secret) != secret


def test_the_cookie_is_secure_over_tls(node: Node) -> None:
    enrolment, _, _ = enrolled_user(node, "anna", "analyst")
    with TestClient(create_app(node), base_url="https://testserver") as api:
        body = {
            "username": "anna",
            "password": PASSWORD,
            "code": code(enrolment, datetime.now(UTC)),
            "cookie": True,
        }
        res = api.post(f"{AUTH}/login", json=body)
        session = next(
            c for c in res.headers.get_list("set-cookie") if c.startswith(f"{SESSION_COOKIE}=")
        )
        assert "Secure" in session


def test_reads_go_with_the_cookie_alone(api: TestClient, node: Node) -> None:
    cookie_login(api, node, "anna", "analyst")
    me = api.get(f"{AUTH}/me")
    assert me.status_code == 200 and me.json()["subject"] == "anna"


def test_a_change_without_the_csrf_token_is_refused_before_it_runs(
    api: TestClient, node: Node
) -> None:
    csrf = cookie_login(api, node, "anna", "analyst")
    body = {"query": "x", "reference": "case 1", "crime_area": "thb"}
    refused = api.post("/api/v1/search", json=body)
    assert refused.status_code == 403 and refused.json()["code"] == "csrf"
    wrong = api.post("/api/v1/search", json=body, headers={"X-CSRF-Token": "0" * 40})
    assert wrong.status_code == 403 and wrong.json()["code"] == "csrf"
    assert api.post("/api/v1/search", json=body, headers=csrf).status_code == 200


def test_a_bearer_header_is_not_subject_to_csrf(api: TestClient, node: Node) -> None:
    token = issue_token(node, "etl", ["analyst"])
    body = {"query": "x", "reference": "case 1", "crime_area": "thb"}
    res = api.post("/api/v1/search", json=body, headers={"Authorization": f"Bearer {token.secret}"})
    assert res.status_code == 200


def test_refresh_moves_the_cookie_and_logout_clears_it(api: TestClient, node: Node) -> None:
    csrf = cookie_login(api, node, "anna", "analyst")
    first = api.cookies[SESSION_COOKIE]
    res = api.post(f"{AUTH}/refresh", headers=csrf)
    assert res.status_code == 200 and res.json()["access_token"] == ""
    second = api.cookies[SESSION_COOKIE]
    assert second != first
    # The old token is revoked; the new one works, with its own CSRF token.
    assert api.get(f"{AUTH}/me").status_code == 200
    csrf = {"X-CSRF-Token": api.cookies[CSRF_COOKIE]}
    assert api.post(f"{AUTH}/logout", headers=csrf).status_code == 204
    assert SESSION_COOKIE not in api.cookies
    api.cookies.set(SESSION_COOKIE, second, path="/api/")
    assert api.get(f"{AUTH}/me").status_code == 401


def test_first_enrolment_through_the_cookie_puts_the_full_session_in_it(
    api: TestClient, node: Node
) -> None:
    add_user(node, "ben", "analyst")
    res = api.post(f"{AUTH}/login", json={"username": "ben", "password": PASSWORD, "cookie": True})
    assert res.json()["stage"] == "enrolment"
    csrf = {"X-CSRF-Token": api.cookies[CSRF_COOKIE]}
    # The enrolment-only session opens nothing else.
    assert api.get("/api/v1/codes").status_code == 403
    enrolment = api.post(f"{AUTH}/mfa/enrol", headers=csrf).json()
    secret = enrolment["secret"]
    from accord.auth import code_at, time_step

    done = api.post(
        f"{AUTH}/mfa/verify",
        headers=csrf,
        json={"code": code_at(secret, time_step(datetime.now(UTC)))},
    )
    assert done.status_code == 200
    assert len(done.json()["recovery_codes"]) == 10
    assert done.json()["session"]["access_token"] == ""
    assert api.get("/api/v1/codes").status_code == 200


def test_me_lists_the_routes_the_access_matrix_opens_to_the_caller(
    api: TestClient, node: Node
) -> None:
    cookie_login(api, node, "anna", "analyst")
    routes = set(api.get(f"{AUTH}/me").json()["routes"])
    assert "POST /api/v1/search" in routes
    assert "POST /api/v1/federated-search" in routes
    assert "GET /api/v1/audit/entries" not in routes  # data-protection officers and auditors
    assert "GET /api/v1/admin/users" not in routes  # node administrators
    assert not any(r.startswith("POST /federation/") for r in routes)
