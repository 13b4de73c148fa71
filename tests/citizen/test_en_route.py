"""Citizens on their way: "I'm going" (API and form), bookings within the hour, and the recommendation
counting them so that it spreads citizens instead of sending everyone to one office."""
from __future__ import annotations

import datetime as dt
from collections import defaultdict

from flask_babel import refresh

from booking import en_route
from booking.dates import utcnow
from booking.extensions import db
from booking.models import Appointment
from tests.citizen.helpers import a_future_slot, national_id

SPOT = (35.7570, 51.4100)


def _offices(make_office, make_service):
    """Four offices around one spot, 0.5 to 2 km away, with one or two counters."""
    service = make_service(code="SANA", typical_minutes=12.0)
    made = [make_office(code=f"T00{k}", services=[service], lat=SPOT[0] + dlat, lon=SPOT[1] + dlon, counters=c)
            for k, (dlat, dlon, c) in enumerate([(0.004, 0.0, 2), (-0.008, 0.0, 2), (0.0, 0.012, 1),
                                                  (0.0, -0.016, 2)], start=1)]
    db.session.commit()
    return made


def test_thirty_citizens_pressing_going_are_spread_and_waits_rise(working_day, client, make_office,
                                                                  make_service) -> None:
    _offices(make_office, make_service)
    sent: dict[str, int] = defaultdict(int)
    seen: dict[str, list[tuple[int, float]]] = defaultdict(list)  # office -> (en route, wait shown), in order
    for _ in range(30):
        rec = client.get(f"/api/recommend?lat={SPOT[0]}&lon={SPOT[1]}&service=SANA&lang=en").get_json()
        for s in rec["offices"]:
            assert s["en_route"] == sent[s["office"]["code"]]
            seen[s["office"]["code"]].append((s["en_route"], s["wait_mean"]))
        first = rec["offices"][0]["office"]["code"]
        answer = client.post(f"/api/offices/{first}/going", json={"lat": SPOT[0], "lon": SPOT[1]})
        assert answer.status_code == 201, answer.get_json()
        sent[first] += 1
        assert answer.get_json()["en_route"] == sent[first]
    assert sum(sent.values()) == 30 and len(sent) > 1, sent
    busiest = max(sent, key=sent.get)
    waits = [wait for _, wait in sorted(seen[busiest])]
    assert all(a <= b for a, b in zip(waits, waits[1:])), seen[busiest]
    assert waits[-1] > waits[0] + 5.0, seen[busiest]
    rec = client.get(f"/api/recommend?lat={SPOT[0]}&lon={SPOT[1]}&service=SANA&lang=en").get_json()
    reasons = [s["reason"] for s in rec["offices"] if s["en_route"] > 1]
    assert reasons and all("people are already on their way" in r for r in reasons), rec
    refresh()  # the test's application context outlives the requests: forget the locale chosen above
    fa = client.get(f"/api/recommend?lat={SPOT[0]}&lon={SPOT[1]}&service=SANA&lang=fa").get_json()
    assert any("در راه" in s["reason"] for s in fa["offices"]), fa


def test_going_api_checks_its_input(client, make_office, make_service) -> None:
    _offices(make_office, make_service)
    assert client.post("/api/offices/NOPE/going", json={"lat": 35.7, "lon": 51.4}).status_code == 404
    assert client.post("/api/offices/T001/going", json={"lat": 135.7, "lon": 51.4}).status_code == 422
    assert client.post("/api/offices/T001/going", data="x").status_code == 422
    body = client.post("/api/offices/T001/going", json={"lat": SPOT[0], "lon": SPOT[1]}).get_json()
    eta = dt.datetime.fromisoformat(body["eta"])
    expires = dt.datetime.fromisoformat(body["expires_at"])
    assert 0 < body["travel_minutes"] < 5 and (expires - eta).total_seconds() == en_route.ALLOWANCE
    assert "/api/offices/{code}/going" in client.get("/api/openapi.json").get_json()["paths"]


