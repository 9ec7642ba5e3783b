"""`accord demo`: three agencies' nodes as separate processes over mutual TLS, playing a
narrated cross-border case, with the disclosures proved from both ledgers."""

from __future__ import annotations

import json
import shutil
import signal
import time
from importlib import resources
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.panel import Panel
from rich.table import Table

from accord.cli.cluster import LocalNode, build_federation, start_nodes, stop_nodes
from accord.errors import NotFound
from accord.model import EnvelopeDefaults, Principal, PrincipalKind
from accord.scenario import ScenarioOptions, write_scenario
from accord.services import audit
from accord.services.federation import FederatedResult, PartnerQuery, federated_search
from accord.services.followup import get_follow_up, request_follow_up
from accord.services.followup_owner import decide_follow_up
from accord.services.ingest import ingest_stream
from accord.services.node import Node
from accord.services.purpose import parse_purpose
from accord.services.tokens import issue_token

from .common import console

__all__ = ["demo"]

MEMBERS = [
    ("DE-BKA", "Bundeskriminalamt"),
    ("NL-POLITIE", "Politie Nederland"),
    ("UA-NPU", "National Police of Ukraine"),
]
EXAMPLES = Path(__file__).resolve().parents[3] / "examples" / "agreements"
SEED = 20261122


class DemoFailed(Exception):
    pass


def _agreement_paths() -> list[Path]:
    packaged = resources.files("accord.data").joinpath("agreements")
    if packaged.is_dir():
        return sorted(Path(str(p)) for p in packaged.iterdir() if p.name.endswith(".yaml"))
    return sorted(EXAMPLES.glob("*.yaml"))


def _step(title: str, text: str) -> None:
    console.print()
    console.print(Panel(text, title=f"[bold]{title}[/]", expand=False))


def _ledger(node: Node) -> list[dict[str, Any]]:
    size = audit.tree_head(node).head.size
    out: list[dict[str, Any]] = []
    for start in range(0, size, 1000):
        out.extend(
            json.loads(e["payload"]) for e in audit.entries(node, start, min(size, start + 1000))
        )
    return out


def _candidates(truth: Path) -> list[tuple[str, str]]:
    """(storyline person key, name) of people the truth says DE, NL and UA all hold."""
    found: list[tuple[str, str]] = []
    with truth.open(encoding="utf-8") as f:
        for line in f:
            row = json.loads(line)
            if row.get("type") != "identity" or row.get("schema") != "Person":
                continue
            owners = {r["owner"] for r in row.get("records", [])}
            if {"DE-BKA", "NL-POLITIE", "UA-NPU"} <= owners:
                found.append((row["key"], row.get("latin_name") or row["name"]))
    found.sort(key=lambda kn: (not kn[0].startswith("person/thb"), kn[0]))
    return found


def _modes(result: FederatedResult) -> dict[str, set[str]]:
    return {p.agency: {i["mode"] for i in p.items} for p in result.partners if p.status == "hits"}


