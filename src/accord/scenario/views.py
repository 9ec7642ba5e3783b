"""What one agency holds about one person: the Person record and, as the agency happens to know
them, the person's documents, address and vehicle, each tied to the true identity in the truth
file. Also the document reports (stolen, lost, revoked) an issuing country files."""

from __future__ import annotations

import random
from collections.abc import Collection
from dataclasses import dataclass

from accord.scenario.companies import Account, make_account
from accord.scenario.contact import latin_plate
from accord.scenario.context import Context
from accord.scenario.money_view import declare_account, write_account, write_ownership
from accord.scenario.names_view import name_properties, writes_latin
from accord.scenario.options import AgencySpec
from accord.scenario.people import Address, Document, Human, Vehicle
from accord.scenario.profile import Profile, draw
from accord.scenario.sink import Sink
from accord.scenario.variation import render_dob

__all__ = [
    "Seen",
    "declare",
    "declare_document",
    "person_account",
    "write_document",
    "write_person",
    "write_report",
    "write_reports",
    "write_vehicle",
]


@dataclass(slots=True)
class Seen:
    """One agency's record of one person."""

    agency: AgencySpec
    person_id: str
    profile: Profile
    latin: bool


def declare(sink: Sink, h: Human) -> None:
    """Put the person's true identity in the truth file. Their documents, address and vehicle
    go there when an agency first writes a record of them."""
    middle = [t.native for t in h.given[1:]]
    if h.patronymic is not None:
        middle.append(h.patronymic.native)
    middle += [t.native for t in (h.father, h.grandfather) if t is not None and h.culture == "ar"]
    latin_given, latin_surname = h.latin_given(), h.latin_surname()
    sink.identity(
        h.key,
        "Person",
        name=h.native_name(),
        latin_name=f"{latin_given} {latin_surname}",
        latin_given=latin_given,
        latin_surname=latin_surname,
        given=[t.native for t in h.given],
        surname=h.surname.native,
        middle=middle,
        birth_date=h.birth.isoformat(),
        gender="male" if h.male else "female",
        nationality=h.country.code,
        residence=h.residence.code,
        script=h.country.script,
    )


def declare_document(sink: Sink, doc: Document, holder: str | None) -> None:
    """Put a document in the truth file (once; when a record of it is first written)."""
    sink.identity(
        doc.key,
        doc.schema,
        number=doc.number,
        country=doc.country,
        holder=holder,
        status=doc.status,
    )


def _share(rng: random.Random, home: bool, at_home: float, abroad: float) -> bool:
    return rng.random() < (at_home if home else abroad)


def write_person(
    ctx: Context,
    sink: Sink,
    rng: random.Random,
    h: Human,
    agency: AgencySpec,
    prof: Profile,
    *,
    force: Collection[str] = (),
    shown: Human | None = None,
    documents: Collection[Document] | None = None,
) -> Seen:
    """Write `agency`'s records about `h`. `shown` is the identity the person presented (a
    stolen passport's holder), recorded under `h` in the truth file; `documents` fixes which
    documents the agency saw."""
    face = shown or h
    latin = writes_latin(ctx, face, agency)
    props, labels = name_properties(ctx, rng, face, agency, force)
    if shown is not None:
        labels.append("stolen_identity")
    home = agency.country == face.country.code
    lives_here = agency.country == face.residence.code
    if rng.random() < 0.9:
        props["gender"] = ["male" if face.male else "female"]
    dob, dob_labels = render_dob(rng, face.birth, ctx.variation, force)
    labels.extend(dob_labels)
    if dob is not None:
        props["birthDate"] = [dob]
    if rng.random() < 0.5:
        props["birthPlace"] = [face.birth_city.latin if latin else face.birth_city.native]
    props["nationality"] = [face.country.code]
    if face.id_number and (home or agency.is_fiu) and rng.random() < 0.8:
        props["idNumber"] = [face.id_number]
    if (
        face.tax_number
        and (agency.is_fiu or home)
        and rng.random() < (0.9 if agency.is_fiu else 0.3)
    ):
        props["taxNumber"] = [face.tax_number]
    phones = [p for p in face.phones if _share(rng, lives_here, 0.6, 0.35)]
    if phones:
        props["phone"] = phones
    emails = [e for e in face.emails if _share(rng, lives_here, 0.45, 0.25)]
    if emails:
        props["email"] = emails
    if documents is None:
        documents = [d for d in face.documents if _sees_document(rng, agency, face, d)]
    passports = [d.number for d in documents if d.kind == "passport"]
    if passports:
        props["passportNumber"] = passports
    address = face.address if face.address and _share(rng, lives_here, 0.7, 0.2) else None
    if address is not None:
        props["address"] = [address.full_latin if latin else address.full_native]
    pid = sink.new_id(agency.code)
    thing = prof.envelope(agency, person=False)
    if address is not None and rng.random() < 0.5:
        aid = _write_address(sink, agency, address, latin, thing)
        props["addressEntity"] = [aid]
    sink.emit_as(
        pid,
        agency.code,
        "Person",
        props,
        prof.envelope(agency, person=True),
        identity=h.key,
        variations=labels,
    )
    if not agency.is_fiu and prof.category in ("suspect", "convicted") and rng.random() < 0.15:
        account = person_account(ctx, sink, rng, face)
        acc_id = write_account(ctx, sink, rng, agency, account, thing)
        write_ownership(sink, agency, pid, acc_id, thing, role="account holder")
    if not agency.is_fiu:
        for doc in documents:
            write_document(sink, agency, pid, face, doc, thing)
        if face.vehicle is not None and _share(rng, lives_here, 0.6, 0.1):
            write_vehicle(ctx, sink, rng, agency, pid, face.vehicle, thing, face.key)
    return Seen(agency=agency, person_id=pid, profile=prof, latin=latin)


