from datetime import timedelta

import pytest

from accord.crypto import (
    CertificateError,
    FederationCA,
    certificate_fingerprint,
    certificate_identity,
    certificate_to_pem,
    init_ca,
    issue_node_certificate,
    load_certificate_pem,
    parse_fingerprint,
    verify_node_certificate,
)
from accord.crypto.encoding import sha256_fingerprint

from .conftest import NOW


def test_identity_reads_node_agency_and_hosts_back(ca: FederationCA) -> None:
    issued = issue_node_certificate(
        ca, "nl-politie", "NL-POLITIE", ["politie.example", "10.0.0.7"], now=NOW
    )
    identity = certificate_identity(issued.certificate)
    assert identity.node_name == "nl-politie"
    assert identity.agency_code == "NL-POLITIE"
    assert identity.hosts == ("politie.example", "10.0.0.7")
    assert identity.fingerprint == issued.fingerprint
    assert identity.serial == issued.certificate.serial_number
    assert identity.not_after == NOW + timedelta(days=365)


def test_certificate_fingerprint_is_sha256_of_the_der_and_survives_pem(ca: FederationCA) -> None:
    from cryptography.hazmat.primitives import serialization

    issued = issue_node_certificate(ca, "n", "DE-BKA", ["localhost"])
    der = issued.certificate.public_bytes(serialization.Encoding.DER)
    assert certificate_fingerprint(issued.certificate) == sha256_fingerprint(der)
    reloaded = load_certificate_pem(certificate_to_pem(issued.certificate))
    assert certificate_fingerprint(reloaded) == issued.fingerprint
    assert parse_fingerprint(issued.fingerprint.lower().replace(":", "")) == issued.fingerprint


def test_verify_accepts_a_current_certificate_from_the_ca(ca: FederationCA) -> None:
    issued = issue_node_certificate(ca, "de-bka", "DE-BKA", ["localhost"], now=NOW)
    identity = verify_node_certificate(ca.certificate, issued.certificate, now=NOW)
    assert identity.agency_code == "DE-BKA"


def test_verify_refuses_a_certificate_from_another_ca(
    ca: FederationCA, other_ca: FederationCA
) -> None:
    issued = issue_node_certificate(other_ca, "intruder", "DE-BKA", ["localhost"], now=NOW)
    with pytest.raises(CertificateError, match="not issued by the federation CA"):
        verify_node_certificate(ca.certificate, issued.certificate, now=NOW)


def test_verify_refuses_a_certificate_from_a_ca_with_the_same_name(ca: FederationCA) -> None:
    impostor = init_ca(ca.name)
    issued = issue_node_certificate(impostor, "intruder", "DE-BKA", ["localhost"], now=NOW)
    with pytest.raises(CertificateError):
        verify_node_certificate(ca.certificate, issued.certificate, now=NOW)


def test_verify_refuses_expired_and_not_yet_valid_certificates(ca: FederationCA) -> None:
    issued = issue_node_certificate(ca, "n", "DE-BKA", ["localhost"], valid_days=1, now=NOW)
    with pytest.raises(CertificateError, match="not valid at this time"):
        verify_node_certificate(ca.certificate, issued.certificate, now=NOW + timedelta(days=2))
    with pytest.raises(CertificateError, match="not valid at this time"):
        verify_node_certificate(ca.certificate, issued.certificate, now=NOW - timedelta(hours=1))


def test_verify_refuses_the_ca_certificate_itself_as_a_node(ca: FederationCA) -> None:
    with pytest.raises(CertificateError):
        verify_node_certificate(ca.certificate, ca.certificate)


def test_unreadable_pem_is_a_certificate_error() -> None:
    with pytest.raises(CertificateError):
        load_certificate_pem(b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")
