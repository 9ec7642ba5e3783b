"""Request and response bodies of the JSON API (pydantic, at the boundary only)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "ErrorOut",
    "MatchIn",
    "MatchOut",
    "MatchQueryIn",
    "MatchResponseOut",
    "MatchResultOut",
    "RecordIn",
    "RecordOut",
    "RecordPatch",
    "SearchHitOut",
    "SearchIn",
    "SearchOut",
]


class ErrorOut(BaseModel):
    code: str
    message: str
    errors: list[dict[str, str]] | None = None


class RecordIn(BaseModel):
    """An FtM entity and, optionally, envelope values (the owner is always the caller's agency)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    id: str = Field(min_length=1, max_length=200)
    schema_: str = Field(alias="schema", min_length=1, max_length=64)
    properties: dict[str, list[str] | str] = Field(default_factory=dict)
    accord: dict[str, Any] | None = None

    def as_data(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "schema": self.schema_,
            "properties": self.properties,
            "accord": self.accord or {},
        }


class RecordPatch(BaseModel):
    """Properties given replace those properties (an empty list removes one); `accord` keys
    replace envelope values."""

    model_config = ConfigDict(extra="forbid")

    properties: dict[str, list[str] | str] | None = None
    accord: dict[str, Any] | None = None


class RecordOut(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    id: str
    schema_: str = Field(alias="schema")
    properties: dict[str, list[str]]
    accord: dict[str, Any]


class SearchIn(BaseModel):
    """A search states its purpose: the purpose code, the case reference or a free-text
    justification, and the crime area. The ledger keeps all three."""

    model_config = ConfigDict(extra="forbid")

    query: str = Field(min_length=1, max_length=500)
    purpose: str = Field(default="investigation", description="Purpose code, e.g. investigation.")
    reference: str = Field(description="Case reference or free-text justification.")
    crime_area: str = Field(description="Crime-area code, e.g. thb, fraud.")
    limit: int = Field(default=20, ge=1, le=500)


class SearchHitOut(BaseModel):
    match: str
    score: float
    record: RecordOut
    algorithm: str | None = Field(default=None, description="The matcher's, for a person.")
    features: dict[str, float] | None = Field(
        default=None, description="Each feature's contribution, for a person found by name."
    )


class SearchOut(BaseModel):
    query: str
    total: int
    results: list[SearchHitOut]


class MatchQueryIn(BaseModel):
    """One entity to match: an FtM schema and properties, without an id."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    schema_: str = Field(alias="schema", min_length=1, max_length=64)
    properties: dict[str, list[str] | str] = Field(default_factory=dict)

    def as_data(self) -> dict[str, Any]:
        return {"schema": self.schema_, "properties": self.properties}


class MatchIn(BaseModel):
    """Queries in the shape of yente's `/match`, with the stated purpose of a search (here in
    the body, or as query parameters)."""

    model_config = ConfigDict(extra="forbid")

    queries: dict[str, MatchQueryIn] = Field(min_length=1, max_length=100)
    purpose: str | None = Field(default=None, description="Purpose code, e.g. investigation.")
    reference: str | None = Field(
        default=None, description="Case reference or free-text justification."
    )
    crime_area: str | None = Field(default=None, description="Crime-area code, e.g. thb.")


class MatchResultOut(BaseModel):
    """A record that matched: yente's fields, the features with their contributions, each
    feature's explanation, and our envelope under `accord`."""

    id: str
    caption: str
    schema_: str = Field(alias="schema")
    properties: dict[str, list[str]]
    score: float
    match: bool
    features: dict[str, float]
    explanations: list[dict[str, Any]]
    algorithm: str
    accord: dict[str, Any]


class MatchResponseOut(BaseModel):
    results: list[MatchResultOut]
    total: int
    threshold: float
    algorithm: str


class MatchOut(BaseModel):
    responses: dict[str, MatchResponseOut]
