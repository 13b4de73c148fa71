"""Waiting at home through the API, the pages, the inbound SMS, the console and the lobby."""
from __future__ import annotations

import re

import pytest
from flask_babel import refresh
from sqlalchemy import select

from booking.extensions import db
from booking.models import RemoteTicket, SmsMessage
from offices import queue_ops
from tests.citizen.helpers import national_id
from tests.clock import FRIDAY, tehran_moment


@pytest.fixture()
def office(working_day, make_office, make_service):
    service = make_service()
    office = make_office(services=[service], counters=2)
    queue_ops.open_counter(office, 1, None)
    queue_ops.add_walk_in(office, service.code, None)
    queue_ops.commit_and_publish(office.id)
    return office


def code_sent_to(mobile: str) -> str:
    body = db.session.scalar(select(SmsMessage.body).where(SmsMessage.mobile == mobile, SmsMessage.purpose == "otp")
                             .order_by(SmsMessage.id.desc()))
    return re.search(r"\d{6}", body).group(0)


def join_by_api(client, office, mobile="09124440000", nid=None, **extra):
    assert client.post("/api/otp", json={"mobile": mobile}).status_code == 202
    body = {"service": office.services[0].code, "national_id": nid or national_id(), "mobile": mobile,
            "otp": code_sent_to(mobile), **extra}
    return client.post(f"/api/offices/{office.code}/queue", json=body, headers={"Accept-Language": "en"})


def test_api_join_follow_more_time_and_leave(client, office):
    joined = join_by_api(client, office, lat=office.lat + 0.01, lon=office.lon)
    assert joined.status_code == 201, joined.get_json()
    body = joined.get_json()
    assert body["state"] == "at_home" and body["position"] == 1 and body["waiting"]
    assert body["call_p50"] <= body["call_p90"] and body["leave_in"] is not None and body["leave_at"]
    assert body["more_time_available"] and body["text"]["leave_at"]
    token = body["token"]
    live = client.get(f"/api/queue/{token}")
    assert live.status_code == 200 and live.get_json()["ticket"] == body["ticket"]
    assert client.post(f"/api/queue/{token}/on-my-way").get_json()["state"] == "on_the_way"
    assert client.post(f"/api/queue/{token}/more-time").status_code == 200
    again = client.post(f"/api/queue/{token}/more-time", headers={"Accept-Language": "en"})
    assert again.status_code == 409 and again.get_json()["code"] == "more_time_used"
    left = client.delete(f"/api/queue/{token}")
    assert left.status_code == 200 and left.get_json()["state"] == "left" and left.get_json()["finished"]
    assert client.delete(f"/api/queue/{token}").status_code == 409
    assert client.get("/api/queue/not-a-token").status_code == 404


def test_api_join_refusals_are_clear(client, office, clock):
    bad = client.post(f"/api/offices/{office.code}/queue", json={"service": "nope"})
    assert bad.status_code == 422
    assert client.post("/api/offices/000000/queue", json={}).status_code == 404
    wrong_code = client.post(f"/api/offices/{office.code}/queue", headers={"Accept-Language": "en"}, json={
        "service": office.services[0].code, "national_id": national_id(), "mobile": "09124440001", "otp": "000000"})
    assert wrong_code.status_code == 422 and wrong_code.get_json()["field"] == "otp"
    assert join_by_api(client, office, nid=national_id(11)).status_code == 201
    twice = join_by_api(client, office, mobile="09124440002", nid=national_id(11))
    assert twice.status_code == 409 and twice.get_json()["code"] == "already_in_line"
    clock(tehran_moment(FRIDAY, 10))
    refresh()
    closed = join_by_api(client, office, mobile="09124440003")
    assert closed.status_code == 409 and closed.get_json()["code"] == "office_closed"
    assert "closed" in closed.get_json()["detail"]


def test_pages_join_with_a_code_then_the_ticket_page(client, office):
    page = client.get(f"/offices/{office.code}")
    assert f"/offices/{office.code}/queue" in page.get_data(as_text=True) and 'id="line-rule"' in page.get_data(as_text=True)
    refresh()
    form = client.get(f"/offices/{office.code}/queue?via=qr&lang=en")
    assert form.status_code == 200 and 'name="via" value="qr"' in form.get_data(as_text=True)
    nid, mobile = national_id(), "09124440010"
    step = client.post(f"/offices/{office.code}/queue", data={
        "service": office.services[0].code, "national_id": nid, "mobile": mobile, "action": "send_code", "via": "qr"})
    assert step.status_code == 200 and 'name="otp"' in step.get_data(as_text=True)
    done = client.post(f"/offices/{office.code}/queue", data={
        "service": office.services[0].code, "national_id": nid, "mobile": mobile, "action": "confirm",
        "otp": code_sent_to(mobile), "via": "qr"})
    assert done.status_code == 302
    remote = db.session.scalar(select(RemoteTicket).where(RemoteTicket.mobile == mobile))
    assert remote.channel == "qr" and done.headers["Location"].endswith(f"/queue/{remote.token}?new=1")
    refresh()
    ticket = client.get(f"/queue/{remote.token}?lang=en")
    text = ticket.get_data(as_text=True)
    assert ticket.status_code == 200 and "Leave at" in text and "I need more time (once)" in text
    assert f"/api/queue/{remote.token}" in text
    moved = client.post(f"/queue/{remote.token}/more-time")
    assert moved.status_code == 302
    assert client.post(f"/queue/{remote.token}/dance").status_code == 404
    assert client.get("/queue/unknown").status_code == 404


def test_join_page_bad_input_is_shown_not_a_500(client, office):
    refresh()
    refused = client.post(f"/offices/{office.code}/queue?lang=en", data={
        "service": office.services[0].code, "national_id": "12", "mobile": "0912", "action": "send_code"})
    assert refused.status_code == 422 and 'aria-invalid="true"' in refused.get_data(as_text=True)
    assert client.get("/offices/000000/queue").status_code == 404


def test_poster_has_a_qr_to_the_join_page(client, office):
    refresh()
    poster = client.get(f"/offices/{office.code}/poster?lang=en")
    text = poster.get_data(as_text=True)
    assert poster.status_code == 200 and "<svg" in text and f"/offices/{office.code}/queue?via=qr" in text
    assert f"Q {office.code}" in text


def test_inbound_sms_needs_the_gateway_token(app, client, office):
    off = client.post("/api/sms/inbound", json={"from": "09124440020", "text": "STATUS"})
    assert off.status_code == 404 and off.get_json()["code"] == "sms_inbound_off"
    app.config["SMS_INBOUND_TOKEN"] = "gateway-secret"
    assert client.post("/api/sms/inbound", json={"from": "09124440020", "text": "STATUS"},
                       headers={"X-Sms-Token": "guess"}).status_code == 401
    joined = client.post("/api/sms/inbound", json={"from": "09124440020", "text": f"صف {office.code} {national_id()}"},
                         headers={"X-Sms-Token": "gateway-secret"})
    assert joined.status_code == 200 and "در صف هستید" in joined.get_json()["reply"]
    refused = client.post("/api/sms/inbound", json={"from": "09124440021", "text": f"Q {office.code} 1234567890"},
                          headers={"X-Sms-Token": "gateway-secret"})
    assert refused.status_code == 200 and refused.get_json()["reply"]  # the refusal, in words, texted back
    replies = db.session.scalars(select(SmsMessage.body).where(SmsMessage.purpose == "sms_reply")).all()
    assert len(replies) == 2
