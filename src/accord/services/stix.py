"""STIX 2.1 objects as records: import, read, export, correlation.

Every object version is stored as it came, with its own envelope: TLP from its markings
(TLP 1.0 and TLP 2.0 marking definitions), the owner from the importing agency, the rest
from the import's flags. An object whose FtM counterpart exists (a person, an organisation,
an account, a place) also writes that FtM record, so that search, matching and link analysis
see it. A bad object is refused by itself, named with its id and field; the good ones of the
same bundle load, in one transaction with the import's ledger entry.

Reading is local (the node's own users, every read in the ledger) or governed: an export to
another agency, and a partner's TAXII client, get only what `release` lets go — TLP:RED never,
AMBER+STRICT only to the recipient itself (never onward), and only what the agreements allow
for the stated purpose. STIX has no "reference" answer: an object goes whole under a `full`
decision, and is left out otherwise."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection

from accord.errors import FieldError, NotFound, ValidationError
from accord.interop.stix import (
    StixObject,
    canonical,
    check_object,
    ftm_link,
    object_tlp,
    observable_keys,
    parse_bundle,
    parse_timestamp,
    policy_schema,
    stix_version,
)
from accord.model import (
    PERSON_SCHEMATA,
    Envelope,
    EnvelopeDefaults,
    Principal,
    Record,
    parse_envelope,
    parse_record,
)
from accord.policy import Decision, Mode
from accord.services import stix_exchange
from accord.services.audit import Event, record_event
from accord.services.disclosure import release
from accord.services.events import publish_event
from accord.services.ingest import check_batch, write_records
from accord.services.node import Node
from accord.services.purpose import Purpose
from accord.services.stix_exchange import CORRELATING_KINDS
from accord.store import records as record_store
from accord.store import stix as store
from accord.store.stix import ObjectFilter, ObjectRow

__all__ = [
    "Correlations",
    "ExportResult",
    "ImportReport",
    "ObjectOutcome",
    "correlations",
    "export_bundle",
    "get_object",
    "governed",
    "import_objects",
    "read_rows",
]

_PROGRESS_EVERY = 200
_DEFINITIONS = frozenset({"marking-definition", "extension-definition"})


@dataclass(frozen=True, slots=True)
class ObjectOutcome:
    """What became of one object: `created`, `exists` (that version was stored already) or
    `refused` (with every fault); `linked` names the FtM record written for it."""

    index: int
    id: str
    version: str
    status: str
    errors: tuple[FieldError, ...] = ()
    linked: str | None = None
    note: str | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "index": self.index,
            "id": self.id,
            "version": self.version,
            "status": self.status,
        }
        if self.errors:
            out["errors"] = [e.to_dict() for e in self.errors]
        if self.linked:
            out["linked"] = self.linked
        if self.note:
            out["note"] = self.note
        return out


@dataclass(slots=True)
class ImportReport:
    bundle_id: str | None = None
    objects: int = 0
    created: int = 0
    existing: int = 0
    refused: int = 0
    linked: int = 0
    correlated: int = 0
    #: Values held by more records than the correlation cap: only the first `cap` alerted.
    capped: int = 0
    cap: int = 0
    outcomes: list[ObjectOutcome] = field(default_factory=list)
    #: (status, stix id, version) of each object stored, in order (TAXII's status resource).
    stored: list[tuple[str, str, str]] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        return {
            "bundle": self.bundle_id,
            "objects": self.objects,
            "created": self.created,
            "existing": self.existing,
            "refused": self.refused,
            "linked": self.linked,
            "correlated": self.correlated,
            "correlation_cap": self.cap,
            "capped_values": self.capped,
        }

    def to_dict(self) -> dict[str, Any]:
        return {**self.summary(), "outcomes": [o.to_dict() for o in self.outcomes]}


def _definitions(
    conn: Connection, objects: Sequence[StixObject]
) -> tuple[dict[str, Any], set[str]]:
    """Marking and extension definitions an object of `objects` may reference: the bundle's
    own and those stored."""
    markings: dict[str, Any] = {}
    extensions: set[str] = set()
    wanted: set[str] = set()
    for o in objects:
        data = o.data
        if o.type == "marking-definition":
            markings[o.id] = data
        elif o.type == "extension-definition":
            extensions.add(o.id)
        refs = data.get("object_marking_refs")
        if isinstance(refs, list):
            wanted.update(r for r in refs if isinstance(r, str))
        for g in data.get("granular_markings") or []:
            if isinstance(g, dict) and isinstance(g.get("marking_ref"), str):
                wanted.add(g["marking_ref"])
        exts = data.get("extensions")
        if isinstance(exts, dict):
            wanted.update(k for k in exts if k.startswith("extension-definition--"))
    missing = wanted - markings.keys() - extensions
    for ident, body in store.stored_definitions(conn, missing).items():
        if ident.startswith("marking-definition--"):
            markings[ident] = body
        else:
            extensions.add(ident)
    return markings, extensions


def _envelope(
    values: dict[str, Any], tlp: str | None, schema: str, now: datetime
) -> tuple[Envelope | None, list[FieldError]]:
    merged = dict(values)
    if tlp is not None:
        merged["tlp"] = tlp
    is_person = schema in PERSON_SCHEMATA
    if not is_person:
        merged.pop("subject_category", None)
    merged.setdefault("created_at", now.isoformat())
    try:
        return parse_envelope(merged, is_person=is_person, now=now), []
    except ValidationError as exc:
        return None, list(exc.errors)


def _link_record(data: dict[str, Any], envelope: Envelope, now: datetime) -> Record | str | None:
    """The FtM record an object stands for, or why it could not be made (a note, not a
    refusal: the STIX object is kept all the same)."""
    link = ftm_link(data)
    if link is None:
        return None
    try:
        return parse_record(
            {
                "id": data["id"],
                "schema": link.schema,
                "properties": link.properties,
                "accord": envelope.to_dict(),
            },
            {},
            now=now,
        )
    except ValidationError as exc:
        return f"no FtM record linked: {exc.message}"


def import_objects(
    node: Node,
    principal: Principal,
    text: str | bytes,
    *,
    defaults: EnvelopeDefaults,
    source: str = "import",
    progress: Callable[[int, int], None] | None = None,
    now: datetime | None = None,
) -> ImportReport:
    """Import a STIX 2.1 bundle (or a TAXII envelope, or one object). Refuses the whole
    bundle only when it is not one (not JSON, no objects); each bad object is refused and
    named while the others load."""
    now = now or datetime.now(UTC)
    values = defaults.as_mapping()
    check_batch(values)
    values["owner"] = principal.agency
    bundle_id, objects = parse_bundle(text)
    if not objects:
        raise ValidationError(FieldError("objects", "is empty: no STIX objects to import"))
    cap = node.settings.stix_correlation_cap
    report = ImportReport(bundle_id=bundle_id, objects=len(objects), cap=cap)
    with node.engine.begin() as conn:
        markings, extensions = _definitions(conn, objects)
        # Definitions first: one that is refused is no definition for the others.
        faults: dict[int, list[FieldError]] = {}
        for obj in objects:
            if obj.type in _DEFINITIONS:
                faults[obj.index] = check_object(obj, markings, extensions)
                if faults[obj.index]:
                    markings.pop(obj.id, None)
                    extensions.discard(obj.id)
        seen: set[tuple[str, str]] = set()
        pending: list[tuple[StixObject, str]] = []
        for obj in objects:
            errors = faults.get(obj.index)
            if errors is None:
                errors = check_object(obj, markings, extensions)
            version = stix_version(obj.data) if not errors else ""
            if not errors and (obj.id, version) in seen:
                report.existing += 1
                report.outcomes.append(ObjectOutcome(obj.index, obj.id, version, "exists"))
                report.stored.append(("exists", obj.id, version))
                continue
            if errors:
                report.refused += 1
                report.outcomes.append(
                    ObjectOutcome(obj.index, obj.id, version, "refused", tuple(errors))
                )
                continue
            seen.add((obj.id, version))
            pending.append((obj, version))
        stored = store.existing_versions(conn, principal.agency, [(o.id, v) for o, v in pending])
        rows: list[dict[str, Any]] = []
        keys: list[set[tuple[str, str]]] = []
        links: dict[str, tuple[str, Record]] = {}
        for done, (obj, version) in enumerate(pending, 1):
            if progress is not None and done % _PROGRESS_EVERY == 0:
                progress(done, len(pending))
            if (obj.id, version) in stored:
                report.existing += 1
                report.outcomes.append(ObjectOutcome(obj.index, obj.id, version, "exists"))
                report.stored.append(("exists", obj.id, version))
                continue
            data = obj.data
            link = ftm_link(data)
            schema = policy_schema(data, link)
            tlp = object_tlp(data, markings)
            envelope, env_errors = _envelope(values, tlp.value if tlp else None, schema, now)
            if envelope is None:
                report.refused += 1
                report.outcomes.append(
                    ObjectOutcome(obj.index, obj.id, version, "refused", tuple(env_errors))
                )
                continue
            linked = _link_record(data, envelope, now)
            note = linked if isinstance(linked, str) else None
            linked_id: str | None = None
            if isinstance(linked, Record):
                linked_id = linked.id
                modified = data.get("modified") or ""
                prior = links.get(linked.id)
                if prior is None or str(modified) >= prior[0]:
                    links[linked.id] = (str(modified), linked)
            found = observable_keys(data)
            rows.append(
                {
                    "owner": principal.agency,
                    "stix_id": obj.id,
                    "type": obj.type,
                    "spec_version": str(data.get("spec_version", "2.1")),
                    "version": version,
                    "modified_at": parse_timestamp(data.get("modified") or data.get("created")),
                    "date_added": now,
                    "body": canonical(data),
                    "tlp": envelope.tlp.value,
                    "envelope": envelope.to_dict(),
                    "policy_schema": schema,
                    "ftm_id": linked_id,
                    "source": source[:200],
                }
            )
            keys.append(found)
            report.created += 1
            report.outcomes.append(
                ObjectOutcome(obj.index, obj.id, version, "created", linked=linked_id, note=note)
            )
            report.stored.append(("created", obj.id, version))
        store.insert_objects(conn, rows, keys)
        if links:
            linked_records = [r for _, r in links.values()]
            write_records(conn, node, principal.label, linked_records, now)
            report.linked = len(linked_records)
        report.correlated = _alert_correlations(conn, node, principal, rows, keys, cap, now, report)
        record_event(
            conn,
            Event.STIX_IMPORT,
            principal,
            {
                "source": source,
                **report.summary(),
                "objects_created": [[r["stix_id"], r["version"]] for r in rows],
                "refused_ids": [o.id for o in report.outcomes if o.status == "refused"],
            },
        )
    if progress is not None:
        progress(len(pending), len(pending))
    return report


def _policy_record(row: dict[str, Any], now: datetime) -> Record:
    """A row about to be stored, as the policy engine sees it (see `_record_of`)."""
    schema = row["policy_schema"]
    envelope = parse_envelope(row["envelope"], is_person=schema in PERSON_SCHEMATA, now=now)
    return Record(id=row["stix_id"], schema=schema, properties={}, envelope=envelope)


def _alert_correlations(
    conn: Connection,
    node: Node,
    principal: Principal,
    rows: Sequence[dict[str, Any]],
    keys: Sequence[set[tuple[str, str]]],
    cap: int,
    now: datetime,
    report: ImportReport,
) -> int:
    """Alert the owner of each record that holds a value an imported object holds, at most
    `cap` records per value (a value held by more is counted in `report.capped`): a record
    of this node's is one event on its owner's stream; a record a partner disclosed to us
    alerts its owner on the partner's node, as `release` decides (`stix_exchange`)."""
    hits = 0
    for row, found in zip(rows, keys, strict=True):
        wanted = sorted(k for k in found if k[0] in CORRELATING_KINDS)
        policy_view: Record | None = None
        for key in wanted:
            pks = record_store.find_by_keys(conn, [key], cap + 1)
            local = [
                s.record
                for s in record_store.get_records(conn, pks)
                if s.record.id != row["stix_id"]  # the object's own linked record
            ]
            partners = stix_exchange.holders(conn, key, cap + 1 - len(local), now)
            if len(local) + len(partners) > cap:
                report.capped += 1
            for rec in local[:cap]:
                hits += 1
                payload = {
                    "stix_id": row["stix_id"],
                    "stix_type": row["type"],
                    "value": {"kind": key[0], "value": key[1]},
                    "record": {"owner": rec.owner, "id": rec.id, "schema": rec.schema},
                }
                publish_event(conn, rec.owner, "stix_correlation", payload, now)
                record_event(conn, Event.STIX_CORRELATION, principal, payload)
            for holder in partners[: max(0, cap - len(local))]:
                hits += 1
                if policy_view is None:
                    policy_view = _policy_record(row, now)
                stix_exchange.alert_owner(conn, node, principal, policy_view, row, key, holder, now)
    return hits


