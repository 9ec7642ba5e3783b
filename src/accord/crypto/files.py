"""Key and certificate files: the one module of `accord.crypto` that touches the file system.

Private keys are written as PKCS#8 PEM with mode 0600, atomically (a temporary file in the same
directory, then a rename), and never overwrite an existing file unless asked. Reading a private
key refuses a file that group or others may read, as OpenSSH does. Certificates and public keys
are written with mode 0644.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from pathlib import Path

from cryptography import x509

from accord.crypto.certificates import certificate_to_pem, load_certificate_pem
from accord.crypto.errors import KeyFormatError
from accord.crypto.keys import PrivateKey, load_private_key_pem, private_key_to_pem

__all__ = [
    "PRIVATE_MODE",
    "PUBLIC_MODE",
    "read_certificate",
    "read_pem",
    "read_private_key",
    "read_private_pem",
    "write_certificate",
    "write_pem",
    "write_private_key",
]

PRIVATE_MODE = 0o600
PUBLIC_MODE = 0o644


def write_private_key(
    path: Path, key: PrivateKey, *, passphrase: bytes | None = None, overwrite: bool = False
) -> None:
    """Write a private key as PKCS#8 PEM with mode 0600 (encrypted if a passphrase is given)."""
    _write_atomic(path, private_key_to_pem(key, passphrase), PRIVATE_MODE, overwrite)


def read_private_key(path: Path, *, passphrase: bytes | None = None) -> PrivateKey:
    """Read a private key file; refuses one readable or writable by group or others."""
    return load_private_key_pem(read_private_pem(path), passphrase)


def read_private_pem(path: Path) -> bytes:
    """The PEM bytes of a private key file, for the typed loaders (`load_signing_key_pem`,
    `load_tls_key_pem`, `load_ca`); refuses a file readable or writable by group or others."""
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        raise KeyFormatError(f"private key file {path.name} has mode {mode:04o}; chmod 600 it")
    return path.read_bytes()


def write_certificate(path: Path, certificate: x509.Certificate, *, overwrite: bool = True) -> None:
    """Write a certificate as PEM with mode 0644."""
    _write_atomic(path, certificate_to_pem(certificate), PUBLIC_MODE, overwrite)


def read_certificate(path: Path) -> x509.Certificate:
    """Read one PEM certificate."""
    return load_certificate_pem(path.read_bytes())


def write_pem(path: Path, data: bytes, *, overwrite: bool = True) -> None:
    """Write public PEM data (a public key, a CA bundle) with mode 0644."""
    _write_atomic(path, data, PUBLIC_MODE, overwrite)


def read_pem(path: Path) -> bytes:
    """Read public PEM data as bytes."""
    return path.read_bytes()


def _write_atomic(path: Path, data: bytes, mode: int, overwrite: bool) -> None:
    """Write to a temporary file, then move it into place: a rename when overwriting, a hard
    link (which fails if the name is taken, with no window for a race) when not."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    tmp = Path(name)
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if overwrite:
            tmp.replace(path)
        else:
            path.hardlink_to(tmp)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
