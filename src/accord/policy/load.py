"""Agreement files: YAML, one agreement per file, checked key by key with file and line.

Pure over (file name, text) pairs: the caller reads the files (see `accord.policy.files`) or
takes the texts from storage, and swaps the returned `AgreementSet` in only when loading
succeeded. The format is described in docs/policy.md.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterable
from datetime import date, datetime
from enum import StrEnum
from typing import Any, TypeVar

from accord.model import TLP, Handling, SubjectCategory, crime_areas
from accord.policy.agreement import (
    Agreement,
    Clause,
    ClauseKind,
    Direction,
    DisclosureMode,
    OnwardTransfer,
    Party,
    parse_party,
)
from accord.policy.codes import ANY, all_schemata, expand_schema, purposes
from accord.policy.index import AgreementSet
from accord.policy.problems import AgreementError, Problem, overlap_problems
from accord.policy.yamltree import Path, Tree, YamlProblem, compose

__all__ = [
    "DEFAULT_MAX_BYTES",
    "file_name_problem",
    "load_directory",
    "parse_agreement",
    "size_problem",
]

_ID_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")

#: An agreement file's name: ASCII letters, digits, `.`, `_` and `-`, ending in `.yaml` or
#: `.yml`, not starting with a dot. No path separators, no control, bidi or look-alike
#: characters: the name is shown to people and may become a file on any system.
_FILE_NAME_RE = re.compile(r"^(?!\.)[A-Za-z0-9._-]+\.ya?ml$")
MAX_FILE_NAME = 200
#: Names Windows reserves for devices, with or without an extension (`nul.yaml` too).
_RESERVED = frozenset(
    {"CON", "PRN", "AUX", "NUL"}
    | {f"COM{i}" for i in range(1, 10)}
    | {f"LPT{i}" for i in range(1, 10)}
)
#: Largest agreement text accepted by default, in bytes (`ACCORD_AGREEMENT_MAX_BYTES`).
DEFAULT_MAX_BYTES = 1024 * 1024


def file_name_problem(name: str) -> str | None:
    """Why `name` may not be an agreement file's name, or None when it may."""
    if len(name) > MAX_FILE_NAME:
        return f"longer than {MAX_FILE_NAME} characters"
    if not _FILE_NAME_RE.fullmatch(name):
        return (
            "must be NAME.yaml or NAME.yml with only letters A-Z, digits, '.', '_' and '-', "
            "not starting with '.'"
        )
    if name.split(".", 1)[0].upper() in _RESERVED:
        return f"{name.split('.', 1)[0]!r} is a reserved device name"
    return None


def size_problem(text: str, max_bytes: int = DEFAULT_MAX_BYTES) -> str | None:
    """Why `text` is too large to be parsed as an agreement, or None. Checked before parsing:
    a YAML document's cost grows with its size, and an agreement is a page or two."""
    if len(text) > max_bytes or len(text.encode("utf-8")) > max_bytes:
        return f"larger than {max_bytes} bytes"
    return None


_TOP_REQUIRED = ("id", "version", "title", "instrument", "parties", "valid_from", "directions")
_TOP_OPTIONAL = ("valid_until",)
_DIRECTION_KEYS = ("from", "to", "between", "clauses")
_CLAUSE_REQUIRED = (
    "id",
    "mode",
    "crime_areas",
    "purposes",
    "record_kinds",
    "subject_categories",
    "max_handling",
    "max_tlp",
    "onward",
)
_CLAUSE_OPTIONAL = ("redact", "retention_days", "conditions", "kind")

E = TypeVar("E", bound=StrEnum)

#: A required key that is absent; already reported by `_Reader.mapping`, so not checked again.
_MISSING: Any = object()
_CATEGORIES = frozenset(c.value for c in SubjectCategory)


