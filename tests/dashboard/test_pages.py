"""Dashboard pages: scopes (403), sorting, top/bottom, CSV, SVG heatmaps, what-if, complaints, bad input (4xx)."""
from __future__ import annotations

import csv
import io
import re
import xml.etree.ElementTree as ET

import numpy as np
import pytest

from booking.extensions import db

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture()
def staff(network, make_staff):
    users = {
        "nation": make_staff("sup-iran", scope="nation"),
        "thr": make_staff("sup-thr", scope="province", province_id=network.provinces[0].id),
        "isf": make_staff("sup-isf", scope="province", province_id=network.provinces[1].id),
        "thr1": make_staff("sup-thr1", scope="district", district_id=network.districts[0].id),
        "op": make_staff("op-1", role="operator", office_id=network.offices[0].id),
    }
    db.session.commit()
    return users


def test_login_required(client, network):
    response = client.get("/dashboard/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_landing_follows_scope(client, staff, login):
    login("sup-thr")
    response = client.get("/dashboard/")
    assert response.status_code == 302 and response.headers["Location"].endswith("/dashboard/province/THR")
    assert client.get("/dashboard/province/THR").status_code == 200


@pytest.mark.parametrize("user, allowed, refused", [
    ("sup-iran", ["/dashboard/", "/dashboard/province/ISF", "/dashboard/district/THR-2"], []),
    ("sup-thr", ["/dashboard/province/THR", "/dashboard/district/THR-2"], ["/dashboard/province/ISF",
                                                                            "/dashboard/district/ISF-1"]),
    ("sup-thr1", ["/dashboard/district/THR-1"], ["/dashboard/province/THR", "/dashboard/district/THR-2"]),
    ("op-1", [], ["/dashboard/province/THR", "/dashboard/complaints"]),
])
def test_scopes(client, staff, login, network, user, allowed, refused):
    login(user)
    for url in allowed:
        assert client.get(url).status_code == 200, url
    for url in refused:
        assert client.get(url).status_code == 403, url
    office_isf = network.offices[3].code
    expected = 200 if user == "sup-iran" else 403
    for suffix in ("", "/heatmap", "/heatmap/week.svg", "/whatif"):
        assert client.get(f"/dashboard/office/{office_isf}{suffix}").status_code == expected, suffix


def test_sorting_is_server_side(client, staff, login):
    login("sup-iran")
    html = client.get("/dashboard/province/THR?period=30&sort=avg_wait&dir=desc&rows=offices").get_data(as_text=True)
    assert 'aria-sort="descending"' in html
    rows = _csv(client.get("/dashboard/province/THR?period=30&sort=avg_wait&dir=desc&rows=offices&format=csv"))
    waits = [float(r["avg_wait"]) for r in rows if r["level"] == "office" and r["avg_wait"]]
    assert len(waits) == 3 and waits == sorted(waits, reverse=True)


def _csv(response) -> list[dict[str, str]]:
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))


def test_csv_export_of_every_table(client, staff, login, network):
    login("sup-iran")
    rows = _csv(client.get("/dashboard/?period=7&format=csv"))
    assert [r["code"] for r in rows] == ["ISF", "THR", "IR"]  # children sorted by Persian name, then the total
    assert rows[-1]["level"] == "nation" and int(float(rows[-1]["arrivals"])) > 0
    ranked = _csv(client.get("/dashboard/?period=30&rank=avg_wait&format=csv"))
    assert {r["group"] for r in ranked} == {"highest", "lowest"}
    assert all(r["level"] == "office" for r in ranked)
    plan = _csv(client.get(f"/dashboard/office/{network.offices[0].code}/whatif?change=add&format=csv"))
    assert plan and {"hour", "counters_needed", "mean_wait_changed"} <= set(plan[0])
    assert _csv(client.get("/dashboard/complaints?format=csv")) == []


def test_top_and_bottom_in_one_click(client, staff, login, network):
    login("sup-thr")
    html = client.get("/dashboard/province/THR?period=30&rank=avg_wait").get_data(as_text=True)
    assert "extremes-table" in html
    for office in network.offices[:3]:
        assert office.name_fa in html
    assert network.offices[3].name_fa not in html  # Isfahan is outside the scope


