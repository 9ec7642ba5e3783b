"""`ssl.SSLContext` objects for mutual TLS between federation nodes.

Both ends require TLS 1.3 (RFC 8446), present their node certificate, and trust exactly one
root: the federation CA — never the system trust store. The client also checks that the server
certificate names the host it dialled (RFC 9525). Certificates are verified with OpenSSL's strict
X.509 checks. Building a context reads the certificate and key files the caller names
(the standard library loads a certificate chain only from files); nothing else is touched.
"""

from __future__ import annotations

import os
import ssl

from accord.crypto.encoding import sha256_fingerprint

__all__ = ["StrPath", "client_context", "peer_certificate_fingerprint", "server_context"]

StrPath = str | os.PathLike[str]


def server_context(
    *,
    certfile: StrPath,
    keyfile: StrPath,
    ca_pem: bytes,
    key_password: bytes | None = None,
) -> ssl.SSLContext:
    """A server context that accepts only TLS 1.3 clients holding a certificate from the CA."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    _configure(context, certfile, keyfile, ca_pem, key_password)
    context.verify_mode = ssl.CERT_REQUIRED
    return context


def client_context(
    *,
    certfile: StrPath,
    keyfile: StrPath,
    ca_pem: bytes,
    key_password: bytes | None = None,
) -> ssl.SSLContext:
    """A client context that presents the node certificate, speaks only TLS 1.3, and accepts
    only servers whose certificate comes from the CA and names the host dialled."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    _configure(context, certfile, keyfile, ca_pem, key_password)
    context.check_hostname = True
    context.verify_mode = ssl.CERT_REQUIRED
    return context


def peer_certificate_fingerprint(connection: ssl.SSLSocket | ssl.SSLObject) -> str | None:
    """The SHA-256 fingerprint (`AB:CD:…`) of the certificate the other end presented, to compare
    with the pinned fingerprint of a partner; None before the handshake or without a certificate.

    Works as well on the low-level `_ssl._SSLSocket` that httpx reports as the `ssl_object` of a
    response's `network_stream`, which takes its argument by position only."""
    der = connection.getpeercert(True)
    return sha256_fingerprint(der) if der else None


def _configure(
    context: ssl.SSLContext,
    certfile: StrPath,
    keyfile: StrPath,
    ca_pem: bytes,
    key_password: bytes | None,
) -> None:
    context.minimum_version = ssl.TLSVersion.TLSv1_3
    context.verify_flags |= ssl.VERIFY_X509_STRICT
    context.load_cert_chain(certfile, keyfile, password=key_password)
    context.load_verify_locations(cadata=ca_pem.decode("ascii"))
