from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from accord.matching.identifiers import (
    Identifier,
    IdKind,
    confusable_key,
    detect_wallet,
    identifier_keys,
    normalize_identifier,
)

K = IdKind


def ident(value: str, kind: IdKind, country: str | None = None) -> Identifier:
    found = normalize_identifier(value, kind, country)
    assert found is not None, value
    return found


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("C01X00T47", "C01X00T47"),
        ("c01x-00t47", "C01X00T47"),
        ("C01X 00T.47", "C01X00T47"),
        ("L898902C<", "L898902C"),  # ICAO 9303 specimen, MRZ document number field
        ("<<L898902C3<<", "L898902C3"),
        ("ＡＢ１２３４５６", "AB123456"),  # full-width, as some forms store it
        ("КВ 123456", "КВ123456"),  # Cyrillic series letters are kept as written
    ],
)
def test_passport_numbers_lose_separators_and_mrz_filler(value: str, expected: str) -> None:
    assert ident(value, K.PASSPORT, "de") == Identifier(K.PASSPORT, expected, "de", None)


def test_passport_o_and_zero_stay_distinct_but_share_a_confusable_key() -> None:
    assert ident("CO1XOOT47", K.PASSPORT).value != ident("C01X00T47", K.PASSPORT).value
    assert confusable_key("CO1XOOT47") == confusable_key("C01X00T47") == "C01X00T47"
    assert confusable_key("CIlX00T47") == "C11X00T47"
    assert confusable_key("С01Х00Т47") == "C01X00T47"  # Cyrillic С, Х, Т
    assert confusable_key("🙂") == ""


@pytest.mark.parametrize(
    ("value", "country", "expected"),
    [
        ("36 574 261 809", "DE", "36574261809"),
        ("1112.22.333", "nl", "111222333"),
        ("1759013776", "ua", "1759013776"),
        ("44051401359", "pl", "44051401359"),
        ("2 95 10 99 126 111 93", "fr", "295109912611193"),
        ("RCCMNL83S18D969H", "it", "RCCMNL83S18D969H"),
        ("54362315-K", "es", "54362315K"),
        ("x-2482300w", "es", "X2482300W"),
        ("01013099997", "gr", "01013099997"),
        ("85.07.30-033 28", "be", "85073003328"),
        ("880320-0016", "se", "8803200016"),
        ("131052-308T", "fi", "131052308T"),
        ("151086 95088", "no", "15108695088"),
        ("211062-5629", "dk", "2110625629"),
        ("36805280109", "ee", "36805280109"),
        ("33309240064", "lt", "33309240064"),
        ("1630615123457", "ro", "1630615123457"),
        ("8032056031", "bg", "8032056031"),
        ("710319/2745", "cz", "7103192745"),
        ("756.9217.0769.85", "ch", "7569217076985"),
        ("1237 010180", "at", "1237010180"),
        ("6433435F", "ie", "6433435F"),
        ("536-90-4399", "us", "536904399"),
        ("360426199101010071", "cn", "360426199101010071"),
        ("971013-9019902", "kr", "9710139019902"),
        ("234123412346", "in", "234123412346"),
        ("390.533.447-05", "br", "39053344705"),
    ],
)
def test_national_ids_use_the_countrys_stdnum_module(
    value: str, country: str, expected: str
) -> None:
    assert ident(value, K.NATIONAL_ID, country) == Identifier(
        K.NATIONAL_ID, expected, country.lower(), True
    )


@pytest.mark.parametrize(
    ("value", "country"),
    [
        ("36574261890", "de"),
        ("1112.52.333", "nl"),
        ("44051401358", "pl"),
        ("54362315Z", "es"),
        ("131052-308U", "fi"),
        ("971013-9019903", "kr"),
    ],
)
def test_national_ids_with_a_bad_check_digit_are_kept_but_flagged(value: str, country: str) -> None:
    found = ident(value, K.NATIONAL_ID, country)
    assert found.valid is False
    assert found.value == "".join(c for c in value.upper() if c.isalnum())


