"""`accord demo`: a narrated tour of one node (init, ingest, search, show, policy, audit)."""

from __future__ import annotations

import os
import shutil
from importlib import resources
from pathlib import Path
from typing import Annotated

import typer
from rich.panel import Panel
from rich.table import Table

from accord.model import EnvelopeDefaults
from accord.services import agreements, audit, policy_tools
from accord.services import records as record_service
from accord.services.ingest import ingest_stream
from accord.services.node import init_node
from accord.services.purpose import parse_purpose
from accord.services.search import search_local
from accord.settings import Settings

from .common import console

__all__ = ["demo"]

EXAMPLES = Path(__file__).resolve().parents[3] / "examples" / "agreements"


def _step(title: str, text: str) -> None:
    console.print()
    console.print(Panel(text, title=f"[bold]{title}[/]", expand=False))


def _agreement_files() -> list[tuple[str, str]]:
    packaged = resources.files("accord.data").joinpath("agreements")
    if packaged.is_dir():
        return [
            (p.name, p.read_text("utf-8"))
            for p in sorted(packaged.iterdir(), key=lambda p: p.name)
            if p.name.endswith(".yaml")
        ]
    return [(p.name, p.read_text("utf-8")) for p in sorted(EXAMPLES.glob("*.yaml"))]


def demo(
    home: Annotated[
        Path, typer.Option(help="Where the demo node keeps its data (recreated).")
    ] = Path("demo-out"),
    check: Annotated[
        bool, typer.Option("--check", help="Exit non-zero if an expected outcome fails.")
    ] = False,
) -> None:
    """Tour one DE-BKA node: create it, load records and agreements, search with a stated
    purpose, see what each partner would receive, and prove the audit ledger intact."""
    if home.exists():
        shutil.rmtree(home)
    os.environ["ACCORD_HOME"] = str(home)
    failures: list[str] = []

    def expect(ok: bool, what: str) -> None:
        if not ok:
            failures.append(what)
            console.print(f"[bold red]✗ expected:[/] {what}")

    settings = Settings(home=home)
    node = init_node(settings, "DE-BKA", "Bundeskriminalamt")
    me = node.operator()
    _step(
        "1. A node", f"DE-BKA's node is ready in {home}/ (SQLite, its own Ed25519 and X25519 keys)."
    )

    sample = resources.files("accord.data").joinpath("sample/DE-BKA.ftm.jsonl")
    with sample.open("rb") as stream:
        report = ingest_stream(
            node, me, stream, defaults=EnvelopeDefaults(owner="DE-BKA"), source="DE-BKA.ftm.jsonl"
        )
    _step(
        "2. Ingest",
        f"Loaded {report.created} FollowTheMoney records with envelopes (handling codes, TLP, "
        f"4x4 evaluation, subject categories, crime areas). {report.rejected} rejected.",
    )
    expect(report.created == report.lines and report.rejected == 0, "every sample line loads")

    files = _agreement_files()
    ids = agreements.put_agreements(node, me, files)
    _step("3. Agreements", "In force: " + ", ".join(ids))

    purpose = parse_purpose("investigation", "BKA-2026-0042 (trafficking ring)", "thb")
    table = Table(title="searches, each with its stated purpose (case BKA-2026-0042, thb)")
    for col in ("query", "hits", "first hit", "match"):
        table.add_column(col)
    for query in ("Коваленко", "oleksandr kovalenko", "FE1234567", "DE89 3704 0044 0532 0130 00"):
        hits = search_local(node, me, query, purpose)
        first = hits[0] if hits else None
        table.add_row(
            query,
            str(len(hits)),
            f"{first.record.schema} {first.record.caption}" if first else "–",
            f"{first.match} {first.score:.2f}" if first else "–",
        )
        expect(bool(hits), f"a hit for {query!r}")
    console.print()
    console.print(table)

    record = record_service.get_record(node, me, "de-p-001")
    _step(
        "4. A record",
        f"{record.schema} {record.caption}, born {record.properties.get('birthDate', ['?'])[0]}; "
        f"handling {record.envelope.handling.value}, TLP:{record.envelope.tlp.value}, "
        f"evaluation {record.envelope.reliability.value}{record.envelope.assessment.value}, "
        f"{record.envelope.subject_category.value if record.envelope.subject_category else ''}",
    )

    policy = Table(title="what each partner would receive (policy decision per record)")
    for col in ("record", "NL-POLITIE", "UA-NPU", "CN-MPS"):
        policy.add_column(col)
    expected = {
        ("de-p-001", "NL-POLITIE"): "full",
        ("de-p-001", "UA-NPU"): "reference",
        ("de-doc-001", "UA-NPU"): "full",
        ("de-p-003", "NL-POLITIE"): "deny",
        ("de-p-001", "CN-MPS"): "deny",
    }
    for rid in ("de-p-001", "de-doc-001", "de-p-003"):
        row = [rid]
        for to in ("NL-POLITIE", "UA-NPU", "CN-MPS"):
            decision = policy_tools.check(node, me, to=to, record_id=rid, purpose=purpose).decision
            row.append(
                decision.mode.value
                + (f" ({', '.join(decision.reasons)})" if decision.reasons else "")
            )
            want = expected.get((rid, to))
            if want:
                expect(decision.mode.value == want, f"{rid} to {to} is {want}")
        policy.add_row(*row)
    console.print()
    console.print(policy)

    audit.sign_tree_head(node)
    result = audit.verify(node)
    head = audit.tree_head(node).head
    _step(
        "5. The ledger",
        f"{result.checked} entries (every ingest, read, search and policy decision), "
        f"root {head.root.hex()[:32]}…, signed by the node. Verification: "
        + ("[green]intact[/]" if result.ok else f"[red]NOT intact: {result.reason}[/]"),
    )
    expect(result.ok, "the ledger verifies")

    console.print()
    if failures:
        console.print(f"[bold red]{len(failures)} expected outcome(s) failed[/]")
        if check:
            raise typer.Exit(code=1)
    else:
        console.print(
            f"[bold green]Tour complete.[/] Try: ACCORD_HOME={home} accord search kovalenko "
            "--case X --crime-area thb;  accord audit show;  accord serve"
        )
