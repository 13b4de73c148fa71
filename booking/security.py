"""Security headers, masking of national IDs and mobiles in pages and logs, and the staff audit log.

* Every response carries a Content-Security-Policy without inline script (all JavaScript is in
  ``static/js``), ``X-Frame-Options: DENY`` and ``frame-ancestors 'none'``, ``X-Content-Type-Options:
  nosniff``, a strict referrer policy, and, when served over HTTPS, ``Strict-Transport-Security``.
* :func:`mask_text` hides national IDs (``123****890``) and mobiles (``0912***6789``) inside any text;
  :class:`PiiMaskingFilter` / :func:`install_log_masking` apply it to every log record;
  the ``mask_pii`` template filter shows a value in full only to the office handling it (its operators and
  admins) and masks it for everyone else.
* :mod:`booking.audit` writes a row for every staff action.
* A 405 names the allowed methods in ``Allow`` (:mod:`booking.errors`); the servers name no software
  version (:class:`BannerlessRequestHandler` for Werkzeug's, ``gunicorn.conf.py`` for gunicorn's).
* Cookies are ``Secure`` outside demo mode (the demo is served over plain HTTP on the local machine).
* :func:`clean_text` strips bidirectional control characters from free text before it is stored, and writes
  Arabic yeh and kaf as the Persian letters;
  :class:`SafeJSONProvider` answers JSON nested too deep with 400. (``next=`` redirects: :mod:`booking.redirects`.)
"""
from __future__ import annotations

import functools
import logging
import re
import sys
import unicodedata
from typing import Any

from flask import Flask, Response, current_app, request
from flask.json.provider import DefaultJSONProvider
from werkzeug.exceptions import BadRequest
from werkzeug.serving import WSGIRequestHandler

CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])
HSTS = "max-age=31536000; includeSubDomains"


def content_security_policy(image_origins: tuple[str, ...] = ()) -> str:
    """The policy, with the street map's tile server (``MAP_TILE_URL``) allowed as a source of images."""
    if not image_origins:
        return CONTENT_SECURITY_POLICY
    return CONTENT_SECURITY_POLICY.replace("img-src 'self' data:", "img-src 'self' data: " + " ".join(image_origins))


_ASCII_MOBILE = re.compile(r"(?:\+98|0098|98|0)?9[0-9]{9}")


@functools.cache
def _digit_runs() -> re.Pattern[str]:
    """Runs of digits of any script (everything ``str.isdigit`` accepts: fullwidth, Devanagari, superscript, …),
    with an optional leading ``+``. Built once, on first use."""
    others = "".join(chr(c) for c in range(sys.maxunicode + 1) if chr(c).isdigit() and not chr(c).isdecimal())
    digit = rf"[\d{re.escape(others)}]"
    return re.compile(rf"(?<!{digit})\+?{digit}+")


def _mask_run(match: re.Match[str]) -> str:
    text = match.group(0)
    value = "".join(ch if ch == "+" else str(unicodedata.digit(ch, 0)) for ch in text)
    if _ASCII_MOBILE.fullmatch(value):
        return text[:-7] + "***" + text[-4:]
    if len(value) == 10 and value.isascii() and not value.startswith("+"):
        return text[:3] + "****" + text[-3:]
    return text


def mask_text(text: str) -> str:
    """Mask every mobile number and national ID in a text, written in digits of any script."""
    return _digit_runs().sub(_mask_run, text)


class PiiMaskingFilter(logging.Filter):
    """A logging filter that masks national IDs and mobiles in the message and the traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        mask_record(record)
        return True


def mask_record(record: logging.LogRecord) -> logging.LogRecord:
    """Format the record's message now, masked, and mask its traceback text."""
    if getattr(record, "pii_masked", False):
        return record
    try:
        message = record.getMessage()
    except Exception:  # a broken format string: leave it to the handler to report  # noqa: BLE001
        return record
    record.msg, record.args = mask_text(message), ()
    if record.exc_info and not record.exc_text:
        record.exc_text = logging.Formatter().formatException(record.exc_info)
    if record.exc_text:
        record.exc_text = mask_text(record.exc_text)
    record.pii_masked = True
    return record


_factory_installed = False


def install_log_masking() -> None:
    """Mask every log record made in this process, whichever logger or handler it goes to (once)."""
    global _factory_installed
    if _factory_installed:
        return
    previous = logging.getLogRecordFactory()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        return mask_record(previous(*args, **kwargs))

    logging.setLogRecordFactory(factory)
    _factory_installed = True