def _play(root: Path, nodes: list[LocalNode], expect: Any) -> None:
    de, nl, ua = (n.open() for n in nodes)
    analyst = Principal(
        "anna.analyst", "DE-BKA", PrincipalKind.OPERATOR, frozenset({"analyst", "investigator"})
    )
    purpose = parse_purpose("investigation", "BKA-2026-0042 trafficking ring", "thb")

    # The search: a storyline suspect whom all three agencies know.
    chosen: tuple[str, FederatedResult] | None = None
    for _key, name in _candidates(root / "scenario" / "truth.jsonl"):
        result = federated_search(de, analyst, PartnerQuery(text=name), purpose)
        modes = _modes(result)
        if "full" in modes.get("NL-POLITIE", set()) and "reference" in modes.get("UA-NPU", set()):
            chosen = (name, result)
            break
    expect(chosen is not None, "a suspect with a full hit at NL-POLITIE and a reference at UA-NPU")
    if chosen is None:
        return
    name, result = chosen
    table = Table(title=f"federated search by DE-BKA for {name!r} (purpose: investigation, thb)")
    for col in ("partner", "answer", "what came back"):
        table.add_column(col)
    for p in result.partners:
        shown = []
        for item in p.items:
            ref = item["reference"]
            rec = item.get("record")
            if rec:
                shown.append(
                    f"{item['mode']}: {rec['schema']} {rec['properties'].get('name', [''])[0]}"
                )
            else:
                shown.append(f"reference: {ref['schema']} of {ref['owner']} (no content)")
        table.add_row(p.agency, p.status, "\n".join(shown) or "–")
    console.print()
    console.print(table)
    _step(
        "Hit/no-hit",
        "NL-POLITIE's agreement with DE-BKA (EU crime areas) lets it answer in full. UA-NPU's MoU "
        "allows only a reference for persons: DE-BKA learns that UA-NPU holds a record, and an "
        "opaque reference to ask for it — nothing else (the Prüm model).",
    )

    # The follow-up: DE asks UA for the content behind the reference.
    ua_items = next(p for p in result.partners if p.agency == "UA-NPU").items
    reference = next(i["reference"]["reference"] for i in ua_items if i["mode"] == "reference")
    asked = request_follow_up(
        de,
        analyst,
        partner="ua-npu",
        reference=reference,
        purpose=purpose,
        legal_basis="MoU BKA–NPU 2024, Art. 4; StPO § 161",
        justification="Suspected recruiter in a trafficking ring active in UA, NL and DE.",
    )
    fid = asked.row.follow_up_id
    _step(
        "Follow-up",
        f"DE-BKA asks UA-NPU for the record ({fid}); the request travels through DE-BKA's outbox.",
    )
    deadline = time.monotonic() + 30
    while True:
        try:
            if get_follow_up(ua, fid).state == "pending":
                break
        except NotFound:
            time.sleep(0.3)
            continue
        if time.monotonic() > deadline:
            expect(False, "the follow-up reaches UA-NPU")
            return
        time.sleep(0.3)
    officer = Principal(
        "olena.liaison", "UA-NPU", PrincipalKind.OPERATOR, frozenset({"liaison_officer"})
    )
    decide_follow_up(
        ua,
        officer,
        fid,
        approve=True,
        conditions="H3: not to be used as evidence without UA-NPU's written consent",
    )
    _step(
        "Approval",
        "UA-NPU's liaison officer approves with conditions; UA-NPU's policy engine is asked again.",
    )
    deadline = time.monotonic() + 30
    while get_follow_up(de, fid).state != "approved":
        if time.monotonic() > deadline:
            expect(False, "DE-BKA receives the approved record")
            return
        time.sleep(0.3)
    outcome = get_follow_up(de, fid).outcome() or {}
    items = outcome.get("items") or []
    received = [i for i in items if i.get("record")]
    expect(bool(received), "the approved follow-up carries the record")
    if received:
        rec = received[0]["record"]
        _step(
            "Received",
            f"DE-BKA now holds UA-NPU's {rec['schema']} {rec['properties'].get('name', ['?'])[0]} "
            f"with conditions: {outcome.get('conditions')}",
        )

    # Both ledgers prove the exchanges.
    ledgers = {"DE-BKA": _ledger(de), "NL-POLITIE": _ledger(nl), "UA-NPU": _ledger(ua)}
    rid = result.request_id
    proof = Table(title=f"the exchanges in both ledgers (search {rid})")
    for col in ("exchange", "requester's ledger", "partner's ledger", "digests agree"):
        proof.add_column(col)
    sent = [
        e
        for e in ledgers["DE-BKA"]
        if e["event"] == "federation_answer" and e["details"].get("request_id") == rid
    ]
    for agency in ("NL-POLITIE", "UA-NPU"):
        mine = next((e for e in sent if e["details"].get("agency") == agency), None)
        theirs = next(
            (
                e
                for e in ledgers[agency]
                if e["event"] == "federation_answer" and e["details"].get("request_id") == rid
            ),
            None,
        )
        disclosed = [
            e
            for e in ledgers[agency]
            if e["event"] == "disclosure" and e["details"].get("recipient") == "DE-BKA"
        ]
        ok = bool(
            mine
            and theirs
            and mine["details"].get("answer_digest") == theirs["details"].get("answer_digest")
        )
        expect(ok, f"the answer of {agency} is in both ledgers with one digest")
        expect(bool(disclosed), f"{agency}'s ledger names the disclosure and its clauses")
        clauses = sorted(
            {c for e in disclosed for d in e["details"]["decisions"] for c in d["clauses"]}
        )
        proof.add_row(
            f"search answer from {agency}",
            f"#{mine['idx']}" if mine else "missing",
            f"#{theirs['idx']} ({', '.join(clauses)})" if theirs else "missing",
            "yes" if ok else "NO",
        )
    steps_de = {
        e["details"]["step"]: e
        for e in ledgers["DE-BKA"]
        if e["event"] == "follow_up" and e["details"].get("follow_up_id") == fid
    }
    steps_ua = {
        e["details"]["step"]: e
        for e in ledgers["UA-NPU"]
        if e["event"] == "follow_up" and e["details"].get("follow_up_id") == fid
    }
    same = steps_de.get("outcome_received", {}).get("details", {}).get(
        "outcome_digest"
    ) == steps_ua.get("decided", {}).get("details", {}).get("outcome_digest")
    expect(
        same and "outcome_received" in steps_de,
        "the follow-up outcome is in both ledgers with one digest",
    )
    proof.add_row(
        f"follow-up {fid}",
        ", ".join(sorted(steps_de)),
        ", ".join(sorted(steps_ua)),
        "yes" if same else "NO",
    )
    console.print()
    console.print(proof)
    for agency, node in (("DE-BKA", de), ("NL-POLITIE", nl), ("UA-NPU", ua)):
        verified = audit.verify(node)
        expect(verified.ok, f"{agency}'s ledger verifies")
    _step(
        "Ledgers",
        "All three ledgers verify: every entry is in a Merkle tree under a signed tree head.",
    )
    for node in (de, nl, ua):
        node.engine.dispose()


