"""MRZs as ICAO Doc 9303 prints them for Utopia, its specimen state, and as Germany's public
specimens print them for Erika Mustermann (passport and identity card)."""

TD1 = [
    "I<UTOD231458907<<<<<<<<<<<<<<<",
    "7408122F1204159UTO<<<<<<<<<<<6",
    "ERIKSSON<<ANNA<MARIA<<<<<<<<<<",
]
#: Doc 9303 Part 5: the number D23145890734, longer than nine characters.
TD1_LONG_NUMBER = [
    "I<UTOD23145890<7349<<<<<<<<<<<",
    "7408122F1204159UTO<<<<<<<<<<<6",
    "ERIKSSON<<ANNA<MARIA<<<<<<<<<<",
]
TD2 = [
    "I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<",
    "D231458907UTO7408122F1204159<<<<<<<6",
]
TD3 = [
    "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
    "L898902C36UTO7408122F1204159ZE184226B<<<<<10",
]
MRV_A = [
    "V<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
    "L8988901C4XXX4009078F96121096ZE184226B<<<<<<",
]
MRV_B = [
    "V<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<",
    "L8988901C4XXX4009078F9612109<<<<<<<<",
]
DE_PASSPORT = [
    "P<D<<MUSTERMANN<<ERIKA<<<<<<<<<<<<<<<<<<<<<<",
    "C01X00T478D<<6408125F2702283<<<<<<<<<<<<<<<4",
]
DE_ID_CARD = [
    "IDD<<T220001293<<<<<<<<<<<<<<<",
    "6408125<2010315D<<<<<<<<<<<<<4",
    "MUSTERMANN<<ERIKA<<<<<<<<<<<<<",
]

ALL = {
    "TD1": TD1,
    "TD1 long number": TD1_LONG_NUMBER,
    "TD2": TD2,
    "TD3": TD3,
    "MRV-A": MRV_A,
    "MRV-B": MRV_B,
    "DE passport": DE_PASSPORT,
    "DE ID card": DE_ID_CARD,
}

#: Every check digit of each specimen: (line index, position 0-based, field it guards).
CHECK_DIGITS = {
    "TD1": [
        (0, 14, "line1.document_number_check_digit"),
        (1, 6, "line2.birth_date_check_digit"),
        (1, 14, "line2.expiry_date_check_digit"),
        (1, 29, "line2.composite_check_digit"),
    ],
    "TD1 long number": [
        (0, 18, "line1.document_number_check_digit"),
        (1, 6, "line2.birth_date_check_digit"),
        (1, 14, "line2.expiry_date_check_digit"),
        (1, 29, "line2.composite_check_digit"),
    ],
    "TD2": [
        (1, 9, "line2.document_number_check_digit"),
        (1, 19, "line2.birth_date_check_digit"),
        (1, 27, "line2.expiry_date_check_digit"),
        (1, 35, "line2.composite_check_digit"),
    ],
    "TD3": [
        (1, 9, "line2.document_number_check_digit"),
        (1, 19, "line2.birth_date_check_digit"),
        (1, 27, "line2.expiry_date_check_digit"),
        (1, 42, "line2.personal_number_check_digit"),
        (1, 43, "line2.composite_check_digit"),
    ],
    "MRV-A": [
        (1, 9, "line2.document_number_check_digit"),
        (1, 19, "line2.birth_date_check_digit"),
        (1, 27, "line2.expiry_date_check_digit"),
    ],
    "MRV-B": [
        (1, 9, "line2.document_number_check_digit"),
        (1, 19, "line2.birth_date_check_digit"),
        (1, 27, "line2.expiry_date_check_digit"),
    ],
    "DE passport": [
        (1, 9, "line2.document_number_check_digit"),
        (1, 19, "line2.birth_date_check_digit"),
        (1, 27, "line2.expiry_date_check_digit"),
        (1, 43, "line2.composite_check_digit"),
    ],
    "DE ID card": [
        (0, 14, "line1.document_number_check_digit"),
        (1, 6, "line2.birth_date_check_digit"),
        (1, 14, "line2.expiry_date_check_digit"),
        (1, 29, "line2.composite_check_digit"),
    ],
}
