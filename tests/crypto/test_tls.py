"""Real TLS 1.3 handshakes over loopback between a server thread and a client, each with a
certificate from the federation CA — and the cases the handshake itself must refuse."""

from __future__ import annotations

import socket
import ssl
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from accord.crypto import (
    FederationCA,
    IssuedCertificate,
    KeyType,
    client_context,
    init_ca,
    issue_node_certificate,
    peer_certificate_fingerprint,
    server_context,
)
from accord.crypto.encoding import utc_now
from accord.crypto.files import write_certificate, write_private_key

TIMEOUT = 5.0


@dataclass
class Outcome:
    reply: bytes | None = None
    version: str | None = None
    client_error: Exception | None = None
    server_error: Exception | None = None
    server_saw: str | None = None
    client_saw: str | None = None
    client_saw_low_level: str | None = None


def files(tmp_path: Path, name: str, issued: IssuedCertificate) -> tuple[Path, Path]:
    cert, key = tmp_path / f"{name}.crt", tmp_path / f"{name}.key"
    write_certificate(cert, issued.certificate)
    write_private_key(key, issued.key, passphrase=b"tls key pass")
    return cert, key


def handshake(
    server_ctx: ssl.SSLContext, client_ctx: ssl.SSLContext, server_hostname: str = "127.0.0.1"
) -> Outcome:
    """Run one connection: the client sends b"ping", the server answers b"pong"."""
    outcome = Outcome()
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(TIMEOUT)
    port = listener.getsockname()[1]

    def serve() -> None:
        try:
            conn, _ = listener.accept()
            conn.settimeout(TIMEOUT)
            with server_ctx.wrap_socket(conn, server_side=True) as tls:
                outcome.server_saw = peer_certificate_fingerprint(tls)
                if tls.recv(4) == b"ping":
                    tls.sendall(b"pong")
        except (OSError, ssl.SSLError) as exc:
            outcome.server_error = exc

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        with (
            socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT) as raw,
            client_ctx.wrap_socket(raw, server_hostname=server_hostname) as tls,
        ):
            outcome.version = tls.version()
            outcome.client_saw = peer_certificate_fingerprint(tls)
            # httpx hands out this low-level object as a response's "ssl_object".
            outcome.client_saw_low_level = peer_certificate_fingerprint(tls._sslobj)  # type: ignore[attr-defined]
            tls.sendall(b"ping")
            outcome.reply = tls.recv(4) or None
    except (OSError, ssl.SSLError) as exc:
        outcome.client_error = exc
    finally:
        thread.join(TIMEOUT)
        listener.close()
    return outcome


def contexts(
    tmp_path: Path,
    server_ca: FederationCA,
    server: IssuedCertificate,
    client_ca: FederationCA,
    client: IssuedCertificate,
    trust: FederationCA,
) -> tuple[ssl.SSLContext, ssl.SSLContext]:
    s_cert, s_key = files(tmp_path, "server", server)
    c_cert, c_key = files(tmp_path, "client", client)
    pw = b"tls key pass"
    server_ctx = server_context(
        certfile=s_cert, keyfile=s_key, ca_pem=trust.certificate_pem, key_password=pw
    )
    client_ctx = client_context(
        certfile=c_cert, keyfile=c_key, ca_pem=trust.certificate_pem, key_password=pw
    )
    return server_ctx, client_ctx


def node(
    ca: FederationCA,
    name: str,
    agency: str,
    *,
    key_type: KeyType = "p256",
    valid_days: int = 365,
    now: datetime | None = None,
) -> IssuedCertificate:
    hosts = ["localhost", "127.0.0.1"]
    return issue_node_certificate(
        ca, name, agency, hosts, key_type=key_type, valid_days=valid_days, now=now
    )


@pytest.mark.parametrize("key_type", ["p256", "ed25519"])
def test_mutual_tls_13_handshake_succeeds_between_two_nodes_of_the_federation(
    tmp_path: Path, key_type: KeyType
) -> None:
    ca = init_ca("Handshake Federation", key_type=key_type)
    server = node(ca, "de-bka", "DE-BKA", key_type=key_type)
    client = node(ca, "nl-politie", "NL-POLITIE", key_type=key_type)
    server_ctx, client_ctx = contexts(tmp_path, ca, server, ca, client, trust=ca)
    outcome = handshake(server_ctx, client_ctx)
    assert outcome.client_error is None
    assert outcome.server_error is None
    assert outcome.reply == b"pong"
    assert outcome.version == "TLSv1.3"
    assert outcome.server_saw == client.fingerprint
    assert outcome.client_saw == server.fingerprint
    assert outcome.client_saw_low_level == server.fingerprint


def test_server_refuses_a_client_certificate_from_another_ca(
    tmp_path: Path, ca: FederationCA, other_ca: FederationCA
) -> None:
    server = node(ca, "de-bka", "DE-BKA")
    intruder = node(other_ca, "nl-politie", "NL-POLITIE")
    server_ctx, client_ctx = contexts(tmp_path, ca, server, other_ca, intruder, trust=ca)
    outcome = handshake(server_ctx, client_ctx)
    assert outcome.reply is None
    assert isinstance(outcome.server_error, ssl.SSLCertVerificationError)
    assert "unable to get local issuer certificate" in outcome.server_error.verify_message


