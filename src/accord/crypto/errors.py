"""Errors of the crypto package. Each names one reason for refusing a key, a certificate, a
directory, a sealed payload or a signed federation message, so that callers can log the exact
reason while a partner only ever sees the stable `code` and a short message."""

from __future__ import annotations

from accord.errors import AccordError

__all__ = [
    "BadSignature",
    "BodyDigestMismatch",
    "CertificateError",
    "CryptoError",
    "DirectoryError",
    "KeyFormatError",
    "MalformedSignature",
    "MessageRejected",
    "ReplayedNonce",
    "SealError",
    "StaleTimestamp",
    "UnknownSender",
    "WrongTarget",
]


class CryptoError(AccordError):
    """Base of every refusal in `accord.crypto`."""

    status = 400
    code = "crypto_error"


class KeyFormatError(CryptoError):
    """A key that cannot be read: bad PEM/JWK/base64, wrong type, or wrong passphrase."""

    status = 422
    code = "invalid_key"


class CertificateError(CryptoError):
    """A certificate that is malformed, not issued by the federation CA, or out of validity."""

    status = 422
    code = "invalid_certificate"


class DirectoryError(CryptoError):
    """A partner directory whose signature, signer, format or serial is not acceptable."""

    status = 422
    code = "invalid_directory"


class SealError(CryptoError):
    """A sealed payload (JWE) that cannot be opened: wrong recipient, tampered, or malformed."""

    status = 400
    code = "unseal_failed"


class MessageRejected(CryptoError):
    """A signed federation message was refused. Subclasses say why."""

    status = 401
    code = "message_rejected"


class MalformedSignature(MessageRejected):
    """The signature header is missing, not a compact JWS, or lacks a required field."""

    status = 400
    code = "malformed_signature"


class UnknownSender(MessageRejected):
    """The `kid` names no node in the directory, or its entry has expired."""

    code = "unknown_sender"


class BadSignature(MessageRejected):
    """The signature does not verify under the sender's signing key."""

    code = "bad_signature"


class WrongTarget(MessageRejected):
    """The message was signed for another recipient, method, path, request or direction."""

    code = "wrong_target"


class BodyDigestMismatch(MessageRejected):
    """The body received is not the body that was signed."""

    code = "body_digest_mismatch"


class StaleTimestamp(MessageRejected):
    """The `iat` timestamp lies outside the accepted window around now."""

    code = "stale_timestamp"


class ReplayedNonce(MessageRejected):
    """The (sender, nonce) pair was already accepted within the window."""

    code = "replayed_nonce"
