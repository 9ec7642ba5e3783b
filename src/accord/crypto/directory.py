"""The signed partner directory: the list of federation nodes, their URLs and keys, as vouched
for by the federation's directory key.

It travels as a compact JWS (RFC 7515 §7.1) with an embedded payload: the UTF-8 JSON document

    {"federation": "…", "serial": 7, "issued_at": "2026-01-01T00:00:00Z",
     "entries": [{"node_id": "de-bka", "agency_code": "DE-BKA",
                  "url": "https://de-bka.example:8443",
                  "signing_key": {"kty": "OKP", "crv": "Ed25519", "x": "…"},
                  "encryption_key": {"kty": "OKP", "crv": "X25519", "x": "…"},
                  "tls_fingerprint": "AB:CD:…", "valid_until": "2027-01-01T00:00:00Z"}]}

signed with protected header {"alg": "Ed25519", "typ": "accord-directory+jws", "kid": <SHA-256
fingerprint of the directory public key>}. The serial grows with each edition, so that a node can
refuse to go back to an older one.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PublicKey
from joserfc import jws
from joserfc.errors import JoseError

from accord.crypto.encoding import aware, parse_fingerprint
from accord.crypto.errors import CryptoError, DirectoryError
from accord.crypto.jose import JWS_ALG, decode_protected_header, jws_registry, okp_key
from accord.crypto.keys import (
    encryption_key_from_jwk,
    key_fingerprint,
    public_jwk,
    signing_key_from_jwk,
)
from accord.errors import FieldError, ValidationError
from accord.model import is_agency_code

__all__ = [
    "DIRECTORY_TYP",
    "PartnerDirectory",
    "PartnerEntry",
    "sign_directory",
    "verify_directory",
]

DIRECTORY_TYP = "accord-directory+jws"
_MAX_DIRECTORY = 4 * 1024 * 1024
_REGISTRY = jws_registry({}, max_payload=_MAX_DIRECTORY)
_NODE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
_URL = re.compile(r"https://[A-Za-z0-9.\-\[\]:]+(/[\x21-\x7e]*)?")


@dataclass(frozen=True, slots=True)
class PartnerEntry:
    """One node of the federation as the directory describes it."""

    node_id: str
    agency_code: str
    url: str
    signing_key: Ed25519PublicKey
    encryption_key: X25519PublicKey
    tls_fingerprint: str
    valid_until: datetime

    def __post_init__(self) -> None:
        errors: list[FieldError] = []
        if not _NODE_ID.fullmatch(self.node_id):
            errors.append(FieldError("node_id", "1-64 letters, digits, '.', '_' or '-'"))
        if not is_agency_code(self.agency_code):
            errors.append(FieldError("agency_code", "not an agency code (CC-NAME)"))
        if not _URL.fullmatch(self.url):
            errors.append(FieldError("url", "must be an https:// URL"))
        if not isinstance(self.signing_key, Ed25519PublicKey):
            errors.append(FieldError("signing_key", "must be an Ed25519 public key"))
        if not isinstance(self.encryption_key, X25519PublicKey):
            errors.append(FieldError("encryption_key", "must be an X25519 public key"))
        try:
            canonical = parse_fingerprint(self.tls_fingerprint)
        except ValueError as exc:
            errors.append(FieldError("tls_fingerprint", str(exc)))
        else:
            object.__setattr__(self, "tls_fingerprint", canonical)
        if self.valid_until.tzinfo is None:
            errors.append(FieldError("valid_until", "must carry a timezone"))
        if errors:
            raise ValidationError(errors)

    def is_valid(self, now: datetime) -> bool:
        """Whether the entry may still be used at `now`."""
        return now <= self.valid_until

    def to_dict(self) -> dict[str, Any]:
        return {
            "node_id": self.node_id,
            "agency_code": self.agency_code,
            "url": self.url,
            "signing_key": public_jwk(self.signing_key),
            "encryption_key": public_jwk(self.encryption_key),
            "tls_fingerprint": self.tls_fingerprint,
            "valid_until": _format_time(self.valid_until),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> PartnerEntry:
        """Read an entry; raises ValidationError or KeyFormatError."""
        expected = {
            "node_id",
            "agency_code",
            "url",
            "signing_key",
            "encryption_key",
            "tls_fingerprint",
            "valid_until",
        }
        if not isinstance(data, dict) or set(data) != expected:
            raise ValidationError(
                FieldError("entry", "needs exactly: " + ", ".join(sorted(expected)))
            )
        for name in ("node_id", "agency_code", "url", "tls_fingerprint"):
            if not isinstance(data[name], str):
                raise ValidationError(FieldError(name, "must be a string"))
        return cls(
            node_id=data["node_id"],
            agency_code=data["agency_code"],
            url=data["url"],
            signing_key=signing_key_from_jwk(data["signing_key"]),
            encryption_key=encryption_key_from_jwk(data["encryption_key"]),
            tls_fingerprint=data["tls_fingerprint"],
            valid_until=_parse_time("valid_until", data["valid_until"]),
        )


@dataclass(frozen=True, slots=True)
class PartnerDirectory:
    """One edition of the federation's partner directory."""

    federation: str
    serial: int
    issued_at: datetime
    entries: tuple[PartnerEntry, ...]
    _by_id: dict[str, PartnerEntry] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        errors: list[FieldError] = []
        if not self.federation or len(self.federation) > 64:
            errors.append(FieldError("federation", "1-64 characters"))
        if type(self.serial) is not int or self.serial < 1:
            errors.append(FieldError("serial", "a positive integer"))
        if self.issued_at.tzinfo is None:
            errors.append(FieldError("issued_at", "must carry a timezone"))
        entries = tuple(sorted(self.entries, key=lambda e: e.node_id))
        by_id = {e.node_id: e for e in entries}
        if len(by_id) != len(entries):
            errors.append(FieldError("entries", "node ids must be unique"))
        if errors:
            raise ValidationError(errors)
        object.__setattr__(self, "entries", entries)
        object.__setattr__(self, "_by_id", by_id)

    @classmethod
    def build(
        cls,
        federation: str,
        serial: int,
        entries: Iterable[PartnerEntry],
        *,
        issued_at: datetime | None = None,
    ) -> PartnerDirectory:
        return cls(federation, serial, aware(issued_at).replace(microsecond=0), tuple(entries))

    def entry(self, node_id: str, now: datetime | None = None) -> PartnerEntry | None:
        """The entry of a node, or None if the directory has none or it has expired at `now`."""
        found = self._by_id.get(node_id)
        if found is None or not found.is_valid(aware(now)):
            return None
        return found

    def signing_key(self, node_id: str, now: datetime | None = None) -> Ed25519PublicKey | None:
        """The signing key of a node that is valid at `now` — a `messages.KeyLookup`."""
        found = self.entry(node_id, now)
        return found.signing_key if found else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "federation": self.federation,
            "serial": self.serial,
            "issued_at": _format_time(self.issued_at),
            "entries": [e.to_dict() for e in self.entries],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> PartnerDirectory:
        expected = {"federation", "serial", "issued_at", "entries"}
        if not isinstance(data, dict) or set(data) != expected:
            raise ValidationError(
                FieldError("directory", "needs exactly: " + ", ".join(sorted(expected)))
            )
        if not isinstance(data["federation"], str) or not isinstance(data["entries"], list):
            raise ValidationError(FieldError("directory", "federation is a string, entries a list"))
        return cls(
            federation=data["federation"],
            serial=data["serial"],
            issued_at=_parse_time("issued_at", data["issued_at"]),
            entries=tuple(PartnerEntry.from_dict(e) for e in data["entries"]),
        )