def test_tax_ids_try_tax_modules_then_personal_ones() -> None:
    assert ident("RCCMNL83S18D969H", K.TAX_ID, "it").valid is True
    assert ident("ACUPA7085R", K.TAX_ID, "in").valid is True  # PAN
    assert ident("36 574 261 809", K.TAX_ID, "de").valid is True  # IdNr is a tax number
    assert ident("1759013776", K.TAX_ID, "ua").valid is True


def test_national_ids_without_a_known_module_are_compact_and_unchecked() -> None:
    assert ident("12-345/678", K.NATIONAL_ID) == Identifier(K.NATIONAL_ID, "12345678")
    assert ident("12-345/678", K.NATIONAL_ID, "zz") == Identifier(K.NATIONAL_ID, "12345678", "zz")
    assert ident("12-345/678", K.NATIONAL_ID, "not a country").country is None
    assert ident("AB 1234", K.NATIONAL_ID, "uk").country == "gb"


def test_iban_electronic_form_and_checksum() -> None:
    assert ident("DE89 3704 0044 0532 0130 00", K.IBAN) == Identifier(
        K.IBAN, "DE89370400440532013000", "de", True
    )
    assert ident("gb82 west 1234 5698 7654 32", K.IBAN).value == "GB82WEST12345698765432"
    assert ident("DE89 3704 0044 0532 0130 01", K.IBAN).valid is False
    assert normalize_identifier("DE89", K.IBAN) is None
    assert normalize_identifier("not an iban at all", K.IBAN) is None


def test_bic_drops_the_head_office_branch_and_rejects_bad_structure() -> None:
    assert ident("deutdeffxxx", K.BIC) == Identifier(K.BIC, "DEUTDEFF", "de", None)
    assert ident("DEUT DE FF 500", K.BIC).value == "DEUTDEFF500"
    assert normalize_identifier("DEUTQQFF", K.BIC) is None  # no country QQ
    assert normalize_identifier("DEU1DEFF", K.BIC) is None
    assert normalize_identifier("DEUTDEF", K.BIC) is None


@pytest.mark.parametrize(
    ("value", "country", "e164", "region"),
    [
        ("+49 151 25888904", None, "+4915125888904", "de"),
        ("015125888904", "DE", "+4915125888904", "de"),
        ("0151 / 258 889 04", "de", "+4915125888904", "de"),
        ("+380 44 123 4567", "de", "+380441234567", "ua"),
        ("(202) 456-1111", "us", "+12024561111", "us"),
        ("020 7946 0958", "gb", "+442079460958", "gb"),
    ],
)
def test_phones_become_e164(value: str, country: str | None, e164: str, region: str) -> None:
    assert ident(value, K.PHONE, country) == Identifier(K.PHONE, e164, region, True)


def test_phones_without_prefix_or_country_or_with_text_are_none() -> None:
    assert normalize_identifier("015125888904", K.PHONE) is None
    assert normalize_identifier("12", K.PHONE, "de") is None
    assert normalize_identifier("call +4915125888904", K.PHONE) is None


def test_emails_lower_case_and_idna_encode_the_domain() -> None:
    assert ident(" Anna.Schmidt@Example.ORG ", K.EMAIL).value == "anna.schmidt@example.org"
    assert ident("mailto:anna@bücher.de", K.EMAIL).value == "anna@xn--bcher-kva.de"
    assert ident("MAILTO:Anna@BÜCHER.de", K.EMAIL).value == "anna@xn--bcher-kva.de"
    assert ident("anna+work@example.org", K.EMAIL).value == "anna+work@example.org"
    for bad in ["anna", "anna@example", "@example.org", "anna@@example.org", "an na@example.org"]:
        assert normalize_identifier(bad, K.EMAIL) is None, bad
    assert normalize_identifier("anna@exa mple.org", K.EMAIL) is None
    assert normalize_identifier("anna@192.168.0.1", K.EMAIL) is None
    assert normalize_identifier("😀@example.org", K.EMAIL) is None


