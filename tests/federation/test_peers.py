"""Partners: the signed directory (first import needs the key, no rollback, dropped entries
go), adding a partner by URL and pinned fingerprint, and which partners are asked."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from accord.crypto import DirectoryError
from accord.errors import Forbidden, ValidationError
from accord.federation.client import PartnerUnavailable
from accord.federation.identity import self_entry, tls_files
from accord.federation.pki import sign_directory_file
from accord.model import Principal, PrincipalKind
from accord.services.peers import (
    add_peer,
    import_directory,
    list_peers,
    remove_peer,
    usable_peers,
)
from accord.store import federation as store
from tests.federation.cluster import Federation, ledger


@pytest.fixture
def trio(tmp_path: Path) -> Iterator[Federation]:
    fed = Federation(tmp_path)
    for agency in ("DE-BKA", "NL-POLITIE", "UA-NPU"):
        fed.add(agency, agency)
    yield fed
    fed.close()


def sign(fed: Federation, agencies: list[str], name: str, serial: int | None = None) -> str:
    entries = [self_entry(fed[a].node, fed[a].url).to_dict() for a in agencies]
    out = fed.root / name
    sign_directory_file(fed.ca, entries, out, serial=serial)
    return out.read_text("ascii")


def test_the_first_import_needs_the_directory_key(trio: Federation) -> None:
    de = trio["DE-BKA"].node
    token = sign(trio, ["DE-BKA", "NL-POLITIE"], "d.jws")
    with pytest.raises(ValidationError):
        import_directory(de, de.operator(), token)
    key = (trio.ca / "directory.pub.pem").read_bytes()
    directory = import_directory(de, de.operator(), token, key)
    assert directory.serial == 1
    assert [p.node_id for p in list_peers(de)] == ["nl-politie"]


def test_a_later_edition_replaces_the_partners_and_an_older_one_is_refused(
    trio: Federation,
) -> None:
    de = trio["DE-BKA"].node
    key = (trio.ca / "directory.pub.pem").read_bytes()
    import_directory(
        de, de.operator(), sign(trio, ["DE-BKA", "NL-POLITIE", "UA-NPU"], "d.jws"), key
    )
    assert {p.node_id for p in list_peers(de)} == {"nl-politie", "ua-npu"}
    second = sign(trio, ["DE-BKA", "UA-NPU"], "d.jws")
    import_directory(de, de.operator(), second)
    assert {p.node_id for p in list_peers(de)} == {"ua-npu"}
    older = sign(trio, ["DE-BKA", "NL-POLITIE", "UA-NPU"], "old.jws", serial=1)
    with pytest.raises(DirectoryError):
        import_directory(de, de.operator(), older)
    assert {p.node_id for p in list_peers(de)} == {"ua-npu"}


def test_a_directory_signed_by_another_key_is_refused(trio: Federation, tmp_path: Path) -> None:
    de = trio["DE-BKA"].node
    other = Federation(tmp_path / "other")
    token = sign(trio, ["DE-BKA", "NL-POLITIE"], "d.jws")
    with pytest.raises(DirectoryError):
        import_directory(de, de.operator(), token, (other.ca / "directory.pub.pem").read_bytes())
    assert list_peers(de) == []


def test_expired_and_unknown_partners_are_not_asked(trio: Federation) -> None:
    de = trio["DE-BKA"].node
    key = (trio.ca / "directory.pub.pem").read_bytes()
    import_directory(
        de, de.operator(), sign(trio, ["DE-BKA", "NL-POLITIE", "UA-NPU"], "d.jws"), key
    )
    with de.engine.begin() as conn:
        row = store.get_peer(conn, "ua-npu")
        assert row is not None
        store.put_peer(conn, replace(row, valid_until=datetime.now(UTC) - timedelta(days=1)))
    assert [p.node_id for p in usable_peers(de)] == ["nl-politie"]
    with pytest.raises(ValidationError):
        usable_peers(de, ["ua-npu"])


def test_a_partner_is_added_only_over_a_connection_to_the_pinned_certificate(
    trio: Federation,
) -> None:
    de, nl = trio["DE-BKA"], trio["NL-POLITIE"]
    assert nl.server is not None
    nl.server.start()
    fingerprint = tls_files(nl.node.settings).identity().fingerprint
    wrong = tls_files(de.node.settings).identity().fingerprint
    with pytest.raises(PartnerUnavailable):
        add_peer(de.node, de.node.operator(), nl.url, wrong)
    peer = add_peer(de.node, de.node.operator(), nl.url, fingerprint.lower().replace(":", ""))
    assert (peer.node_id, peer.agency_code, peer.source) == ("nl-politie", "NL-POLITIE", "manual")
    assert peer.signing_key == nl.node.keys.signing.public_key()
    assert peer.tls_fingerprint == fingerprint
    remove_peer(de.node, de.node.operator(), "nl-politie")
    assert list_peers(de.node) == []


def test_only_a_node_admin_changes_partners(trio: Federation) -> None:
    de = trio["DE-BKA"].node
    analyst = Principal("anna", "DE-BKA", PrincipalKind.USER, frozenset({"analyst"}))
    with pytest.raises(Forbidden):
        remove_peer(de, analyst, "nl-politie")


def test_every_partner_change_is_in_the_ledger(trio: Federation) -> None:
    de = trio["DE-BKA"].node
    key = (trio.ca / "directory.pub.pem").read_bytes()
    import_directory(
        de, de.operator(), sign(trio, ["DE-BKA", "NL-POLITIE", "UA-NPU"], "d.jws"), key
    )
    remove_peer(de, de.operator(), "ua-npu")
    changes = [e["details"] for e in ledger(de, "partner_change")]
    assert changes[-2]["change"] == "directory"
    assert changes[-2]["partners"] == ["nl-politie", "ua-npu"]
    assert changes[-1] == {"change": "remove", "partner": "ua-npu"}
