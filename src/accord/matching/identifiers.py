"""Identifiers compared across agencies: documents, accounts, numbers, addresses, wallets.

Each kind is brought to one canonical form, so that two agencies' records of the same number
compare equal however it was typed, and a checksum is verified where the number has one
(`Identifier.valid`: True or False when checked, None when the kind has no checksum). A
failed checksum does not drop the identifier: a clerk's typo in one record is still evidence,
which a scorer weighs lower.

Standards: ICAO 9303 (machine-readable passports), ISO 13616 (IBAN), ISO 9362 (BIC),
ITU-T E.164 (phone numbers), RFC 5321 / RFC 5890 (IDNA, e-mail domains), BIP-173 and BIP-350
(bech32 / bech32m addresses), the Bitcoin base58check encoding, IMO Resolution A.1117(30)
(ship numbers). National and tax numbers are checked by python-stdnum's country modules.
"""

from __future__ import annotations

import hashlib
import importlib
import pkgutil
import re
import unicodedata
import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from typing import Any

import idna
import phonenumbers
from stdnum import bic as stdnum_bic
from stdnum import iban as stdnum_iban
from stdnum import imo as stdnum_imo
from stdnum.util import get_module_name

__all__ = [
    "IdKind",
    "Identifier",
    "bech32_polymod",
    "blocking_identifier",
    "confusable_key",
    "detect_wallet",
    "identifier_keys",
    "normalize_identifier",
]

_MAX_INPUT = 256
_MAX_VALUE = 64
_STDNUM_ERRORS = (ValueError, TypeError, IndexError, KeyError, ArithmeticError, AttributeError)


class IdKind(StrEnum):
    """What an identifier is; the value also prefixes its blocking keys."""

    PASSPORT = "passport"  # passport and identity-card document numbers
    NATIONAL_ID = "national_id"  # personal numbers issued by a state
    TAX_ID = "tax_id"
    IBAN = "iban"
    BIC = "bic"
    PHONE = "phone"
    EMAIL = "email"
    CRYPTO_WALLET = "crypto_wallet"
    IMO = "imo"
    REGISTRATION = "registration"  # company and other register numbers
    OTHER = "other"


_KINDS = frozenset(k.value for k in IdKind)


@dataclass(frozen=True, slots=True)
class Identifier:
    """An identifier in canonical form.

    `country` is ISO 3166-1 alpha-2, lower-case (FtM's form): the issuing country given for
    documents, national, tax and register numbers; the account's country for an IBAN or BIC;
    the number's country for a phone; None for e-mail, wallets and IMO numbers. `valid` says
    whether a checksum was verified: True, False, or None when the kind (or the country) has
    no checksum this module knows."""

    kind: IdKind
    value: str
    country: str | None = None
    valid: bool | None = None


def _text(value: str) -> str | None:
    """Unicode NFKC form (full-width digits become ASCII), trimmed; None for empty,
    oversized or control-character input."""
    if not isinstance(value, str) or len(value) > _MAX_INPUT:
        return None
    text = unicodedata.normalize("NFKC", value).strip()
    if not text or any(unicodedata.category(c)[0] == "C" for c in text):
        return None
    return text


def _country(country: str | None) -> str | None:
    if not isinstance(country, str):
        return None
    cc = country.strip().lower()
    cc = {"uk": "gb"}.get(cc, cc)
    return cc if re.fullmatch(r"[a-z]{2}", cc) else None


def _compact(text: str) -> str | None:
    """The compact alphanumeric form of a number: upper-case letters (any script) and ASCII
    digits; white space and punctuation dropped. Symbols (emoji, `+`, `$`) make it None, and
    so does a value without any digit: every number kind here has digits."""
    out: list[str] = []
    for c in text.upper():
        cat = unicodedata.category(c)
        if cat == "Nd":
            out.append(str(unicodedata.digit(c)))
        elif cat[0] == "L":
            out.append(c)
        elif cat[0] not in "PZ":
            return None
    key = "".join(out)
    if not 2 <= len(key) <= _MAX_VALUE or not any(c.isdigit() for c in key):
        return None
    return key


