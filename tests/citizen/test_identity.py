"""National ID check digit and mobile normalisation."""
from __future__ import annotations

import pytest

from booking.identity import national_id_check_ok, normalise_mobile, normalise_national_id
from booking.service_errors import InvalidInput


@pytest.mark.parametrize("nid", ["0499370899", "0790419904", "0084575948", "1111111111"[:0] + "0013542419"])
def test_valid_national_ids(nid: str) -> None:
    assert national_id_check_ok(nid)
    assert normalise_national_id(nid) == nid


def test_national_id_accepts_persian_and_arabic_digits_and_pads_short_ids() -> None:
    assert normalise_national_id("۰۴۹۹۳۷۰۸۹۹") == "0499370899"
    assert normalise_national_id("٠٤٩٩٣٧٠٨٩٩") == "0499370899"
    assert normalise_national_id("049-937-0899") == "0499370899"
    assert normalise_national_id("84575948") == "0084575948"


@pytest.mark.parametrize("raw, code", [
    ("", "national_id_missing"), ("04993708a9", "national_id_not_digits"), ("123", "national_id_length"),
    ("0499370898", "national_id_check"), ("1111111111", "national_id_check"), ("12345678901", "national_id_length"),
])
def test_bad_national_ids_say_what_is_wrong(raw: str, code: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        normalise_national_id(raw)
    assert caught.value.code == code and caught.value.field == "national_id"
    assert str(caught.value)


@pytest.mark.parametrize("raw", ["09123456789", "9123456789", "+989123456789", "00989123456789", "989123456789",
                                 "۰۹۱۲۳۴۵۶۷۸۹", "٠٩١٢٣٤٥٦٧٨٩", "+98 912 345 6789", "0912-345-6789"])
def test_mobile_forms_normalise_to_09(raw: str) -> None:
    assert normalise_mobile(raw) == "09123456789"


@pytest.mark.parametrize("raw, code", [("", "mobile_missing"), ("+19123456789", "mobile_country"),
                                       ("0912345678", "mobile_format"), ("02123456789", "mobile_format"),
                                       ("0912abc6789", "mobile_not_digits")])
def test_bad_mobiles(raw: str, code: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        normalise_mobile(raw)
    assert caught.value.code == code
