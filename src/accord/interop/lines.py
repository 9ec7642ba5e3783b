"""Reading FtM JSON lines (the format Aleph and OpenSanctions publish), line by line.

Nothing on one line can stop the file: a line too long, not UTF-8, not JSON, not an object,
nested too deeply, holding a number no database column can take, a lone UTF-16 surrogate or a
NUL character, is reported as a BadLine with its number and the next line is read."""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any

__all__ = [
    "MAX_DEPTH",
    "BadLine",
    "not_utf8",
    "parse_json_line",
    "read_json_lines",
    "read_raw_lines",
]

#: Deepest nesting of arrays and objects accepted on one line. An FtM line is three levels
#: deep (line → properties → values); anything near this limit is not an entity.
MAX_DEPTH = 64

_CHUNK = 1024 * 1024
_BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True, slots=True)
class BadLine:
    """A line that could not even be read as a record."""

    field: str
    reason: str


def read_raw_lines(stream: IO[bytes], max_bytes: int) -> Iterator[tuple[int, int, bytes | BadLine]]:
    """Yield (line number, bytes consumed so far, the line's bytes or BadLine), with a hard
    limit on line length so one huge line cannot exhaust memory."""
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
                raw = stream.readline(_CHUNK)
                consumed += len(raw)
            mib = max_bytes / (1024 * 1024)
            yield number, consumed, BadLine("line", f"longer than the {mib:g} MiB line limit")
            continue
        yield number, consumed, raw


class _Refused(ValueError):
    """A value json.loads would accept but a record cannot hold."""


def _no_constant(name: str) -> Any:
    raise _Refused(f"{name} is not a number JSON allows")


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise _Refused(f"number {text[:40]} is out of range")
    return value


def _check_values(obj: Any) -> str | None:
    """Walk a parsed line without recursion: its depth and every string in it."""
    stack: list[tuple[Any, int]] = [(obj, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            if depth > MAX_DEPTH:
                return f"nested deeper than {MAX_DEPTH} levels"
            for key, item in value.items():
                problem = _check_string(key)
                if problem:
                    return problem
                stack.append((item, depth + 1))
        elif isinstance(value, list):
            if depth > MAX_DEPTH:
                return f"nested deeper than {MAX_DEPTH} levels"
            stack.extend((item, depth + 1) for item in value)
        elif isinstance(value, str):
            problem = _check_string(value)
            if problem:
                return problem
    return None


def _check_string(value: str) -> str | None:
    if "\x00" in value:
        return "contains a NUL character (\\u0000)"
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return "contains a lone UTF-16 surrogate escape (\\ud800-\\udfff), which is not text"
    return None


def not_utf8(raw: bytes, exc: UnicodeDecodeError) -> str:
    return f"not valid UTF-8: byte 0x{raw[exc.start]:02x} at byte {exc.start + 1} of the line"


def parse_json_line(raw: bytes) -> dict[str, Any] | BadLine:
    """One line of FtM JSON: the object, or BadLine saying what is wrong with it."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return BadLine("line", not_utf8(raw, exc))
    try:
        obj = json.loads(text, parse_constant=_no_constant, parse_float=_finite)
    except RecursionError:
        return BadLine("line", f"nested deeper than {MAX_DEPTH} levels")
    except _Refused as exc:
        return BadLine("line", str(exc))
    except json.JSONDecodeError as exc:
        return BadLine("line", f"malformed JSON: {exc}")
    except ValueError as exc:  # e.g. an integer of more digits than Python converts
        return BadLine("line", f"malformed JSON: {str(exc).split(';')[0]}")
    if not isinstance(obj, dict):
        return BadLine("line", "must be a JSON object")
    # Only a line with escapes or many brackets can hide what the walk looks for; the common
    # line skips it.
    if "\\u" in text or text.count("[") + text.count("{") > MAX_DEPTH:
        problem = _check_values(obj)
        if problem:
            return BadLine("line", problem)
    return obj


def read_json_raw(stream: IO[bytes], max_bytes: int) -> Iterator[tuple[int, int, bytes | BadLine]]:
    """Yield (line number, bytes consumed so far, the line's bytes to `parse_json_line`, or
    BadLine): blank lines skip, a byte-order mark before the first line goes."""
    for number, consumed, raw in read_raw_lines(stream, max_bytes):
        if isinstance(raw, BadLine):
            yield number, consumed, raw
            continue
        if number == 1 and raw.startswith(_BOM):
            raw = raw[len(_BOM) :]
        if not raw.strip():
            continue
        yield number, consumed, raw


def read_json_lines(
    stream: IO[bytes], max_bytes: int
) -> Iterator[tuple[int, int, dict[str, Any] | BadLine]]:
    """Yield (line number, bytes consumed so far, parsed object or BadLine). Blank lines skip."""
    for number, consumed, raw in read_json_raw(stream, max_bytes):
        yield number, consumed, raw if isinstance(raw, BadLine) else parse_json_line(raw)
