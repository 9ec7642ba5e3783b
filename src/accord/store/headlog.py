"""The head log: every signed tree head the node makes, also kept outside its database.

One file in ACCORD_HOME, `ledger-heads.jsonl`, one signed head per line in its JSON form
(`SignedTreeHead.to_json`, compact, sorted keys), only ever appended to and fsynced after each
line. Someone who can rewrite the database cannot make the ledger forget a head that reached
this file: `accord audit verify` checks every logged head against the database and the
recomputed tree (docs/decisions/0008).

Writers on one host are serialised by an exclusive `flock` on the file, held for the whole
signing (read the database, sign, commit the head row, append the line)."""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from accord.errors import AccordError
from accord.ledger import SignedTreeHead
from accord.ledger.check import HeadLog

__all__ = ["FILE_NAME", "HeadLogFile", "head_log_path", "locked_head_log", "read_head_log"]

FILE_NAME = "ledger-heads.jsonl"
_TAIL = 4096


def head_log_path(home: Path) -> Path:
    return home / FILE_NAME


def _line(sth: SignedTreeHead) -> bytes:
    return (json.dumps(sth.to_json(), sort_keys=True, separators=(",", ":")) + "\n").encode()


def _parse(line: bytes) -> SignedTreeHead:
    data = json.loads(line)
    if not isinstance(data, dict):
        raise ValueError("not a JSON object")
    return SignedTreeHead.from_json(data)


def read_head_log(path: Path) -> HeadLog:
    """Every head in the log, in file order; the first damaged line stops the reading."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return HeadLog(present=False)
    heads: list[SignedTreeHead] = []
    lines = data.split(b"\n")
    last = len(lines) - 1
    for number, line in enumerate(lines, start=1):
        if number - 1 == last:
            if line:
                return HeadLog(True, tuple(heads), number, "is cut short (no line end)")
            break
        try:
            heads.append(_parse(line))
        except (ValueError, AccordError) as exc:
            reason = getattr(exc, "message", None) or str(exc)
            return HeadLog(True, tuple(heads), number, f"is not a signed tree head ({reason})")
    return HeadLog(True, tuple(heads))


class HeadLogFile:
    """The open, exclusively locked head log, for one signing."""

    def __init__(self, handle: IO[bytes]) -> None:
        self._handle = handle

    def last(self) -> SignedTreeHead | None:
        """The last head logged, read from the file's end (None for an empty log).

        Raises `ValueError` if the last line is not a signed head."""
        handle = self._handle
        end = handle.seek(0, os.SEEK_END)
        if end == 0:
            return None
        start = max(0, end - _TAIL)
        while True:
            handle.seek(start)
            chunk = handle.read(end - start)
            body = chunk[:-1] if chunk.endswith(b"\n") else chunk
            cut = body.rfind(b"\n")
            if cut >= 0 or start == 0:
                return _parse(body[cut + 1 :])
            start = max(0, start - _TAIL)

    def append(self, heads: Sequence[SignedTreeHead]) -> None:
        """Append heads, one line each, and fsync before returning."""
        if not heads:
            return
        self._handle.seek(0, os.SEEK_END)
        self._handle.write(b"".join(_line(h) for h in heads))
        self._handle.flush()
        os.fsync(self._handle.fileno())


@contextmanager
def locked_head_log(path: Path) -> Iterator[HeadLogFile]:
    """Open (creating it if need be) and exclusively lock the head log."""
    path.parent.mkdir(parents=True, exist_ok=True)
    created = not path.exists()
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o600)
    with os.fdopen(fd, "r+b", buffering=0) as handle:
        if created:
            _fsync_dir(path.parent)
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield HeadLogFile(handle)
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
