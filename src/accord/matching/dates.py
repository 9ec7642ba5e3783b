"""Birth dates as agencies record them: parsing, comparison and blocking keys.

Agencies write the same birth date in many ways (`1981-03-02`, `02.03.1981`, `2/3/1981`,
`19810302`) and with many precisions (a year, a year and month, a full day). Clerks also make
the same few mistakes again and again: day and month swapped, the year off by one, a single
mistyped digit. This module reads the common forms into a `PartialDate` and says how two
records' dates agree, so that a matcher can weigh a near miss below an exact agreement and
above a plain mismatch.

The canonical text form is FollowTheMoney's (ISO 8601 prefixes: `YYYY`, `YYYY-MM`,
`YYYY-MM-DD`).
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache

__all__ = [
    "DateAgreement",
    "PartialDate",
    "compare_dates",
    "date_keys",
    "day_keys",
    "parse_date",
    "query_date_keys",
]

MIN_YEAR = 1
MAX_YEAR = 2100
_MAX_INPUT = 64

# ISO 8601 calendar dates and their prefixes (FtM's forms), unpadded month/day tolerated.
_ISO = re.compile(r"(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?")
# A full ISO 8601 date-time: the date part is taken as written (no time-zone shift).
_ISO_DATETIME = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[T ](?:[01]\d|2[0-3])(?::[0-5]\d(?::(?:[0-5]\d|60)(?:[.,]\d+)?)?)?"
    r"(?:Z|[+-](?:[01]\d|2[0-3])(?::?[0-5]\d)?)?"
)
_COMPACT = re.compile(r"(\d{4})(\d{2})(\d{2})")  # YYYYMMDD (ISO 8601 basic format)
_DAY_FIRST = re.compile(r"(\d{1,2})([./-])(\d{1,2})\2(\d{4})")  # DD.MM.YYYY, DD/MM/YYYY
_YEAR_FIRST = re.compile(r"(\d{4})([./])(\d{1,2})\2(\d{1,2})")  # YYYY/MM/DD, YYYY.MM.DD
_MONTH_YEAR = re.compile(r"(\d{1,2})[./-](\d{4})")  # MM.YYYY, MM/YYYY


@dataclass(frozen=True, slots=True)
class PartialDate:
    """A calendar date known to the year, the month or the day (proleptic Gregorian).

    A day is only given with a month. Construction checks the values: a `PartialDate` always
    names a date that exists."""

    year: int
    month: int | None = None
    day: int | None = None

    def __post_init__(self) -> None:
        if not MIN_YEAR <= self.year <= MAX_YEAR:
            raise ValueError(f"year out of range: {self.year}")
        if self.month is None:
            if self.day is not None:
                raise ValueError("a day needs a month")
            return
        if not 1 <= self.month <= 12:
            raise ValueError(f"month out of range: {self.month}")
        if self.day is not None:
            last = calendar.monthrange(self.year, self.month)[1]
            if not 1 <= self.day <= last:
                raise ValueError(f"day out of range: {self.day}")

    @property
    def full(self) -> bool:
        """Whether the date is known to the day."""
        return self.day is not None

    def iso(self) -> str:
        """The ISO 8601 (and FtM) text form: `1981`, `1981-03` or `1981-03-02`."""
        if self.month is None:
            return f"{self.year:04d}"
        if self.day is None:
            return f"{self.year:04d}-{self.month:02d}"
        return f"{self.year:04d}-{self.month:02d}-{self.day:02d}"


def _make(year: int, month: int | None, day: int | None) -> PartialDate | None:
    """A checked date, or None if it does not exist.

    `00` for a month or day is the clerical mark for "unknown" (`1981-00-00`, `00.03.1981`):
    the date is kept to the precision that is known. A day without its month is dropped."""
    if month == 0:
        month, day = None, None
    if day == 0:
        day = None
    try:
        return PartialDate(year, month, day)
    except ValueError:
        return None


def _opt(text: str | None) -> int | None:
    return None if text is None else int(text)


@lru_cache(maxsize=65536)
def parse_date(value: str) -> PartialDate | None:
    """Read a date as agencies write it, or None when it is not a date that exists.

    Accepted forms, after surrounding white space is removed:

    - FtM / ISO 8601: `1981`, `1981-03`, `1981-03-02` (also unpadded `1981-3-2`);
    - an ISO 8601 date-time: `1981-03-02T00:00:00Z`, `1981-03-02 10:15:00+02:00` — the date is
      taken as written, without shifting it by the time zone;
    - ISO 8601 basic format `19810302`;
    - day first with `.`, `/` or `-`: `02.03.1981`, `2/3/1981`, `02-03-1981`;
    - year first with `/` or `.`: `1981/03/02` (East Asian registers);
    - month and year: `03.1981`, `3/1981`.

    Ambiguity: `a/b/YYYY` is read day first (European and most of the world) unless that date
    cannot exist and the month-first (US) reading can: `02/03/1981` is 2 March, `12/25/1981`
    is 25 December, `13/13/1981` is None. The same rule holds for every separator.

    Impossible dates are None: 30 February, month 13, year 0 or after 2100. Two-digit years
    (`02.03.81`) are None: the century cannot be known. `00` as month or day means unknown
    (see `_make`). Never raises.
    """
    if not isinstance(value, str) or len(value) > _MAX_INPUT:
        return None
    text = value.strip()
    if not text.isascii():
        return None
    for pattern in (_ISO, _ISO_DATETIME):
        m = pattern.fullmatch(text)
        if m:
            return _make(int(m[1]), _opt(m[2]), _opt(m[3]))
    m = _COMPACT.fullmatch(text)
    if m:
        return _make(int(m[1]), int(m[2]), int(m[3]))
    m = _YEAR_FIRST.fullmatch(text)
    if m:
        return _make(int(m[1]), int(m[3]), int(m[4]))
    m = _DAY_FIRST.fullmatch(text)
    if m:
        first, second, year = int(m[1]), int(m[3]), int(m[4])
        day_first = _make(year, second, first)
        if day_first is None and 1 <= first <= 12 and second > 12:
            return _make(year, first, second)
        return day_first
    m = _MONTH_YEAR.fullmatch(text)
    if m:
        return _make(int(m[2]), int(m[1]), None)
    return None


class DateAgreement(StrEnum):
    """How two recorded dates agree, best first (see `compare_dates`)."""

    EXACT = "exact"
    """Both give a full date, and it is the same."""
    YEAR_MONTH = "year_month"
    """Year and month agree and at least one side gives no day."""
    YEAR_ONLY = "year_only"
    """The year agrees and at least one side gives only the year."""
    DAY_MONTH_SWAP = "day_month_swap"
    """Same year, day and month exchanged: 2 March 1981 against 3 February 1981."""
    ONE_YEAR_SLIP = "one_year_slip"
    """Same day and month, the years one apart: 2 March 1981 against 2 March 1982."""
    ONE_DIGIT_TYPO = "one_digit_typo"
    """Same year; day and month written `MMDD` differ in exactly one digit (03-02 vs 03-07,
    03-02 vs 08-02) or by two neighbouring digits swapped (02-10 vs 01-20)."""
    MISMATCH = "mismatch"
    """Both sides give dates and none of the above holds."""
    UNKNOWN = "unknown"
    """At least one side gives no date that can be read: no evidence either way."""


_RANK = {
    DateAgreement.EXACT: 0,
    DateAgreement.YEAR_MONTH: 1,
    DateAgreement.YEAR_ONLY: 2,
    DateAgreement.DAY_MONTH_SWAP: 3,
    DateAgreement.ONE_YEAR_SLIP: 4,
    DateAgreement.ONE_DIGIT_TYPO: 5,
    DateAgreement.MISMATCH: 6,
    DateAgreement.UNKNOWN: 7,
}


def _agreement(a: PartialDate, b: PartialDate) -> DateAgreement:
    """How one pair of dates agrees; symmetric in `a` and `b`.

    A precision-limited agreement (YEAR_MONTH, YEAR_ONLY) is granted only where the less
    precise side says nothing more: two full dates with the same year and month but different
    days disagree on the day, and are at best a ONE_DIGIT_TYPO. The near-miss kinds
    (swap, slip, typo) need two full dates."""
    if a.year == b.year:
        if a.month is None or b.month is None:
            return DateAgreement.YEAR_ONLY
        if a.month == b.month:
            if a.day is None or b.day is None:
                return DateAgreement.YEAR_MONTH
            if a.day == b.day:
                return DateAgreement.EXACT
    if a.month is None or b.month is None or a.day is None or b.day is None:
        return DateAgreement.MISMATCH
    if a.year == b.year and (a.month, a.day) == (b.day, b.month):
        return DateAgreement.DAY_MONTH_SWAP
    if abs(a.year - b.year) == 1 and (a.month, a.day) == (b.month, b.day):
        return DateAgreement.ONE_YEAR_SLIP
    if a.year == b.year:
        left, right = f"{a.month:02d}{a.day:02d}", f"{b.month:02d}{b.day:02d}"
        diff = [i for i, (x, y) in enumerate(zip(left, right, strict=True)) if x != y]
        if len(diff) == 1:
            return DateAgreement.ONE_DIGIT_TYPO
        swapped = len(diff) == 2 and diff[1] == diff[0] + 1
        if swapped and left[diff[0]] == right[diff[1]] and left[diff[1]] == right[diff[0]]:
            return DateAgreement.ONE_DIGIT_TYPO  # two neighbouring digits swapped
    return DateAgreement.MISMATCH


def _parsed(values: Iterable[str]) -> tuple[tuple[str, PartialDate], ...]:
    """The readable dates among `values`, each once, with the value as written."""
    return _parsed_tuple(values if isinstance(values, tuple) else tuple(values))


@lru_cache(maxsize=65536)
def _parsed_tuple(values: tuple[str, ...]) -> tuple[tuple[str, PartialDate], ...]:
    # Cached: a query's dates meet every candidate's, and a record's dates recur with it.
    found: list[tuple[str, PartialDate]] = []
    seen: set[PartialDate] = set()
    for raw in values:
        date = parse_date(raw)
        if date is not None and date not in seen:
            seen.add(date)
            found.append((raw, date))
    return tuple(found)


def compare_dates(
    a: Iterable[str], b: Iterable[str]
) -> tuple[DateAgreement, str | None, str | None]:
    """The best agreement between two records' birth dates, and the pair that gives it.

    A person may have several recorded birth dates; every readable date of `a` is compared
    with every readable date of `b` (`parse_date`; unreadable values are ignored), and the best
    kind wins in this order: EXACT > YEAR_MONTH > YEAR_ONLY > DAY_MONTH_SWAP > ONE_YEAR_SLIP >
    ONE_DIGIT_TYPO > MISMATCH. Returns (kind, value from `a`, value from `b`) with the values
    as given; on a tie the first pair in input order. When either side has no readable date,
    returns (UNKNOWN, None, None).

    The kind is symmetric: swapping `a` and `b` gives the same kind.
    """
    left, right = _parsed(a), _parsed(b)
    if not left or not right:
        return DateAgreement.UNKNOWN, None, None
    best = DateAgreement.MISMATCH
    best_pair = (left[0][0], right[0][0])
    for raw_a, date_a in left:
        for raw_b, date_b in right:
            kind = _agreement(date_a, date_b)
            if _RANK[kind] < _RANK[best]:
                best, best_pair = kind, (raw_a, raw_b)
                if kind is DateAgreement.EXACT:
                    return best, *best_pair
    return best, *best_pair


def _year_key(year: int) -> str:
    return f"y{year:04d}"


def date_keys(values: Iterable[str]) -> set[str]:
    """Blocking keys stored beside a record: one `y1981` per readable birth year.

    A year key alone finds every agreement kind except ONE_YEAR_SLIP, which the query side
    covers by also looking up the neighbouring years (`query_date_keys`); storing one key per
    year keeps the index small."""
    return {_year_key(date.year) for _raw, date in _parsed(values)}


def day_keys(values: Iterable[str]) -> set[str]:
    """Candidate keys of the dates known to the day: `d19810302`, and the same date with day
    and month swapped where that is a date too (`d19810203`), so that a swap still meets its
    record. Stored and looked up alike; a day is rare enough to block on (a few dozen persons
    per day in a million), a year is not."""
    keys: set[str] = set()
    for _raw, date in _parsed(values):
        if date.month is None or date.day is None:
            continue
        keys.add(f"d{date.year:04d}{date.month:02d}{date.day:02d}")
        if date.day <= 12 and date.day != date.month:
            keys.add(f"d{date.year:04d}{date.day:02d}{date.month:02d}")
    return keys


def query_date_keys(values: Iterable[str]) -> set[str]:
    """The keys to look up for a query's birth dates: each readable year and the years
    either side of it (`1981` looks up `y1980`, `y1981`, `y1982`), so that a year slip
    still meets its candidate."""
    keys: set[str] = set()
    for _raw, date in _parsed(values):
        for year in (date.year - 1, date.year, date.year + 1):
            if MIN_YEAR <= year <= MAX_YEAR:
                keys.add(_year_key(year))
    return keys