@pytest.mark.parametrize("url, status", [
    ("/dashboard/?period=365", 400),
    ("/dashboard/?sort=password", 400),
    ("/dashboard/?dir=sideways", 400),
    ("/dashboard/?rank=nothing", 400),
    ("/dashboard/province/XXX", 404),
    ("/dashboard/office/nope/whatif", 404),
    ("/dashboard/province/THR/heatmap?metric=temperature", 400),
    ("/dashboard/province/THR/heatmap?day=yesterday", 400),
])
def test_bad_input_is_a_clear_4xx(client, staff, login, url, status):
    login("sup-iran")
    response = client.get(url)
    assert response.status_code == status
    html = response.get_data(as_text=True)
    assert "lang=\"fa\"" in html and ("نیست" in html or "یافت" in html or status == 404), html[:400]


def test_what_if_bad_input(client, staff, login, network):
    login("sup-iran")
    code = network.offices[0].code
    assert client.get(f"/dashboard/office/{code}/whatif?target=abc").status_code == 400
    assert client.get(f"/dashboard/office/{code}/whatif?share=100").status_code == 400
    assert client.get(f"/dashboard/office/{code}/whatif?change=fire").status_code == 400
    assert client.get(f"/dashboard/office/{code}/whatif?change=move&from=3&to=9").status_code == 400


def test_what_if_move_between_closed_hours_is_refused_on_a_closed_day(client, staff, login, network, clock):
    from tests.clock import FRIDAY, tehran_moment

    clock(tehran_moment(FRIDAY, 11))
    login("sup-iran")
    code = network.offices[0].code
    assert client.get(f"/dashboard/office/{code}/whatif?change=move&from=3&to=9").status_code == 400
    assert client.get(f"/dashboard/office/{code}/whatif?change=add").status_code == 200


@pytest.mark.parametrize("locale", ["fa", "en"])
def test_heatmaps_are_well_formed_svg(client, staff, login, network, locale):
    login("sup-iran")
    for url in ("/dashboard/nation/heatmap/today.svg", "/dashboard/province/THR/heatmap/week.svg?metric=wait",
                f"/dashboard/office/{network.offices[0].code}/heatmap/week.svg", "/dashboard/nation/heatmap/map.svg",
                "/dashboard/district/THR-1/heatmap/today.svg?metric=wait"):
        response = client.get(f"{url}{'&' if '?' in url else '?'}lang={locale}")
        assert response.status_code == 200 and response.mimetype == "image/svg+xml", url
        root = ET.fromstring(response.data)
        assert root.tag == f"{SVG}svg"
        titles = [t.text for t in root.iter(f"{SVG}title")]
        assert len(titles) > 3, url  # the picture's title and a tooltip per cell or dot
        texts = " ".join(t.text or "" for t in root.iter(f"{SVG}text"))
        if locale == "fa":
            assert any("\u06f0" <= ch <= "\u06f9" for ch in texts), url  # Persian digits
    week = ET.fromstring(client.get(f"/dashboard/province/THR/heatmap/week.svg?lang={locale}").data)
    labels = ["".join(t.itertext()) for t in week.iter(f"{SVG}text")]
    first, last = ("شنبه", "جمعه") if locale == "fa" else ("Saturday", "Friday")
    assert any(label.endswith(first) for label in labels) and any(label.endswith(last) for label in labels)


def test_heatmap_page_embeds_svg_without_script(client, staff, login):
    login("sup-thr")
    html = client.get("/dashboard/province/THR/heatmap").get_data(as_text=True)
    scripts = re.findall(r"<script[^>]*>", html)
    assert html.count("<svg") == 3 and scripts and all(" src=" in tag for tag in scripts)  # no inline script


def test_what_if_adding_a_counter_cuts_the_wait(client, staff, login, network):
    from offices.models import Office
    from offices.whatif import plan

    office = db.session.get(Office, network.offices[0].id)
    before = plan(office, network.now.date(), change="none")
    after = plan(office, network.now.date(), change="add")
    assert before.hours and [h.changed for h in after.hours] == [h.actual + 1 for h in before.hours]
    s0, s1 = before.summary(), after.summary()
    assert s1["wait_changed"] <= s0["wait_actual"]
    assert all(h.needed >= 0 for h in before.hours)
    moved = plan(office, network.now.date(), change="move")
    assert sum(h.changed for h in moved.hours) == pytest.approx(sum(h.actual for h in moved.hours))
    login("sup-iran")
    html = client.get(f"/dashboard/office/{office.code}/whatif?change=add").get_data(as_text=True)
    assert 'id="wait-changed"' in html


