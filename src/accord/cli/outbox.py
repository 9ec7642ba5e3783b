"""`accord outbox run / list`: messages to partners waiting for delivery."""

from __future__ import annotations

import time
from typing import Annotated

import typer

from .common import new_app, node_from_env, print_json, print_table, say, table

__all__ = ["app"]

app = new_app("The outbox: messages to partners, delivered at least once.")


@app.command()
def run(
    once: Annotated[bool, typer.Option(help="Try every due message once, then exit.")] = False,
) -> None:
    """Deliver due messages (`accord serve --tls` runs this worker itself)."""
    from accord.services.outbox import OutboxWorker, deliver_due

    node = node_from_env()
    if once:
        report = deliver_due(node)
        say(f"{report.delivered} delivered, {report.retried} to retry, {report.failed} refused")
        return
    worker = OutboxWorker(node)
    worker.start()
    say("Delivering outbox messages; Ctrl-C to stop.")
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
    from accord.services.outbox import outbox_messages

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
    listed = table(
        "Outbox", *("message", "to", "kind", "subject", "state", "tries", "next try", "last error")
    )
    for d in data:
        listed.add_row(
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
    print_table(listed, whole=("message",))
