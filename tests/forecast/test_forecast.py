"""The one forecast (offices.forecast): hours, closed days, counters expected, walk-ins, bookings, live state."""
from __future__ import annotations

import datetime as dt

import pytest

from booking.dates import tehran_to_utc, to_tehran
from booking.extensions import db
from offices.forecast import forecast_wait, forecast_waits
from offices.models import Closure, CounterShift, OfficeEstimate, OfficeHourlyStats, QueueTicket
from tests.clock import FRIDAY, THURSDAY, TUESDAY, tehran_moment


def busy_profile(per_hour: float = 20.0) -> list[list[float]]:
    """Walk-ins per hour by weekday (Saturday first) and hour: ``per_hour`` from 7:00 to 15:00."""
    return [[per_hour if 7 <= h < 15 else 0.0 for h in range(24)] for _ in range(7)]


def fitted(office, per_hour: float = 20.0, service: float = 10.0) -> OfficeEstimate:
    estimate = OfficeEstimate(office_id=office.id, arrivals_per_hour=busy_profile(per_hour), service_mean=service,
                              service_cv=1.0, patience_mean=None, no_show=0.1, visits=1000,
                              fitted_at=dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc))
    db.session.add(estimate)
    db.session.flush()
    return estimate


def same_weekday_history(office, now: dt.datetime, arrivals: int, counters) -> None:
    """The hourly figures of the last four same weekdays, 7:00 to 15:00: ``arrivals`` walk-ins an hour and
    ``counters(hour)`` counters open all that hour."""
    for week in range(1, 5):
        day = to_tehran(now).date() - dt.timedelta(days=7 * week)
        for hour in range(7, 15):
            db.session.add(OfficeHourlyStats(office_id=office.id,
                                             hour_start=tehran_to_utc(dt.datetime.combine(day, dt.time(hour))),
                                             arrivals=arrivals, booked_arrivals=0,
                                             counter_minutes=60.0 * counters(hour)))
    db.session.flush()


def at(moment: dt.datetime, hour: int, minute: int = 0, days: int = 0) -> dt.datetime:
    local = to_tehran(moment).date() + dt.timedelta(days=days)
    return tehran_to_utc(dt.datetime.combine(local, dt.time(hour, minute)))


def test_a_working_day_later_is_longer_than_an_empty_opening(clock, make_office):
    now = clock(tehran_moment(TUESDAY, 7, 0))
    office = make_office(counters=3)
    fitted(office)
    early, late = forecast_waits([(office.id, at(now, 7, 30)), (office.id, at(now, 11, 0))], now=now)
    assert early.is_open and late.is_open and early.opens_at is None
    assert early.mean < 1.0 and early.mean < 0.2 * late.mean  # the first minutes: a few have come, three counters
    assert late.mean > 5.0 and late.p90 > late.p50 >= 0.0
    assert late.source == "opening+estimate+installed"
    assert late.counters == 3


def test_friday_is_closed_and_answers_the_next_opening(clock, make_office):
    now = clock(tehran_moment(FRIDAY, 11))
    office = make_office(counters=3)
    fitted(office)
    got = forecast_wait(office.id, now)
    assert not got.is_open
    opens = to_tehran(got.opens_at)
    assert opens.weekday() == 5 and (opens.hour, opens.minute) == (7, 30)  # Saturday 07:30
    assert got.at == got.opens_at


def test_thursday_afternoon_and_a_closure_move_to_the_next_opening(clock, make_office):
    now = clock(tehran_moment(THURSDAY, 15))
    office = make_office(counters=3)
    saturday = to_tehran(now).date() + dt.timedelta(days=2)
    db.session.add(Closure(office_id=office.id, day=saturday, reason_fa="تعطیل", reason_en="closed"))
    db.session.flush()
    got = forecast_wait(office.id, now)
    assert not got.is_open
    assert to_tehran(got.opens_at).date() == saturday + dt.timedelta(days=1)


def test_before_opening_today_the_wait_is_that_at_opening(clock, make_office):
    now = clock(tehran_moment(TUESDAY, 6, 0))
    office = make_office(counters=3)
    fitted(office)
    got = forecast_wait(office.id, now)
    assert not got.is_open and to_tehran(got.opens_at).time() == dt.time(7, 30)


def test_no_counter_open_yet_uses_the_expected_counters(clock, make_office, make_service):
    now = clock(tehran_moment(TUESDAY, 9, 0))
    office = make_office(counters=2)
    fitted(office)
    service = office.services[0]
    for k in range(8):
        db.session.add(QueueTicket(office_id=office.id, service_type_id=service.id, number=k + 1,
                                   kind="walk_in", arrived_at=now - dt.timedelta(minutes=30 - k)))
    db.session.flush()
    got = forecast_wait(office.id, now)
    assert got.is_open and got.no_counter_open and got.counters_open == 0
    assert got.counters == 2
    assert got.mean > 10.0  # eight people ahead of two counters: never "0 minutes"
    assert got.source.startswith("live+")


