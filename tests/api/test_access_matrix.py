"""Every route of the app, called by every role (as a user, before MFA enrolment, and as an
API token) and by nobody, answers as `accord.auth.matrix.ACCESS` says."""

import re
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient

from accord.api import create_app
from accord.api.deps import CurrentPrincipal
from accord.auth import ACCESS, SCOPES, Access, Role, route_key
from accord.services.node import Node
from accord.services.tokens import issue_token
from tests.auth.factories import add_user, open_session, use_cheap_hashing

HOW_TO_ADD = (
    "add one line per route to ACCESS in src/accord/auth/matrix.py, e.g. "
    '"GET /api/v1/things/{thing_id}": allow(Role.ANALYST, scope="things:read"), '
    "then regenerate the table in docs/security.md"
)


@pytest.fixture(autouse=True)
def _cheap(monkeypatch: pytest.MonkeyPatch) -> None:
    use_cheap_hashing(monkeypatch)


def routes(app: FastAPI) -> list[tuple[str, str]]:
    """(method, path template) of every route, routers included; HEAD goes with GET."""
    found = []
    for context in iter_route_contexts(app.routes):
        path, methods = context.path, set(context.methods or ())
        assert path is not None
        for method in sorted(methods - {"HEAD"} if "GET" in methods else methods):
            found.append((method, path))
    return found


def missing_entries(app: FastAPI) -> list[str]:
    return [route_key(m, p) for m, p in routes(app) if route_key(m, p) not in ACCESS]


def test_every_route_has_an_entry_in_the_matrix(node: Node) -> None:
    missing = missing_entries(create_app(node))
    assert not missing, f"routes without an access entry: {', '.join(missing)}; {HOW_TO_ADD}"


def test_every_entry_names_a_route_of_the_app(node: Node) -> None:
    present = {route_key(m, p) for m, p in routes(create_app(node))}
    stale = sorted(set(ACCESS) - present)
    assert not stale, f"entries in ACCESS for routes the app does not have: {', '.join(stale)}"


def test_a_route_without_an_entry_is_named_and_closed(node: Node) -> None:
    app = create_app(node)

    @app.get("/api/v1/unlisted")
    def unlisted(principal: CurrentPrincipal) -> dict[str, str]:
        return {"who": principal.subject}

    assert missing_entries(app) == ["GET /api/v1/unlisted"]
    everything = issue_token(node, "everything", [r.value for r in Role])
    with TestClient(app, raise_server_exceptions=False) as c:
        res = c.get("/api/v1/unlisted", headers={"Authorization": f"Bearer {everything.secret}"})
    assert res.status_code == 403
    assert "no entry in the access matrix" in res.json()["message"]


def expected(access: Access, caller: str, role: Role | None) -> bool:
    """Whether `caller` ("nobody", "user", "enrolment", "token") with `role` may call."""
    if access.public:
        return True
    if role is None or role not in access.roles:
        return False
    if caller == "enrolment":
        return access.enrolment
    if caller == "token":
        return access.scope is not None
    return True


@pytest.fixture
def callers(node: Node) -> Iterator[dict[tuple[str, Role], str]]:
    """An API token per role (with every scope its role can use), and a user per role."""
    tokens = {}
    for role in Role:
        add_user(node, role.value.replace("_", "-"), role.value)
        tokens[("token", role)] = issue_token(node, f"t-{role.value}", [role.value]).secret
    yield tokens


def test_every_route_answers_every_role_as_the_matrix_says(
    node: Node, callers: dict[tuple[str, Role], str]
) -> None:
    app = create_app(node)
    wrong = []
    with TestClient(app, raise_server_exceptions=False) as client:
        for method, path in routes(app):
            access = ACCESS.get(route_key(method, path))
            if access is None:
                wrong.append(f"{method} {path}: no entry in the matrix")
                continue
            url = re.sub(r"\{[^}]+\}", "x", path)
            cases: list[tuple[str, Role | None]] = [("nobody", None)]
            cases += [(c, r) for c in ("user", "enrolment", "token") for r in Role]
            for caller, role in cases:
                headers = {}
                if role is not None:
                    if caller == "token":
                        secret = callers[("token", role)]
                    else:
                        stage = "full" if caller == "user" else "enrolment"
                        secret = open_session(node, role.value.replace("_", "-"), stage)
                    headers["Authorization"] = f"Bearer {secret}"
                status = client.request(method, url, headers=headers).status_code
                allowed = expected(access, caller, role)
                if allowed and status in (401, 403):
                    wrong.append(f"{method} {path} as {caller} {role}: {status}, expected access")
                if not allowed:
                    want = 401 if caller == "nobody" else 403
                    if status != want:
                        wrong.append(f"{method} {path} as {caller} {role}: {status}, want {want}")
    assert not wrong, "\n".join(wrong)


def test_a_token_has_only_the_scopes_it_was_given(node: Node) -> None:
    narrow = issue_token(node, "narrow", ["auditor"], ["audit:verify"])
    assert narrow.scopes == ("audit:verify",)
    wide = issue_token(node, "wide", ["auditor"])
    assert (
        set(wide.scopes)
        == {
            "records:read",
            "stix:read",
            "audit:read",
            "audit:verify",
            "agreements:read",
            "codes",
            "dashboard",
        }
        <= SCOPES
    )
    with TestClient(create_app(node), raise_server_exceptions=False) as client:
        for token, status in ((narrow, 403), (wide, 200)):
            res = client.get(
                "/api/v1/audit/entries",
                params={"start": 0, "end": 1},
                headers={"Authorization": f"Bearer {token.secret}"},
            )
            assert res.status_code == status
