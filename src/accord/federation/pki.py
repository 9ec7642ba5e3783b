"""The federation operator's files: the CA, node certificates and the signed partner directory.

A CA directory holds `ca.crt`, `ca.key` (mode 0600), `directory.key` (the Ed25519 key that signs
the partner directory, mode 0600) and `directory.pub.pem` (its public half, which every node
needs to check the directory). A node's TLS directory receives `node.crt`, `node.key` and
`ca.crt` (`accord.federation.identity`)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from accord.crypto import (
    CA_VALID_DAYS,
    NODE_VALID_DAYS,
    DirectoryError,
    FederationCA,
    IssuedCertificate,
    KeyType,
    PartnerDirectory,
    PartnerEntry,
    init_ca,
    issue_node_certificate,
    load_ca,
    public_key_to_pem,
    sign_directory,
    verify_directory,
)
from accord.crypto.files import (
    read_pem,
    read_private_pem,
    write_certificate,
    write_pem,
    write_private_key,
)
from accord.errors import Conflict, FieldError, ValidationError
from accord.federation.identity import CA_FILE, CERT_FILE, KEY_FILE

__all__ = [
    "CA_KEY_FILE",
    "DIRECTORY_KEY_FILE",
    "DIRECTORY_PUBLIC_FILE",
    "init_ca_files",
    "issue_node_files",
    "load_ca_files",
    "sign_directory_file",
]

CA_KEY_FILE = "ca.key"
DIRECTORY_KEY_FILE = "directory.key"
DIRECTORY_PUBLIC_FILE = "directory.pub.pem"


def init_ca_files(
    directory: Path,
    federation: str,
    *,
    key_type: KeyType = "p256",
    valid_days: int = CA_VALID_DAYS,
) -> FederationCA:
    """Create the federation CA and directory key in `directory`; never overwrites a CA."""
    if (directory / CA_KEY_FILE).exists() or (directory / DIRECTORY_KEY_FILE).exists():
        raise Conflict(f"{directory} already holds a federation CA")
    ca = init_ca(federation, key_type=key_type, valid_days=valid_days)
    write_private_key(directory / CA_KEY_FILE, ca.key)
    write_private_key(directory / DIRECTORY_KEY_FILE, ca.directory_key)
    write_certificate(directory / CA_FILE, ca.certificate)
    write_pem(directory / DIRECTORY_PUBLIC_FILE, public_key_to_pem(ca.directory_key.public_key()))
    return ca


def load_ca_files(directory: Path) -> FederationCA:
    return load_ca(
        read_pem(directory / CA_FILE),
        read_private_pem(directory / CA_KEY_FILE),
        read_private_pem(directory / DIRECTORY_KEY_FILE),
    )


def issue_node_files(
    ca_directory: Path,
    out: Path,
    node_name: str,
    agency_code: str,
    hosts: Sequence[str],
    *,
    valid_days: int = NODE_VALID_DAYS,
    overwrite: bool = False,
    now: datetime | None = None,
) -> IssuedCertificate:
    """Issue a node certificate and write `node.crt`, `node.key` and `ca.crt` to `out` (the
    node's `ACCORD_HOME/tls`, or a directory to hand over to the node's operator)."""
    if not overwrite and (out / KEY_FILE).exists():
        raise Conflict(f"{out / KEY_FILE} exists; pass --overwrite to replace it")
    ca = load_ca_files(ca_directory)
    issued = issue_node_certificate(
        ca, node_name, agency_code, list(hosts), valid_days=valid_days, now=now
    )
    write_private_key(out / KEY_FILE, issued.key, overwrite=overwrite)
    write_certificate(out / CERT_FILE, issued.certificate)
    write_pem(out / CA_FILE, ca.certificate_pem)
    return issued


def sign_directory_file(
    ca_directory: Path,
    entries: Sequence[dict[str, Any]],
    out: Path,
    *,
    serial: int | None = None,
) -> PartnerDirectory:
    """Sign a directory edition of `entries` (as `accord peers self` prints them) and write the
    JWS to `out`. The serial defaults to one more than the edition already at `out`."""
    ca = load_ca_files(ca_directory)
    if serial is None:
        serial = 1
        if out.exists():
            try:
                previous = verify_directory(out.read_text("ascii"), ca.directory_key.public_key())
            except (DirectoryError, ValueError) as exc:
                raise ValidationError(
                    FieldError("out", f"{out} is not a directory signed by this CA")
                ) from exc
            serial = previous.serial + 1
    parsed: list[PartnerEntry] = []
    for number, entry in enumerate(entries, start=1):
        try:
            parsed.append(PartnerEntry.from_dict(entry))
        except ValidationError as exc:
            raise ValidationError(
                [FieldError(f"entry {number}.{e.field}", e.reason) for e in exc.errors]
            ) from exc
    directory = PartnerDirectory.build(ca.name, serial, parsed)
    write_pem(out, sign_directory(directory, ca.directory_key).encode("ascii"))
    return directory
