from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from accord.api import create_app
from accord.services.node import Node
from accord.services.tokens import issue_token


@pytest.fixture
def client(node: Node) -> Iterator[TestClient]:
    token = issue_token(node, "test-client", ["analyst", "investigator"])
    with TestClient(create_app(node), raise_server_exceptions=False) as c:
        c.headers["Authorization"] = f"Bearer {token.secret}"
        yield c
