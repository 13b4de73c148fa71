"""Private pages are never cached, a 405 names the methods allowed, and no server says what it runs."""
from __future__ import annotations

import threading
import urllib.request

from flask import g
from werkzeug.serving import make_server

from booking import appointments
from booking.extensions import db
from booking.security import BannerlessRequestHandler
from tests.citizen.helpers import a_future_slot, national_id
from tests.hardening.conftest import Cast, log_in


def test_staff_ticket_and_my_pages_are_not_stored(app, working_day, cast: Cast):
    office = cast.office_a
    appointment = appointments.book(office, office.services[0], a_future_slot(office), national_id(),
                                    "09121234567")
    db.session.commit()
    citizen = app.test_client()
    staff = log_in(app.test_client(), cast.users["operator_a"])
    supervisor = log_in(app.test_client(), cast.users["national_supervisor"])
    pages = [(citizen, f"/ticket/{appointment.tracking_code}"), (citizen, "/my"),
             (citizen, f"/api/appointments/{appointment.tracking_code}"),
             (staff, f"/console/{office.code}"), (staff, "/console"), (supervisor, "/dashboard/complaints"),
             (citizen, "/login")]
    for client, path in pages:
        g.pop("_login_user", None)  # the tests' requests share one application context: no cached user
        response = client.get(path)
        assert response.status_code in (200, 302), (path, response.status_code)
        assert "no-store" in response.headers.get("Cache-Control", ""), path


def test_public_pages_are_not_marked_private(client):
    assert "no-store" not in client.get("/").headers.get("Cache-Control", "")


def test_405_says_which_methods_are_allowed(client):
    for path, allowed in (("/api/otp", {"POST"}), ("/logout", {"POST"}), ("/api/offices", {"GET", "HEAD"})):
        response = client.open(path, method="PUT")
        assert response.status_code == 405, path
        assert allowed <= {m.strip() for m in response.headers["Allow"].split(",")}, path


def test_the_development_server_names_no_software(app):
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=BannerlessRequestHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{server.server_port}/login", timeout=10) as response:
            banner = response.headers["Server"]
    finally:
        server.shutdown()
        thread.join(timeout=10)
    assert banner == "Safnama"
