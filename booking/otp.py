"""One-time codes by SMS: 6 digits, valid 2 minutes, 5 tries, at most 3 sends per mobile per hour.

Codes live in Redis only, as an HMAC of the code (keyed by the application's secret), never in clear:
``otp:<purpose>:<mobile>`` is a hash {digest, tries} expiring after ``CODE_TTL`` seconds, and
``otp-sends:<mobile>`` counts the sends of the current hour.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets

from flask import current_app
from flask_babel import lazy_gettext as _l

from booking import identity
from booking.dates import ascii_digits
from booking.i18n import local_number
from booking.redis_conn import get_redis
from booking.service_errors import InvalidInput, TooManyRequests
from booking.sms import queue_sms

CODE_TTL = 120  # seconds
MAX_TRIES = 5
MAX_SENDS_PER_HOUR = 3
PURPOSES = ("booking", "my_appointments", "cancel")


def _digest(mobile: str, purpose: str, code: str) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, f"{purpose}:{mobile}:{code}".encode(), hashlib.sha256).hexdigest()


def _code_key(mobile: str, purpose: str) -> str:
    return f"otp:{purpose}:{mobile}"


def send_code(mobile: str, purpose: str = "booking") -> tuple[str, int]:
    """Make a new code for the mobile and text it; returns (normalised mobile, seconds it stays valid).

    Raises:
        InvalidInput: the mobile number is not valid.
        TooManyRequests: already ``MAX_SENDS_PER_HOUR`` codes this hour (``retry_after`` in seconds).
    """
    if purpose not in PURPOSES:
        raise InvalidInput("otp_purpose", _l("Unknown purpose for a one-time code."), field="purpose")
    mobile = identity.normalise_mobile(mobile)
    redis = get_redis()
    sends_key = f"otp-sends:{mobile}"
    sends = redis.incr(sends_key)
    if sends == 1:
        redis.expire(sends_key, 3600)
    if sends > MAX_SENDS_PER_HOUR:
        wait = redis.ttl(sends_key)
        wait = wait if wait and wait > 0 else 3600
        raise TooManyRequests("otp_too_many_sends",
                              _l("Too many codes were sent to this number. Try again in %(minutes)s minutes.",
                                 minutes=local_number(max(1, (wait + 59) // 60))), retry_after=wait)
    code = f"{secrets.randbelow(10**6):06d}"
    key = _code_key(mobile, purpose)
    pipe = redis.pipeline()
    pipe.delete(key)
    pipe.hset(key, mapping={"digest": _digest(mobile, purpose, code), "tries": 0})
    pipe.expire(key, CODE_TTL)
    pipe.execute()
    queue_sms(mobile, f"صف‌نما: کد یکبارمصرف شما {code} است. این کد تا ۲ دقیقه معتبر است.\n"
                      f"Safnama code: {code}", purpose="otp")
    return mobile, CODE_TTL


def verify_code(mobile: str, code: object, purpose: str = "booking") -> str:
    """Check a code; a right code is used up. Returns the normalised mobile.

    Raises:
        InvalidInput: wrong, expired or missing code (the message says which).
        TooManyRequests: the fifth wrong try: the code is void, a new one must be asked for.
    """
    mobile = identity.normalise_mobile(mobile)
    typed = ascii_digits(str(code or "")).strip()
    if not typed:
        raise InvalidInput("otp_missing", _l("Enter the code we sent by SMS."), field="otp")
    redis = get_redis()
    key = _code_key(mobile, purpose)
    stored = redis.hgetall(key)
    if not stored:
        raise InvalidInput("otp_expired", _l("The code has expired or was not requested. Ask for a new code."),
                           field="otp")
    tries = redis.hincrby(key, "tries", 1)
    if tries > MAX_TRIES:
        redis.delete(key)
        raise TooManyRequests("otp_too_many_tries",
                              _l("Too many wrong tries. Ask for a new code."), retry_after=0, field="otp")
    digest = stored.get(b"digest", b"").decode()
    if len(typed) == 6 and identity.ascii_number(typed) and hmac.compare_digest(digest, _digest(mobile, purpose, typed)):
        redis.delete(key)
        return mobile
    if tries >= MAX_TRIES:
        redis.delete(key)
        raise TooManyRequests("otp_too_many_tries", _l("Too many wrong tries. Ask for a new code."),
                              retry_after=0, field="otp")
    raise InvalidInput("otp_wrong", _l("The code is not right. %(n)s tries left.", n=local_number(MAX_TRIES - tries)),
                       field="otp")
