"""Sealing TOTP secrets at rest. A TOTP secret must be readable to check codes, so it cannot be
hashed; it is encrypted with AES-256-GCM under a key derived (HKDF-SHA256, RFC 5869) from the
node's own private key, and bound to the user name as associated data. A copy of the database
alone does not yield the secrets, and a sealed secret moved to another user does not open."""

from __future__ import annotations

import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

__all__ = ["SealedSecretError", "derive_sealing_key", "open_secret", "seal_secret"]

_INFO = b"accord totp secret sealing v1"
_NONCE = 12


class SealedSecretError(Exception):
    """A sealed secret that does not open: wrong key, wrong user, or altered bytes."""


def derive_sealing_key(node_key_material: bytes) -> bytes:
    """A 256-bit AES key from the node's private key bytes."""
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_INFO).derive(
        node_key_material
    )


def _aad(username: str) -> bytes:
    return b"user:" + username.encode("utf-8")


def seal_secret(key: bytes, username: str, secret: str) -> bytes:
    """nonce ‖ ciphertext+tag."""
    nonce = os.urandom(_NONCE)
    return nonce + AESGCM(key).encrypt(nonce, secret.encode("ascii"), _aad(username))


def open_secret(key: bytes, username: str, sealed: bytes) -> str:
    try:
        plain = AESGCM(key).decrypt(sealed[:_NONCE], sealed[_NONCE:], _aad(username))
    except (InvalidTag, ValueError) as exc:
        raise SealedSecretError(f"the TOTP secret of {username!r} does not open") from exc
    return plain.decode("ascii")
