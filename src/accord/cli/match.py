"""`accord match`: find the records of one described person, scored and explained."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from .common import node_from_env, print_json, print_table, say, table, user

__all__ = ["match"]

#: The default algorithm's name (`accord.matching.score.ALGORITHM`; a test keeps them equal,
#: so that `--help` need not import the matcher).
ALGORITHM = "accord-v3"


def match(
    name: Annotated[list[str], typer.Option("--name", help="A name of the person; repeat.")],
    case: Annotated[
        str, typer.Option("--case", help="Case reference or free-text justification (required).")
    ],
    crime_area: Annotated[str, typer.Option(help="Crime-area code, e.g. thb (required).")],
    dob: Annotated[
        list[str] | None, typer.Option("--dob", help="Birth date: 1981, 1981-03, 1981-03-02.")
    ] = None,
    country: Annotated[
        list[str] | None, typer.Option(help="Nationality, ISO 3166-1 alpha-2 (e.g. ua).")
    ] = None,
    gender: Annotated[str | None, typer.Option(help="male, female or other.")] = None,
    passport: Annotated[list[str] | None, typer.Option(help="A passport number; repeat.")] = None,
    id_number: Annotated[
        list[str] | None, typer.Option("--id-number", help="A national id number; repeat.")
    ] = None,
    purpose: Annotated[str, typer.Option(help="Purpose code.")] = "investigation",
    threshold: Annotated[
        float | None, typer.Option(help="Score to reach, 0..1 (default: the node's).")
    ] = None,
    limit: Annotated[int, typer.Option(help="At most this many results.")] = 10,
    algorithm: Annotated[str, typer.Option(help="The matching algorithm.")] = ALGORITHM,
    json_out: Annotated[bool, typer.Option("--json", help="Print the answer as JSON.")] = False,
    federated: Annotated[
        bool, typer.Option(help="Ask the partners too (each answers by its own threshold).")
    ] = False,
    partner: Annotated[
        list[str] | None, typer.Option(help="With --federated: only this partner; repeat.")
    ] = None,
) -> None:
    """Match a described person against this node's records: each result with its score and
    what made it (POST /api/v1/match does the same; with --federated,
    POST /api/v1/federated-match)."""
    from accord.services.match import match_records, parse_queries
    from accord.services.purpose import parse_purpose

    node = node_from_env()
    actor = user(node, "POST /api/v1/federated-match" if federated else "POST /api/v1/match")
    stated = parse_purpose(purpose, case, crime_area)
    properties: dict[str, list[str]] = {"name": name}
    for prop, values in (
        ("birthDate", dob),
        ("nationality", country),
        ("gender", [gender] if gender else None),
        ("passportNumber", passport),
        ("idNumber", id_number),
    ):
        if values:
            properties[prop] = list(values)
    described = {"query": {"schema": "Person", "properties": properties}}
    queries = parse_queries(described, node.agency[:2])
    used, hits = match_records(
        node, actor, queries, stated, threshold=threshold, limit=limit, algorithm=algorithm
    )["query"]
    asked = None
    if federated:
        from accord.services.federation import PartnerQuery, federated_match

        query = queries["query"]
        asked = federated_match(
            node,
            actor,
            {"query": PartnerQuery(None, query.schema, query.properties)},
            stated,
            partners=partner,
            limit=limit,
        )["query"]
    if json_out:
        out = {"threshold": used, "results": [h.to_dict(used) for h in hits]}
        if asked is not None:
            out["federated"] = asked.to_dict()
        print_json(out)
        return
    _print_local(used, hits)
    if asked is not None:
        from .peers import print_federated

        print_federated(node, asked, f"Partners' matches for {name[0]!r}", partner, local=False)


def _print_local(used: float, hits: list[Any]) -> None:
    if not hits:
        say(f"No record here reaches the threshold {used:.2f}.")
        return
    found = table(
        f"{len(hits)} match(es) at or above {used:.2f}",
        *("id", "caption", "owner", "score", "why"),
    )
    for h in hits:
        why = "; ".join(
            f"{f.name} {f.contribution:+.2f}: {f.detail}" for f in h.result.features if f.value
        )
        found.add_row(h.record.id, h.caption, h.record.owner, f"{h.result.score:.3f}", why)
    print_table(found, whole=("id",))
