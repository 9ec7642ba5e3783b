"""The federation PKI: one CA per federation issues every node's TLS certificate (RFC 5280).

The CA key and node TLS keys are ECDSA P-256 by default (`ecdsa_secp256r1_sha256`, which every
TLS 1.3 implementation must support, RFC 8446 §9.1); Ed25519 is available for federations whose
members all support it. Node certificates carry the node name as CN, the agency code as O and its
country as C, BasicConstraints CA=false, KeyUsage digitalSignature, ExtendedKeyUsage serverAuth and
clientAuth (one certificate serves both ends of mutual TLS), SubjectAlternativeName DNS/IP entries,
and the key identifiers (SKI, AKI) that strict X.509 verification asks for.

`init_ca` also makes the federation's Ed25519 *directory key*, which signs the partner directory
(`accord.crypto.directory`): TLS and directory signatures use separate keys so that each can be
rotated and protected on its own terms.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.types import CertificatePublicKeyTypes
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from accord.crypto.certificates import (
    certificate_extension,
    certificate_fingerprint,
    certificate_to_pem,
    load_certificate_pem,
)
from accord.crypto.encoding import aware
from accord.crypto.errors import CertificateError, KeyFormatError
from accord.crypto.keys import load_private_key_pem, load_signing_key_pem
from accord.model import agency_country, is_agency_code

__all__ = [
    "CA_VALID_DAYS",
    "NODE_VALID_DAYS",
    "FederationCA",
    "IssuedCertificate",
    "KeyType",
    "TLSKey",
    "TLSPublicKey",
    "generate_tls_key",
    "init_ca",
    "issue_node_certificate",
    "load_ca",
    "load_tls_key_pem",
    "sign_node_certificate",
]

#: "p256": ECDSA on NIST P-256 with SHA-256 (default); "ed25519": EdDSA on Curve25519.
KeyType = Literal["p256", "ed25519"]
TLSKey = ec.EllipticCurvePrivateKey | Ed25519PrivateKey
TLSPublicKey = ec.EllipticCurvePublicKey | Ed25519PublicKey

CA_VALID_DAYS = 3650
NODE_VALID_DAYS = 365
#: Backdating of notBefore, so that a peer whose clock lags slightly accepts a fresh certificate.
_BACKDATE = timedelta(minutes=5)
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
#: A DNS name of LDH labels (RFC 1123 §2.1); no wildcards, at most 253 characters.
_DNS_NAME = re.compile(rf"(?=.{{1,253}}\Z){_LABEL}(?:\.{_LABEL})*")


@dataclass(frozen=True, slots=True)
class FederationCA:
    """What the federation operator holds: the CA key and certificate, and the directory key."""

    name: str
    key: TLSKey
    certificate: x509.Certificate
    directory_key: Ed25519PrivateKey

    @property
    def certificate_pem(self) -> bytes:
        return certificate_to_pem(self.certificate)

    @property
    def fingerprint(self) -> str:
        return certificate_fingerprint(self.certificate)


@dataclass(frozen=True, slots=True)
class IssuedCertificate:
    """A node certificate with the TLS private key generated for it."""

    certificate: x509.Certificate
    key: TLSKey

    @property
    def certificate_pem(self) -> bytes:
        return certificate_to_pem(self.certificate)

    @property
    def fingerprint(self) -> str:
        return certificate_fingerprint(self.certificate)


def generate_tls_key(key_type: KeyType = "p256") -> TLSKey:
    """A fresh key for a CA or a node TLS certificate."""
    if key_type == "p256":
        return ec.generate_private_key(ec.SECP256R1())
    if key_type == "ed25519":
        return Ed25519PrivateKey.generate()
    raise ValueError(f"unknown key type {key_type!r}")


def init_ca(
    federation_name: str,
    *,
    key_type: KeyType = "p256",
    valid_days: int = CA_VALID_DAYS,
    now: datetime | None = None,
) -> FederationCA:
    """Create a federation CA: a self-signed root (BasicConstraints CA=true, pathLen=0, KeyUsage
    keyCertSign+cRLSign) and a separate Ed25519 directory key."""
    _check_label("federation_name", federation_name)
    now = aware(now)
    key = generate_tls_key(key_type)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, federation_name)])
    ski = x509.SubjectKeyIdentifier.from_public_key(key.public_key())
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - _BACKDATE)
        .not_valid_after(now + timedelta(days=valid_days))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_key_usage(cert_sign=True), critical=True)
        .add_extension(ski, critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski), critical=False
        )
        .sign(key, _hash_for(key))
    )
    return FederationCA(federation_name, key, certificate, Ed25519PrivateKey.generate())


def load_ca(
    certificate_pem: bytes,
    key_pem: bytes,
    directory_key_pem: bytes,
    *,
    passphrase: bytes | None = None,
) -> FederationCA:
    """Reassemble a FederationCA from PEM; refuses a key that does not match the certificate."""
    certificate = load_certificate_pem(certificate_pem)
    key = load_tls_key_pem(key_pem, passphrase)
    directory_key = load_signing_key_pem(directory_key_pem, passphrase)
    if _spki(key.public_key()) != _spki(certificate.public_key()):
        raise CertificateError("CA key does not match the CA certificate")
    constraints = certificate_extension(certificate, x509.BasicConstraints)
    if constraints is None or not constraints.ca:
        raise CertificateError("certificate is not a CA certificate")
    names = certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    name = str(names[0].value) if names else ""
    return FederationCA(name, key, certificate, directory_key)


def load_tls_key_pem(data: bytes, passphrase: bytes | None = None) -> TLSKey:
    """Read a CA or node TLS private key (ECDSA P-256 or Ed25519) from PEM."""
    key = load_private_key_pem(data, passphrase)
    if not isinstance(key, ec.EllipticCurvePrivateKey | Ed25519PrivateKey):
        raise KeyFormatError("expected an ECDSA P-256 or Ed25519 private key")
    return key


def issue_node_certificate(
    ca: FederationCA,
    node_name: str,
    agency_code: str,
    hosts: Sequence[str],
    *,
    valid_days: int = NODE_VALID_DAYS,
    key_type: KeyType = "p256",
    now: datetime | None = None,
) -> IssuedCertificate:
    """Generate a TLS key for a node and certify it (see `sign_node_certificate`)."""
    key = generate_tls_key(key_type)
    certificate = sign_node_certificate(
        ca, key.public_key(), node_name, agency_code, hosts, valid_days=valid_days, now=now
    )
    return IssuedCertificate(certificate, key)


def sign_node_certificate(
    ca: FederationCA,
    public_key: TLSPublicKey,
    node_name: str,
    agency_code: str,
    hosts: Sequence[str],
    *,
    valid_days: int = NODE_VALID_DAYS,
    now: datetime | None = None,
) -> x509.Certificate:
    """Certify a node's TLS public key; the node keeps its private key.

    `hosts` are the DNS names and IP addresses the node is reached at (at least one);
    validity runs from five minutes before `now` for `valid_days` days.
    """
    _check_label("node_name", node_name)
    country = agency_country(agency_code)
    if country is None or not is_agency_code(agency_code):
        raise CertificateError(f"not an agency code (CC-NAME): {agency_code!r}")
    if valid_days < 1:
        raise CertificateError("valid_days must be at least 1")
    names = _general_names(hosts)
    ca_ski = certificate_extension(ca.certificate, x509.SubjectKeyIdentifier)
    if ca_ski is None:
        raise CertificateError("CA certificate lacks a subject key identifier")
    now = aware(now)
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, country),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, agency_code),
            x509.NameAttribute(NameOID.COMMON_NAME, node_name),
        ]
    )
    usages = [ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(ca.certificate.subject)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - _BACKDATE)
        .not_valid_after(min(now + timedelta(days=valid_days), ca.certificate.not_valid_after_utc))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(cert_sign=False), critical=True)
        .add_extension(x509.ExtendedKeyUsage(usages), critical=False)
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_ski), critical=False
        )
        .sign(ca.key, _hash_for(ca.key))
    )


def _key_usage(*, cert_sign: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=True,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=cert_sign,
        crl_sign=cert_sign,
        encipher_only=False,
        decipher_only=False,
    )


def _hash_for(key: TLSKey) -> hashes.SHA256 | None:
    """Ed25519 signs the message itself (RFC 8410); ECDSA P-256 pairs with SHA-256."""
    return None if isinstance(key, Ed25519PrivateKey) else hashes.SHA256()


def _general_names(hosts: Sequence[str]) -> list[x509.GeneralName]:
    if isinstance(hosts, str) or not hosts:
        raise CertificateError("a node certificate needs at least one host (DNS name or IP)")
    names: list[x509.GeneralName] = []
    for host in hosts:
        try:
            names.append(x509.IPAddress(ipaddress.ip_address(host)))
            continue
        except ValueError:
            pass
        if not _DNS_NAME.fullmatch(host):
            raise CertificateError(f"not a DNS name or IP address: {host!r}")
        names.append(x509.DNSName(host.lower()))
    return names


def _check_label(field: str, value: str) -> None:
    if not value or len(value) > 64 or not value.isprintable() or value != value.strip():
        raise CertificateError(f"{field} must be 1-64 printable characters without edge spaces")


def _spki(key: CertificatePublicKeyTypes) -> bytes:
    return key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