class _Reader:
    """Checks one file's tree, collecting every problem with its line."""

    def __init__(self, file: str, tree: Tree) -> None:
        self.file = file
        self.tree = tree
        self.problems: list[Problem] = []

    def fail(self, path: Path, reason: str, *, at_key: bool = False) -> None:
        line = self.tree.key_line(path) if at_key else self.tree.line(path)
        self.problems.append(Problem(self.file, line, reason))

    def mapping(
        self, path: Path, value: Any, required: Iterable[str], optional: Iterable[str]
    ) -> dict[str, Any] | None:
        if not isinstance(value, dict):
            self.fail(path, "must be a mapping of keys to values")
            return None
        required = tuple(required)
        allowed = set(required) | set(optional)
        for key in value:
            if key not in allowed:
                self.fail((*path, key), f"unknown key {key!r}", at_key=True)
        for key in required:
            if key not in value:
                where = ".".join(str(p) for p in path) or "the agreement"
                self.fail(path, f"missing required key {key!r} in {where}")
        return value

    def text(self, path: Path, value: Any) -> str:
        if value is _MISSING:
            return ""
        if not isinstance(value, str) or not value.strip():
            self.fail(path, "must be non-empty text")
            return ""
        return value.strip()

    def ident(self, path: Path, value: Any) -> str:
        if value is _MISSING:
            return ""
        if not isinstance(value, str) or not _ID_RE.match(value):
            self.fail(path, f"{value!r} is not an id (lower-case letters, digits, '.', '_', '-')")
            return ""
        return value

    def positive_int(self, path: Path, value: Any) -> int | None:
        if value is _MISSING:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            self.fail(path, f"{value!r} is not a positive whole number")
            return None
        return value

    def day(self, path: Path, value: Any) -> date | None:
        if value is _MISSING:
            return None
        if isinstance(value, datetime):
            self.fail(path, f"{value.isoformat()} is a date-time; write a date YYYY-MM-DD")
            return None
        if isinstance(value, date):
            return value
        try:
            return date.fromisoformat(str(value))
        except ValueError:
            self.fail(path, f"{value!r} is not a date YYYY-MM-DD")
            return None

    def enum(self, path: Path, cls: type[E], value: Any) -> E | None:
        if value is _MISSING:
            return None
        try:
            return cls(value)
        except ValueError:
            allowed = ", ".join(m.value for m in cls)
            self.fail(path, f"{value!r} is not one of {allowed}")
            return None

    def codes(
        self, path: Path, value: Any, what: str, known: Callable[[str], bool]
    ) -> tuple[frozenset[str] | None, bool]:
        """A list of codes or `any` (None). Returns the codes and whether they were valid."""
        if value is _MISSING:
            return frozenset(), False
        if value == ANY:
            return None, True
        if not isinstance(value, list) or not value:
            self.fail(path, f"must be a non-empty list of {what} or '{ANY}'")
            return frozenset(), False
        ok = True
        out: set[str] = set()
        for i, code in enumerate(value):
            if code == ANY:
                self.fail((*path, i), f"'{ANY}' stands alone, not inside a list")
                ok = False
            elif not isinstance(code, str) or not known(code):
                self.fail((*path, i), f"unknown {what} {code!r}")
                ok = False
            elif code in out:
                self.fail((*path, i), f"{what} {code!r} is listed twice")
                ok = False
            else:
                out.add(code)
        return frozenset(out), ok


def _is_schema_or_kind(name: str) -> bool:
    return expand_schema(name) is not None


def _clause(r: _Reader, path: Path, raw: Any) -> Clause | None:
    before = len(r.problems)
    m = r.mapping(path, raw, _CLAUSE_REQUIRED, _CLAUSE_OPTIONAL)
    if m is None:
        return None
    cid = r.ident((*path, "id"), m.get("id", _MISSING))
    mode = r.enum((*path, "mode"), DisclosureMode, m.get("mode", _MISSING))
    known_areas = crime_areas()
    areas, _ = r.codes(
        (*path, "crime_areas"),
        m.get("crime_areas", _MISSING),
        "crime area",
        known_areas.__contains__,
    )
    known_purposes = purposes()
    purps, _ = r.codes(
        (*path, "purposes"), m.get("purposes", _MISSING), "purpose", known_purposes.__contains__
    )
    kinds, kinds_ok = r.codes(
        (*path, "record_kinds"),
        m.get("record_kinds", _MISSING),
        "record kind or FtM schema",
        _is_schema_or_kind,
    )
    categories_raw, _ = r.codes(
        (*path, "subject_categories"),
        m.get("subject_categories", _MISSING),
        "subject category",
        _CATEGORIES.__contains__,
    )
    max_handling = r.enum((*path, "max_handling"), Handling, m.get("max_handling", _MISSING))
    max_tlp = r.enum((*path, "max_tlp"), TLP, m.get("max_tlp", _MISSING))
    onward = r.enum((*path, "onward"), OnwardTransfer, m.get("onward", _MISSING))

    schemata: frozenset[str] = all_schemata()
    if kinds is not None:
        expanded: set[str] = set()
        for name in kinds:
            expanded |= expand_schema(name) or frozenset()
        schemata = frozenset(expanded)
    redact = _redactions(r, (*path, "redact"), m.get("redact", []), schemata, kinds_ok)

    retention: int | None = None
    if m.get("retention_days") is not None:
        retention = r.positive_int((*path, "retention_days"), m["retention_days"])
    conditions = m.get("conditions") or ""
    if not isinstance(conditions, str):
        r.fail((*path, "conditions"), "must be text")
        conditions = ""

    kind = r.enum((*path, "kind"), ClauseKind, m.get("kind", ClauseKind.EXCHANGE.value))

    if len(r.problems) > before or mode is None or max_handling is None:
        return None
    if max_tlp is None or onward is None or kind is None:
        return None
    return Clause(
        id=cid,
        mode=mode,
        crime_areas=areas,
        purposes=purps,
        record_kinds=kinds,
        schemata=schemata,
        subject_categories=(
            None
            if categories_raw is None
            else frozenset(SubjectCategory(c) for c in categories_raw)
        ),
        max_handling=max_handling,
        max_tlp=max_tlp,
        onward=onward,
        redact=redact,
        retention_days=retention,
        conditions=conditions.strip(),
        kind=kind,
    )


