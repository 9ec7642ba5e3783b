"""The federation operator's files: CA, node certificates, signed directory editions."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from accord.crypto import generate_node_keys, load_public_key_pem, verify_directory
from accord.errors import Conflict, ValidationError
from accord.federation.identity import TLSFiles
from accord.federation.pki import init_ca_files, issue_node_files, sign_directory_file
from tests.crypto.conftest import entry


def test_a_ca_is_written_once_with_private_keys_kept_private(tmp_path: Path) -> None:
    ca = init_ca_files(tmp_path / "ca", "fed")
    for name in ("ca.key", "directory.key"):
        assert stat.S_IMODE((tmp_path / "ca" / name).stat().st_mode) == 0o600
    public = load_public_key_pem((tmp_path / "ca" / "directory.pub.pem").read_bytes())
    assert public == ca.directory_key.public_key()
    with pytest.raises(Conflict):
        init_ca_files(tmp_path / "ca", "fed")


def test_an_issued_node_certificate_verifies_against_the_ca(tmp_path: Path) -> None:
    init_ca_files(tmp_path / "ca", "fed")
    files = TLSFiles(tmp_path / "tls")
    issued = issue_node_files(tmp_path / "ca", files.directory, "de-bka", "DE-BKA", ["127.0.0.1"])
    identity = files.identity()
    assert (identity.node_name, identity.agency_code) == ("de-bka", "DE-BKA")
    assert identity.fingerprint == issued.fingerprint and identity.hosts == ("127.0.0.1",)
    files.check()
    with pytest.raises(Conflict):
        issue_node_files(tmp_path / "ca", files.directory, "de-bka", "DE-BKA", ["127.0.0.1"])


def test_directory_editions_count_up(tmp_path: Path) -> None:
    ca = init_ca_files(tmp_path / "ca", "fed")
    entries = [entry("de-bka", "DE-BKA", generate_node_keys()).to_dict()]
    out = tmp_path / "directory.jws"
    assert sign_directory_file(tmp_path / "ca", entries, out).serial == 1
    assert sign_directory_file(tmp_path / "ca", entries, out).serial == 2
    signed = verify_directory(out.read_text("ascii"), ca.directory_key.public_key())
    assert signed.serial == 2 and signed.federation == "fed"
    with pytest.raises(ValidationError) as caught:
        sign_directory_file(tmp_path / "ca", [{"node_id": "x"}], out)
    assert caught.value.errors[0].field.startswith("entry 1")
