"""Node settings: one typed class, one prefix (`ACCORD_`). Every variable is in docs/settings.md."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
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
    log_format: str = Field(default="console", description="`console` or `json` (structlog).")
    log_level: str = Field(default="INFO", description="Python logging level name.")
    access_token_minutes: int = Field(
        default=15, ge=1, le=24 * 60, description="Lifetime of a human user's access token."
    )
    max_line_bytes: int = Field(
        default=10 * 1024 * 1024, ge=1024, description="Longest ingest line accepted, in bytes."
    )

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.home / 'accord.db').resolve()}"


def get_settings() -> Settings:
    return Settings()
