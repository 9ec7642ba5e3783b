"""Attacks on a node's own ledger that witnessing exposes (decision 0009): the attacker holds
the partner node's database and its signing key, edits the ledger and re-signs it. A node that
witnessed an earlier head of that partner detects the truncation or rewrite, records the alarm
in its own ledger, and shows the partner as forked or shrunk, for good."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from accord.cli import app
from accord.crypto import SIGNATURE_HEADER, sign_message
from accord.federation.identity import tls_files
from accord.federation.protocol import SEARCH_PATH, encode, new_id
from accord.ledger import SignedTreeHead, TreeHead, sign_tree_head
from accord.services.federation import PartnerQuery, federated_search
from accord.services.purpose import parse_purpose
from accord.services.witness import ALARMS, run_due
from tests.federation.cluster import Federation, ledger
from tests.federation.witnessing import (
    forge_entries,
    ledger_size,
    root_at,
    settle,
    state_of,
    truncate_ledger,
)

THB = parse_purpose("investigation", "witness attack test", "thb")


@pytest.fixture
def fed(tmp_path: Path) -> Iterator[Federation]:
    """DE-BKA (the witness) and NL-POLITIE (the partner that will cheat), each test afresh."""
    federation = Federation(tmp_path)
    fast = {"witness_head_interval": 0.0}
    federation.add("DE-BKA", "Bundeskriminalamt", **fast)
    federation.add("NL-POLITIE", "Politie", **fast)
    federation.publish_directory()
    federation.start()
    yield federation
    federation.close()


def de_searches_nl(fed: Federation) -> str | None:
    """DE searches NL; the partner's answer still arrives; returns its ledger alarm if any."""
    de = fed["DE-BKA"].node
    result = federated_search(de, de.operator(), PartnerQuery("Ivan Petrenko"), THB)
    assert [p.status for p in result.partners] == ["no_hit"]
    return result.partners[0].ledger_alarm


def nl_searches_de(fed: Federation) -> None:
    """The cheating partner goes on working with DE as before: its request carries its head."""
    nl = fed["NL-POLITIE"].node
    result = federated_search(nl, nl.operator(), PartnerQuery("Ivan Petrenko"), THB)
    assert [p.status for p in result.partners] == ["no_hit"]


def witnessed_size(fed: Federation) -> int:
    de = fed["DE-BKA"].node
    de_searches_nl(fed)
    held = settle(de, "nl-politie")
    assert held["state"] == "consistent"
    size: int = held["tree_size"]
    assert size >= 6
    return size


def alarm(fed: Federation, event: str) -> dict[str, object]:
    (entry,) = ledger(fed["DE-BKA"].node, event)
    details: dict[str, object] = entry["details"]
    return details


def witness_cli(fed: Federation) -> tuple[int, str]:
    home = fed["DE-BKA"].node.settings.home
    env = {"ACCORD_HOME": str(home), "COLUMNS": "250"}
    result = CliRunner().invoke(app, ["audit", "witness"], env=env)
    return result.exit_code, result.output


def test_a_truncated_ledger_is_detected_as_shrunk(fed: Federation) -> None:
    de, nl = fed["DE-BKA"].node, fed["NL-POLITIE"].node
    size = witnessed_size(fed)
    before = ALARMS.labels("shrunk")._value.get()
    truncate_ledger(nl, size - 4)
    nl_searches_de(fed)  # NL signs a smaller tree, now, with its own key
    # Signed more than the slack after the held head, it is a shrink at once; within the slack
    # the witness asks for a proof NL can no longer give. Either way: shrunk.
    seen = settle(de, "nl-politie")
    assert seen["state"] == "shrunk"
    assert seen["tree_size"] == size  # the head witnessed is kept, not overwritten
    assert seen["alarm"]["evidence"]["held"]["tree_size"] == size
    assert seen["alarm"]["evidence"]["received"]["tree_size"] < size
    details = alarm(fed, "witness_shrink")
    assert details["partner"] == "nl-politie" and details["agency"] == "NL-POLITIE"
    assert ALARMS.labels("shrunk")._value.get() == before + 1
    # What an auditor on DE sees: the partner shrunk, exit 1.
    code, shown = witness_cli(fed)
    assert code == 1
    assert "nl-politie" in shown and "shrunk" in shown
    # Later honest-looking heads do not clear the alarm; searches flag the partner.
    nl_searches_de(fed)
    assert de_searches_nl(fed) == "shrunk"
    run_due(de)
    assert state_of(de, "nl-politie")["state"] == "shrunk"
    assert len(ledger(de, "witness_shrink")) == 1


