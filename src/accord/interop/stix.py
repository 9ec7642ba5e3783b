"""STIX 2.1 as an exchange format (adapter): read a bundle, check every object with `stix2`,
find its TLP in its markings, the FtM entity it stands for, and the observable values it holds.

Nothing here stores or decides anything. An object is kept exactly as it came (its own JSON,
custom properties and extensions included); `stix2` only checks it. A round trip therefore
gives back the same objects after canonical JSON (`canonical`).
"""

from __future__ import annotations

import json
import re
import warnings
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from accord.errors import FieldError, ValidationError
from accord.matching import (
    KIND_EMAIL,
    KIND_ID,
    KIND_PHONE,
    domain_key,
    identifier_key,
    ip_key,
    url_key,
)
from accord.model import TLP
from accord.policy.codes import STIX_PREFIX, expand_schema

__all__ = [
    "CORE_TYPES",
    "SCO_TYPES",
    "TLP_EXTENSION",
    "TLP_MARKINGS",
    "FtmLink",
    "StixObject",
    "canonical",
    "check_object",
    "ftm_link",
    "object_tlp",
    "observable_keys",
    "parse_bundle",
    "parse_timestamp",
    "policy_schema",
    "stix_version",
]

#: The TLP 2.0 extension definition (OASIS cti-stix-common-objects, FIRST TLP 2.0).
TLP_EXTENSION = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"

#: The predefined TLP marking definitions: TLP 1.0 (STIX 2.1 §7.2.1.4) and TLP 2.0 (the
#: extension's published objects). TLP:WHITE is TLP 2.0's CLEAR.
TLP_MARKINGS: Mapping[str, TLP] = {
    "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9": TLP.CLEAR,
    "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da": TLP.GREEN,
    "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82": TLP.AMBER,
    "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed": TLP.RED,
    "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487": TLP.CLEAR,
    "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb": TLP.GREEN,
    "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421": TLP.AMBER,
    "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003": TLP.AMBER_STRICT,
    "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1": TLP.RED,
}

_TLP_WORDS = {
    "white": TLP.CLEAR,
    "clear": TLP.CLEAR,
    "green": TLP.GREEN,
    "amber": TLP.AMBER,
    "amber+strict": TLP.AMBER_STRICT,
    "red": TLP.RED,
}
_TLP_ORDER = (TLP.CLEAR, TLP.GREEN, TLP.AMBER, TLP.AMBER_STRICT, TLP.RED)

#: STIX 2.1's domain objects, relationship objects, meta objects and language content.
SDO_TYPES = frozenset(
    {
        "attack-pattern",
        "campaign",
        "course-of-action",
        "grouping",
        "identity",
        "incident",
        "indicator",
        "infrastructure",
        "intrusion-set",
        "location",
        "malware",
        "malware-analysis",
        "note",
        "observed-data",
        "opinion",
        "report",
        "threat-actor",
        "tool",
        "vulnerability",
    }
)
SRO_TYPES = frozenset({"relationship", "sighting"})
SCO_TYPES = frozenset(
    {
        "artifact",
        "autonomous-system",
        "directory",
        "domain-name",
        "email-addr",
        "email-message",
        "file",
        "ipv4-addr",
        "ipv6-addr",
        "mac-addr",
        "mutex",
        "network-traffic",
        "process",
        "software",
        "url",
        "user-account",
        "windows-registry-key",
        "x509-certificate",
    }
)
META_TYPES = frozenset({"marking-definition", "language-content", "extension-definition"})
CORE_TYPES = SDO_TYPES | SRO_TYPES | SCO_TYPES | META_TYPES

_NEW_OBJECT = frozenset({"new-sdo", "new-sco", "new-sro"})
#: Largest STIX id, as stored.
_MAX_ID = 200


