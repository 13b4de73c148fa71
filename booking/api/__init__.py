"""The JSON API under ``/api``: the citizen journey's services, an OpenAPI 3 document generated from the
code (``/api/openapi.json``) and browsable documentation (``/api/docs``).

The API keeps no session: it is exempt from CSRF (forms elsewhere keep it). Errors are RFC 9457 problem
details in the request's language (``?lang=`` or ``Accept-Language``); dates are ISO 8601.
"""
from __future__ import annotations

from flask import Blueprint

from booking.extensions import csrf

bp = Blueprint("api", __name__, url_prefix="/api")
csrf.exempt(bp)

from booking.api import routes  # noqa: E402,F401  (registers the routes on the blueprint)
from booking.api import records  # noqa: E402,F401  (GET /offices/<code>/record)
