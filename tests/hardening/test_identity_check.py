"""Defect 2 (part): the national ID was never tied to the mobile, so one person booked under made-up IDs.

With an identity check configured (``IDENTITY_CHECK=demo|http``) a mobile that is not the national ID's is
refused before a code is sent and at booking; when the check cannot be made, booking is refused with 503
(fail-closed). The ``http`` backend is tried against a real HTTP server started here.
"""
from __future__ import annotations

import http.server
import json
import re
import threading
import time
from collections.abc import Iterator

import pytest
from sqlalchemy import func, select

from booking import identity_check, slots
from booking.config import ConfigError, load_config
from booking.extensions import db
from booking.models import Appointment, SmsMessage
from tests.citizen.helpers import future_open_day, national_id
from tests.hardening.servers import free_port

OWNER = national_id()
OWNER_MOBILE = "09121234567"
OTHER = national_id()
TOKEN = "registry-token"


class _Registry(http.server.ThreadingHTTPServer):
    """A registry of who owns which mobile: ``/check`` answers ``{"match": …}``; ``/slow`` answers after 2 s;
    ``/broken`` answers 500; ``/odd`` answers 200 without ``match``. Every request it got is kept."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _RegistryHandler)
        self.owners = {OWNER: OWNER_MOBILE}
        self.received: list[tuple[str, dict, str]] = []


class _RegistryHandler(http.server.BaseHTTPRequestHandler):
    server: _Registry

    def do_POST(self) -> None:  # noqa: N802 (the standard library's name)
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.server.received.append((self.path, body, self.headers.get("Authorization", "")))
        if self.path == "/slow":
            time.sleep(2)
        if self.path == "/broken":
            self.send_response(500)
            self.end_headers()
            return
        answer = {"match": self.server.owners.get(body["national_id"]) == body["mobile"]}
        data = json.dumps({"ok": True} if self.path == "/odd" else answer).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args) -> None:
        return None


@pytest.fixture()
def registry() -> Iterator[_Registry]:
    server = _Registry()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join(5)


def _url(server: _Registry, path: str = "/check") -> str:
    return f"http://127.0.0.1:{server.server_address[1]}{path}"


def _use(app, **settings) -> None:
    """Configure the application's identity check (built again on its next use)."""
    app.config.update(settings)
    app.extensions.pop("safnama_identity_check", None)


def _code(mobile: str) -> str:
    body = db.session.scalar(select(SmsMessage.body).where(SmsMessage.mobile == mobile, SmsMessage.purpose == "otp")
                             .order_by(SmsMessage.id.desc()))
    return re.search(r"([0-9]{6})", body).group(1)


# ------------------------------------------------------------------------------------------ backends

def test_http_backend_asks_the_registry(registry):
    check = identity_check.HttpCheck(_url(registry), TOKEN, timeout=1)
    assert check.check(OWNER, OWNER_MOBILE) == identity_check.MATCH
    assert check.check(OTHER, OWNER_MOBILE) == identity_check.MISMATCH
    assert registry.received[0] == ("/check", {"national_id": OWNER, "mobile": OWNER_MOBILE}, f"Bearer {TOKEN}")


def test_http_backend_is_unavailable_on_timeout_error_odd_answer_or_no_server(registry):
    started = time.monotonic()
    assert identity_check.HttpCheck(_url(registry, "/slow"), timeout=0.3).check(OWNER, OWNER_MOBILE) == \
        identity_check.UNAVAILABLE
    assert time.monotonic() - started < 1.5  # the short timeout, not the server's 2 s
    assert identity_check.HttpCheck(_url(registry, "/broken")).check(OWNER, OWNER_MOBILE) == identity_check.UNAVAILABLE
    assert identity_check.HttpCheck(_url(registry, "/odd")).check(OWNER, OWNER_MOBILE) == identity_check.UNAVAILABLE
    nobody = f"http://127.0.0.1:{free_port()}/check"
    assert identity_check.HttpCheck(nobody).check(OWNER, OWNER_MOBILE) == identity_check.UNAVAILABLE


def test_demo_population_pairs_each_national_id_with_one_mobile():
    check = identity_check.DemoPopulation()
    assert identity_check.demo_mobile("0499370899") == "09049937089"
    assert check.check("0499370899", "09049937089") == identity_check.MATCH
    assert check.check("0499370899", OWNER_MOBILE) == identity_check.MISMATCH
    assert check.check(OWNER, identity_check.demo_mobile(OTHER)) == identity_check.MISMATCH


def test_configuration(tmp_path):
    assert load_config(tmp_path, {})["IDENTITY_CHECK"] == "none"
    config = load_config(tmp_path, {"IDENTITY_CHECK": "http", "IDENTITY_CHECK_URL": "https://registry.example/check",
                                    "IDENTITY_CHECK_TOKEN": TOKEN, "IDENTITY_CHECK_TIMEOUT": "2.5"})
    backend = identity_check.backend_from_config(config)
    assert isinstance(backend, identity_check.HttpCheck) and backend.timeout == 2.5 and backend.token == TOKEN
    assert isinstance(identity_check.backend_from_config(load_config(tmp_path, {"IDENTITY_CHECK": "demo"})),
                      identity_check.DemoPopulation)
    for bad in ({"IDENTITY_CHECK": "shahkar"}, {"IDENTITY_CHECK": "http"},
                {"IDENTITY_CHECK": "http", "IDENTITY_CHECK_URL": "ftp://x"},
                {"IDENTITY_CHECK_TIMEOUT": "soon"}, {"IDENTITY_CHECK_TIMEOUT": "0"}):
        with pytest.raises(ConfigError, match="IDENTITY_CHECK"):
            load_config(tmp_path, bad)


