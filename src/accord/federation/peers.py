"""Partner nodes as this node knows them: from the signed partner directory or added by hand,
kept in the `federation_peers` table. A partner's entry is the only source of its signing key,
its agency code (which the policy engine decides on) and the TLS fingerprint pinned on every
call to it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PublicKey
from sqlalchemy import Engine

from accord.crypto import (
    KeyLookup,
    PartnerEntry,
    encryption_key_from_b64,
    public_key_b64,
    signing_key_from_b64,
)
from accord.store import federation as store
from accord.store.federation import PeerRow

__all__ = ["Peer", "find_peer", "key_lookup"]


@dataclass(frozen=True, slots=True)
class Peer:
    """A partner node. `valid_until` None: added by hand, valid until removed."""

    node_id: str
    agency_code: str
    url: str
    signing_key: Ed25519PublicKey
    encryption_key: X25519PublicKey
    tls_fingerprint: str
    valid_until: datetime | None
    source: str

    def is_valid(self, now: datetime) -> bool:
        return self.valid_until is None or now <= self.valid_until

    @classmethod
    def from_entry(cls, entry: PartnerEntry, source: str = "directory") -> Peer:
        return cls(
            node_id=entry.node_id,
            agency_code=entry.agency_code,
            url=entry.url.rstrip("/"),
            signing_key=entry.signing_key,
            encryption_key=entry.encryption_key,
            tls_fingerprint=entry.tls_fingerprint,
            valid_until=entry.valid_until,
            source=source,
        )

    @classmethod
    def from_row(cls, row: PeerRow) -> Peer:
        return cls(
            node_id=row.node_id,
            agency_code=row.agency_code,
            url=row.url,
            signing_key=signing_key_from_b64(row.signing_key),
            encryption_key=encryption_key_from_b64(row.encryption_key),
            tls_fingerprint=row.tls_fingerprint,
            valid_until=row.valid_until,
            source=row.source,
        )

    def to_row(self, added_at: datetime) -> PeerRow:
        return PeerRow(
            node_id=self.node_id,
            agency_code=self.agency_code,
            url=self.url,
            signing_key=public_key_b64(self.signing_key),
            encryption_key=public_key_b64(self.encryption_key),
            tls_fingerprint=self.tls_fingerprint,
            valid_until=self.valid_until,
            source=self.source,
            added_at=added_at,
        )


def find_peer(engine: Engine, node_id: str, now: datetime | None = None) -> Peer | None:
    """The partner with this node id, if it is known and its entry has not expired."""
    with engine.connect() as conn:
        row = store.get_peer(conn, node_id)
    if row is None:
        return None
    peer = Peer.from_row(row)
    return peer if peer.is_valid(now or datetime.now(UTC)) else None


def key_lookup(engine: Engine) -> KeyLookup:
    """A `accord.crypto.KeyLookup` over the partner table: the signing key of a valid partner."""

    def lookup(node_id: str) -> Ed25519PublicKey | None:
        peer = find_peer(engine, node_id)
        return peer.signing_key if peer is not None else None

    return lookup