@pytest.mark.parametrize(
    ("address", "currency", "valid"),
    [
        ("1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa", "BTC", True),  # genesis block
        ("1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNb", "BTC", False),
        ("3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy", "BTC", True),  # P2SH
        ("LaMT348PWRnrqeeWArpwQPbuanpXDZGEUz", "LTC", True),
        ("DH5yaieqoZN36fDVciNyRueRGvGLR3mr7L", "DOGE", True),
        ("TJCnKsPa7y5okkXvQAidZBzqx3QyQ6sxMW", "TRX", True),
        ("0x52908400098527886E0F7030069857D2E4169EE7", "ETH", None),
        (
            "44AFFq5kSiGBoZ4NMDwYtN18obc8AemS33DBLWs3H7otXft3XjrpDtQGv7SqSsaBYBb98u"
            "Nbr2VBBEt7f2wfn3RVGQBEP3A",
            "XMR",
            None,
        ),
    ],
)
def test_base58_and_hex_wallets(address: str, currency: str, valid: bool | None) -> None:
    assert detect_wallet(address) == currency
    assert ident(address, K.CRYPTO_WALLET).valid is valid


def test_ethereum_addresses_compare_in_lower_case() -> None:
    mixed = ident("0x52908400098527886E0F7030069857D2E4169EE7", K.CRYPTO_WALLET)
    lower = ident("0x52908400098527886e0f7030069857d2e4169ee7", K.CRYPTO_WALLET)
    assert mixed == lower
    assert mixed.value == "0x52908400098527886e0f7030069857d2e4169ee7"


# BIP-173 and BIP-350 test vectors.
_SEGWIT_VALID = [
    "BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4",
    "tb1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3q0sl5k7",
    "bc1pw508d6qejxtdg4y5r3zarvary0c5xw7kw508d6qejxtdg4y5r3zarvary0c5xw7kt5nd6y",
    "BC1SW50QGDZ25J",
    "bc1zw508d6qejxtdg4y5r3zarvaryvaxxpcs",
    "tb1qqqqqp399et2xygdj5xreqhjjvcmzhxw4aywxecjdzew6hylgvsesrxh6hy",
    "tb1pqqqqp399et2xygdj5xreqhjjvcmzhxw4aywxecjdzew6hylgvsesf3hn0c",
    "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0",
]
_SEGWIT_BAD_CHECK = [
    "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t5",  # checksum
    "BC13W508D6QEJXTDG4Y5R3ZARVARY0C5XW7KN40WF2",  # witness version 17
    "bc1rw5uspcuh",  # program length
    "bc10w508d6qejxtdg4y5r3zarvary0c5xw7kw508d6qejxtdg4y5r3zarvary0c5xw7kw5rljs90",
    "BC1QR508D6QEJXTDG4Y5R3ZARVARY0C5XW7KN40WF2",  # v0 program of 16 bytes
    "bc1zw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4",  # padding of more than 4 bits
    "tb1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3pjxtptv",  # non-zero padding
    "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqh2y7hd",  # v1 with bech32
    "BC1S0XLXVLHEMJA6C4DQV22UAPCTQUPFHLXM9H8Z3K2E72Q4K9HCZ7VQ54WELL",  # v16 with bech32
    "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kemeawh",  # v0 with bech32m
    "tb1q0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vq24jc47",  # v0 with bech32m
    "bc1pw5dgrnzv",  # program of 1 byte
]
_SEGWIT_NOT_ADDRESSES = [
    "tc1qw508d6qejxtdg4y5r3zarvary0c5xw7kg3g4ty",  # unknown human-readable part
    "tb1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3q0sL5k7",  # mixed case
    "bc1p38j9r5y49hruaue7wxjce0updqjuyyx0kh56v8s25huc6995vvpql3jow4",  # 'o' not in charset
    "bc1gmk9yu",  # empty data part
]


