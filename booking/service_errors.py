"""Errors that booking services raise for a person's bad input or a broken rule.

Each carries a machine-readable ``code``, the HTTP ``status`` a view or the API answers with, the form
``field`` it concerns (if any) and a message marked for translation (English msgid, Persian catalogue),
so that pages and the API both show it in the visitor's language.
"""
from __future__ import annotations

from typing import Any


class ServiceError(Exception):
    """A request a service refuses; never a bug. ``str(error)`` is the translated message."""

    status: int = 422

    def __init__(self, code: str, message: Any, *, status: int | None = None, field: str | None = None,
                 retry_after: int | None = None) -> None:
        super().__init__(code)
        self.code = code
        self.message = message  # a lazy string: translated when shown
        self.field = field
        self.retry_after = retry_after
        if status is not None:
            self.status = status

    def __str__(self) -> str:
        return str(self.message)


class InvalidInput(ServiceError):
    """Something a person typed is not valid (HTTP 422)."""

    status = 422


class NotFound(ServiceError):
    status = 404


class RuleBroken(ServiceError):
    """A booking rule refuses the request (HTTP 409): full slot, too many appointments, …"""

    status = 409


class TooManyRequests(ServiceError):
    status = 429
