"""Watchlist matching: records against the active notices this node holds, and the alerts.

Every new or changed record — ingested, created or changed through the API, or received from
a partner in a follow-up outcome — is matched, in the transaction that writes it, against the
subjects of the published, unexpired notices: candidates from the notices' own key index
(`notice_keys`: the matcher's name and identifier keys of each active subject, document
numbers as identifier keys), a few indexed look-ups per batch of records, at most
`ACCORD_WATCHLIST_CANDIDATES` notices scored per record; a person is scored by the matcher at
the node's threshold (`ACCORD_MATCH_THRESHOLD`), another entity hits on an exact identifier.

A hit raises one alert for each agency concerned — the notice's owner and the agency holding
the record (on one node they are usually one and the same) — with the action the notice
requests, once per (notice, record): a re-ingest or a new version of the record does not
alert again. A hit on a notice received from a partner also alerts its owner across the
federation: the record goes through the one policy decision (`release`, channel
`watchlist_alert`), and a partner the policy denies is sent nothing. Each alert is an event on
the agency's stream and every hit is in the ledger."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import Connection, and_, or_, select

from accord.federation.protocol import ALERTS_PATH, AnswerItem, MatchScore, NoticeAlert, encode
from accord.federation.protocol import new_id as new_message_id
from accord.matching import KIND_ID, identifier_key
from accord.matching.keys import (
    KIND_MATCH_ID,
    KIND_MATCH_NAME,
    MATCHED_SCHEMATA,
    match_key_groups,
    match_keys,
)
from accord.model import Record, parse_envelope
from accord.model.notices import ACTIVE
from accord.node import Node
from accord.services.audit import Event, record_event
from accord.services.disclosure import release
from accord.services.events import publish_event
from accord.services.purpose import Purpose
from accord.store import federation as outbox
from accord.store import notices as store
from accord.store.notices import NoticeRow
from accord.store.tables import alerts as alerts_table

__all__ = [
    "KIND_ALERT_MESSAGE",
    "Candidate",
    "Hit",
    "activate",
    "alert_payload",
    "check_notice",
    "check_records",
    "confirm_hits",
    "find_hits",
    "matching_properties",
    "notice_watch_keys",
    "raise_alerts",
    "record_watch_keys",
    "subject_record",
]

KIND_ALERT_MESSAGE = "notice.alert"
#: Keys held by more than this many active notices are not read while a record has rarer
#: ones (as in `store.records.find_candidates`): they tell notices apart no better than chance.
COMMON_KEY_NOTICES = 500
_IDF_SIZE = 1_000_000
#: A notice is scored against a record only when they share at least this many keys, or an
#: identifier: the same person written two ways shares the keys of several spellings, sounds
#: and skeletons of each name part, a stranger one or two by chance (on 100,000 generated
#: notices every hit shared three or more, and nine in ten of the pairs scored in vain fewer).
MIN_SHARED_KEYS = 3
_IDENTIFIER_KINDS = frozenset({KIND_MATCH_ID, KIND_ID})
_PERSON_KINDS = frozenset({KIND_MATCH_NAME, KIND_MATCH_ID})
#: FtM schemata of identity documents, and the person property their number is matched as.
_DOCUMENT_PROPERTY = {"Passport": "passportNumber"}


class LazyRecord(Protocol):
    """A record prepared in another process (`accord.services.ingest`): its schema and
    properties at hand, the whole record built when called."""

    @property
    def schema(self) -> str: ...

    @property
    def properties(self) -> Mapping[str, list[str]]: ...

    def __call__(self) -> Record: ...


@dataclass(frozen=True, slots=True)
class Candidate:
    """A record to match by its search keys: the record, or a lazy one. Only a record whose
    keys meet a notice's is scored, by its properties, and only a hit needs the record."""

    source: Record | LazyRecord
    keys: frozenset[tuple[str, str]]

    @property
    def record(self) -> Record:
        return self.source if isinstance(self.source, Record) else self.source()


@dataclass(frozen=True, slots=True)
class Hit:
    notice: NoticeRow
    record: Record
    score: float
    match: dict[str, Any]


def matching_properties(
    schema: str, properties: Mapping[str, list[str]], documents: Sequence[Mapping[str, Any]]
) -> dict[str, list[str]]:
    """A notice subject's properties as matching reads them: a person's document numbers
    (its passports, identity cards) join its identifiers."""
    props = {k: list(v) for k, v in properties.items()}
    if schema not in MATCHED_SCHEMATA:
        return props
    for doc in documents:
        numbers = doc.get("properties", {}).get("number", [])
        prop = _DOCUMENT_PROPERTY.get(str(doc.get("schema")), "idNumber")
        props.setdefault(prop, [])
        props[prop].extend(n for n in numbers if n not in props[prop])
    return props


