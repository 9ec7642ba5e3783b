"""The rules of the lost-and-stolen travel-document registry, modelled on INTERPOL's SLTD
database: document types, statuses, and the action a hit calls for (`data/registry.yaml`).

A report names a document (issuing state, number, type) and its status; the action a checker
is told is the status's default unless the reporting agency chose another. A report that is
withdrawn leaves the registry's answers but not its history."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import yaml

__all__ = [
    "WITHDRAWN",
    "Action",
    "Rules",
    "rules",
]

#: The state of a report its agency withdrew: no longer answered as a hit.
WITHDRAWN = "withdrawn"


@dataclass(frozen=True, slots=True)
class Action:
    """What a checker is told to do on a hit."""

    code: str
    instruction: str

    def to_dict(self) -> dict[str, str]:
        return {"code": self.code, "instruction": self.instruction}


@dataclass(frozen=True, slots=True)
class Rules:
    types: dict[str, str]
    statuses: dict[str, str]  # status → description
    default_actions: dict[str, str]  # status → action code
    actions: dict[str, Action]

    def action_for(self, status: str, override: str | None = None) -> Action:
        """The action of a report with this status (and the agency's choice, if any)."""
        return self.actions[override or self.default_actions[status]]


@cache
def rules() -> Rules:
    """The registry's rules as the package's data file gives them."""
    text = resources.files("accord.documents").joinpath("data", "registry.yaml").read_text("utf-8")
    data: dict[str, Any] = yaml.safe_load(text)
    actions = {code: Action(code, " ".join(str(t).split())) for code, t in data["actions"].items()}
    statuses = data["statuses"]
    defaults = {status: str(spec["action"]) for status, spec in statuses.items()}
    unknown = sorted(set(defaults.values()) - set(actions))
    if unknown:
        raise ValueError(f"registry.yaml: statuses name unknown actions {unknown}")
    return Rules(
        types={str(k): str(v) for k, v in data["types"].items()},
        statuses={str(k): str(v["description"]) for k, v in statuses.items()},
        default_actions=defaults,
        actions=actions,
    )
