from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from tests.cli.helpers import CASE, init, invoke, node_env, user_session
from tests.cli.test_cli import SAMPLE


def test_audit_verify_names_the_index_of_a_row_edited_in_sql(tmp_path: Path) -> None:
    env = node_env(tmp_path / "node")
    init(env)
    user_session(env, "anna", "analyst")
    invoke(env, "ingest", str(SAMPLE))
    for query in ("kovalenko", "muller", "FE1234567"):
        invoke(env, "search", query, *CASE)
    code, out = invoke(env, "audit", "verify", "--json")
    assert code == 0, out
    # the user's creation, MFA enrolment, login, the ingest and three searches
    assert json.loads(out)["checked"] == 7

    _, shown = invoke(env, "audit", "show")
    assert "search" in shown
    assert "BKA-2026-0042" in shown
    assert "user:anna@DE-BKA" in shown

    db = sqlite3.connect(tmp_path / "node" / "accord.db")
    idx, payload = db.execute(
        "SELECT idx, payload FROM ledger_entries WHERE payload LIKE '%\"muller\"%'"
    ).fetchone()
    db.execute(
        "UPDATE ledger_entries SET payload = ? WHERE idx = ?",
        (payload.replace("muller", "weber"), idx),
    )
    db.commit()
    db.close()

    code, bad = invoke(env, "audit", "verify")
    assert code == 1
    assert "NOT intact" in bad
    assert f"entry {idx}" in bad
