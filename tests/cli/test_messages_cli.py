"""`accord messages`, `accord cases` and `accord mla` on one node: what needs no partner works,
and every refusal — an unknown recipient, a message without a subject, an MLA form without its
legal basis or measures — names the field, with exit code 2 and no traceback, nothing sent."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.helpers import init, invoke, node_env, ok, user_session


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    env = node_env(tmp_path / "node")
    init(env)
    user_session(env, "olena", "liaison_officer", "investigator")
    return env


def test_a_message_to_an_agency_that_is_no_partner_names_the_recipient(
    env: dict[str, str],
) -> None:
    code, out = invoke(
        env, "messages", "send", "--to", "FR-PN", "--subject", "Hello", "--body", "Text"
    )
    assert code == 2 and "recipient" in out and "Traceback" not in out
    code, out = invoke(env, "messages", "send", "--to", "FR-PN", "--subject", " ", "--body", "x")
    assert code == 2 and "subject: is required" in out
    assert "No messages." in ok(env, "messages", "list")


def test_an_mla_form_without_legal_basis_or_measures_is_refused(
    env: dict[str, str], tmp_path: Path
) -> None:
    form = tmp_path / "mla.yaml"
    form.write_text(
        "requested_agency: NL-POLITIE\n"
        "requesting_authority: Staatsanwaltschaft Berlin\n"
        "requested_authority: Openbaar Ministerie\n"
        "offence: {description: Fraud, crime_area: fraud}\n"
        "deadline: 2099-01-31\n"
    )
    code, out = invoke(env, "mla", "new", str(form))
    assert code == 2 and "legal_basis" in out and "measures" in out
    assert "Traceback" not in out
    assert "No MLA requests." in ok(env, "mla", "list")
    figures = json.loads(ok(env, "mla", "metrics", "--json"))
    assert figures["total"] == 0 and figures["open"] == 0


def test_a_case_is_opened_and_listed(env: dict[str, str]) -> None:
    made = json.loads(
        ok(env, "cases", "new", "--reference", "BKA-2026-7", "--crime-area", "thb", "--json")
    )
    assert made["lead_agency"] == "DE-BKA" and made["members"] == ["DE-BKA"]
    assert "BKA-2026-7" in ok(env, "cases", "list")
    code, out = invoke(env, "cases", "post", made["case_id"], "--subject", "s", "--body", "b")
    assert code == 2 and "members" in out
    code, out = invoke(
        env, "cases", "new", "--reference", "X", "--crime-area", "thb", "--legal-basis", "nope"
    )
    assert code == 2 and "legal_basis" in out
