import ipaddress
from datetime import timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from accord.crypto import (
    CertificateError,
    FederationCA,
    KeyFormatError,
    generate_tls_key,
    init_ca,
    issue_node_certificate,
    load_ca,
    private_key_to_pem,
    sign_node_certificate,
)

from .conftest import NOW


def ext(cert: x509.Certificate, kind: type) -> x509.Extension[x509.ExtensionType]:
    return cert.extensions.get_extension_for_class(kind)


def test_ca_is_a_self_signed_p256_root_limited_to_signing_node_certificates(
    ca: FederationCA,
) -> None:
    cert = ca.certificate
    assert isinstance(ca.key, ec.EllipticCurvePrivateKey)
    assert isinstance(ca.key.curve, ec.SECP256R1)
    assert cert.subject == cert.issuer
    assert cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == ca.name
    constraints = ext(cert, x509.BasicConstraints)
    assert constraints.critical
    assert constraints.value.ca
    assert constraints.value.path_length == 0
    usage = ext(cert, x509.KeyUsage)
    assert usage.critical
    assert usage.value.key_cert_sign
    assert usage.value.crl_sign
    cert.verify_directly_issued_by(cert)
    assert isinstance(ca.directory_key, Ed25519PrivateKey)


def test_ca_validity_starts_slightly_before_now_and_lasts_the_days_asked() -> None:
    ca = init_ca("Short CA", valid_days=10, now=NOW)
    assert ca.certificate.not_valid_before_utc == NOW - timedelta(minutes=5)
    assert ca.certificate.not_valid_after_utc == NOW + timedelta(days=10)


def test_ed25519_ca_signs_with_ed25519() -> None:
    ca = init_ca("Edwards Federation", key_type="ed25519")
    assert isinstance(ca.key, Ed25519PrivateKey)
    issued = issue_node_certificate(ca, "de-bka", "DE-BKA", ["localhost"], key_type="ed25519")
    assert isinstance(issued.key, Ed25519PrivateKey)
    issued.certificate.verify_directly_issued_by(ca.certificate)


def test_node_certificate_carries_the_extensions_mutual_tls_needs(ca: FederationCA) -> None:
    issued = issue_node_certificate(
        ca, "de-bka-node1", "DE-BKA", ["node1.bka.de", "127.0.0.1", "::1"], now=NOW
    )
    cert = issued.certificate
    subject = {a.oid: a.value for a in cert.subject}
    assert subject == {
        NameOID.COUNTRY_NAME: "DE",
        NameOID.ORGANIZATION_NAME: "DE-BKA",
        NameOID.COMMON_NAME: "de-bka-node1",
    }
    assert cert.issuer == ca.certificate.subject
    constraints = ext(cert, x509.BasicConstraints)
    assert constraints.critical
    assert not constraints.value.ca
    usage = ext(cert, x509.KeyUsage)
    assert usage.critical
    assert usage.value.digital_signature
    assert not usage.value.key_cert_sign
    eku = ext(cert, x509.ExtendedKeyUsage).value
    assert set(eku) == {ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH}
    san = ext(cert, x509.SubjectAlternativeName).value
    assert san.get_values_for_type(x509.DNSName) == ["node1.bka.de"]
    assert san.get_values_for_type(x509.IPAddress) == [
        ipaddress.ip_address("127.0.0.1"),
        ipaddress.ip_address("::1"),
    ]
    ski = ext(cert, x509.SubjectKeyIdentifier).value
    assert ski == x509.SubjectKeyIdentifier.from_public_key(issued.key.public_key())
    aki = ext(cert, x509.AuthorityKeyIdentifier).value
    assert aki.key_identifier == ext(ca.certificate, x509.SubjectKeyIdentifier).value.digest
    cert.verify_directly_issued_by(ca.certificate)


