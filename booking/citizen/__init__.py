"""Citizens' pages: find an office, the recommendation, office page, booking, tickets, my appointments."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("citizen", __name__)

from booking.citizen import views  # noqa: E402,F401  (registers the views on the blueprint)