def _document(text: str) -> str | None:
    """ICAO 9303 document number: the MRZ `<` filler trimmed at either end, then compact.
    The letter O and the digit 0 are kept apart (see `confusable_key`)."""
    return _compact(text.strip("<"))


# Letters that clerks and OCR read for digits, and Cyrillic/Greek letters that look Latin
# (a number typed on another keyboard layout).
_CONFUSABLE = str.maketrans(
    {"O": "0", "I": "1", "L": "1", "О": "0", "І": "1", "Ο": "0", "Ι": "1"}
    | dict(zip("АВЕКМНРСТХУ", "ABEKMHPCTXY", strict=True))
    | dict(zip("ΑΒΕΖΗΚΜΝΡΤΥΧ", "ABEZHKMNPTYX", strict=True))
)


def confusable_key(value: str) -> str:
    """A document number with look-alike characters folded: O to 0, I and L to 1, and
    Cyrillic or Greek letters that look Latin to the Latin letter (`С0lX` is `C01X`).

    For a secondary, lower-weight comparison only: folding these in the primary form would
    make distinct passports (`AO123` and `A0123`) compare equal. Returns "" when the value is
    not a document number."""
    text = _text(value)
    key = _document(text) if text else None
    return key.translate(_CONFUSABLE) if key else ""


# --- national and tax numbers (python-stdnum) -------------------------------------------

_PERSONAL = re.compile(
    "person|national|identity|identification|citizen|birth number|social security"
    "|social insurance|insurance number|resident|individual|foreigner"
)
_TAX = re.compile("tax|fiscal|vat|tributari|contribuyente")
_NOT_PERSONAL = re.compile(
    "vat|compan|corporate|business|enterprise|entreprise|entities|organi|jurídica|bank"
    "|school|student|pupil|postal|postcode|health|electoral|employer|preparer|adoption"
    "|drugs|securities"
)


@lru_cache(maxsize=512)
def _country_modules(cc: str) -> tuple[tuple[str, Any], ...]:
    """(lower-case name, module) of every number module stdnum has for a country."""
    package = f"stdnum.{cc}_" if cc in ("in", "is", "if") else f"stdnum.{cc}"
    try:
        pkg = importlib.import_module(package)
    except ImportError:
        return ()
    found: list[tuple[str, Any]] = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        for info in sorted(pkgutil.iter_modules(getattr(pkg, "__path__", [])), key=str):
            try:
                module = importlib.import_module(f"{package}.{info.name}")
            except ImportError:
                continue
            if hasattr(module, "is_valid") and hasattr(module, "compact"):
                found.append((get_module_name(module).lower(), module))
    return tuple(found)


@lru_cache(maxsize=1024)
def _number_modules(cc: str, kind: IdKind) -> tuple[Any, ...]:
    """The stdnum modules that may hold a country's number of this kind, most likely first.

    Discovered from each module's own description rather than a hand-kept list: personal
    numbers mention a person, citizen, identity, birth number, social security and the like
    (companies, banks, schools and health services excluded); tax numbers mention tax, VAT or
    fiscal. A TAX_ID also tries the personal modules after the tax ones, since many countries
    tax people under their personal number (Italy's codice fiscale, Sweden's personnummer).
    A NATIONAL_ID does not try the tax modules: some accept almost any digits (Germany's
    Steuernummer), which would make a mistyped personal number look valid."""
    personal, tax = [], []
    for name, module in _country_modules(cc):
        if _PERSONAL.search(name) and not _NOT_PERSONAL.search(name):
            personal.append(module)
        elif _TAX.search(name):
            tax.append(module)
    return tuple(personal) if kind is IdKind.NATIONAL_ID else tuple(tax + personal)


def _national(text: str, kind: IdKind, cc: str | None) -> Identifier | None:
    """A national or tax number: the compact form of the first of the country's stdnum
    modules that accepts it (valid=True: its format, dates and check digits hold); the plain
    compact form with valid=False when the country has modules and none accepts it;
    valid=None when there is no module or no country."""
    key = _compact(text)
    if key is None:
        return None
    modules = _number_modules(cc, kind) if cc else ()
    for module in modules:
        try:
            if module.is_valid(text):
                value = _compact(str(module.compact(text)))
                if value:
                    return Identifier(kind, value, cc, True)
        except _STDNUM_ERRORS:
            continue
    return Identifier(kind, key, cc, False if modules else None)