def notice_watch_keys(
    schema: str, properties: Mapping[str, list[str]], documents: Sequence[Mapping[str, Any]]
) -> set[tuple[str, str]]:
    """The keys a notice's subject is found by: the matcher's name and identifier keys of a
    person; the exact identifier keys of another entity; every document's number."""
    from accord.matching import record_keys

    props = matching_properties(schema, properties, documents)
    if schema in MATCHED_SCHEMATA:
        keys = {k for k in match_keys(schema, props) if k[0] in _PERSON_KINDS}
    else:
        keys = {k for k in record_keys(schema, props) if k[0] == KIND_ID}
    for doc in documents:
        for number in doc.get("properties", {}).get("number", []):
            key = identifier_key(number)
            if key:
                keys.add((KIND_ID, key))
    return keys


def record_watch_keys(schema: str, keys: Iterable[tuple[str, str]]) -> frozenset[tuple[str, str]]:
    """The keys of a record (as stored for search) that the watchlist is looked up by."""
    if schema in MATCHED_SCHEMATA:
        return frozenset(k for k in keys if k[0] in _PERSON_KINDS or k[0] == KIND_ID)
    return frozenset(k for k in keys if k[0] == KIND_ID)


def subject_record(row: NoticeRow) -> Record:
    """A notice's subject as a record: what the policy engine decides on when it leaves."""
    is_person = row.subject_schema in MATCHED_SCHEMATA
    envelope = parse_envelope(row.envelope, is_person=is_person, now=row.created_at)
    return Record(row.notice_id, row.subject_schema, row.subject["properties"], envelope)


def _weights(counts: Mapping[tuple[str, str], int]) -> dict[tuple[str, str], float]:
    return {key: math.log1p(_IDF_SIZE / n) for key, n in counts.items()}


def _score(
    notice: NoticeRow,
    cand: Candidate,
    identified: bool,
    subjects: dict[int, Any],
    threshold: float,
) -> tuple[float, dict[str, Any]] | None:
    """A person against a person: the matcher's score, when it reaches `threshold` (None
    otherwise). Otherwise a hit needs an identifier the two share (`identified`), and scores
    1. `subjects` keeps each notice's subject as the matcher reads it, for the other records
    of the batch. A record whose other features (a birth date, a nationality) already keep it
    below the threshold is turned away before its names are analysed (`screen`): most records
    that share name keys with a notice are namesakes."""
    schema = cand.source.schema
    if notice.subject_schema in MATCHED_SCHEMATA and schema in MATCHED_SCHEMATA:
        from accord.matching.score import load_weights, screen, subject_of

        subject = subjects.get(notice.pk)
        if subject is None:
            props = matching_properties(
                notice.subject_schema, notice.subject["properties"], notice.documents
            )
            subject = subjects[notice.pk] = subject_of(notice.subject_schema, props)
        result = screen(subject, schema, cand.source.properties, load_weights(), threshold)
        if result is None:
            return None
        features = result.explain()
        return result.score, {"match": "name", "algorithm": result.algorithm, "features": features}
    if identified:
        return 1.0, {"match": "identifier", "algorithm": None, "features": {}}
    return None


def check_records(
    conn: Connection, node: Node, candidates: Sequence[Candidate], now: datetime, actor: str
) -> list[Hit]:
    """Match records against the watchlist and raise the alerts of every hit (in the caller's
    transaction); returns the hits."""
    found = find_hits(
        conn,
        candidates,
        cap=node.settings.watchlist_candidates,
        threshold=node.settings.match_threshold,
        now=now,
    )
    hits = [
        Hit(notice, cand.record, score, match)
        for cand, scored in zip(candidates, found, strict=True)
        for notice, score, match in scored
    ]
    if hits:
        raise_alerts(conn, node, hits, now, actor)
    return hits


