"""Who is calling: the identity every route and service takes."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

__all__ = ["Principal", "PrincipalKind"]


class PrincipalKind(StrEnum):
    USER = "user"  # a person who logged in (password + TOTP)
    TOKEN = "token"  # a machine client with an API token
    NODE = "node"  # a partner node over mutual TLS
    OPERATOR = "operator"  # the local command line of the node's own administrator


@dataclass(frozen=True, slots=True)
class Principal:
    subject: str
    agency: str
    kind: PrincipalKind
    roles: frozenset[str] = field(default_factory=frozenset)
    scopes: frozenset[str] = field(default_factory=frozenset)
    #: A TAXII client's token acts for this partner agency (or CERT): it reads what the
    #: agreements with that agency allow, and what it writes is that agency's.
    acts_for: str | None = None

    @property
    def label(self) -> str:
        """How the principal appears in history and the ledger: `user:anna@DE-BKA`."""
        return f"{self.kind.value}:{self.subject}@{self.agency}"
