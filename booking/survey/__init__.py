"""The satisfaction survey after a visit: a rating from 1 to 5 and a comment, by the appointment's tracking code.

The link arrives by SMS once the citizen has been served; the answer feeds the supervisors' satisfaction KPI.
"""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("survey", __name__)

from booking.survey import views  # noqa: E402,F401  (registers the routes)