@pytest.mark.parametrize("address", _SEGWIT_VALID)
def test_segwit_addresses_pass_bip173_and_bip350(address: str) -> None:
    found = ident(address, K.CRYPTO_WALLET)
    assert found == Identifier(K.CRYPTO_WALLET, address.lower(), None, True)
    assert detect_wallet(address) == "BTC"


@pytest.mark.parametrize("address", _SEGWIT_BAD_CHECK)
def test_segwit_addresses_failing_bip173_or_bip350_are_flagged(address: str) -> None:
    assert ident(address, K.CRYPTO_WALLET).valid is False


@pytest.mark.parametrize("address", _SEGWIT_NOT_ADDRESSES)
def test_strings_that_are_not_segwit_addresses_are_none(address: str) -> None:
    assert normalize_identifier(address, K.CRYPTO_WALLET) is None
    assert detect_wallet(address) is None


def test_not_wallets() -> None:
    for value in [
        "hello",
        "0x1234",
        "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfN0",
        "DE89370400440532013000",
    ]:
        assert detect_wallet(value) is None, value


def test_imo_numbers_carry_their_check_digit() -> None:
    assert ident("IMO 9074729", K.IMO) == Identifier(K.IMO, "9074729", None, True)
    assert ident("9074729", K.IMO).value == "9074729"
    assert ident("IMO 9074728", K.IMO).valid is False
    assert normalize_identifier("IMO 907472", K.IMO) is None


def test_registration_and_other_numbers_are_compact_alphanumerics() -> None:
    assert ident("HRB 12345 B", K.REGISTRATION, "DE") == Identifier(
        K.REGISTRATION, "HRB12345B", "de", None
    )
    assert ident("reg. no. 01234567", K.OTHER).value == "REGNO01234567"


@pytest.mark.parametrize("kind", list(IdKind))
@pytest.mark.parametrize(
    "value",
    [
        "",
        "   ",
        "x" * 10_000,
        "1" * 10_000,
        "😀",
        "AB😀123",
        "AB\x00123",
        "AB\u200b123",
        "\x1b[31m",
    ],
)
def test_bad_input_is_none_for_every_kind(value: str, kind: IdKind) -> None:
    assert normalize_identifier(value, kind, "de") is None


def test_keys_are_kind_and_value_without_country() -> None:
    idents = [
        ident("DE89 3704 0044 0532 0130 00", K.IBAN),
        ident("c01x-00t47", K.PASSPORT, "de"),
        ident("015125888904", K.PHONE, "de"),
        ident("36 574 261 809", K.NATIONAL_ID, "de"),
    ]
    assert identifier_keys(idents) == {
        "iban:DE89370400440532013000",
        "passport:C01X00T47",
        "passport~:C01X00T47",
        "phone:+4915125888904",
        "national_id:36574261809",
    }


def test_one_passport_in_two_countries_shares_its_keys() -> None:
    german = identifier_keys([ident("C01X00T47", K.PASSPORT, "de")])
    unknown = identifier_keys([ident("C01X00T47", K.PASSPORT)])
    misread = identifier_keys([ident("CO1XOOT47", K.PASSPORT, "ua")])
    assert german == unknown
    assert german & misread == {"passport~:C01X00T47"}


_countries = st.none() | st.sampled_from(["de", "NL", "fi", "it", "in", "us", "zz"]) | st.text()


@settings(max_examples=300)
@given(st.text(), st.sampled_from(list(IdKind)), _countries)
def test_normalize_never_raises(value: str, kind: IdKind, country: str | None) -> None:
    found = normalize_identifier(value, kind, country)
    assert found is None or (found.kind is kind and found.value)
    if found is not None:
        assert normalize_identifier(found.value, kind, found.country) is not None
        assert identifier_keys([found])


@given(st.text(alphabet="0123456789 -./XKTABC", max_size=20), _countries)
def test_number_like_text_never_raises(value: str, country: str | None) -> None:
    for kind in IdKind:
        normalize_identifier(value, kind, country)
    detect_wallet(value)
    confusable_key(value)
