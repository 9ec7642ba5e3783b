"""The node handle: its settings, database engine, identity and keys, opened once per process.

It sits below the use cases (`services`) and the adapters (`store`, `federation`), so that every
layer can take the handle without importing the layer that opens it (`services.node`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine

from accord.crypto import NodeKeys, key_fingerprint
from accord.errors import AccordError
from accord.model import Principal, PrincipalKind
from accord.settings import Settings

__all__ = ["Node", "NodeNotInitialised"]


class NodeNotInitialised(AccordError):
    status = 503
    code = "node_not_initialised"


@dataclass(frozen=True, slots=True)
class Node:
    settings: Settings
    engine: Engine
    agency: str
    name: str
    keys: NodeKeys
    #: Per-process caches of derived state (e.g. the compiled agreement set and its revision).
    cache: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def signing_fingerprint(self) -> str:
        """SHA-256 fingerprint of the node's Ed25519 public key (as in the partner directory)."""
        return key_fingerprint(self.keys.signing.public_key())

    def operator(self, name: str = "cli") -> Principal:
        """The node's own administrator acting in-process as `name` (tests, setup scripts).
        The command line never uses the default: it names its operator or acts as the
        logged-in user (see docs/security.md)."""
        return Principal(
            subject=name,
            agency=self.agency,
            kind=PrincipalKind.OPERATOR,
            roles=frozenset({"node_admin", "analyst", "investigator"}),
        )
