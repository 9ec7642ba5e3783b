"""Cross-referencing as use cases: link the node's own person records with those of another
agency it holds (or of all of them, and with `among_partners` the partners' records with one
another too: two partners' records of one person), store the candidate links for analysts,
and take their judgements.

A run reads both sides, gets candidate pairs from an engine (`accord.services.xref_engines`),
leaves out every pair an analyst judged `different`, scores each remaining candidate with the
accord matcher, and proposes a pair when the matcher's score reaches `ACCORD_XREF_THRESHOLD`
or Splink's match probability reaches `ACCORD_XREF_PROBABILITY`. Links are stored with both
figures and the matcher's features; the run, its parameters and its counts go to the ledger
in the transaction that stores them.

Judgements are appended, never changed: a link's state is its latest judgement, an undo is a
new judgement. `same` links join records into clusters for display
(`accord.linkage.clusters`). Reading links returns record content (captions, and a link's
two records), so every listing and every link shown goes to the ledger.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

from accord.auth import ACCESS
from accord.errors import FieldError, Forbidden, NotFound, ValidationError
from accord.linkage.clusters import canonical, clusters
from accord.linkage.spec import SPEC, load_spec
from accord.matching.score import MatchResult, Subject, load_weights, score, subject_of
from accord.model import Principal, is_agency_code
from accord.services.audit import Event, record_event
from accord.services.node import Node
from accord.services.xref_engines import (
    ENGINES,
    OTHER,
    OWN,
    Candidate,
    Progress,
    accord_candidates,
    check_spark,
    prepare_rows,
    splink_candidates,
)
from accord.store import records as record_store
from accord.store import xref as store
from accord.store.xref import LinkRow, Pair, PersonRow, Side

__all__ = [
    "JUDGEMENTS",
    "MAX_LIST",
    "STATES",
    "LinkPage",
    "RunReport",
    "judge_link",
    "list_links",
    "parse_since",
    "run_xref",
    "show_link",
]

#: What an analyst may say of a link.
JUDGEMENTS = ("same", "different", "unsure")
#: The states a listing filters by: `new` (not judged yet) or the latest judgement.
STATES = ("new", *JUDGEMENTS)
MAX_LIST = 500
MAX_OFFSET = 100_000
MAX_NOTE = 2000
_BATCH = 5000

_RUN, _LIST, _SHOW, _JUDGE = (
    "POST /api/v1/xref/runs",
    "GET /api/v1/xref",
    "GET /api/v1/xref/{link_id}",
    "POST /api/v1/xref/{link_id}/judgements",
)


def _quiet(phase: str, done: int, total: int | None) -> None:
    return None


def _require(principal: Principal, route: str, what: str) -> None:
    """The roles of the route in the access matrix, asked of the principal whatever the
    entry point (the API checks a token's scopes as well)."""
    roles = ACCESS[route].roles
    if not roles & principal.roles:
        wanted = ", ".join(sorted(roles))
        raise Forbidden(f"{principal.label} may not {what}: this needs one of the roles {wanted}")


def parse_since(value: str | datetime | None) -> datetime | None:
    """`--since`: an ISO 8601 date (midnight UTC) or date and time (UTC unless it says)."""
    if value is None or isinstance(value, datetime):
        return value if value is None or value.tzinfo else value.replace(tzinfo=UTC)
    text = value.strip()
    try:
        if len(text) == 10:
            return datetime.combine(date.fromisoformat(text), time(), tzinfo=UTC)
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise ValidationError(
            FieldError("since", "an ISO 8601 date or time, e.g. 2026-11-01 or 2026-11-01T08:00Z")
        ) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class RunReport:
    run_id: int
    engine: str
    against: str
    since: datetime | None
    parameters: dict[str, Any]
    counts: dict[str, int]
    among_partners: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "run": self.run_id,
            "engine": self.engine,
            "against": self.against,
            "among_partners": self.among_partners,
            "since": self.since.isoformat() if self.since else None,
            "parameters": self.parameters,
            "counts": self.counts,
        }


def _check_run(node: Node, against: str, engine: str, among_partners: bool) -> None:
    errors = []
    if engine not in ENGINES:
        errors.append(FieldError("engine", f"one of {', '.join(ENGINES)}"))
    if among_partners and against != "all":
        errors.append(
            FieldError("among_partners", "links every partner with every other: only with all")
        )
    if against != "all":
        if not is_agency_code(against):
            errors.append(FieldError("against", "an agency code (CC-NAME) or all"))
        elif against == node.agency:
            errors.append(
                FieldError("against", f"{against} is this node's own agency; name another or all")
            )
    if errors:
        raise ValidationError(errors)