def _redactions(
    r: _Reader, path: Path, value: Any, schemata: Collection[str], check: bool
) -> frozenset[str]:
    """Property names to remove; each must be a property of at least one of the schemata."""
    if not isinstance(value, list):
        r.fail(path, "must be a list of FtM property names")
        return frozenset()
    from followthemoney import model as ftm  # loaded with the first agreement file read

    out: set[str] = set()
    for i, name in enumerate(value):
        if not isinstance(name, str) or not name:
            r.fail((*path, i), f"{name!r} is not a property name")
            continue
        if check and not any(
            s in ftm.schemata and ftm.schemata[s].get(name) is not None for s in schemata
        ):
            shown = ", ".join(sorted(schemata)[:6]) + (", ..." if len(schemata) > 6 else "")
            r.fail((*path, i), f"{name!r} is not a property of any schema of this clause ({shown})")
            continue
        out.add(name)
    return frozenset(out)


def _parties(r: _Reader, path: Path, value: Any) -> dict[str, Party]:
    if value is _MISSING:
        return {}
    if not isinstance(value, list) or len(value) < 2:
        r.fail(path, "must list at least two parties")
        return {}
    parties: dict[str, Party] = {}
    for i, code in enumerate(value):
        party = parse_party(code) if isinstance(code, str) else None
        if isinstance(code, bool):
            r.fail((*path, i), f"{code!r} is not a party; quote a country code such as 'NO'")
        elif party is None:
            r.fail(
                (*path, i),
                f"{code!r} is not an agency code (CC-NAME), an ISO 3166-1 alpha-2 country "
                "or a known group",
            )
        elif code in parties:
            r.fail((*path, i), f"party {code!r} is listed twice")
        else:
            parties[code] = party
    return parties


def _party_ref(r: _Reader, path: Path, code: Any, parties: dict[str, Party]) -> Party | None:
    party = parties.get(code) if isinstance(code, str) else None
    if party is None:
        r.fail(path, f"{code!r} is not one of the agreement's parties")
    return party


def _direction(
    r: _Reader, path: Path, raw: Any, parties: dict[str, Party]
) -> list[tuple[Party, Party, Path]]:
    """The (source, target) pairs a direction entry stands for; `between` stands for two."""
    m = r.mapping(path, raw, ("clauses",), ("from", "to", "between"))
    if m is None:
        return []
    if "between" in m:
        if "from" in m or "to" in m:
            r.fail(path, "write either 'between' or 'from' and 'to', not both")
            return []
        pair = m["between"]
        if not isinstance(pair, list) or len(pair) != 2:
            r.fail((*path, "between"), "must list exactly two parties")
            return []
        a = _party_ref(r, (*path, "between", 0), pair[0], parties)
        b = _party_ref(r, (*path, "between", 1), pair[1], parties)
        if a is None or b is None:
            return []
        if a.code == b.code:
            r.fail((*path, "between"), "the two parties must differ")
            return []
        return [(a, b, path), (b, a, path)]
    if "from" not in m or "to" not in m:
        r.fail(path, "a direction needs 'from' and 'to', or 'between'")
        return []
    source = _party_ref(r, (*path, "from"), m["from"], parties)
    target = _party_ref(r, (*path, "to"), m["to"], parties)
    if source is None or target is None:
        return []
    if source.code == target.code:
        r.fail((*path, "to"), "'from' and 'to' must be different parties")
        return []
    return [(source, target, path)]


