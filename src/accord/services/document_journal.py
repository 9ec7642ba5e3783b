"""Document checks, answered in groups by one thread per process (group commit).

A request hands its checks to the node's `CheckJournal` and waits for the answer. The
journal's thread takes everything that has arrived, looks every document up at once (one
indexed probe, or `IN` chunks), answers each check, and writes one ledger entry per caller
and location of the group, with its hits (`on_hit`), in one transaction; then every waiting
request has its answer. Alone, a request is answered at once; under load, tens of checks
share a lookup and a ledger append. No answer leaves before its check is in the ledger.

An entry's details: how many requests, checks, hits and refused items it covers, the
location, and a SHA-256 `digest` over the checks it covers — one line per check,
`country TAB number TAB type TAB 1|0 LF`, in order; for several requests, over their own
digests in order. Checks a partner answered (a document of the partner's state, asked
through the federation) are counted under `asked`, per partner agency, and covered by the
digest like the others."""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from datetime import UTC, datetime
from hashlib import sha256
from typing import Any

from sqlalchemy import Connection

from accord.documents import WITHDRAWN, Action, rules
from accord.errors import ValidationError
from accord.services.audit import Event, record_events
from accord.services.events import publish_events
from accord.services.node import Node
from accord.store import documents as store
from accord.store.db import write_turn
from accord.store.documents import Hit

__all__ = [
    "NO_HIT",
    "CheckAnswer",
    "CheckItem",
    "CheckJournal",
    "Checks",
    "NotChecked",
    "answer_for",
    "journal",
    "on_document_hit",
]

#: A document found under several types (a check without a type): the gravest answers.
_GRAVITY = ("stolen_blank", "stolen", "revoked", "invalidated", "lost")
Found = tuple[str, str, str | None, str]  # type, status, action, agency


@dataclass(frozen=True, slots=True)
class CheckItem:
    """One document to check; `doc_type` None: a report of any type hits."""

    country: str
    number: str
    doc_type: str | None = None

    def line(self, hit: bool) -> str:
        """What the ledger's digest covers of this check."""
        return f"{self.country}\t{self.number}\t{self.doc_type or ''}\t{int(hit)}\n"


@dataclass(frozen=True, slots=True)
class CheckAnswer:
    hit: bool
    action: Action | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"hit": self.hit, "action": self.action.to_dict() if self.action else None}


NO_HIT = CheckAnswer(False)


class NotChecked(ValidationError):
    """A check that could not be made: the issuing state's registry is a partner's, and the
    partner did not answer or does not answer this agency's checks. Never a no-hit."""

    status = 503
    code = "not_checked"


def answer_for(item: CheckItem, found: Sequence[Found]) -> tuple[CheckAnswer, Found | None]:
    """The answer to one check from the reports under its (country, number), and the report
    that made it a hit."""
    live = [f for f in found if f[1] != WITHDRAWN and item.doc_type in (None, f[0])]
    if not live:
        return NO_HIT, None
    report = min(live, key=lambda f: _GRAVITY.index(f[1]) if f[1] in _GRAVITY else 99)
    return CheckAnswer(True, rules().action_for(report[1], report[2])), report


Answers = list[CheckAnswer | ValidationError]


@dataclass(slots=True)
class Checks:
    """One request's checks: who asks, from where, the items (an item that failed to parse
    is its error, answered as it is)."""

    actor: str
    agency: str
    location: str | None
    items: Sequence[CheckItem | ValidationError]
    #: Items a partner answered already (by index): the partner's agency and its answer.
    answered: Mapping[int, tuple[str, CheckAnswer]] = field(default_factory=dict)
    #: Who checked, as a hit stores it, when not `actor` (a partner's checker).
    checked_by: str | None = None
    future: Future[Answers] = field(default_factory=Future)


