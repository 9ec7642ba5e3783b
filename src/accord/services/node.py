"""Creating and opening the node: data directory, keys, database migrations, identity."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from sqlalchemy import insert, select

from accord.crypto import NodeKeys, generate_node_keys
from accord.crypto.files import read_private_key, write_private_key
from accord.errors import Conflict, FieldError, ValidationError
from accord.model import agency_code_problem
from accord.node import Node, NodeNotInitialised
from accord.settings import Settings
from accord.store.db import HEAD_REVISION, create_db_engine, current_revision, migrate
from accord.store.tables import node as node_table

__all__ = ["Node", "NodeNotInitialised", "init_node", "open_node"]


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
            node = Node(settings, engine, existing.agency, existing.name, keys)
            _head_log(node, seed=False)
            return node
        conn.execute(
            insert(node_table).values(
                id=1, agency=agency, name=name.strip(), created_at=datetime.now(UTC)
            )
        )
    node = Node(settings, engine, agency, name.strip(), keys)
    _head_log(node, seed=False)
    return node


#: The revision from which the node keeps a head log beside its database.
_HEAD_LOG_REVISION = "0006"


def _head_log(node: Node, *, seed: bool) -> None:
    """Create the head log of a new node, or of one upgraded to the revision that brings it
    (seeded from the database's heads then); see `accord.services.heads.ensure_head_log`."""
    from accord.services.heads import ensure_head_log  # the signer builds on the node

    ensure_head_log(node, seed=seed)


def open_node(settings: Settings, *, upgrade: bool = True) -> Node:
    """Open an initialised node, applying pending migrations when `upgrade` is set."""
    missing = NodeNotInitialised(
        f"no Accord node at {settings.home}: run `accord init --agency CC-NAME --name ...`"
    )
    if settings.database_url is None and not (settings.home / "accord.db").exists():
        raise missing
    engine = create_db_engine(settings.resolved_database_url)
    before = current_revision(engine)
    if before is None:
        raise missing
    if upgrade and before != HEAD_REVISION:
        migrate(engine)
    with engine.connect() as conn:
        row = conn.execute(select(node_table)).first()
    if row is None:
        raise NodeNotInitialised("the database has no node identity: run `accord init`")
    node = Node(settings, engine, row.agency, row.name, _load_keys(settings))
    if upgrade:
        _head_log(node, seed=before < _HEAD_LOG_REVISION)
    return node