def test_client_refuses_a_server_certificate_from_another_ca(
    tmp_path: Path, ca: FederationCA, other_ca: FederationCA
) -> None:
    impostor = node(other_ca, "de-bka", "DE-BKA")
    client = node(ca, "nl-politie", "NL-POLITIE")
    server_ctx, client_ctx = contexts(tmp_path, other_ca, impostor, ca, client, trust=ca)
    outcome = handshake(server_ctx, client_ctx)
    assert outcome.reply is None
    assert isinstance(outcome.client_error, ssl.SSLCertVerificationError)
    assert outcome.server_saw is None


def test_server_refuses_an_expired_client_certificate(tmp_path: Path, ca: FederationCA) -> None:
    server = node(ca, "de-bka", "DE-BKA")
    expired = node(ca, "nl-politie", "NL-POLITIE", valid_days=1, now=utc_now() - timedelta(days=3))
    server_ctx, client_ctx = contexts(tmp_path, ca, server, ca, expired, trust=ca)
    outcome = handshake(server_ctx, client_ctx)
    assert outcome.reply is None
    assert isinstance(outcome.server_error, ssl.SSLCertVerificationError)
    assert outcome.server_error.verify_message == "certificate has expired"


def test_client_refuses_an_expired_server_certificate(tmp_path: Path, ca: FederationCA) -> None:
    expired = node(ca, "de-bka", "DE-BKA", valid_days=1, now=utc_now() - timedelta(days=3))
    client = node(ca, "nl-politie", "NL-POLITIE")
    server_ctx, client_ctx = contexts(tmp_path, ca, expired, ca, client, trust=ca)
    outcome = handshake(server_ctx, client_ctx)
    assert outcome.reply is None
    assert isinstance(outcome.client_error, ssl.SSLCertVerificationError)
    assert outcome.client_error.verify_message == "certificate has expired"


def test_server_refuses_a_client_without_a_certificate(tmp_path: Path, ca: FederationCA) -> None:
    server = node(ca, "de-bka", "DE-BKA")
    server_ctx, _ = contexts(tmp_path, ca, server, ca, node(ca, "x", "NL-POLITIE"), trust=ca)
    anonymous = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    anonymous.minimum_version = ssl.TLSVersion.TLSv1_3
    anonymous.load_verify_locations(cadata=ca.certificate_pem.decode())
    outcome = handshake(server_ctx, anonymous)
    assert outcome.reply is None
    assert isinstance(outcome.server_error, ssl.SSLError)
    assert "PEER_DID_NOT_RETURN_A_CERTIFICATE" in str(outcome.server_error)


def test_server_refuses_a_client_limited_to_tls_12(tmp_path: Path, ca: FederationCA) -> None:
    server = node(ca, "de-bka", "DE-BKA")
    client = node(ca, "nl-politie", "NL-POLITIE")
    server_ctx, _ = contexts(tmp_path, ca, server, ca, client, trust=ca)
    c_cert, c_key = files(tmp_path, "old-client", client)
    old = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    old.maximum_version = ssl.TLSVersion.TLSv1_2
    old.load_cert_chain(c_cert, c_key, password=b"tls key pass")
    old.load_verify_locations(cadata=ca.certificate_pem.decode())
    outcome = handshake(server_ctx, old)
    assert outcome.reply is None
    assert outcome.version is None
    assert isinstance(outcome.server_error, ssl.SSLError)
    assert "UNSUPPORTED_PROTOCOL" in str(outcome.server_error)


def test_client_refuses_a_server_certificate_for_another_host(
    tmp_path: Path, ca: FederationCA
) -> None:
    elsewhere = issue_node_certificate(ca, "de-bka", "DE-BKA", ["de-bka.accord.test"])
    client = node(ca, "nl-politie", "NL-POLITIE")
    server_ctx, client_ctx = contexts(tmp_path, ca, elsewhere, ca, client, trust=ca)
    outcome = handshake(server_ctx, client_ctx, server_hostname="127.0.0.1")
    assert outcome.reply is None
    assert isinstance(outcome.client_error, ssl.SSLCertVerificationError)
    assert "IP address mismatch" in outcome.client_error.verify_message


def test_contexts_require_tls_13_certificates_and_trust_only_the_federation_ca(
    tmp_path: Path, ca: FederationCA
) -> None:
    cert, key = files(tmp_path, "n", node(ca, "n", "DE-BKA"))
    pw = b"tls key pass"
    for make in (server_context, client_context):
        ctx = make(certfile=cert, keyfile=key, ca_pem=ca.certificate_pem, key_password=pw)
        assert ctx.minimum_version == ssl.TLSVersion.TLSv1_3
        assert ctx.verify_mode == ssl.CERT_REQUIRED
        assert ctx.verify_flags & ssl.VERIFY_X509_STRICT
        assert [c["subject"] for c in ctx.get_ca_certs()] == [((("commonName", ca.name),),)]
    ctx = client_context(certfile=cert, keyfile=key, ca_pem=ca.certificate_pem, key_password=pw)
    assert ctx.check_hostname
