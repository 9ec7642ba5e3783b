"""The node: its settings, database and identity, opened once per process."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from sqlalchemy import Engine, insert, select

from accord.crypto import NodeKeys, generate_node_keys, key_fingerprint
from accord.crypto.files import read_private_key, write_private_key
from accord.errors import AccordError, Conflict, FieldError, ValidationError
from accord.model import Principal, PrincipalKind, agency_code_problem
from accord.settings import Settings
from accord.store.db import create_db_engine, current_revision, head_revision, migrate
from accord.store.tables import node as node_table

__all__ = ["Node", "NodeNotInitialised", "init_node", "open_node"]


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


def _key_paths(settings: Settings) -> tuple[Path, Path]:
    keys = settings.home / "keys"
    return keys / "signing.pem", keys / "encryption.pem"


def _ensure_keys(settings: Settings) -> NodeKeys:
    """Create the node's Ed25519 signing and X25519 encryption keys once (mode 0600)."""
    signing_path, encryption_path = _key_paths(settings)
    if not signing_path.exists():
        signing_path.parent.mkdir(parents=True, exist_ok=True)
        fresh = generate_node_keys()
        write_private_key(signing_path, fresh.signing)
        write_private_key(encryption_path, fresh.encryption)
    return _load_keys(settings)


def _load_keys(settings: Settings) -> NodeKeys:
    signing_path, encryption_path = _key_paths(settings)
    if not signing_path.exists() or not encryption_path.exists():
        raise NodeNotInitialised(
            f"the node's keys are missing from {signing_path.parent}; restore them from backup"
        )
    signing = read_private_key(signing_path)
    encryption = read_private_key(encryption_path)
    if not isinstance(signing, Ed25519PrivateKey) or not isinstance(encryption, X25519PrivateKey):
        raise NodeNotInitialised("the node's key files hold keys of the wrong type")
    return NodeKeys(signing, encryption)


def init_node(settings: Settings, agency: str, name: str) -> Node:
    """Create the data directory and database, migrate, and record the node's identity."""
    problem = agency_code_problem(agency)
    if problem is not None:
        raise ValidationError(FieldError("agency", problem))
    if not name.strip():
        raise ValidationError(FieldError("name", "is required"))
    settings.home.mkdir(parents=True, exist_ok=True)
    keys = _ensure_keys(settings)
    engine = create_db_engine(settings.resolved_database_url)
    migrate(engine)
    with engine.begin() as conn:
        existing = conn.execute(select(node_table)).first()
        if existing is not None:
            if existing.agency != agency:
                raise Conflict(
                    f"this node is already initialised for {existing.agency}; "
                    "use a new ACCORD_HOME or database for another agency"
                )
            return Node(settings, engine, existing.agency, existing.name, keys)
        conn.execute(
            insert(node_table).values(
                id=1, agency=agency, name=name.strip(), created_at=datetime.now(UTC)
            )
        )
    return Node(settings, engine, agency, name.strip(), keys)


def open_node(settings: Settings, *, upgrade: bool = True) -> Node:
    """Open an initialised node, applying pending migrations when `upgrade` is set."""
    missing = NodeNotInitialised(
        f"no Accord node at {settings.home}: run `accord init --agency CC-NAME --name ...`"
    )
    if settings.database_url is None and not (settings.home / "accord.db").exists():
        raise missing
    engine = create_db_engine(settings.resolved_database_url)
    if current_revision(engine) is None:
        raise missing
    if upgrade and current_revision(engine) != head_revision():
        migrate(engine)
    with engine.connect() as conn:
        row = conn.execute(select(node_table)).first()
    if row is None:
        raise NodeNotInitialised("the database has no node identity: run `accord init`")
    return Node(settings, engine, row.agency, row.name, _load_keys(settings))