# ------------------------------------------------------------------------------------------ refusals

def _booking_form(office, slot, nid: str, mobile: str, action: str = "ask") -> dict:
    return {"service": office.services[0].code, "date": future_open_day(office).isoformat(), "slot": slot.id,
            "national_id": nid, "mobile": mobile, "action": action}


def test_booking_page_refuses_a_mobile_of_someone_else_before_sending_a_code(working_day, app, client, registry,
                                                                              make_office):
    _use(app, IDENTITY_CHECK="http", IDENTITY_CHECK_URL=_url(registry), IDENTITY_CHECK_TOKEN=TOKEN)
    office = make_office()
    slot = slots.ensure_slots(office, future_open_day(office))[2]
    db.session.commit()
    refused = client.post(f"/offices/{office.code}/book", data=_booking_form(office, slot, OTHER, OWNER_MOBILE))
    assert refused.status_code == 422
    assert "به نام این کد ملی نیست" in refused.get_data(as_text=True)
    english = client.post(f"/offices/{office.code}/book?lang=en",
                          data=_booking_form(office, slot, OTHER, OWNER_MOBILE), headers={"Accept-Language": "en"})
    assert english.status_code == 422
    assert db.session.scalar(select(func.count(SmsMessage.id))) == 0  # no code sent to the mobile
    asked = client.post(f"/offices/{office.code}/book", data=_booking_form(office, slot, OWNER, OWNER_MOBILE))
    assert asked.status_code == 200 and db.session.scalar(select(func.count(SmsMessage.id))) == 1
    booked = client.post(f"/offices/{office.code}/book",
                         data=dict(_booking_form(office, slot, OWNER, OWNER_MOBILE, "confirm"), otp=_code(OWNER_MOBILE)))
    assert booked.status_code == 302
    assert len([r for r in registry.received if r[0] == "/check"]) >= 3  # asked at each step


def test_api_refuses_a_mismatch_with_422_and_books_a_match(working_day, app, client, registry, make_office):
    _use(app, IDENTITY_CHECK="http", IDENTITY_CHECK_URL=_url(registry))
    office = make_office()
    db.session.commit()
    slot = client.get(f"/api/offices/{office.code}/slots?date={future_open_day(office).isoformat()}") \
        .get_json()["slots"][2]
    body = {"office": office.code, "service": office.services[0].code, "slot_id": slot["id"], "mobile": OWNER_MOBILE}
    assert client.post("/api/otp", json={"mobile": OWNER_MOBILE}).status_code == 202
    refused = client.post("/api/appointments", json=dict(body, national_id=OTHER, otp=_code(OWNER_MOBILE)),
                          headers={"Accept-Language": "en"})
    assert refused.status_code == 422
    problem = refused.get_json()
    assert problem["code"] == "identity_mismatch" and problem["field"] == "mobile"
    assert "not registered to this national ID" in problem["detail"]
    assert db.session.scalar(select(func.count(Appointment.id))) == 0
    assert client.post("/api/otp", json={"mobile": OWNER_MOBILE}).status_code == 202
    booked = client.post("/api/appointments", json=dict(body, national_id=OWNER, otp=_code(OWNER_MOBILE)))
    assert booked.status_code == 201, booked.get_json()


def test_an_unavailable_check_refuses_booking_with_503(working_day, app, client, registry, make_office):
    _use(app, IDENTITY_CHECK="http", IDENTITY_CHECK_URL=_url(registry, "/broken"))
    office = make_office()
    slot = slots.ensure_slots(office, future_open_day(office))[2]
    db.session.commit()
    assert client.post("/api/otp", json={"mobile": OWNER_MOBILE}).status_code == 202  # the API's code: mobile only
    answer = client.post("/api/appointments", headers={"Accept-Language": "en"}, json={
        "office": office.code, "service": office.services[0].code, "slot_id": slot.id, "national_id": OWNER,
        "mobile": OWNER_MOBILE, "otp": _code(OWNER_MOBILE)})
    assert answer.status_code == 503 and answer.get_json()["code"] == "identity_check_unavailable"
    assert int(answer.headers["Retry-After"]) == identity_check.RETRY_AFTER
    assert "try again in a minute" in answer.get_json()["detail"]
    assert db.session.scalar(select(func.count(Appointment.id))) == 0
    page = app.test_client().post(f"/offices/{office.code}/book",
                                  data=_booking_form(office, slot, OWNER, OWNER_MOBILE))
    text = page.get_data(as_text=True)  # (the test's application context keeps the API request's language)
    assert page.status_code == 503 and ("try again in a minute" in text or "دقیقه" in text)
    assert int(page.headers["Retry-After"]) == identity_check.RETRY_AFTER


def test_demo_check_refuses_and_names_the_demo_mobile(working_day, app, client, make_office):
    _use(app, IDENTITY_CHECK="demo")
    office = make_office()
    slot = slots.ensure_slots(office, future_open_day(office))[2]
    db.session.commit()
    refused = client.post(f"/offices/{office.code}/book", data=_booking_form(office, slot, "0499370899", OWNER_MOBILE))
    assert refused.status_code == 422
    assert "۰۹۰۴۹۹۳۷۰۸۹" in refused.get_data(as_text=True)  # the demo mobile of that ID, in Persian digits
    asked = client.post(f"/offices/{office.code}/book", data=_booking_form(office, slot, "0499370899", "09049937089"))
    assert asked.status_code == 200
