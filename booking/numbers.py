"""Numbers as people read them: the one formatter behind every number in a page, an API message, an SMS or an
error message.

In Persian a number is written with Persian digits (۰–۹), ``٬`` (U+066C) between thousands and ``٫`` (U+066B)
before decimals: ``۱۲٬۳۴۵٫۶``. In English with Latin digits, ``,`` and ``.``: ``12,345.6``. Codes that merely
contain digits (a ticket number ``A-012``, a date ``1405/09/13``, a time ``10:30``) keep their own separators
and only change digits: :func:`localize_digits`.

This module needs nothing of the application: callers pass the language, or use
:func:`booking.i18n.local_number` and :func:`booking.i18n.local_digits` for the request's.
"""
from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal

PERSIAN_DIGITS = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")
#: Persian (۰-۹) and Arabic-Indic (٠-٩) digits to ASCII, for what people type.
TO_ASCII_DIGITS = str.maketrans("۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩", "01234567890123456789")
PERSIAN_THOUSANDS = "\u066c"  # ٬
PERSIAN_DECIMAL = "\u066b"  # ٫
PERSIAN_MINUS = "\u2212"  # −, kept left of the digits by the left-to-right mark after it
LRM = "\u200e"


def persian_digits(text: object) -> str:
    """``text`` with its Latin digits written as Persian digits (nothing else changes)."""
    return str(text).translate(PERSIAN_DIGITS)


def ascii_digits(text: str) -> str:
    """Persian and Arabic-Indic digits as Latin digits (for parsing what people type)."""
    return text.translate(TO_ASCII_DIGITS)


def localize_digits(text: object, locale: str = "fa") -> str:
    """A code or a text with digits (``A-012``, ``1405/09/13``): Persian digits in Persian, as is otherwise."""
    return persian_digits(text) if locale == "fa" else str(text)


def format_number(value: int | float | Decimal | str, locale: str = "fa", decimals: int | None = None,
                  grouping: bool = True) -> str:
    """A number written for a reader of ``locale`` (``fa`` or ``en``).

    Args:
        value: the number (a numeric string is read as a number).
        decimals: digits after the decimal separator, rounded half up; None writes an integer as it is and a
            fraction with at most two decimals, trailing zeros dropped.
        grouping: separate thousands (``12٬345``); off for years and codes.

    >>> format_number(12345.67, "fa", 1)
    '۱۲٬۳۴۵٫۷'
    >>> format_number(12345.67, "en", 1)
    '12,345.7'
    """
    if isinstance(value, str):
        value = Decimal(ascii_digits(value.strip()).replace(PERSIAN_DECIMAL, ".").replace(PERSIAN_THOUSANDS, "")
                        .replace(",", ""))
    if isinstance(value, float) and not math.isfinite(value):
        return "—"
    number = Decimal(str(value)) if not isinstance(value, Decimal) else value
    if decimals is None:
        decimals = 0 if number == number.to_integral_value() else 2
        number = number.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
        if decimals:
            number = number.normalize()
            decimals = max(0, -number.as_tuple().exponent)
    else:
        number = number.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    negative = number < 0 and number != 0
    text = f"{abs(number):{',' if grouping else ''}.{decimals}f}"
    if locale != "fa":
        return ("-" if negative else "") + text
    text = text.replace(",", PERSIAN_THOUSANDS).replace(".", PERSIAN_DECIMAL).translate(PERSIAN_DIGITS)
    return (PERSIAN_MINUS + LRM if negative else "") + text
