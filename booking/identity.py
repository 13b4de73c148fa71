"""Who a citizen is: the Iranian national ID (کد ملی) and the mobile number, checked and normalised.

People type Persian (۰-۹) or Arabic-Indic (٠-٩) digits, spaces and dashes; both are accepted. Digits of any
other script (fullwidth ２, Devanagari २, superscript ², …) are refused: Python's ``str.isdigit`` accepts them,
so an ID written in them would otherwise be stored as another person. After the Persian and Arabic-Indic
digits are converted, an ID or a mobile must be ASCII ``[0-9]`` (:func:`ascii_number`).
"""
from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l

from booking.dates import ascii_digits
from booking.service_errors import InvalidInput

_SEPARATORS = re.compile(r"[\s\-_.()\u200c\u200e\u200f]+")
_ASCII_NUMBER = re.compile(r"[0-9]+")


def _clean(raw: object) -> str:
    return _SEPARATORS.sub("", ascii_digits(str(raw or "")))


def ascii_number(text: str) -> bool:
    """Whether ``text`` is one or more ASCII digits ``0-9`` and nothing else (unlike ``str.isdigit``)."""
    return _ASCII_NUMBER.fullmatch(text) is not None


def national_id_check_ok(digits: str) -> bool:
    """The official check digit of a 10-digit national ID.

    With ``s = sum(d[i] * (10 - i) for i in 0..8)`` and ``r = s mod 11``, the last digit is ``r`` when
    ``r < 2`` and ``11 - r`` otherwise. IDs of ten equal digits pass the formula but are never issued.
    """
    if len(digits) != 10 or not ascii_number(digits) or len(set(digits)) == 1:
        return False
    remainder = sum(int(digits[i]) * (10 - i) for i in range(9)) % 11
    check = remainder if remainder < 2 else 11 - remainder
    return int(digits[9]) == check


def normalise_national_id(raw: object) -> str:
    """A national ID as 10 ASCII digits, or :class:`InvalidInput` saying what is wrong.

    Eight or nine digits are padded with leading zeros, as on older cards.
    """
    digits = _clean(raw)
    if not digits:
        raise InvalidInput("national_id_missing", _l("Enter your national ID."), field="national_id")
    if not ascii_number(digits):
        raise InvalidInput("national_id_not_digits", _l("The national ID may contain digits only."),
                           field="national_id")
    if 8 <= len(digits) < 10:
        digits = digits.zfill(10)
    if len(digits) != 10:
        raise InvalidInput("national_id_length", _l("The national ID has 10 digits."), field="national_id")
    if not national_id_check_ok(digits):
        raise InvalidInput("national_id_check", _l("This national ID is not valid; please check the digits."),
                           field="national_id")
    return digits


def normalise_mobile(raw: object) -> str:
    """An Iranian mobile number as ``09xxxxxxxxx``.

    Accepts ``+98``, ``0098``, ``98`` or ``0`` prefixes (or none: ``9xxxxxxxxx``).
    """
    text = _clean(raw)
    if not text:
        raise InvalidInput("mobile_missing", _l("Enter your mobile number."), field="mobile")
    if text.startswith("+"):
        text = text[1:]
        if not text.startswith("98"):
            raise InvalidInput("mobile_country", _l("Only Iranian mobile numbers (+98) are accepted."),
                               field="mobile")
    if not ascii_number(text):
        raise InvalidInput("mobile_not_digits", _l("The mobile number may contain digits only."), field="mobile")
    if text.startswith("0098"):
        text = text[4:]
    elif text.startswith("98") and len(text) == 12:
        text = text[2:]
    elif text.startswith("0"):
        text = text[1:]
    if len(text) != 10 or not text.startswith("9"):
        raise InvalidInput("mobile_format", _l("Enter a mobile number like 0912 345 6789."), field="mobile")
    return "0" + text


def mask_mobile(mobile: str) -> str:
    """``0912***6789``: enough for a person to recognise their own number."""
    return mobile[:4] + "***" + mobile[-4:] if len(mobile) == 11 else "***"


def mask_national_id(national_id: str) -> str:
    return national_id[:3] + "****" + national_id[-3:] if len(national_id) == 10 else "***"
