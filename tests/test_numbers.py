"""One formatter for every number people read: Persian digits and separators (٬ ٫) in Persian, Latin in English."""
from __future__ import annotations

import re

import pytest
from flask import render_template_string
from flask_babel import refresh

from booking.notifications import called_text, turn_near_text
from booking.numbers import format_number, localize_digits
from tests.citizen.test_api import _setup

LATIN_DIGIT = re.compile("[0-9]")
PERSIAN_DIGIT = re.compile("[۰-۹]")


def test_numbers_in_persian_and_english():
    assert format_number(0) == "۰"
    assert format_number(1234567) == "۱٬۲۳۴٬۵۶۷"
    assert format_number(1234567, "en") == "1,234,567"
    assert format_number(2.5) == "۲٫۵"  # the Persian decimal separator, not a dot
    assert format_number(2.5, "en") == "2.5"
    assert format_number(12345.678, "fa", 1) == "۱۲٬۳۴۵٫۷"
    assert format_number(3.0) == "۳" and format_number(3.0, "fa", 1) == "۳٫۰"
    assert format_number(0.1 + 0.2) == "۰٫۳"
    assert format_number(2.675, "en", 2) == "2.68"  # half up, not binary rounding
    assert format_number(-1234.5, "en") == "-1,234.5"
    assert format_number(-1234.5).endswith("۱٬۲۳۴٫۵") and format_number(-1234.5).startswith("\u2212")
    assert format_number(1405, grouping=False) == "۱۴۰۵"
    assert format_number("۱۲۳۴٫۵") == "۱٬۲۳۴٫۵"  # typed Persian is read back
    assert localize_digits("A-012") == "A-۰۱۲" and localize_digits("A-012", "en") == "A-012"


def test_template_filters_write_numbers_in_the_page_language(app):
    template = "{{ 12345.5|number(1) }} {{ 1234|digits }} {{ 'A-012'|digits }}"
    with app.test_request_context("/?lang=fa"):
        assert render_template_string(template) == "۱۲٬۳۴۵٫۵ ۱٬۲۳۴ A-۰۱۲"
    refresh()
    with app.test_request_context("/?lang=en"):
        assert render_template_string(template) == "12,345.5 1,234 A-012"


def test_recommendation_reasons_by_accept_language(working_day, app, client, make_office, make_service):
    _setup(make_office, make_service)
    url = "/api/recommend?lat=35.757&lon=51.41&service=SANA"
    with app.app_context():  # a fresh context per request, as in production
        persian = client.get(url, headers={"Accept-Language": "fa-IR,fa;q=0.9"}).get_json()
    with app.app_context():
        english = client.get(url, headers={"Accept-Language": "en-US,en;q=0.8"}).get_json()
    for suggestion in persian["offices"]:
        assert "دقیقه" in suggestion["reason"]
        assert PERSIAN_DIGIT.search(suggestion["reason"]) and not LATIN_DIGIT.search(suggestion["reason"]), \
            suggestion["reason"]
    for suggestion in english["offices"]:
        assert "min" in suggestion["reason"]
        assert LATIN_DIGIT.search(suggestion["reason"]) and not PERSIAN_DIGIT.search(suggestion["reason"])


def test_an_error_message_with_numbers(app, client):
    with app.app_context():
        persian = client.get("/api/offices?limit=500", headers={"Accept-Language": "fa"}).get_json()
    with app.app_context():
        english = client.get("/api/offices?limit=500", headers={"Accept-Language": "en"}).get_json()
    assert english["detail"] == "limit must be a number between 1 and 200."
    assert "۱" in persian["detail"] and "۲۰۰" in persian["detail"] and not LATIN_DIGIT.search(persian["detail"])


def test_a_queue_error_message_with_a_number(app, make_office):
    from offices import queue_ops

    office = make_office(counters=12)
    for lang, expected in (("fa", "باجه‌های ۱ تا ۱۲ دارد."), ("en", "counters 1 to 12.")):
        refresh()
        with app.test_request_context(f"/?lang={lang}"), pytest.raises(queue_ops.QueueError) as refused:
            queue_ops.open_counter(office, 40, None)
        assert str(refused.value).endswith(expected), str(refused.value)
        assert bool(LATIN_DIGIT.search(str(refused.value))) == (lang == "en")


def test_sms_bodies_with_numbers(app):
    assert called_text("A-012", 3, "fa") == "صف‌نما: نوبت \u2066A-۰۱۲\u2069: لطفاً همین حالا به باجه ۳ بروید."
    assert called_text("A-012", 3, "en") == "Safnama: ticket A-012: please go to counter 3 now."
    near = turn_near_text("B-104", 2, 1500, "fa")
    assert "۲ نفر پیش از شما" in near and "حدود ۱٬۵۰۰ دقیقه" in near and not LATIN_DIGIT.search(near.replace("B", ""))
    assert "2 people are ahead of you (about 1,500 min)" in turn_near_text("B-104", 2, 1500, "en")
