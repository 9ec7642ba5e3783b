"""Tiny factories for notice tests: a red notice's body, an ingest of person lines."""

from __future__ import annotations

import io
import json
from datetime import datetime
from typing import Any

from accord.model import EnvelopeDefaults, Principal
from accord.services.ingest import IngestReport, ingest_stream
from accord.services.node import Node
from accord.services.notices import Notice, create_notice, publish_notice

RED_DETAILS = {
    "offence": "Trafficking in human beings",
    "arrest_warrant": "AG Berlin 12 Gs 345/26",
    "issuing_authority": "Amtsgericht Berlin-Tiergarten",
    "extradition_intent": True,
}


def red(name: str = "Dmytro Kravchuk", dob: str = "1975-05-05", **extra: Any) -> dict[str, Any]:
    """The body of a red notice for a person."""
    properties: dict[str, list[str]] = {"name": [name], "birthDate": [dob]}
    properties.update(extra.pop("properties", {}))
    return {
        "type": "red",
        "crime_area": "thb",
        "subject": {"schema": "Person", "properties": properties},
        "details": dict(RED_DETAILS),
        **extra,
    }


def published(node: Node, who: Principal, body: dict[str, Any] | None = None) -> Notice:
    drafted = create_notice(node, who, body or red())
    return publish_notice(node, who, drafted.row.notice_id)


def ingest_people(node: Node, *people: dict[str, Any], now: datetime | None = None) -> IngestReport:
    """Ingest person lines `{"id": …, "name": …, "birthDate": …}` as DE-BKA suspects."""
    text = "\n".join(
        json.dumps(
            {
                "id": p["id"],
                "schema": p.get("schema", "Person"),
                "properties": {k: v if isinstance(v, list) else [v] for k, v in p.items()
                               if k not in ("id", "schema")},
            },
            ensure_ascii=False,
        )
        for p in people
    )  # fmt: skip
    defaults = EnvelopeDefaults(owner=node.agency, subject_category="suspect", crime_areas=("thb",))
    return ingest_stream(
        node, node.operator(), io.BytesIO(text.encode()), defaults=defaults, now=now
    )