def _read(node: Node, side: Side, total: int, progress: Progress, done: int) -> list[PersonRow]:
    rows: list[PersonRow] = []
    after = 0
    while True:
        with node.engine.connect() as conn:
            batch = store.person_batch(conn, side, after, _BATCH)
        if not batch:
            return rows
        rows.extend(batch)
        after = batch[-1].pk
        progress("read", done + len(rows), total)


def run_xref(
    node: Node,
    principal: Principal,
    *,
    against: str = "all",
    since: str | datetime | None = None,
    engine: str = "auto",
    among_partners: bool = False,
    progress: Progress = _quiet,
) -> RunReport:
    """Link the node's own person records with those of `against` (an agency whose records
    the node holds, or `all` of them); with `among_partners` (and `all`), every partner's
    records with every other partner's as well, so that a person two partners hold is linked
    however neither spelling matches the node's own; with `since`, only pairs with a record
    changed since then. Returns what the run stored; the ledger has the same."""
    against = against.strip() if against.strip().lower() != "all" else "all"
    _check_run(node, against, engine, among_partners)
    changed_since = parse_since(since)
    _require(principal, _RUN, "cross-reference records")
    if engine == "spark":
        check_spark()
    started = datetime.now(UTC)
    settings = node.settings
    own = Side(owners=(node.agency,))
    other = Side(exclude=node.agency) if against == "all" else Side(owners=(against,))
    with node.engine.connect() as conn:
        held = store.held_owners(conn)
    if against != "all" and against not in held:
        raise ValidationError(
            FieldError("against", f"this node holds no person records of {against}")
        )
    own_total = held.get(node.agency, 0)
    partners = sorted(o for o in held if o != node.agency and other.admits(o))
    other_total = sum(held[o] for o in partners)
    mine = _read(node, own, own_total + other_total, progress, 0)
    theirs = _read(node, other, own_total + other_total, progress, len(mine))
    by_pk = {r.pk: r for r in (*mine, *theirs)}

    def fresh(row: PersonRow) -> bool:
        return changed_since is None or row.updated_at >= changed_since

    chosen = engine
    if engine == "auto":
        chosen = "accord" if len(mine) + len(theirs) <= settings.xref_accord_max else "duckdb"
    spec = load_spec(SPEC)
    model: dict[str, Any] = {}
    if chosen == "accord":
        # Every own record asks the index for its candidates on the other side; with
        # `since`, the other side's changed records also ask for theirs among the own; among
        # partners, each partner's records ask among the other partners'.
        queries: list[tuple[PersonRow, Side]] = [(r, other) for r in mine if fresh(r)]
        if changed_since is not None:
            queries += [(r, own) for r in theirs if fresh(r)]
        if among_partners and len(partners) > 1:
            elsewhere = {o: Side(owners=tuple(p for p in partners if p != o)) for o in partners}
            queries += [(r, elsewhere[r.owner]) for r in theirs if fresh(r)]
        with node.engine.connect() as conn:
            found = accord_candidates(conn, queries, settings.xref_candidates, progress)
    else:
        # One source dataset a side, or among partners one an agency: Splink pairs records
        # across datasets, never within one.
        def dataset(row: PersonRow) -> str:
            if row.owner == node.agency:
                return OWN
            return row.owner if among_partners else OTHER

        items = [(r, dataset(r), fresh(r)) for r in (*mine, *theirs)]
        prepared = prepare_rows(items, progress)
        groups: dict[str, list[Any]] = {}
        for p in prepared:
            groups.setdefault(p.source_dataset, []).append(p)
        found, model = splink_candidates(
            [groups.get(OWN, []), *(rows for name, rows in sorted(groups.items()) if name != OWN)],
            spec,
            backend=chosen,
            work_dir=Path(settings.home) / "xref",
            fresh_only=changed_since is not None,
            spark_master=settings.xref_spark_master,
            progress=progress,
        )
    with node.engine.connect() as conn:
        different = store.different_pairs(conn)
    links, suppressed = _proposals(found, by_pk, different, node, progress)
    parameters = {
        "engine": chosen,
        "requested_engine": engine,
        "spec": spec.name,
        "algorithm": load_weights().algorithm,
        "threshold": settings.xref_threshold,
        "probability": settings.xref_probability,
        "among_partners": among_partners,
        **({"model": model} if model else {}),
    }
    counts = {
        "own": len(mine),
        "other": len(theirs),
        "fresh": sum(1 for r in by_pk.values() if fresh(r)),
        "candidates": len(found),
        "suppressed": suppressed,
        "proposed": len(links),
    }
    progress("store", 0, len(links))
    finished = datetime.now(UTC)
    with node.engine.begin() as conn:
        run_id = store.insert_run(
            conn,
            started_at=started,
            finished_at=finished,
            actor=principal.label,
            engine=chosen,
            against=against,
            since=changed_since,
            parameters=parameters,
        )
        created = store.upsert_links(conn, [{**link, "run_id": run_id} for link in links], finished)
        counts.update(new=created, refreshed=len(links) - created)
        store.set_run_counts(conn, run_id, counts)
        record_event(
            conn,
            Event.XREF_RUN,
            principal,
            {
                "run": run_id,
                "against": against,
                "since": changed_since.isoformat() if changed_since else None,
                **parameters,
                "counts": counts,
            },
        )
    progress("store", len(links), len(links))
    return RunReport(run_id, chosen, against, changed_since, parameters, counts, among_partners)


