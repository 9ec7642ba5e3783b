from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from typer.testing import CliRunner

from accord.cli import app
from tests.cli.test_cli import CASE, SAMPLE


def test_audit_verify_names_the_index_of_a_row_edited_in_sql(tmp_path: Path) -> None:
    env = {"ACCORD_HOME": str(tmp_path / "node"), "COLUMNS": "200"}
    runner = CliRunner()
    runner.invoke(app, ["init", "--agency", "DE-BKA", "--name", "BKA"], env=env)
    runner.invoke(app, ["ingest", str(SAMPLE)], env=env)
    for query in ("kovalenko", "muller", "FE1234567"):
        runner.invoke(app, ["search", query, *CASE], env=env)
    ok = runner.invoke(app, ["audit", "verify", "--json"], env=env)
    assert ok.exit_code == 0, ok.output
    assert json.loads(ok.output)["checked"] == 4

    shown = runner.invoke(app, ["audit", "show"], env=env)
    assert "search" in shown.output
    assert "BKA-2026-0042" in shown.output

    db = sqlite3.connect(tmp_path / "node" / "accord.db")
    payload = db.execute("SELECT payload FROM ledger_entries WHERE idx = 2").fetchone()[0]
    db.execute(
        "UPDATE ledger_entries SET payload = ? WHERE idx = 2",
        (payload.replace("muller", "weber"),),
    )
    db.commit()
    db.close()

    bad = runner.invoke(app, ["audit", "verify"], env=env)
    assert bad.exit_code == 1
    assert "NOT intact" in bad.output
    assert "entry 2" in bad.output