def test_the_learned_timetable_and_open_counters_change_the_wait(clock, make_office):
    now = clock(tehran_moment(TUESDAY, 9, 0))
    office = make_office(counters=4)
    fitted(office, per_hour=16.0)
    # The last four Tuesdays: one counter open all day.
    same_weekday_history(office, now, arrivals=16, counters=lambda hour: 1)
    later = at(now, 12)
    one = forecast_wait(office.id, later, now=now, loads={})
    assert one.counters == 1 and one.source.endswith("+shifts")
    # Today four counters are open now: the first hour uses them, the rest the timetable.
    for n in range(4):
        db.session.add(CounterShift(office_id=office.id, counter_no=n + 1, opened_at=now - dt.timedelta(hours=1)))
    db.session.flush()
    soon = forecast_wait(office.id, at(now, 9, 30))
    assert soon.counters == 4 and soon.counters_open == 4 and not soon.no_counter_open


def test_a_shortfall_lasts_the_day_and_the_usual_early_closings_fall_on_open_and_absent_alike(clock, make_office):
    """Six counters usually open until noon, four after it (two usually close early). At 10:00 three are open:
    three are absent today. Until noon three are expected; after it, of the two that usually close, as many
    are expected among the absent as among the open, so two of the three open remain (four times three in six),
    not one (four less the three absent, which counts an absent counter that usually closes early twice)."""
    from types import SimpleNamespace

    now = clock(tehran_moment(TUESDAY, 10, 0))
    office = make_office(counters=6)
    fitted(office, per_hour=24.0)
    same_weekday_history(office, now, arrivals=24, counters=lambda hour: 6 if hour < 12 else 4)
    three_open = {office.id: SimpleNamespace(counters_open=3, waiting=8, in_service=3)}
    moments = [at(now, 11, 0), at(now, 12, 30), at(now, 14, 0)]
    assert [f.counters for f in forecast_waits([(office.id, m) for m in moments], now=now,
                                               loads=three_open)] == [3, 2, 2]
    all_open = {office.id: SimpleNamespace(counters_open=6, waiting=8, in_service=6)}
    assert [f.counters for f in forecast_waits([(office.id, m) for m in moments], now=now,
                                               loads=all_open)] == [6, 4, 4]
    # One absent of six: the usual four after noon less the one absent's share (four times five in six).
    five_open = {office.id: SimpleNamespace(counters_open=5, waiting=8, in_service=5)}
    assert forecast_wait(office.id, at(now, 12, 30), now=now, loads=five_open).counters == 3


def test_bookings_in_between_lengthen_the_wait(clock, make_office):
    from booking.slots import ensure_slots

    now = clock(tehran_moment(TUESDAY, 7, 0))
    office = make_office(counters=2)
    fitted(office, per_hour=8.0)
    target = at(now, 10, 0)
    before = forecast_wait(office.id, target)
    from booking.models import Appointment

    for slot in ensure_slots(office, to_tehran(now).date()):
        if slot.starts_at < target:
            slot.capacity = max(slot.capacity, 4)
            slot.booked = 4
            db.session.add_all(Appointment(tracking_code=f"BK{slot.id:06d}{j}", national_id="0012345679",
                                           mobile="09120000001", office_id=office.id,
                                           service_type_id=office.services[0].id, slot_id=slot.id, status="booked",
                                           created_at=now) for j in range(4))
    db.session.flush()
    after = forecast_wait(office.id, target)
    assert after.mean > before.mean + 5.0


def test_without_any_fit_the_wait_comes_from_history_or_typical_times(clock, make_office):
    now = clock(tehran_moment(TUESDAY, 7, 0))
    office = make_office(counters=1, walkin_reserve=0.9)
    got = forecast_wait(office.id, at(now, 12))
    assert got.source == "opening+typical+installed"
    assert got.mean > 1.0  # one counter, walk-ins filling 80 % of it: not "0 minutes"


