"""The satisfaction survey after a visit: a rating from 1 to 5 and a comment, by the appointment's tracking code.

The link arrives by SMS once the citizen has been served; the answer feeds the supervisors' satisfaction KPI.
"""
from __future__ import annotations

from booking.survey.blueprint import bp
from booking.survey import views  # noqa: F401  (registers its routes)

__all__ = ["bp"]
