"""Abuse limits (Flask-Limiter, counted in the application's Redis).

Bots that grab slots to resell them, or guess one-time codes and passwords, are slowed down per client
address and per person:

| what                         | endpoints                                        | limit per key                       |
|------------------------------|--------------------------------------------------|-------------------------------------|
| one-time code sends          | ``POST /api/otp``, booking, "my", cancel forms   | 5 a minute, 20 an hour per address  |
| bookings                     | ``POST /api/appointments``, booking, reschedule  | 10 a minute, 60 an hour per address |
| bookings per national ID     | the same                                         | 10 an hour, 20 a day per national ID|
| staff logins                 | ``POST /login``                                  | 10 a minute per address             |

These sit on top of the rules in the services themselves: at most 3 code sends per mobile per hour and
5 tries per code (:mod:`booking.otp`), 3 active appointments per national ID (:mod:`booking.appointments`),
5 wrong passwords per username and address (or known browser) in 15 minutes (:mod:`offices.auth`; a
limit per username alone would let anyone lock a member of staff out).

"Per address" means the client's address as the application reads it (``request.remote_addr``; behind a
reverse proxy, Werkzeug's ``ProxyFix`` sets it from ``X-Forwarded-For``), keyed by :func:`client_address`:
an IPv4 address as is (an IPv4-mapped IPv6 address ``::ffff:a.b.c.d`` as that IPv4 address) and an IPv6
address by its /64, since a single subscriber usually holds a whole /64 and can use a new address in it for
every request.

A refused request gets HTTP 429 with ``Retry-After`` (seconds) and a message saying when to try again, as
a page or, under ``/api/``, as problem details. When Redis is away the limits are skipped (logged) rather
than refusing everybody: the services' own checks in the database still hold.

Settings: ``RATELIMIT_ENABLED`` (default on), ``RATELIMIT_STORAGE_URI`` (default: the application's Redis;
the embedded one through its Unix socket, ``redis+unix://…``).
"""
from __future__ import annotations

import ipaddress
import math
import time
from collections.abc import Callable

from flask import Flask, g, request
from flask_babel import gettext as _
from flask_limiter import ApplicationLimit, Limiter, RateLimitExceeded
from flask_limiter.util import get_remote_address

from booking.dates import ascii_digits
from booking.i18n import local_number

OTP_ENDPOINTS = frozenset({"api.send_otp", "citizen.book", "citizen.my_appointments", "citizen.cancel"})
BOOKING_ENDPOINTS = frozenset({"api.create_appointment", "citizen.book", "citizen.reschedule"})
LOGIN_ENDPOINTS = frozenset({"auth.login"})

OTP_PER_ADDRESS = "5/minute;20/hour"
BOOKINGS_PER_ADDRESS = "10/minute;60/hour"
BOOKINGS_PER_NATIONAL_ID = "10/hour;20/day"
LOGINS_PER_ADDRESS = "10/minute"


def client_address() -> str:
    """The key of this request's client for per-address limits: IPv4 as is, IPv6 by its /64."""
    raw = get_remote_address() or ""
    try:
        address = ipaddress.ip_address(raw.split("%", 1)[0])  # without an IPv6 zone (fe80::1%eth0)
    except ValueError:
        return raw
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return str(address)


def _field(name: str) -> str:
    """A field of the request body (JSON object or form), stripped, Persian digits made ASCII."""
    value: object = None
    if request.is_json:
        body = request.get_json(silent=True)
        if isinstance(body, dict):
            value = body.get(name)
    else:
        value = request.form.get(name)
    return ascii_digits(str(value or "")).strip()[:64]


def _by_national_id() -> str:
    national_id = "".join(ch for ch in _field("national_id") if "0" <= ch <= "9")
    return f"nid:{national_id}" if national_id else f"addr:{client_address()}"


def _sends_code() -> bool:
    """Whether this form post asks for a one-time code (the booking forms post twice: ask, then confirm)."""
    if request.endpoint == "api.send_otp":
        return True
    return request.form.get("action") in ("send_code", "resend")


def _unless(endpoints: frozenset[str], extra: Callable[[], bool] | None = None) -> Callable[[], bool]:
    """An ``exempt_when`` for a limit that applies to POSTs to these endpoints only."""

    def exempt() -> bool:
        if request.method != "POST" or request.endpoint not in endpoints:
            return True
        return extra is not None and not extra()

    return exempt


def _booking_post() -> bool:
    """A booking form post that books (``action=confirm``; reschedule posts always do), or an API booking."""
    if request.endpoint == "citizen.book":
        return request.form.get("action") == "confirm"
    return True