def _features(result: MatchResult, proposed_by: list[str]) -> dict[str, Any]:
    return {
        "proposed_by": proposed_by,
        "features": [
            {
                "feature": f.name,
                "value": f.value,
                "weight": f.weight,
                "contribution": f.contribution,
                "detail": f.detail,
            }
            for f in result.features
        ],
    }


def _proposals(
    found: Sequence[Candidate],
    by_pk: dict[int, PersonRow],
    different: set[Pair],
    node: Node,
    progress: Progress,
) -> tuple[list[dict[str, Any]], int]:
    """The candidates worth an analyst's time, as link rows; and how many were left out
    because an analyst judged the pair `different`."""
    settings = node.settings
    weights = load_weights()
    subjects: dict[int, Subject] = {}

    def subject(pk: int) -> Subject:
        if pk not in subjects:
            subjects[pk] = subject_of("Person", by_pk[pk].properties)
        return subjects[pk]

    links: list[dict[str, Any]] = []
    suppressed = 0
    progress("score", 0, len(found))
    for done, cand in enumerate(found, start=1):
        a, b = by_pk[cand.own], by_pk[cand.other]
        pair = canonical((a.owner, a.entity_id), (b.owner, b.entity_id))
        if pair in different:
            suppressed += 1
            continue
        result = score(subject(cand.own), subject(cand.other), weights)
        proposed_by = []
        if cand.probability is not None and cand.probability >= settings.xref_probability:
            proposed_by.append("splink")
        if result.score >= settings.xref_threshold:
            proposed_by.append("accord")
        if proposed_by:
            links.append(
                {
                    "left_owner": pair[0],
                    "left_id": pair[1],
                    "right_owner": pair[2],
                    "right_id": pair[3],
                    "engine": "accord" if cand.probability is None else "splink",
                    "score": result.score,
                    "algorithm": result.algorithm,
                    "features": _features(result, proposed_by),
                    "splink_probability": (
                        None if cand.probability is None else round(cand.probability, 6)
                    ),
                }
            )
        if done % 1000 == 0 or done == len(found):
            progress("score", done, len(found))
    return links, suppressed


# --- links and judgements ----------------------------------------------------------------------


@dataclass(slots=True)
class LinkPage:
    """A listing: the links, and the clusters their records are in."""

    links: list[dict[str, Any]] = field(default_factory=list)
    clusters: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"links": self.links, "clusters": self.clusters}


def _cluster_map(conn: Any) -> tuple[dict[tuple[str, str], int], dict[int, list[tuple[str, str]]]]:
    edges = [(lid, (p[0], p[1]), (p[2], p[3])) for lid, p in store.same_pairs(conn)]
    member_of = clusters(edges)
    members: dict[int, list[tuple[str, str]]] = {}
    for ref, cid in sorted(member_of.items()):
        members.setdefault(cid, []).append(ref)
    return member_of, members


def _side(ref: tuple[str, str], caps: dict[Any, Any], member_of: dict[Any, int]) -> dict[str, Any]:
    found = caps.get(ref)
    return {
        "owner": ref[0],
        "id": ref[1],
        "caption": found[1] if found else None,
        "cluster": member_of.get(ref),
    }


def _view(link: LinkRow, caps: dict[Any, Any], member_of: dict[Any, int]) -> dict[str, Any]:
    left, right = _side(link.left, caps, member_of), _side(link.right, caps, member_of)
    shared = left["cluster"] if left["cluster"] == right["cluster"] else None
    return {
        "id": link.id,
        "state": link.state or "new",
        "left": left,
        "right": right,
        "cluster": shared,
        "score": link.score,
        "splink_probability": link.splink_probability,
        "algorithm": link.algorithm,
        "engine": link.engine,
        "proposed_by": link.features.get("proposed_by", []),
        "features": {
            f["feature"]: f["contribution"] for f in link.features.get("features", []) if f["value"]
        },
        "run": link.run_id,
        "created_at": link.created_at.isoformat(),
        "updated_at": link.updated_at.isoformat(),
    }


