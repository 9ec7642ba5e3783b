"""The `accord` command line (Typer + Rich).

Start-up is kept short: this package's modules import only typer, the standard library and
light accord modules at their top level; each command imports what it needs when it runs
(see `common`)."""

from __future__ import annotations

import sys
from typing import Any

import typer
from typer._click import Context

from accord.errors import AccordError

from . import (
    audit,
    demo,
    documents,
    followup,
    graph,
    match,
    messages,
    notices,
    outbox,
    peers,
    pki,
    policy,
    records,
    scenario,
    session,
    stix,
    taxii,
    tokens,
    users,
    xref,
)
from .common import Group, close_nodes, configure_logging, debug, fail

__all__ = ["app", "main"]


class AccordGroup(Group):
    """The root command: a domain error from any command becomes a message and an exit code
    (1, or 2 for invalid input), here, so every caller of `app` sees the same."""

    def invoke(self, ctx: Context) -> Any:
        try:
            return super().invoke(ctx)
        except AccordError as exc:
            raise fail(exc) from None

    def resolve_command(self, ctx: Context, args: list[str]) -> Any:
        # The root callback runs before a subcommand parses its arguments, so it learns here
        # whether they ask only for help (which needs no logging and no settings).
        given = args[: args.index("--")] if "--" in args else args
        ctx.meta["accord.help"] = any(name in given for name in ctx.help_option_names)
        return super().resolve_command(ctx, args)


app = typer.Typer(
    name="accord",
    cls=AccordGroup,
    help="Accord: federated cross-border criminal-intelligence exchange.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    add_completion=False,
)


@app.callback()
def _command(ctx: typer.Context) -> None:
    # Runs before every command: logging as the settings say (not for a subcommand's --help,
    # whose start-up it would treble), and whatever the command appends to the ledger is
    # signed before the process ends.
    configure_logging(deferred=ctx.meta.get("accord.help", False))
    ctx.call_on_close(close_nodes)


app.command()(records.init)
app.command()(session.login)
app.command()(session.logout)
app.command()(session.whoami)
app.command()(records.ingest)
app.command()(records.search)
app.command()(match.match)
app.command()(records.reindex)
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
app.add_typer(demo.app, name="demo")
app.add_typer(scenario.app, name="scenario")
app.add_typer(xref.app, name="xref")
app.add_typer(documents.app, name="documents")
app.add_typer(notices.app, name="notices")
app.add_typer(notices.alerts_app, name="alerts")
app.add_typer(messages.messages_app, name="messages")
app.add_typer(messages.cases_app, name="cases")
app.add_typer(messages.mla_app, name="mla")
app.add_typer(graph.app, name="graph")
app.add_typer(stix.app, name="stix")
app.add_typer(taxii.app, name="taxii")


def main() -> None:
    """Console entry point. Click handles usage errors, --help and exit codes (standalone
    mode); domain errors become messages and exit codes; a user never sees a traceback."""
    try:
        app()
    except AccordError as exc:
        raise SystemExit(fail(exc).exit_code) from None
    except Exception as exc:
        if debug():
            raise
        sys.stderr.write(
            f"error: unexpected {type(exc).__name__}: {exc}\n"
            "This is a fault in Accord; run again with ACCORD_DEBUG=1 to see where it happened.\n"
        )
        raise SystemExit(70) from None
