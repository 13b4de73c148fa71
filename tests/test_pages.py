"""The first pages: Persian, right to left, Jalali date, English switch; errors in the visitor's language."""
from __future__ import annotations

import jdatetime

from booking.dates import persian_digits, to_tehran, utcnow
from booking.extensions import db


def test_home_lists_provinces_in_persian_rtl(client, make_office, make_province) -> None:
    tehran = make_province(code="23", name_fa="تهران", name_en="Tehran")
    make_office(province=tehran, counters=5)
    make_province(code="01", name_fa="آذربایجان شرقی", name_en="East Azerbaijan")
    db.session.commit()
    page = client.get("/").get_data(as_text=True)
    assert '<html lang="fa" dir="rtl">' in page
    assert "تهران" in page and "آذربایجان شرقی" in page
    today = jdatetime.date.fromgregorian(date=to_tehran(utcnow()).date())
    assert persian_digits(str(today.year)) in page and jdatetime.date.j_months_fa[today.month - 1] in page


def test_language_switch_to_english_is_kept(client, make_province) -> None:
    make_province(code="23", name_fa="تهران", name_en="Tehran")
    db.session.commit()
    response = client.get("/language/en?next=/")
    assert response.status_code == 302 and response.headers["Location"] == "/"
    page = client.get("/").get_data(as_text=True)
    assert '<html lang="en" dir="ltr">' in page and "Tehran" in page
    assert client.get("/language/xx").status_code == 404
    assert client.get("/language/en?next=//evil.example").headers["Location"] == "/"


def test_province_page_lists_its_offices_with_their_live_load(working_day, client, make_office,
                                                                make_province) -> None:
    from offices import queue_ops

    province = make_province(code="07")
    office = make_office(province=province, name_fa="دفتر نمونه")
    queue_ops.open_counter(office, 1, None)
    for _ in range(3):
        queue_ops.add_walk_in(office, office.services[0].code, None)
    db.session.commit()
    page = client.get("/provinces/07").get_data(as_text=True)
    item = page[page.index(f'data-office="{office.code}"'):]
    item = item[:item.index("</li>")]
    assert "دفتر نمونه" in item and f'href="/offices/{office.code}"' in item
    assert f"{persian_digits(3)} نفر در صف" in item and "badge level-" in item


def test_unknown_page_is_a_persian_404(client) -> None:
    response = client.get("/provinces/nowhere")
    assert response.status_code == 404
    assert "این صفحه پیدا نشد" in response.get_data(as_text=True)


def test_unknown_api_path_is_problem_json_in_request_language(client) -> None:
    response = client.get("/api/nothing", headers={"Accept-Language": "en"})
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["title"] == "This page was not found."
