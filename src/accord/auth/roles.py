"""The roles a human user or a machine client can hold, and what each one is for."""

from __future__ import annotations

from enum import StrEnum

__all__ = ["ROLE_DESCRIPTIONS", "Role", "parse_roles"]


class Role(StrEnum):
    """A role names a job, not a person; a principal may hold several."""

    ANALYST = "analyst"
    INVESTIGATOR = "investigator"
    LIAISON_OFFICER = "liaison_officer"
    SUPERVISOR = "supervisor"
    DATA_PROTECTION_OFFICER = "data_protection_officer"
    AUDITOR = "auditor"
    NODE_ADMIN = "node_admin"
    DOCUMENT_CHECKER = "document_checker"
    TAXII_CLIENT = "taxii_client"


ROLE_DESCRIPTIONS: dict[Role, str] = {
    Role.ANALYST: "searches local and partner data, cross-references, reads link charts",
    Role.INVESTIGATOR: "works cases: searches, records, follows up hits",
    Role.LIAISON_OFFICER: "national contact point: answers partners' follow-up requests",
    Role.SUPERVISOR: "oversees analysts and investigators; may withdraw records",
    Role.DATA_PROTECTION_OFFICER: "reviews what was disclosed to whom under which clause",
    Role.AUDITOR: "reads the audit ledger and proves it intact",
    Role.NODE_ADMIN: "runs the node, its keys, partners and agreements; sees no records",
    Role.DOCUMENT_CHECKER: "border posts and private-sector partners: document checks only",
    Role.TAXII_CLIENT: "a partner agency's or CERT's TAXII client: reads the collections its "
    "agreements allow, writes where a collection lets it; nothing else",
}


def parse_roles(names: list[str] | tuple[str, ...] | set[str]) -> tuple[frozenset[Role], list[str]]:
    """The known roles among `names`, and the names that are not roles (to report)."""
    known: set[Role] = set()
    unknown: list[str] = []
    for name in names:
        try:
            known.add(Role(name.strip()))
        except ValueError:
            unknown.append(name)
    return frozenset(known), unknown
