"""Reading agreement files from a directory: the one edge of the policy package that touches
the file system. Kept out of `accord.policy`'s public surface so that importing the policy core
does no I/O; services import it from here."""

from __future__ import annotations

from pathlib import Path

from accord.policy.index import AgreementSet
from accord.policy.load import DEFAULT_MAX_BYTES, load_directory
from accord.policy.problems import AgreementError, Problem

__all__ = ["AGREEMENT_SUFFIXES", "load_agreement_directory", "read_agreement_files"]

AGREEMENT_SUFFIXES = (".yaml", ".yml")


def read_agreement_files(
    directory: Path, max_bytes: int = DEFAULT_MAX_BYTES
) -> list[tuple[str, str]]:
    """(file name, text) of every `*.yaml`/`*.yml` file directly in `directory`, sorted by name.
    A file larger than `max_bytes` is refused from its size, before it is read (AgreementError);
    names are checked when the texts are loaded."""
    paths = [
        path
        for path in sorted(directory.iterdir())
        if path.is_file() and path.suffix in AGREEMENT_SUFFIXES
    ]
    large = [p for p in paths if p.stat().st_size > max_bytes]
    if large:
        raise AgreementError(
            Problem(ascii(p.name)[1:-1], 1, f"larger than {max_bytes} bytes") for p in large
        )
    return [(path.name, path.read_text("utf-8")) for path in paths]


def load_agreement_directory(directory: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> AgreementSet:
    """A fresh AgreementSet from a directory; raises AgreementError if any file is refused."""
    return load_directory(read_agreement_files(directory, max_bytes))