def test_a_ticket_eta_and_the_turn_near_sms_come_from_the_forecast(working_day, make_office, make_service):
    from booking.models import SmsMessage
    from booking.tickets import ticket_status
    from offices import jobs, queue_ops
    from tests.console.test_queue_ops import make_appointment

    service = make_service()
    office = make_office(services=[service], counters=2)
    fitted(office)
    queue_ops.open_counter(office, 1, None)
    for _ in range(3):
        queue_ops.add_walk_in(office, service.code, None)
    first = make_appointment(office, service, working_day + dt.timedelta(minutes=2),
                             national_id="0084575948", mobile="09120000002", code="ETA00000")
    appointment = make_appointment(office, service, working_day + dt.timedelta(minutes=3),
                                   national_id="0012345679", mobile="09120000001", code="ETA00001")
    queue_ops.check_in(office, first.tracking_code, None)
    queue_ops.check_in(office, appointment.tracking_code, None)
    db.session.flush()
    status = ticket_status(appointment)
    assert status.position == 1  # booked citizens are called first: one ahead
    expected = forecast_wait(office.id, ahead={office.id: 1})
    assert status.estimated_wait == expected.booked_mean and expected.booked_mean > 2.0
    assert expected.mean >= expected.booked_mean  # a walk-in with one ahead would also wait for later bookings
    jobs.notify_turn_near(office.id)
    body = db.session.query(SmsMessage).filter_by(purpose="turn_near", mobile="09120000001").one().body
    from booking.numbers import persian_digits

    # Persian digits
    assert f"؛ ۱ نفر پیش از شما هستند (حدود {persian_digits(round(expected.booked_mean))} دقیقه)" in body


def test_recommendation_on_a_closed_day(clock, client, make_office, make_service):
    from urllib.parse import quote

    now = clock(tehran_moment(FRIDAY, 11))
    service = make_service(code="SANA")
    near = make_office(code="F001", services=[service], lat=35.757, lon=51.410)
    far = make_office(code="F002", services=[service], lat=35.70, lon=51.30)
    fitted(near)
    db.session.commit()
    rec = client.get("/api/recommend?lat=35.757&lon=51.41&service=SANA&lang=en").get_json()
    assert rec["next_opening"] and [o["office"]["code"] for o in rec["offices"]][0] == "F001"
    # The nearer office is first every time: the hours both are shut do not make the far one near-equal.
    from booking.finder import recommend_offices

    assert {recommend_offices(35.757, 51.41, "SANA").suggestions[0].office.code for _ in range(1500)} == {"F001"}
    first = rec["offices"][0]
    opening = forecast_wait(near.id, now)
    assert not first["open"] and first["opens_at"] == opening.opens_at.isoformat()
    assert first["wait_mean"] == round(opening.mean, 1)
    assert first["reason"].startswith("closed now: opens Saturday ") and "07:30" in first["reason"]
    # Asked for a moment the offices are closed: none is suggested.
    rec = client.get(f"/api/recommend?lat=35.757&lon=51.41&service=SANA&at={quote(now.isoformat())}").get_json()
    assert rec["offices"] == [] and not rec["next_opening"]
    # The office page says when it opens, in Jalali, in Persian.
    from booking.dates import jalali_date

    from flask_babel import refresh

    refresh()  # the test's application context keeps the locale of the previous request
    page = client.get("/offices/F001?lang=fa").get_data(as_text=True)
    assert "closed-note" in page
    assert jalali_date(opening.opens_at, "fa", with_weekday=True) in page
    assert far.code not in page
    # closed: no line and no wait now beside the badge, and nobody asked to say they are on their way
    assert "نفر در صف" not in page and "/offices/F001/going" not in page
    found = client.get("/find?lat=35.757&lon=51.41&service=SANA").get_data(as_text=True)
    assert "next-opening-note" in found and "/going" not in found and "نفر در صف" not in found


def test_the_booked_line_follows_the_offices_late_window(clock, app, make_office):
    """``QUEUE_LATE_GRACE_MINUTES``: where the line is long, a booked citizen not called within the window
    goes back to the walk-ins' line; a shorter window sends more of them there, and the slot's figure says so."""
    from booking.models import Appointment
    from booking.slots import ensure_slots

    now = clock(tehran_moment(TUESDAY, 7, 0))
    office = make_office(counters=3)
    fitted(office, per_hour=8.0)
    for slot in ensure_slots(office, to_tehran(now).date()):
        slot.capacity = slot.booked = 3
        db.session.add_all(Appointment(tracking_code=f"LG{slot.id:06d}{j}", national_id="0012345679",
                                       mobile="09120000001", office_id=office.id,
                                       service_type_id=office.services[0].id, slot_id=slot.id, status="booked",
                                       created_at=now) for j in range(3))
    db.session.flush()
    target = at(now, 11, 0)
    by_window = {}
    for minutes in (15.0, 5.0):
        app.config["QUEUE_LATE_GRACE_MINUTES"] = minutes
        app.extensions.get("safnama.forecast_solved", {}).clear()  # the setting is read at start; so are answers
        by_window[minutes] = forecast_wait(office.id, target, now=now)
    assert by_window[5.0].booked_mean > by_window[15.0].booked_mean + 1.0
    assert by_window[5.0].mean == pytest.approx(by_window[15.0].mean)  # the walk-ins' line is the same


