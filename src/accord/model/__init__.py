"""Records and their envelopes (pure)."""

from accord.model.codes import (
    HANDLING_ORDER,
    TLP,
    TLP_ORDER,
    Assessment,
    CrimeArea,
    Handling,
    Reliability,
    SubjectCategory,
    agency_country,
    crime_areas,
    is_agency_code,
)
from accord.model.envelope import (
    ENVELOPE_KEYS,
    Envelope,
    EnvelopeDefaults,
    default_review_by,
    parse_envelope,
)
from accord.model.record import PERSON_SCHEMATA, Record, content_hash, parse_record, validate_entity

__all__ = [
    "ENVELOPE_KEYS",
    "HANDLING_ORDER",
    "PERSON_SCHEMATA",
    "TLP",
    "TLP_ORDER",
    "Assessment",
    "CrimeArea",
    "Envelope",
    "EnvelopeDefaults",
    "Handling",
    "Record",
    "Reliability",
    "SubjectCategory",
    "agency_country",
    "content_hash",
    "crime_areas",
    "default_review_by",
    "is_agency_code",
    "parse_envelope",
    "parse_record",
    "validate_entity",
]