def read_rows(
    conn: Connection,
    filters: ObjectFilter,
    limit: int,
) -> list[ObjectRow]:
    return store.select_objects(conn, filters, limit)


def _record_of(row: ObjectRow, now: datetime) -> Record:
    """The object as the policy engine sees it: its envelope and what it is governed as."""
    envelope = parse_envelope(row.envelope, is_person=row.policy_schema in PERSON_SCHEMATA, now=now)
    return Record(id=row.stix_id, schema=row.policy_schema, properties={}, envelope=envelope)


def governed(
    conn: Connection,
    node: Node,
    rows: Sequence[ObjectRow],
    *,
    recipient: str,
    purpose: Purpose,
    channel: str,
    actor: Principal | str,
    now: datetime | None = None,
) -> tuple[list[ObjectRow], list[tuple[Record, Decision]]]:
    """The rows that may go to `recipient`: `release` decides each (and writes the
    disclosure to the ledger); only a `full` decision lets an object go, whole."""
    if not rows:
        return [], []
    now = now or datetime.now(UTC)
    released = release(
        conn,
        node,
        recipient=recipient,
        purpose=purpose,
        records=[_record_of(r, now) for r in rows],
        channel=channel,
        actor=actor,
        now=now,
    )
    allowed = [
        row for row, (_, d) in zip(rows, released.decisions, strict=True) if d.mode is Mode.FULL
    ]
    return allowed, released.decisions


