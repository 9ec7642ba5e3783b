"""Reading agreement files from a directory: the one edge of the policy package that touches
the file system. Kept out of `accord.policy`'s public surface so that importing the policy core
does no I/O; services import it from here."""

from __future__ import annotations

from pathlib import Path

from accord.policy.index import AgreementSet
from accord.policy.load import load_directory

__all__ = ["AGREEMENT_SUFFIXES", "load_agreement_directory", "read_agreement_files"]

AGREEMENT_SUFFIXES = (".yaml", ".yml")


def read_agreement_files(directory: Path) -> list[tuple[str, str]]:
    """(file name, text) of every `*.yaml`/`*.yml` file directly in `directory`, sorted by name."""
    return [
        (path.name, path.read_text("utf-8"))
        for path in sorted(directory.iterdir())
        if path.is_file() and path.suffix in AGREEMENT_SUFFIXES
    ]


def load_agreement_directory(directory: Path) -> AgreementSet:
    """A fresh AgreementSet from a directory; raises AgreementError if any file is refused."""
    return load_directory(read_agreement_files(directory))
