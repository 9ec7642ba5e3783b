"""Reading node certificates: who a certificate speaks for, whether the federation CA issued it,
and its fingerprint — what the federation checks when a partner is added or connects."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from accord.crypto.encoding import aware, sha256_fingerprint
from accord.crypto.errors import CertificateError

__all__ = [
    "CertificateIdentity",
    "certificate_extension",
    "certificate_fingerprint",
    "certificate_identity",
    "certificate_to_pem",
    "load_certificate_pem",
    "verify_node_certificate",
]

_E = TypeVar("_E", bound=x509.ExtensionType)


@dataclass(frozen=True, slots=True)
class CertificateIdentity:
    """Who a node certificate speaks for, read back from its subject and extensions."""

    node_name: str
    agency_code: str
    hosts: tuple[str, ...]
    fingerprint: str
    serial: int
    not_before: datetime
    not_after: datetime


def verify_node_certificate(
    ca_certificate: x509.Certificate, certificate: x509.Certificate, *, now: datetime | None = None
) -> CertificateIdentity:
    """Check that a node certificate was signed by the CA, is within its validity at `now`, and
    may serve both ends of mutual TLS; return who it speaks for. Raises CertificateError."""
    try:
        certificate.verify_directly_issued_by(ca_certificate)
    except (ValueError, TypeError, InvalidSignature) as exc:
        raise CertificateError("certificate was not issued by the federation CA") from exc
    now = aware(now)
    if not certificate.not_valid_before_utc <= now <= certificate.not_valid_after_utc:
        raise CertificateError("certificate is not valid at this time")
    usage = certificate_extension(certificate, x509.ExtendedKeyUsage)
    needed = {ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH}
    if usage is None or not needed <= set(usage):
        raise CertificateError("certificate is not for TLS server and client authentication")
    constraints = certificate_extension(certificate, x509.BasicConstraints)
    if constraints is None or constraints.ca:
        raise CertificateError("a node certificate must not be a CA certificate")
    return certificate_identity(certificate)


def certificate_identity(certificate: x509.Certificate) -> CertificateIdentity:
    """Read node name (CN), agency code (O) and hosts (SAN) from a node certificate."""
    cn = certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    org = certificate.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)
    if len(cn) != 1 or len(org) != 1:
        raise CertificateError("node certificate subject needs exactly one CN and one O")
    san = certificate_extension(certificate, x509.SubjectAlternativeName)
    hosts: list[str] = []
    if san is not None:
        hosts.extend(san.get_values_for_type(x509.DNSName))
        hosts.extend(str(ip) for ip in san.get_values_for_type(x509.IPAddress))
    return CertificateIdentity(
        node_name=str(cn[0].value),
        agency_code=str(org[0].value),
        hosts=tuple(hosts),
        fingerprint=certificate_fingerprint(certificate),
        serial=certificate.serial_number,
        not_before=certificate.not_valid_before_utc,
        not_after=certificate.not_valid_after_utc,
    )


def certificate_fingerprint(certificate: x509.Certificate) -> str:
    """SHA-256 over the certificate DER, as `AB:CD:…` — what `accord peers add --fingerprint`
    takes and what `openssl x509 -noout -fingerprint -sha256` prints."""
    return sha256_fingerprint(certificate.public_bytes(serialization.Encoding.DER))


def certificate_to_pem(certificate: x509.Certificate) -> bytes:
    return certificate.public_bytes(serialization.Encoding.PEM)


def load_certificate_pem(data: bytes) -> x509.Certificate:
    """Read one PEM certificate; raises CertificateError."""
    try:
        return x509.load_pem_x509_certificate(data)
    except ValueError as exc:
        raise CertificateError("cannot read certificate PEM") from exc


def certificate_extension(certificate: x509.Certificate, kind: type[_E]) -> _E | None:
    """The value of an extension of the given class, or None if the certificate lacks it."""
    try:
        return certificate.extensions.get_extension_for_class(kind).value
    except x509.ExtensionNotFound:
        return None