def _ref(rows: Sequence[ObjectRow]) -> list[list[str]]:
    return [[r.owner, r.stix_id, r.version] for r in rows]


def get_object(
    node: Node, principal: Principal, stix_id: str, *, all_versions: bool = False
) -> list[dict[str, Any]]:
    """One object's latest version (or every version), read by this node's own user; the
    read goes to the ledger."""
    versions = ("all",) if all_versions else ("last",)
    with node.engine.begin() as conn:
        rows = store.select_objects(conn, ObjectFilter(ids=(stix_id,), versions=versions), 1000)
        if not rows:
            raise NotFound(f"no STIX object {stix_id!r}")
        record_event(conn, Event.STIX_READ, principal, {"objects": _ref(rows)})
    return [r.data() for r in rows]


@dataclass(frozen=True, slots=True)
class ExportResult:
    bundle: dict[str, Any]
    included: int
    withheld: int
    to: str | None


def export_bundle(
    node: Node,
    principal: Principal,
    *,
    to: str | None = None,
    purpose: Purpose | None = None,
    types: Sequence[str] = (),
    since: datetime | None = None,
    all_versions: bool = True,
    bundle_id: str | None = None,
) -> ExportResult:
    """A bundle of the stored objects (every version unless `all_versions` is off), of some
    `types`, added after `since`. With `to`, only what `release` lets go to that agency for
    `purpose`; the disclosure and the export go to the ledger."""
    import uuid

    if to is not None and purpose is None:
        raise ValidationError(FieldError("purpose", "an export to an agency states its purpose"))
    if to is not None and to == node.agency:
        raise ValidationError(FieldError("to", "is this node's own agency"))
    filters = ObjectFilter(
        types=tuple(types),
        versions=("all",) if all_versions else ("last",),
        added_after=since,
    )
    objects: list[dict[str, Any]] = []
    withheld = 0
    with node.engine.begin() as conn:
        after = 0
        while True:
            rows = store.select_objects(
                conn,
                ObjectFilter(
                    types=filters.types,
                    versions=filters.versions,
                    added_after=filters.added_after,
                    after_pk=after,
                ),
                2000,
            )
            if not rows:
                break
            after = rows[-1].pk
            if to is not None:
                assert purpose is not None
                allowed, _ = governed(
                    conn,
                    node,
                    rows,
                    recipient=to,
                    purpose=purpose,
                    channel="stix_export",
                    actor=principal,
                )
                withheld += len(rows) - len(allowed)
                rows = allowed
            else:
                record_event(
                    conn, Event.STIX_READ, principal, {"export": True, "objects": _ref(rows)}
                )
            objects.extend(r.data() for r in rows)
        record_event(
            conn,
            Event.EXPORT,
            principal,
            {
                "format": "stix-2.1",
                "to": to,
                "types": list(types),
                "since": since.isoformat() if since else None,
                "included": len(objects),
                "withheld": withheld,
            },
        )
    bundle = {
        "type": "bundle",
        "id": bundle_id or f"bundle--{uuid.uuid4()}",
        "objects": objects,
    }
    return ExportResult(bundle=bundle, included=len(objects), withheld=withheld, to=to)