def _terminate(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def demo(
    home: Annotated[Path, typer.Option(help="Where the demo federation lives (recreated).")] = Path(
        "demo-out"
    ),
    persons: Annotated[
        int, typer.Option(min=300, help="People in the generated world (the story needs 300).")
    ] = 300,
    check: Annotated[
        bool,
        typer.Option(
            "--check", help="Play the story, exit non-zero if any expected outcome fails."
        ),
    ] = False,
) -> None:
    """Three agencies' nodes play a cross-border case over mutual TLS.

    DE-BKA, NL-POLITIE and UA-NPU run as separate node processes: a federated search finds a
    full hit at one partner and a reference at another, a follow-up is approved, and both
    ledgers prove every disclosure. The nodes then keep running until Ctrl-C (with --check,
    the command stops them and exits non-zero if any expected outcome failed)."""
    if home.exists():
        shutil.rmtree(home)
    failures: list[str] = []

    def expect(ok: bool, what: str) -> None:
        if not ok:
            failures.append(what)
            console.print(f"[bold red]✗ expected:[/] {what}")

    write_scenario(
        ScenarioOptions(seed=SEED, persons=persons, agencies=tuple(a for a, _ in MEMBERS)),
        home / "scenario",
    )
    _step(
        "1. A world",
        f"A synthetic world of {persons} people with storylines, seen by three agencies in "
        f"their own scripts and conventions ({home}/scenario).",
    )
    nodes = build_federation(
        home, MEMBERS, agreement_files=_agreement_paths(), federation="accord-demo"
    )
    for local in nodes:
        node = local.open()
        with (home / "scenario" / f"{local.agency}.ftm.jsonl").open("rb") as stream:
            report = ingest_stream(
                node,
                node.operator(),
                stream,
                defaults=EnvelopeDefaults(owner=local.agency),
                source=f"{local.agency}.ftm.jsonl",
            )
        expect(report.rejected == 0, f"{local.agency}'s records load")
        node.engine.dispose()
    _step(
        "2. Three nodes",
        "Each agency has its own node, SQLite database, keys and certificate from the "
        "federation's CA; agreements: DE↔NL full for EU crime areas, DE↔UA reference for "
        "persons and full for documents, NL↔UA none.",
    )
    # SIGTERM (a service manager, `timeout`) stops the nodes like Ctrl-C does.
    previous = signal.signal(signal.SIGTERM, _terminate)
    start_nodes(nodes)
    try:
        table = Table(title="nodes (mutual TLS for partners; user API on loopback)")
        for col in ("agency", "partner URL", "user API", "records"):
            table.add_column(col)
        tokens = {}
        for local in nodes:
            node = local.open()
            tokens[local.agency] = issue_token(
                node, "demo", ["analyst", "investigator", "liaison_officer", "auditor"]
            ).secret
            table.add_row(
                local.agency,
                local.url,
                local.api_url + "/docs",
                str(sum(1 for _ in (home / "scenario" / f"{local.agency}.ftm.jsonl").open())),
            )
            node.engine.dispose()
        console.print()
        console.print(table)
        _play(home, nodes, expect)
        console.print()
        if failures:
            console.print(f"[bold red]{len(failures)} expected outcome(s) failed[/]")
        else:
            console.print("[bold green]The story played as expected.[/]")
        if check:
            if failures:
                raise typer.Exit(code=1)
            return
        console.print()
        creds = Table(title="demo credentials (Authorization: Bearer …)")
        creds.add_column("agency")
        creds.add_column("user API")
        creds.add_column("token")
        for local in nodes:
            creds.add_row(local.agency, local.api_url, tokens[local.agency])
        console.print(creds)
        console.print(
            f"Nodes keep running. Try: ACCORD_HOME={home}/de-bka accord search NAME --federated "
            "--case X --crime-area thb. Ctrl-C stops them."
        )
        try:
            while all(n.process is not None and n.process.poll() is None for n in nodes):
                time.sleep(1)
        except KeyboardInterrupt:
            console.print("stopping the nodes")
    finally:
        stop_nodes(nodes)
        signal.signal(signal.SIGTERM, previous)