def find_hits(
    conn: Connection,
    candidates: Sequence[Candidate],
    *,
    cap: int,
    threshold: float,
    now: datetime,
) -> list[list[tuple[NoticeRow, float, dict[str, Any]]]]:
    """For each candidate, the active notices it hits with their scores and features. Reads
    only the watchlist: an ingest's worker process runs it on its own connection
    (`confirm_hits` then raises the alerts in the ingest's transaction)."""
    out: list[list[tuple[NoticeRow, float, dict[str, Any]]]] = [[] for _ in candidates]
    if not candidates or not store.has_keys(conn):
        return out
    wanted = {key for c in candidates for key in c.keys}
    posted = store.watched_postings(conn, wanted, COMMON_KEY_NOTICES)
    if not posted:
        return out
    weights = _weights({key: len(posts) for key, posts in posted.items()})
    chosen: list[tuple[int, list[tuple[int, bool]]]] = []
    for at, cand in enumerate(candidates):
        keyed = [(key, posts) for key in cand.keys if (posts := posted.get(key))]
        identifying = [posts for key, posts in keyed if key[0] in _IDENTIFIER_KINDS]
        if len(keyed) < MIN_SHARED_KEYS and not identifying:
            continue  # no notice can share enough keys with it
        # Counted in C (`Counter.update`, `most_common`): a record's keys may be held by
        # thousands of notices between them, and a Python loop over each cost more than the
        # rest of the record's ingest.
        count: Counter[int] = Counter()
        for _, posts in keyed:
            count.update(posts)
        by_id: set[int] = set().union(*identifying)
        strong = set(by_id)
        for pk, n in count.most_common():
            if n < MIN_SHARED_KEYS:
                break
            strong.add(pk)
        if strong:
            tally = dict.fromkeys(strong, 0.0)
            for key, posts in keyed:
                weight = weights[key]
                for pk in strong.intersection(posts):
                    tally[pk] += weight
            ranked = sorted(strong, key=lambda pk: (-tally[pk], pk))[:cap]
            chosen.append((at, [(pk, pk in by_id) for pk in ranked]))
    if not chosen:
        return out
    rows = store.notices_by_pk(conn, {pk for _, best in chosen for pk, _ in best})
    subjects: dict[int, Any] = {}
    for at, best in chosen:
        for pk, identified in best:
            notice = rows.get(pk)
            if not _alive(notice, now):
                continue
            assert notice is not None
            found = _score(notice, candidates[at], identified, subjects, threshold)
            if found is not None and found[0] >= threshold:
                out[at].append((notice, found[0], found[1]))
    return out


def _alive(notice: NoticeRow | None, now: datetime) -> bool:
    return notice is not None and notice.status == ACTIVE and notice.valid_until > now


def confirm_hits(
    conn: Connection,
    node: Node,
    found: Sequence[tuple[Candidate, int, float, dict[str, Any]]],
    now: datetime,
    actor: str,
) -> list[Hit]:
    """Raise the alerts of hits found elsewhere (`find_hits` in an ingest's worker): each
    (candidate, notice pk, score, features) whose notice is still active as this transaction
    sees it. A notice cancelled since stops alerting at once."""
    if not found:
        return []
    rows = store.notices_by_pk(conn, {pk for _, pk, _, _ in found})
    hits = [
        Hit(notice, cand.record, score, match)
        for cand, pk, score, match in found
        if _alive(notice := rows.get(pk), now) and notice is not None
    ]
    if hits:
        raise_alerts(conn, node, hits, now, actor)
    return hits


def activate(conn: Connection, node: Node, notice: NoticeRow, now: datetime) -> list[Hit]:
    """Put a notice on the watchlist (its subject's keys in the index) and match it against
    the records already held."""
    keys = notice_watch_keys(notice.subject_schema, notice.subject["properties"], notice.documents)
    store.put_keys(conn, notice.pk, keys)
    return check_notice(conn, node, notice, now)


def check_notice(conn: Connection, node: Node, notice: NoticeRow, now: datetime) -> list[Hit]:
    """Match a notice just published (or received) against the records already held."""
    from accord.store import records as record_store

    subject = notice.subject["properties"]
    keys = sorted(notice_watch_keys(notice.subject_schema, subject, notice.documents))
    # A person's name parts count once each however many spellings they have (as in /match).
    props = matching_properties(notice.subject_schema, subject, notice.documents)
    groups = match_key_groups(notice.subject_schema, props)
    pks = record_store.find_candidates(conn, keys, node.settings.match_candidates, groups)
    # Identifier keys of other entities are held under `id`: find_candidates reads them too.
    from accord.matching import record_keys

    threshold = node.settings.match_threshold
    ids = {k for k in keys if k[0] == KIND_ID}
    hits: list[Hit] = []
    subjects: dict[int, Any] = {}
    for stored in record_store.get_records(conn, pks):
        record = stored.record
        persons = record.schema in MATCHED_SCHEMATA and notice.subject_schema in MATCHED_SCHEMATA
        identified = not persons and bool(ids & record_keys(record.schema, record.properties))
        found = _score(notice, Candidate(record, frozenset()), identified, subjects, threshold)
        if found is not None and found[0] >= threshold:
            hits.append(Hit(notice, record, found[0], found[1]))
    if hits:
        raise_alerts(conn, node, hits, now, f"system:watchlist@{node.agency}")
    return hits


def _hit_key(record: Record) -> str:
    return f"{record.owner}/{record.id}"


def _already(conn: Connection, hits: Sequence[Hit]) -> set[tuple[int, str]]:
    """(notice pk, hit key) of the hits that alerted before."""
    a = alerts_table.c
    found: set[tuple[int, str]] = set()
    pairs = sorted({(h.notice.pk, _hit_key(h.record)) for h in hits})
    for start in range(0, len(pairs), 200):
        chunk = pairs[start : start + 200]
        cond = or_(*(and_(a.notice_pk == pk, a.hit_key == key) for pk, key in chunk))
        found.update((r[0], r[1]) for r in conn.execute(select(a.notice_pk, a.hit_key).where(cond)))
    return found


