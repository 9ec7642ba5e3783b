"""Partner management: add a partner by URL and TLS fingerprint, import the signed partner
directory, list and remove partners. Only a node administrator changes partners."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from urllib.parse import urlsplit

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from accord.crypto import (
    KeyFormatError,
    PartnerDirectory,
    encryption_key_from_jwk,
    load_public_key_pem,
    parse_fingerprint,
    public_key_to_pem,
    signing_key_from_jwk,
    verify_directory,
)
from accord.errors import FieldError, Forbidden, NotFound, ValidationError
from accord.federation.client import PartnerUnavailable, client_for
from accord.federation.identity import node_id
from accord.federation.peers import Peer
from accord.model import Principal, is_agency_code
from accord.services.audit import Event, record_event
from accord.services.node import Node
from accord.store import federation as store
from accord.store.federation import DirectoryRow

__all__ = ["add_peer", "import_directory", "list_peers", "remove_peer", "usable_peers"]

ADMIN_ROLE = "node_admin"


def _require_admin(principal: Principal) -> None:
    if ADMIN_ROLE not in principal.roles:
        raise Forbidden("only a node_admin may change partners")


def list_peers(node: Node) -> list[Peer]:
    """Every partner this node knows, expired entries included."""
    with node.engine.connect() as conn:
        return [Peer.from_row(r) for r in store.list_peers(conn)]


def usable_peers(node: Node, names: Sequence[str] | None = None) -> list[Peer]:
    """The partners to ask: the named ones (each must be a known, valid partner), or all."""
    now = datetime.now(UTC)
    own = node_id(node)
    valid = {p.node_id: p for p in list_peers(node) if p.is_valid(now) and p.node_id != own}
    if names is None:
        return list(valid.values())
    unknown = [n for n in names if n not in valid]
    if unknown:
        raise ValidationError(
            FieldError("partners", f"not a current partner of this node: {', '.join(unknown)}")
        )
    return [valid[n] for n in dict.fromkeys(names)]


def add_peer(node: Node, principal: Principal, url: str, fingerprint: str) -> Peer:
    """Add (or refresh) the partner answering at `url`, whose TLS certificate must have
    `fingerprint` (SHA-256, read out of band): its node id, agency and keys are fetched over a
    connection pinned to that certificate."""
    _require_admin(principal)
    parts = urlsplit(url)
    if parts.scheme != "https" or not parts.netloc:
        raise ValidationError(FieldError("url", "must be an https:// URL"))
    try:
        pin = parse_fingerprint(fingerprint)
    except ValueError as exc:
        raise ValidationError(FieldError("fingerprint", str(exc))) from exc
    info = client_for(node).node_info(url, pin)
    if info.node_id == node_id(node):
        raise ValidationError(FieldError("url", "this is this node's own address"))
    if not is_agency_code(info.agency_code):
        raise PartnerUnavailable(f"{url} describes itself with a malformed agency code")
    try:
        peer = Peer(
            node_id=info.node_id,
            agency_code=info.agency_code,
            url=url.rstrip("/"),
            signing_key=signing_key_from_jwk(info.signing_key),
            encryption_key=encryption_key_from_jwk(info.encryption_key),
            tls_fingerprint=pin,
            valid_until=None,
            source="manual",
        )
    except KeyFormatError as exc:
        raise PartnerUnavailable(f"{url} describes itself with malformed keys") from exc
    with node.engine.begin() as conn:
        store.put_peer(conn, peer.to_row(datetime.now(UTC)))
        record_event(
            conn,
            Event.PARTNER_CHANGE,
            principal,
            {
                "change": "add",
                "partner": peer.node_id,
                "agency": peer.agency_code,
                "url": peer.url,
                "tls_fingerprint": pin,
            },
        )
    return peer


def remove_peer(node: Node, principal: Principal, partner: str) -> None:
    _require_admin(principal)
    with node.engine.begin() as conn:
        if not store.delete_peer(conn, partner):
            raise NotFound(f"no partner {partner!r}")
        record_event(
            conn, Event.PARTNER_CHANGE, principal, {"change": "remove", "partner": partner}
        )


def _directory_key(pem: bytes) -> Ed25519PublicKey:
    key = load_public_key_pem(pem)
    if not isinstance(key, Ed25519PublicKey):
        raise ValidationError(FieldError("directory_key", "must be an Ed25519 public key"))
    return key


def import_directory(
    node: Node, principal: Principal, token: str, directory_key_pem: bytes | None = None
) -> PartnerDirectory:
    """Verify a signed partner directory and make its entries this node's partners.

    The first import needs the federation's directory public key (compare its fingerprint with
    the operator's out of band); later imports reuse the key kept with the last edition unless
    another is given. An edition older than the one held is refused (DirectoryError)."""
    _require_admin(principal)
    with node.engine.connect() as conn:
        latest = store.latest_directory(conn)
    if directory_key_pem is not None:
        key = _directory_key(directory_key_pem)
    elif latest is not None:
        key = _directory_key(latest.directory_key.encode("ascii"))
    else:
        raise ValidationError(
            FieldError("directory_key", "the first import needs the directory public key")
        )
    directory = verify_directory(
        token.strip(), key, min_serial=latest.serial if latest is not None else None
    )
    own = node_id(node)
    now = datetime.now(UTC)
    with node.engine.begin() as conn:
        store.insert_directory(
            conn,
            DirectoryRow(
                serial=directory.serial,
                federation=directory.federation,
                issued_at=directory.issued_at,
                directory_key=public_key_to_pem(key).decode("ascii"),
                token=token.strip(),
                imported_at=now,
            ),
        )
        listed = {e.node_id for e in directory.entries}
        for row in store.list_peers(conn):
            if row.source == "directory" and row.node_id not in listed:
                store.delete_peer(conn, row.node_id)
        for entry in directory.entries:
            if entry.node_id != own:
                store.put_peer(conn, Peer.from_entry(entry).to_row(now))
        record_event(
            conn,
            Event.PARTNER_CHANGE,
            principal,
            {
                "change": "directory",
                "federation": directory.federation,
                "serial": directory.serial,
                "partners": sorted(listed - {own}),
            },
        )
    return directory
