"""The federation adapter: how nodes talk (docs/federation.md).

- `identity`: this node's id, TLS files and directory entry;
- `protocol`: the `/federation/v1` paths and JSON bodies;
- `peers`: partner nodes as stored; `client`: signed, pinned mutual-TLS calls to them;
- `nonces`: the replay guard's seen-set in the database;
- `pki`: the federation operator's files (CA, node certificates, signed directory);
- `retry`: when an undelivered message is tried again.

This adapter imports no service and no entry point. The partner-facing `/federation/v1` router
lives with the other routers (`accord.api.routers.partner`), the mutual-TLS listener with the
app it serves (`accord.api.server`), the outbox worker with the use cases whose messages it
delivers (`accord.services.outbox`), and the multi-node local cluster beside the demo that
starts it (`accord.cli.cluster`).
"""

from accord.federation.client import FederationClient, PartnerRefused, PartnerUnavailable, Reply
from accord.federation.identity import (
    FederationNotConfigured,
    TLSFiles,
    node_id,
    self_entry,
    tls_files,
)
from accord.federation.nonces import DbNonceStore
from accord.federation.peers import Peer, find_peer, key_lookup
from accord.federation.protocol import API_VERSION, PREFIX

__all__ = [
    "API_VERSION",
    "PREFIX",
    "DbNonceStore",
    "FederationClient",
    "FederationNotConfigured",
    "PartnerRefused",
    "PartnerUnavailable",
    "Peer",
    "Reply",
    "TLSFiles",
    "find_peer",
    "key_lookup",
    "node_id",
    "self_entry",
    "tls_files",
]