def may_see_in_full(office: Any) -> bool:
    """Whether the person looking may see this office's citizens' national IDs and mobiles in full."""
    from flask_login import current_user

    from offices.auth import can_operate_office

    return office is not None and can_operate_office(current_user, office)


def mask_pii(value: Any, office: Any = None) -> str:
    """Template filter: the value in full for the office handling it, masked for everyone else."""
    text = "" if value is None else str(value)
    return text if may_see_in_full(office) else mask_text(text)


SECURITY_HEADERS = (
    ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
    ("X-Frame-Options", "DENY"),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "strict-origin-when-cross-origin"),
    ("Cross-Origin-Opener-Policy", "same-origin"),
    ("Permissions-Policy", "camera=(), microphone=(), geolocation=(self)"),
)


def set_headers(response: Response) -> Response:
    """``after_request``: the security headers (those a view set itself are kept)."""
    headers = response.headers
    present = {name.lower() for name, _ in headers.items()}
    policy = current_app.config.get("CONTENT_SECURITY_POLICY_HEADER") or CONTENT_SECURITY_POLICY
    for name, value in SECURITY_HEADERS:
        if name.lower() not in present:
            headers.add(name, policy if name == "Content-Security-Policy" else value)
    if request.is_secure and "strict-transport-security" not in present:
        headers.add("Strict-Transport-Security", HSTS)
    return response


# ---------------------------------------------------------------- free text

#: Bidirectional formatting characters: embeddings and overrides (U+202A–U+202E), isolates (U+2066–U+2069)
#: and the left-to-right, right-to-left and Arabic letter marks (U+200E, U+200F, U+061C). An override turns
#: what staff read around ("gpj.exe" shows as "exe.jpg"); Persian text needs none of them (the zero-width
#: non-joiner, part of Persian spelling, is kept).
BIDI_CONTROLS = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"
#: An Arabic keyboard layout (the default on many phones) types Arabic yeh and kaf, which look like the
#: Persian letters but are other characters: a search for «کارت» would not find «كارت». Stored as ی and ک.
ARABIC_TO_PERSIAN = {"\u064a": "\u06cc", "\u0643": "\u06a9"}  # ي → ی, ك → ک
_STORED_TEXT = {**{ord(ch): None for ch in BIDI_CONTROLS}, **{ord(a): p for a, p in ARABIC_TO_PERSIAN.items()}}


def clean_text(text: str | None) -> str:
    """Free text as it is stored (the one function every typed text passes through at the input boundary:
    complaints, survey comments, supervisors' answers): bidirectional control characters removed, Arabic
    yeh and kaf written as the Persian ی and ک, outer spaces stripped."""
    return (text or "").translate(_STORED_TEXT).strip()


# ---------------------------------------------------------------- JSON bodies

class SafeJSONProvider(DefaultJSONProvider):
    """Flask's JSON, except that a body nested too deep for the parser is a 400, not a ``RecursionError``."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        try:
            return super().loads(s, **kwargs)
        except RecursionError:
            from flask_babel import gettext as _

            error = BadRequest(_("The JSON in the request is nested too deeply."))
            error.safnama_detail = True  # type: ignore[attr-defined]
            raise error from None


# ---------------------------------------------------------------- servers

SERVER_NAME = "Safnama"


class BannerlessRequestHandler(WSGIRequestHandler):
    """Werkzeug's request handler without its ``Server: Werkzeug/… Python/…`` banner."""

    def version_string(self) -> str:
        return SERVER_NAME


def secure_cookies(app: Flask) -> None:
    """Session and remember-me cookies ``Secure`` outside demo mode (the session also holds the CSRF token)."""
    secure = not app.config.get("DEMO_MODE")
    app.config["SESSION_COOKIE_SECURE"] = secure
    app.config["REMEMBER_COOKIE_SECURE"] = secure


def init_app(app: Flask) -> None:
    """Security headers on every response, masked logs, the ``mask_pii`` filter and the audit log."""
    from booking import audit

    install_log_masking()
    secure_cookies(app)
    from booking.maps import tile_origin

    origin = tile_origin(app.config.get("MAP_TILE_URL", ""))
    app.config["CONTENT_SECURITY_POLICY_HEADER"] = content_security_policy((origin,) if origin else ())
    app.json = SafeJSONProvider(app)
    app.after_request(set_headers)
    app.add_template_filter(mask_pii, "mask_pii")
    audit.init_app(app)
