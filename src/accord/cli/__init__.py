"""The `accord` command line (Typer + Rich)."""

from __future__ import annotations

import os
import sys

import typer

from accord.errors import AccordError

from . import audit, demo, followup, outbox, peers, pki, policy, records, scenario, tokens, users
from .common import close_nodes, fail

__all__ = ["app", "main"]

app = typer.Typer(
    name="accord",
    help="Accord: federated cross-border criminal-intelligence exchange.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


@app.callback()
def _command(ctx: typer.Context) -> None:
    # Whatever a command appended to the ledger is signed before the process ends.
    ctx.call_on_close(close_nodes)


app.command()(records.init)
app.command()(records.ingest)
app.command()(records.search)
app.command()(records.show)
app.command()(records.serve)
app.add_typer(audit.app, name="audit")
app.add_typer(users.app, name="users")
app.add_typer(tokens.app, name="tokens")
app.add_typer(pki.app, name="pki")
app.add_typer(peers.app, name="peers")
app.add_typer(followup.app, name="followup")
app.add_typer(outbox.app, name="outbox")
app.add_typer(policy.agreements_app, name="agreements")
app.add_typer(policy.policy_app, name="policy")
app.command()(policy.export)
app.command()(demo.demo)
app.add_typer(scenario.app, name="scenario")


def _configure_logging() -> None:
    """Logs to standard error as the settings say (accord.logs); bad settings are a usage
    error naming the variable."""
    from pydantic import ValidationError

    from accord.logs import configure_logging
    from accord.settings import get_settings

    try:
        configure_logging(get_settings())
    except ValidationError as exc:
        wrong = "; ".join(
            f"ACCORD_{'_'.join(str(p) for p in e['loc']).upper()}: {e['msg']}" for e in exc.errors()
        )
        sys.stderr.write(f"error: {wrong}\n")
        raise SystemExit(2) from None


def main() -> None:
    """Console entry point. Click handles usage errors, --help and exit codes (standalone
    mode); domain errors become messages and exit codes; a user never sees a traceback."""
    try:
        _configure_logging()
        app()
    except AccordError as exc:
        raise SystemExit(fail(exc).exit_code) from None
    except Exception as exc:
        if os.environ.get("ACCORD_DEBUG"):
            raise
        sys.stderr.write(
            f"error: unexpected {type(exc).__name__}: {exc}\n"
            "This is a fault in Accord; run again with ACCORD_DEBUG=1 to see where it happened.\n"
        )
        raise SystemExit(70) from None