def test_a_booked_citizen_coming_now_waits_for_the_booked_waiting_now(clock, make_office):
    """The office page's booked figure now starts from the live load's booked citizens in their window: with
    six of them waiting ahead, their windows open a good while yet, one booked now waits for seven departures,
    not for a share of the slot; those whose windows close before their turn go back to the common line."""
    from types import SimpleNamespace

    now = clock(tehran_moment(TUESDAY, 10, 0))
    office = make_office(counters=3)
    fitted(office, service=12.0)

    def booked_now(*minutes_left: float):
        closing = [now.timestamp() + 60.0 * m for m in minutes_left]
        busy = SimpleNamespace(waiting=10, in_service=3, counters_open=3, booked_windows_close=closing)
        return forecast_wait(office.id, now, now=now, loads={office.id: busy})

    alone, six, closing = booked_now(), booked_now(*[29.0] * 6), booked_now(*[2.0] * 6)
    # the first counter to free (and a chance of the window closing first), far below a walk-in's wait
    assert 0.9 * 12.0 / 3 <= alone.booked_mean < alone.mean / 2
    assert six.booked_mean > alone.booked_mean + 5 * 12.0 / 3
    assert closing.booked_mean == pytest.approx(alone.booked_mean)  # not called within 2 minutes: behind
    assert six.mean == pytest.approx(alone.mean)  # a walk-in's wait is another matter


def test_the_same_question_is_answered_from_the_kept_solution(clock, app, make_office):
    """The engine's answer for an office's day is kept by everything it depends on: asked again, the same
    figures without solving; another live state (or other bookings, above) is another question."""
    from types import SimpleNamespace

    now = clock(tehran_moment(TUESDAY, 9, 0))
    office = make_office(counters=3)
    fitted(office)
    calm = {office.id: SimpleNamespace(waiting=0, in_service=0, counters_open=3)}
    first = forecast_wait(office.id, at(now, 12), now=now, loads=calm)
    kept = app.extensions["safnama.forecast_solved"]
    assert len(kept) == 1
    (stamp, *_rest), = [entry[1:] for entry in kept.values()]
    assert forecast_wait(office.id, at(now, 12), now=now, loads=calm) == first
    assert [entry[1] for entry in kept.values()] == [stamp]  # not solved again
    crowded = {office.id: SimpleNamespace(waiting=30, in_service=3, counters_open=3)}
    busier = forecast_wait(office.id, at(now, 12), now=now, loads=crowded)
    assert busier.mean > first.mean + 5.0 and len(kept) == 2


def test_threads_asking_the_same_question_together_solve_it_once(clock, app, make_office, monkeypatch):
    """The first pages after the minute turns all ask about the same offices at once: one thread solves, the
    others wait for its answer (solving beside it would only share the CPU and make every page late)."""
    import threading
    import time
    from types import SimpleNamespace

    from offices import forecast as forecast_module

    now = clock(tehran_moment(TUESDAY, 9, 0))
    office = make_office(counters=3)
    fitted(office)
    db.session.commit()
    calm = {office.id: SimpleNamespace(waiting=0, in_service=0, counters_open=3)}
    forecast_wait(office.id, at(now, 11), now=now, loads=calm)  # the office's profile read once, beforehand
    solves = []
    real_wait_at = forecast_module.OfficeModel.wait_at

    def slow_wait_at(self, *args, **kwargs):
        solves.append(threading.get_ident())
        time.sleep(0.3)  # long enough for every thread to ask while the first is solving
        return real_wait_at(self, *args, **kwargs)

    monkeypatch.setattr(forecast_module.OfficeModel, "wait_at", slow_wait_at)
    crowded = {office.id: SimpleNamespace(waiting=12, in_service=3, counters_open=3)}
    answers, errors = [], []

    def ask() -> None:
        try:
            with app.app_context():
                answers.append(forecast_wait(office.id, at(now, 12), now=now, loads=crowded))
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=ask) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert not errors
    assert len(answers) == 4 and all(answer == answers[0] for answer in answers)
    assert answers[0].mean > 5.0
    assert len(solves) == 1
    assert not forecast_module._IN_FLIGHT


