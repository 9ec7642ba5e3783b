"""An API token authenticated a moment ago is trusted for ACCORD_TOKEN_CACHE_SECONDS without
the database; a revocation ends that at once for every process of the node's machine."""

from __future__ import annotations

import pytest
from sqlalchemy import update

from accord.errors import Unauthorized
from accord.services.node import Node
from accord.services.tokens import authenticate_token, cached_principal, issue_token, revoke_token
from accord.store.tables import api_tokens


def revoke_elsewhere(node: Node, name: str) -> None:
    """What a revocation leaves in the database, seen from a process that does not share the
    node's data directory (another machine on the same PostgreSQL database)."""
    from datetime import UTC, datetime

    with node.engine.begin() as conn:
        conn.execute(
            update(api_tokens).where(api_tokens.c.name == name).values(revoked_at=datetime.now(UTC))
        )


def test_a_token_is_trusted_for_a_moment_then_asked_again(node: Node) -> None:
    secret = issue_token(node, "border", ["document_checker"]).secret
    assert cached_principal(node, secret) is None
    assert authenticate_token(node, secret).subject == "border"
    assert cached_principal(node, secret) is not None
    revoke_elsewhere(node, "border")
    assert authenticate_token(node, secret).subject == "border"  # within the cache time
    node.cache.clear()  # the cache time has passed
    with pytest.raises(Unauthorized):
        authenticate_token(node, secret)


def test_a_revocation_in_this_process_is_at_once(node: Node) -> None:
    secret = issue_token(node, "border", ["document_checker"]).secret
    authenticate_token(node, secret)
    revoke_token(node, "border")
    assert cached_principal(node, secret) is None
    with pytest.raises(Unauthorized):
        authenticate_token(node, secret)


def test_a_revocation_by_another_process_of_the_node_is_at_once(node: Node) -> None:
    secret = issue_token(node, "border", ["document_checker"]).secret
    issue_token(node, "other", ["document_checker"])
    authenticate_token(node, secret)
    # Another process: its own handle of the same node (data directory and database).
    other = type(node)(node.settings, node.engine, node.agency, node.name, node.keys)
    revoke_token(other, "border")
    assert cached_principal(node, secret) is None
    with pytest.raises(Unauthorized):
        authenticate_token(node, secret)


def test_no_cache_when_the_setting_is_zero(node: Node) -> None:
    settings = node.settings.model_copy(update={"token_cache_seconds": 0})
    other = type(node)(settings, node.engine, node.agency, node.name, node.keys)
    secret = issue_token(other, "border", ["document_checker"]).secret
    authenticate_token(other, secret)
    assert cached_principal(other, secret) is None
