"""The event stream (`GET /api/v1/events`): alerts arrive live, each with an id, and a client
that reconnects with `Last-Event-ID` gets what it missed. With two API processes on one
PostgreSQL database, an alert raised through one reaches a stream opened on the other
(decision 0021)."""

from __future__ import annotations

import json
import os
import queue
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, text

from accord.api import create_app
from accord.services.node import Node, init_node
from accord.services.tokens import issue_token
from accord.settings import Settings
from tests.conftest import PG_URL, _pg_schema_url
from tests.security.test_api import served
from tests.services.notices_factories import red

PERSON = {
    "id": "p-stream",
    "schema": "Person",
    "properties": {"name": ["Dmytro Kravchuk"], "birthDate": ["1975-05-05"]},
    "accord": {"subject_category": "suspect", "crime_areas": ["thb"]},
}


def listen(
    url: str, token: str, into: queue.Queue[Any], last: str | None = None
) -> threading.Thread:
    """Read the stream at `url` in a thread: "open", then the first event as a dict into
    `into`; then it hangs up."""

    def run() -> None:
        headers = {"Authorization": f"Bearer {token}"}
        if last is not None:
            headers["Last-Event-ID"] = last
        with (
            httpx.Client(timeout=httpx.Timeout(30.0)) as client,
            client.stream("GET", f"{url}/api/v1/events", headers=headers) as res,
        ):
            assert res.headers["content-type"].startswith("text/event-stream")
            event: dict[str, Any] = {}
            for line in res.iter_lines():
                if line.startswith("retry:"):
                    into.put("open")
                elif line.startswith("id: "):
                    event["id"] = int(line[4:])
                elif line.startswith("event: "):
                    event["event"] = line[7:]
                elif line.startswith("data: "):
                    event["data"] = json.loads(line[6:])
                elif not line and event:
                    into.put(event)
                    return

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def raise_alert(url: str, token: str) -> str:
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=url, headers=headers, timeout=30.0) as client:
        notice_id = client.post("/api/v1/notices", json=red()).json()["notice_id"]
        assert client.post(f"/api/v1/notices/{notice_id}/publish").status_code == 200
        assert client.post("/api/v1/records", json=PERSON).status_code == 201
    return str(notice_id)


def next_event(into: queue.Queue[Any], timeout: float) -> dict[str, Any]:
    found = into.get(timeout=timeout)
    assert isinstance(found, dict), found
    return found


def test_an_alert_arrives_live_and_a_reconnect_gets_what_it_missed(node: Node) -> None:
    node = replace(node, settings=node.settings.model_copy(update={"event_stream_seconds": 60}))
    token = issue_token(node, "stream", ["investigator"]).secret
    app = create_app(node)
    with served(app) as url:
        events: queue.Queue[Any] = queue.Queue()
        listen(url, token, events)
        assert events.get(timeout=10) == "open"
        notice_id = raise_alert(url, token)
        alert = next_event(events, 10)
        assert alert["event"] == "alert" and alert["data"]["notice_id"] == notice_id
        assert alert["data"]["record"] == {"owner": "DE-BKA", "id": "p-stream", "schema": "Person"}
        # A client that was away reconnects with the last id it saw before: it gets the alert.
        missed: queue.Queue[Any] = queue.Queue()
        listen(url, token, missed, last=str(alert["id"] - 1))
        assert missed.get(timeout=10) == "open"
        assert next_event(missed, 10)["id"] == alert["id"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def pg_node(tmp_path: Path) -> Iterator[tuple[Settings, Node]]:
    if PG_URL is None:
        pytest.skip("needs ACCORD_TEST_POSTGRES_URL (CI sets it)")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    settings = Settings(home=tmp_path / "home", database_url=_pg_schema_url(schema))
    node = init_node(settings, "DE-BKA", "Bundeskriminalamt")
    try:
        yield settings, node
    finally:
        node.engine.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def _worker(settings: Settings, port: int) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "ACCORD_HOME": str(settings.home),
        "ACCORD_DATABASE_URL": str(settings.database_url),
        "ACCORD_LOG_LEVEL": "WARNING",
    }
    accord = Path(sys.executable).with_name("accord")
    return subprocess.Popen(
        [str(accord), "serve", "--port", str(port)], env=env, stdout=subprocess.DEVNULL
    )


def _wait_up(url: str, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert proc.poll() is None, "the worker exited"
        try:
            if httpx.get(f"{url}/api/v1/health", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.2)
    raise AssertionError(f"{url} did not come up")


@pytest.mark.postgres
def test_an_alert_raised_on_one_worker_reaches_a_stream_on_another(
    pg_node: tuple[Settings, Node],
) -> None:
    settings, node = pg_node
    token = issue_token(node, "stream", ["investigator"]).secret
    ports = (_free_port(), _free_port())
    workers = [_worker(settings, port) for port in ports]
    try:
        first, second = (f"http://127.0.0.1:{port}" for port in ports)
        for url, proc in zip((first, second), workers, strict=True):
            _wait_up(url, proc)
        events: queue.Queue[Any] = queue.Queue()
        listen(second, token, events)
        assert events.get(timeout=10) == "open"
        time.sleep(0.5)  # the second worker's listener connects on its first stream
        notice_id = raise_alert(first, token)
        raised = time.monotonic()
        alert = next_event(events, 10)
        # Woken by NOTIFY, not by the 5 s fallback read of the table.
        assert time.monotonic() - raised < 3.0
        assert alert["event"] == "alert" and alert["data"]["notice_id"] == notice_id
        missed: queue.Queue[Any] = queue.Queue()
        listen(first, token, missed, last=str(alert["id"] - 1))
        assert missed.get(timeout=10) == "open"
        assert next_event(missed, 10)["id"] == alert["id"]
    finally:
        for proc in workers:
            proc.terminate()
        for proc in workers:
            proc.wait(30)
