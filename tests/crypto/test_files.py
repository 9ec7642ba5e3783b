import stat
from pathlib import Path

import pytest

from accord.crypto import (
    FederationCA,
    KeyFormatError,
    generate_node_keys,
    issue_node_certificate,
    key_fingerprint,
    load_ca,
    load_signing_key_pem,
)
from accord.crypto.files import (
    read_certificate,
    read_pem,
    read_private_key,
    read_private_pem,
    write_certificate,
    write_pem,
    write_private_key,
)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_private_keys_are_written_owner_only_and_read_back(tmp_path: Path) -> None:
    key = generate_node_keys().signing
    path = tmp_path / "keys" / "signing.key"
    write_private_key(path, key)
    assert mode(path) == 0o600
    assert key_fingerprint(read_private_key(path).public_key()) == key_fingerprint(key.public_key())


def test_encrypted_private_keys_need_their_passphrase(tmp_path: Path) -> None:
    key = generate_node_keys().encryption
    path = tmp_path / "encryption.key"
    write_private_key(path, key, passphrase=b"s3cret")
    assert b"ENCRYPTED" in path.read_bytes()
    with pytest.raises(KeyFormatError):
        read_private_key(path)
    loaded = read_private_key(path, passphrase=b"s3cret")
    assert key_fingerprint(loaded.public_key()) == key_fingerprint(key.public_key())


def test_an_existing_private_key_is_not_overwritten_unless_asked(tmp_path: Path) -> None:
    first, second = generate_node_keys().signing, generate_node_keys().signing
    path = tmp_path / "ca.key"
    write_private_key(path, first)
    with pytest.raises(FileExistsError):
        write_private_key(path, second)
    assert key_fingerprint(read_private_key(path).public_key()) == key_fingerprint(
        first.public_key()
    )
    write_private_key(path, second, overwrite=True)
    assert mode(path) == 0o600
    assert key_fingerprint(read_private_key(path).public_key()) == key_fingerprint(
        second.public_key()
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ca.key"]


def test_overwriting_narrows_a_loose_mode_to_owner_only(tmp_path: Path) -> None:
    path = tmp_path / "node.key"
    path.write_bytes(b"old")
    path.chmod(0o644)
    write_private_key(path, generate_node_keys().signing, overwrite=True)
    assert mode(path) == 0o600


def test_a_private_key_readable_by_others_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "node.key"
    write_private_key(path, generate_node_keys().signing)
    path.chmod(0o640)
    with pytest.raises(KeyFormatError, match="chmod 600"):
        read_private_key(path)
    with pytest.raises(KeyFormatError, match="chmod 600"):
        read_private_pem(path)


def test_private_pem_feeds_the_typed_loaders(tmp_path: Path, ca: FederationCA) -> None:
    write_certificate(tmp_path / "ca.crt", ca.certificate)
    write_private_key(tmp_path / "ca.key", ca.key, passphrase=b"pw")
    write_private_key(tmp_path / "directory.key", ca.directory_key, passphrase=b"pw")
    loaded = load_ca(
        read_pem(tmp_path / "ca.crt"),
        read_private_pem(tmp_path / "ca.key"),
        read_private_pem(tmp_path / "directory.key"),
        passphrase=b"pw",
    )
    assert loaded.fingerprint == ca.fingerprint
    signing = load_signing_key_pem(read_private_pem(tmp_path / "directory.key"), b"pw")
    assert key_fingerprint(signing.public_key()) == key_fingerprint(ca.directory_key.public_key())


def test_certificates_are_written_world_readable_and_read_back(
    tmp_path: Path, ca: FederationCA
) -> None:
    issued = issue_node_certificate(ca, "de-bka", "DE-BKA", ["localhost"])
    path = tmp_path / "node.crt"
    write_certificate(path, issued.certificate)
    assert mode(path) == 0o644
    assert read_certificate(path) == issued.certificate


def test_public_pem_is_written_and_read_as_bytes(tmp_path: Path, ca: FederationCA) -> None:
    path = tmp_path / "ca.pem"
    write_pem(path, ca.certificate_pem)
    assert mode(path) == 0o644
    assert read_pem(path) == ca.certificate_pem