def test_node_certificate_validity_is_the_days_asked_but_never_beyond_the_ca() -> None:
    ca = init_ca("Brief CA", valid_days=30, now=NOW)
    short = issue_node_certificate(ca, "n", "DE-BKA", ["localhost"], valid_days=7, now=NOW)
    assert short.certificate.not_valid_after_utc == NOW + timedelta(days=7)
    long = issue_node_certificate(ca, "n", "DE-BKA", ["localhost"], valid_days=365, now=NOW)
    assert long.certificate.not_valid_after_utc == ca.certificate.not_valid_after_utc


def test_each_certificate_gets_its_own_serial(ca: FederationCA) -> None:
    a = issue_node_certificate(ca, "a", "DE-BKA", ["localhost"])
    b = issue_node_certificate(ca, "a", "DE-BKA", ["localhost"])
    assert a.certificate.serial_number != b.certificate.serial_number


def test_a_node_keeping_its_own_key_gets_its_public_key_certified(ca: FederationCA) -> None:
    key = generate_tls_key()
    cert = sign_node_certificate(ca, key.public_key(), "ua-npu", "UA-NPU", ["ua.example"])
    assert cert.public_key() == key.public_key()


@pytest.mark.parametrize(
    ("agency", "hosts"),
    [
        ("BKA", ["localhost"]),
        ("XX-BKA", ["localhost"]),
        ("DE-BKA", []),
        ("DE-BKA", ["*.bka.de"]),
        ("DE-BKA", ["bad host"]),
        ("DE-BKA", ["-leading.dash"]),
    ],
)
def test_bad_agency_codes_and_hosts_are_refused(
    ca: FederationCA, agency: str, hosts: list[str]
) -> None:
    with pytest.raises(CertificateError):
        issue_node_certificate(ca, "node", agency, hosts)


def test_a_single_host_string_is_not_mistaken_for_a_list_of_characters(ca: FederationCA) -> None:
    with pytest.raises(CertificateError, match="at least one host"):
        issue_node_certificate(ca, "node", "DE-BKA", "localhost")


@pytest.mark.parametrize("name", ["", " padded", "x" * 65, "line\nbreak"])
def test_bad_node_names_are_refused(ca: FederationCA, name: str) -> None:
    with pytest.raises(CertificateError):
        issue_node_certificate(ca, name, "DE-BKA", ["localhost"])


def test_ca_reloads_from_pem_with_a_passphrase(ca: FederationCA) -> None:
    loaded = load_ca(
        ca.certificate_pem,
        private_key_to_pem(ca.key, b"pass"),
        private_key_to_pem(ca.directory_key, b"pass"),
        passphrase=b"pass",
    )
    assert loaded.name == ca.name
    assert loaded.fingerprint == ca.fingerprint
    issued = issue_node_certificate(loaded, "n", "NL-POLITIE", ["localhost"])
    issued.certificate.verify_directly_issued_by(ca.certificate)


def test_ca_reload_refuses_a_key_that_does_not_match_the_certificate(
    ca: FederationCA, other_ca: FederationCA
) -> None:
    with pytest.raises(CertificateError, match="does not match"):
        load_ca(
            ca.certificate_pem,
            private_key_to_pem(other_ca.key),
            private_key_to_pem(ca.directory_key),
        )


def test_ca_reload_refuses_a_node_certificate_as_ca(ca: FederationCA) -> None:
    issued = issue_node_certificate(ca, "n", "DE-BKA", ["localhost"])
    with pytest.raises(CertificateError, match="not a CA"):
        load_ca(
            issued.certificate_pem,
            private_key_to_pem(issued.key),
            private_key_to_pem(ca.directory_key),
        )


def test_ca_reload_refuses_an_x25519_key_as_ca_key(ca: FederationCA) -> None:
    from accord.crypto import generate_node_keys

    with pytest.raises(KeyFormatError):
        load_ca(
            ca.certificate_pem,
            private_key_to_pem(generate_node_keys().encryption),
            private_key_to_pem(ca.directory_key),
        )
