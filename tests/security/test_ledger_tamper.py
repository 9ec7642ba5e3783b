"""The ledger tamper table: whoever can write the node's database (and not the head log beside
it) changes any row of any ledger table; `accord audit verify` notices every time — through the
service and through the command's exit code and message — and names where.

The ledger under attack: 50 entries appended by the audit service, tree heads signed at sizes
13, 32 and 50 (in the database and in the head log). Each case runs on SQLite and, when
ACCORD_TEST_POSTGRES_URL is set, on PostgreSQL. The tests at the end reproduce the findings
that the first version of the ledger let through."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from hashlib import sha256
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, delete, func, insert, select, update
from typer.testing import CliRunner

from accord.cli import app
from accord.ledger import TreeAppender
from accord.services import audit
from accord.services.audit import Event
from accord.services.node import Node
from accord.store.tables import ledger_entries, ledger_heads, ledger_nodes, ledger_state
from tests.cli.helpers import init, node_env, user_session
from tests.cli.test_cli import CASE, SAMPLE

HEADS = (13, 32, 50)
SIZE = 50
ACTORS = ("operator:cli@DE-BKA", "user:anna@DE-BKA", "token:svc@DE-BKA")
HEAD_LOG = "ledger-heads.jsonl"

E, N, H = ledger_entries.c, ledger_nodes.c, ledger_heads.c


def build(node: Node) -> None:
    for i in range(SIZE):
        event = Event.SEARCH if i % 2 else Event.RECORD_READ
        with node.engine.begin() as conn:
            audit.record_events(conn, [(event, ACTORS[i % 3], {"query": f"q{i}", "n": i})])
        if i + 1 in HEADS:
            audit.sign_tree_head(node)


@pytest.fixture
def ledger(node: Node) -> Node:
    build(node)
    result = audit.verify(node)
    assert result.ok, result
    assert (result.checked, result.verified_size) == (SIZE, SIZE)
    return node


# ---- the attacker's tools: plain SQL on the node's database -------------------------------


def canonical(body: dict[str, Any]) -> str:
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def leaf(payload: str) -> bytes:
    return sha256(b"\x00" + payload.encode()).digest()


def set_entry(conn: Connection, row: int, /, **values: Any) -> None:
    conn.execute(update(ledger_entries).where(E.idx == row).values(**values))


def entry(conn: Connection, idx: int) -> Any:
    return conn.execute(select(ledger_entries).where(E.idx == idx)).one()


def set_node(conn: Connection, at_level: int, at_idx: int, /, **values: Any) -> None:
    conn.execute(update(ledger_nodes).where(N.level == at_level, N.idx == at_idx).values(**values))


def set_head(conn: Connection, at_size: int, /, **values: Any) -> None:
    conn.execute(update(ledger_heads).where(H.size == at_size).values(**values))


def set_size(conn: Connection, size: int) -> None:
    conn.execute(update(ledger_state).where(ledger_state.c.id == 1).values(size=size))


def swap_entries(conn: Connection, a: int, b: int, columns: tuple[str, ...]) -> None:
    ra, rb = entry(conn, a), entry(conn, b)
    set_entry(conn, a, **{c: getattr(rb, c) for c in columns})
    set_entry(conn, b, **{c: getattr(ra, c) for c in columns})


def swap_rows(conn: Connection, a: int, b: int) -> None:
    set_entry(conn, a, idx=-1)
    set_entry(conn, b, idx=a)
    set_entry(conn, -1, idx=b)


def truncate(conn: Connection, size: int, *, heads_above: bool) -> None:
    """Cut the log to `size` entries consistently: entries, the nodes of the cut part, size."""
    conn.execute(delete(ledger_entries).where(E.idx >= size))
    for level in range(8):
        # A node covers [idx << level, (idx + 1) << level); keep those inside [0, size).
        conn.execute(
            delete(ledger_nodes).where(N.level == level, (N.idx + 1) * (1 << level) > size)
        )
    set_size(conn, size)
    if not heads_above:
        conn.execute(delete(ledger_heads).where(H.size > size))


def rewrite(conn: Connection, start: int, end: int = SIZE, *, heads_above: bool) -> None:
    """Rewrite entries [start, end) with forged details and recompute everything the database
    holds from them — leaf hashes, every node, the size — as a careful attacker would."""
    rows = conn.execute(select(ledger_entries).order_by(E.idx)).all()
    last = rows[-1]
    payloads = [r.payload for r in rows[:start]]
    forged = []
    for i in range(start, end):
        r = rows[i] if i < len(rows) else last
        body = json.loads(r.payload)
        body.update(idx=i, details={"query": "forged", "n": i})
        payload = canonical(body)
        payloads.append(payload)
        forged.append(
            {
                "idx": i,
                "at": r.at,
                "event": r.event,
                "actor": r.actor,
                "payload": payload,
                "leaf_hash": leaf(payload),
            }
        )
    conn.execute(delete(ledger_entries).where(E.idx >= start))
    conn.execute(insert(ledger_entries), forged)
    conn.execute(delete(ledger_nodes))
    nodes = TreeAppender().extend(p.encode() for p in payloads)
    conn.execute(insert(ledger_nodes), [{"level": lv, "idx": i, "hash": h} for lv, i, h in nodes])
    set_size(conn, end)
    if not heads_above:
        conn.execute(delete(ledger_heads).where(H.size > start))


def head_log(node: Node) -> Path:
    return node.settings.home / HEAD_LOG


def edit_log_line(node: Node, number: int, change: Callable[[dict[str, Any]], None]) -> None:
    path = head_log(node)
    lines = path.read_text().splitlines()
    data = json.loads(lines[number - 1])
    change(data)
    lines[number - 1] = json.dumps(data, sort_keys=True, separators=(",", ":"))
    path.write_text("\n".join(lines) + "\n")


def drop_log_line(node: Node, number: int) -> None:
    path = head_log(node)
    lines = path.read_text().splitlines()
    del lines[number - 1]
    path.write_text("\n".join(lines) + "\n")


def zero_root(data: dict[str, Any]) -> None:
    data["root_hash"] = "A" * 43 + "="


def plus_one_ms(data: dict[str, Any]) -> None:
    data["timestamp"] += 1


# ---- the table ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Expect:
    """What verify must say: the problem, the first bad index (None for a fault in a head),
    whether that index is exact, and the signed head at fault."""

    problem: str
    index: int | None = None
    exact: bool = True
    head: int | None = None


Attack = Callable[[Node, Connection], None]
CASES: list[tuple[str, Attack, Expect]] = []


def case(name: str, expect: Expect) -> Callable[[Attack], Attack]:
    def register(attack: Attack) -> Attack:
        CASES.append((name, attack, expect))
        return attack

    return register


# Every column of any entry row.
for _r in (0, 5, 31, 49):
    case(f"entry {_r}: idx", Expect("removed", _r))(
        lambda n, c, r=_r: set_entry(c, r, idx=r + 1000)
    )
    case(f"entry {_r}: at", Expect("column_mismatch", _r))(
        lambda n, c, r=_r: set_entry(c, r, at=entry(c, r).at + timedelta(seconds=1))
    )
    case(f"entry {_r}: event", Expect("column_mismatch", _r))(
        lambda n, c, r=_r: set_entry(c, r, event="health")
    )
    case(f"entry {_r}: actor", Expect("column_mismatch", _r))(
        lambda n, c, r=_r: set_entry(c, r, actor="auditor:nobody")
    )
    case(f"entry {_r}: payload", Expect("altered", _r))(
        lambda n, c, r=_r: set_entry(
            c, r, payload=entry(c, r).payload.replace(f'"q{r}"', '"forged"')
        )
    )
    case(f"entry {_r}: payload and leaf_hash", Expect("node_damaged", _r))(
        lambda n, c, r=_r: set_entry(
            c,
            r,
            payload=(p := entry(c, r).payload.replace(f'"q{r}"', '"forged"')),
            leaf_hash=leaf(p),
        )
    )
    case(f"entry {_r}: leaf_hash", Expect("record_damaged", _r))(
        lambda n, c, r=_r: set_entry(c, r, leaf_hash=bytes(32))
    )

# Every column of any node row: leaves, interior nodes, the right edge.
for _lv, _i in ((0, 5), (1, 2), (3, 1), (5, 0), (1, 24), (4, 2)):
    _first = _i << _lv
    case(f"node {_lv}/{_i}: level", Expect("node_missing", _first))(
        lambda n, c, lv=_lv, i=_i: set_node(c, lv, i, level=lv + 20)
    )
    case(f"node {_lv}/{_i}: idx", Expect("node_missing", _first))(
        lambda n, c, lv=_lv, i=_i: set_node(c, lv, i, idx=i + 1000)
    )
    case(f"node {_lv}/{_i}: hash", Expect("node_damaged", _first))(
        lambda n, c, lv=_lv, i=_i: set_node(c, lv, i, hash=sha256(b"forged").digest())
    )
    case(f"node {_lv}/{_i}: deleted", Expect("node_missing", _first))(
        lambda n, c, lv=_lv, i=_i: c.execute(delete(ledger_nodes).where(N.level == lv, N.idx == i))
    )

# Every column of any head row.
for _s in HEADS:
    case(f"head {_s}: size", Expect("bad_signature", head=_s + 100))(
        lambda n, c, s=_s: set_head(c, s, size=s + 100)
    )
    case(f"head {_s}: root", Expect("bad_signature", head=_s))(
        lambda n, c, s=_s: set_head(c, s, root=bytes(32))
    )
    case(f"head {_s}: timestamp_ms", Expect("bad_signature", head=_s))(
        lambda n, c, s=_s: set_head(c, s, timestamp_ms=ledger_heads.c.timestamp_ms + 1)
    )
    case(f"head {_s}: signature", Expect("bad_signature", head=_s))(
        lambda n, c, s=_s: set_head(c, s, signature=bytes(64))
    )
    case(f"head {_s}: key_id", Expect("head_damaged", head=_s))(
        lambda n, c, s=_s: set_head(c, s, key_id="forged")
    )
    case(f"head {_s}: deleted", Expect("head_missing", head=_s))(
        lambda n, c, s=_s: c.execute(delete(ledger_heads).where(H.size == s))
    )
case("every head deleted", Expect("head_missing", head=HEADS[0]))(
    lambda n, c: c.execute(delete(ledger_heads))
)

# The recorded size.
case("size raised", Expect("removed", SIZE))(lambda n, c: set_size(c, SIZE + 1))
case("size lowered", Expect("size_mismatch", SIZE - 1))(lambda n, c: set_size(c, SIZE - 1))

# Rows added beyond the log.
case("entry added beyond the log", Expect("size_mismatch", SIZE))(
    lambda n, c: c.execute(
        insert(ledger_entries).values(
            {**entry(c, SIZE - 1)._asdict(), "idx": SIZE, "payload": entry(c, SIZE - 1).payload}
        )
    )
)
case("node added beyond the log", Expect("node_extra", SIZE))(
    lambda n, c: c.execute(insert(ledger_nodes).values(level=0, idx=SIZE, hash=bytes(32)))
)
case("node added above the tree", Expect("node_extra", SIZE))(
    lambda n, c: c.execute(insert(ledger_nodes).values(level=9, idx=0, hash=bytes(32)))
)

# Reordering and deleting entries.
case("payloads of 7 and 8 swapped", Expect("reordered", 7))(
    lambda n, c: swap_entries(c, 7, 8, ("payload",))
)
case("entries 7 and 8 swapped with their columns", Expect("reordered", 7))(
    lambda n, c: swap_entries(c, 7, 8, ("payload", "at", "event", "actor", "leaf_hash"))
)
case("rows 7 and 8 swapped", Expect("reordered", 7))(lambda n, c: swap_rows(c, 7, 8))
case("rows 31 and 40 swapped", Expect("reordered", 31))(lambda n, c: swap_rows(c, 31, 40))
case("entry 20 deleted", Expect("removed", 20))(
    lambda n, c: c.execute(delete(ledger_entries).where(E.idx == 20))
)
case("entry 49 deleted", Expect("removed", 49))(
    lambda n, c: c.execute(delete(ledger_entries).where(E.idx == 49))
)

# Truncation and consistent rewrites of the tail.
case("truncated to 40, heads above kept", Expect("removed", 40, exact=False))(
    lambda n, c: truncate(c, 40, heads_above=True)
)
case("truncated to 40, heads above deleted", Expect("removed", 40, exact=False))(
    lambda n, c: truncate(c, 40, heads_above=False)
)
case("truncated to 32, heads above deleted", Expect("removed", 32))(
    lambda n, c: truncate(c, 32, heads_above=False)
)
case("tail from 35 rewritten, heads kept", Expect("root_mismatch", 49, False, head=50))(
    lambda n, c: rewrite(c, 35, heads_above=True)
)
case("tail from 35 rewritten, heads above deleted", Expect("root_mismatch", 49, False, 50))(
    lambda n, c: rewrite(c, 35, heads_above=False)
)
case("tail from 35 rewritten and extended", Expect("root_mismatch", 49, False, 50))(
    lambda n, c: rewrite(c, 35, 70, heads_above=False)
)
case("tail from 35 rewritten, shortened", Expect("removed", 45, False))(
    lambda n, c: rewrite(c, 35, 45, heads_above=False)
)
case("whole log rewritten", Expect("root_mismatch", 12, False, 13))(
    lambda n, c: rewrite(c, 0, heads_above=False)
)

# The head log beside the database.
case("head log deleted", Expect("head_log_missing", head=HEADS[0]))(
    lambda n, c: head_log(n).unlink()
)
case("head log: root changed", Expect("bad_signature", head=32))(
    lambda n, c: edit_log_line(n, 2, zero_root)
)
case("head log: time changed", Expect("bad_signature", head=32))(
    lambda n, c: edit_log_line(n, 2, plus_one_ms)
)
case("head log: a line removed", Expect("head_log_mismatch", head=32))(
    lambda n, c: drop_log_line(n, 2)
)
case("head log: cut short", Expect("head_log_damaged"))(
    lambda n, c: head_log(n).write_bytes(head_log(n).read_bytes()[:-10])
)
case("head log: garbage appended", Expect("head_log_damaged"))(
    lambda n, c: head_log(n).write_text(head_log(n).read_text() + "not a head\n")
)


def run_verify(node: Node) -> tuple[int, str]:
    env = {"ACCORD_HOME": str(node.settings.home), "COLUMNS": "1000"}
    if node.settings.database_url:
        env["ACCORD_DATABASE_URL"] = node.settings.database_url
    result = CliRunner().invoke(app, ["audit", "verify"], env=env)
    return result.exit_code, result.output


def heads_in_db(node: Node) -> int:
    with node.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(ledger_heads)).scalar_one())


@pytest.mark.parametrize(("name", "attack", "expect"), CASES, ids=[c[0] for c in CASES])
def test_tampering_is_detected_and_located(
    ledger: Node, name: str, attack: Attack, expect: Expect
) -> None:
    with ledger.engine.begin() as conn:
        attack(ledger, conn)
    heads_before = heads_in_db(ledger)

    result = audit.verify(ledger)
    assert not result.ok, name
    assert result.problem is not None and result.problem.value == expect.problem, result
    assert result.first_bad_index == expect.index, result
    if expect.index is not None:
        assert result.exact == expect.exact, result
    if expect.head is not None:
        assert result.head_size == expect.head, result

    code, out = run_verify(ledger)
    assert code == 1, out
    assert "ledger NOT intact" in out
    assert expect.problem in out
    if expect.index is None and expect.head is not None:
        assert f"signed tree head of size {expect.head}" in out
    elif expect.index is not None and expect.exact:
        assert f"at entry {expect.index}:" in out
    elif expect.index is not None:
        assert f"between entries {result.verified_size} and {expect.index}" in out
    assert "Traceback" not in out
    # Verifying signs nothing, least of all over a tampered log.
    assert heads_in_db(ledger) == heads_before


def test_a_consistent_rewrite_is_placed_between_the_heads_around_it(ledger: Node) -> None:
    with ledger.engine.begin() as conn:
        rewrite(conn, 35, heads_above=False)
    result = audit.verify(ledger)
    assert result.verified_size == 32
    assert result.verified_size <= 35 <= (result.first_bad_index or 0)


# ---- the findings against the first version of the ledger ---------------------------------


def test_finding_side_columns_are_under_the_hash_and_never_shown(ledger: Node) -> None:
    """Finding 1: `event`, `actor` and `at` beside the payload could be changed unnoticed, and
    the entries read back showed the forgery."""
    with ledger.engine.begin() as conn:
        original = entry(conn, 5)
        set_entry(conn, 5, actor="auditor:nobody", event="health")
    shown = audit.entries(ledger, 5, 6)[0]
    assert (shown["actor"], shown["event"]) == (original.actor, original.event)
    result = audit.verify(ledger)
    assert not result.ok and result.first_bad_index == 5

    env = {"ACCORD_HOME": str(ledger.settings.home), "COLUMNS": "1000"}
    if ledger.settings.database_url:
        env["ACCORD_DATABASE_URL"] = ledger.settings.database_url
    listed = CliRunner().invoke(
        app, ["audit", "show", "--start", "5", "--last", "1", "--json"], env=env
    )
    row = json.loads(listed.stdout)[0]
    assert (row["actor"], row["event"]) == (original.actor, original.event)
    assert "auditor:nobody" not in listed.stdout


def test_finding_a_changed_interior_node_is_detected(ledger: Node) -> None:
    """Finding 2a: a changed interior node passed verification (it only broke the proofs it
    serves)."""
    with ledger.engine.begin() as conn:
        set_node(conn, 3, 2, hash=sha256(b"forged").digest())
    result = audit.verify(ledger)
    assert not result.ok and result.first_bad_index == 16


def test_finding_heads_deleted_above_a_truncation_are_noticed(ledger: Node) -> None:
    """Finding 2b: truncating the log and deleting the heads above it went unnoticed, the
    heads living in the same database."""
    with ledger.engine.begin() as conn:
        truncate(conn, 40, heads_above=False)
    result = audit.verify(ledger)
    assert not result.ok and result.first_bad_index == 40


def test_finding_a_deleted_node_a_head_needs_is_reported_not_a_crash(ledger: Node) -> None:
    """Finding 2c: deleting an interior node a head needs crashed `audit verify` (exit 70) once
    the log had grown past its last head."""
    with ledger.engine.begin() as conn:
        audit.record_events(conn, [(Event.SEARCH, ACTORS[0], {"query": "after the head"})])
        conn.execute(delete(ledger_nodes).where(N.level == 5, N.idx == 0))
    env = {"ACCORD_HOME": str(ledger.settings.home), "COLUMNS": "1000"}
    if ledger.settings.database_url:
        env["ACCORD_DATABASE_URL"] = ledger.settings.database_url
    bad = CliRunner().invoke(app, ["audit", "verify"], env=env)
    assert bad.exception is None or isinstance(bad.exception, SystemExit), bad.exception
    assert bad.exit_code == 1, bad.output
    assert "ledger NOT intact" in bad.output and "at entry 0:" in bad.output


def _cli(env: dict[str, str], *args: str) -> Any:
    return CliRunner().invoke(app, list(args), env=env)


def test_finding_the_tail_is_signed_and_verify_does_not_certify_a_cut(tmp_path: Path) -> None:
    """Finding 2d: entries after the last signed head could be cut or rewritten unnoticed, and
    `audit verify` signed a fresh head over the database before checking it. Now every command
    that appends leaves its entries under a signed head, and verify signs nothing."""
    env = {**node_env(tmp_path / "node"), "COLUMNS": "1000"}
    init(env)
    user_session(env, "anna", "analyst")
    _cli(env, "ingest", str(SAMPLE))
    for query in ("kovalenko", "muller", "FE1234567"):
        _cli(env, "search", query, *CASE)
    db_path = tmp_path / "node" / "accord.db"
    db = sqlite3.connect(db_path)
    (size,) = db.execute("SELECT size FROM ledger_state").fetchone()
    assert size >= 4  # the user's enrolment and login, the ingest, the searches
    cut = size - 2
    db.execute("DELETE FROM ledger_entries WHERE idx >= ?", (cut,))
    db.execute("DELETE FROM ledger_nodes WHERE ((idx + 1) << level) > ?", (cut,))
    db.execute("DELETE FROM ledger_heads WHERE size > ?", (cut,))
    db.execute("UPDATE ledger_state SET size = ?", (cut,))
    db.commit()
    (heads_before,) = db.execute("SELECT count(*) FROM ledger_heads").fetchone()

    bad = _cli(env, "audit", "verify")
    assert bad.exit_code == 1, bad.output
    assert f"entry {cut}" in bad.output
    (heads_after,) = db.execute("SELECT count(*) FROM ledger_heads").fetchone()
    assert heads_after == heads_before
    db.close()


def test_shown_entries_come_from_the_hashed_payload_over_the_api(ledger: Node) -> None:
    from fastapi.testclient import TestClient

    from accord.api import create_app
    from accord.services.tokens import issue_token

    with ledger.engine.begin() as conn:
        original = entry(conn, 5)
        set_entry(conn, 5, actor="auditor:nobody", event="health")
    token = issue_token(ledger, "auditor", ["auditor"], scopes=["audit:read"])
    with TestClient(create_app(ledger)) as client:
        got = client.get(
            "/api/v1/audit/entries",
            params={"start": 5, "end": 6},
            headers={"Authorization": f"Bearer {token.secret}"},
        )
    assert got.status_code == 200, got.text
    assert (got.json()[0]["actor"], got.json()[0]["event"]) == (original.actor, original.event)


def test_recorded_time_is_the_hashed_time(ledger: Node) -> None:
    with ledger.engine.begin() as conn:
        original = entry(conn, 3)
        set_entry(conn, 3, at=datetime.fromisoformat("2020-01-01T00:00:00+00:00"))
    shown = audit.entries(ledger, 3, 4)[0]
    assert shown["at"] == original.at.isoformat()