def alert_payload(alert_id: int, row: dict[str, Any], notice_type: str) -> dict[str, Any]:
    """What the event stream says of an alert (no record content: ids and the score)."""
    return {
        "alert_id": alert_id,
        "notice_id": row["notice_id"],
        "notice_type": notice_type,
        "notice_agency": row["notice_agency"],
        "holder_agency": row["holder_agency"],
        "record": {
            "owner": row["record_owner"],
            "id": row["record_id"],
            "schema": row["record_schema"],
        },
        "score": row["score"],
        "action": row["action"],
        "source": row["source"],
        "created_at": row["created_at"].isoformat(),
    }


def raise_alerts(
    conn: Connection, node: Node, hits: Sequence[Hit], now: datetime, actor: str
) -> list[int]:
    """One alert per agency concerned for every new hit; a received notice's owner is sent
    what the policy allows. The ledger entry comes first: it takes the ledger's append lock,
    so transactions that raise alerts commit one after another and the event ids a stream
    reads are never overtaken by a smaller one committing later."""
    seen = _already(conn, hits)
    fresh: list[Hit] = []
    for hit in hits:
        key = (hit.notice.pk, _hit_key(hit.record))
        if key not in seen:
            seen.add(key)
            fresh.append(hit)
    if not fresh:
        return []
    notified = {id(h): _notify_owner(conn, node, h, now) for h in fresh if h.notice.origin}
    record_event(
        conn,
        Event.WATCHLIST_ALERT,
        actor,
        {
            "step": "raised",
            "hits": [
                {
                    "notice_id": h.notice.notice_id,
                    "notice_agency": h.notice.issuing_agency,
                    "record": [h.record.owner, h.record.id, h.record.envelope.version],
                    "score": round(h.score, 4),
                    "owner_notified": notified.get(id(h)),
                }
                for h in fresh
            ],
        },
    )
    ids: list[int] = []
    for hit in fresh:
        agencies = {node.agency}
        if hit.notice.origin is None:
            agencies.add(hit.notice.issuing_agency)
        rows: list[dict[str, Any]] = [
            {
                "notice_pk": hit.notice.pk,
                "notice_id": hit.notice.notice_id,
                "for_agency": agency,
                "notice_agency": hit.notice.issuing_agency,
                "holder_agency": node.agency,
                "hit_key": _hit_key(hit.record),
                "record_owner": hit.record.owner,
                "record_id": hit.record.id,
                "record_version": hit.record.envelope.version,
                "record_schema": hit.record.schema,
                "score": hit.score,
                "match": hit.match,
                "action": hit.notice.requested_action,
                "source": "local",
                "details": {"owner_notified": notified.get(id(hit))},
                "created_at": now,
            }
            for agency in sorted(agencies)
        ]
        for row, new in zip(rows, store.insert_alerts(conn, rows), strict=True):
            if new is not None:
                ids.append(new)
                payload = alert_payload(new, row, hit.notice.type)
                publish_event(conn, row["for_agency"], "alert", payload, now)
    return ids


def _notify_owner(conn: Connection, node: Node, hit: Hit, now: datetime) -> str:
    """Send the owner of a received notice an alert with what the policy lets go of the
    record; `sent` (with the mode), or `withheld` when the policy denies it."""
    notice = hit.notice
    assert notice.origin is not None
    purpose = Purpose(
        code=notice.purpose, reference=f"notice {notice.notice_id}", crime_area=notice.crime_area
    )
    released = release(
        conn,
        node,
        recipient=notice.issuing_agency,
        purpose=purpose,
        records=[hit.record],
        channel="watchlist_alert",
        actor=f"system:watchlist@{node.agency}",
        now=now,
    )
    if not released.items:
        return "withheld"
    item = AnswerItem.model_validate(released.items[0])
    features = hit.match.get("features") if item.mode == "full" else None
    message = NoticeAlert(
        alert_id=new_message_id("alr"),
        notice_id=notice.notice_id,
        item=item,
        match=MatchScore(
            score=min(1.0, max(0.0, hit.score)),
            match=hit.match["match"],
            algorithm=hit.match.get("algorithm"),
            features=features,
        ),
        matched_at=now,
    )
    outbox.enqueue(
        conn,
        message_id=new_message_id("msg"),
        recipient=notice.origin,
        kind=KIND_ALERT_MESSAGE,
        subject=notice.notice_id,
        method="POST",
        path=ALERTS_PATH,
        body=encode(message),
        at=now,
    )
    return f"sent:{item.mode}"
