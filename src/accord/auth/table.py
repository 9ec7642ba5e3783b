"""The access matrix as a Markdown table, for docs/security.md (generated, never hand-edited)."""

from __future__ import annotations

from collections.abc import Mapping

from accord.auth.matrix import ACCESS, Access
from accord.auth.roles import Role

__all__ = ["access_table"]

_SHORT = {
    Role.ANALYST: "analyst",
    Role.INVESTIGATOR: "investigator",
    Role.LIAISON_OFFICER: "liaison",
    Role.SUPERVISOR: "supervisor",
    Role.DATA_PROTECTION_OFFICER: "DPO",
    Role.AUDITOR: "auditor",
    Role.NODE_ADMIN: "node admin",
    Role.DOCUMENT_CHECKER: "doc. checker",
    Role.TAXII_CLIENT: "TAXII client",
}


def _token(access: Access) -> str:
    if access.public:
        return "—"
    return f"`{access.scope}`" if access.scope else "no"


def _notes(access: Access) -> str:
    notes = []
    if access.public:
        notes.append("public: no identity needed")
    if access.enrolment:
        notes.append("also before MFA enrolment")
    if access.partners:
        notes.append("partner nodes")
    if access.loopback:
        notes.append("also without identity from loopback (`ACCORD_METRICS_LOOPBACK`)")
    return "; ".join(notes)


def _sort_key(key: str) -> tuple[str, int, str]:
    method, path = key.split(" ", 1)
    order = ["GET", "POST", "PUT", "PATCH", "DELETE"]
    return (path, order.index(method) if method in order else len(order), method)


def access_table(access: Mapping[str, Access] = ACCESS) -> str:
    """One row per route and method; ✓ where a role may call it; the scope a machine token
    needs ("no": machine tokens may not call it)."""
    roles = list(Role)
    header = ["route", *(_SHORT[r] for r in roles), "machine token scope", "notes"]
    lines = [
        "| " + " | ".join(header) + " |",
        "|" + "|".join("---" for _ in header) + "|",
    ]
    for key in sorted(access, key=_sort_key):
        rule = access[key]
        marks = ["✓" if rule.public or role in rule.roles else "" for role in roles]
        cells = [f"`{key}`", *marks, _token(rule), _notes(rule)]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"