def test_bookings_are_kept_seconds_and_dropped_when_this_process_changes_one(clock, app, make_office, monkeypatch):
    """The appointments still to come are kept ``FORECAST_BOOKINGS_TTL`` seconds: a booking written by another
    process (here a statement the session does not track) shows once they expire; an appointment this process
    changes shows at once."""
    import time

    from sqlalchemy import insert

    from booking.models import Appointment
    from booking.slots import ensure_slots

    app.config["FORECAST_BOOKINGS_TTL"] = 60.0
    now = clock(tehran_moment(TUESDAY, 7, 0))
    office = make_office(counters=2)
    fitted(office, per_hour=8.0)
    slots = [s for s in ensure_slots(office, to_tehran(now).date()) if s.starts_at < at(now, 10)]
    db.session.commit()
    target = at(now, 10)
    before = forecast_wait(office.id, target)

    rows = [dict(tracking_code=f"BK{slot.id:06d}{j}", national_id="0012345679", mobile="09120000001",
                 office_id=office.id, service_type_id=office.services[0].id, slot_id=slot.id, status="booked",
                 created_at=now) for slot in slots for j in range(2)]
    db.session.execute(insert(Appointment), rows)
    db.session.commit()
    assert forecast_wait(office.id, target) == before  # kept: not read again yet

    later = time.monotonic() + 61.0
    monkeypatch.setattr("offices.forecast.time.monotonic", lambda: later)
    booked = forecast_wait(office.id, target)
    assert booked.mean > before.mean + 3.0

    for appointment in db.session.scalars(db.select(Appointment)):
        appointment.status = "cancelled"
    db.session.commit()
    assert forecast_wait(office.id, target) == before  # this process's change: read again at once


@pytest.mark.parametrize("seed", range(5))
def test_figures_interpolated_together_are_numpys_one_by_one(seed):
    """The forecast interpolates every point's six figures in one go; each equals ``numpy.interp``'s, bit for
    bit, at horizons inside the grid, on its knots and at its end."""
    import numpy as np

    from offices.forecast import _interpolate

    rng = np.random.default_rng(seed)
    grid = np.concatenate([[0.0], np.cumsum(rng.uniform(1.0, 20.0, size=rng.integers(1, 30)))])
    series = rng.uniform(0.0, 90.0, size=(7, 6, grid.size))
    h = np.concatenate([rng.uniform(0.0, grid[-1], size=5), grid[rng.integers(0, grid.size, size=2)]])
    got = _interpolate(h, grid, series)
    for p in range(h.size):
        assert got[p].tolist() == [float(np.interp(h[p], grid, row)) for row in series[p]]
    one = _interpolate(np.zeros(3), np.zeros(1), series[:3, :, :1])
    assert one.tolist() == series[:3, :, 0].tolist()


@pytest.mark.parametrize("seed", range(5))
def test_counters_read_together_are_counters_at_one_by_one(seed):
    """The forecast reads a run's counters at every horizon at once (``counters_over``); each equals the
    timetable read row by row, before the first row, on row edges, inside rows and after the last."""
    from types import SimpleNamespace

    import numpy as np

    from offices.forecast import _Run

    rng = np.random.default_rng(seed)
    edges = 420.0 + np.concatenate([[0.0], np.cumsum(rng.choice([5.0, 15.0, 60.0, 7.5], size=rng.integers(1, 12)))])
    rows = [(lo, hi, int(rng.integers(0, 7))) for lo, hi in zip(edges, edges[1:])]
    run = SimpleNamespace(_timetable=rows)
    run.counters_over = lambda minutes: _Run.counters_over(run, minutes)
    minutes = np.concatenate([rng.uniform(300.0, 1000.0, size=40), edges])
    def one_by_one(minute):  # the last row starting at or before the minute; the first row's before them all
        count = rows[0][2]
        for lo, _hi, n in rows:
            if lo <= minute:
                count = n
        return float(count)

    assert _Run.counters_over(run, minutes).tolist() == [one_by_one(m) for m in minutes]
    assert [_Run.counters_at(run, m) for m in minutes] == [int(one_by_one(m)) for m in minutes]


def test_fewer_counters_than_expected_at_opening_are_held_a_quarter_hour(clock, make_office):
    """Just after opening one counter of the three expected is open: the forecast holds that one for
    ``LIVE_HOLD_MINUTES`` (more are usually still opening) and then expects the hour's count; counters open at
    or above the hour's count are held to the hour's end."""
    from types import SimpleNamespace

    from offices.forecast import LIVE_HOLD_MINUTES

    now = clock(tehran_moment(TUESDAY, 7, 35))
    office = make_office(counters=3)
    fitted(office)
    later = at(now, 7, 35 + LIVE_HOLD_MINUTES + 5)
    one_open = {office.id: SimpleNamespace(counters_open=1, waiting=2, in_service=1)}
    first, second = forecast_waits([(office.id, now), (office.id, later)], now=now, loads=one_open)
    assert (first.counters, second.counters) == (1, 3)
    four_open = {office.id: SimpleNamespace(counters_open=4, waiting=2, in_service=2)}
    first, second = forecast_waits([(office.id, now), (office.id, later)], now=now, loads=four_open)
    assert (first.counters, second.counters) == (4, 4)