def test_presses_of_the_last_hour_give_the_rate_of_citizens_sent(client, make_office, make_service) -> None:
    offices = _offices(make_office, make_service)
    ids = [o.id for o in offices]
    now = utcnow()
    for minutes_ago in (90, 50, 20, 5):
        en_route.record_going(ids[0], offices[0].lat, offices[0].lon, SPOT,
                              now=now - dt.timedelta(minutes=minutes_ago))
    late = en_route.record_going(ids[1], offices[1].lat, offices[1].lon, SPOT, now=now)
    reading = en_route.read_en_route(ids, now)
    # The press of 90 minutes ago no longer counts; the three of the last hour are three an hour.
    assert reading.sent_last_hour == {ids[0]: 3, ids[1]: 1}
    assert reading.sent_rate(ids[0]) == 3 / 60.0 and reading.sent_rate(ids[2]) == 0.0
    en_route.forget(ids[1], late.record)  # changed their mind: not being sent there after all
    reading = en_route.read_en_route(ids, now)
    assert ids[1] not in reading.sent_last_hour
    # The recommendation takes that rate as Safnama's own share of the office's arrivals.
    from booking.finder import _office_state, read_live_loads
    state = _office_state(ids, [o.lat for o in offices], [o.lon for o in offices], now,
                          read_live_loads(ids), reading)
    assert list(state.sent_rate) == [3 / 60.0, 0.0, 0.0, 0.0]
    assert min(state.walkin_rate) >= 0.0


def test_going_form_on_the_pages_counts_a_browser_once(working_day, client, make_office, make_service) -> None:
    offices = _offices(make_office, make_service)
    page = client.get(f"/find?lat={SPOT[0]}&lon={SPOT[1]}&service=SANA&lang=en").get_data(as_text=True)
    assert 'action="/offices/T00' in page and "I'm going" in page and 'name="csrf_token"' in page
    office_page = client.get("/offices/T002?lang=en").get_data(as_text=True)
    assert 'action="/offices/T002/going"' in office_page
    answer = client.post("/offices/T002/going", data={"lat": SPOT[0], "lon": SPOT[1]})
    assert answer.status_code == 302 and "/offices/T002" in answer.headers["Location"]
    assert en_route.en_route_count(offices[1].id) == 1
    client.post("/offices/T002/going", data={"lat": SPOT[0], "lon": SPOT[1]})  # pressed again: replaces
    assert en_route.en_route_count(offices[1].id) == 1
    client.post("/offices/T003/going", data={})  # changed their mind, no position: 20 minutes assumed
    assert en_route.en_route_count(offices[1].id) == 0 and en_route.en_route_count(offices[2].id) == 1
    shown = client.get("/offices/T003?lang=en").get_data(as_text=True)
    assert "1 person is on the way here" in shown and "expects you at about" in shown


def test_records_expire_after_eta_plus_the_reading_allowance(app, make_office, make_service) -> None:
    office = _offices(make_office, make_service)[0]
    now = utcnow()
    going = en_route.record_going(office.id, office.lat, office.lon, SPOT, now=now)
    eta = going.eta.timestamp()
    assert en_route.en_route_etas([office.id], now) == {office.id: [eta]}
    after_eta = going.eta + dt.timedelta(seconds=en_route.ALLOWANCE - 1)
    assert en_route.en_route_etas([office.id], after_eta) == {office.id: [eta]}  # counted, with a negative ETA
    assert en_route.en_route_count(office.id, after_eta) == 0  # but no longer "on their way"
    assert en_route.en_route_etas([office.id], going.expires_at + dt.timedelta(seconds=1)) == {}


