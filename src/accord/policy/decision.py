"""The value the one policy decision returns (`decide`), and its parts: a leaf that the
agreement index can memoise decisions in without importing the decision logic."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from accord.policy.agreement import OnwardTransfer

__all__ = ["MODE_ORDER", "Consent", "Decision", "Mode", "Reason"]


class Mode(StrEnum):
    """How a record leaves the node: in full, with properties removed, as a reference, or not."""

    DENY = "deny"
    REFERENCE = "reference"
    REDACTED = "redacted"
    FULL = "full"


#: Ascending permissiveness of decision modes.
MODE_ORDER: tuple[Mode, ...] = (Mode.DENY, Mode.REFERENCE, Mode.REDACTED, Mode.FULL)


class Reason(StrEnum):
    """Why a record was denied."""

    NO_APPLICABLE_CLAUSE = "no_applicable_clause"
    CLAUSE_MODE_NONE = "clause_mode_none"  # an applicable clause says mode `none`
    TLP_RED = "tlp_red"  # TLP:RED never leaves the owner agency
    TLP_AMBER_STRICT_ONWARD = "tlp_amber_strict_onward"  # only the owner may give it out
    H2_ONWARD_WITHOUT_CONSENT = "h2_onward_without_consent"  # holder is not the originator
    REVIEW_OVERDUE = "review_overdue"  # past its review_by date
    UNKNOWN_PURPOSE = "unknown_purpose"
    UNKNOWN_CRIME_AREA = "unknown_crime_area"


@dataclass(frozen=True, slots=True)
class Consent:
    """The originator's consent for a holder to pass one H2 record on to one recipient."""

    record_id: str
    recipient: str


@dataclass(frozen=True, slots=True)
class Decision:
    """The answer for one record and one request.

    `clauses` are the qualified ids (`agreement@vN/clause`) of the clauses that made it: every
    applicable clause when the record may flow, the `none` clauses when one of them denied it,
    none when no clause applied or an envelope rule denied it. `reasons` say why a record was
    denied. `onward`, `retention_days` and `conditions` are the terms the recipient must keep.
    """

    mode: Mode
    clauses: tuple[str, ...] = ()
    reasons: tuple[str, ...] = ()
    redactions: tuple[str, ...] = ()
    onward: OnwardTransfer | None = None
    retention_days: int | None = None
    conditions: tuple[str, ...] = ()

    @property
    def denied(self) -> bool:
        return self.mode is Mode.DENY

    @property
    def discloses_content(self) -> bool:
        """Whether the record's properties (possibly redacted) leave the node."""
        return self.mode is Mode.FULL or self.mode is Mode.REDACTED

    def terms(self) -> dict[str, object]:
        """The terms that travel with a disclosure to the recipient."""
        return {
            "clauses": list(self.clauses),
            "onward": self.onward.value if self.onward else None,
            "retention_days": self.retention_days,
            "conditions": list(self.conditions),
        }

    def to_dict(self) -> dict[str, object]:
        return {
            "mode": self.mode.value,
            "reasons": list(self.reasons),
            "redactions": list(self.redactions),
            **self.terms(),
        }
