"""A booked citizen's ticket, live: ``GET /api/tickets/<code>`` and the ticket page that follows it."""
from __future__ import annotations

import datetime as dt

import pytest
from flask_babel import refresh
from playwright.sync_api import expect
from sqlalchemy import event

from booking.dates import utcnow
from booking.extensions import db
from offices import queue_ops
from tests.console.test_queue_ops import make_appointment


@pytest.fixture()
def checked_in(working_day, make_office, make_service):
    """An office with counter 3 open, a walk-in, then a booked citizen checked in (tracking code LIVE2345)."""
    service = make_service(letter="S")
    office = make_office(services=[service], counters=3)
    appointment = make_appointment(office, service, utcnow() + dt.timedelta(minutes=40), code="LIVE2345")
    queue_ops.add_walk_in(office, service.code, None)
    queue_ops.check_in(office, appointment.national_id, None)
    queue_ops.open_counter(office, 3, None)
    db.session.commit()
    return office


def count_queries():
    statements: list[str] = []

    def record(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    return statements, lambda: event.remove(db.engine, "before_cursor_execute", record)


def test_ticket_status_while_waiting_then_called(checked_in, client):
    office = checked_in
    waiting = client.get("/api/tickets/LIVE2345", headers={"Accept-Language": "en"})
    assert waiting.status_code == 200
    assert waiting.headers["Cache-Control"] == "no-store"
    body = waiting.get_json()
    assert body["state"] == "waiting" and body["ticket"] == "S-002" and body["position"] == 1
    assert body["counter"] is None and body["text"]["called"] is None
    assert 0 < body["wait_mean"] <= body["wait_p90"]
    assert body["poll_seconds"] == 5 and not body["finished"]

    queue_ops.call_next(office, 3, None)  # the walk-in
    queue_ops.finish_service(office, db.session.scalar(
        db.select(queue_ops.QueueTicket.id).where(queue_ops.QueueTicket.number == "S-001")), None)
    queue_ops.call_next(office, 3, None)  # the booked citizen
    db.session.commit()
    called = client.get("/api/tickets/LIVE2345", headers={"Accept-Language": "en"}).get_json()
    assert called["state"] == "called" and called["counter"] == 3 and called["position"] is None
    assert called["text"]["called"] == "Your turn: go to counter 3."
    refresh()  # the test's application context outlives the requests: forget the locale chosen above
    persian = client.get("/api/tickets/LIVE2345", headers={"Accept-Language": "fa"}).get_json()
    assert persian["text"]["called"] == "نوبت شماست: به باجه ۳ بروید."
    assert persian["ticket_text"] == "S-۰۰۲"


def test_ticket_status_is_cheap(checked_in, client):
    client.get("/api/tickets/LIVE2345")  # the office's forecast profile is kept by the process
    statements, stop = count_queries()
    try:
        assert client.get("/api/tickets/LIVE2345").get_json()["state"] == "waiting"
    finally:
        stop()
    assert len(statements) <= 3, statements  # the ticket, the line, the appointments still to come


def test_ticket_status_unknown_code_and_finished(checked_in, client):
    missing = client.get("/api/tickets/NOPE0000", headers={"Accept-Language": "fa"})
    assert missing.status_code == 404 and missing.get_json()["code"] == "appointment_not_found"
    office = checked_in
    queue_ops.call_next(office, 3, None)
    walk_in = db.session.scalar(db.select(queue_ops.QueueTicket).where(queue_ops.QueueTicket.number == "S-001"))
    queue_ops.finish_service(office, walk_in.id, None)
    booked = queue_ops.call_next(office, 3, None)
    queue_ops.finish_service(office, booked.id, None)
    db.session.commit()
    served = client.get("/api/tickets/LIVE2345").get_json()
    assert served["state"] == "served" and served["finished"] and served["poll_seconds"] is None


def test_ticket_page_without_script_still_reloads(checked_in, client):
    page = client.get("/ticket/LIVE2345?lang=en").get_data(as_text=True)
    assert '<noscript><meta http-equiv="refresh" content="30"></noscript>' in page
    assert 'data-status-url="/api/tickets/LIVE2345?lang=en"' in page
    assert 'id="ticket-call" aria-live="assertive"' in page


@pytest.mark.browser
def test_ticket_page_shows_the_counter_when_called_without_reload(checked_in, live_server, phone_page):
    office = checked_in
    page = phone_page
    page.goto(f"{live_server}/ticket/LIVE2345")
    assert page.locator("#ticket-position").inner_text() == "۱"
    assert page.locator("#ticket-called").count() == 0
    page.evaluate("window.sameDocument = true")  # gone if the page is reloaded or navigated

    walk_in = queue_ops.call_next(office, 3, None)
    queue_ops.finish_service(office, walk_in.id, None)
    db.session.commit()
    expect(page.locator("#ticket-position")).to_have_text("۰", timeout=8000)  # next in line
    queue_ops.call_next(office, 3, None)
    db.session.commit()
    called_at = dt.datetime.now()
    expect(page.locator("#ticket-called")).to_be_visible(timeout=8000)
    assert (dt.datetime.now() - called_at).total_seconds() < 7
    assert page.locator("#ticket-called").inner_text() == "نوبت شماست: به باجه ۳ بروید."
    assert page.locator("#ticket-position-row").is_hidden()
    assert page.locator("#ticket-state").inner_text() == "فراخوانده شد"
    assert page.evaluate("window.sameDocument") is True