def _read(r: _Reader) -> Agreement | None:
    top = r.mapping((), r.tree.data, _TOP_REQUIRED, _TOP_OPTIONAL)
    if top is None:
        return None
    aid = r.ident(("id",), top.get("id", _MISSING))
    version = r.positive_int(("version",), top.get("version", _MISSING))
    title = r.text(("title",), top.get("title", _MISSING))
    instrument = r.text(("instrument",), top.get("instrument", _MISSING))
    parties = _parties(r, ("parties",), top.get("parties", _MISSING))
    valid_from = r.day(("valid_from",), top.get("valid_from", _MISSING))
    valid_until = None
    if top.get("valid_until") is not None:
        valid_until = r.day(("valid_until",), top["valid_until"])
    if valid_from and valid_until and valid_until < valid_from:
        r.fail(
            ("valid_until",),
            f"valid_until {valid_until.isoformat()} is before valid_from {valid_from.isoformat()}",
        )

    directions: list[Direction] = []
    raw_dirs = top.get("directions", [])
    if "directions" in top and (not isinstance(raw_dirs, list) or not raw_dirs):
        r.fail(("directions",), "must be a non-empty list of directions")
    if not isinstance(raw_dirs, list):
        raw_dirs = []
    clause_ids: dict[str, Path] = {}
    for i, raw in enumerate(raw_dirs):
        path: Path = ("directions", i)
        pairs = _direction(r, path, raw, parties)
        raw_clauses = raw.get("clauses") if isinstance(raw, dict) else None
        if not isinstance(raw_clauses, list) or not raw_clauses:
            if isinstance(raw, dict) and "clauses" in raw:
                r.fail((*path, "clauses"), "must be a non-empty list of clauses")
            continue
        clauses: list[Clause] = []
        for j, raw_clause in enumerate(raw_clauses):
            cpath: Path = (*path, "clauses", j)
            clause = _clause(r, cpath, raw_clause)
            if clause is None:
                continue
            if clause.id in clause_ids:
                r.fail((*cpath, "id"), f"clause id {clause.id!r} is used twice in this agreement")
                continue
            clause_ids[clause.id] = cpath
            clauses.append(clause)
        for source, target, _ in pairs:
            directions.append(Direction(source=source, target=target, clauses=tuple(clauses)))

    if r.problems or version is None or valid_from is None:
        return None
    return Agreement(
        id=aid,
        version=version,
        title=title,
        instrument=instrument,
        parties=tuple(parties.values()),
        valid_from=valid_from,
        valid_until=valid_until,
        directions=tuple(directions),
        source=r.file,
        line=r.tree.line(("valid_from",)),
    )


def _parse(file: str, text: str) -> tuple[Agreement | None, list[Problem]]:
    bad = file_name_problem(file)
    if bad is not None:
        return None, [Problem(ascii(file)[1:-1], 1, f"file name {bad}")]
    try:
        tree = compose(text)
    except YamlProblem as exc:
        return None, [Problem(file, exc.line, exc.reason)]
    reader = _Reader(file, tree)
    agreement = _read(reader)
    return agreement, reader.problems


def parse_agreement(file: str, text: str) -> Agreement:
    """One agreement from the text of its file; raise AgreementError naming file and lines."""
    agreement, problems = _parse(file, text)
    if problems or agreement is None:
        raise AgreementError(problems or [Problem(file, 1, "not an agreement")])
    return agreement


def load_directory(files: Iterable[tuple[str, str]]) -> AgreementSet:
    """A fresh AgreementSet from every (file name, text) pair, or AgreementError with every
    problem of every file. All or nothing: the caller keeps its current set on error."""
    agreements: list[Agreement] = []
    problems: list[Problem] = []
    for file, text in files:
        agreement, found = _parse(file, text)
        problems.extend(found)
        if agreement is not None:
            agreements.append(agreement)
    problems.extend(overlap_problems(agreements))
    if problems:
        raise AgreementError(problems)
    return AgreementSet(agreements)
