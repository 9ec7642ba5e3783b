"""Who this node is in the federation: its node id, its TLS files, and its directory entry.

The node's TLS files live in `ACCORD_TLS_DIR` (default `ACCORD_HOME/tls`): `node.crt` (the node
certificate issued by the federation CA), `node.key` (its private key, mode 0600) and `ca.crt`
(the federation CA certificate, the only trust anchor)."""

from __future__ import annotations

import ssl
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from cryptography import x509

from accord.crypto import (
    CertificateIdentity,
    PartnerEntry,
    client_context,
    load_certificate_pem,
    server_context,
    verify_node_certificate,
)
from accord.crypto.files import read_private_pem
from accord.errors import AccordError
from accord.node import Node
from accord.settings import Settings

__all__ = [
    "CA_FILE",
    "CERT_FILE",
    "KEY_FILE",
    "FederationNotConfigured",
    "TLSFiles",
    "node_id",
    "self_entry",
    "tls_files",
]

CERT_FILE = "node.crt"
KEY_FILE = "node.key"
CA_FILE = "ca.crt"


class FederationNotConfigured(AccordError):
    """The node lacks what federation needs (TLS files); the message says what to run."""

    status = 503
    code = "federation_not_configured"


@dataclass(frozen=True, slots=True)
class TLSFiles:
    """The node's certificate, key and CA certificate files."""

    directory: Path

    @property
    def cert(self) -> Path:
        return self.directory / CERT_FILE

    @property
    def key(self) -> Path:
        return self.directory / KEY_FILE

    @property
    def ca(self) -> Path:
        return self.directory / CA_FILE

    def check(self) -> None:
        """Raise FederationNotConfigured unless all three files are present and the key file
        is private (mode 0600)."""
        missing = [p.name for p in (self.cert, self.key, self.ca) if not p.exists()]
        if missing:
            raise FederationNotConfigured(
                f"the node's TLS files are missing from {self.directory} ({', '.join(missing)}): "
                "ask the federation operator for `accord pki issue` output"
            )
        read_private_pem(self.key)

    def ca_pem(self) -> bytes:
        return self.ca.read_bytes()

    def certificate(self) -> x509.Certificate:
        return load_certificate_pem(self.cert.read_bytes())

    def identity(self, now: datetime | None = None) -> CertificateIdentity:
        """The node certificate's identity, checked against the CA (CertificateError if not)."""
        return verify_node_certificate(
            load_certificate_pem(self.ca_pem()), self.certificate(), now=now
        )

    def server_context(self) -> ssl.SSLContext:
        """Mutual TLS 1.3, server side (accord.crypto.tls)."""
        self.check()
        return server_context(certfile=self.cert, keyfile=self.key, ca_pem=self.ca_pem())

    def client_context(self) -> ssl.SSLContext:
        """Mutual TLS 1.3, client side (accord.crypto.tls)."""
        self.check()
        return client_context(certfile=self.cert, keyfile=self.key, ca_pem=self.ca_pem())


def tls_files(settings: Settings) -> TLSFiles:
    return TLSFiles(settings.tls_dir or settings.home / "tls")


def node_id(node: Node) -> str:
    """This node's id: `ACCORD_NODE_ID`, or the agency code in lower case."""
    return node.settings.node_id or node.agency.lower()


def self_entry(node: Node, url: str) -> PartnerEntry:
    """This node's partner-directory entry, for the federation operator to sign: keys from the
    node's key files, TLS fingerprint and validity from its certificate."""
    files = tls_files(node.settings)
    files.check()
    identity = files.identity()
    public = node.keys.public
    return PartnerEntry(
        node_id=node_id(node),
        agency_code=node.agency,
        url=url.rstrip("/"),
        signing_key=public.signing,
        encryption_key=public.encryption,
        tls_fingerprint=identity.fingerprint,
        valid_until=identity.not_after,
    )
