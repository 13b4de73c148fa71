"""The JSON API under ``/api``: the citizen journey's services, an OpenAPI 3 document generated from the
code (``/api/openapi.json``) and browsable documentation (``/api/docs``).

The API keeps no session: it is exempt from CSRF (forms elsewhere keep it). Errors are RFC 9457 problem
details in the request's language (``?lang=`` or ``Accept-Language``); dates are ISO 8601.
"""
from __future__ import annotations

from booking.api.blueprint import bp
from booking.api import routes  # noqa: F401  (registers its routes)
from booking.api import records  # noqa: F401  (registers its routes)

__all__ = ["bp"]
