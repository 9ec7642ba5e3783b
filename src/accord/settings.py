"""Node settings: one typed class, one prefix (`ACCORD_`). Every variable is in docs/settings.md."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["Settings", "get_settings"]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ACCORD_", extra="ignore")

    home: Path = Field(
        default=Path(".accord"),
        description="The node's data directory: SQLite database, keys, certificates, agreements.",
    )
    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL of the node database; default SQLite in ACCORD_HOME. "
        "Production: postgresql+psycopg://user@host/db.",
    )
    log_format: Literal["console", "json"] = Field(
        default="console",
        description="`json`: one JSON object a line (production); `console`: for a terminal.",
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = Field(
        default="INFO", description="Python logging level name."
    )
    token_cache_seconds: float = Field(
        default=2.0,
        ge=0,
        le=60,
        description="Seconds a worker trusts an API token it has authenticated before asking "
        "the database again (0: every request); a revocation takes effect at once on the "
        "node's machine, within this time on other machines sharing the database.",
    )
    access_token_minutes: int = Field(
        default=15, ge=1, le=24 * 60, description="Lifetime of a human user's access token."
    )
    max_line_bytes: int = Field(
        default=10 * 1024 * 1024, ge=1024, description="Longest ingest line accepted, in bytes."
    )
    ingest_workers: int = Field(
        default_factory=lambda: min(4, os.cpu_count() or 1),
        ge=0,
        le=64,
        description="Processes that validate and index a large file's lines while the ingest "
        "writes (0: all in the ingest's own process).",
    )
    # The HTTP API's limits and its metrics (docs/settings.md, "HTTP API"). Checked in a raw
    # ASGI middleware before a route reads anything (accord.api.guard).
    max_body_bytes: int = Field(
        default=10 * 1024 * 1024,
        ge=1024,
        description="Largest request body accepted under /api/v1, in bytes; 413 beyond.",
    )
    agreement_max_bytes: int = Field(
        default=1024 * 1024,
        ge=1024,
        description="Largest agreement file (YAML) accepted, in bytes; refused before parsing.",
    )
    metrics_loopback: bool = Field(
        default=True,
        description="Whether /metrics is open without a token to callers on the loopback "
        "interface (turn off behind a reverse proxy on the same host).",
    )
    # Matching (docs/matching.md).
    match_threshold: float = Field(
        default=0.7,
        ge=0.0,
        le=1.0,
        description="Score a match must reach to be returned, when a request names none.",
    )
    match_candidates: int = Field(
        default=200,
        ge=1,
        le=10_000,
        description="Most candidates one match query scores (those sharing the most keys).",
    )
    watchlist_candidates: int = Field(
        default=10,
        ge=1,
        le=1000,
        description="Most active notices one new or changed record is scored against (those "
        "sharing its rarest keys); docs/notices.md.",
    )
    event_stream_seconds: float = Field(
        default=300.0,
        ge=0.1,
        le=86_400,
        description="How long the server keeps one event stream (/api/v1/events) open; the "
        "client then reconnects with Last-Event-ID and misses nothing.",
    )
    # Cross-referencing (docs/xref.md).
    xref_threshold: float = Field(
        default=0.95,
        ge=0.0,
        le=1.0,
        description="The accord matcher's score at which `accord xref` proposes a pair.",
    )
    xref_probability: float = Field(
        default=0.9,
        ge=0.0,
        le=1.0,
        description="Splink's match probability at which `accord xref` proposes a pair.",
    )
    xref_accord_max: int = Field(
        default=1000,
        ge=0,
        le=10_000_000,
        description="`--engine auto` runs the accord engine up to this many person records "
        "on both sides together, and Splink on DuckDB above.",
    )
    xref_candidates: int = Field(
        default=50,
        ge=1,
        le=1000,
        description="Most candidates the accord engine scores for one record.",
    )
    xref_spark_master: str = Field(
        default="local[*]",
        min_length=1,
        max_length=500,
        description="The Spark master of `--engine spark`: local[*] (this machine's cores) or "
        "a cluster's URL (spark://host:7077).",
    )
    # Link analysis (docs/graph.md).
    graph_max_hops: int = Field(
        default=4,
        ge=1,
        le=10,
        description="Most hops a neighbourhood or path request may ask for.",
    )
    graph_node_limit: int = Field(
        default=5000,
        ge=10,
        le=1_000_000,
        description="Most records a neighbourhood returns; a larger one is cut and says so.",
    )
    record_max_values: int = Field(
        default=5000,
        ge=1,
        le=1_000_000,
        description="Most values one property of a record may hold (records API).",
    )
    record_max_value_length: int = Field(
        default=65536,
        ge=64,
        le=10 * 1024 * 1024,
        description="Longest value of a record's property, in characters (records API).",
    )
    # STIX and TAXII (docs/stix.md).
    stix_correlation_cap: int = Field(
        default=100,
        ge=1,
        le=10_000,
        description="Most correlations shown and alerted per observable value; the count "
        "beyond is shown as capped.",
    )
    taxii_max_page: int = Field(
        default=1000,
        ge=1,
        le=100_000,
        description="Most objects one TAXII page returns; a larger limit is refused.",
    )
    taxii_max_content_bytes: int = Field(
        default=50 * 1024 * 1024,
        ge=1024,
        le=1024 * 1024 * 1024,
        description="Largest body a TAXII POST of objects may have, in bytes.",
    )
    # Federation (docs/federation.md).
    node_id: str | None = Field(
        default=None,
        pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$",
        description="This node's id in the federation (the `kid` of its signed messages and the "
        "CN of its TLS certificate); default: the agency code in lower case (`de-bka`).",
    )
    tls_dir: Path | None = Field(
        default=None,
        description="Directory with the node's TLS files node.crt, node.key (mode 0600) and "
        "ca.crt; default ACCORD_HOME/tls.",
    )
    federation_timeout: float = Field(
        default=3.0, gt=0, le=60, description="Seconds each partner has to answer a search."
    )
    federation_max_body: int = Field(
        default=1024 * 1024,
        ge=1024,
        description="Largest federation request or response body accepted, in bytes.",
    )
    federation_replay_window: int = Field(
        default=120,
        ge=5,
        le=3600,
        description="Seconds a signed message's timestamp may differ from this node's clock.",
    )
    federation_max_results: int = Field(
        default=20, ge=1, le=500, description="Most items one partner answer carries."
    )
    follow_up_days: int = Field(
        default=5, ge=1, le=90, description="Default deadline of a follow-up request, in days."
    )
    message_max_attachment_bytes: int = Field(
        default=4 * 1024 * 1024,
        ge=1024,
        le=4 * 1024 * 1024,
        description="Most bytes of attachments one message carries (all files together).",
    )
    outbox_base_delay: float = Field(
        default=1.0, gt=0, description="First retry delay of an outbox message, in seconds."
    )
    outbox_max_delay: float = Field(
        default=300.0, gt=0, description="Longest retry delay of an outbox message, in seconds."
    )
    events_retention_days: int = Field(
        default=30,
        ge=1,
        le=3650,
        description="Days an event stays on the event stream for a client to resume from.",
    )
    outbox_poll_seconds: float = Field(
        default=1.0, gt=0, description="How often the outbox worker looks for due messages."
    )
    outbox_concurrency: int = Field(
        default=4,
        ge=1,
        le=64,
        description="Partners the outbox worker delivers to at the same time (each in order).",
    )
    witness_head_interval: float = Field(
        default=1.0,
        ge=0,
        le=3600,
        description="Seconds a signed tree head is reused on federation messages before the "
        "node signs a new one (0: a fresh head on every message).",
    )
    witness_timeout: float = Field(
        default=3.0,
        gt=0,
        le=60,
        description="Seconds a partner has to answer the witness's consistency-proof request.",
    )

    # Audit ledger (docs/decisions/0008).
    ledger_head_every_entries: int = Field(
        default=1000,
        ge=1,
        le=1_000_000,
        description="Sign a tree head as soon as this many entries were appended since the last.",
    )
    ledger_head_every_seconds: float = Field(
        default=1.0,
        gt=0,
        le=3600,
        description="Sign a tree head at most this many seconds after an entry was appended.",
    )

    @field_validator("log_level", "log_format", mode="before")
    @classmethod
    def _case(cls, value: object, info: object) -> object:
        """`info` and `INFO`, `JSON` and `json` mean the same."""
        if not isinstance(value, str):
            return value
        name = getattr(info, "field_name", "")
        return value.strip().upper() if name == "log_level" else value.strip().lower()

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.home / 'accord.db').resolve()}"


def get_settings() -> Settings:
    return Settings()