def test_a_day_still_being_booked_is_expected_to_fill_to_its_usual_appointments(clock, make_office):
    """Asked days ahead, a day has few of its appointments yet: each hour is expected to fill to what the office
    usually has then. On the day itself what is booked is what comes."""
    from booking.models import Appointment
    from booking.slots import ensure_slots

    asked_on = clock(tehran_moment(TUESDAY, 10, 0))
    saturday = at(asked_on, 10, 0, days=4)
    office = make_office(counters=3)
    fitted(office, per_hour=16.0).no_show = 0.25
    # The last four Saturdays: 16 arrivals an hour, 6 of them booked (8 appointments an hour at 25% no-show).
    for week in range(1, 5):
        day = to_tehran(saturday).date() - dt.timedelta(days=7 * week)
        for hour in range(7, 15):
            db.session.add(OfficeHourlyStats(office_id=office.id,
                                             hour_start=tehran_to_utc(dt.datetime.combine(day, dt.time(hour))),
                                             arrivals=16, booked_arrivals=6, counter_minutes=180.0))
    db.session.flush()
    days_ahead = forecast_wait(office.id, saturday, now=asked_on)

    on_the_day = clock(at(saturday, 7, 0))  # before opening: nothing live, nothing booked
    empty = forecast_wait(office.id, saturday, now=on_the_day)
    assert empty.source == days_ahead.source == "opening+estimate+shifts"
    assert days_ahead.mean > empty.mean + 3.0 and days_ahead.booked_mean > empty.booked_mean

    # The usual appointments booked: the day itself now shows what was expected days ahead.
    for slot in ensure_slots(office, to_tehran(saturday).date()):
        slot.capacity = max(slot.capacity, 2)
        slot.booked = 2
        db.session.add_all(Appointment(tracking_code=f"US{slot.id:06d}{j}", national_id="0012345679",
                                       mobile="09120000001", office_id=office.id,
                                       service_type_id=office.services[0].id, slot_id=slot.id, status="booked",
                                       created_at=asked_on) for j in range(2))
    db.session.flush()
    booked = forecast_wait(office.id, saturday, now=on_the_day)
    assert booked.mean == pytest.approx(days_ahead.mean, rel=0.25)
    assert booked.mean > empty.mean + 3.0


def test_the_first_hour_follows_how_counters_usually_open(clock, make_office):
    """Counters open one by one after the doors do. With the office's usual opening (one counter at 7:30, three
    from 7:40, four from 8:00) the forecast expects them at those moments, today those usually opening later
    added to the ones open now, instead of holding the one open now for a quarter hour and then the hour's
    count; days ahead it expects the usual opening too."""
    from types import SimpleNamespace

    now = clock(tehran_moment(TUESDAY, 7, 31))
    plain, office = make_office(counters=4), make_office(counters=4)
    ramp = [1, 1, 3, 3, 3, 3, 4, 4, 4, 4, 4, 4]
    fitted(plain, per_hour=16.0)
    fitted(office, per_hour=16.0).opening_counters = [ramp if weekday == 3 else None for weekday in range(7)]
    db.session.flush()
    moments = [now, at(now, 7, 42), at(now, 8, 5), at(now, 8, 40)]
    one_open = {o.id: SimpleNamespace(counters_open=1, waiting=3, in_service=1) for o in (plain, office)}
    held = forecast_waits([(plain.id, m) for m in moments], now=now, loads=one_open)
    assert [f.counters for f in held] == [1, 1, 4, 4]  # the quarter-hour hold from now, then the hour's count
    usual = forecast_waits([(office.id, m) for m in moments], now=now, loads=one_open)
    assert [f.counters for f in usual] == [1, 3, 4, 4]
    assert usual[0].mean < held[0].mean  # more counters soon: the three waiting are called sooner
    two_open = {office.id: SimpleNamespace(counters_open=2, waiting=3, in_service=2)}
    assert forecast_wait(office.id, at(now, 7, 36), now=now, loads=two_open).counters == 2  # not fewer than open
    # At 7:48 one counter is open where three usually are: the two missing (late, or absent) are not expected
    # for a quarter hour, the one usually opening at 8:00 is; after the quarter hour, the usual count.
    late = clock(tehran_moment(TUESDAY, 7, 48))
    short = forecast_waits([(office.id, at(late, 7, 50)), (office.id, at(late, 8, 0)),
                            (office.id, at(late, 8, 5))], now=late, loads=one_open)
    assert [f.counters for f in short] == [1, 2, 4]

    next_week = [at(now, 7, 31, days=7), at(now, 7, 44, days=7), at(now, 8, 1, days=7)]
    assert [f.counters for f in forecast_waits([(office.id, m) for m in next_week], now=now, loads={})] == [1, 3, 4]


