"""The console pages: access, actions through HTTP, the lobby display."""
from __future__ import annotations

import datetime as dt
import html

from flask_babel import refresh

from booking.dates import utcnow
from booking.extensions import db
from offices.live import read_live_loads
from tests.console.test_queue_ops import make_appointment


def test_console_needs_login_and_own_office(client, login, make_office, make_service, make_user):
    service = make_service()
    mine, other = make_office(services=[service]), make_office(services=[service])
    assert client.get(f"/console/{mine.code}").status_code == 302  # to the login page
    operator = make_user("operator", office=mine)
    supervisor = make_user("supervisor", scope="nation")
    login(operator)
    assert client.get("/console").headers["Location"].endswith(f"/console/{mine.code}")
    assert client.get(f"/console/{mine.code}").status_code == 200
    assert client.get(f"/console/{other.code}").status_code == 403
    assert client.post(f"/console/{other.code}/walk-in", data={"service": service.code}).status_code == 403
    assert client.post(f"/console/{other.code}/counter-open", data={"counter": 1}).status_code == 403
    client.post("/logout")
    login(supervisor)
    assert client.get(f"/console/{mine.code}").status_code == 403


def test_actions_through_http_change_the_public_load(client, login, make_office, make_service, make_user):
    service = make_service(letter="K")
    office = make_office(services=[service], counters=2)
    appointment = make_appointment(office, service, utcnow() + dt.timedelta(minutes=3), code="QWER2345")
    login(make_user("operator", office=office))
    base = f"/console/{office.code}"
    assert client.post(f"{base}/counter-open", data={"counter": 1}).status_code == 303
    assert client.post(f"{base}/check-in", data={"query": "QWER2345"}).status_code == 303
    for _ in range(2):
        client.post(f"{base}/walk-in", data={"service": service.code})
    assert read_live_loads([office.id])[office.id].waiting == 3
    called = client.post(f"{base}/call", data={"counter": 1}, follow_redirects=True).get_data(as_text=True)
    # Persian digits in a Persian message, the ticket number kept left to right (K-001, not 001-K).
    assert "نوبت \u2066K-۰۰۱\u2069 به باجهٔ ۱ فراخوانده شد." in called
    load = read_live_loads([office.id])[office.id]
    assert (load.waiting, load.in_service) == (2, 1)
    db.session.refresh(appointment)
    page = client.get(base).get_data(as_text=True)
    assert "K-001" in page or "K-۰۰۱" in page
    refresh()  # the test's application context outlives the requests: forget the locale chosen so far
    english = client.post(f"{base}/walk-in?lang=en", data={"service": service.code})
    refresh()
    assert english.status_code == 303
    # The booked citizen is K-001 and the two walk-ins K-002 and K-003; English keeps Latin digits.
    assert "New ticket \u2066K-004\u2069." in client.get(f"{base}?lang=en").get_data(as_text=True)
    refresh()


def test_bad_input_gets_a_clear_4xx(client, login, make_office, make_service, make_user):
    """A script (asking for JSON) gets the status that fits; the page is sent back to the board (303) with
    the reason flashed, so that its address is never the POST's and a reload cannot repeat the action."""
    service = make_service()
    office = make_office(services=[service])
    login(make_user("operator", office=office))
    base = f"/console/{office.code}"
    as_json = {"Accept": "application/json"}
    refused = {
        "check-in": ({"query": "NOPE1234"}, 404), "call": ({"counter": 1}, 422),  # the counter is closed
        "counter-open": ({"counter": 99}, 422), "finish": ({"ticket": "abc"}, 400),
        "walk-in": ({"service": "nope"}, 422), "undo": ({}, 422),
    }
    for action, (data, status) in refused.items():
        answer = client.post(f"{base}/{action}", data=data, headers=as_json)
        assert answer.status_code == status, action
        assert answer.get_json()["ok"] is False and answer.get_json()["message"]
        page = client.post(f"{base}/{action}", data=data)
        assert page.status_code == 303 and page.headers["Location"] == base, action
        board = client.get(base).get_data(as_text=True)
        assert 'class="flash flash-error"' in board and html.escape(answer.get_json()["message"]) in board
    assert client.post(f"{base}/explode").status_code == 404
    assert client.post(f"{base}/my-counter", data={"counter": 7}).headers["Location"] == base


def test_lobby_display_is_public(client, make_office, make_service):
    service = make_service(letter="L")
    office = make_office(services=[service])
    from offices import queue_ops

    queue_ops.add_walk_in(office, service.code, None)
    queue_ops.commit_and_publish(office.id)
    page = client.get(f"/lobby/{office.code}")
    assert page.status_code == 200 and "/static/js/lobby." in page.get_data(as_text=True)
    state = client.get(f"/lobby/{office.code}/state.json").get_json()
    assert state["next"] == ["L-001"] and state["waiting"] == 1
    assert client.get("/lobby/000000/state.json").status_code == 404


def test_closed_or_unstaffed_the_lobby_and_console_say_so_not_a_zero_wait(client, clock, login, make_office,
                                                                        make_service, make_user):
    """On a Friday the lobby screen says when the office opens; inside the hours with no counter open it says no
    counter is open yet; neither shows "0–0 min", which reads as no wait. The console's load strip likewise."""
    from offices import queue_ops
    from offices.live import refresh_live_load
    from tests.clock import FRIDAY, TUESDAY, tehran_moment

    office = make_office(services=[make_service()])
    login(make_user("operator", office=office))
    clock(tehran_moment(FRIDAY, 11, 0))
    refresh_live_load(office.id)
    state = client.get(f"/lobby/{office.code}/state.json").get_json()
    assert state["level"] == "closed" and "باز می‌شود" in state["note"] and "شنبه" in state["note"]
    page = client.get(f"/lobby/{office.code}").get_data(as_text=True)
    assert 'id="wait-row" hidden' in page and "باز می‌شود" in page
    assert "اکنون بسته است" in client.get(f"/console/{office.code}").get_data(as_text=True)

    clock(tehran_moment(TUESDAY, 9, 0))  # open, nobody at a counter yet
    refresh_live_load(office.id)
    state = client.get(f"/lobby/{office.code}/state.json").get_json()
    assert state["level"] == "no_counter" and state["note"] == "هنوز باجه‌ای باز نیست"
    assert "هنوز باجه‌ای باز نیست" in client.get(f"/console/{office.code}").get_data(as_text=True)

    queue_ops.open_counter(office, 1, None)
    queue_ops.commit_and_publish(office.id)
    state = client.get(f"/lobby/{office.code}/state.json").get_json()
    assert state["level"] != "no_counter" and state["note"] == ""
    assert 'id="wait-note" hidden' in client.get(f"/lobby/{office.code}").get_data(as_text=True)
