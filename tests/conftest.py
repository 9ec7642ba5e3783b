"""Shared fixtures: a node on every storage backend, principals, record factories.

`node` runs each test on SQLite and, when ACCORD_TEST_POSTGRES_URL is set, again on
PostgreSQL in a fresh schema of its own."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from accord.model import Principal, PrincipalKind, Record, parse_record
from accord.services.node import Node, init_node
from accord.settings import Settings

PG_URL = os.environ.get("ACCORD_TEST_POSTGRES_URL")
BACKENDS = (
    ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)] if PG_URL else ["sqlite"]
)


def _pg_schema_url(schema: str) -> str:
    assert PG_URL is not None
    sep = "&" if "?" in PG_URL else "?"
    return f"{PG_URL}{sep}options=-csearch_path%3D{schema}"


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


#: Tests' nodes end an event stream after half a second, so that a test client calling
#: `GET /api/v1/events` gets its whole answer (tests of the stream itself hold it longer).
STREAM_SECONDS = 0.5


@pytest.fixture
def settings(tmp_path: Path, backend: str) -> Iterator[Settings]:
    if backend == "sqlite":
        yield Settings(home=tmp_path / "home", event_stream_seconds=STREAM_SECONDS)
        return
    assert PG_URL is not None
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield Settings(
            home=tmp_path / "home",
            database_url=_pg_schema_url(schema),
            event_stream_seconds=STREAM_SECONDS,
        )
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def node(settings: Settings) -> Iterator[Node]:
    n = init_node(settings, "DE-BKA", "Bundeskriminalamt")
    yield n
    n.engine.dispose()


@pytest.fixture
def operator(node: Node) -> Principal:
    return node.operator()


def principal(agency: str = "DE-BKA", roles: tuple[str, ...] = ("analyst",)) -> Principal:
    return Principal(
        subject="tester", agency=agency, kind=PrincipalKind.TOKEN, roles=frozenset(roles)
    )


NOW = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)


def entity(
    schema: str, entity_id: str, accord: dict[str, Any] | None = None, **props: Any
) -> dict[str, Any]:
    """An ingest line: `entity("Person", "p1", name="Anna", birthDate="1980-01-01")`."""
    properties = {k: v if isinstance(v, list) else [v] for k, v in props.items()}
    data: dict[str, Any] = {"id": entity_id, "schema": schema, "properties": properties}
    if accord is not None:
        data["accord"] = accord
    return data


def person(
    name: str,
    entity_id: str = "p1",
    owner: str = "DE-BKA",
    accord: dict[str, Any] | None = None,
    **props: Any,
) -> Record:
    """`person("Олександр Коваленко", dob="1981-03-02", country="ua")`."""
    if "dob" in props:
        props["birthDate"] = props.pop("dob")
    if "country" in props:
        props["nationality"] = props.pop("country")
    return parse_record(
        entity("Person", entity_id, accord, name=name, **props), {"owner": owner}, now=NOW
    )