@dataclass(frozen=True, slots=True)
class Correlations:
    """The values an object holds and, per value, the STIX objects and records holding it
    too: at most `cap` of each, `capped` when there were more."""

    stix_id: str
    cap: int
    values: list[dict[str, Any]]

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.stix_id, "cap": self.cap, "values": self.values}


def correlations(node: Node, principal: Principal, stix_id: str) -> Correlations:
    """Correlations of one object (its latest version), read by this node's own user; the
    objects and records shown go to the ledger as read."""
    cap = node.settings.stix_correlation_cap
    with node.engine.begin() as conn:
        rows = store.select_objects(conn, ObjectFilter(ids=(stix_id,)), 1)
        if not rows:
            raise NotFound(f"no STIX object {stix_id!r}")
        row = rows[0]
        values: list[dict[str, Any]] = []
        shown_objects: list[list[str]] = []
        shown_records: list[list[str]] = []
        for kind, value in sorted(store.keys_of(conn, row.pk)):
            holders = store.key_holders(conn, kind, value, cap + 1, exclude_id=stix_id)
            objects = [
                {"id": h.stix_id, "type": h.type, "version": h.version, "tlp": h.tlp}
                for h in holders[:cap]
            ]
            shown_objects.extend([h.owner, h.stix_id, h.version] for h in holders[:cap])
            records: list[dict[str, Any]] = []
            records_capped = False
            if kind in CORRELATING_KINDS:
                pks = record_store.find_by_keys(conn, [(kind, value)], cap + 1)
                found = [
                    s.record for s in record_store.get_records(conn, pks) if s.record.id != stix_id
                ]
                records = [
                    {"owner": r.owner, "id": r.id, "schema": r.schema, "caption": r.caption}
                    for r in found[:cap]
                ]
                shown_records.extend([r.owner, r.id] for r in found[:cap])
                # Records partners disclosed to us: their owner is alerted on their node.
                disclosed = stix_exchange.holders(conn, (kind, value), cap + 1 - len(found))
                room = max(0, cap - len(records))
                records.extend(
                    {
                        "owner": h.owner,
                        "id": h.record_id,
                        "schema": h.schema,
                        "caption": None,
                        "disclosed_by": h.partner,
                    }
                    for h in disclosed[:room]
                )
                shown_records.extend([h.owner, h.record_id] for h in disclosed[:room])
                records_capped = len(found) + len(disclosed) > cap
            values.append(
                {
                    "kind": kind,
                    "value": value,
                    "objects": objects,
                    "objects_capped": len(holders) > cap,
                    "records": records,
                    "records_capped": records_capped,
                }
            )
        record_event(
            conn,
            Event.STIX_READ,
            principal,
            {
                "correlations": stix_id,
                "objects": [[row.owner, row.stix_id, row.version], *shown_objects],
                "records": shown_records,
            },
        )
    return Correlations(stix_id=stix_id, cap=cap, values=values)