def test_complaint_journey(client, staff, login, network):
    office = network.offices[0]
    form = client.get(f"/complaints/new?office={office.code}")
    assert form.status_code == 200
    bad = client.post("/complaints/new", data={"office": "999999", "text": "Nobody answered the phone today."})
    assert bad.status_code == 422
    response = client.post("/complaints/new", data={"office": office.code, "text": "The counter closed early today.",
                                                     "contact": "09120000000"})
    assert response.status_code == 302
    status_url = response.headers["Location"].split("?")[0]
    code = status_url.rsplit("/", 1)[1]
    assert code.startswith("C-")
    assert "جدید" in client.get(status_url).get_data(as_text=True)
    assert client.get("/complaints/C-NOTAREAL").status_code == 404
    # the Isfahan supervisor neither lists nor opens it; the Tehran one answers it
    login("sup-isf")
    assert code not in client.get("/dashboard/complaints").get_data(as_text=True)
    assert client.get(f"/dashboard/complaints/{code}").status_code == 403
    client.post("/logout")
    login("sup-thr")
    assert code in client.get("/dashboard/complaints?status=new").get_data(as_text=True)
    assert client.post(f"/dashboard/complaints/{code}", data={"status": "resolved", "answer": ""}).status_code == 422
    saved = client.post(f"/dashboard/complaints/{code}", data={"status": "resolved",
                                                               "answer": "The counter hours were corrected."})
    assert saved.status_code == 302
    page = client.get(f"/complaints/{code.lower()}").get_data(as_text=True)
    assert "The counter hours were corrected." in page
    lookup = client.get(f"/complaints/status?code={code[2:].lower()}")
    assert lookup.status_code == 302 and lookup.headers["Location"].endswith(code)


def test_english_page(client, staff, login):
    login("sup-iran")
    html = client.get("/dashboard/?lang=en&period=7").get_data(as_text=True)
    assert 'dir="ltr"' in html and "Average wait (min)" in html and "Tehran" in html


@pytest.mark.parametrize("typed, stored", [("czd8zmwk", "C-CZD8ZMWK"), ("CCZD8ZMWK", "C-CZD8ZMWK"),
                                           ("c-czd8zmwk", "C-CZD8ZMWK"), ("۷kq2m9xa", "C-7KQ2M9XA"),
                                           ("c7kq2m9xa", "C-7KQ2M9XA")])
def test_complaint_codes_as_typed(typed: str, stored: str) -> None:
    from offices.dashboard.complaints import normalise_code

    assert normalise_code(typed) == stored


def test_office_heatmap_of_a_quiet_day_says_so(client, staff, login, network, make_office):
    import datetime as dt

    login("sup-iran")
    quiet = (network.now - dt.timedelta(days=30)).date().isoformat()  # before the history
    root = ET.fromstring(client.get(f"/dashboard/nation/heatmap/today.svg?day={quiet}&lang=en").data)
    texts = ["".join(t.itertext()) for t in root.iter(f"{SVG}text")]
    assert len(texts) == 2 and texts[1] == "No office here recorded a visit on that day."  # title, sentence
    # A day with data lists only offices that had visits: an office without history is not a row.
    make_office(district=network.districts[0], name_en="Idle office", name_fa="دفتر بی‌صف")
    db.session.commit()
    svg = client.get(f"/dashboard/nation/heatmap/today.svg?day={network.now.date().isoformat()}&lang=en").data
    assert b"Idle office" not in svg and svg.count(b"<rect") > 10


@pytest.mark.parametrize("top", [0.0, 0.3, 1.2, 2.0, 3.7, 4.9, 7.0, 12.0, 48.0, 130.0, 999.0])
def test_heatmap_legend_bins_never_read_the_same_at_both_ends(top):
    from offices.heatmaps import _breaks, _num

    for digits in (0, 1):
        steps = _breaks([0.0, top], digits=digits)
        labels = [_num(step, "fa", digits) for step in steps]
        assert len(set(labels)) == 4 and steps == sorted(steps), (top, digits, labels)
        assert steps[-1] >= 0.6 * top  # the classes cover the data, the top class open above the last step


def test_what_if_opens_on_the_next_working_day(client, staff, login, network, clock):
    from booking.dates import iran_weekday, to_tehran
    from offices.whatif import planning_day
    from tests.clock import FRIDAY, THURSDAY, TUESDAY, tehran_moment

    office = network.offices[0]
    assert iran_weekday(planning_day(office, tehran_moment(FRIDAY, 11))) == 0  # Friday: Saturday
    assert iran_weekday(planning_day(office, tehran_moment(THURSDAY, 15))) == 0  # after the half day: Saturday
    assert planning_day(office, tehran_moment(TUESDAY, 9)) == to_tehran(tehran_moment(TUESDAY, 9)).date()
    clock(tehran_moment(FRIDAY, 11))
    login("sup-iran")
    html = client.get(f"/dashboard/office/{office.code}/whatif?lang=en").get_data(as_text=True)
    assert "closed on this day" not in html and 'id="whatif-table"' in html and "Saturday" in html


