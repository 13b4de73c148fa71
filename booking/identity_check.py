"""Does the mobile number belong to the national ID? A pluggable check, asked before a code is sent and at booking.

Without it anyone can book under national IDs made up to pass the check digit, with one mobile. Iranian
sites ask the mobile operators' shared registry (Shahkar) through a gateway; Safnama asks whatever is
configured, through one interface: :meth:`IdentityCheck.check` answers :data:`MATCH`, :data:`MISMATCH` or
:data:`UNAVAILABLE`.

Backends, chosen with ``IDENTITY_CHECK`` (:func:`booking.config.load_config`):

* ``none`` (default): no check, every pair matches;
* ``demo``: the demo population (``scripts/run`` uses it): the citizen with national ID ``ABCDEFGHI`` + check
  digit has the mobile ``09ABCDEFGHI`` (:func:`demo_mobile`), one mobile per ID and one ID per mobile;
* ``http``: ``POST IDENTITY_CHECK_URL`` with ``{"national_id": "0499370899", "mobile": "09121234567"}`` (JSON,
  ``Authorization: Bearer IDENTITY_CHECK_TOKEN`` when a token is set), at most ``IDENTITY_CHECK_TIMEOUT``
  seconds (default 3); a 200 answer ``{"match": true}`` or ``{"match": false}``. Anything else (timeout,
  refused connection, another status, another body) is :data:`UNAVAILABLE`.

:func:`require_match` refuses a mismatch (422, on the mobile field) and, **fail-closed**, refuses booking
while the check is unavailable (503 with ``Retry-After``, "try again in a minute"): letting bookings through
during an outage would reopen the hole for as long as the registry is slow or down, and a hoarder can wait
for that; a citizen loses a minute, and walk-ins are served as always.
"""
from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request
from typing import Protocol

from flask import current_app
from flask_babel import lazy_gettext as _l

from booking.i18n import local_digits
from booking.service_errors import InvalidInput, ServiceError

MATCH, MISMATCH, UNAVAILABLE = "match", "mismatch", "unavailable"
BACKENDS = ("none", "demo", "http")
DEFAULT_TIMEOUT = 3.0  # seconds
RETRY_AFTER = 60  # seconds a citizen is asked to wait when the check is unavailable
log = logging.getLogger(__name__)


class IdentityCheck(Protocol):
    """Says whether a normalised mobile (``09xxxxxxxxx``) is registered to a normalised national ID."""

    name: str

    def check(self, national_id: str, mobile: str) -> str: ...


class NoCheck:
    """No check configured: every pair matches."""

    name = "none"

    def check(self, national_id: str, mobile: str) -> str:
        return MATCH


def demo_mobile(national_id: str) -> str:
    """The mobile of a citizen of the demo population: ``09`` and the first nine digits of the national ID."""
    return "09" + national_id[:9]


class DemoPopulation:
    """The demo population: each national ID has exactly one mobile, :func:`demo_mobile`."""

    name = "demo"

    def check(self, national_id: str, mobile: str) -> str:
        return MATCH if mobile == demo_mobile(national_id) else MISMATCH


class HttpCheck:
    """Asks an HTTP service (a gateway to the operators' registry) whether the pair matches."""

    name = "http"

    def __init__(self, url: str, token: str = "", timeout: float = DEFAULT_TIMEOUT) -> None:
        if not url.startswith(("http://", "https://")):
            raise ValueError("IDENTITY_CHECK_URL must be an http(s) URL")
        self.url, self.token, self.timeout = url, token, timeout

    def check(self, national_id: str, mobile: str) -> str:
        payload = json.dumps({"national_id": national_id, "mobile": mobile}).encode()
        request = urllib.request.Request(self.url, data=payload, method="POST",
                                         headers={"Content-Type": "application/json", "Accept": "application/json"})
        if self.token:
            request.add_header("Authorization", f"Bearer {self.token}")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310 (configured URL)
                body = json.loads(response.read(4096) or b"null")
        except (urllib.error.URLError, OSError, ValueError) as error:  # HTTPError, timeout, refused, bad JSON
            log.warning("identity check unavailable: %s", error)
            return UNAVAILABLE
        if isinstance(body, dict) and isinstance(body.get("match"), bool):
            return MATCH if body["match"] else MISMATCH
        log.warning("identity check answered without a boolean 'match'")
        return UNAVAILABLE


def backend_from_config(config: dict) -> IdentityCheck:
    """The backend the configuration names (``IDENTITY_CHECK``, default ``none``)."""
    name = str(config.get("IDENTITY_CHECK") or "none")
    if name == "none":
        return NoCheck()
    if name == "demo":
        return DemoPopulation()
    if name == "http":
        return HttpCheck(str(config.get("IDENTITY_CHECK_URL") or ""), str(config.get("IDENTITY_CHECK_TOKEN") or ""),
                         float(config.get("IDENTITY_CHECK_TIMEOUT") or DEFAULT_TIMEOUT))
    raise ValueError(f"IDENTITY_CHECK: unknown backend {name!r} (use none, demo or http)")


def current_backend() -> IdentityCheck:
    """The application's backend, built once per application."""
    backend = current_app.extensions.get("safnama_identity_check")
    if backend is None:
        backend = current_app.extensions["safnama_identity_check"] = backend_from_config(current_app.config)
    return backend


def require_match(national_id: str, mobile: str) -> None:
    """Refuse a mobile that is not the national ID's, and refuse while the check cannot be made.

    Args:
        national_id, mobile: normalised (:mod:`booking.identity`).

    Raises:
        InvalidInput: the check says the mobile is not registered to the national ID (422, field ``mobile``).
        ServiceError: the check is unavailable (503, ``retry_after`` :data:`RETRY_AFTER`).
    """
    backend = current_backend()
    result = backend.check(national_id, mobile)
    if result == MATCH:
        return
    if result == MISMATCH:
        if backend.name == "demo":
            raise InvalidInput("identity_mismatch", _l(
                "This mobile number is not registered to this national ID. In the demo, the mobile of national "
                "ID %(national_id)s is %(mobile)s.", national_id=local_digits(national_id),
                mobile=local_digits(demo_mobile(national_id))), field="mobile")
        raise InvalidInput("identity_mismatch", _l(
            "This mobile number is not registered to this national ID. Use a mobile line in your own name."),
            field="mobile")
    raise ServiceError("identity_check_unavailable", _l(
        "We cannot check your mobile number against your national ID right now. Please try again in a minute."),
        status=503, retry_after=RETRY_AFTER)
