"""Abuse limits: HTTP 429 with Retry-After and a message saying when to try again, counted in Redis."""
from __future__ import annotations

import pytest

from booking import limits
from tests.citizen.helpers import national_id
from tests.hardening.conftest import Cast


def _from(address: str) -> dict[str, str]:
    return {"REMOTE_ADDR": address}


def test_storage_is_the_applications_redis(app):
    uri = app.config["RATELIMIT_STORAGE_URI"]
    if app.config["REDIS_URL"]:
        assert uri == app.config["REDIS_URL"]
    else:
        assert uri.startswith("redis+unix://") and uri.endswith(".socket") or "redis.socket" in uri


def test_otp_sends_per_address_then_429_with_retry_after(client):
    for n in range(5):
        response = client.post("/api/otp", json={"mobile": f"0912000000{n}", "purpose": "booking"},
                               environ_base=_from("10.0.0.1"))
        assert response.status_code == 202, response.get_json()
    refused = client.post("/api/otp", json={"mobile": "09120000009", "purpose": "booking"},
                          environ_base=_from("10.0.0.1"), headers={"Accept-Language": "en"})
    assert refused.status_code == 429
    assert refused.mimetype == "application/problem+json"
    wait = int(refused.headers["Retry-After"])
    assert 1 <= wait <= 61
    body = refused.get_json()
    assert body["code"] == "rate_limited"
    assert f"try again in {wait} seconds" in body["detail"]
    other = client.post("/api/otp", json={"mobile": "09120000009", "purpose": "booking"},
                        environ_base=_from("10.0.0.2"))
    assert other.status_code == 202  # another address is not held back


def test_otp_per_mobile_cap_still_holds(client):
    for n in range(3):
        assert client.post("/api/otp", json={"mobile": "09121110000", "purpose": "booking"},
                           environ_base=_from(f"10.0.1.{n}")).status_code == 202
    refused = client.post("/api/otp", json={"mobile": "09121110000", "purpose": "booking"},
                          environ_base=_from("10.0.1.9"))
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 60


def test_bookings_per_national_id_across_addresses(client, make_office):
    office = make_office()
    person = national_id()
    answers = []
    for n in range(11):
        response = client.post("/api/appointments", environ_base=_from(f"10.0.2.{n}"),
                               json={"office": office.code, "service": office.services[0].code, "slot_id": 1,
                                     "national_id": person, "mobile": "09121234567", "otp": "000000"})
        answers.append(response.status_code)
    assert 429 not in answers[:10] and answers[10] == 429
    other = client.post("/api/appointments", environ_base=_from("10.0.2.99"),
                        json={"office": office.code, "service": office.services[0].code, "slot_id": 1,
                              "national_id": national_id(), "mobile": "09121234567", "otp": "000000"})
    assert other.status_code != 429


def test_bookings_per_address(client, make_office):
    office = make_office()
    codes = [client.post("/api/appointments", environ_base=_from("10.0.3.1"),
                         json={"office": office.code, "service": office.services[0].code, "slot_id": 1,
                               "national_id": national_id(), "mobile": "09121234567", "otp": "1"}).status_code
             for _ in range(11)]
    assert 429 not in codes[:10] and codes[10] == 429


def test_logins_per_address_page_in_persian(app, client, cast: Cast):
    user = cast.users["operator_a"]
    for n in range(10):
        response = client.post("/login", data={"username": f"nobody{n}", "password": "x"},
                               environ_base=_from("10.0.4.1"))
        assert response.status_code == 401
    refused = client.post("/login", data={"username": user.username, "password": "correct horse 7"},
                          environ_base=_from("10.0.4.1"))
    assert refused.status_code == 429
    assert refused.mimetype == "text/html"
    wait = int(refused.headers["Retry-After"])
    page = refused.get_data(as_text=True)
    assert "لطفاً" in page or "ثانیه" in page or "دقیقه" in page, page[:2000]
    assert 1 <= wait <= 61


def test_wrong_passwords_from_many_addresses_lock_nobody_out(app, client, cast: Cast):
    """Failures count per username and address: the account has no lock for an attacker to set off."""
    user = cast.users["operator_a"]
    for n in range(5):
        client.post("/login", data={"username": user.username, "password": "wrong"}, environ_base=_from(f"10.0.5.{n}"))
    allowed = client.post("/login", data={"username": user.username, "password": "correct horse 7"},
                          environ_base=_from("10.0.5.9"))
    assert allowed.status_code == 302


def test_limits_are_skipped_when_redis_is_unreachable(backend):
    """A broken limits storage lets requests through (logged) instead of refusing everybody."""
    from booking import create_app

    application = create_app(dict(backend["config"], RATELIMIT_STORAGE_URI="redis://127.0.0.1:1/0"))
    with application.app_context():
        client = application.test_client()
        # a new username each time: the wrong-password throttle (in the application's Redis) stays out of it
        answers = {client.post("/login", data={"username": f"x{n}", "password": "y"}).status_code
                   for n in range(12)}
    assert answers == {401}
    limits.limiter.init_app(create_app(dict(backend["config"])))  # back to the working storage


@pytest.mark.parametrize(("seconds", "text"), [(5, "5 seconds"), (89, "89 seconds"), (3600, "60 minutes")])
def test_when_to_retry_wording(app, seconds: int, text: str):
    from flask_babel import force_locale

    with app.test_request_context(), force_locale("en"):
        assert text in limits.when_to_retry(seconds)
    with app.test_request_context(), force_locale("fa"):
        persian = limits.when_to_retry(seconds)
    assert "لطفاً" in persian and ("ثانیه" in persian or "دقیقه" in persian)