def test_what_if_gives_a_figure_for_a_day_beyond_capacity(app, make_office):
    import math

    from offices.whatif import _waits
    from queueing import OfficeModel

    model = OfficeModel(counters=2, service_mean=10.0)
    # Two counters serve 12 an hour; 20 come each hour for two hours, then 4 an hour.
    lam = np.array([20.0, 20.0, 4.0, 4.0, 4.0]) / 60.0
    mean, within = _waits(model, lam, np.full(5, 2.0), target=20.0)
    assert np.all(np.isfinite(mean)) and np.all((within >= 0) & (within <= 1))
    # The line grows by 8 an hour to 16, then falls by 8 an hour; a wait is the line ahead over the capacity.
    assert mean[:4] == pytest.approx([(0 + 8) / 2 / 12 * 60, (8 + 16) / 2 / 12 * 60, (16 + 8) / 2 / 12 * 60,
                                      (8 + 0) / 2 / 12 * 60], rel=0.01)
    assert mean[4] < mean[3]  # the line is gone: the hour's own steady wait
    assert within[1] == within[2] == 0.0 and within[3] == pytest.approx(0.5, abs=0.05) and within[4] > within[3]
    # An hour the counters keep up with and no line left is the engine's steady state.
    steady = model.steady(np.array([4.0 / 60.0]), np.array([2.0]))
    quiet, _ = _waits(model, np.array([4.0 / 60.0]), np.array([2.0]), target=20.0)
    assert quiet[0] == pytest.approx(float(np.asarray(steady.mean_wait).ravel()[0]))
    # Nobody at a counter while people come: they wait for the next hour with a counter (half an hour on
    # average, then the line ahead at that hour's capacity); with none later that day, no figure.
    gap, share = _waits(model, np.array([10.0, 0.0]) / 60.0, np.array([0.0, 2.0]), target=20.0)
    assert gap[0] == pytest.approx(30.0 + 5.0 / 12.0 * 60.0) and share[0] == 0.0
    none, share = _waits(model, np.array([10.0 / 60.0]), np.array([0.0]), target=20.0)
    assert math.isinf(none[0]) and share[0] == 0.0


def test_complaints_search_and_filter_by_office_and_status(client, staff, login, network):
    from offices.dashboard.complaints import file_complaint

    first, second = network.offices[0], network.offices[1]
    a = file_complaint(first, "The counter closed early; 100% of us waited.")
    b = file_complaint(second, "Nobody answered the phone.")
    c = file_complaint(second, "The printer was broken all morning.")
    c.status = "resolved"
    db.session.commit()
    login("sup-iran")

    def codes(query: str) -> set[str]:
        html = client.get(f"/dashboard/complaints?{query}").get_data(as_text=True)
        return {x.public_code for x in (a, b, c) if x.public_code in html}

    assert codes("") == {a.public_code, b.public_code, c.public_code}
    assert codes(f"office={second.code}") == {b.public_code, c.public_code}
    assert codes(f"office={second.code}&status=new") == {b.public_code}
    assert codes("q=printer") == {c.public_code}
    assert codes("q=100%25") == {a.public_code}  # a percent sign is a character, not a wildcard
    assert codes("q=_") == set()
    assert codes(f"q={b.public_code[2:].lower()}") == {b.public_code}
    assert codes("office=" + "x" * 500) == set()
    rows = _csv(client.get(f"/dashboard/complaints?office={second.code}&format=csv"))
    assert sorted(r["code"] for r in rows) == sorted([b.public_code, c.public_code])


def test_english_pages_write_percent_with_latin_digits(client, staff, login, network):
    login("sup-iran")
    code = network.offices[0].code
    english = client.get(f"/dashboard/office/{code}/whatif?lang=en").get_data(as_text=True)
    assert "%" in english and "٪" not in english and not any("\u06f0" <= ch <= "\u06f9" for ch in english)
    from flask_babel import refresh

    refresh()  # the test's application context keeps the locale of the previous request
    persian = client.get(f"/dashboard/office/{code}/whatif?lang=fa").get_data(as_text=True)
    assert "٪" in persian
