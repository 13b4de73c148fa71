"""Where new offices and counters are needed (supervisors): a city's office plan, simulated in the background.

The service functions are in :mod:`offices.planning.service`; the SVG map in :mod:`offices.planning.maps`.
"""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("planning", __name__, url_prefix="/planning")

from offices.planning import views  # noqa: E402,F401  (registers the routes)

__all__ = ["bp"]
