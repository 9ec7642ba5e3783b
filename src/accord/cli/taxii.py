"""`accord taxii`: the node's TAXII 2.1 collections, and the external feeds it pulls
(docs/stix.md)."""

from __future__ import annotations

import time
from typing import Annotated

import typer

from .common import OperatorOption, acting, new_app, node_from_env, print_json, rich_console, say
from .common import table as new_table

__all__ = ["app"]

app = new_app("TAXII 2.1: the node's collections, and the external feeds it pulls.")


@app.command(name="add-collection")
def add_collection(
    title: Annotated[str, typer.Option(help="The collection's title.")],
    purpose: Annotated[str, typer.Option(help="The purpose partners' reads are for.")],
    crime_area: Annotated[str, typer.Option(help="The crime area partners' reads are for.")],
    types: Annotated[
        list[str] | None, typer.Option("--type", help="Only this STIX type; repeat for several.")
    ] = None,
    description: Annotated[str | None, typer.Option(help="What the collection holds.")] = None,
    read_role: Annotated[
        list[str] | None,
        typer.Option(help="A role that may read (default: casework and taxii_client)."),
    ] = None,
    write_role: Annotated[
        list[str] | None, typer.Option(help="A role that may add objects (default: casework).")
    ] = None,
    operator_name: OperatorOption = None,
) -> None:
    """Create a collection: a view over the node's STIX objects that a partner's client reads
    through the agreements, for the purpose and crime area given."""
    from accord.services import taxii

    node = node_from_env()
    actor = acting(node, operator_name, role="node_admin")
    extra = {}
    if read_role:
        extra["read_roles"] = tuple(read_role)
    if write_role:
        extra["write_roles"] = tuple(write_role)
    row = taxii.create_collection(
        node,
        actor,
        title=title,
        purpose=purpose,
        crime_area=crime_area,
        types=tuple(types or ()),
        description=description,
        **extra,  # type: ignore[arg-type]
    )
    say(
        "Collection ",
        (row.id, "bold"),
        f" {row.title!r}: /taxii2/{taxii.API_ROOT}/collections/{row.id}/",
    )


@app.command()
def collections() -> None:
    """List the node's collections."""
    from accord.services import taxii

    rows = taxii.all_collections(node_from_env())
    shown = new_table("TAXII collections", "id", "title", "types", "purpose", "read", "write")
    for c in rows:
        shown.add_row(
            c.id,
            c.title,
            ", ".join(c.types or ["all"]),
            f"{c.purpose} / {c.crime_area}",
            ", ".join(c.read_roles),
            ", ".join(c.write_roles),
        )
    rich_console().print(shown)


@app.command(name="add-feed")
def add_feed(
    url: Annotated[str, typer.Argument(help="The TAXII 2.1 API root, https://…/api-root/.")],
    collection: Annotated[str, typer.Option("--collection", help="The collection id to pull.")],
    name: Annotated[
        str | None, typer.Option(help="A name for the feed (default: the host).")
    ] = None,
    token_env: Annotated[
        str | None,
        typer.Option(help="The environment variable holding the feed's bearer token."),
    ] = None,
    tlp: Annotated[
        str | None, typer.Option(help="TLP of objects without a TLP marking (default AMBER).")
    ] = None,
    reliability: Annotated[
        str | None, typer.Option(help="Source reliability A, B, C or X.")
    ] = None,
    assessment: Annotated[str | None, typer.Option(help="Information assessment 1-4.")] = None,
    crime_area: Annotated[
        list[str] | None, typer.Option(help="Crime-area code; repeat for several.")
    ] = None,
    added_after: Annotated[
        str | None, typer.Option(help="Start with objects added after this TAXII timestamp.")
    ] = None,
    operator_name: OperatorOption = None,
) -> None:
    """Register an external TAXII 2.1 collection to pull (the token stays in the environment)."""
    from urllib.parse import urlsplit

    from accord.services import taxii_feeds

    node = node_from_env()
    actor = acting(node, operator_name, role="node_admin")
    row = taxii_feeds.add_feed(
        node,
        actor,
        name=name or urlsplit(url).netloc or url,
        url=url,
        collection_id=collection,
        token_env=token_env,
        envelope={
            "tlp": tlp,
            "reliability": reliability,
            "assessment": assessment,
            "crime_areas": list(crime_area) if crime_area else None,
        },
        added_after=added_after,
    )
    say("Feed ", (row.name, "bold"), f": {row.url} collection {row.collection_id}")


@app.command()
def pull(
    feed: Annotated[
        list[str] | None, typer.Option("--feed", help="Only this feed; repeat for several.")
    ] = None,
    every: Annotated[
        float | None,
        typer.Option(help="Pull again every this many seconds until interrupted."),
    ] = None,
    page_size: Annotated[int, typer.Option(help="Objects asked for per page.", min=1)] = 500,
    json_out: Annotated[bool, typer.Option("--json", help="Print the results as JSON.")] = False,
) -> None:
    """Pull the feeds: objects added since the last complete pull, page by page, imported as
    `accord stix import` does. A pull that fails resumes from its last page next time.

    Exit status: 0 every feed pulled to its end, 1 some feed failed (see its error)."""
    from accord.services import taxii_feeds

    node = node_from_env()
    actor = acting(node, None, "POST /api/v1/stix/bundles")
    names = list(feed or [f.name for f in taxii_feeds.list_feeds(node)])
    failed = False
    while True:
        results = [taxii_feeds.pull_feed(node, actor, n, page_size=page_size) for n in names]
        failed = any(not r.complete for r in results)
        if json_out:
            print_json([r.to_dict() for r in results])
        else:
            for r in results:
                state = ("complete", "green") if r.complete else (f"stopped: {r.error}", "red")
                say(
                    (r.feed, "bold"),
                    f": {r.pages} page(s), {r.created} new, {r.existing} known, ",
                    (f"{r.refused} refused", "red" if r.refused else "green"),
                    "; ",
                    state,
                )
        if every is None:
            break
        time.sleep(every)
    if failed:
        raise typer.Exit(1)


@app.command()
def feeds() -> None:
    """List the feeds and where each pull got to."""
    from accord.services import taxii_feeds

    node = node_from_env()
    shown = new_table(
        "TAXII feeds", "name", "url", "collection", "added after", "last pull", "error"
    )
    for f in taxii_feeds.list_feeds(node):
        shown.add_row(
            f.name,
            f.url,
            f.collection_id,
            f.added_after or "—",
            f.last_pulled_at.isoformat() if f.last_pulled_at else "never",
            (f.last_error or "") + (" (resumes from its last page)" if f.next_page else ""),
        )
    rich_console().print(shown)