def test_a_booking_within_the_hour_is_on_its_way_until_cancelled(app, make_office, make_service) -> None:
    from booking import appointments

    office = _offices(make_office, make_service)[0]
    slot = a_future_slot(office)
    appointment = appointments.book(office, office.services[0], slot, national_id(), "09121112233")
    db.session.commit()
    early = slot.starts_at - dt.timedelta(hours=3)
    en_route.sync_appointment(appointment, now=early)
    assert en_route.en_route_etas([office.id], early) == {}  # too early to count
    soon = slot.starts_at - dt.timedelta(minutes=40)
    en_route.sync_appointment(appointment, now=soon)
    assert en_route.en_route_etas([office.id], soon) == {office.id: [slot.starts_at.timestamp()]}
    appointments.cancel(db.session.get(Appointment, appointment.id), note="test")
    db.session.commit()
    en_route.sync_appointment(appointment, now=soon)
    assert en_route.en_route_etas([office.id], soon) == {}


def test_public_load_kept_in_the_process_follows_every_change(app, client, make_office, make_service) -> None:
    """With the process copy on (as in production), a walk-in shows in the next reads at once."""
    import time

    from booking.finder import _public_load_cache
    from offices.live import refresh_live_load
    from offices.queue_ops import add_walk_in

    office = _offices(make_office, make_service)[0]
    app.config["PUBLIC_LOAD_CACHE"] = True
    cache = _public_load_cache()
    try:
        assert client.get("/api/offices/T001/load").get_json()["waiting"] == 0
        deadline = time.monotonic() + 5
        while not cache.subscribed and time.monotonic() < deadline:
            time.sleep(0.01)
        assert cache.subscribed
        for expected in (1, 2, 3):
            assert client.get("/api/offices/T001/load").get_json()["waiting"] == expected - 1
            # Kept: the next read costs no Redis round trip. A read during which some announcement arrived (the
            # app's own minute job refreshes every office) rightly keeps nothing, so read again until kept.
            deadline = time.monotonic() + 2
            while office.id not in cache:
                assert time.monotonic() < deadline, "no read kept the document"
                assert client.get("/api/offices/T001/load").get_json()["waiting"] == expected - 1
            add_walk_in(office, "SANA", None)
            db.session.commit()
            refresh_live_load(office.id)  # as the console does after each queue action
            deadline = time.monotonic() + 2
            while client.get("/api/offices/T001/load").get_json()["waiting"] != expected:
                assert time.monotonic() < deadline, "the announcement did not drop the kept copy"
                time.sleep(0.005)
    finally:
        cache.stop()


def test_one_address_cannot_flood_the_offices_with_presses(client, make_office, make_service) -> None:
    _offices(make_office, make_service)
    answers = [client.post("/api/offices/T001/going", json={"lat": SPOT[0], "lon": SPOT[1]}).status_code
               for _ in range(61)]
    assert answers[:60] == [201] * 60 and answers[60] == 429


def test_reading_of_the_same_offices_is_kept_for_its_second_only(app, make_office, make_service) -> None:
    """With ``LIVE_READING_TTL`` set (production: 1 s), a web process reuses its reading of the same offices for
    the same second (many citizens nearby ask about the same offices at a peak); a later second reads afresh."""
    from booking import finder

    offices = _offices(make_office, make_service)
    ids = [o.id for o in offices]
    now = utcnow().replace(microsecond=0)
    app.config["LIVE_READING_TTL"] = 60.0
    try:
        first_loads, first = finder._live_and_en_route(ids, now)
        en_route.record_going(offices[0].id, offices[0].lat, offices[0].lon, SPOT, now=now)
        kept_loads, kept = finder._live_and_en_route(ids, now + dt.timedelta(milliseconds=500))
        assert kept is first and kept_loads is first_loads and offices[0].id not in kept.etas
        later = finder._live_and_en_route(ids, now + dt.timedelta(seconds=1))[1]
        assert len(later.etas[offices[0].id]) == 1
        app.config["LIVE_READING_TTL"] = 0.0  # off: every call reads
        assert len(finder._live_and_en_route(ids, now)[1].etas[offices[0].id]) == 1
    finally:
        app.config.pop("LIVE_READING_TTL")
