"""One sort key for Persian names: the Persian alphabet, and numbers inside names by value.

Python's default order puts پ چ ژ گ after ی (they sit in Unicode's Arabic extension) and reads
"منطقه ۱۰" before "منطقه ۲". :func:`persian_key` fixes both; every list of provinces, districts,
cities and offices sorts with it.
"""
from __future__ import annotations

import re
from typing import Any

ALPHABET = "آاءأإؤئبپتثجچحخدذرزژسشصضطظعغفقکگلمنوهی"
_RANK = {ch: i for i, ch in enumerate(ALPHABET)}
# Arabic forms and spellings that sort as their Persian letter.
_FOLD = str.maketrans({"ي": "ی", "ى": "ی", "ك": "ک", "ة": "ه", "ۀ": "ه", "ٱ": "ا"})
_DIGITS = str.maketrans("۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩", "01234567890123456789")
_TOKEN = re.compile(r"\d+|\D")
_IGNORED = {"\u200c", "\u200d", "\u064b", "\u064c", "\u064d", "\u064e", "\u064f", "\u0650", "\u0651", "\u0652"}


def persian_key(text: str | None) -> tuple[Any, ...]:
    """A key that orders Persian (and Latin) names as a Persian reader expects.

    Letters go by the Persian alphabet (Arabic ي/ك as ی/ک, zero-width non-joiners and vowel marks
    ignored), Latin letters after Persian ones, and runs of Persian, Arabic or Latin digits compare by
    their value, before letters.
    """
    folded = (text or "").translate(_FOLD).translate(_DIGITS)
    key: list[tuple[int, Any]] = []
    for token in _TOKEN.findall(folded):
        if token.isdigit():
            key.append((0, int(token)))
        elif token in _IGNORED:
            continue
        elif token.isspace():
            key.append((0, -1))  # a word break sorts before any letter: "آب" before "آباد"
        elif token in _RANK:
            key.append((1, _RANK[token]))
        else:
            key.append((2, token.casefold()))
    return tuple(key)
