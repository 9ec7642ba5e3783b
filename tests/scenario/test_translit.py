"""The shipped transliteration tables give the standards' published spellings."""

from __future__ import annotations

import pytest

from accord.scenario.names import culture
from accord.scenario.translit import fold_ascii, mrz_name, table


@pytest.mark.parametrize(
    ("name", "source", "expected"),
    [
        # Ukrainian national system (Resolution 55 of 2010), examples from its annex
        ("uk_national_2010", "Згорани", "Zghorany"),
        ("uk_national_2010", "Розгон", "Rozghon"),
        ("uk_national_2010", "Єнакієве", "Yenakiieve"),
        ("uk_national_2010", "Гайове", "Haiove"),
        ("uk_national_2010", "Короп'є", "Koropie"),
        ("uk_national_2010", "Їжакевич", "Yizhakevych"),
        ("uk_national_2010", "Кадиївка", "Kadyivka"),
        ("uk_national_2010", "Юрій", "Yurii"),
        ("uk_national_2010", "Олександр Коваленко", "Oleksandr Kovalenko"),
        ("uk_national_2010", "Запоріжжя", "Zaporizhzhia"),
        ("uk_duden", "Шевченко", "Schewtschenko"),
        ("uk_duden", "Олександр", "Olexandr"),
        ("uk_dutch", "Шевченко", "Sjevtsjenko"),
        ("uk_dutch", "Кравчук", "Kravtsjoek"),
        ("uk_iso9", "Щербак", "Ŝerbak"),
        ("ru_bgn_pcgn", "Александр", "Aleksandr"),
        ("ru_bgn_pcgn", "Елена", "Yelena"),
        ("ru_bgn_pcgn", "Андреевич", "Andreyevich"),
        ("ru_duden", "Александр", "Alexandr"),
        # ELOT 743 / ISO 843 transcription
        ("el_elot743", "Γεώργιος", "Georgios"),
        ("el_elot743", "Ευάγγελος", "Evangelos"),
        ("el_elot743", "Ευθυμίου", "Efthymiou"),
        ("el_elot743", "Μπακογιάννη", "Mpakogianni"),
        ("el_elot743", "Αύγουστος", "Avgoustos"),
        ("el_elot743", "Νικολαΐδης", "Nikolaidis"),
        ("el_elot743", "ΠΑΠΑΔΟΠΟΥΛΟΣ", "PAPADOPOULOS"),
        ("el_phonetic", "Μπακογιάννη", "Bakoyianni"),
        ("el_phonetic", "Ντόρα", "Dora"),
        ("el_duden", "Παπαδόπουλος", "Papadopulos"),
        ("el_duden", "Βασίλειος", "Wasilios"),
    ],
)
def test_table_gives_the_standard_spelling(name: str, source: str, expected: str) -> None:
    assert table(name)(source) == expected


def test_mrz_names_follow_icao_9303_part_3() -> None:
    assert mrz_name("Müller-Lüdenscheidt") == "MUELLER<LUEDENSCHEIDT"
    assert mrz_name("van den Berg") == "VAN<DEN<BERG"
    assert mrz_name("Weiß") == "WEISS"
    assert mrz_name("O'Brien") == "OBRIEN"
    assert mrz_name("Xi'an Zhang") == "XIAN<ZHANG"


def test_fold_ascii_drops_diacritics() -> None:
    assert fold_ascii("Ševčenko Jördis") == "Sevcenko Jordis"


def test_every_name_has_a_passport_form_and_most_have_other_spellings() -> None:
    for code in ("de", "nl", "uk", "el", "ar", "zh"):
        c = culture(code)
        tokens = [*c.male, *c.female, *(t for pair in c.surnames for t in pair)]
        assert len(c.male) >= 20 and len(c.female) >= 20 and len(c.surnames) >= 25
        for token in tokens:
            passport = token.latin("passport")
            assert passport and mrz_name(passport), (code, token.native)
            if code in ("uk", "el", "ar"):
                assert token.native != passport
        if code in ("uk", "el", "ar"):
            # Taras is Taras in every standard; most names are not.
            assert sum(bool(t.variants) for t in tokens) > 0.8 * len(tokens)


def test_ukrainian_names_carry_russian_and_german_forms() -> None:
    alexander = next(t for t in culture("uk").male if t.native == "Олександр")
    assert alexander.forms["passport"] == "Oleksandr"
    assert alexander.forms["ru_bgn_pcgn"] == "Aleksandr"
    assert alexander.intl == "Alexander"
    assert alexander.patronymic is not None
    assert alexander.patronymic[1].native == "Олександрівна"


def test_arabic_names_carry_the_common_romanisations() -> None:
    muhammad = next(t for t in culture("ar").male if t.native == "محمد")
    assert {"Mohamed", "Muhammad", "Mohammed", "Mohammad"} <= set(muhammad.variants)
