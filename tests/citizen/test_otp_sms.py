"""One-time codes in a real Redis and the SMS outbox."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from booking import otp, sms
from booking.extensions import db
from booking.models import SmsMessage
from booking.numbers import persian_digits
from booking.redis_conn import get_redis
from booking.service_errors import InvalidInput, TooManyRequests


def _last_code() -> str:
    body = db.session.scalar(select(SmsMessage.body).order_by(SmsMessage.id.desc()))
    return re.search(r"(\d{6})", body).group(1)


def test_code_is_sent_checked_and_used_up(app) -> None:
    mobile, ttl = otp.send_code("+98 912 000 1111")
    db.session.commit()
    assert mobile == "09120001111" and ttl == 120
    assert 0 < get_redis().ttl("otp:booking:09120001111") <= 120
    code = _last_code()
    assert code not in str(get_redis().hgetall("otp:booking:09120001111"))  # only a digest is kept
    assert otp.verify_code("09120001111", "".join("۰۱۲۳۴۵۶۷۸۹"[int(c)] for c in code)) == mobile
    with pytest.raises(InvalidInput) as caught:
        otp.verify_code(mobile, code)
    assert caught.value.code == "otp_expired"


def test_five_tries_then_void(app) -> None:
    mobile, _ = otp.send_code("09120002222")
    code = _last_code()
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    for left in (4, 3, 2, 1):
        with pytest.raises(InvalidInput) as caught:
            otp.verify_code(mobile, wrong)
        assert caught.value.code == "otp_wrong" and persian_digits(left) in str(caught.value)  # Persian digits
    with pytest.raises(TooManyRequests):
        otp.verify_code(mobile, wrong)
    with pytest.raises(InvalidInput):
        otp.verify_code(mobile, code)  # void after the fifth wrong try


def test_three_sends_per_hour(app) -> None:
    for _ in range(3):
        otp.send_code("09120003333")
    with pytest.raises(TooManyRequests) as caught:
        otp.send_code("09120003333")
    assert 0 < caught.value.retry_after <= 3600


def test_code_expires(app) -> None:
    mobile, _ = otp.send_code("09120004444")
    code = _last_code()
    get_redis().expire("otp:booking:09120004444", 0)
    with pytest.raises(InvalidInput) as caught:
        otp.verify_code(mobile, code)
    assert caught.value.code == "otp_expired"


def test_queue_sms_dedupes_and_delivers_once(app) -> None:
    first = sms.queue_sms("09120005555", "سلام", "reminder", dedupe_key="reminder-day:1")
    again = sms.queue_sms("09120005555", "سلام", "reminder", dedupe_key="reminder-day:1")
    db.session.commit()
    assert first.id == again.id
    assert db.session.scalar(select(db.func.count(SmsMessage.id))) == 1
    jobs = [job_id for job_id in get_redis().lrange("rq:queue:default", 0, -1)]
    assert f"sms-{first.id}".encode() in jobs
    sent: list[tuple[str, str]] = []

    class Recorder:
        name = "recorder"

        def send(self, mobile: str, body: str) -> None:
            sent.append((mobile, body))

    assert sms.deliver(first.id, Recorder()) == "sent"
    assert sms.deliver(first.id, Recorder()) == "sent"
    assert sent == [("09120005555", "سلام")]


def test_backend_from_environment() -> None:
    assert sms.backend_from_environment({}).name == "outbox"
    backend = sms.backend_from_environment({"SMS_BACKEND": "http", "SMS_HTTP_URL": "https://sms.example/send"})
    assert backend.name == "http"
    with pytest.raises(ValueError):
        sms.backend_from_environment({"SMS_BACKEND": "carrier-pigeon"})