def person_account(ctx: Context, sink: Sink, rng: random.Random, h: Human) -> Account:
    """The person's bank account where they live, opened (and declared) on first use."""
    if h.account is None:
        h.account = make_account(ctx, rng, h.residence.code, h.key)
        declare_account(sink, h.account)
    return h.account


def _sees_document(rng: random.Random, agency: AgencySpec, h: Human, doc: Document) -> bool:
    if agency.is_fiu:
        return doc.kind == "passport" and doc.expires > doc.issued and rng.random() < 0.3
    if agency.country == doc.country:
        return rng.random() < (0.5 if doc.kind == "id_card" else 0.35)
    if doc.kind == "id_card":
        return h.country.eu and rng.random() < 0.3
    current = h.passport()
    return doc is current and rng.random() < 0.7


def _write_address(
    sink: Sink, agency: AgencySpec, a: Address, latin: bool, env: dict[str, object]
) -> str:
    sink.identity(a.key, "Address", full=a.full_native, country=a.country)
    props = {
        "full": [a.full_latin if latin else a.full_native],
        "street": [(a.street_latin if latin else a.street_native) + " " + a.number],
        "city": [a.city_latin if latin else a.city_native],
        "postalCode": [a.postcode],
        "country": [a.country],
    }
    return sink.emit(agency.code, "Address", props, env, identity=a.key)


def _document_props(
    doc: Document, holder: str | None, *, with_mrz: bool = True
) -> dict[str, list[str]]:
    props: dict[str, list[str]] = {}
    if holder is not None:
        props["holder"] = [holder]
    props["number"] = [doc.number]
    props["country"] = [doc.country]
    props["type"] = ["passport" if doc.kind == "passport" else "identity card"]
    props["startDate"] = [doc.issued.isoformat()]
    props["endDate"] = [doc.expires.isoformat()]
    props["authority"] = [doc.authority]
    if with_mrz and doc.mrz:
        props["description"] = ["\n".join(doc.mrz)]
    return props


def write_document(
    sink: Sink, agency: AgencySpec, pid: str, h: Human, doc: Document, env: dict[str, object]
) -> str:
    declare_document(sink, doc, h.key)
    props = _document_props(doc, pid)
    if doc.kind == "passport":
        props["surname"] = [doc.surname]
        props["givenName"] = [doc.given]
        props["birthDate"] = [h.birth.isoformat()]
        props["gender"] = ["male" if h.male else "female"]
    return sink.emit(agency.code, doc.schema, props, env, identity=doc.key)


def write_vehicle(
    ctx: Context,
    sink: Sink,
    rng: random.Random,
    agency: AgencySpec,
    pid: str,
    v: Vehicle,
    env: dict[str, object],
    owner: str,
) -> str:
    """`agency`'s record of vehicle `v`, owned by the record `pid`."""
    sink.identity(v.key, "Vehicle", registration=v.plate, country=v.country, owner=owner)
    plate = v.plate if agency.country == v.country else latin_plate(v.plate)
    labels: list[str] = []
    if rng.random() < ctx.variation.identifier_format:
        compact = plate.replace(" ", "").replace("-", "").replace("·", "")
        if compact != plate:
            plate = compact
            labels.append("identifier_format")
    props = {
        "registrationNumber": [plate],
        "model": [v.model],
        "type": [v.kind],
        "owner": [pid],
        "country": [v.country],
    }
    return sink.emit(agency.code, "Vehicle", props, env, identity=v.key, variations=labels)


def write_reports(
    ctx: Context,
    sink: Sink,
    rng: random.Random,
    h: Human,
    holders: dict[str, str],
) -> None:
    """The issuing country's police files each of `h`'s stolen, lost or revoked documents
    (`holders`: the person's record id per agency, to link the report where it can)."""
    for doc in h.documents:
        if doc.status is not None:
            declare_document(sink, doc, h.key)
            write_report(ctx, sink, rng, doc, holders=holders, birth=h.birth.isoformat())


def write_report(
    ctx: Context,
    sink: Sink,
    rng: random.Random,
    doc: Document,
    *,
    holders: dict[str, str] | None = None,
    birth: str | None = None,
    blank: bool = False,
) -> str | None:
    """The issuing country's police report of `doc` (stolen, lost or revoked), and the
    document check it must answer with a hit. `blank`: a stolen blank booklet, no holder.
    Returns the report's record id, or None when the issuing country has no agency here."""
    agency = ctx.police_of(doc.country)
    if agency is None or doc.status is None:
        return None
    prof = _report_profile(ctx, rng)
    holder = None if blank or holders is None else holders.get(agency.code)
    props = _document_props(doc, holder, with_mrz=not blank)
    if not blank and doc.kind == "passport":
        props["surname"] = [doc.surname]
        props["givenName"] = [doc.given]
        if birth is not None:
            props["birthDate"] = [birth]
    elif not blank:
        props["namesMentioned"] = [f"{doc.given} {doc.surname}"]
    props["summary"] = [doc.status]
    if doc.reported is not None:
        props["date"] = [doc.reported.isoformat()]
    rid = sink.emit(
        agency.code, doc.schema, props, prof.envelope(agency, person=False), identity=doc.key
    )
    sink.truth(
        {
            "type": "expected_hit",
            "kind": "document_check",
            "check": {"number": doc.number, "country": doc.country, "document": doc.kind},
            "owner": agency.code,
            "record": rid,
            "status": doc.status,
        }
    )
    return rid


def _report_profile(ctx: Context, rng: random.Random) -> Profile:
    return draw(
        ctx, rng, category="other", crime_areas=("document_forgery",), tlp="GREEN", handling="H0"
    )
