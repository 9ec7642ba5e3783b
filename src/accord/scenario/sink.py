"""Where generated records and truth rows go: a bounded buffer per unit of the world.

Generation code calls `emit` for every record an agency holds and `identity` to say which real
entity a record is about; `drain` hands the unit's lines and truth rows to the caller and
forgets them, so memory stays flat however many persons are generated.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

from accord.scenario.rng import IdMinter

__all__ = ["Event", "Line", "Progress", "Sink", "Truth"]


class Line(NamedTuple):
    """One ingest line for agency `owner`."""

    owner: str
    data: dict[str, Any]


class Truth(NamedTuple):
    """One row of truth.jsonl."""

    row: dict[str, Any]


class Progress(NamedTuple):
    """Persons generated so far."""

    persons: int


Event = Line | Truth | Progress


class Sink:
    """The output of one unit of the world (`scope`): record ids are minted per unit."""

    __slots__ = ("_events", "_identities", "_minters", "_truth", "scope", "seed")

    def __init__(self, seed: int, scope: str) -> None:
        self.seed = seed
        self.scope = scope
        self._minters: dict[str, IdMinter] = {}
        self._events: list[Event] = []
        self._identities: dict[str, dict[str, Any]] = {}
        self._truth: list[dict[str, Any]] = []

    def _minter(self, owner: str) -> IdMinter:
        minter = self._minters.get(owner)
        if minter is None:
            minter = self._minters[owner] = IdMinter(self.seed, owner, self.scope)
        return minter

    def identity(self, key: str, schema: str, **attributes: Any) -> None:
        """Declare the real entity `key` (its true attributes go to truth.jsonl)."""
        if key not in self._identities:
            row: dict[str, Any] = {"type": "identity", "key": key, "schema": schema}
            row.update(attributes)
            row["records"] = []
            self._identities[key] = row

    def known(self, key: str) -> bool:
        """Whether the entity `key` was declared in this unit."""
        return key in self._identities

    def new_id(self, owner: str) -> str:
        """Mint the next record id of `owner` ahead of writing the record (see `emit_as`)."""
        return self._minter(owner).next()

    def emit(
        self,
        owner: str,
        schema: str,
        properties: dict[str, list[str]],
        envelope: Mapping[str, Any],
        *,
        identity: str | None = None,
        variations: Sequence[str] = (),
    ) -> str:
        """Write one record for `owner`; return its id. `identity` ties it to a real entity
        declared before, with the kinds of variation applied to this record."""
        return self.emit_as(
            self._minter(owner).next(),
            owner,
            schema,
            properties,
            envelope,
            identity=identity,
            variations=variations,
        )

    def emit_as(
        self,
        rid: str,
        owner: str,
        schema: str,
        properties: dict[str, list[str]],
        envelope: Mapping[str, Any],
        *,
        identity: str | None = None,
        variations: Sequence[str] = (),
    ) -> str:
        """`emit` under an id minted before with `new_id`."""
        self._events.append(
            Line(owner, {"id": rid, "schema": schema, "properties": properties, "accord": envelope})
        )
        if identity is not None:
            ref: dict[str, Any] = {"owner": owner, "id": rid}
            if variations:
                ref["variations"] = list(variations)
            self._identities[identity]["records"].append(ref)
        return rid

    def truth(self, row: dict[str, Any]) -> None:
        self._truth.append(row)

    def drain(self) -> list[Event]:
        """The unit's lines, then its identities that have records, then its other rows."""
        out = self._events
        out.extend(Truth(row) for row in self._identities.values() if row["records"])
        out.extend(Truth(row) for row in self._truth)
        self._events = []
        self._identities = {}
        self._truth = []
        return out
