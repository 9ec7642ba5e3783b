"""`accord xref`: cross-reference the node's records with another agency's, list the candidate
links, show one, and judge it (docs/xref.md)."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

import typer

from accord.errors import FieldError, ValidationError

from .common import Group, console, print_json, print_table, rich_console, say, table, user

__all__ = ["app", "judge", "links", "show", "xref"]

app = typer.Typer(
    help="Cross-reference this node's person records with other agencies' and judge the links.",
    cls=Group,
    invoke_without_command=True,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
)


class Engine(StrEnum):
    """The engines of `accord.services.xref_engines.ENGINES` (a test keeps them equal)."""

    AUTO = "auto"
    ACCORD = "accord"
    DUCKDB = "duckdb"
    SPARK = "spark"


class State(StrEnum):
    NEW = "new"
    SAME = "same"
    DIFFERENT = "different"
    UNSURE = "unsure"


class Verdict(StrEnum):
    SAME = "same"
    DIFFERENT = "different"
    UNSURE = "unsure"


def _options(exc: ValidationError) -> ValidationError:
    """The same errors, each field named as the option the user typed (`--against`)."""
    return ValidationError(
        [FieldError(f"--{e.field.replace('_', '-')}", e.reason) for e in exc.errors]
    )


_PHASES = {
    "read": "reading records",
    "prepare": "preparing records",
    "candidates": "finding candidates",
    "train": "training the model",
    "predict": "predicting pairs",
    "score": "scoring pairs",
    "store": "storing links",
}


@app.callback()
def xref(
    ctx: typer.Context,
    against: Annotated[
        str, typer.Option(help="An agency whose records this node holds (CC-NAME), or all.")
    ] = "all",
    among_partners: Annotated[
        bool,
        typer.Option(
            "--among-partners",
            help="With --against all: link the partners' records with one another too "
            "(a person two partners hold).",
        ),
    ] = False,
    since: Annotated[
        str | None,
        typer.Option(help="Only pairs with a record changed since then (ISO 8601 date or time)."),
    ] = None,
    engine: Annotated[
        Engine,
        typer.Option(
            help="auto: accord for small runs, duckdb above ACCORD_XREF_ACCORD_MAX records; "
            "spark needs PySpark and Java."
        ),
    ] = Engine.AUTO,
    json_out: Annotated[
        bool, typer.Option("--json", help="Print the run's report as JSON.")
    ] = False,
) -> None:
    """Link this node's person records with those of another agency it holds (or of all),
    and store the candidate links for judgement (POST /api/v1/xref/runs does the same).
    Then: `accord xref list`, `accord xref show LINK`, `accord xref judge LINK same`."""
    if ctx.invoked_subcommand is not None:
        return
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
    )

    from accord.services.xref import run_xref

    from .common import node_from_env

    node = node_from_env()
    actor = user(node, "POST /api/v1/xref/runs")
    with Progress(
        TextColumn("xref {task.description:<20}", markup=False),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=rich_console(stderr=True),
        transient=True,
        disable=json_out,
    ) as bar:
        tasks: dict[str, Any] = {}

        def progress(phase: str, done: int, total: int | None) -> None:
            if phase not in tasks:
                tasks[phase] = bar.add_task(_PHASES.get(phase, phase), total=total)
            bar.update(tasks[phase], completed=done, total=total)

        try:
            report = run_xref(
                node,
                actor,
                against=against,
                since=since,
                engine=engine.value,
                among_partners=among_partners,
                progress=progress,
            )
        except ValidationError as exc:
            raise _options(exc) from None
    if json_out:
        print_json(report.to_dict())
        return
    c = report.counts
    say(
        f"Run {report.run_id} ({report.engine}): {c['own']} own and {c['other']} other person "
        f"records, {c['candidates']} candidate pairs, ",
        (f"{c['proposed']} proposed", "bold"),
        f" ({c['new']} new, {c['refreshed']} seen before), "
        f"{c['suppressed']} left out as judged different.",
    )
    if c["proposed"]:
        say("Next: `accord xref list --state new`, then `accord xref judge LINK same|different`.")


@app.command("list")
def links(
    state: Annotated[State | None, typer.Option(help="Only links in this state.")] = None,
    agency: Annotated[str | None, typer.Option(help="Only links with this agency.")] = None,
    limit: Annotated[int, typer.Option(help="At most this many links (1-500).")] = 50,
    offset: Annotated[int, typer.Option(help="Skip this many links.")] = 0,
    json_out: Annotated[bool, typer.Option("--json", help="Print the links as JSON.")] = False,
) -> None:
    """The candidate links, best score first, with the clusters `same` judgements made
    (GET /api/v1/xref)."""
    from accord.services.xref import list_links

    from .common import node_from_env

    node = node_from_env()
    actor = user(node, "GET /api/v1/xref")
    try:
        page = list_links(
            node,
            actor,
            state=state.value if state else None,
            agency=agency,
            limit=limit,
            offset=offset,
        )
    except ValidationError as exc:
        raise _options(exc) from None
    if json_out:
        print_json(page.to_dict())
        return
    if not page.links:
        say("No links" + (f" in state {state.value}." if state else "; run `accord xref` first."))
        return
    shown = table(
        f"{len(page.links)} link(s)",
        *("link", "state", "score", "splink", "record", "record", "cluster"),
    )
    for link in page.links:
        probability = link["splink_probability"]
        shown.add_row(
            str(link["id"]),
            link["state"],
            f"{link['score']:.3f}",
            "" if probability is None else f"{probability:.3f}",
            _side(link["left"]),
            _side(link["right"]),
            _clusters(link),
        )
    print_table(shown, whole=("link",))
    for cluster in page.clusters:
        members = "; ".join(_side(r) for r in cluster["records"])
        say((f"cluster {cluster['id']}", "bold"), f": {members}")


def _side(side: dict[str, Any]) -> str:
    caption = f" {side['caption']}" if side.get("caption") else ""
    return f"{side['owner']} {side['id']}{caption}"


def _clusters(link: dict[str, Any]) -> str:
    if link["cluster"] is not None:
        return str(link["cluster"])
    found = [str(s["cluster"]) for s in (link["left"], link["right"]) if s["cluster"]]
    return " / ".join(found)


@app.command()
def show(
    link: Annotated[int, typer.Argument(metavar="LINK", help="The link's id.")],
    json_out: Annotated[bool, typer.Option("--json", help="Print the link as JSON.")] = False,
) -> None:
    """One link: both records, every feature of the score, and its judgements
    (GET /api/v1/xref/{link_id})."""
    from accord.services.xref import show_link

    from .common import node_from_env

    node = node_from_env()
    actor = user(node, "GET /api/v1/xref/{link_id}")
    found = show_link(node, actor, link)
    if json_out:
        print_json(found)
        return
    probability = found["splink_probability"]
    splink = "" if probability is None else f", Splink {probability:.3f}"
    say(
        (f"Link {found['id']}", "bold"),
        f" ({found['state']}): score {found['score']:.3f} ({found['algorithm']}){splink}, "
        f"proposed by {', '.join(found['proposed_by'])}",
    )
    sides = table(None, "", "left", "right")
    left, right = found["left"]["record"], found["right"]["record"]
    sides.add_row("record", _side(found["left"]), _side(found["right"]))
    for prop in sorted(set(left["properties"]) | set(right["properties"])):
        sides.add_row(
            prop,
            "; ".join(left["properties"].get(prop, [])),
            "; ".join(right["properties"].get(prop, [])),
        )
    console.print(sides)
    why = table("Features", "feature", "value", "contribution", "why")
    for f in found["features"]:
        why.add_row(f["feature"], f"{f['value']:+.2f}", f"{f['contribution']:+.2f}", f["detail"])
    console.print(why)
    for j in found["judgements"]:
        note = f": {j['note']}" if j["note"] else ""
        say(f"{j['at']} {j['by']} judged ", (j["judgement"], "bold"), note)


@app.command()
def judge(
    link: Annotated[int, typer.Argument(metavar="LINK", help="The link's id.")],
    verdict: Annotated[
        Verdict, typer.Argument(metavar="JUDGEMENT", help="same, different or unsure.")
    ],
    note: Annotated[str | None, typer.Option(help="Why, for whoever reads it next.")] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print the judgement as JSON.")] = False,
) -> None:
    """Judge a link; a new judgement replaces the state, never the record of the old one
    (POST /api/v1/xref/{link_id}/judgements)."""
    from accord.services.xref import judge_link

    from .common import node_from_env

    node = node_from_env()
    actor = user(node, "POST /api/v1/xref/{link_id}/judgements")
    try:
        made = judge_link(node, actor, link, verdict.value, note)
    except ValidationError as exc:
        raise _options(exc) from None
    if json_out:
        print_json(made)
        return
    say(f"Link {made['link']}: ", (made["state"], "bold"), f" (was {made['previous']}).")