# --- crypto-currency addresses ----------------------------------------------------------

_B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_B58_RE = re.compile(f"[{_B58}]+")
# base58check version byte -> currency (Bitcoin wiki "List of address prefixes"). 0x05 (`3…`)
# is Bitcoin P2SH; Litecoin's legacy P2SH shares it and is read as Bitcoin.
_B58_VERSIONS = dict.fromkeys((0x00, 0x05), "BTC") | dict.fromkeys((0x30, 0x32), "LTC")
_B58_VERSIONS |= dict.fromkeys((0x1E, 0x16), "DOGE") | {0x41: "TRX"}
_BECH32 = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
_BECH32_HRP = {"bc": "BTC", "tb": "BTC", "ltc": "LTC"}
_BECH32_CONST, _BECH32M_CONST = 1, 0x2BC830A3
_ETH = re.compile(r"0[xX][0-9a-fA-F]{40}")


def _b58decode(text: str) -> bytes:
    """Base58 (Bitcoin alphabet) to bytes; each leading `1` is a leading zero byte."""
    number = 0
    for c in text:
        number = number * 58 + _B58.index(c)
    body = number.to_bytes((number.bit_length() + 7) // 8, "big")
    return b"\x00" * (len(text) - len(text.lstrip("1"))) + body


def _b58check(text: str) -> tuple[int, bool] | None:
    """(version byte, checksum ok) of a 25-byte base58check address: version, 20-byte hash,
    and the first 4 bytes of SHA-256(SHA-256(version + hash)); None for another shape."""
    if not 25 <= len(text) <= 35 or not _B58_RE.fullmatch(text):
        return None
    raw = _b58decode(text)
    if len(raw) != 25:
        return None
    digest = hashlib.sha256(hashlib.sha256(raw[:21]).digest()).digest()
    return raw[0], digest[:4] == raw[21:]


def bech32_polymod(values: Iterable[int]) -> int:
    """The BCH checksum of BIP-173."""
    generator = (0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3)
    chk = 1
    for v in values:
        top = chk >> 25
        chk = (chk & 0x1FFFFFF) << 5 ^ v
        for i in range(5):
            chk ^= generator[i] if (top >> i) & 1 else 0
    return chk


def _segwit(text: str) -> tuple[str, bool] | None:
    """(hrp, valid) of a bech32/bech32m segregated-witness address (BIP-173, BIP-350), in
    lower case; None when it is not shaped like one. Valid means: the checksum holds with the
    constant its witness version needs (bech32 for version 0, bech32m for 1-16) and the
    program has the lengths those BIPs allow."""
    if text.lower() != text and text.upper() != text:
        return None  # mixed case is not bech32
    text = text.lower()
    hrp, sep, data_part = text.rpartition("1")
    if hrp not in _BECH32_HRP or len(text) > 90 or len(data_part) < 7:
        return None
    if not sep or any(c not in _BECH32 for c in data_part):
        return None
    data = [_BECH32.index(c) for c in data_part]
    check = bech32_polymod([ord(c) >> 5 for c in hrp] + [0] + [ord(c) & 31 for c in hrp] + data)
    version, words = data[0], data[1:-6]
    bits = len(words) * 5
    program_len, padding = bits // 8, bits % 8
    const = _BECH32_CONST if version == 0 else _BECH32M_CONST
    sized = 2 <= program_len <= 40 and (version != 0 or program_len in (20, 32))
    padded = padding < 5 and bool(words) and words[-1] & ((1 << padding) - 1) == 0
    return hrp, version <= 16 and check == const and sized and padded


def _wallet(text: str) -> tuple[str, str, bool | None] | None:
    """(currency, canonical address, valid) of a wallet address, or None."""
    if _ETH.fullmatch(text):
        # EIP-55 mixed-case checksums need Keccak-256, which hashlib does not offer: the
        # address is compared in lower case and its checksum is not verified.
        return "ETH", "0x" + text[2:].lower(), None
    segwit = _segwit(text)
    if segwit is not None:
        return _BECH32_HRP[segwit[0]], text.lower(), segwit[1]
    if len(text) in (95, 106) and text[0] in "48" and _B58_RE.fullmatch(text):
        # Monero (standard, subaddress, integrated): Monero's own block-wise base58 and a
        # Keccak checksum, which are not verified.
        return "XMR", text, None
    b58 = _b58check(text)
    if b58 is not None and b58[0] in _B58_VERSIONS:
        return _B58_VERSIONS[b58[0]], text, b58[1]
    return None


def detect_wallet(value: str) -> str | None:
    """The currency of a crypto-currency address by its shape: BTC (base58check `1…`/`3…`,
    bech32 `bc1…`), LTC (`L…`, `M…`, `ltc1…`), DOGE (`D…`, `9…`/`A…`), TRX (`T…`), ETH
    (`0x` and 40 hex digits), XMR (95 or 106 base58 characters starting with 4 or 8), or None.

    A base58check or bech32 address with a wrong checksum is still detected (its version byte
    or prefix names the currency); `normalize_identifier` reports the checksum as `valid`."""
    text = _text(value)
    wallet = _wallet(text) if text else None
    return wallet[0] if wallet else None


# --- the other kinds --------------------------------------------------------------------

_PHONE = re.compile(r"\+?\(?[0-9][0-9 ()./-]{3,40}")
_ATEXT = re.compile(r"[\w!#$%&'*+/=?^`{|}~-]+(?:\.[\w!#$%&'*+/=?^`{|}~-]+)*")
_IBAN = re.compile(r"[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}")
_BIC = re.compile(r"[A-Z]{6}[A-Z0-9]{2}(?:[A-Z0-9]{3})?")


def _phone(text: str, cc: str | None) -> Identifier | None:
    """E.164 (`+4915125888904`); a number without `+` is read as dialled in `cc`."""
    if not _PHONE.fullmatch(text) or (cc is None and not text.startswith("+")):
        return None
    region = None if text.startswith("+") or cc is None else cc.upper()
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    found = phonenumbers.region_code_for_number(number)
    return Identifier(IdKind.PHONE, e164, _country(found), True)


def _email(text: str) -> Identifier | None:
    """`local@domain` in lower case, the domain IDNA-encoded (RFC 5890, UTS #46: `bücher.de`
    is `xn--bcher-kva.de`). The local part is lower-cased too: RFC 5321 lets a server tell
    `Anna` from `anna`, but none that matters does. Sub-addresses (`anna+x`) and dots are
    kept: they may be different mailboxes. Quoted local parts are not accepted."""
    text = text.lower().removeprefix("mailto:")
    local, at, domain = text.rpartition("@")
    if not at or len(local) > 64 or not _ATEXT.fullmatch(local) or "." not in domain:
        return None
    try:
        ascii_domain = idna.encode(domain, uts46=True).decode("ascii")
    except (idna.IDNAError, UnicodeError, ValueError):
        return None
    labels = ascii_domain.split(".")
    if any(not label for label in labels) or labels[-1].isdigit():
        return None
    return Identifier(IdKind.EMAIL, f"{local}@{ascii_domain}")


def _iban(text: str) -> Identifier | None:
    """ISO 13616 electronic form (`DE89370400440532013000`); valid by the mod-97 check
    and the country's length and format."""
    value = "".join(text.split()).replace("-", "").upper()
    if not _IBAN.fullmatch(value):
        return None
    valid = bool(stdnum_iban.is_valid(value))
    return Identifier(IdKind.IBAN, value, value[:2].lower(), valid)


def _bic(text: str) -> Identifier | None:
    """ISO 9362 BIC, the `XXX` (head office) branch dropped so that `DEUTDEFFXXX` equals
    `DEUTDEFF`. A BIC has no checksum (valid None); a malformed one, or one with an unknown
    country, is None."""
    value = "".join(text.split()).upper()
    if not _BIC.fullmatch(value) or not stdnum_bic.is_valid(value):
        return None
    value = value.removesuffix("XXX")
    return Identifier(IdKind.BIC, value, value[4:6].lower(), None)


def _imo(text: str) -> Identifier | None:
    """IMO ship number: 7 digits, the last a check digit (weights 7..2, mod 10)."""
    value = stdnum_imo.compact(text)
    if not re.fullmatch(r"[0-9]{7}", value):
        return None
    return Identifier(IdKind.IMO, value, None, bool(stdnum_imo.is_valid(value)))


@lru_cache(maxsize=65536)
def normalize_identifier(value: str, kind: IdKind, country: str | None = None) -> Identifier | None:
    """The canonical form of an identifier of `kind`, or None when `value` cannot be one.

    - PASSPORT: ICAO 9303 document number, upper case, separators and MRZ `<` filler
      removed; O and 0 stay distinct (`confusable_key` folds them for a weaker comparison);
      valid is None (no general checksum without the rest of the MRZ).
    - NATIONAL_ID, TAX_ID: python-stdnum's compact form and check for `country`
      (`_number_modules`), or the compact alphanumeric form.
    - IBAN (ISO 13616), BIC (ISO 9362), PHONE (E.164, read in `country` when written without
      `+`; an invalid number is None), EMAIL, CRYPTO_WALLET (`detect_wallet`), IMO.
    - REGISTRATION, OTHER: the compact alphanumeric form, valid None.

    `country` is ISO 3166-1 alpha-2 in any case; anything else is treated as unknown. Input
    that is empty, longer than 256 characters or holds control characters is None. Never
    raises. Results are cached (a candidate's numbers are read for every query it meets).
    """
    text = _text(value)
    if text is None or kind not in _KINDS:
        return None  # `kind not in _KINDS`: a caller's plain string that names no kind
    kind, cc = IdKind(kind), _country(country)
    match kind:
        case IdKind.PASSPORT:
            doc = _document(text)
            return Identifier(kind, doc, cc) if doc else None
        case IdKind.NATIONAL_ID | IdKind.TAX_ID:
            return _national(text, kind, cc)
        case IdKind.IBAN:
            return _iban(text)
        case IdKind.BIC:
            return _bic(text)
        case IdKind.PHONE:
            return _phone(text, cc)
        case IdKind.EMAIL:
            return _email(text)
        case IdKind.CRYPTO_WALLET:
            wallet = _wallet(text)
            return Identifier(kind, wallet[1], None, wallet[2]) if wallet else None
        case IdKind.IMO:
            return _imo(text)
        case _:
            key = _compact(text)
            return Identifier(kind, key, cc) if key else None


_E164 = re.compile(r"\+[1-9][0-9]{6,14}")


def blocking_identifier(value: str, kind: IdKind, country: str | None = None) -> Identifier | None:
    """The form of an identifier that its blocking keys are made of: `normalize_identifier`'s,
    without the checks that only scoring needs, where a record's cleaning already did the
    work. A phone already in E.164 (as every cleaned record and query holds it) is taken as
    it is; a national or tax number is its compact form, checked by no stdnum module (both
    sides of a match build their keys the same way, and scoring checks the number)."""
    if kind is IdKind.PHONE and _E164.fullmatch(value):
        return Identifier(kind, value)
    if kind in (IdKind.NATIONAL_ID, IdKind.TAX_ID):
        text = _text(value)
        key = _compact(text) if text is not None else None
        return Identifier(kind, key) if key else None
    return normalize_identifier(value, kind, country)


def identifier_keys(idents: Iterable[Identifier]) -> set[str]:
    """Blocking keys `kind:value` (`iban:DE89370400440532013000`, `phone:+4915125888904`).

    Keys carry no country: a passport number is searched across countries, and the
    country's agreement is scored separately. A passport also gets `passport~:` and its
    `confusable_key`, so that `C0lX…` and `COIX…` meet for the weaker comparison.
    Identifiers that failed their checksum get keys too: the typo may be in either record."""
    keys: set[str] = set()
    for ident in idents:
        keys.add(f"{ident.kind.value}:{ident.value}")
        if ident.kind is IdKind.PASSPORT:
            folded = ident.value.translate(_CONFUSABLE)
            keys.add(f"{IdKind.PASSPORT.value}~:{folded}")
    return keys