def test_a_booked_citizen_is_served_by_the_counters_opening_before_the_next_departure(clock, make_office):
    """At 7:31 one counter is open and busy and one citizen waits; two more counters usually open at 7:35 (at
    another office, at 7:40). A booked citizen coming now is called first by whichever counter frees or opens, so
    they wait about four (nine) minutes, not for the one counter's service (the office that expects its first
    counter alone for a quarter hour tells them that)."""
    from types import SimpleNamespace

    now = clock(tehran_moment(TUESDAY, 7, 31))
    alone, opening, later = make_office(counters=4), make_office(counters=4), make_office(counters=4)
    fitted(alone, per_hour=16.0)
    for office, ramp in ((opening, [1, 3, 3, 3, 3, 3, 4, 4, 4, 4, 4, 4]),
                         (later, [1, 1, 3, 3, 3, 3, 4, 4, 4, 4, 4, 4])):
        fitted(office, per_hour=16.0).opening_counters = [ramp if weekday == 3 else None for weekday in range(7)]
    db.session.flush()
    loads = {o.id: SimpleNamespace(counters_open=1, waiting=1, in_service=1) for o in (alone, opening, later)}
    held, soon, then = forecast_waits([(alone.id, now), (opening.id, now), (later.id, now)], now=now, loads=loads)
    assert soon.booked_mean < 0.5 * held.booked_mean
    assert soon.booked_p90 < held.booked_p90
    assert soon.booked_mean < soon.mean  # the walk-in still waits behind the one ahead and the bookings
    assert soon.booked_mean < then.booked_mean < held.booked_mean  # nine minutes away: before the service ends


def test_the_first_slot_waits_with_those_who_come_as_the_doors_open(clock, make_office):
    """The engine starts a day from the moment before anyone comes in, every counter free. But the first slot's
    booked citizens come as the doors open (they cannot come earlier), with the first walk-ins, and the counters
    open one by one after the doors: a citizen booked at the opening is told the wait of the first minutes, not
    0 (the first slot was told 0 where its citizens waited up to 5 minutes, up to 70 with twice the bookings)."""
    from booking.models import Appointment
    from booking.slots import ensure_slots

    now = clock(tehran_moment(TUESDAY, 12, 0))
    office = make_office(counters=3)
    fitted(office, per_hour=16.0).opening_counters = [[1, 3] + [3] * 10 if weekday == 4 else None
                                                      for weekday in range(7)]
    tomorrow = to_tehran(now).date() + dt.timedelta(days=1)
    first = ensure_slots(office, tomorrow)[0]
    assert to_tehran(first.starts_at).time() == dt.time(7, 30)
    first.capacity, first.booked = 6, 6
    db.session.add_all(Appointment(tracking_code=f"FS{j:08d}", national_id="0012345679", mobile="09120000001",
                                   office_id=office.id, service_type_id=office.services[0].id, slot_id=first.id,
                                   status="booked", created_at=now) for j in range(6))
    db.session.flush()
    doors, soon = forecast_waits([(office.id, first.starts_at), (office.id, at(now, 7, 35, days=1))], now=now)
    assert doors.is_open and doors.booked_mean > 1.0 and doors.booked_p90 > doors.booked_mean
    assert doors.mean >= soon.mean and doors.booked_mean >= soon.booked_mean and doors.booked_p90 >= soon.booked_p90
    # The next morning before the doors open: the same for who comes then, but a ticket already first in line
    # keeps its own place (a counter opens for it at 7:30), whoever comes after it.
    early = clock(tehran_moment(4, 7, 0))
    assert to_tehran(early).date() == tomorrow
    coming, first_in_line = (forecast_wait(office.id, early, now=early),
                             forecast_wait(office.id, early, now=early, ahead={office.id: 0}))
    assert coming.booked_mean > 1.0 and first_in_line.mean < 0.5
    # In the opening minute, with nobody in yet, the live page says what it said before the doors opened.
    opening = clock(tehran_moment(4, 7, 30))
    now_open = forecast_wait(office.id, opening, now=opening)
    assert now_open.is_open and (now_open.mean, now_open.booked_mean) == pytest.approx((coming.mean,
                                                                                      coming.booked_mean))


