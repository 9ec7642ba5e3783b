"""Shared fixtures: a federation CA, a second unrelated CA, and two nodes with keys and a signed
directory. Keys are cheap, but the CAs are made once per test run to keep the suite quick."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from accord.crypto import (
    FederationCA,
    NodeKeys,
    PartnerDirectory,
    PartnerEntry,
    generate_node_keys,
    init_ca,
)

NOW = datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC)


@pytest.fixture(scope="session")
def ca() -> FederationCA:
    return init_ca("Accord Test Federation")


@pytest.fixture(scope="session")
def other_ca() -> FederationCA:
    return init_ca("Some Other Federation")


@pytest.fixture(scope="session")
def de_keys() -> NodeKeys:
    return generate_node_keys()


@pytest.fixture(scope="session")
def nl_keys() -> NodeKeys:
    return generate_node_keys()


def entry(node_id: str, agency: str, keys: NodeKeys, *, valid_days: int = 30) -> PartnerEntry:
    return PartnerEntry(
        node_id=node_id,
        agency_code=agency,
        url=f"https://{node_id}.accord.test:8443",
        signing_key=keys.signing.public_key(),
        encryption_key=keys.encryption.public_key(),
        tls_fingerprint="AB" * 32,
        valid_until=NOW + timedelta(days=valid_days),
    )


@pytest.fixture(scope="session")
def directory(de_keys: NodeKeys, nl_keys: NodeKeys) -> PartnerDirectory:
    return PartnerDirectory.build(
        "Accord Test Federation",
        1,
        [entry("de-bka", "DE-BKA", de_keys), entry("nl-politie", "NL-POLITIE", nl_keys)],
        issued_at=NOW,
    )
