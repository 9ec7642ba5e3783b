"""Reading FtM JSON lines (the format Aleph and OpenSanctions publish), line by line, with a
hard limit on line length so one huge line cannot exhaust memory."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any

__all__ = ["BadLine", "read_json_lines"]


@dataclass(frozen=True, slots=True)
class BadLine:
    """A line that could not even be read as a JSON object."""

    field: str
    reason: str


def read_json_lines(
    stream: IO[bytes], max_bytes: int
) -> Iterator[tuple[int, int, dict[str, Any] | BadLine]]:
    """Yield (line number, bytes consumed so far, parsed object or BadLine). Blank lines skip."""
    number = 0
    consumed = 0
    while True:
        raw = stream.readline(max_bytes + 1)
        if not raw:
            return
        number += 1
        consumed += len(raw)
        if len(raw) > max_bytes:
            # Skip the rest of the oversized line without holding it in memory.
            while raw and not raw.endswith(b"\n"):
                raw = stream.readline(1024 * 1024)
                consumed += len(raw)
            mib = max_bytes / (1024 * 1024)
            yield number, consumed, BadLine("line", f"longer than the {mib:g} MiB line limit")
            continue
        text = raw.strip()
        if not text:
            continue
        try:
            obj = json.loads(text)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            yield number, consumed, BadLine("line", f"malformed JSON: {exc}")
            continue
        if not isinstance(obj, dict):
            yield number, consumed, BadLine("line", "must be a JSON object")
            continue
        yield number, consumed, obj
