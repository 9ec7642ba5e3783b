"""The agreements in force at a node, replaced only by a set that loaded completely."""

from __future__ import annotations

from collections.abc import Iterable

from accord.policy.index import AgreementSet
from accord.policy.load import load_directory

__all__ = ["AgreementRegistry"]


class AgreementRegistry:
    """Holds the AgreementSet in force. `reload` builds a fresh set from every file and swaps it
    in only when all of them loaded; on AgreementError the set in force stays as it was.

    Decisions read `current` once per request, so a request is decided under one set even when
    a reload happens meanwhile (the swap is a single reference assignment).
    """

    __slots__ = ("_current",)

    def __init__(self, initial: AgreementSet | None = None) -> None:
        self._current = initial if initial is not None else AgreementSet()

    @property
    def current(self) -> AgreementSet:
        return self._current

    def reload(self, files: Iterable[tuple[str, str]]) -> AgreementSet:
        """Load (file name, text) pairs; raise AgreementError and keep the current set if any
        file is refused, else make the new set current and return it."""
        fresh = load_directory(files)
        self._current = fresh
        return fresh