class CheckJournal:
    """See the module's docstring. `on_hit(conn, hits, ledger_index)` stores the hits."""

    def __init__(self, node: Node, on_hit: Callable[[Connection, list[Hit], int], None]) -> None:
        self.node = node
        self.on_hit = on_hit
        self._cond = threading.Condition()
        self._queue: list[Checks] = []
        self._thread: threading.Thread | None = None

    def submit(self, checks: Checks) -> Future[Answers]:
        """Queue `checks`; the future is resolved once they are answered and in the ledger."""
        with self._cond:
            self._queue.append(checks)
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(
                    target=self._run, name="document-checks", daemon=True
                )
                self._thread.start()
            self._cond.notify()
        return checks.future

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._queue:
                    if not self._cond.wait(timeout=60):
                        self._thread = None  # idle: the next submit starts another
                        return
                group, self._queue = self._queue, []
            try:
                answers = self._answer(group)
            except Exception as exc:  # noqa: BLE001 - every waiter of the group learns it
                for checks in group:
                    checks.future.set_exception(exc)
            else:
                for checks, answered in zip(group, answers, strict=True):
                    checks.future.set_result(answered)

    def _answer(self, group: list[Checks]) -> list[Answers]:
        good = [
            i
            for c in group
            for n, i in enumerate(c.items)
            if isinstance(i, CheckItem) and n not in c.answered
        ]
        with self.node.engine.connect() as conn:
            if not good:
                found = {}
            elif len(good) == 1:
                only = good[0]
                found = {(only.country, only.number): store.lookup(conn, only.country, only.number)}
            else:
                found = store.lookup_many(conn, ((i.country, i.number) for i in good))
        now = datetime.now(UTC)
        answers: list[Answers] = []
        # One ledger entry per (actor, location): its requests' digests and hits.
        entries: dict[tuple[str, str | None], list[_Part]] = {}
        for checks in group:
            answered: Answers = []
            lines: list[str] = []  # what the digest covers, hashed at once
            hits: list[Hit] = []
            asked: dict[str, list[int]] = {}
            for n, item in enumerate(checks.items):
                if not isinstance(item, CheckItem):
                    answered.append(item)
                    continue
                if n in checks.answered:
                    partner, answer = checks.answered[n]
                    answered.append(answer)
                    lines.append(item.line(answer.hit))
                    tally = asked.setdefault(partner, [0, 0])
                    tally[0] += 1
                    tally[1] += answer.hit
                    continue
                reports = found.get((item.country, item.number))
                if not reports:  # nearly every check: nothing reported under its number
                    answered.append(NO_HIT)
                    lines.append(item.line(False))
                    continue
                answer, report = answer_for(item, reports)
                answered.append(answer)
                lines.append(item.line(answer.hit))
                if report is not None and answer.action is not None:
                    hits.append(
                        Hit(
                            now,
                            item.country,
                            item.number,
                            report[0],
                            report[1],
                            answer.action.code,
                            report[3],
                            checks.checked_by or checks.actor,
                            checks.agency,
                            checks.location,
                        )
                    )
            answers.append(answered)
            digest = sha256("".join(lines).encode("ascii"))
            refused = sum(1 for i in checks.items if not isinstance(i, CheckItem))
            entries.setdefault((checks.actor, checks.location), []).append(
                _Part(digest, len(checks.items) - refused, refused, hits, asked)
            )
        items = [
            (Event.DOCUMENT_CHECK, actor, _details(location, parts))
            for (actor, location), parts in entries.items()
        ]
        with write_turn(self.node.engine), self.node.engine.begin() as conn:
            first = record_events(conn, items)
            for offset, parts in enumerate(entries.values()):
                hits = [h for part in parts for h in part.hits]
                if hits:
                    self.on_hit(conn, hits, first + offset)
        return answers


@dataclass(slots=True)
class _Part:
    """What one request adds to its ledger entry."""

    digest: Any
    checks: int
    refused: int
    hits: list[Hit]
    asked: dict[str, list[int]]  # partner agency → [checks, hits]


def _details(location: str | None, parts: list[_Part]) -> dict[str, Any]:
    if len(parts) == 1:
        digest = parts[0].digest.hexdigest()
    else:
        combined = sha256()
        for part in parts:
            combined.update(part.digest.digest())
        digest = combined.hexdigest()
    asked: dict[str, dict[str, int]] = {}
    for part in parts:
        for partner, (checks, hits) in part.asked.items():
            tally = asked.setdefault(partner, {"checks": 0, "hits": 0})
            tally["checks"] += checks
            tally["hits"] += hits
    details: dict[str, Any] = {
        "requests": len(parts),
        "checks": sum(p.checks for p in parts),
        "hits": sum(len(p.hits) for p in parts) + sum(a["hits"] for a in asked.values()),
        "refused": sum(p.refused for p in parts),
        "digest": digest,
    }
    if asked:
        details["asked"] = asked
    if location is not None:
        details["location"] = location
    return details


def on_document_hit(conn: Connection, hits: list[Hit], ledger_index: int) -> None:
    """A check found reported documents: store each hit with who checked, where, and what
    they were told, tied to the ledger entry of the check (`ledger_index`), and put it on the
    reporting agency's event stream (`document_hit`), in that entry's transaction: the issuing
    agency learns at once — also of a check made at a partner's border post, which reaches
    this node's registry through the federation."""
    store.insert_hits(conn, hits, ledger_index)
    publish_events(
        conn,
        [
            (
                h.issuer_agency,
                "document_hit",
                {
                    "country": h.country,
                    "number": h.number,
                    "type": h.doc_type,
                    "status": h.status,
                    "action": h.action,
                    "checked_by": h.checked_by,
                    "checker_agency": h.checker_agency,
                    "location": h.location,
                    "ledger_index": ledger_index,
                },
                h.at,
            )
            for h in hits
        ],
    )


_JOURNALS = threading.Lock()


def journal(node: Node) -> CheckJournal:
    """The node's check journal (one per process)."""
    found = node.cache.get("documents.journal")
    if found is None:
        with _JOURNALS:
            found = node.cache.setdefault(
                "documents.journal", CheckJournal(node, on_hit=on_document_hit)
            )
    assert isinstance(found, CheckJournal)
    return found
