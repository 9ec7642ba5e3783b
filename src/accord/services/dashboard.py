"""The success metrics the field reports, counted from the ledger over a window of days:
federated searches and hit rates per partner with the partners' response times, follow-up
turnaround per partner (both sides), document checks per day, disclosures per clause and mode,
and the MLA turnaround (over every request sent, from the requests' own history, as
`/api/v1/mla/metrics` counts it). Counts and times only: no record
content, no query, no name."""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from typing import Any

from accord.errors import FieldError, ValidationError
from accord.model import Principal
from accord.model.mla import quantile
from accord.node import Node
from accord.services import mla
from accord.services.audit import Event
from accord.store import ledger as store

__all__ = ["MAX_DAYS", "success_metrics"]

#: The longest window a dashboard counts over.
MAX_DAYS = 366
NO_CLAUSE = "(no clause)"


def _stats(values: list[float]) -> dict[str, Any]:
    return {"count": len(values), "median": quantile(values, 0.5), "p90": quantile(values, 0.9)}


class _Tally:
    """What one pass over the window's ledger entries counts."""

    def __init__(self) -> None:
        self.searches: dict[str, dict[str, int]] = defaultdict(
            lambda: {"hits": 0, "no_hit": 0, "unavailable": 0}
        )
        self.seconds: dict[str, list[float]] = defaultdict(list)
        self.asked: dict[tuple[str, str], tuple[datetime, str]] = {}
        self.turnaround: dict[tuple[str, str], list[float]] = defaultdict(list)
        self.checks: dict[str, dict[str, int]] = defaultdict(lambda: {"checks": 0, "hits": 0})
        self.clauses: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))

    def add(self, event: str, at: datetime, d: dict[str, Any]) -> None:
        if event == Event.FEDERATION_ANSWER and d.get("direction") == "received":
            agency = str(d.get("agency") or d.get("partner"))
            status = str(d.get("status"))
            if status in ("hits", "no_hit", "unavailable"):
                self.searches[agency][status] += 1
            if isinstance(d.get("seconds"), int | float):
                self.seconds[agency].append(float(d["seconds"]))
        elif event == Event.FOLLOW_UP:
            self._follow_up(at, d)
        elif event == Event.DOCUMENT_CHECK:
            day = self.checks[at.date().isoformat()]
            day["checks"] += int(d.get("checks") or 0)
            day["hits"] += int(d.get("hits") or 0)
        elif event == Event.DISCLOSURE:
            for decision in d.get("decisions") or []:
                mode = str(decision.get("mode"))
                for clause in decision.get("clauses") or [NO_CLAUSE]:
                    self.clauses[str(clause)][mode] += 1

    def _follow_up(self, at: datetime, d: dict[str, Any]) -> None:
        step, fid = d.get("step"), str(d.get("follow_up_id"))
        if step in ("requested", "received"):
            direction = "outgoing" if step == "requested" else "incoming"
            self.asked[(direction, fid)] = (at, str(d.get("agency") or d.get("partner")))
        elif step in ("outcome_received", "decided"):
            direction = "outgoing" if step == "outcome_received" else "incoming"
            first = self.asked.pop((direction, fid), None)
            if first is not None:
                days = (at - first[0]).total_seconds() / 86400
                self.turnaround[(direction, first[1])].append(round(days, 4))


def success_metrics(
    node: Node, principal: Principal, *, days: int = 30, now: datetime | None = None
) -> dict[str, Any]:
    """The metrics of the last `days` days (1 to MAX_DAYS), from this node's ledger."""
    if not 1 <= days <= MAX_DAYS:
        raise ValidationError(FieldError("days", f"must be between 1 and {MAX_DAYS}"))
    now = now or datetime.now(UTC)
    since = now - timedelta(days=days)
    tally = _Tally()
    with store.read_snapshot(node.engine) as conn:
        for row in store.iter_entries(conn):
            at = row.at if row.at.tzinfo else row.at.replace(tzinfo=UTC)
            if at < since:
                continue
            tally.add(row.event, at, json.loads(row.payload)["details"])
    searches = []
    for agency, counts in sorted(tally.searches.items()):
        answered = counts["hits"] + counts["no_hit"]
        searches.append(
            {
                "agency": agency,
                **counts,
                "hit_rate": round(counts["hits"] / answered, 4) if answered else None,
                "seconds": _stats(tally.seconds.get(agency, [])),
            }
        )
    follow_ups = [
        {"direction": direction, "agency": agency, **_stats(values)}
        for (direction, agency), values in sorted(tally.turnaround.items())
    ]
    first_day = since.date()
    checks = [
        {"day": day.isoformat(), **tally.checks.get(day.isoformat(), {"checks": 0, "hits": 0})}
        for day in (first_day + timedelta(days=i) for i in range((now.date() - first_day).days + 1))
    ]
    outgoing = mla.metrics(node, principal, direction="outgoing")
    return {
        "since": since.isoformat(),
        "until": now.isoformat(),
        "days": days,
        "searches": searches,
        "follow_ups": follow_ups,
        "mla": [
            {"agency": agency, **stats}
            for agency, stats in outgoing["turnaround_by_partner"].items()
        ],
        "mla_open": outgoing["open"],
        "mla_overdue": outgoing["overdue"],
        "document_checks": checks,
        "disclosures": [
            {"clause": clause, "modes": dict(sorted(modes.items())), "total": sum(modes.values())}
            for clause, modes in sorted(tally.clauses.items(), key=lambda kv: -sum(kv[1].values()))
        ],
    }