def test_a_truncated_ledger_with_a_backdated_head_is_detected(fed: Federation) -> None:
    """NL truncates and signs its smaller tree with a timestamp before the head DE holds, so
    that it looks like an old message delivered late; asked to prove it a prefix of the head
    it signed before, NL no longer has that tree."""
    de, nl = fed["DE-BKA"].node, fed["NL-POLITIE"].node
    size = witnessed_size(fed)
    signed_at = datetime.fromisoformat(state_of(de, "nl-politie")["signed_at"])
    truncate_ledger(nl, size - 3)
    root = root_at(nl, size - 3)
    signed_ms = int(signed_at.timestamp() * 1000) - 500
    backdated = sign_tree_head(TreeHead(size - 3, root, signed_ms), nl.keys.signing.sign)
    response = nl_sends_raw(fed, backdated.to_json())
    assert response.status_code == 200  # the exchange itself is answered
    seen = settle(de, "nl-politie")  # the proof is asked for off the exchange's path
    assert seen["state"] == "shrunk"
    assert "no longer has the tree of size" in str(alarm(fed, "witness_shrink")["reason"])


def test_a_rewritten_tail_of_the_same_size_is_a_fork(fed: Federation) -> None:
    de, nl = fed["DE-BKA"].node, fed["NL-POLITIE"].node
    size = witnessed_size(fed)
    truncate_ledger(nl, size - 3)
    forge_entries(nl, 2)  # NL's search records one more entry: the same size as witnessed
    nl_searches_de(fed)
    # NL's request carries the head its signer last signed: of the same size as the witnessed
    # one (caught at once: equal sizes, other roots), or, when the signer has already covered
    # the request's own entry, one larger (caught by the consistency proof NL cannot give).
    seen = settle(de, "nl-politie")
    assert seen["state"] == "forked"
    evidence = seen["alarm"]["evidence"]
    assert evidence["held"]["tree_size"] == size
    if evidence["received"]["tree_size"] == size:
        assert evidence["held"]["root_hash"] != evidence["received"]["root_hash"]
    else:
        assert evidence["received"]["tree_size"] > size
        assert "consistency proof" in str(alarm(fed, "witness_fork")["reason"])
    assert alarm(fed, "witness_fork")["state"] == "forked"
    code, shown = witness_cli(fed)
    assert code == 1 and "forked" in shown


def test_a_rewritten_and_extended_ledger_fails_its_consistency_proof(fed: Federation) -> None:
    de, nl = fed["DE-BKA"].node, fed["NL-POLITIE"].node
    size = witnessed_size(fed)
    truncate_ledger(nl, size - 3)
    forge_entries(nl, 6)
    nl_searches_de(fed)  # larger and later: looks like growth until the proof is checked
    assert ledger_size(nl) > size
    assert state_of(de, "nl-politie")["state"] in ("consistent", "forked")
    seen = settle(de, "nl-politie")
    assert seen["state"] == "forked"
    assert "consistency proof" in str(alarm(fed, "witness_fork")["reason"])
    assert seen["alarm"]["evidence"]["proof"]["tree_size_1"] == size


def test_a_head_with_a_bad_signature_is_refused_and_the_exchange_goes_on(
    fed: Federation,
) -> None:
    de = fed["DE-BKA"].node
    size = witnessed_size(fed)
    held = state_of(de, "nl-politie")
    forged = SignedTreeHead(TreeHead(size + 10, b"\x07" * 32, 2**40), b"\x01" * 64)
    response = nl_sends_raw(fed, forged.to_json())
    assert response.status_code == 200 and json.loads(response.content) == {"items": []}
    after = state_of(de, "nl-politie")
    assert after["state"] == "consistent"
    assert (after["tree_size"], after["root_hash"]) == (held["tree_size"], held["root_hash"])
    assert after["pending"] == 0 and after["last_error"].startswith("bad_signature")
    (refused,) = ledger(de, "witness_refused")
    assert refused["details"]["reason"] == "bad_signature"
    assert refused["details"]["partner"] == "nl-politie"


def test_a_message_without_a_head_is_answered_and_the_gap_recorded(fed: Federation) -> None:
    de = fed["DE-BKA"].node
    witnessed_size(fed)
    held = state_of(de, "nl-politie")
    response = nl_sends_raw(fed, None)
    assert response.status_code == 200
    after = state_of(de, "nl-politie")
    assert after["last_error"].startswith("missing")
    assert (after["state"], after["tree_size"]) == (held["state"], held["tree_size"])


def nl_sends_raw(fed: Federation, head: dict[str, object] | None) -> httpx.Response:
    """A search request from NL to DE, signed with NL's key over NL's TLS identity, carrying
    `head` as its tree head: what a cheating node's own software can send."""
    nl, de = fed["NL-POLITIE"].node, fed["DE-BKA"]
    search = {"query": "Ivan Petrenko", "purpose": "investigation", "reference": "x"}
    body = encode({**search, "crime_area": "thb"})
    signature = sign_message(
        body,
        nl.keys.signing,
        sender="nl-politie",
        recipient="de-bka",
        method="POST",
        target=SEARCH_PATH,
        request_id=new_id("t"),
        tree_head=head,
    )
    files = tls_files(nl.settings)
    with httpx.Client(verify=files.client_context(), timeout=5.0) as client:
        return client.post(
            de.url + SEARCH_PATH,
            content=body,
            headers={SIGNATURE_HEADER: signature, "Content-Type": "application/json"},
        )