@dataclass(frozen=True, slots=True)
class StixObject:
    """One object of a bundle as it came, with where it stood (`index`)."""

    index: int
    data: dict[str, Any]

    @property
    def id(self) -> str:
        return str(self.data.get("id", ""))

    @property
    def type(self) -> str:
        return str(self.data.get("type", ""))


def canonical(obj: Mapping[str, Any]) -> str:
    """An object's canonical JSON: sorted keys, no spaces, UTF-8 characters as they are."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def parse_bundle(text: str | bytes) -> tuple[str | None, list[StixObject]]:
    """The bundle id and its objects. A bundle that is not JSON, not a STIX bundle or holds
    no list of objects is refused whole, naming the field; one object's faults are left to
    `check_object`. A single object (not in a bundle) is read as a bundle of one."""
    try:
        data = json.loads(text)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValidationError(FieldError("bundle", f"is not JSON: {exc}")) from None
    if not isinstance(data, dict):
        raise ValidationError(FieldError("bundle", "must be a JSON object"))
    if data.get("type") != "bundle":
        if isinstance(data.get("type"), str) and "id" in data:
            return None, [StixObject(0, data)]
        if "objects" not in data:  # a TAXII envelope has objects but no type
            raise ValidationError(FieldError("type", "must be 'bundle'"))
    bundle_id = data.get("id")
    objects = data.get("objects", [])
    if not isinstance(objects, list):
        raise ValidationError(FieldError("objects", "must be a list of STIX objects"))
    return (str(bundle_id) if bundle_id else None), [
        StixObject(i, o if isinstance(o, dict) else {"__not_object__": o})
        for i, o in enumerate(objects)
    ]


def _where(obj: StixObject, field: str) -> str:
    ident = obj.id or f"objects[{obj.index}]"
    return f"{ident}.{field}" if field else ident


def _marking_refs(data: Mapping[str, Any]) -> Iterator[tuple[str, Any]]:
    refs = data.get("object_marking_refs")
    if isinstance(refs, list):
        for i, ref in enumerate(refs):
            yield f"object_marking_refs[{i}]", ref
    granular = data.get("granular_markings")
    if isinstance(granular, list):
        for i, g in enumerate(granular):
            if isinstance(g, Mapping) and "marking_ref" in g:
                yield f"granular_markings[{i}].marking_ref", g["marking_ref"]


def _stix2_errors(data: dict[str, Any]) -> list[tuple[str, str]]:
    """What `stix2` finds wrong with one object, as (field, reason)."""
    import stix2  # loaded with the first STIX object checked
    from stix2 import exceptions as ex

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            stix2.parse(data, allow_custom=True, version="2.1")
    except ex.MissingPropertiesError as exc:
        return [(p, "is required") for p in exc.properties]
    except ex.ExtraPropertiesError as exc:
        return [(p, "is not a property of this type") for p in exc.properties]
    except ex.InvalidValueError as exc:
        return [(exc.prop_name, exc.reason)]
    except ex.MutuallyExclusivePropertiesError as exc:
        return [(",".join(exc.properties), "may not be used together")]
    except ex.DependentPropertiesError as exc:
        return [(str(d[0]), f"needs {d[1]}") for d in exc.dependencies]
    except ex.AtLeastOnePropertyError as exc:
        return [(",".join(exc.properties), "at least one of them is required")]
    except ex.PropertyPresenceError as exc:
        return [("", str(exc))]
    except ex.STIXError as exc:
        return [("", str(exc))]
    except (ValueError, TypeError, KeyError) as exc:
        return [("", f"is not a valid STIX 2.1 object: {exc}")]
    return []


def check_object(
    obj: StixObject, markings: Mapping[str, Any], extensions: Iterable[str]
) -> list[FieldError]:
    """Every fault of one object, each naming the object id and the field.

    `markings`: the marking definitions the object may reference besides the predefined TLP
    ones (those of the bundle and those stored). `extensions`: the extension definitions
    known (of the bundle and stored); an object of a type STIX 2.1 does not define needs one
    (`new-sdo`, `new-sco`, `new-sro`), unless it is a deprecated custom object (`x-` type,
    STIX 2.1 §11.1), which MISP still writes."""
    data = obj.data
    if "__not_object__" in data:
        return [FieldError(f"objects[{obj.index}]", "must be a JSON object")]
    errors: list[FieldError] = []
    kind = data.get("type")
    ident = data.get("id")
    if not isinstance(kind, str) or not kind:
        return [FieldError(_where(obj, "type"), "is required")]
    if not isinstance(ident, str) or not ident.startswith(f"{kind}--") or len(ident) > _MAX_ID:
        return [FieldError(_where(obj, "id"), f"must be '{kind}--' and a UUID")]
    if kind not in CORE_TYPES and not kind.startswith("x-"):
        declared = data.get("extensions")
        news = [
            key
            for key, value in (declared.items() if isinstance(declared, Mapping) else ())
            if isinstance(value, Mapping) and value.get("extension_type") in _NEW_OBJECT
        ]
        if not news:
            return [
                FieldError(
                    _where(obj, "type"),
                    f"{kind!r} is not a STIX 2.1 type and names no extension definition "
                    "(extensions with extension_type new-sdo, new-sco or new-sro)",
                )
            ]
        known = set(extensions)
        for key in news:
            if key not in known:
                errors.append(
                    FieldError(
                        _where(obj, f"extensions.{key}"),
                        "references an extension definition that is neither in the bundle "
                        "nor stored",
                    )
                )
    for field, ref in _marking_refs(data):
        if not isinstance(ref, str) or not ref.startswith("marking-definition--"):
            errors.append(FieldError(_where(obj, field), "must be a marking-definition id"))
        elif ref not in TLP_MARKINGS and ref not in markings:
            errors.append(
                FieldError(
                    _where(obj, field),
                    f"references {ref}, which is neither predefined, in the bundle nor stored",
                )
            )
    for field, reason in _stix2_errors(data):
        errors.append(FieldError(_where(obj, field), reason))
    return errors


def _definition_tlp(definition: Mapping[str, Any]) -> TLP | None:
    """The TLP a marking definition states: TLP 1.0 (`definition_type: tlp`) or the TLP 2.0
    extension (`tlp_2_0`)."""
    if definition.get("definition_type") == "tlp":
        inner = definition.get("definition")
        if isinstance(inner, Mapping):
            return _TLP_WORDS.get(str(inner.get("tlp", "")).lower())
    ext = definition.get("extensions")
    if isinstance(ext, Mapping):
        tlp2 = ext.get(TLP_EXTENSION)
        if isinstance(tlp2, Mapping):
            return _TLP_WORDS.get(str(tlp2.get("tlp_2_0", "")).lower())
    return None


def object_tlp(data: Mapping[str, Any], markings: Mapping[str, Any]) -> TLP | None:
    """The strictest TLP among an object's markings, object and granular alike (a part
    marked RED makes the whole object RED: Accord releases objects whole); None if the object
    carries no TLP marking. A marking definition itself carries the TLP it defines."""
    found: list[TLP] = []
    if data.get("type") == "marking-definition":
        own = TLP_MARKINGS.get(str(data.get("id"))) or _definition_tlp(data)
        if own is not None:
            return TLP.CLEAR  # a TLP definition is public knowledge
    for _, ref in _marking_refs(data):
        tlp = TLP_MARKINGS.get(str(ref))
        if tlp is None and ref in markings:
            definition = markings[ref]
            tlp = _definition_tlp(definition) if isinstance(definition, Mapping) else None
        if tlp is not None:
            found.append(tlp)
    return max(found, key=_TLP_ORDER.index) if found else None


def parse_timestamp(value: Any) -> datetime | None:
    """A STIX timestamp (RFC 3339, `Z`) as an aware datetime; None if it is not one."""
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def stix_version(data: Mapping[str, Any]) -> str:
    """The version of an object TAXII names (§3.4.2): `modified`, else `created`, else ''
    (an SCO has one version)."""
    return str(data.get("modified") or data.get("created") or "")


@dataclass(frozen=True, slots=True)
class FtmLink:
    """The FtM entity a STIX object stands for: schema and properties (not yet cleaned)."""

    schema: str
    properties: dict[str, list[str]]


def _names(data: Mapping[str, Any]) -> dict[str, list[str]]:
    props: dict[str, list[str]] = {}
    if isinstance(data.get("name"), str):
        props["name"] = [data["name"]]
    aliases = data.get("aliases")
    if isinstance(aliases, list):
        props["alias"] = [a for a in aliases if isinstance(a, str)]
    if isinstance(data.get("description"), str):
        props["notes"] = [data["description"][:4000]]
    return props


def _strs(*values: Any) -> list[str]:
    return [str(v) for v in values if isinstance(v, str | int) and str(v).strip()]


def ftm_link(data: Mapping[str, Any]) -> FtmLink | None:
    """Where FtM has the same thing: a person or organisation (`identity`, `threat-actor`), an
    online account (`email-addr`, `user-account`), a bank account or a crypto wallet (the
    `bank-account` and `cryptocurrency-wallet` objects of the STIX extensions), a place
    (`location`). None for the rest (indicators, malware, relationships, …)."""
    kind = data.get("type")
    if kind == "identity":
        cls = data.get("identity_class")
        if cls == "individual":
            return FtmLink("Person", _names(data))
        if cls in ("organization", "group", "class"):
            return FtmLink("Organization", _names(data))
        return None
    if kind == "threat-actor":
        individual = data.get("resource_level") == "individual" or (
            str(data.get("x_opencti_type", "")).lower() == "threat-actor-individual"
        )
        return FtmLink("Person" if individual else "Organization", _names(data))
    if kind == "email-addr" and isinstance(data.get("value"), str):
        props = {"username": [data["value"]], "email": [data["value"]]}
        if isinstance(data.get("display_name"), str):
            props["notes"] = [data["display_name"]]
        return FtmLink("UserAccount", props)
    if kind == "user-account":
        login = data.get("account_login") or data.get("user_id") or data.get("display_name")
        if not isinstance(login, str):
            return None
        props = {"username": [login]}
        if isinstance(data.get("account_type"), str):
            props["service"] = [data["account_type"]]
        return FtmLink("UserAccount", props)
    if kind == "bank-account":
        props = {}
        if data.get("iban"):
            props["iban"] = _strs(data.get("iban"))
        if data.get("account_number"):
            props["accountNumber"] = _strs(data.get("account_number"))
        if data.get("swift_bic") or data.get("bic"):
            props["bic"] = _strs(data.get("swift_bic") or data.get("bic"))
        return FtmLink("BankAccount", props) if props else None
    if kind == "cryptocurrency-wallet":
        address = data.get("address") or data.get("value")
        if not isinstance(address, str):
            return None
        props = {"publicKey": [address]}
        if isinstance(data.get("currency"), str):
            props["currency"] = [data["currency"]]
        return FtmLink("CryptoWallet", props)
    if kind == "location":
        props = {}
        full = [data.get("street_address"), data.get("city"), data.get("postal_code")]
        text = ", ".join(str(v) for v in full if isinstance(v, str))
        if text or isinstance(data.get("name"), str):
            props["full"] = [text or str(data["name"])]
        for src, dst in (
            ("street_address", "street"),
            ("city", "city"),
            ("postal_code", "postalCode"),
            ("region", "region"),
            ("country", "country"),
        ):
            if isinstance(data.get(src), str):
                props[dst] = [data[src]]
        for src in ("latitude", "longitude"):
            if isinstance(data.get(src), int | float):
                props[src] = [str(data[src])]
        return FtmLink("Address", props) if props else None
    return None


def policy_schema(data: Mapping[str, Any], link: FtmLink | None) -> str:
    """What the agreements govern an object as: the FtM schema it stands for (an identity of a
    person is a person), else `stix:<type>`, which the record kinds place (policy data)."""
    if link is not None:
        return link.schema
    name = f"{STIX_PREFIX}{data.get('type')}"
    return name if expand_schema(name) is not None else f"{STIX_PREFIX}custom"


#: `[ipv4-addr:value = '198.51.100.1']`: the comparisons of a pattern that test one value.
_PATTERN = re.compile(r"([a-z0-9-]+):([A-Za-z0-9_.'\-]+)\s*=\s*'((?:[^'\\]|\\.)*)'")

_KIND_OF = {
    "ipv4-addr": "ip",
    "ipv6-addr": "ip",
    "domain-name": "domain",
    "url": "url",
    "email-addr": KIND_EMAIL,
    "mac-addr": "mac",
}

_MAX_KEY = 200


def _lower(value: str) -> str | None:
    return value.lower()[:_MAX_KEY] or None


def _key(obj_type: str, path: str, value: str) -> tuple[str, str] | None:
    value = value.strip()
    if not value:
        return None
    if obj_type == "network-traffic" and path in ("dst_ref.value", "src_ref.value"):
        ip = ip_key(value)
        return ("ip", ip) if ip else None
    if path == "value" and obj_type in _KIND_OF:
        kind = _KIND_OF[obj_type]
        # The records' index writes IPs, URLs and domains so too (`accord.matching.keys`).
        found = {"ip": ip_key, "url": url_key, "domain": domain_key}.get(kind, _lower)(value)
        return (kind, found) if found else None
    if obj_type == "file" and path.startswith("hashes."):
        algo = path.split(".", 1)[1].strip("'").lower().replace("-", "")
        return f"hash:{algo}", value.lower()[:_MAX_KEY]
    if obj_type == "bank-account" and path in ("iban", "account_number"):
        key = identifier_key(value)
        return (KIND_ID, key) if key else None
    if obj_type == "cryptocurrency-wallet" and path in ("address", "value"):
        key = identifier_key(value)
        return (KIND_ID, key) if key else None
    if obj_type == "phone-number" and path == "value":
        digits = re.sub(r"[^0-9+]", "", value)
        return (KIND_PHONE, digits[:_MAX_KEY]) if len(digits) > 4 else None
    return None


def observable_keys(data: Mapping[str, Any]) -> set[tuple[str, str]]:
    """The values an object holds that correlate (IP, domain, URL, e-mail address, phone,
    IBAN, crypto wallet, file hashes), as (kind, value) keys: an observable's own values, and
    the values an indicator's pattern compares for equality. E-mail addresses, phones, IBANs
    and wallets use the kinds of the records' search keys, so that they meet FtM records."""
    kind = str(data.get("type", ""))
    keys: set[tuple[str, str]] = set()
    candidates: list[tuple[str, str, str]] = []
    if kind == "indicator" and isinstance(data.get("pattern"), str):
        if data.get("pattern_type", "stix") == "stix":
            for m in _PATTERN.finditer(data["pattern"]):
                value = m.group(3).replace("\\'", "'").replace("\\\\", "\\")
                candidates.append((m.group(1), m.group(2), value))
    else:
        for path in ("value", "iban", "account_number", "address"):
            if isinstance(data.get(path), str):
                candidates.append((kind, path, data[path]))
        hashes = data.get("hashes")
        if isinstance(hashes, Mapping):
            for algo, value in hashes.items():
                if isinstance(value, str):
                    candidates.append((kind, f"hashes.{algo}", value))
    for obj_type, path, value in candidates:
        found = _key(obj_type, path, value)
        if found is not None:
            keys.add(found)
    return keys