def list_links(
    node: Node,
    principal: Principal,
    *,
    state: str | None = None,
    agency: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> LinkPage:
    """Links between current records, best score first, with the clusters their records are
    in; the listing and every record it names go to the ledger as one entry."""
    errors = []
    if state is not None and state not in STATES:
        errors.append(FieldError("state", f"one of {', '.join(STATES)}"))
    if agency is not None and not is_agency_code(agency):
        errors.append(FieldError("agency", "an agency code (CC-NAME)"))
    if not 1 <= limit <= MAX_LIST:
        errors.append(FieldError("limit", f"must be between 1 and {MAX_LIST}"))
    if not 0 <= offset <= MAX_OFFSET:
        errors.append(FieldError("offset", f"must be between 0 and {MAX_OFFSET}"))
    if errors:
        raise ValidationError(errors)
    _require(principal, _LIST, "read cross-reference links")
    page = LinkPage()
    with node.engine.begin() as conn:
        links = store.list_links(conn, state=state, agency=agency, limit=limit, offset=offset)
        member_of, members = _cluster_map(conn)
        touched = sorted(
            {
                member_of[ref]
                for link in links
                for ref in (link.left, link.right)
                if ref in member_of
            }
        )
        refs = {ref for link in links for ref in (link.left, link.right)}
        refs.update(ref for cid in touched for ref in members[cid])
        caps = store.captions(conn, refs)
        page.links = [_view(link, caps, member_of) for link in links]
        page.clusters = [
            {"id": cid, "records": [_side(ref, caps, member_of) for ref in members[cid]]}
            for cid in touched
        ]
        shown = sorted(ref for ref in refs if ref in caps)
        record_event(
            conn,
            Event.RECORD_READ,
            principal,
            {
                "xref": {"state": state, "agency": agency, "limit": limit, "offset": offset},
                "links": [link.id for link in links],
                "records": [[owner, rid, caps[(owner, rid)][2]] for owner, rid in shown],
            },
        )
    return page


def _one_link(conn: Any, link_id: int, *, lock: bool = False) -> LinkRow:
    if link_id < 1:
        raise NotFound(f"no link {link_id}")
    link = store.get_link(conn, link_id, lock=lock)
    if link is None:
        raise NotFound(f"no link {link_id}")
    return link


def show_link(node: Node, principal: Principal, link_id: int) -> dict[str, Any]:
    """One link with both records in full, every feature explained, its judgements oldest
    first and its cluster; the read goes to the ledger naming both records."""
    _require(principal, _SHOW, "read cross-reference links")
    with node.engine.begin() as conn:
        link = _one_link(conn, link_id)
        stored = {}
        for owner, rid in (link.left, link.right):
            found = record_store.get_record(conn, rid, owner)
            if not found:
                raise NotFound(f"link {link_id}: record {rid!r} of {owner} was withdrawn")
            stored[(owner, rid)] = found[0]
        member_of, members = _cluster_map(conn)
        caps = {ref: (s.pk, s.caption, s.record.envelope.version) for ref, s in stored.items()}
        view = _view(link, caps, member_of)
        view["features"] = link.features.get("features", [])
        view["left"]["record"] = stored[link.left].record.to_dict()
        view["right"]["record"] = stored[link.right].record.to_dict()
        view["judgements"] = [j.to_dict() for j in store.judgements_of(conn, link_id)]
        cid = view["cluster"]
        view["cluster_records"] = [list(ref) for ref in members.get(cid, [])] if cid else []
        record_event(
            conn,
            Event.RECORD_READ,
            principal,
            {
                "xref_link": link_id,
                "records": [
                    [owner, rid, stored[(owner, rid)].record.envelope.version]
                    for owner, rid in (link.left, link.right)
                ],
            },
        )
    return view


def judge_link(
    node: Node, principal: Principal, link_id: int, judgement: str, note: str | None = None
) -> dict[str, Any]:
    """Append a judgement of link `link_id` (same, different or unsure) and its ledger entry,
    in one transaction. Refused, with nothing written: a role that may not judge (403), a
    value that is not a judgement or an over-long note (422), a link that does not exist
    (404)."""
    _require(principal, _JUDGE, "judge cross-reference links")
    errors = []
    if judgement not in JUDGEMENTS:
        errors.append(FieldError("judgement", f"one of {', '.join(JUDGEMENTS)}"))
    text = (note or "").strip() or None
    if text is not None and len(text) > MAX_NOTE:
        errors.append(FieldError("note", f"at most {MAX_NOTE} characters"))
    if errors:
        raise ValidationError(errors)
    at = datetime.now(UTC)
    with node.engine.begin() as conn:
        link = _one_link(conn, link_id, lock=True)
        made = store.add_judgement(conn, link.id, judgement, text, principal.label, at)
        record_event(
            conn,
            Event.XREF_JUDGEMENT,
            principal,
            {
                "link": link.id,
                "pair": [list(link.left), list(link.right)],
                "judgement": judgement,
                "previous": link.state or "new",
                "note": text,
            },
        )
    return {
        "link": link.id,
        "state": judgement,
        "previous": link.state or "new",
        "judgement": made.to_dict(),
    }
