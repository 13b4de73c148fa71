"""Security headers, masking of national IDs and mobiles in pages and logs, and the staff audit log.

* Every response carries a Content-Security-Policy without inline script (all JavaScript is in
  ``static/js``), ``X-Frame-Options: DENY`` and ``frame-ancestors 'none'``, ``X-Content-Type-Options:
  nosniff``, a strict referrer policy, and, when served over HTTPS, ``Strict-Transport-Security``.
* :func:`mask_text` hides national IDs (``123****890``) and mobiles (``0912***6789``) inside any text;
  :class:`PiiMaskingFilter` / :func:`install_log_masking` apply it to every log record;
  the ``mask_pii`` template filter shows a value in full only to the office handling it (its operators and
  admins) and masks it for everyone else.
* :mod:`booking.audit` writes a row for every staff action.
"""
from __future__ import annotations

import logging
import re
from typing import Any

from flask import Flask, Response, request

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

_DIGIT = "[0-9\u06f0-\u06f9\u0660-\u0669]"
_MOBILE = re.compile(rf"(?<!{_DIGIT})(?:\+98|0098|[0\u06f0\u0660])?[9\u06f9\u0669]{_DIGIT}{{9}}(?!{_DIGIT})")
_NATIONAL_ID = re.compile(rf"(?<!{_DIGIT}){_DIGIT}{{10}}(?!{_DIGIT})")


def _mask_mobile(match: re.Match[str]) -> str:
    text = match.group(0)
    return text[:-7] + "***" + text[-4:]


def _mask_national_id(match: re.Match[str]) -> str:
    text = match.group(0)
    return text[:3] + "****" + text[-3:]


def mask_text(text: str) -> str:
    """Mask every mobile number and national ID in a text (Persian or ASCII digits)."""
    return _NATIONAL_ID.sub(_mask_national_id, _MOBILE.sub(_mask_mobile, text))


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
    for name, value in SECURITY_HEADERS:
        if name.lower() not in present:
            headers.add(name, value)
    if request.is_secure and "strict-transport-security" not in present:
        headers.add("Strict-Transport-Security", HSTS)
    return response


def init_app(app: Flask) -> None:
    """Security headers on every response, masked logs, the ``mask_pii`` filter and the audit log."""
    from booking import audit

    install_log_masking()
    app.after_request(set_headers)
    app.add_template_filter(mask_pii, "mask_pii")
    audit.init_app(app)
