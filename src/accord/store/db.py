"""Engine creation and schema migration for SQLite (embedded) and PostgreSQL (production)."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, Table, create_engine, event
from sqlalchemy.dialects.postgresql import Insert as PgInsert
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import Insert as SqliteInsert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

__all__ = [
    "create_db_engine",
    "current_revision",
    "dialect_insert",
    "head_revision",
    "migrate",
    "placeholder",
]


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=10000")
    # 64 MiB page cache: index B-trees of a large ingest stay in memory (default is 2 MiB).
    cur.execute("PRAGMA cache_size=-65536")
    cur.execute("PRAGMA temp_store=MEMORY")
    cur.close()


def create_db_engine(url: str) -> Engine:
    """An engine for `url`; SQLite gets WAL, foreign keys and a busy timeout."""
    if url.startswith("sqlite"):
        path = url.split("///", 1)[1] if "///" in url else ""
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True)


def _config() -> Config:
    cfg = Config()
    location = resources.files("accord.store").joinpath("migrations")
    cfg.set_main_option("script_location", str(location))
    return cfg


def migrate(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to `revision` (Alembic), in one transaction where the database allows."""
    cfg = _config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)


def downgrade(engine: Engine, revision: str) -> None:
    """Take the schema back to `revision` (Alembic), e.g. to restore an older release."""
    cfg = _config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, revision)


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def head_revision() -> str | None:
    return ScriptDirectory.from_config(_config()).get_current_head()


def dialect_insert(conn: Connection, table: Table) -> PgInsert | SqliteInsert:
    """The dialect's INSERT, which offers `on_conflict_do_nothing` on both databases."""
    return pg_insert(table) if conn.dialect.name == "postgresql" else sqlite_insert(table)


def placeholder(conn: Connection) -> str:
    """The driver's parameter mark, for the few statements sent straight to the driver."""
    return "?" if conn.dialect.paramstyle == "qmark" else "%s"
