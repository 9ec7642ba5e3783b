"""Engine creation and schema migration for SQLite (embedded) and PostgreSQL (production)."""

from __future__ import annotations

import fcntl
import os
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine, Table, create_engine, event, inspect, text

if TYPE_CHECKING:
    from alembic.config import Config
    from sqlalchemy.dialects.postgresql import Insert as PgInsert
    from sqlalchemy.dialects.sqlite import Insert as SqliteInsert

__all__ = [
    "HEAD_REVISION",
    "create_db_engine",
    "current_revision",
    "dialect_insert",
    "head_revision",
    "migrate",
    "placeholder",
    "write_turn",
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
    # Reads through a memory map of up to 2 GiB of the file (address space, not memory): a
    # page not in the connection's cache is read in place instead of copied by a read() call
    # (decision 0037: a third off random document look-ups in a registry of millions).
    cur.execute("PRAGMA mmap_size=2147483648")
    cur.close()


class _Turn:
    """One SQLite file's writers' turn in this process: a thread lock, then an exclusive
    `flock` on an open file beside the database."""

    def __init__(self, path: str) -> None:
        self.threads = threading.Lock()
        self.fd = os.open(path + "-writer.lock", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)


_TURNS: dict[str, _Turn] = {}
_TURNS_LOCK = threading.Lock()


def _forget_turns_in_child() -> None:
    """A forked child starts with no turn: the inherited descriptors share the parent's
    `flock` (the lock belongs to the open file, not the process) and a thread lock may have
    been held by a parent's thread at the fork. The parent's hold is not affected."""
    global _TURNS_LOCK
    for turn in _TURNS.values():
        os.close(turn.fd)
    _TURNS.clear()
    _TURNS_LOCK = threading.Lock()


os.register_at_fork(after_in_child=_forget_turns_in_child)


@contextmanager
def write_turn(engine: Engine) -> Iterator[None]:
    """Hold the writers' turn of a SQLite database file for a write transaction made often
    from several processes (the document checks' ledger entries, one journal per server
    process). SQLite's busy handler retries a held write lock after sleeping 1, 2, 5, 10, 15,
    20, 25 … 100 ms, so two processes writing a few hundred times a second keep one another
    waiting tens of milliseconds; an `flock` is handed to the next waiter as soon as it is
    released. Writers that do not take the turn still get SQLite's busy timeout. A no-op on
    PostgreSQL and on in-memory databases."""
    path = engine.url.database if engine.dialect.name == "sqlite" else None
    if not path or path == ":memory:" or path.startswith("file:"):
        yield
        return
    with _TURNS_LOCK:
        turn = _TURNS.get(path)
        if turn is None:
            turn = _TURNS[path] = _Turn(path)
    with turn.threads:
        fcntl.flock(turn.fd, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(turn.fd, fcntl.LOCK_UN)


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


#: The newest migration. Opening a node compares the database with this, so that a command
#: need not load Alembic (a fifth of a second) to learn there is nothing to do; a test keeps
#: it equal to Alembic's own head.
HEAD_REVISION = "0016"


def _config() -> Config:
    from alembic.config import Config

    cfg = Config()
    location = resources.files("accord.store").joinpath("migrations")
    cfg.set_main_option("script_location", str(location))
    return cfg


def migrate(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to `revision` (Alembic), in one transaction where the database allows."""
    from alembic import command

    cfg = _config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)


def downgrade(engine: Engine, revision: str) -> None:
    """Take the schema back to `revision` (Alembic), e.g. to restore an older release."""
    from alembic import command

    cfg = _config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, revision)


def current_revision(engine: Engine) -> str | None:
    """The schema's revision as Alembic recorded it (None: no schema yet)."""
    with engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return None
        rows = conn.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
    if len(rows) > 1:
        raise RuntimeError(f"the database records several schema heads: {sorted(rows)}")
    return rows[0] if rows else None


def head_revision() -> str | None:
    """The newest revision among the migration scripts, as Alembic reads them."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(_config()).get_current_head()


def dialect_insert(conn: Connection, table: Table) -> PgInsert | SqliteInsert:
    """The dialect's INSERT, which offers `on_conflict_do_nothing` on both databases. (Each
    dialect's module is imported when first used: a command on SQLite never loads the
    PostgreSQL one.)"""
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert(table)
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert(table)


def bulk_insert(
    conn: Connection, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]
) -> None:
    """Insert many plain rows in the caller's transaction, the fastest way the database has.

    PostgreSQL: COPY … FROM STDIN through the driver (one stream; an executemany sends and
    parses every row as a statement of its own, which cost more than the rows themselves).
    SQLite: the driver's executemany. `table` and `columns` are this module's own names,
    never input; the values travel as data."""
    if not rows:
        return
    names = ", ".join(columns)
    if conn.dialect.name == "postgresql":
        cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        try:
            with cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        finally:
            cursor.close()
        return
    marks = ", ".join("?" for _ in columns)
    conn.exec_driver_sql(f"INSERT INTO {table} ({names}) VALUES ({marks})", rows)  # noqa: S608


def placeholder(conn: Connection) -> str:
    """The driver's parameter mark, for the few statements sent straight to the driver."""
    return "?" if conn.dialect.paramstyle == "qmark" else "%s"
