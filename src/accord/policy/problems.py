"""Why agreements were refused: each problem names the file, the line and the reason."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from accord.errors import AccordError
from accord.policy.agreement import Agreement

__all__ = ["AgreementError", "Problem", "overlap_problems"]


@dataclass(frozen=True, slots=True)
class Problem:
    """One reason an agreement file was refused; `line` is 1-based."""

    file: str
    line: int
    reason: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.reason}"

    def to_dict(self) -> dict[str, object]:
        return {"file": self.file, "line": self.line, "reason": self.reason}


class AgreementError(AccordError):
    """Agreements that cannot be loaded; nothing of them takes effect."""

    status = 422
    code = "invalid_agreement"

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems: tuple[Problem, ...] = tuple(
            sorted(problems, key=lambda p: (p.file, p.line, p.reason))
        )
        super().__init__("; ".join(str(p) for p in self.problems))

    def to_dict(self) -> dict[str, object]:
        return {
            "code": self.code,
            "message": self.message,
            "problems": [p.to_dict() for p in self.problems],
        }


def _overlaps(a: Agreement, b: Agreement) -> bool:
    a_end = a.valid_until or date.max
    b_end = b.valid_until or date.max
    return a.valid_from <= b_end and b.valid_from <= a_end


def overlap_problems(agreements: Sequence[Agreement]) -> list[Problem]:
    """Problems between versions of one agreement id: a repeated version or overlapping validity.

    Two versions of one agreement in force on the same day would make the applicable terms
    ambiguous, so every pair of versions with the same id must cover disjoint periods. This is
    stricter than "same id and same parties": a version that changes the parties replaces the
    earlier one too.
    """
    problems: list[Problem] = []
    by_id: dict[str, list[Agreement]] = {}
    for agreement in agreements:
        by_id.setdefault(agreement.id, []).append(agreement)
    for versions in by_id.values():
        versions.sort(key=lambda a: (a.valid_from, a.version, a.source))
        for i, later in enumerate(versions):
            for earlier in versions[:i]:
                if earlier.version == later.version:
                    reason = (
                        f"agreement {later.id} version {later.version} is also defined in "
                        f"{earlier.source or 'another agreement'}"
                    )
                elif _overlaps(earlier, later):
                    until = earlier.valid_until.isoformat() if earlier.valid_until else "open end"
                    reason = (
                        f"validity of agreement {later.id} version {later.version} overlaps "
                        f"version {earlier.version} ({earlier.valid_from.isoformat()} to "
                        f"{until}) in {earlier.source or 'another agreement'}"
                    )
                else:
                    continue
                problems.append(Problem(later.source or later.id, later.line or 1, reason))
    return problems
