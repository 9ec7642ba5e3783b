"""Every integer a route takes in its query string is bounded: an overflowing or negative
value is a 4xx naming the parameter, never a 500 (offset=2**63 was one). The routes and their
parameters come from the app, so a new route is covered when it is added."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient

from accord.api import create_app
from accord.auth.roles import Role
from accord.services.node import Node
from accord.services.tokens import issue_token

EVIL = ("9223372036854775808", "-1", "1" * 40)


@pytest.fixture
def client(node: Node) -> Iterator[TestClient]:
    roles = [r.value for r in Role if r is not Role.DOCUMENT_CHECKER]
    token = issue_token(node, "bounds", roles)
    with TestClient(create_app(node), raise_server_exceptions=False) as c:
        c.headers["Authorization"] = f"Bearer {token.secret}"
        yield c


def _int_queries(node: Node) -> list[tuple[str, str, list[str]]]:
    """(path, parameter, every int query parameter of the route) for each GET route."""
    found = []
    for context in iter_route_contexts(create_app(node).routes):
        route = context.original_route
        if not isinstance(route, APIRoute) or "GET" not in (context.methods or ()):
            continue
        ints = [p.name for p in route.dependant.query_params if p.field_info.annotation is int]
        found.extend((str(context.path), name, ints) for name in ints)
    return found


def test_the_walk_finds_the_paging_parameters(node: Node) -> None:
    names = {(path, name) for path, name, _ in _int_queries(node)}
    assert {("/api/v1/records", "offset"), ("/api/v1/records", "limit")} <= names
    assert ("/api/v1/audit/entries", "end") in names


def test_no_integer_query_parameter_gives_a_500(client: TestClient, node: Node) -> None:
    for path, name, ints in _int_queries(node):
        url = path.replace("{record_id}", "p1")
        assert "{" not in url, f"fill the path parameters of {path}"
        for value in EVIL:
            params = dict.fromkeys(ints, "1") | {name: value}
            res = client.get(url, params=params)
            assert 400 <= res.status_code < 500, (path, name, value, res.status_code, res.text)
            if res.status_code == 422:
                fields = {e["field"] for e in res.json()["errors"]}
                assert fields & set(ints), (path, name, value, res.json())
