"""Storage of the correlating values of records partners disclosed to this node (a
follow-up's outcome), so that a STIX object holding one can alert the record's owner."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, and_, delete, insert, or_, select

from accord.store.tables import stix_partner_keys

__all__ = ["PartnerHolder", "partner_holders", "replace_partner_keys"]


@dataclass(frozen=True, slots=True)
class PartnerHolder:
    """A record a partner disclosed that holds a value: its owner agency, its id, the node it
    came from, and the purpose and crime area it was disclosed for."""

    owner: str
    record_id: str
    schema: str
    partner: str
    source: str
    purpose: str
    crime_area: str


def replace_partner_keys(
    conn: Connection,
    holder: PartnerHolder,
    keys: Iterable[tuple[str, str]],
    at: datetime,
    keep_until: datetime | None = None,
) -> None:
    """The values of one disclosed record, replacing what an earlier disclosure left; past
    `keep_until` (the retention its terms set) they no longer correlate."""
    c = stix_partner_keys.c
    conn.execute(
        delete(stix_partner_keys).where(
            and_(c.owner == holder.owner, c.record_id == holder.record_id)
        )
    )
    rows = [
        {
            "owner": holder.owner,
            "record_id": holder.record_id,
            "schema": holder.schema,
            "partner": holder.partner,
            "source": holder.source,
            "purpose": holder.purpose,
            "crime_area": holder.crime_area,
            "kind": kind,
            "value": value,
            "received_at": at,
            "keep_until": keep_until,
        }
        for kind, value in sorted(set(keys))
    ]
    if rows:
        conn.execute(insert(stix_partner_keys), rows)


def partner_holders(
    conn: Connection, kind: str, value: str, limit: int, now: datetime
) -> list[PartnerHolder]:
    """Up to `limit` disclosed records holding the value and still within their retention,
    the latest disclosed first."""
    c = stix_partner_keys.c
    rows = conn.execute(
        select(stix_partner_keys)
        .where(c.kind == kind, c.value == value)
        .where(or_(c.keep_until.is_(None), c.keep_until > now))
        .order_by(c.pk.desc())
        .limit(limit)
    ).all()
    return [
        PartnerHolder(
            owner=r.owner,
            record_id=r.record_id,
            schema=r.schema,
            partner=r.partner,
            source=r.source,
            purpose=r.purpose,
            crime_area=r.crime_area,
        )
        for r in rows
    ]