def test_a_moment_asked_alone_is_told_what_the_whole_day_tells_it(clock, make_office):
    """Each booking comes around its slot (the engine's 5-minute jitter), so the bookings just after a moment
    weigh on it: a moment asked alone (solved at two horizons) is given them too, and is told what the slot
    list, solved over the whole day, tells it."""
    from booking.models import Appointment
    from booking.slots import ensure_slots

    now = clock(tehran_moment(TUESDAY, 12, 0))
    office = make_office(counters=2)
    fitted(office, per_hour=12.0)
    tomorrow = to_tehran(now).date() + dt.timedelta(days=1)
    slots = ensure_slots(office, tomorrow)[:4]
    for slot in slots:
        slot.capacity, slot.booked = 4, 4
        db.session.add_all(Appointment(tracking_code=f"AL{slot.id:05d}{j}", national_id="0012345679",
                                       mobile="09120000001", office_id=office.id,
                                       service_type_id=office.services[0].id, slot_id=slot.id, status="booked",
                                       created_at=now) for j in range(4))
    db.session.flush()
    moment = slots[0].starts_at
    alone = forecast_wait(office.id, moment, now=now)
    with_the_day = forecast_waits([(office.id, moment), (office.id, at(now, 13, 0, days=1))], now=now)[0]
    assert alone.booked_mean > 1.0
    assert (alone.mean, alone.booked_mean, alone.booked_p90) == pytest.approx(
        (with_the_day.mean, with_the_day.booked_mean, with_the_day.booked_p90), abs=1e-3)


def test_the_usual_opening_is_learned_from_the_shifts():
    """The estimate's opening ramp: the counters open at each 5 minutes of the first hour, averaged over the
    days of each weekday on which a counter opened; weekdays without shifts are unknown."""
    from offices.estimates import opening_ramp

    saturday = dt.date(2026, 12, 5)  # day 0 of the log
    # Two Saturdays (days 0 and 7), opening at 7:30 (minute 450): counters at 7:30, 7:32, 7:42 and 8:01, the
    # last closed again at 8:10 on the second day.
    shifts = []
    for day, last_close in ((0, 900.0), (7, 490.0)):
        base = 1440.0 * day
        shifts += [(base + 450.0, base + 870.0), (base + 452.0, base + 870.0), (base + 462.0, base + 870.0),
                   (base + 481.0, base + last_close)]
    ramp = opening_ramp(shifts, saturday, {0: 450, 1: 450})
    assert ramp[1:] == [None] * 6
    # Each step's mean over its 5 minutes: the counter opened at 7:32 counts 3/5 in the first.
    assert ramp[0] == [1.6, 2.0, 2.6, 3.0, 3.0, 3.0, 3.8, 4.0, 3.5, 3.5, 3.5, 3.5]


def test_a_citizen_at_the_doors_waits_for_a_counter_to_open(clock, make_office):
    """Four counters usually open over the first minutes (one on average over the first five, four over the
    next): one booked at the opening, alone, is called as the first opens, not at once; a walk-in at the doors
    goes after the booked who came early; today, once a counter is open, nobody waits for the doors."""
    from types import SimpleNamespace

    from booking.models import Appointment
    from booking.slots import ensure_slots
    from queueing.doors import door_wait

    now = clock(tehran_moment(TUESDAY, 12, 0))
    office = make_office(counters=4)
    estimate = fitted(office, per_hour=4.0)
    estimate.opening_counters = [[1, 4] + [4] * 10 if weekday == 4 else None for weekday in range(7)]
    tomorrow = to_tehran(now).date() + dt.timedelta(days=1)
    first = ensure_slots(office, tomorrow)[0]
    first.booked = 1
    db.session.add(Appointment(tracking_code="FD00000001", national_id="0012345679", mobile="09120000001",
                               office_id=office.id, service_type_id=office.services[0].id, slot_id=first.id,
                               status="booked", created_at=now))
    db.session.flush()
    doors, soon = forecast_waits([(office.id, first.starts_at), (office.id, at(now, 7, 35, days=1))], now=now)
    # The four open uniformly over 7.5 minutes (one open on average over the first five): the first after 1.5.
    alone = door_wait(0.0, 4, 7.5, 10.0)
    assert doors.booked_mean == pytest.approx(float(alone[0])) and doors.booked_p90 == pytest.approx(float(alone[2]))
    assert 1.0 < doors.booked_mean < soon.booked_mean + 3.0 and doors.booked_p90 > 3.0
    assert soon.booked_mean < 0.5  # five minutes later the counters are open and free
    assert doors.mean > doors.booked_mean  # behind the booked who came early
    # Without the counters' opening known the doors wait for nothing more than five minutes later.
    estimate.opening_counters = None
    db.session.flush()
    from offices.forecast import forget_profiles

    forget_profiles([office.id])
    plain = forecast_wait(office.id, first.starts_at, now=now)
    assert plain.booked_mean == pytest.approx(soon.booked_mean, abs=0.3) and plain.booked_mean < 0.5
    # Today at the opening with a counter open, nobody is in yet: no wait for the doors.
    estimate.opening_counters = [[1, 4] + [4] * 10 if weekday == 4 else None for weekday in range(7)]
    db.session.flush()
    forget_profiles([office.id])
    opening = clock(tehran_moment(4, 7, 30))
    live = {office.id: SimpleNamespace(waiting=0, in_service=0, counters_open=1)}
    assert forecast_wait(office.id, opening, now=opening, loads=live).booked_mean < 0.5
