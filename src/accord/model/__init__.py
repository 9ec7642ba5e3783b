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
from accord.model.principal import Principal, PrincipalKind
from accord.model.record import (
    DEFAULT_LIMITS,
    PERSON_SCHEMATA,
    Record,
    RecordLimits,
    caption_of,
    content_hash,
    parse_record,
    validate_entity,
)

__all__ = [
    "DEFAULT_LIMITS",
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
    "Principal",
    "PrincipalKind",
    "Record",
    "RecordLimits",
    "Reliability",
    "SubjectCategory",
    "agency_country",
    "caption_of",
    "content_hash",
    "crime_areas",
    "default_review_by",
    "is_agency_code",
    "parse_envelope",
    "parse_record",
    "validate_entity",
]