def sign_directory(directory: PartnerDirectory, key: Ed25519PrivateKey) -> str:
    """Sign a directory edition with the federation directory key; returns the compact JWS."""
    payload = json.dumps(directory.to_dict(), ensure_ascii=False, separators=(",", ":"))
    header = {"alg": JWS_ALG, "typ": DIRECTORY_TYP, "kid": key_fingerprint(key.public_key())}
    return jws.serialize_compact(header, payload.encode("utf-8"), okp_key(key), registry=_REGISTRY)


def verify_directory(
    token: str, key: Ed25519PublicKey, *, min_serial: int | None = None
) -> PartnerDirectory:
    """Verify a signed directory against the federation directory key and read it.

    `min_serial` is the serial of the edition already held: an older edition is refused
    (rollback); the same edition is accepted again. Raises DirectoryError.
    """
    try:
        header, _ = decode_protected_header(token, max_length=2 * _MAX_DIRECTORY)
    except ValueError as exc:
        raise DirectoryError("directory is not a compact JWS") from exc
    if set(header) != {"alg", "typ", "kid"}:
        raise DirectoryError("directory header must carry exactly alg, typ and kid")
    if header.get("typ") != DIRECTORY_TYP or header.get("alg") != JWS_ALG:
        raise DirectoryError(f"directory must be a {DIRECTORY_TYP} signed with {JWS_ALG}")
    if header.get("kid") != key_fingerprint(key):
        raise DirectoryError("directory was signed by another key")
    try:
        signed = jws.deserialize_compact(token, okp_key(key), registry=_REGISTRY)
    except JoseError as exc:
        raise DirectoryError("directory signature does not verify") from exc
    try:
        directory = PartnerDirectory.from_dict(json.loads(signed.payload))
    except (ValueError, RecursionError, CryptoError, ValidationError) as exc:
        raise DirectoryError(f"directory content is invalid: {exc}") from exc
    if min_serial is not None and directory.serial < min_serial:
        raise DirectoryError(f"directory serial {directory.serial} is older than {min_serial}")
    return directory


def _format_time(value: datetime) -> str:
    return value.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _parse_time(name: str, value: object) -> datetime:
    if not isinstance(value, str) or not value.endswith("Z"):
        raise ValidationError(FieldError(name, "an RFC 3339 UTC time ending in Z"))
    try:
        return datetime.fromisoformat(value[:-1] + "+00:00")
    except ValueError as exc:
        raise ValidationError(FieldError(name, "an RFC 3339 UTC time ending in Z")) from exc