def _limits() -> list[ApplicationLimit]:
    return [
        ApplicationLimit(OTP_PER_ADDRESS, scope="otp-send", exempt_when=_unless(OTP_ENDPOINTS, _sends_code)),
        ApplicationLimit(BOOKINGS_PER_ADDRESS, scope="booking",
                         exempt_when=_unless(BOOKING_ENDPOINTS, _booking_post)),
        ApplicationLimit(BOOKINGS_PER_NATIONAL_ID, scope="booking-nid", key_function=_by_national_id,
                         exempt_when=_unless(BOOKING_ENDPOINTS, _booking_post)),
        ApplicationLimit(LOGINS_PER_ADDRESS, scope="login", exempt_when=_unless(LOGIN_ENDPOINTS)),
    ]


limiter = Limiter(key_func=client_address, application_limits=_limits(), headers_enabled=False,
                  swallow_errors=True, strategy="fixed-window", key_prefix="safnama-limits")


def storage_uri(app: Flask) -> str:
    """The ``limits`` storage URI for the application's Redis (embedded: its Unix socket)."""
    from booking.redis_conn import redis_handle

    handle = redis_handle(app)
    if handle.url is None:
        return "redis+unix://" + handle.client().socket_file
    if handle.url.startswith("unix://"):  # redis-py's spelling of a socket; the limits library's is redis+unix
        return "redis+" + handle.url
    return handle.url


def disconnect_storage() -> None:
    """Close the limiter's own Redis connections (before the embedded Redis server is stopped)."""
    try:
        client = getattr(limiter.storage, "storage", None)  # the limits RedisStorage's client
    except AssertionError:  # the limiter was never set up (RATELIMIT_ENABLED off)
        return
    if client is not None:
        client.connection_pool.disconnect()


def retry_after_seconds() -> int:
    """Seconds until the limit that refused this request lets it through again (at least 1)."""
    current = limiter.current_limit
    if current is None:
        return 60
    return max(1, math.ceil(current.reset_at - time.time()))


def when_to_retry(seconds: int) -> str:
    """'Try again in N seconds/minutes' in the request's language."""
    if seconds < 90:
        return _("Too many tries. Please try again in %(n)s seconds.", n=local_number(seconds))
    return _("Too many tries. Please try again in %(n)s minutes.", n=local_number(math.ceil(seconds / 60)))


# Form pages that show a refusal inline, choices kept, instead of an error page: their view runs again with
# ``g.refusal`` set (the message) and must then only render the posted form with that message.
INLINE_REFUSAL_ENDPOINTS: set[str] = set()


def refusal() -> str | None:
    """The rate limit's message when this request was refused and its form is rendered again, else None."""
    return g.get("refusal")


def _weigh_limits_on_posts_only(app: Flask) -> None:
    """Every limit here applies to POSTs only, so reading requests (the live load is polled constantly) skip
    Flask-Limiter's per-request work altogether: its ``before_request`` check is wrapped accordingly."""
    hooks = app.before_request_funcs.setdefault(None, [])
    for index, hook in enumerate(hooks):
        if getattr(hook, "__self__", None) is limiter:
            def check_posts(hook=hook):
                if request.method == "POST":
                    return hook()
                return None

            hooks[index] = check_posts


def init_app(app: Flask) -> None:
    """Count requests in the application's Redis and answer 429 with ``Retry-After`` when over a limit."""
    app.config.setdefault("RATELIMIT_ENABLED", True)
    if app.config["RATELIMIT_ENABLED"] and not app.config.get("RATELIMIT_STORAGE_URI"):
        app.config["RATELIMIT_STORAGE_URI"] = storage_uri(app)
    limiter.init_app(app)
    _weigh_limits_on_posts_only(app)

    @app.errorhandler(RateLimitExceeded)
    def too_many(error: RateLimitExceeded):
        from booking.errors import problem, wants_json

        seconds = retry_after_seconds()
        title = _("Too many requests; please wait and try again.")
        if wants_json():
            response = problem(429, title, when_to_retry(seconds), code="rate_limited")
        elif request.endpoint in INLINE_REFUSAL_ENDPOINTS:
            g.refusal = when_to_retry(seconds)
            response = app.make_response(app.view_functions[request.endpoint](**(request.view_args or {})))
            response.status_code = 429
        else:
            from flask import render_template

            response = app.make_response((render_template("error.html", status=429, title=title,
                                                          detail=when_to_retry(seconds)), 429))
        response.headers["Retry-After"] = str(seconds)
        return response
