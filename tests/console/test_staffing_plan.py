"""A day's staffing plan: the office announces the counters it will staff; the forecast of that day follows."""
from __future__ import annotations

import datetime as dt

import pytest

from booking.dates import jalali_date, persian_digits, tehran_to_utc, to_tehran
from booking.extensions import db
from offices import staffing_plan
from offices.forecast import forecast_wait
from offices.models import CounterPlan, OfficeEstimate


def _day(now: dt.datetime, days: int) -> dt.date:
    return to_tehran(now).date() + dt.timedelta(days=days)


def test_a_plan_is_kept_replaced_and_withdrawn(app, working_day, make_office):
    office = make_office(counters=5)
    tomorrow = _day(working_day, 1)
    staffing_plan.set_counter_plan(office, tomorrow, 3)
    staffing_plan.set_counter_plan(office, tomorrow, 2)  # the same day again: replaced, not added
    staffing_plan.set_counter_plan(office, _day(working_day, 6), 4)
    assert [(p.day, p.counters) for p in staffing_plan.upcoming_plans(office)] == \
        [(tomorrow, 2), (_day(working_day, 6), 4)]
    assert staffing_plan.clear_counter_plan(office, tomorrow) is True
    assert staffing_plan.clear_counter_plan(office, tomorrow) is False
    assert [p.day for p in staffing_plan.upcoming_plans(office)] == [_day(working_day, 6)]


@pytest.mark.parametrize("days,counters,words", [
    (-1, 3, "گذشته"),                     # a day gone by
    (61, 3, "۶۰ روز"),                    # too far ahead
    (1, 0, "۱ تا ۵"),                      # no counter: that is a closure
    (1, 6, "۱ تا ۵"),                      # more than installed
])
def test_a_plan_out_of_bounds_is_refused_in_the_users_words(app, working_day, make_office, days, counters, words):
    office = make_office(counters=5)
    with pytest.raises(staffing_plan.PlanError) as refused:
        staffing_plan.set_counter_plan(office, _day(working_day, days), counters)
    assert words in str(refused.value) and refused.value.status == 422
    assert db.session.query(CounterPlan).count() == 0


def test_the_forecast_of_a_planned_day_expects_no_more_counters(app, working_day, make_office):
    office = make_office(counters=4)
    db.session.add(OfficeEstimate(office_id=office.id, service_mean=10.0, service_cv=1.0, no_show=0.1, visits=900,
                                  arrivals_per_hour=[[18.0 if 7 <= h < 15 else 0.0 for h in range(24)]] * 7,
                                  fitted_at=working_day))
    db.session.flush()
    saturday = _day(working_day, 4)
    at_ten = tehran_to_utc(dt.datetime.combine(saturday, dt.time(10)))
    usual = forecast_wait(office.id, at_ten, now=working_day)
    staffing_plan.set_counter_plan(office, saturday, 2)
    db.session.commit()  # the office's profile kept in this process is read again
    planned = forecast_wait(office.id, at_ten, now=working_day)
    sunday = forecast_wait(office.id, at_ten + dt.timedelta(days=1), now=working_day)
    assert (usual.counters, planned.counters, sunday.counters) == (4, 2, 4)
    assert planned.mean > usual.mean + 5.0


def test_an_operator_plans_from_the_console(app, client, login, working_day, make_office, make_user):
    office, other = make_office(counters=5), make_office(counters=3)
    login(make_user("operator", office=office))
    page = client.get(f"/console/{office.code}").get_data(as_text=True)
    assert "باجه‌های دایر در روزهای آینده" in page
    saturday = _day(working_day, 4)
    written = persian_digits(jalali_date(saturday, "en"))  # as a Persian keyboard types it
    done = client.post(f"/console/{office.code}/staffing", data={"day": written, "counters": "۳"},
                       follow_redirects=True)
    text = done.get_data(as_text=True)
    assert done.status_code == 200 and "با ۳ باجه حساب می‌شود" in text and jalali_date(saturday, "fa") in text
    assert db.session.get(CounterPlan, (office.id, saturday)).counters == 3
    assert "۳ باجه" in client.get(f"/console/{office.code}").get_data(as_text=True)  # listed with a withdraw button
    # Bad input: the reason, the status that fits, nothing stored changed.
    json = {"Accept": "application/json"}
    bad_day = client.post(f"/console/{office.code}/staffing", data={"day": "tomorrow", "counters": "3"}, headers=json)
    assert bad_day.status_code == 400 and "تاریخ نیست" in bad_day.get_json()["message"]
    too_many = client.post(f"/console/{office.code}/staffing", data={"day": written, "counters": "9"}, headers=json)
    assert too_many.status_code == 422 and "۱ تا ۵" in too_many.get_json()["message"]
    not_a_number = client.post(f"/console/{office.code}/staffing", data={"day": written, "counters": "three"},
                               headers=json)
    assert not_a_number.status_code == 422 and "۱ تا ۵" in not_a_number.get_json()["message"]
    assert db.session.get(CounterPlan, (office.id, saturday)).counters == 3
    # Another office's plans are not this operator's to make.
    assert client.post(f"/console/{other.code}/staffing", data={"day": written, "counters": "1"}).status_code == 403
    assert db.session.get(CounterPlan, (other.id, saturday)) is None
    withdrawn = client.post(f"/console/{office.code}/staffing", data={"day": saturday.isoformat(), "clear": "1"},
                            headers=json)
    assert withdrawn.status_code == 200 and db.session.get(CounterPlan, (office.id, saturday)) is None
