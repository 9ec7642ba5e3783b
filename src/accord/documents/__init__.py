"""Travel documents: the machine-readable zone of ICAO Doc 9303 (TD1, TD2, TD3, MRV-A,
MRV-B), the ICAO country codes, and the rules of the lost-and-stolen document registry
(document types, statuses and the action a hit calls for). Pure: no I/O beyond reading the
package's own data files."""

from accord.documents.codes import (
    MRZ_ALPHABET,
    CountryCode,
    check_digit,
    country,
    country_codes,
    issuer_code,
    normalise_number,
)
from accord.documents.compose import compose_mrz
from accord.documents.mrz import FORMATS, MrzFormat, ReadMrz, parse_mrz
from accord.documents.registry import WITHDRAWN, Action, Rules, rules

__all__ = [
    "FORMATS",
    "MRZ_ALPHABET",
    "WITHDRAWN",
    "Action",
    "CountryCode",
    "MrzFormat",
    "ReadMrz",
    "Rules",
    "check_digit",
    "compose_mrz",
    "country",
    "country_codes",
    "issuer_code",
    "normalise_number",
    "parse_mrz",
    "rules",
]
