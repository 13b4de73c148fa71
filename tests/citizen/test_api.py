"""The JSON API: offices, load, slots, recommendation, one-time code, booking with Idempotency-Key, errors."""
from __future__ import annotations

import re

from sqlalchemy import select

from booking.extensions import db
from booking.models import SmsMessage, TimeSlot
from tests.citizen.helpers import future_open_day, national_id


def _code(mobile: str) -> str:
    body = db.session.scalar(select(SmsMessage.body).where(SmsMessage.mobile == mobile, SmsMessage.purpose == "otp")
                             .order_by(SmsMessage.id.desc()))
    return re.search(r"(\d{6})", body).group(1)


def _setup(make_office, make_service):
    service = make_service(code="SANA")
    near = make_office(code="T001", services=[service], lat=35.757, lon=51.410)
    far = make_office(code="T002", services=[service], lat=35.70, lon=51.30)
    db.session.commit()
    return service, near, far


def test_offices_load_slots_and_recommend(working_day, client, make_office, make_service) -> None:
    service, near, far = _setup(make_office, make_service)
    data = client.get("/api/offices?service=SANA&near=35.757,51.41").get_json()
    assert [o["code"] for o in data["offices"]] == ["T001", "T002"]
    # open on a working morning, but nobody has opened a counter: never "quiet"
    assert data["offices"][0]["load"]["level"] == "no_counter" and data["offices"][0]["load"]["opens_at"] is None
    assert client.get("/api/offices/T001").get_json()["code"] == "T001"
    load = client.get("/api/offices/T001/load").get_json()
    assert {"waiting", "counters_open", "wait_p50", "wait_p90", "updated_at", "level"} <= set(load)
    day = future_open_day(near)
    slots = client.get(f"/api/offices/T001/slots?date={day.isoformat()}").get_json()
    assert slots["open"] and slots["slots"][0]["starts_at"].endswith("+00:00")
    assert slots["slots"][0]["remaining"] == slots["slots"][0]["capacity"]
    rec = client.get("/api/recommend?lat=35.757&lon=51.41&service=SANA&lang=en").get_json()
    assert rec["offices"][0]["office"]["code"] == "T001" and "min" in rec["offices"][0]["reason"]


def test_book_with_otp_and_idempotency_key_then_cancel(client, make_office, make_service) -> None:
    service, near, far = _setup(make_office, make_service)
    day = future_open_day(near)
    slot_id = client.get(f"/api/offices/T001/slots?date={day.isoformat()}").get_json()["slots"][3]["id"]
    assert client.post("/api/otp", json={"mobile": "+989121112233"}).status_code == 202
    body = {"office": "T001", "service": "SANA", "slot_id": slot_id, "national_id": national_id(),
            "mobile": "09121112233", "otp": _code("09121112233")}
    first = client.post("/api/appointments", json=body, headers={"Idempotency-Key": "abc-1"})
    assert first.status_code == 201, first.get_json()
    again = client.post("/api/appointments", json=body, headers={"Idempotency-Key": "abc-1"})
    assert again.status_code == 201 and again.get_json() == first.get_json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert db.session.get(TimeSlot, slot_id).booked == 1
    other = client.post("/api/appointments", json=dict(body, slot_id=slot_id + 1), headers={"Idempotency-Key": "abc-1"})
    assert other.status_code == 422
    code = first.get_json()["tracking_code"]
    shown = client.get(f"/api/appointments/{code}").get_json()
    assert shown["status"] == "booked" and "***" in shown["mobile"]
    assert client.delete(f"/api/appointments/{code}").status_code == 401  # the tracking code alone: nothing
    assert client.post("/api/otp", json={"mobile": "09121112233", "purpose": "cancel"}).status_code == 202
    owner = {"X-OTP": _code("09121112233")}
    assert client.delete(f"/api/appointments/{code}", headers=owner).get_json()["status"] == "cancelled"
    assert client.post("/api/otp", json={"mobile": "09121112233", "purpose": "cancel"}).status_code == 202
    assert client.delete(f"/api/appointments/{code}", headers={"X-OTP": _code("09121112233")}).status_code == 409
    db.session.expire_all()
    assert db.session.get(TimeSlot, slot_id).booked == 0
    assert db.session.scalar(select(SmsMessage).where(SmsMessage.purpose == "booking_confirmation"))


def test_bad_input_gets_problem_details_in_the_request_language(app, client, make_office, make_service) -> None:
    _setup(make_office, make_service)
    cases = [
        ("get", "/api/offices?near=abc", None, 422), ("get", "/api/offices/NOPE", None, 404),
        ("get", "/api/offices/T001/slots?date=2020-99-99", None, 422),
        ("get", "/api/offices/T001/slots?date=2001-01-01", None, 422),
        ("get", "/api/recommend?lat=100&lon=51", None, 422), ("get", "/api/recommend", None, 422),
        ("get", "/api/recommend?lat=35&lon=51&at=yesterday", None, 422),
        ("get", "/api/recommend?lat=35.7&lon=51.4&service=sana", None, 422),  # codes are case-sensitive
        ("get", "/api/offices?service=NOPE", None, 422),
        ("post", "/api/otp", {"mobile": "123"}, 422), ("post", "/api/otp", {}, 422),
        ("post", "/api/appointments", {"office": "T001"}, 422),
        ("post", "/api/appointments", {"office": "T001", "service": "SANA", "slot_id": 999999,
                                       "national_id": "1234567890", "mobile": "0912", "otp": "1"}, 422),
        ("get", "/api/appointments/ZZZZ", None, 404), ("delete", "/api/appointments/ZZZZ", None, 404),
    ]
    for method, url, body, status in cases:
        response = getattr(client, method)(url, json=body) if body is not None else getattr(client, method)(url)
        assert response.status_code == status, (url, response.get_data(as_text=True))
        assert response.mimetype == "application/problem+json"
        assert response.get_json()["title"]
    # a fresh application context per request, as in production (Flask-Babel keeps the locale in ``g``)
    with app.app_context():
        fa = client.post("/api/otp", json={"mobile": "123"}).get_json()
    with app.app_context():
        en = client.post("/api/otp", json={"mobile": "123"}, headers={"Accept-Language": "en"}).get_json()
    assert en["detail"] == "Enter a mobile number like 0912 345 6789."
    assert fa["detail"] != en["detail"] and re.search("[\u0600-\u06ff]", fa["detail"])
    with app.app_context():
        unknown = client.get("/api/recommend?lat=35.7&lon=51.4&service=NOPE", headers={"Accept-Language": "en"})
    assert unknown.get_json()["field"] == "service" and unknown.get_json()["detail"] == "No office offers this service."
    assert client.post("/api/otp", data="not json", content_type="application/json").status_code == 422


def test_openapi_document_and_docs(client) -> None:
    spec = client.get("/api/openapi.json").get_json()
    assert spec["openapi"].startswith("3.")
    assert {"get", "delete"} <= set(spec["paths"]["/api/appointments/{tracking_code}"])
    assert "Idempotency-Key" in str(spec["paths"]["/api/appointments"]["post"]["parameters"])
    page = client.get("/api/docs")
    assert page.status_code == 200 and "/api/recommend" in page.get_data(as_text=True)


def test_outbox_only_in_demo_mode(app, client, backend) -> None:
    assert client.get("/dev/outbox").status_code == 200
    from booking import create_app

    production = create_app(dict(backend["config"], DEMO_MODE=False))
    assert production.test_client().get("/dev/outbox").status_code == 404
