"""`accord outbox run / list`: messages to partners waiting for delivery."""

from __future__ import annotations

import time
from typing import Annotated

import typer
from rich.table import Table

from accord.services.outbox import OutboxWorker, deliver_due, outbox_messages

from .common import console, node_from_env, print_json

__all__ = ["app"]

app = typer.Typer(
    help="The outbox: messages to partners, delivered at least once.", no_args_is_help=True
)


@app.command()
def run(
    once: Annotated[bool, typer.Option(help="Try every due message once, then exit.")] = False,
) -> None:
    """Deliver due messages (`accord serve --tls` runs this worker itself)."""
    node = node_from_env()
    if once:
        report = deliver_due(node)
        console.print(
            f"{report.delivered} delivered, {report.retried} to retry, {report.failed} refused"
        )
        return
    worker = OutboxWorker(node)
    worker.start()
    console.print("Delivering outbox messages; Ctrl-C to stop.")
    try:
        while True:
            time.sleep(1.0)
    except KeyboardInterrupt:
        worker.stop()


@app.command("list")
def list_(
    state: Annotated[str | None, typer.Option(help="pending, delivered or failed.")] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
) -> None:
    """Outbox messages, oldest first."""
    node = node_from_env()
    rows = outbox_messages(node, state)
    data = [
        {
            "message_id": r.message_id,
            "recipient": r.recipient,
            "kind": r.kind,
            "subject": r.subject,
            "state": r.state,
            "attempts": r.attempts,
            "next_attempt_at": r.next_attempt_at.isoformat(),
            "last_error": r.last_error,
        }
        for r in rows
    ]
    if json_out:
        print_json(data)
        return
    table = Table(title="Outbox")
    for col in ("message", "to", "kind", "subject", "state", "tries", "next try", "last error"):
        table.add_column(col)
    for d in data:
        table.add_row(
            *(
                str(d[k] or "")
                for k in (
                    "message_id",
                    "recipient",
                    "kind",
                    "subject",
                    "state",
                    "attempts",
                    "next_attempt_at",
                    "last_error",
                )
            )
        )
    console.print(table)
